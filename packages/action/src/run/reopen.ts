import { classifyJobFailure, type JobOutcome, type SlurmJobState } from '@model-eval/slurm';
import { cancelRun } from './cancel-run';
import { DetachNotSupportedError } from './executor';
import type { RunContext } from './run-context';
import { describeEvent, type FinishedJob } from './run-report';
import type { RecordedJob } from './run-state';
import type { SupervisedRun } from './supervise-run';

/**
 * Follows a recorded run's jobs without ever submitting (not even a failed job again). `once` looks
 * a single time and answers `running` while any job has not ended; `ended` watches until all have.
 * A job the run never got to submit is reported as such, not waited for.
 */
export async function watchReopenedRun(
  context: RunContext,
  until: 'once' | 'ended',
): Promise<SupervisedRun | 'running'> {
  const { executor, logger } = context;
  if (executor.kind !== 'slurm') throw new DetachNotSupportedError();
  const jobs = context.record.current().jobs;
  const submitted = jobs.filter((job) => job.jobIds.length > 0);
  const ids = submitted.flatMap((job) => job.jobIds.slice(-1));
  logger.info(
    `Reopening run ${context.settings.runId}: job(s) ${ids.join(', ') || 'none'}; nothing is submitted.`,
  );
  for (const job of jobs.filter((j) => j.jobIds.length === 0)) {
    context.progress.notes.push(
      `Job ${job.index} (${job.planned.benchmarks.join(', ')}) was never submitted.`,
    );
  }
  if (until === 'once') return lookOnce(context, submitted);
  const attached = new Map(submitted.map((job) => [context.specFor(job).key, [...job.jobIds]] as const));
  for (const job of submitted) {
    const id = job.jobIds.at(-1);
    if (id) context.progress.live.set(id, { index: job.index, state: pendingState });
  }
  try {
    const result = await executor.supervise(submitted.map(context.specFor), attached, {
      retryBudget: 0,
      resubmit: () => Promise.reject(new Error('a reopened run never submits')),
      ...(context.signal && { signal: context.signal }),
      onEvent: (event) => {
        const line = describeEvent(event);
        if (line) logger.info(line);
        if (event.type !== 'state') return;
        const entry = context.progress.live.get(event.jobId);
        if (entry) entry.state = event.state;
      },
    });
    return { finished: finishedJobs(submitted, result.outcomes), cancelled: result.cancelled };
  } catch (error) {
    if (!context.signal?.aborted) throw error;
    // Cancelled while waiting: the same as cancelling a run, its jobs are cancelled on the cluster.
    await cancelRun(context, submitted);
    return { finished: [], cancelled: true };
  }
}

const pendingState: SlurmJobState = { class: 'running', state: 'PENDING', raw: 'PENDING', elapsedSeconds: 0 };

async function lookOnce(context: RunContext, submitted: RecordedJob[]): Promise<SupervisedRun | 'running'> {
  if (context.executor.kind !== 'slurm') throw new DetachNotSupportedError();
  const ids = submitted.flatMap((job) => job.jobIds.slice(-1));
  let polled: Map<string, SlurmJobState>;
  try {
    polled = ids.length > 0 ? await context.executor.poll(ids) : new Map();
  } catch (error) {
    // A failed status query is a hiccup, never a job failure: the next look may answer.
    context.logger.warn(`Status query failed (${(error as Error).message}); the jobs are unaffected.`);
    return 'running';
  }
  const outcomes: JobOutcome[] = [];
  for (const job of submitted) {
    const jobId = job.jobIds.at(-1) ?? '';
    const state = polled.get(jobId);
    if (state) context.progress.live.set(jobId, { index: job.index, state });
    if (!state || state.class === 'running') return 'running';
    const spec = context.specFor(job);
    const outcome: JobOutcome = { spec, jobId, attempts: [...job.jobIds], state };
    if (state.class === 'failed') {
      const classified = await classifyJobFailure(context.executor.transport, spec, jobId, state);
      outcome.logTail = classified.logTail;
      outcome.failure = classified.failure;
    }
    outcomes.push(outcome);
  }
  for (const outcome of outcomes) context.progress.live.delete(outcome.jobId);
  return { finished: finishedJobs(submitted, outcomes), cancelled: false };
}

function finishedJobs(jobs: RecordedJob[], outcomes: JobOutcome[]): FinishedJob[] {
  return outcomes.flatMap((outcome) => {
    const job = jobs.find((j) => j.jobIds.includes(outcome.jobId));
    return job
      ? [
          {
            index: job.index,
            planned: job.planned,
            spec: outcome.spec,
            outcome,
            oomEscalations: job.oomEscalations,
          },
        ]
      : [];
  });
}
