import { backoffDelay, sleep } from './backoff';
import { RemoteCommandError } from './errors';
import { type SlurmJobState, toJobState } from './job-state';
import { type Logger, stderrLogger } from './logger';
import { parseSacct, parseScontrolJobs, parseSqueue, SACCT_FIELDS, SQUEUE_FORMAT } from './slurm-output';
import { aggregateStates, baseJobId } from './submit';
import type { Transport } from './transport';

/** `sacct` (accounting) or `squeue` + `scontrol` (clusters without slurmdbd). */
export type StatusSource = 'sacct' | 'squeue';

export interface JobSnapshot {
  jobId: string;
  /** For an array, the aggregate of its tasks. */
  state: SlurmJobState;
  /** Array tasks by id (`123_4`, or `123_[5-9%2]` for tasks not started yet); empty for plain jobs. */
  tasks: ReadonlyMap<string, SlurmJobState>;
}

export type WatchEvent =
  | { type: 'state'; jobId: string; state: SlurmJobState; previous?: SlurmJobState }
  | {
      type: 'poll';
      source: StatusSource;
      commands: number;
      snapshots: ReadonlyMap<string, JobSnapshot>;
      nextPollMs: number;
    }
  | { type: 'query-failed'; error: Error; consecutiveFailures: number; nextPollMs: number }
  | { type: 'source-changed'; source: StatusSource; reason: string };

export interface WatchOptions {
  jobIds: readonly string[];
  /** `auto` (default) uses sacct and switches to squeue for good when accounting is disabled. */
  source?: StatusSource | 'auto';
  /** First poll interval, then growing while nothing changes up to `maxIntervalMs`. Default 5 s → 60 s. */
  initialIntervalMs?: number;
  maxIntervalMs?: number;
  jitter?: number;
  /** Stop when this holds (default: every job is final). */
  until?: (snapshots: ReadonlyMap<string, JobSnapshot>) => boolean;
  /**
   * A job neither the controller nor accounting knows for this long is reported LOST (never
   * resubmitted: it may have run). This covers a job that left `squeue` (after MinJobAge) while
   * `sacct` was failing: its state is unknown, shown as running with reason `StateUnknown`, until
   * accounting answers again or this limit passes. Default 10 min.
   */
  lostAfterMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: WatchEvent) => void;
  logger?: Logger;
  /** Per status command. Default 60 s. */
  commandTimeoutMs?: number;
  random?: () => number;
  now?: () => number;
}

/**
 * Polls the state of all `jobIds` with one status command per poll until `until` holds. A failed poll
 * (timeout, dropped connection, garbled output) is logged and retried with backoff: it never fails a job.
 */
export async function watchJobs(
  transport: Transport,
  options: WatchOptions,
): Promise<Map<string, JobSnapshot>> {
  const logger = options.logger ?? stderrLogger;
  const now = options.now ?? Date.now;
  const backoff = {
    initialMs: options.initialIntervalMs ?? 5000,
    maxMs: options.maxIntervalMs ?? 60_000,
    factor: 1.5,
    jitter: options.jitter ?? 0.2,
  };
  const until =
    options.until ?? ((snapshots) => [...snapshots.values()].every((s) => s.state.class !== 'running'));
  const poller = createStatusPoller(transport, {
    source: options.source ?? 'auto',
    lostAfterMs: options.lostAfterMs ?? 600_000,
    commandTimeoutMs: options.commandTimeoutMs ?? 60_000,
    logger,
    now,
    onSourceChanged: (source, reason) => options.onEvent?.({ type: 'source-changed', source, reason }),
  });
  const latest = new Map<string, JobSnapshot>();
  let step = 0;
  let failures = 0;
  for (;;) {
    options.signal?.throwIfAborted();
    let changed = false;
    try {
      const { snapshots, commands } = await poller.poll(options.jobIds);
      failures = 0;
      for (const snapshot of snapshots.values()) {
        const previous = latest.get(snapshot.jobId);
        if (!previous || stateKey(previous.state) !== stateKey(snapshot.state)) {
          changed = true;
          options.onEvent?.({
            type: 'state',
            jobId: snapshot.jobId,
            state: snapshot.state,
            previous: previous?.state,
          });
        }
        latest.set(snapshot.jobId, snapshot);
      }
      step = changed ? 0 : step + 1;
      if (until(latest)) return latest;
      const delay = backoffDelay(backoff, step, options.random);
      options.onEvent?.({
        type: 'poll',
        source: poller.source,
        commands,
        snapshots: latest,
        nextPollMs: delay,
      });
      await sleep(delay, options.signal);
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      failures += 1;
      const delay = backoffDelay(backoff, failures, options.random);
      const err = error instanceof Error ? error : new Error(String(error));
      logger.warn(
        `Job status query failed (${failures} in a row), retrying in ${(delay / 1000).toFixed(1)} s: ${err.message}`,
      );
      options.onEvent?.({
        type: 'query-failed',
        error: err,
        consecutiveFailures: failures,
        nextPollMs: delay,
      });
      await sleep(delay, options.signal);
    }
  }
}

/** The states of `jobIds` right now, with the same commands a watch uses (for `status` commands). */
export async function pollJobStates(
  transport: Transport,
  jobIds: readonly string[],
  options: { source?: StatusSource | 'auto'; logger?: Logger; commandTimeoutMs?: number } = {},
): Promise<Map<string, JobSnapshot>> {
  const poller = createStatusPoller(transport, {
    source: options.source ?? 'auto',
    lostAfterMs: Number.POSITIVE_INFINITY,
    commandTimeoutMs: options.commandTimeoutMs ?? 60_000,
    logger: options.logger ?? stderrLogger,
    now: Date.now,
  });
  return (await poller.poll(jobIds)).snapshots;
}

interface PollerOptions {
  source: StatusSource | 'auto';
  lostAfterMs: number;
  commandTimeoutMs: number;
  logger: Logger;
  now: () => number;
  onSourceChanged?: (source: StatusSource, reason: string) => void;
}

type FetchedRecords = { records: Array<Parameters<typeof toJobState>[0]>; commands: number };

/** What a poller remembers between polls. */
interface PollerState {
  source: StatusSource;
  /** When each job was first missing from every answer. */
  firstMissing: Map<string, number>;
  /** Jobs some poll has seen: one that vanishes from squeue while sacct is down has ended, we just
   * do not know how. */
  seen: Set<string>;
  accountingDown: boolean;
  exitCodes: Map<string, string>;
}

function createStatusPoller(transport: Transport, options: PollerOptions) {
  const state: PollerState = {
    source: options.source === 'squeue' ? 'squeue' : 'sacct',
    firstMissing: new Map(),
    seen: new Set(),
    accountingDown: false,
    exitCodes: new Map(),
  };
  const queries = slurmQueries(transport, options.commandTimeoutMs, state.exitCodes);
  return {
    get source() {
      return state.source;
    },
    async poll(jobIds: readonly string[]) {
      const fetched =
        state.source === 'sacct'
          ? await fetchThroughSacct(queries, jobIds, state, options)
          : await queries.viaSqueue(jobIds);
      return { snapshots: snapshotsOf(fetched, jobIds, state, options), commands: fetched.commands };
    },
  };
}

/** The two ways to ask Slurm: accounting (`sacct`), or the controller (`squeue` + `scontrol`). */
function slurmQueries(transport: Transport, timeoutMs: number, exitCodes: Map<string, string>) {
  const run = async (argv: string[]) => {
    const result = await transport.exec(argv, { timeoutMs });
    if (result.exitCode !== 0) {
      throw new RemoteCommandError(
        `${argv[0]} failed (exit ${result.exitCode}): ${result.stderr.trim()}`,
        'Usually a busy or restarting controller; the query is retried.',
        result.exitCode,
        result.stderr,
      );
    }
    return result.stdout;
  };
  const viaSqueue = async (jobIds: readonly string[]): Promise<FetchedRecords> => {
    let commands = 1;
    const wanted = new Set(jobIds.map(baseJobId));
    const records = parseSqueue(await run(['squeue', '--me', '-h', '-t', 'all', '-o', SQUEUE_FORMAT])).filter(
      (r) => wanted.has(baseJobId(r.jobId)),
    );
    // squeue has no exit code; for jobs that just ended, ask scontrol once (all jobs, one line each).
    const endedWithoutCode = records.filter(
      (r) => toJobState(r).class === 'failed' && !exitCodes.has(r.jobId),
    );
    if (endedWithoutCode.length > 0) {
      commands += 1;
      for (const job of parseScontrolJobs(await run(['scontrol', '-o', 'show', 'job']))) {
        if (job.exitCode) exitCodes.set(job.jobId, job.exitCode);
      }
    }
    return {
      records: records.map((r) => ({ ...r, exitCode: exitCodes.get(r.jobId) ?? r.exitCode })),
      commands,
    };
  };
  const viaSacct = async (jobIds: readonly string[]): Promise<FetchedRecords> => {
    const stdout = await run([
      'sacct',
      '-X',
      '-P',
      '-n',
      '-o',
      SACCT_FIELDS.join(','),
      '-j',
      jobIds.join(','),
    ]);
    return { records: parseSacct(stdout), commands: 1 };
  };
  return { viaSqueue, viaSacct };
}

/**
 * One poll through accounting. Accounting switched off: squeue from now on. slurmdbd down or
 * restarting: squeue for this poll (a completed job would never be seen to end through sacct), and
 * sacct again at the next. Jobs accounting does not know yet (a moment after sbatch) are asked of the
 * controller.
 */
async function fetchThroughSacct(
  queries: ReturnType<typeof slurmQueries>,
  jobIds: readonly string[],
  state: PollerState,
  options: PollerOptions,
): Promise<FetchedRecords> {
  let fetched: FetchedRecords;
  let fellBack = false;
  try {
    fetched = await queries.viaSacct(jobIds);
  } catch (error) {
    if (!(error instanceof RemoteCommandError)) throw error;
    if (options.source === 'auto' && isAccountingDisabled(error.stderr)) {
      state.source = 'squeue';
      const reason = `sacct is unavailable (${error.stderr.trim()}); watching with squeue and scontrol instead.`;
      options.logger.warn(reason);
      options.onSourceChanged?.('squeue', reason);
      return queries.viaSqueue(jobIds);
    }
    if (!isAccountingUnreachable(error.stderr)) throw error;
    if (!state.accountingDown) {
      const reason = `sacct cannot reach the accounting database (${firstLine(error.stderr)}); watching with squeue and scontrol until it answers again.`;
      options.logger.warn(reason);
      options.onSourceChanged?.('squeue', reason);
    }
    state.accountingDown = true;
    fellBack = true;
    fetched = await queries.viaSqueue(jobIds);
  }
  if (state.accountingDown && !fellBack) {
    state.accountingDown = false;
    const reason = 'sacct answers again; watching with sacct.';
    options.logger.info(reason);
    options.onSourceChanged?.('sacct', reason);
  }
  const known = new Set(fetched.records.map((r) => baseJobId(r.jobId)));
  const missing = jobIds.filter((id) => !known.has(baseJobId(id)));
  if (missing.length > 0 && !fellBack) {
    const fallback = await queries.viaSqueue(missing);
    fetched = {
      records: [...fetched.records, ...fallback.records],
      commands: fetched.commands + fallback.commands,
    };
  }
  return fetched;
}

/** Each asked-for job's snapshot from the records; a job no answer holds gets `missingJobState`. */
function snapshotsOf(
  fetched: FetchedRecords,
  jobIds: readonly string[],
  state: PollerState,
  options: PollerOptions,
): Map<string, JobSnapshot> {
  const byJob = new Map<string, Map<string, SlurmJobState>>();
  for (const record of fetched.records) {
    const id = baseJobId(record.jobId);
    const tasks = byJob.get(id) ?? new Map<string, SlurmJobState>();
    tasks.set(record.jobId, toJobState(record));
    byJob.set(id, tasks);
  }
  const snapshots = new Map<string, JobSnapshot>();
  const at = options.now();
  for (const jobId of jobIds) {
    const tasks = byJob.get(baseJobId(jobId));
    if (!tasks || tasks.size === 0) {
      const since = state.firstMissing.get(jobId) ?? at;
      state.firstMissing.set(jobId, since);
      const unknown = state.seen.has(jobId) && state.accountingDown;
      const jobState = missingJobState(at - since, unknown, options.lostAfterMs);
      snapshots.set(jobId, { jobId, state: jobState, tasks: new Map() });
      continue;
    }
    state.firstMissing.delete(jobId);
    state.seen.add(jobId);
    const isArray = [...tasks.keys()].some((id) => id.includes('_'));
    const only = tasks.get(jobId);
    snapshots.set(jobId, {
      jobId,
      state: !isArray && only ? only : aggregateStates([...tasks.values()]),
      tasks: isArray ? tasks : new Map(),
    });
  }
  return snapshots;
}

/**
 * A job no answer mentions: not yet visible (just submitted), of unknown state (it left squeue while
 * accounting was unreachable), or LOST once that has lasted `lostAfterMs` (never resubmitted).
 */
function missingJobState(missingForMs: number, unknown: boolean, lostAfterMs: number): SlurmJobState {
  if (missingForMs >= lostAfterMs) {
    const waitedMinutes = Math.round(missingForMs / 60_000);
    return {
      class: 'failed',
      state: 'LOST',
      raw: 'LOST',
      retryable: false,
      elapsedSeconds: 0,
      reason: unknown
        ? `State unknown: the job left squeue while sacct could not reach the accounting database, and nothing answered for ${waitedMinutes} min. It may have finished; it is not resubmitted.`
        : 'Neither squeue nor sacct knows the job',
    };
  }
  if (unknown) {
    return {
      class: 'running',
      state: 'UNRECOGNISED',
      raw: 'UNKNOWN',
      reason: 'StateUnknown (left squeue while accounting is unreachable; waiting for sacct)',
      elapsedSeconds: 0,
    };
  }
  return { class: 'running', state: 'PENDING', raw: 'PENDING', reason: 'NotYetVisible', elapsedSeconds: 0 };
}

// sacct's message when accounting is not configured: permanent, switch to squeue for good.
function isAccountingDisabled(stderr: string): boolean {
  return /accounting storage is disabled|not running a supported accounting_storage plugin/i.test(stderr);
}

// sacct's messages when slurmdbd is down or unreachable (Slurm 22.05 src/sacct/sacct.c "Problem
// talking to the database", src/common/slurm_persist_conn.c "failed to open persistent connection"):
// temporary, fall back for the poll.
function isAccountingUnreachable(stderr: string): boolean {
  return /Problem talking to the database|persistent connection|slurmdbd/i.test(stderr);
}

function firstLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines.find((l) => /Problem talking/.test(l)) ?? lines[0] ?? '').trim();
}

function stateKey(state: SlurmJobState): string {
  return `${state.class}:${state.state}:${state.class === 'failed' || state.class === 'running' ? (state.reason ?? '') : ''}`;
}
