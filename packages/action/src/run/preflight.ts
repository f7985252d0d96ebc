import { parseLightevalVersion, UnsupportedLightevalVersionError } from '@model-eval/planner';
import type { Transport } from '@model-eval/slurm';
import { z } from 'zod';

/**
 * Preflight: before any GPU job is queued, ask the cluster what a job would really run. Over the same
 * connection, the job's setup lines run in one `bash -s`, then the probe reports whether `lighteval`
 * is on the PATH and which lighteval / vllm / torch / transformers the environment's Python has
 * (`importlib.metadata`), and the GPU model if `nvidia-smi` is there. A missing LightEval, or a
 * `lighteval-version` that disagrees with the installed one, is refused here instead of after hours in
 * the queue; `lighteval-version: auto` takes the installed release.
 *
 * Where the login node's environment is not the compute nodes', `jobPreflightLines` is the same check
 * for the first seconds of the job itself.
 */

export const PREFLIGHT_PACKAGES = ['lighteval', 'vllm', 'torch', 'transformers'] as const;
export type PreflightPackage = (typeof PREFLIGHT_PACKAGES)[number];

const MARKER = 'MODEL_EVAL_PREFLIGHT';

/** The one Python line both probes run: versions as JSON, `null` for a package that is not installed. */
const VERSIONS_PY =
  'import importlib.metadata as m, json\n' +
  'def v(p):\n' +
  '    try:\n' +
  '        return m.version(p)\n' +
  '    except Exception:\n' +
  '        return None\n' +
  `print(json.dumps({p: v(p) for p in ${JSON.stringify(PREFLIGHT_PACKAGES)}}))`;

const singleQuoted = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * The probe script (for `bash -s`): the setup lines first, each in its own group so a failing one is
 * reported and the rest still run, their output kept apart from the probe's `MARKER key=value` lines.
 */
export function preflightScript(setupLines: readonly string[]): string {
  const lines = ['set +e', 'exec 3>&1 1>&2'];
  setupLines.forEach((line, index) => {
    lines.push('{', line, `} || printf '${MARKER} setup_failed=%s\\n' ${index + 1} >&3`);
  });
  lines.push(
    'exec 1>&3',
    `printf '${MARKER} lighteval_path=%s\\n' "$(command -v lighteval 2>/dev/null)"`,
    'py=$(command -v python3 2>/dev/null || command -v python 2>/dev/null)',
    `printf '${MARKER} python=%s\\n' "$py"`,
    `[ -n "$py" ] && printf '${MARKER} packages=%s\\n' "$("$py" -c ${singleQuoted(VERSIONS_PY)} 2>/dev/null)"`,
    // The LightEval stand-in of the test cluster and --simulate answers for itself (a script has no metadata).
    `lv=$(command -v lighteval 2>/dev/null) && head -c 2048 "$lv" 2>/dev/null | grep -q 'SIMULATED' && printf '${MARKER} standin=%s\\n' "$(LIGHTEVAL_STANDIN_METADATA=1 "$lv" 2>/dev/null)"`,
    `printf '${MARKER} gpu=%s\\n' "$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1)"`,
    'exit 0',
  );
  return `${lines.join('\n')}\n`;
}

const versionsSchema = z.object(
  Object.fromEntries(PREFLIGHT_PACKAGES.map((p) => [p, z.string().nullable().optional()])) as Record<
    PreflightPackage,
    z.ZodOptional<z.ZodNullable<z.ZodString>>
  >,
);
const standinSchema = versionsSchema.extend({ simulated: z.literal(true) });

export interface PreflightProbe {
  /** `command -v lighteval` after the setup lines, or null. */
  lightevalPath: string | null;
  python: string | null;
  /** Installed versions; null when the package (or Python) is missing. */
  versions: Record<PreflightPackage, string | null>;
  /** The versions came from the LightEval stand-in (test cluster, --simulate), not from a real install. */
  simulated: boolean;
  /** First line of `nvidia-smi --query-gpu=name`, when the probed machine has one. */
  gpu: string | null;
  /** 1-based indexes of setup lines that exited non-zero. */
  failedSetupLines: number[];
}

/** Reads the probe's `MODEL_EVAL_PREFLIGHT key=value` lines (everything else is the setup lines' noise). */
export function parsePreflightOutput(stdout: string): PreflightProbe {
  const values = new Map<string, string>();
  const failed: number[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.startsWith(`${MARKER} `)) continue;
    const body = line.slice(MARKER.length + 1);
    const eq = body.indexOf('=');
    if (eq < 0) continue;
    const key = body.slice(0, eq);
    const value = body.slice(eq + 1).trim();
    if (key === 'setup_failed') failed.push(Number(value));
    else values.set(key, value);
  }
  const json = (text: string | undefined): unknown => {
    try {
      return text ? JSON.parse(text) : undefined;
    } catch {
      return undefined;
    }
  };
  const installed = versionsSchema.safeParse(json(values.get('packages')));
  const standin = standinSchema.safeParse(json(values.get('standin')));
  const fromPython = installed.success ? installed.data : {};
  // A real installation wins over the stand-in's answer; the stand-in fills in when Python has no LightEval.
  const useStandin = standin.success && !fromPython.lighteval;
  const source = useStandin && standin.success ? standin.data : fromPython;
  const versions = Object.fromEntries(PREFLIGHT_PACKAGES.map((p) => [p, source[p] ?? null])) as Record<
    PreflightPackage,
    string | null
  >;
  return {
    lightevalPath: values.get('lighteval_path') || null,
    python: values.get('python') || null,
    versions,
    simulated: useStandin,
    gpu: values.get('gpu') || null,
    failedSetupLines: failed,
  };
}

export class PreflightError extends Error {
  override name = 'PreflightError';
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

const JOB_SETUP_EXAMPLE = [
  'job-setup: |',
  '  source /shared/envs/lighteval/bin/activate   # or: module load lighteval / conda activate eval',
].join('\n');

/** `0.13.0` from `0.13.0`, `0.13`, `v0.13.0`, `0.12.2+cu124`; null for text that is no version. */
function releaseOf(text: string): string | null {
  try {
    const v = parseLightevalVersion(text);
    return `${v.major}.${v.minor}.${v.patch}`;
  } catch (error) {
    if (error instanceof UnsupportedLightevalVersionError && /^v?\d+\.\d+/.test(text.trim())) {
      const [major, minor, patch = '0'] = text.trim().replace(/^v/, '').split(/[.+-]/);
      return `${major}.${minor}.${patch}`;
    }
    return null;
  }
}

/**
 * The LightEval release to plan for. `requested` is the `lighteval-version` input: `auto` (or absent)
 * takes the installed release; an explicit version must match it (major.minor.patch).
 */
export function decideLightevalVersion(probe: PreflightProbe, requested: string | undefined): string {
  const where = probe.lightevalPath ? ` (${probe.lightevalPath})` : '';
  if (!probe.lightevalPath && !probe.versions.lighteval) {
    throw new PreflightError(
      '`lighteval` is not on the PATH of the job environment: the job would fail before evaluating anything.',
      `Install LightEval with vLLM (pip install "lighteval[vllm]") where the jobs run and make the job's setup lines activate it, e.g.\n${JOB_SETUP_EXAMPLE}`,
    );
  }
  const installedText = probe.versions.lighteval;
  const auto =
    requested === undefined || requested.trim() === '' || requested.trim().toLowerCase() === 'auto';
  if (!installedText) {
    if (!auto) return releaseOf(requested) ?? requested;
    throw new PreflightError(
      `\`lighteval\` is on the PATH${where}, but ${probe.python ? `the Python there (${probe.python})` : 'no Python there'} cannot say which LightEval release it is, so lighteval-version: auto cannot choose a command line.`,
      'Make the job setup activate the environment LightEval is installed in (so `python -c "import lighteval"` works), or set lighteval-version to the installed release, e.g. lighteval-version: 0.13.0.',
    );
  }
  const installed = releaseOf(installedText);
  if (installed === null) {
    throw new PreflightError(
      `the installed LightEval reports version '${installedText}'${where}, which is not MAJOR.MINOR.PATCH.`,
      'Set lighteval-version explicitly to the release this build corresponds to.',
    );
  }
  // Refuses releases the planner cannot build a command line for (before 0.8), with its own hint.
  parseLightevalVersion(installed);
  if (auto) return installed;
  const wanted = releaseOf(requested);
  if (wanted === installed) return installed;
  throw new PreflightError(
    `lighteval-version is ${requested}, but the job environment has LightEval ${installedText} installed${where}: the command line planned for ${requested} would not be the one it accepts.`,
    `Set lighteval-version: auto (or ${installed}) to evaluate with the installed LightEval, or install LightEval ${requested} in the environment the job setup activates.`,
  );
}

export interface PreflightOptions {
  /** The `lighteval-version` input (`auto`, absent, or MAJOR.MINOR[.PATCH]). */
  lightevalVersion?: string | undefined;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface PreflightReport extends PreflightProbe {
  /** The release to plan the command line for. */
  lightevalVersion: string;
  /** One line for the log and the report: what the job will run. */
  summary: string;
}

/** Runs the probe over `transport` after `setupLines`, then decides the release (throws `PreflightError`). */
export async function preflight(
  transport: Transport,
  setupLines: readonly string[],
  options: PreflightOptions = {},
): Promise<PreflightReport> {
  const result = await transport.exec(['bash', '-s'], {
    stdin: preflightScript(setupLines),
    timeoutMs: options.timeoutMs ?? 120_000,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (result.exitCode !== 0 || !result.stdout.includes(MARKER)) {
    throw new PreflightError(
      `the preflight check could not run on the cluster (exit ${String(result.exitCode)}): ${result.stderr.trim().split('\n').slice(-3).join(' | ')}`,
      'Check that the login shell of the cluster user is bash-compatible and that the job setup lines run there.',
    );
  }
  const probe = parsePreflightOutput(result.stdout);
  const lightevalVersion = decideLightevalVersion(probe, options.lightevalVersion);
  return { ...probe, lightevalVersion, summary: summarize(probe) };
}

export function summarize(probe: PreflightProbe): string {
  const v = probe.versions;
  const parts = PREFLIGHT_PACKAGES.map((p) => `${p} ${v[p] ?? 'missing'}`);
  const gpu = probe.gpu ? `, GPU ${probe.gpu}` : '';
  const failed = probe.failedSetupLines.length
    ? `; setup line(s) ${probe.failedSetupLines.join(', ')} failed`
    : '';
  return `${probe.simulated ? 'SIMULATED ' : ''}${parts.join(', ')}${gpu}${failed}`;
}

/**
 * The same check for the job's first seconds (put after its setup lines, before `lighteval`), for
 * clusters whose compute nodes do not share the login node's environment: stops with a clear message
 * when `lighteval` is missing or another release than `expectedVersion` is installed, and records the
 * versions and the GPU model in `model-eval-versions.json` / `model-eval-gpu.txt` in the job directory.
 */
export function jobPreflightLines(expectedVersion: string, exitCode = 3): string[] {
  const expected = singleQuoted(expectedVersion);
  return [
    `if ! command -v lighteval >/dev/null 2>&1; then echo ${singleQuoted(`model-eval: lighteval is not on the PATH after the job setup lines; install LightEval and activate it in job-setup, e.g. "${JOB_SETUP_EXAMPLE.split('\n')[1]?.trim()}"`)} >&2; exit ${exitCode}; fi`,
    `__me_py=$(command -v python3 || command -v python); "$__me_py" -c ${singleQuoted(VERSIONS_PY)} > model-eval-versions.json 2>/dev/null || true`,
    'nvidia-smi --query-gpu=name --format=csv,noheader > model-eval-gpu.txt 2>/dev/null || true',
    `__me_lv=$("$__me_py" -c 'import importlib.metadata as m; print(m.version("lighteval"))' 2>/dev/null || true)`,
    `case "$__me_lv" in "" | ${expected} | ${expected}[+.]*) ;; *) echo "model-eval: this job was planned for LightEval "${expected}", but the node has LightEval $__me_lv; set lighteval-version: auto or $__me_lv" >&2; exit ${exitCode};; esac`,
  ];
}

export interface JobVersionsRecord {
  versions: Record<PreflightPackage, string | null>;
  gpu: string | null;
}

/**
 * What a job really ran, from the files `jobPreflightLines` leaves in its directory
 * (`model-eval-versions.json`, `model-eval-gpu.txt`): for the report, instead of the plan's belief.
 * Returns null when the job left no readable record.
 */
export function parseJobVersionsRecord(versionsJson: string, gpuText = ''): JobVersionsRecord | null {
  let raw: unknown;
  try {
    raw = JSON.parse(versionsJson);
  } catch {
    return null;
  }
  const parsed = versionsSchema.safeParse(raw);
  if (!parsed.success) return null;
  const versions = Object.fromEntries(PREFLIGHT_PACKAGES.map((p) => [p, parsed.data[p] ?? null])) as Record<
    PreflightPackage,
    string | null
  >;
  return { versions, gpu: gpuText.split('\n')[0]?.trim() || null };
}
