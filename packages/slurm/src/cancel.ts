import { RemoteCommandError } from './errors';
import { parseSqueue, SQUEUE_FORMAT } from './slurm-output';
import type { Transport } from './transport';

export interface CancelRequest {
  /** Jobs recorded for the run. */
  jobIds: readonly string[];
  /** Idempotency keys of the run: catches jobs sbatch accepted but the run did not get to record. */
  keys?: readonly string[];
  /** Files to delete at the same time (the run's secrets files). */
  scrubFiles?: readonly string[];
  /** Budget for the whole call; the runner allows 7.5 s between SIGINT and SIGTERM. Default 5 s. */
  timeoutMs?: number;
}

export interface CancelResult {
  /** The ids `scancel` was given (empty when there was nothing to cancel). */
  cancelled: string[];
}

/**
 * Cancels every job of a run with one `scancel` (after one `squeue` when keys are given). Fast enough
 * for a SIGINT/SIGTERM handler: everything runs with a short timeout over the open connection.
 */
export async function cancelJobs(transport: Transport, request: CancelRequest): Promise<CancelResult> {
  const deadline = Date.now() + (request.timeoutMs ?? 5000);
  const remaining = () => Math.max(500, deadline - Date.now());
  const ids = new Set(request.jobIds);
  if (request.keys && request.keys.length > 0) {
    const keys = new Set(request.keys);
    const squeue = await transport.exec(['squeue', '--me', '-h', '-o', SQUEUE_FORMAT], {
      timeoutMs: remaining(),
    });
    if (squeue.exitCode === 0) {
      for (const record of parseSqueue(squeue.stdout)) {
        // An array's tasks (`123_0` running, `123_[5-9]` not started) are cancelled through its array
        // id: `scancel 123` ends them all, and the run's cancel list names each job once.
        if (keys.has(record.comment)) ids.add(arrayJobId(record.jobId));
      }
    }
  }
  const cancelled = [...ids];
  // Scrub only after scancel: a job starting in between would find its secrets gone and end FAILED
  // (exit 97) instead of CANCELLED.
  try {
    await scancel(transport, cancelled, remaining);
  } finally {
    if (request.scrubFiles && request.scrubFiles.length > 0) {
      await transport.exec(['rm', '-f', '--', ...request.scrubFiles], { timeoutMs: remaining() });
    }
  }
  return { cancelled };
}

async function scancel(transport: Transport, cancelled: string[], remaining: () => number): Promise<void> {
  if (cancelled.length > 0) {
    const result = await transport.exec(['scancel', ...cancelled], { timeoutMs: remaining() });
    // scancel exits non-zero when some ids already ended; that is success for us unless nothing happened.
    if (result.exitCode !== 0 && !/already completing or completed|Invalid job id/i.test(result.stderr)) {
      throw new RemoteCommandError(
        `scancel failed: ${result.stderr.trim()}`,
        `Cancel the jobs by hand: scancel ${cancelled.join(' ')}`,
        result.exitCode,
        result.stderr,
      );
    }
  }
}

/** `123_4` and `123_[5-9%2]` → `123`; a plain job id stays as it is. */
export function arrayJobId(jobId: string): string {
  return jobId.replace(/_.*$/, '');
}
