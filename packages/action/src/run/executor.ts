import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import {
  cancelJobs,
  classifyFailure,
  type JobOutcome,
  type JobSpec,
  type Logger,
  logPaths,
  pollJobStates,
  readLogTails,
  renderBatchScript,
  renderSecretsFile,
  type SlurmJobState,
  type SuperviseResult,
  scriptPath,
  secretsPath,
  submitJob,
  superviseJobs,
  type Transport,
  type WatchEvent,
} from '@model-eval/slurm';

export interface ExecutorEvents {
  /** Each submission (also reattachments), so the caller can record job ids at once. */
  onSubmitted?: (spec: JobSpec, jobId: string, reattached: boolean) => void | Promise<void>;
  /** State changes and polls, for live progress. */
  onEvent?: (event: WatchEvent) => void;
  signal?: AbortSignal;
}

/** Runs a set of job specs to their end. Slurm over a transport, or the job scripts as local processes. */
export interface Executor {
  readonly kind: 'slurm' | 'local';
  /** Where job files live: over SSH for Slurm, this machine's file system for local. */
  readonly transport: Transport;
  run(specs: readonly JobSpec[], events: ExecutorEvents): Promise<SuperviseResult>;
  /** One status query for these jobs (no waiting): how a scheduled collector checks a detached run. */
  poll(jobIds: readonly string[]): Promise<Map<string, SlurmJobState>>;
  /** Submits (or reattaches to) each spec and returns without watching: detached runs. */
  submit(specs: readonly JobSpec[], events: ExecutorEvents): Promise<void>;
  /** Stops every job of the run; fast enough for a SIGINT/SIGTERM handler. */
  cancel(jobIds: readonly string[], specs: readonly JobSpec[]): Promise<void>;
}

export class DetachNotSupportedError extends Error {
  override name = 'DetachNotSupportedError';
  readonly hint = 'Detached runs need a scheduler that keeps the jobs: use --executor slurm, or --wait.';
  constructor() {
    super('The local executor cannot detach: its jobs are child processes of this one.');
  }
}

export interface SlurmExecutorOptions {
  logger: Logger;
  pollIntervalMs?: number;
  pollIntervalCapMs?: number;
}

export function createSlurmExecutor(transport: Transport, options: SlurmExecutorOptions): Executor {
  return {
    kind: 'slurm',
    transport,
    run: (specs, events) =>
      superviseJobs(transport, specs, {
        logger: options.logger,
        ...(options.pollIntervalMs !== undefined && { initialIntervalMs: options.pollIntervalMs }),
        ...(options.pollIntervalCapMs !== undefined && { maxIntervalMs: options.pollIntervalCapMs }),
        ...(events.onSubmitted && { onSubmitted: events.onSubmitted }),
        ...(events.onEvent && { onEvent: events.onEvent }),
        ...(events.signal && { signal: events.signal }),
      }),
    poll: async (jobIds) => {
      const snapshots = await pollJobStates(transport, jobIds, { logger: options.logger });
      return new Map([...snapshots].map(([id, snapshot]) => [id, snapshot.state]));
    },
    submit: async (specs, events) => {
      for (const spec of specs) {
        const submitted = await submitJob(transport, spec, { logger: options.logger });
        await events.onSubmitted?.(spec, submitted.jobId, submitted.reattached);
      }
    },
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
export function createLocalExecutor(transport: Transport, logger: Logger): Executor {
  const running = new Map<string, ReturnType<typeof spawn>>();
  let counter = 0;
  return {
    kind: 'local',
    transport,
    run: async (specs, events) => {
      const outcomes: JobOutcome[] = [];
      for (const spec of specs) {
        const jobId = `local-${++counter}`;
        await transport.makeDirectory(spec.runDir);
        if (spec.secrets) {
          await transport.writeFile(secretsPath(spec), renderSecretsFile(spec.secrets), { mode: 0o600 });
        }
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
          const tails = await readLogTails(transport, spec, jobId, 200);
          outcome.logTail = `${tails.stdoutTail}${tails.stderrTail}`;
          outcome.failure = classifyFailure(state, outcome.logTail);
          logger.warn(`Local job ${jobId} (${spec.name}) ended ${state.state}.`);
        }
        outcomes.push(outcome);
        if (state.state === 'CANCELLED') return { outcomes, cancelled: true };
      }
      return { outcomes, cancelled: false };
    },
    submit: () => {
      throw new DetachNotSupportedError();
    },
    poll: () => {
      throw new DetachNotSupportedError();
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
      env: { ...process.env, MODEL_EVAL_JOB_ID: jobId },
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
