import type { EvalPlan } from '@model-eval/planner';
import type { JobSpec, Logger, SlurmJobState } from '@model-eval/slurm';
import type { RunReport } from '../report';
import type { Executor } from './executor';
import type { PreparedRun } from './prepare';
import type { RunRecord } from './run-record';
import { buildReport, type FinishedJob, layoutText, type RunProgress } from './run-report';
import type { RunSettings } from './run-settings';
import type { RecordedJob } from './run-state';

/** What the stages after `prepare` share: the run's settings, its record, and its live progress. */
export interface RunContext {
  settings: RunSettings;
  executor: Executor;
  logger: Logger;
  prepared: PreparedRun;
  record: RunRecord;
  specFor: (job: RecordedJob) => JobSpec;
  progress: RunProgress;
  now: () => number;
  /** The heartbeat's timer (tests inject a fake one); default an unref'd setInterval. */
  every?: (ms: number, tick: () => void) => () => void;
  signal?: AbortSignal;
  onProgress?: (report: RunReport) => void | Promise<void>;
}

/** The report of the run as it stands, e.g. for the live PR comment. */
export function reportNow(
  context: RunContext,
  status: RunReport['status'],
  finished: readonly FinishedJob[] = [],
): RunReport {
  return buildReport({
    settings: context.settings,
    state: context.record.current(),
    lightevalVersion: context.prepared.lightevalVersion,
    progress: context.progress,
    finished,
    results: [],
    status,
    at: context.now(),
  });
}

/** Marks a job live (just submitted or reattached) and tells the live report. */
export async function followJob(
  context: RunContext,
  job: RecordedJob,
  jobId: string,
  how: 'submitted' | 'reattached',
): Promise<void> {
  const pending: SlurmJobState = { class: 'running', state: 'PENDING', raw: 'PENDING', elapsedSeconds: 0 };
  context.progress.live.set(jobId, { index: job.index, state: pending });
  if (how === 'submitted') {
    context.logger.info(
      `Submitted job ${jobId} for ${job.planned.benchmarks.join(', ')} (${layoutText(job.planned)}).`,
    );
  }
  await context.onProgress?.(reportNow(context, 'running'));
}

/** The plan behind out-of-memory re-plans: only a run that planned afresh has one. */
export function planOf(context: RunContext): EvalPlan | undefined {
  return context.prepared.plan;
}
