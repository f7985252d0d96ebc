import type { PlannedJob } from '@model-eval/planner';
import { type JobSpec, readLogTails, type SuperviseResult, type WatchEvent } from '@model-eval/slurm';
import { cancelRun } from './cancel-run';
import { everyInterval, startHeartbeat } from './heartbeat';
import { decideAfterOutOfMemory } from './out-of-memory';
import { followJob, planOf, type RunContext, reportNow } from './run-context';
import { describeEvent, type FinishedJob } from './run-report';
import type { RecordedJob } from './run-state';
import type { AttachedJobs } from './submit-or-reattach';

export interface SupervisedRun {
  finished: FinishedJob[];
  cancelled: boolean;
}

/**
 * Watches the run's jobs to their end (retries of retryable failures happen in the watch), and
 * re-plans a job that ran out of GPU memory with the next larger layout, recorded before it is
 * submitted. `attached` holds the Slurm jobs already submitted or reattached (none for local runs).
 */
export async function superviseRun(context: RunContext, attached: AttachedJobs): Promise<SupervisedRun> {
  const finished: FinishedJob[] = [];
  let pending = context.record.current().jobs.map((job) => job.index);
  let cancelled = false;
  while (pending.length > 0 && !cancelled) {
    const jobs = pending.map((index) => jobAt(context, index));
    const result = await runToEnd(context, jobs, attached);
    cancelled = result.cancelled;
    const next: number[] = [];
    for (const outcome of result.outcomes) {
      const job = jobs.find((j) => context.specFor(j).key === outcome.spec.key);
      if (!job) continue;
      context.progress.live.delete(outcome.jobId);
      context.progress.ended?.set(outcome.jobId, outcome.state);
      const plan = planOf(context);
      if (outcome.failure === 'gpu-oom' && !cancelled && plan) {
        const decision = decideAfterOutOfMemory(plan, job, outcome.jobId, {
          maxOomEscalations: context.settings.maxOomEscalations,
          maxNodes: context.settings.cluster.maxNodes,
        });
        context.progress.notes.push(decision.note);
        if (decision.kind === 'replan') {
          context.logger.warn(decision.note);
          const spec = await replan(context, job.index, outcome.jobId, decision.larger);
          if (spec) attached.set(spec.key, [...jobAt(context, job.index).jobIds.slice(-1)]);
          next.push(job.index);
          continue;
        }
      }
      const current = jobAt(context, job.index);
      finished.push({
        index: job.index,
        planned: current.planned,
        spec: outcome.spec,
        outcome,
        oomEscalations: current.oomEscalations,
      });
    }
    pending = next;
  }
  return { finished, cancelled };
}

function jobAt(context: RunContext, index: number): RecordedJob {
  const job = context.record.current().jobs.find((j) => j.index === index);
  if (!job) throw new Error(`the run state has no job ${index}`);
  return job;
}

/** One round: every given job watched (Slurm) or run (local) to its end; an abort cancels them all. */
async function runToEnd(
  context: RunContext,
  jobs: RecordedJob[],
  attached: AttachedJobs,
): Promise<SuperviseResult> {
  const { executor, signal } = context;
  const specs = jobs.map(context.specFor);
  const onEvent = (event: WatchEvent) => {
    const line = describeEvent(event);
    if (line) context.logger.info(line);
    if (event.type === 'state') {
      const entry = context.progress.live.get(event.jobId);
      if (entry) entry.state = event.state;
      void context.onProgress?.(reportNow(context, 'running'));
    }
    // Every poll refreshes elapsed times and reasons, for the heartbeat's lines.
    if (event.type === 'poll') {
      for (const [jobId, snapshot] of event.snapshots) {
        const entry = context.progress.live.get(jobId);
        if (entry) entry.state = snapshot.state;
      }
    }
  };
  const heartbeat = startRunHeartbeat(context);
  try {
    if (executor.kind === 'local') {
      return await executor.run(specs, {
        onEvent,
        ...(signal && { signal }),
        onSubmitted: (spec, jobId) =>
          context.record.update(async (state) => {
            const job = state.jobs.find((j) => context.specFor(j).key === spec.key);
            if (job && !job.jobIds.includes(jobId)) job.jobIds.push(jobId);
            if (job) await followJob(context, job, jobId, 'submitted');
          }),
      });
    }
    return await executor.supervise(specs, attached, {
      onEvent,
      ...(signal && { signal }),
      resubmit: (spec, failedJobId) => resubmitOnce(context, spec, failedJobId),
    });
  } catch (error) {
    if (!signal?.aborted) throw error;
    return { outcomes: await cancelRun(context, jobs), cancelled: true };
  } finally {
    heartbeat.stop();
  }
}

/** The once-a-minute line per live job, with a running job's LightEval progress from its log tail. */
function startRunHeartbeat(context: RunContext) {
  const specOf = (jobId: string) => {
    const entry = context.progress.live.get(jobId);
    const job = entry && context.record.current().jobs.find((j) => j.index === entry.index);
    return job && { job, spec: context.specFor(job) };
  };
  return startHeartbeat({
    now: context.now,
    every: context.every ?? everyInterval,
    say: (line) => context.logger.info(line),
    jobs: () =>
      [...context.progress.live.entries()].flatMap(([jobId, entry]) => {
        const found = specOf(jobId);
        if (!found) return [];
        const { benchmarks, seed } = found.job.planned;
        return [{ jobId, benchmarks, ...(seed !== undefined && { seed }), state: entry.state }];
      }),
    readLogTail: async (jobId) => {
      const found = specOf(jobId);
      if (!found) return undefined;
      // The bounded, symlink-refusing reader the failure report uses (1 MiB, last lines).
      return (await readLogTails(context.executor.transport, found.spec, jobId, 5)).stderrTail;
    },
  });
}

/**
 * A retry after a retryable failure, under the run's lock: when another runner of this run already
 * retried the failed job, its retry is followed instead of submitting a second one.
 */
function resubmitOnce(context: RunContext, spec: JobSpec, failedJobId: string): Promise<string> {
  const { executor } = context;
  if (executor.kind !== 'slurm') throw new Error('only Slurm jobs are resubmitted');
  return context.record.update(async (state) => {
    const job = state.jobs.find((j) => context.specFor(j).key === spec.key);
    const last = job?.jobIds.at(-1);
    if (job && last && last !== failedJobId) return last;
    const id = await executor.submit(spec);
    if (job) {
      job.jobIds.push(id);
      await followJob(context, job, id, 'submitted');
    }
    return id;
  });
}

/**
 * Records the larger layout (and, on Slurm, submits it) under the run's lock; when another runner
 * re-planned this job first, its layout and job are adopted. Returns the spec to watch (Slurm).
 */
async function replan(
  context: RunContext,
  index: number,
  failedJobId: string,
  larger: PlannedJob,
): Promise<JobSpec | undefined> {
  const { executor } = context;
  return context.record.update(async (state) => {
    const job = state.jobs.find((j) => j.index === index);
    if (!job) return undefined;
    if (job.jobIds.at(-1) === failedJobId) {
      job.superseded.push({ planned: job.planned, jobId: failedJobId });
      job.planned = larger;
      job.oomEscalations += 1;
      if (executor.kind === 'slurm') {
        const id = await executor.submit(context.specFor(job));
        job.jobIds.push(id);
        await followJob(context, job, id, 'submitted');
      }
    }
    return context.specFor(job);
  });
}
