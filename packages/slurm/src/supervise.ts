import { cancelJobs } from './cancel';
import { type FailureClass, isRetryableFailure } from './failure-class';
import { classifyJobFailure } from './failure-log';
import { type JobSpec, secretsPath } from './job-spec';
import type { SlurmJobState } from './job-state';
import { type Logger, stderrLogger } from './logger';
import { findJobsByKeys, type SubmitOptions, submitJob } from './submit';
import type { Transport } from './transport';
import { type JobSnapshot, type WatchOptions, watchJobs } from './watch';

export interface SuperviseOptions
  extends Omit<WatchOptions, 'jobIds' | 'until' | 'logger'>,
    Pick<SubmitOptions, 'lookbackHours' | 'commandTimeoutMs'> {
  /** Resubmissions per job after retryable failures (node failure, preemption). Default 2. */
  retryBudget?: number;
  /** No resubmission starts once this much time has passed since supervision began. Default 24 h. */
  wallTimeCapMs?: number;
  /** Log lines read to classify a failure (and returned with it). Default 200. */
  logTailLines?: number;
  /** Called with each submission (also resubmissions), e.g. to record job ids at once. */
  onSubmitted?: (spec: JobSpec, jobId: string, reattached: boolean) => void | Promise<void>;
  /**
   * Jobs already submitted, by spec key: their attempts (oldest first) are watched, and nothing is
   * searched or submitted for them. The caller that owns the run's record decides what to reattach.
   */
  attached?: ReadonlyMap<string, readonly string[]>;
  /**
   * Submits a retry of `spec` after `failedJobId` ended retryably, and returns the id to watch. The
   * default runs sbatch; a caller shared by several runners passes one that takes the run's lock and
   * returns a retry another runner already submitted, so a failure is retried once, not once per runner.
   */
  resubmit?: (spec: JobSpec, failedJobId: string) => Promise<string>;
  logger?: Logger;
}

export interface JobOutcome {
  spec: JobSpec;
  /** The last attempt's id. */
  jobId: string;
  /** Every job id submitted for this spec, oldest first. */
  attempts: string[];
  state: SlurmJobState;
  /** Set for failures; `gpu-oom` means: re-plan with more GPUs. */
  failure?: FailureClass;
  /** Tail of stdout + stderr for failures. */
  logTail?: string;
}

export interface SuperviseResult {
  outcomes: JobOutcome[];
  /** True when a job was cancelled (by a person or an admin) and the rest were cancelled with it. */
  cancelled: boolean;
}

interface Tracked {
  spec: JobSpec;
  attempts: string[];
  outcome?: JobOutcome;
}

const current = (t: Tracked) => t.attempts[t.attempts.length - 1] ?? '';

/**
 * Submits (or reattaches to) every spec, watches them all with one status query per poll, resubmits
 * retryable failures within the budget and the wall-time cap, and returns each job's outcome. A
 * cancelled job stops the whole run; a GPU out-of-memory failure is returned for the caller to re-plan.
 */
export async function superviseJobs(
  transport: Transport,
  specs: readonly JobSpec[],
  options: SuperviseOptions = {},
): Promise<SuperviseResult> {
  const logger = options.logger ?? stderrLogger;
  const submitOptions: SubmitOptions = { logger };
  if (options.lookbackHours !== undefined) submitOptions.lookbackHours = options.lookbackHours;
  if (options.commandTimeoutMs !== undefined) submitOptions.commandTimeoutMs = options.commandTimeoutMs;
  const tracked = await startAll(transport, specs, options, submitOptions);
  const settle = settler(transport, options, logger, submitOptions);
  for (;;) {
    const active = tracked.filter((t) => !t.outcome);
    if (active.length === 0)
      return { outcomes: tracked.map((t) => t.outcome as JobOutcome), cancelled: false };
    const snapshots = await watchJobs(transport, {
      ...options,
      logger,
      jobIds: active.map(current),
      until: (all) => [...all.values()].some((s) => s.state.class !== 'running'),
    });
    for (const t of active) {
      const snapshot = snapshots.get(current(t));
      if (!snapshot || snapshot.state.class === 'running') continue;
      const outcome = await settle(t, snapshot);
      if (outcome === 'resubmitted') continue;
      t.outcome = outcome;
      if (outcome.failure === 'cancelled') {
        await cancelTheRest(transport, tracked, outcome.jobId, logger);
        return { outcomes: tracked.map((o) => o.outcome as JobOutcome), cancelled: true };
      }
    }
  }
}

/** The specs' first attempts: attached ones as given, the others reattached by key or submitted. */
async function startAll(
  transport: Transport,
  specs: readonly JobSpec[],
  options: SuperviseOptions,
  submitOptions: SubmitOptions,
): Promise<Tracked[]> {
  const tracked: Tracked[] = [];
  const fresh = specs.filter((spec) => !options.attached?.get(spec.key)?.length);
  // One squeue (and one sacct) finds earlier jobs of every spec, instead of two commands per spec.
  const known = fresh.length > 0 ? await findJobsByKeys(transport, fresh, submitOptions) : new Map();
  for (const spec of specs) {
    const attached = options.attached?.get(spec.key);
    if (attached?.length) {
      tracked.push({ spec, attempts: [...attached] });
      continue;
    }
    const submitted = await submitJob(transport, spec, { ...submitOptions, known });
    await options.onSubmitted?.(spec, submitted.jobId, submitted.reattached);
    tracked.push({ spec, attempts: [submitted.jobId] });
  }
  return tracked;
}

/** A person or an admin cancelled one job: the run is over, so the others are cancelled with it. */
async function cancelTheRest(transport: Transport, tracked: Tracked[], cancelledId: string, logger: Logger) {
  const others = tracked.filter((o) => !o.outcome);
  logger.warn(`Job ${cancelledId} was cancelled; cancelling the other ${others.length} job(s) of this run.`);
  await cancelJobs(transport, {
    jobIds: others.map(current),
    keys: others.map((o) => o.spec.key),
    scrubFiles: others.filter((o) => o.spec.secrets).map((o) => secretsPath(o.spec)),
  });
  for (const o of others) {
    o.outcome = {
      spec: o.spec,
      jobId: current(o),
      attempts: o.attempts,
      state: { class: 'failed', state: 'CANCELLED', raw: 'CANCELLED', retryable: false, elapsedSeconds: 0 },
      failure: 'cancelled',
    };
  }
}

/** Turns a job's final snapshot into its outcome, or resubmits it when the failure is retryable. */
function settler(
  transport: Transport,
  options: SuperviseOptions,
  logger: Logger,
  submitOptions: SubmitOptions,
) {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const budget = options.retryBudget ?? 2;
  const cap = options.wallTimeCapMs ?? 24 * 3600_000;
  const resubmit =
    options.resubmit ??
    (async (spec: JobSpec) => {
      const again = await submitJob(transport, spec, { ...submitOptions, reattach: false });
      await options.onSubmitted?.(spec, again.jobId, false);
      return again.jobId;
    });
  return async (t: Tracked, snapshot: JobSnapshot): Promise<JobOutcome | 'resubmitted'> => {
    const jobId = current(t);
    const state = snapshot.state;
    if (state.class !== 'failed') return { spec: t.spec, jobId, attempts: t.attempts, state };
    // For an array, read the first failed task's logs.
    const failedTask =
      [...snapshot.tasks.entries()].find(([, s]) => s.class === 'failed' && s.state === state.state)?.[0] ??
      jobId;
    const { failure, logTail } = await classifyJobFailure(transport, t.spec, failedTask, state, {
      lines: options.logTailLines ?? 200,
    });
    if (isRetryableFailure(failure) && t.attempts.length <= budget && now() - startedAt < cap) {
      logger.warn(
        `Job ${jobId} (${t.spec.name}) ended with ${state.state}; resubmitting (retry ${t.attempts.length} of ${budget}).`,
      );
      const againId = await resubmit(retrySpec(t.spec, jobId, snapshot), jobId);
      if (!t.attempts.includes(againId)) t.attempts.push(againId);
      return 'resubmitted';
    }
    return { spec: t.spec, jobId, attempts: t.attempts, state, failure, logTail };
  };
}

/** The spec to resubmit: for an array, only the tasks that failed (the others' results are kept). */
function retrySpec(spec: JobSpec, jobId: string, snapshot: JobSnapshot): JobSpec {
  if (!spec.array) return spec;
  const failed = [...snapshot.tasks.entries()]
    .filter(([, state]) => state.class === 'failed')
    .flatMap(([id]) => {
      const index = new RegExp(`^${jobId}_(\\d+)$`).exec(id)?.[1];
      return index === undefined ? [] : [Number(index)];
    })
    .sort((a, b) => a - b);
  if (failed.length === 0) return spec;
  return { ...spec, array: { ...spec.array, indices: failed.join(',') } };
}
