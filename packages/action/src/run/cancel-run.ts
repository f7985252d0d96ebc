import type { JobOutcome } from '@model-eval/slurm';
import type { RunContext } from './run-context';
import type { RecordedJob } from './run-state';

/**
 * The one cancel path (SIGINT/SIGTERM from the runner, an abort while waiting, `model-eval cancel`):
 * scancel everything the run recorded, by id and by key (a job sbatch accepted but the run had not
 * recorded yet), within the runner's grace period. Returns each job as CANCELLED.
 */
export async function cancelRun(
  context: Pick<RunContext, 'executor' | 'logger' | 'specFor'> & { progress?: RunContext['progress'] },
  jobs: readonly RecordedJob[],
): Promise<JobOutcome[]> {
  const jobIds = jobs.flatMap((job) => job.jobIds);
  const specs = jobs.map(context.specFor);
  await context.executor.cancel(jobIds, specs);
  context.logger.warn(`Cancelled ${jobIds.length} job(s): ${jobIds.join(', ') || 'none submitted yet'}.`);
  context.progress?.notes.push('The run was cancelled; its jobs were cancelled on the cluster.');
  return jobs.map((job, i) => ({
    spec: specs[i] ?? context.specFor(job),
    jobId: job.jobIds.at(-1) ?? '—',
    attempts: [...job.jobIds],
    state: { class: 'failed', state: 'CANCELLED', raw: 'CANCELLED', retryable: false, elapsedSeconds: 0 },
    failure: 'cancelled',
  }));
}
