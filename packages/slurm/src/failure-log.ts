import { sleep } from './backoff';
import { readLogTails } from './collect';
import { classifyFailure, type FailureClass } from './failure-class';
import type { JobSpec } from './job-spec';
import type { SlurmJobState } from './job-state';
import type { Transport } from './transport';

export interface ClassifiedFailure {
  failure: FailureClass;
  /** Tail of stdout + stderr; says so when the log could not be read. */
  logTail: string;
  /** Set when every read of the log failed: the class then rests on the Slurm state alone. */
  logUnreadable?: string;
}

/**
 * Reads a failed job's log tail and classifies the failure. A log that cannot be read is not an
 * empty log: taking it for one would class a GPU out-of-memory failure as a plain failure and skip
 * the re-plan. The read is retried; when it keeps failing, the outcome says so.
 */
export async function classifyJobFailure(
  transport: Transport,
  spec: JobSpec,
  jobId: string,
  state: Extract<SlurmJobState, { class: 'failed' }>,
  options: { lines?: number; attempts?: number; retryDelayMs?: number } = {},
): Promise<ClassifiedFailure> {
  const attempts = options.attempts ?? 3;
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    try {
      const tails = await readLogTails(transport, spec, jobId, options.lines ?? 200);
      const logTail = `${tails.stdoutTail}${tails.stderrTail}`;
      return { failure: classifyFailure(state, logTail), logTail };
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
      if (attempt < attempts) await sleep((options.retryDelayMs ?? 1000) * attempt);
    }
  }
  const note = `The job's log could not be read (${lastError}); the failure is classified from its Slurm state alone.`;
  return { failure: classifyFailure(state, ''), logTail: note, logUnreadable: lastError };
}
