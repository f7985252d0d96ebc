import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import {
  cancelJobs,
  classifyJobFailure,
  type FoundJob,
  findJobsByKeys,
  type JobOutcome,
  type JobSpec,
  type Logger,
  logPaths,
  makeOwnedDirectory,
  pollJobStates,
  renderBatchScript,
  type SlurmJobState,
  type SuperviseResult,
  scriptPath,
  secretsPath,
  submitJob,
  superviseJobs,
  type Transport,
  type WatchEvent,
  writeSecretsFile,
} from '@model-eval/slurm';

export interface ExecutorEvents {
  /** Each submission (also reattachments), so the caller can record job ids at once. */
  onSubmitted?: (spec: JobSpec, jobId: string, reattached: boolean) => void | Promise<void>;
  /** State changes and polls, for live progress. */
  onEvent?: (event: WatchEvent) => void;
  signal?: AbortSignal;
}

export interface SuperviseEvents extends ExecutorEvents {
  /** Submits a retry after a retryable failure and returns its id (see `superviseJobs`). */
  resubmit: (spec: JobSpec, failedJobId: string) => Promise<string>;
  /** Resubmissions per job after retryable failures; 0 when only watching (a reopened run). */
  retryBudget?: number;
}

/**
 * Jobs on a Slurm cluster. Submitting and watching are separate steps, so the run's record decides
 * what is submitted (under its lock) and the watch only follows ids it was given.
 */
export interface SlurmExecutor {
  readonly kind: 'slurm';
  readonly transport: Transport;
  /** One sbatch for `spec`; never searches for earlier jobs (the caller has done so). */
  submit(spec: JobSpec): Promise<string>;
  /** Earlier jobs carrying these specs' keys; throws when Slurm cannot tell (never "none" by guess). */
  findByKeys(specs: readonly JobSpec[]): Promise<Map<string, FoundJob>>;
  /** One status query for these jobs (no waiting). */
  poll(jobIds: readonly string[]): Promise<Map<string, SlurmJobState>>;
  /** Watches submitted jobs (attempts by spec key) to their end, retrying retryable failures. */
  supervise(
    specs: readonly JobSpec[],
    attached: ReadonlyMap<string, readonly string[]>,
    events: SuperviseEvents,
  ): Promise<SuperviseResult>;
  /** Stops every job of the run; fast enough for a SIGINT/SIGTERM handler. */
  cancel(jobIds: readonly string[], specs: readonly JobSpec[]): Promise<void>;
}

/** The job scripts as child processes of this one: they run as they are submitted, one at a time. */
export interface LocalExecutor {
  readonly kind: 'local';
  readonly transport: Transport;
  run(specs: readonly JobSpec[], events: ExecutorEvents): Promise<SuperviseResult>;
  cancel(jobIds: readonly string[], specs: readonly JobSpec[]): Promise<void>;
}

export type Executor = SlurmExecutor | LocalExecutor;

export class DetachNotSupportedError extends Error {
  override name = 'DetachNotSupportedError';
  readonly kind = 'bad-input' as const;
  readonly hint = 'Detached runs need a scheduler that keeps the jobs: use --executor slurm, or --wait.';
  constructor() {
    super('The local executor cannot detach or reopen a run: its jobs are child processes of this one.');
  }
}

/** The local executor runs a job script as one process on this machine: no allocation to span. */
export class LocalMultiNodeError extends Error {
  override name = 'LocalMultiNodeError';
  readonly kind = 'bad-input' as const;
  readonly hint =
    'Use --executor slurm for jobs on the ray or serve route, or plan for one node (--max-nodes 1, --route in-process).';
  constructor(spec: JobSpec) {
    super(
      `Job ${spec.name} runs on the ${spec.multiNode?.route} route over ${spec.nodes ?? 1} node(s), which needs Slurm's srun: the local executor has no allocation`,
    );
  }
}

export interface SlurmExecutorOptions {
  logger: Logger;
  pollIntervalMs?: number;
  pollIntervalCapMs?: number;
}

export function createSlurmExecutor(transport: Transport, options: SlurmExecutorOptions): SlurmExecutor {
  const { logger } = options;
  return {
    kind: 'slurm',
    transport,
    // The run says what it submitted (with the benchmarks and layout); sbatch's own line would repeat it.
    submit: async (spec) =>
      (await submitJob(transport, spec, { logger: { ...logger, info: () => {} }, reattach: false })).jobId,
    findByKeys: (specs) => findJobsByKeys(transport, specs, { logger }),
    poll: async (jobIds) => {
      const snapshots = await pollJobStates(transport, jobIds, { logger });
      return new Map([...snapshots].map(([id, snapshot]) => [id, snapshot.state]));
    },
    supervise: (specs, attached, events) =>
      superviseJobs(transport, specs, {
        logger,
        attached,
        resubmit: events.resubmit,
        ...(events.retryBudget !== undefined && { retryBudget: events.retryBudget }),
        ...(options.pollIntervalMs !== undefined && { initialIntervalMs: options.pollIntervalMs }),
        ...(options.pollIntervalCapMs !== undefined && { maxIntervalMs: options.pollIntervalCapMs }),
        ...(events.onEvent && { onEvent: events.onEvent }),
        ...(events.signal && { signal: events.signal }),
      }),
    cancel: async (jobIds, specs) => {
      await cancelJobs(transport, {
        jobIds,
        keys: specs.map((s) => s.key),
        scrubFiles: specs.filter((s) => s.secrets).map((s) => secretsPath(s)),
      });
    },
  };
}

/**
 * The embedded default: each job script runs with bash as a child process of this machine, one after
 * another (a laptop has one "node"). The script is the same one sbatch would get; `#SBATCH` lines are
 * comments to bash. Job ids are `local-N`.
 */
export function createLocalExecutor(transport: Transport, logger: Logger): LocalExecutor {
  const running = new Map<string, ReturnType<typeof spawn>>();
  let counter = 0;
  return {
    kind: 'local',
    transport,
    run: async (specs, events) => {
      const outcomes: JobOutcome[] = [];
      const multiNode = specs.find((spec) => spec.multiNode);
      if (multiNode) throw new LocalMultiNodeError(multiNode);
      for (const spec of specs) {
        const jobId = `local-${++counter}`;
        await makeOwnedDirectory(transport, spec.runDir, { reuse: true });
        await writeSecretsFile(transport, spec);
        await transport.writeFile(scriptPath(spec), renderBatchScript(spec), { mode: 0o700 });
        await events.onSubmitted?.(spec, jobId, false);
        const started = Date.now();
        emitState(events, jobId, { class: 'running', state: 'RUNNING', raw: 'RUNNING', elapsedSeconds: 0 });
        const exitCode = await runScript(spec, jobId, running, events.signal);
        const elapsedSeconds = Math.round((Date.now() - started) / 1000);
        const state: SlurmJobState =
          exitCode === 0
            ? { class: 'succeeded', state: 'COMPLETED', raw: 'COMPLETED', exitCode: 0, elapsedSeconds }
            : {
                class: 'failed',
                state: exitCode === null ? 'CANCELLED' : 'FAILED',
                raw: exitCode === null ? 'CANCELLED' : 'FAILED',
                retryable: false,
                ...(exitCode !== null && { exitCode }),
                elapsedSeconds,
              };
        emitState(events, jobId, state);
        const outcome: JobOutcome = { spec, jobId, attempts: [jobId], state };
        if (state.class === 'failed') {
          const classified = await classifyJobFailure(transport, spec, jobId, state);
          outcome.logTail = classified.logTail;
          outcome.failure = classified.failure;
          logger.warn(`Local job ${jobId} (${spec.name}) ended ${state.state}.`);
        }
        outcomes.push(outcome);
        if (state.state === 'CANCELLED') return { outcomes, cancelled: true };
      }
      return { outcomes, cancelled: false };
    },
    cancel: async () => {
      for (const child of running.values()) child.kill('SIGTERM');
    },
  };
}

function emitState(events: ExecutorEvents, jobId: string, state: SlurmJobState): void {
  events.onEvent?.({ type: 'state', jobId, state });
}

/** Resolves with the exit code, or null when the script was killed (cancelled). */
function runScript(
  spec: JobSpec,
  jobId: string,
  running: Map<string, ReturnType<typeof spawn>>,
  signal: AbortSignal | undefined,
): Promise<number | null> {
  const logs = logPaths(spec, jobId);
  const stdout = openSync(logs.stdout, 'w');
  const stderr = openSync(logs.stderr, 'w');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [scriptPath(spec)], {
      cwd: spec.runDir,
      stdio: ['ignore', stdout, stderr],
      env: { ...localJobEnvironment(process.env), MODEL_EVAL_JOB_ID: jobId },
    });
    running.set(jobId, child);
    const onAbort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(jobId);
      signal?.removeEventListener('abort', onAbort);
      closeSync(stdout);
      closeSync(stderr);
      resolve(code);
    });
  });
}

/**
 * What a local job inherits: what a login shell would have, never this process's secrets (action
 * inputs, tokens, SSH keys). The job's own settings come from its script, as on Slurm.
 */
const LOCAL_JOB_ENVIRONMENT = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR'];

export function localJobEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of LOCAL_JOB_ENVIRONMENT) {
    const value = env[name];
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}
