import type { FoundJob, JobSpec, Logger, SlurmJobState } from '@model-eval/slurm';
import type { SlurmExecutor } from './executor';
import type { RunRecord } from './run-record';
import type { RecordedJob, RunState } from './run-state';

export interface SubmitContext {
  record: RunRecord;
  executor: SlurmExecutor;
  specFor: (job: RecordedJob) => JobSpec;
  logger: Logger;
  /** Told of every job id this run now follows, submitted or reattached. */
  onJob: (job: RecordedJob, jobId: string, how: 'submitted' | 'reattached') => void | Promise<void>;
}

/** Job ids to watch, by spec key (every attempt, oldest first). */
export type AttachedJobs = Map<string, string[]>;

/**
 * Gives every job of the run exactly one live Slurm job, under the run's lock:
 * - a recorded job id is followed, never submitted again while its fate is unknown (a failed status
 *   query, accounting down, a job that left squeue): only a recorded job that Slurm says has failed
 *   is submitted again, as a new attempt;
 * - a job with no recorded id in a run recorded earlier (the runner died between sbatch and writing
 *   the state) is looked up by key, and reattached only when this run's job directory is there;
 * - everything else is submitted.
 */
export async function submitOrReattach(context: SubmitContext): Promise<AttachedJobs> {
  const { record, executor, specFor, logger } = context;
  return record.update(async (state) => {
    const polled = await pollRecorded(state, executor, logger);
    const unrecorded = state.jobs.filter((job) => job.jobIds.length === 0);
    const found =
      record.reattaching && unrecorded.length > 0
        ? await executor.findByKeys(unrecorded.map(specFor))
        : new Map<string, FoundJob>();
    const attached: AttachedJobs = new Map();
    for (const job of state.jobs) {
      const spec = specFor(job);
      const jobId = await jobToFollow(job, spec, polled, found.get(spec.key), context);
      attached.set(spec.key, [...job.jobIds]);
      await context.onJob(job, jobId.id, jobId.how);
    }
    return attached;
  });
}

async function jobToFollow(
  job: RecordedJob,
  spec: JobSpec,
  polled: ReadonlyMap<string, SlurmJobState> | undefined,
  found: FoundJob | undefined,
  { executor, logger }: SubmitContext,
): Promise<{ id: string; how: 'submitted' | 'reattached' }> {
  const last = job.jobIds.at(-1);
  if (last) {
    const state = polled?.get(last);
    if (state?.class !== 'failed') {
      const known = state ? state.state : 'state not known yet';
      logger.info(`Reattaching to job ${last} (${known}) for ${job.planned.benchmarks.join(', ')}.`);
      return { id: last, how: 'reattached' };
    }
    logger.info(`Job ${last} ended ${state.state} in an earlier run; submitting it again.`);
  } else if (found) {
    if (found.state.class !== 'failed' && (await directoryExists(executor, spec.runDir))) {
      logger.info(
        `Found job ${found.jobId} (${found.state.state}) of this run by its key; reattaching to it.`,
      );
      job.jobIds.push(found.jobId);
      return { id: found.jobId, how: 'reattached' };
    }
    logger.info(
      found.state.class === 'failed'
        ? `Found job ${found.jobId} of this run by its key, ended ${found.state.state}; submitting anew.`
        : `Found job ${found.jobId} with this run's key, but its directory ${spec.runDir} is gone; submitting anew.`,
    );
  }
  const id = await executor.submit(spec);
  job.jobIds.push(id);
  return { id, how: 'submitted' };
}

/** The recorded jobs' states; undefined when Slurm could not be asked (every fate then unknown). */
async function pollRecorded(
  state: RunState,
  executor: SlurmExecutor,
  logger: Logger,
): Promise<ReadonlyMap<string, SlurmJobState> | undefined> {
  const ids = state.jobs.flatMap((job) => job.jobIds.slice(-1));
  if (ids.length === 0) return new Map();
  try {
    return await executor.poll(ids);
  } catch (error) {
    logger.warn(
      `Could not query the recorded jobs ${ids.join(', ')} (${(error as Error).message}); following them, never submitting them again.`,
    );
    return undefined;
  }
}

async function directoryExists(executor: SlurmExecutor, path: string): Promise<boolean> {
  const result = await executor.transport.exec(['test', '-d', path]);
  return result.exitCode === 0;
}
