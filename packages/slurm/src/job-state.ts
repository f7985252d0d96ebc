/**
 * Slurm's job states folded into three classes the rest of the product reasons about. The union is
 * closed: a state Slurm may add later is read as `running` with its raw name kept, so an unknown state
 * never ends a watch as success or failure by accident.
 */
export const RUNNING_STATES = [
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'COMPLETING',
  'REQUEUED',
  'REQUEUE_HOLD',
  'REQUEUE_FED',
  'RESIZING',
  'SUSPENDED',
  'STOPPED',
  'SIGNALING',
  'STAGE_OUT',
  'SPECIAL_EXIT',
  'RESV_DEL_HOLD',
  /** A name this package does not know; see `raw`. */
  'UNRECOGNISED',
] as const;
export const FAILED_STATES = [
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'OUT_OF_MEMORY',
  'NODE_FAIL',
  'BOOT_FAIL',
  'DEADLINE',
  'PREEMPTED',
  'REVOKED',
  /** Neither the controller nor accounting knows the job any more. */
  'LOST',
] as const;

export type RunningStateName = (typeof RUNNING_STATES)[number];
export type FailedStateName = (typeof FAILED_STATES)[number];

/** Failures that say nothing about the job itself: the same spec may simply be submitted again. */
const RETRYABLE: ReadonlySet<FailedStateName> = new Set(['NODE_FAIL', 'BOOT_FAIL', 'PREEMPTED']);

export interface JobTiming {
  /** Seconds the job has run (0 while pending). */
  elapsedSeconds: number;
  startTime?: string;
  endTime?: string;
  nodeList?: string;
}

export type SlurmJobState =
  | ({ class: 'running'; state: RunningStateName; raw: string; reason?: string } & JobTiming)
  | ({ class: 'succeeded'; state: 'COMPLETED'; raw: string; exitCode: 0 } & JobTiming)
  | ({
      class: 'failed';
      state: FailedStateName;
      raw: string;
      retryable: boolean;
      exitCode?: number;
      signal?: number;
      reason?: string;
    } & JobTiming);

export interface RawJobRecord {
  /** As Slurm prints it: `123`, `123_4`, `123_[5-9%2]`. */
  jobId: string;
  state: string;
  /** `code:signal`, when known. */
  exitCode?: string;
  reason?: string;
  elapsedSeconds?: number;
  startTime?: string;
  endTime?: string;
  nodeList?: string;
}

/** Maps one record from sacct, squeue or scontrol onto the closed union. */
export function toJobState(record: RawJobRecord): SlurmJobState {
  // sacct prints `CANCELLED by 1000`; some versions decorate with `+`.
  const name = record.state.trim().split(/\s+/)[0]?.replace(/\+$/, '').toUpperCase() ?? '';
  const timing: JobTiming = { elapsedSeconds: record.elapsedSeconds ?? 0 };
  if (record.startTime && !/^(unknown|none)$/i.test(record.startTime)) timing.startTime = record.startTime;
  if (record.endTime && !/^(unknown|none)$/i.test(record.endTime)) timing.endTime = record.endTime;
  if (record.nodeList && !/^(none assigned|\(null\))$/i.test(record.nodeList))
    timing.nodeList = record.nodeList;
  const reason = meaningfulReason(record.reason);
  const exit = parseExitCode(record.exitCode);

  if (name === 'COMPLETED') {
    // Slurm only says COMPLETED for exit 0, but trust the code if it says otherwise.
    if (exit && (exit.code !== 0 || exit.signal !== 0)) {
      return {
        class: 'failed',
        state: 'FAILED',
        raw: record.state,
        retryable: false,
        exitCode: exit.code,
        signal: exit.signal,
        ...withReason(reason),
        ...timing,
      };
    }
    return { class: 'succeeded', state: 'COMPLETED', raw: record.state, exitCode: 0, ...timing };
  }
  const failed = (FAILED_STATES as readonly string[]).includes(name) ? (name as FailedStateName) : undefined;
  if (failed) {
    return {
      class: 'failed',
      state: failed,
      raw: record.state,
      retryable: RETRYABLE.has(failed),
      ...(exit ? { exitCode: exit.code, signal: exit.signal } : {}),
      ...withReason(reason),
      ...timing,
    };
  }
  const running = (RUNNING_STATES as readonly string[]).includes(name)
    ? (name as RunningStateName)
    : 'UNRECOGNISED';
  return { class: 'running', state: running, raw: record.state, ...withReason(reason), ...timing };
}

function withReason(reason: string | undefined): { reason?: string } {
  return reason === undefined ? {} : { reason };
}

function meaningfulReason(reason: string | undefined): string | undefined {
  const trimmed = reason?.trim();
  if (!trimmed || /^(none|\(null\))$/i.test(trimmed)) return undefined;
  return trimmed;
}

export function parseExitCode(value: string | undefined): { code: number; signal: number } | undefined {
  const match = value === undefined ? null : /^(\d+):(\d+)$/.exec(value.trim());
  if (!match) return undefined;
  return { code: Number(match[1]), signal: Number(match[2]) };
}

/** Slurm durations: `[D-][HH:]MM:SS` (squeue) or `[D-]HH:MM:SS` (sacct), sometimes `MM:SS.mmm`. */
export function parseSlurmDuration(value: string): number | undefined {
  const match = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)(?:\.\d+)?$/.exec(value.trim());
  if (!match) return undefined;
  const [, days, hours, minutes, seconds] = match;
  return Number(days ?? 0) * 86_400 + Number(hours ?? 0) * 3600 + Number(minutes) * 60 + Number(seconds);
}

export function isFinal(state: SlurmJobState): boolean {
  return state.class !== 'running';
}
