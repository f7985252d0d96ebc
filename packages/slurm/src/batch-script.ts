import { UnsafeBatchValueError } from './errors';
import { GRES_TYPE_PATTERN, type JobSpec, logPatterns, secretsPath, timeLimitSeconds } from './job-spec';
import { renderMultiNode } from './multi-node-script';
import { shellJoin, shellQuote } from './shell-quote';

/** Exit status of a job whose secrets file vanished (e.g. requeued after it was scrubbed). */
export const MISSING_SECRETS_EXIT_CODE = 97;

/**
 * The batch script for `spec`. `#SBATCH` lines are read by sbatch, not by a shell, and sbatch's own
 * quoting rules are not POSIX: so directive values are restricted to characters that need no quoting
 * and anything else is refused. Every value in the shell part is single-quoted.
 */
export function renderBatchScript(spec: JobSpec): string {
  const directives = renderDirectives(spec);
  // A login shell: with --export=NONE the job inherits nothing from the submitting process, so the
  // cluster account's own profile (PATH, module system) is what sets the job's environment up.
  const lines: string[] = ['#!/bin/bash -l', ...directives.map((d) => `#SBATCH ${d}`)];
  lines.push(
    '# Rendered by @model-eval/slurm. Values are single-quoted; secrets are sourced from a 0600 file, never written here.',
    'set -eo pipefail',
    // srun steps inside the job inherit sbatch's NONE unless told otherwise (sbatch man page, 22.05:
    // "SLURM_EXPORT_ENV should be set to ALL in the job script"); the job's environment is clean by now.
    'export SLURM_EXPORT_ENV=ALL',
  );
  const multiNode = spec.multiNode ? renderMultiNode(spec, spec.multiNode) : undefined;
  const secretNames = Object.keys(spec.secrets ?? {});
  if (secretNames.length > 0) {
    secretNames.forEach((name) => {
      assertEnvironmentName(name, 'secret');
    });
    lines.push(
      `model_eval_secrets=${shellQuote(secretsPath(spec))}`,
      // Delete the secrets when the job ends. Not when Slurm stops it with SIGTERM (requeue, preemption,
      // time limit): a requeued run needs them again; collect and cancel scrub the file in that case.
      // Array tasks share the file, so only collect scrubs it for them.
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, not a JS template
      'if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then',
      `  trap 'rm -f -- "$model_eval_secrets"' EXIT`,
      `  trap 'trap - EXIT; exit 143' TERM`,
      // A multi-node job's own traps (below) stop its steps and then scrub the file.
      ...(multiNode ? ['  model_eval_scrub=1'] : []),
      'fi',
      'if [ ! -r "$model_eval_secrets" ]; then',
      `  echo "model-eval: the secrets file $model_eval_secrets is missing (was the job requeued after it was scrubbed?); resubmit the job." >&2`,
      `  exit ${MISSING_SECRETS_EXIT_CODE}`,
      'fi',
      '. "$model_eval_secrets"',
    );
  }
  for (const [name, value] of Object.entries(spec.environment ?? {})) {
    assertEnvironmentName(name, 'environment variable');
    lines.push(`export ${name}=${shellQuote(value)}`);
  }
  for (const line of spec.setup ?? []) {
    if (line.includes('\0')) {
      throw new UnsafeBatchValueError(
        'A job setup line contains a NUL character.',
        'Remove the NUL byte from the setup lines in the configuration.',
      );
    }
    lines.push(line);
  }
  if (spec.command.length === 0) {
    throw new UnsafeBatchValueError('The job has no command.', 'Give the job a command to run.');
  }
  if (multiNode) lines.push(...multiNode.prelude, ...multiNode.run, '');
  else lines.push(shellJoin(spec.command), '');
  return lines.join('\n');
}

/** The secrets file's content: `export NAME='value'` lines, sourced by the job. */
export function renderSecretsFile(secrets: Record<string, string>): string {
  return Object.entries(secrets)
    .map(([name, value]) => {
      assertEnvironmentName(name, 'secret');
      return `export ${name}=${shellQuote(value)}\n`;
    })
    .join('');
}

function renderDirectives(spec: JobSpec): string[] {
  const out: string[] = [];
  const add = (option: string, value: string | number | undefined) => {
    if (value === undefined) return;
    out.push(`--${option}=${directiveValue(option, String(value))}`);
  };
  checkIdentity(spec);
  add('job-name', spec.name);
  add('comment', spec.key);
  if (spec.timeLimit !== undefined) {
    if (timeLimitSeconds(spec.timeLimit) === undefined) {
      throw new UnsafeBatchValueError(
        `The time limit "${spec.timeLimit}" is not in a form Slurm reads.`,
        'Use MM, HH:MM:SS or D-HH:MM:SS, e.g. 04:00:00 or 1-00:00:00.',
      );
    }
    add('time', spec.timeLimit);
  }
  add('partition', spec.partition);
  add('account', spec.account);
  add('qos', spec.qos);
  add('nodes', positive('nodes', spec.nodes ?? 1));
  add('ntasks-per-node', 1);
  const gpus = positive('gpus-per-node', spec.gpusPerNode);
  if (gpus !== undefined) {
    const type = gresType(spec);
    const typed = type !== undefined ? `${type}:${gpus}` : String(gpus);
    if (spec.gpuFlag === 'gpus-per-node') add('gpus-per-node', typed);
    else add('gres', `gpu:${typed}`);
  }
  add('cpus-per-task', positive('cpus-per-task', spec.cpusPerTask));
  add('mem', spec.memory);
  add('constraint', spec.constraint);
  add('chdir', spec.runDir);
  const logs = logPatterns(spec);
  add('output', logs.stdout);
  add('error', logs.stderr);
  add('array', arrayValue(spec));
  // sbatch's default --export=ALL hands the submitting process's whole environment (on a login-node
  // runner: INPUT_*, GITHUB_TOKEN, the SSH key) to the job, i.e. to the evaluated model's code. NONE
  // passes only SLURM_* (sbatch man page, Slurm 22.05); the script exports what the job needs.
  out.push('--export=NONE');
  if (spec.requeue ?? true) out.push('--requeue');
  else out.push('--no-requeue');
  out.push(...extraDirectives(spec));
  return out;
}

/** The GPU type of the request, checked: it becomes part of `--gres=gpu:TYPE:N`. */
function gresType(spec: JobSpec): string | undefined {
  if (spec.gpuType === undefined) return undefined;
  if (!GRES_TYPE_PATTERN.test(spec.gpuType)) {
    throw new UnsafeBatchValueError(
      `The GPU type ${JSON.stringify(spec.gpuType)} is not a GRES type name (letters, digits, '_', '.', '-').`,
      "Use the type name the cluster's gres.conf gives its GPUs (`scontrol show node` lists them as gpu:TYPE:N), e.g. h100.",
    );
  }
  return spec.gpuType;
}

function positive(option: string, value: number | undefined): number | undefined {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new UnsafeBatchValueError(
      `--${option} must be a positive whole number, got ${value}.`,
      `Fix the ${option} value in the job specification.`,
    );
  }
  return value;
}

/** The key and name find a job again (`--comment`, `sacct --name=a,b`): both must survive that. */
function checkIdentity(spec: JobSpec): void {
  if (!/^[A-Za-z0-9._:-]{1,128}$/.test(spec.key)) {
    throw new UnsafeBatchValueError(
      `The idempotency key ${JSON.stringify(spec.key)} must be 1–128 letters, digits, '.', '_', ':' or '-'.`,
      'Derive the key from a hash of what identifies the job (model, revision, benchmark, plan).',
    );
  }
  if (spec.name.includes(',')) {
    // Earlier jobs are found with `sacct --name=a,b,c`, where a comma separates names.
    throw new UnsafeBatchValueError(
      `The job name ${JSON.stringify(spec.name)} contains a comma.`,
      'Use a job name without commas (the idempotency key itself is a good name).',
    );
  }
}

function arrayValue(spec: JobSpec): string | undefined {
  if (!spec.array) return undefined;
  if (!/^\d+(?:-\d+(?::\d+)?)?(?:,\d+(?:-\d+(?::\d+)?)?)*$/.test(spec.array.indices)) {
    throw new UnsafeBatchValueError(
      `The job array indices "${spec.array.indices}" are not in a form Slurm reads.`,
      'Use ranges and lists of task numbers such as 0-199 or 1,3,5-7.',
    );
  }
  const throttle = positive('array throttle', spec.array.throttle);
  return throttle === undefined ? spec.array.indices : `${spec.array.indices}%${throttle}`;
}

/** The user's extra directives, each a long option, never one that changes the job's environment. */
function extraDirectives(spec: JobSpec): string[] {
  return (spec.extraDirectives ?? []).map((directive) => {
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s.exec(directive);
    if (!match) {
      throw new UnsafeBatchValueError(
        `The extra directive "${directive}" is not a long sbatch option.`,
        'Write extra directives as --option or --option=value (e.g. --reservation=eval).',
      );
    }
    const [, option = '', value] = match;
    if (ENVIRONMENT_OPTIONS.has(option)) {
      throw new UnsafeBatchValueError(
        `The extra directive --${option} would hand the runner's environment (and its secrets) to the job.`,
        'Remove it: jobs run with --export=NONE; put what the job needs in the environment settings or the job setup lines.',
      );
    }
    return value === undefined ? `--${option}` : `--${option}=${directiveValue(option, value)}`;
  });
}

// Options that decide which environment the job inherits; ours (--export=NONE) must be the only word.
const ENVIRONMENT_OPTIONS = new Set(['export', 'export-file', 'get-user-env']);

function directiveValue(option: string, value: string): string {
  if (/[\r\n]/.test(value)) {
    throw new UnsafeBatchValueError(
      `The value of #SBATCH --${option} contains a newline, which would end the directive and start a new line of the script.`,
      `Remove line breaks from the ${option} value.`,
    );
  }
  if (value === '' || !/^[\x21-\x7e]+$/.test(value) || /["'\\|#`$]/.test(value)) {
    throw new UnsafeBatchValueError(
      `The value of #SBATCH --${option} (${JSON.stringify(value)}) contains characters sbatch cannot read safely in a directive (spaces, quotes, backslashes, |, #, $, backticks, control or non-ASCII characters) or is empty.`,
      `Use a ${option} made of letters, digits and punctuation such as - _ . / : , = @ + %.`,
    );
  }
  return value;
}

function assertEnvironmentName(name: string, what: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new UnsafeBatchValueError(
      `The ${what} name ${JSON.stringify(name)} is not a valid shell variable name.`,
      'Use letters, digits and underscores, not starting with a digit.',
    );
  }
}
