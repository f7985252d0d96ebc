import type { PlannedJob } from '@model-eval/planner';
import type { JobOutcome, JobSpec, SlurmJobState, WatchEvent } from '@model-eval/slurm';
import type { JobAttempt, JobLayout, JobReport, RunReport } from '../report';
import type { ResultRow } from '../results';
import { benchmarkFacts } from './run-facts';
import type { RunSettings } from './run-settings';
import type { RunState } from './run-state';

export interface FinishedJob {
  index: number;
  planned: PlannedJob;
  spec: JobSpec;
  outcome: JobOutcome;
  /** Out-of-memory re-plans this job went through. */
  oomEscalations: number;
}

/** What the run knows while it goes: live job states (by job id) and remarks for the report. */
export interface RunProgress {
  readonly startedAt: number;
  readonly live: Map<string, { index: number; state: SlurmJobState }>;
  readonly notes: string[];
  /**
   * Final states of jobs that ended and were replaced (an out-of-memory attempt before its
   * re-plan), by job id: how long they ran counts in the report's GPU-hours. Optional so that a
   * run that does not record them still reports (the attempt's time then shows as unknown).
   */
  readonly ended?: Map<string, SlurmJobState>;
}

export interface ReportInput {
  settings: RunSettings;
  state: RunState;
  lightevalVersion: string;
  progress: RunProgress;
  finished: readonly FinishedJob[];
  results: readonly ResultRow[];
  status: RunReport['status'];
  at: number;
}

/** The report value of a run at one moment (live, or final). */
export function buildReport(input: ReportInput): RunReport {
  const { settings, state, progress, finished, results } = input;
  const jobs = state.jobs.map((job) => jobReport(job, finished, progress));
  const version = results[0]?.lightevalVersion ?? input.lightevalVersion;
  return {
    model: settings.model,
    revision: settings.revision ?? 'main',
    // The recorded commit (reopening reads it from the state, never from the Hub).
    commitSha: state.commitSha ?? settings.commitSha ?? null,
    status: input.status,
    simulated: settings.simulate,
    jobs,
    results: results.map((r) => ({
      benchmark: r.benchmark,
      metric: r.metric,
      value: r.value,
      stderr: r.stderr,
      samples: r.samples,
      problems: r.problems,
      notes: r.notes,
      ...(r.seedRuns && { seedScores: r.seedRuns.map((s) => ({ seed: s.seed, value: s.value })) }),
    })),
    versions: { lighteval: version },
    benchmarkFacts: benchmarkFacts(state, settings, input.lightevalVersion),
    wallSeconds: Math.round((input.at - progress.startedAt) / 1000),
    notes: [...progress.notes],
  };
}

function jobReport(
  job: RunState['jobs'][number],
  finished: readonly FinishedJob[],
  progress: RunProgress,
): JobReport {
  const done = finished.find((f) => f.index === job.index);
  const liveEntry = [...progress.live.entries()].find(([, v]) => v.index === job.index);
  const jobState = done?.outcome.state ?? liveEntry?.[1].state;
  const id = done?.outcome.jobId ?? liveEntry?.[0] ?? job.jobIds.at(-1) ?? '—';
  const entry: JobReport = {
    id,
    benchmarks: job.planned.benchmarks,
    ...(job.planned.seed !== undefined && { seed: job.planned.seed }),
    state: jobState?.state ?? (job.jobIds.length > 0 ? 'PENDING' : 'SUBMITTING'),
    layout: layoutOf(job.planned, jobState?.nodeList),
    elapsedSeconds: jobState?.elapsedSeconds ?? null,
    queueSeconds: null,
  };
  const reason = failureReason(done?.outcome);
  if (reason) entry.reason = reason;
  else if (jobState && 'reason' in jobState && jobState.reason) entry.reason = jobState.reason;
  if (done?.outcome.state.class === 'failed' && done.outcome.logTail) entry.logTail = done.outcome.logTail;
  if (job.superseded.length > 0) {
    entry.supersededAttempts = job.superseded.map((s) => supersededAttempt(s, progress));
  }
  return entry;
}

function layoutOf(planned: PlannedJob, nodeList?: string): JobLayout {
  return {
    nodes: planned.nodes,
    gpusPerNode: planned.gpusPerNode,
    tensorParallel: planned.tensorParallel,
    pipelineParallel: planned.pipelineParallel,
    dataParallel: planned.dataParallel,
    route: planned.route ?? 'in-process',
    ...(nodeList !== undefined && { nodeList }),
  };
}

/** An earlier layout that ran out of GPU memory (the run state records only these as superseded). */
function supersededAttempt(
  superseded: RunState['jobs'][number]['superseded'][number],
  progress: RunProgress,
): JobAttempt {
  const ended = progress.ended?.get(superseded.jobId);
  return {
    id: superseded.jobId,
    layout: layoutOf(superseded.planned, ended?.nodeList),
    state: ended?.state ?? 'FAILED',
    reason: 'GPU out of memory',
    elapsedSeconds: ended?.elapsedSeconds ?? null,
  };
}

function failureReason(outcome: JobOutcome | undefined): string | undefined {
  if (outcome?.state.class !== 'failed') return undefined;
  const parts = [
    outcome.failure === 'gpu-oom' ? 'GPU out of memory' : (outcome.failure ?? outcome.state.state),
  ];
  if (outcome.state.exitCode !== undefined) parts.push(`exit code ${outcome.state.exitCode}`);
  if (outcome.state.reason) parts.push(outcome.state.reason);
  return parts.join(', ');
}

export function layoutText(
  job: Pick<PlannedJob, 'nodes' | 'gpusPerNode' | 'tensorParallel' | 'pipelineParallel' | 'dataParallel'>,
): string {
  return `${job.nodes}×${job.gpusPerNode} GPUs, TP ${job.tensorParallel} × PP ${job.pipelineParallel} × DP ${job.dataParallel}`;
}

/** A watch event as one progress line, or undefined for events not worth a line. */
export function describeEvent(event: WatchEvent): string | undefined {
  switch (event.type) {
    case 'state': {
      const s = event.state;
      const reason = 'reason' in s && s.reason ? ` (${s.reason})` : '';
      return `Job ${event.jobId}: ${s.state}${reason}, elapsed ${formatSeconds(s.elapsedSeconds)}`;
    }
    case 'query-failed':
      return `Status query failed (${event.error.message}); retrying in ${Math.round(event.nextPollMs / 1000)} s. The jobs are unaffected.`;
    case 'source-changed':
      return `Watching through ${event.source}: ${event.reason}`;
    default:
      return undefined;
  }
}

export function formatSeconds(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  return h > 0
    ? `${h}h${String(m).padStart(2, '0')}m`
    : m > 0
      ? `${m}m${String(s).padStart(2, '0')}s`
      : `${s}s`;
}
