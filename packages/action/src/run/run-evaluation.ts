import type { EvalPlan } from '@model-eval/planner';
import { type Logger, makeOwnedDirectory, resolveRemoteDirectory, type Transport } from '@model-eval/slurm';
import type { ReportResultRow, RunReport } from '../report';
import type { ProblemScore, ResultRow } from '../results';
import { benchmarkStatistics } from '../stats';
import { collectResults } from './collect-results';
import type { Executor } from './executor';
import { runDirectory, toJobSpec } from './job-specs';
import {
  type LoadModelFacts,
  type PreparedRun,
  prepareFreshRun,
  prepareReopenedRun,
  RunNotFoundError,
} from './prepare';
import { watchReopenedRun } from './reopen';
import { followJob, type RunContext, reportNow } from './run-context';
import { type RunMode, WAIT } from './run-mode';
import { openRunRecord } from './run-record';
import { buildReport, type FinishedJob } from './run-report';
import type { RunSettings } from './run-settings';
import { stateFilePath } from './run-state';
import { installStandin } from './standin';
import { submitOrReattach } from './submit-or-reattach';
import { type SupervisedRun, superviseRun } from './supervise-run';

export type { LoadModelFacts } from './prepare';
export { RunNotFoundError } from './prepare';
export type { FinishedJob } from './run-report';
export { formatSeconds, layoutText } from './run-report';

export type RunStatus = 'succeeded' | 'failed' | 'cancelled' | 'submitted';

export interface RunDependencies {
  executor: Executor;
  loadFacts: LoadModelFacts;
  logger: Logger;
  /** Where result files are copied on this machine (kept as the run's artifact). */
  localDir: string;
  /** What the run does with its jobs; default `wait`. */
  mode?: RunMode;
  /** The LightEval stand-in's source (a file on this machine), uploaded to the run for `simulate`. */
  standinScript?: string;
  /** Called once with a fresh plan, before anything is submitted (not when reopening: no plan is made). */
  onPlan?: (plan: EvalPlan) => void;
  /** A fresh report on every state change, for the live PR comment. */
  onProgress?: (report: RunReport) => void | Promise<void>;
  signal?: AbortSignal;
  hubEndpoint?: string;
  now?: () => number;
}

export interface RunOutcome {
  status: RunStatus;
  /** The plan made for this run; absent when a recorded run was reopened (no planning then). */
  plan?: EvalPlan;
  /** The LightEval release the jobs were built for (from the plan, or the recorded run). */
  lightevalVersion: string;
  jobs: FinishedJob[];
  results: ResultRow[];
  report: RunReport;
  localResultsDir: string;
  localCopies: Map<string, string>;
}

/**
 * prepare → record → submit or reattach → supervise → collect → report, each stage in its own
 * module. State is recorded on the cluster before and after every submission, under the run's lock,
 * so a re-run of the same run id reattaches to its jobs (and their re-planned layouts) instead of
 * submitting again, and two runners of one id never both submit.
 */
export async function runEvaluation(given: RunSettings, deps: RunDependencies): Promise<RunOutcome> {
  const mode = deps.mode ?? WAIT;
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const { executor, logger } = deps;
  const settings = await ownRunDirectory(given, executor.transport, mode);
  const standinBinDir =
    settings.simulate && mode.kind !== 'reopen' ? await standin(settings, deps) : undefined;
  const prepared: PreparedRun =
    mode.kind === 'reopen'
      ? await prepareReopenedRun(settings, executor.transport)
      : await prepareFreshRun(settings, {
          loadFacts: deps.loadFacts,
          transport: executor.transport,
          logger,
          ...(deps.hubEndpoint !== undefined && { hubEndpoint: deps.hubEndpoint }),
          ...(standinBinDir && { standinBinDir }),
          ...(deps.signal && { signal: deps.signal }),
        });
  if (prepared.plan) deps.onPlan?.(prepared.plan);
  for (const warning of [...(prepared.plan?.warnings ?? []), ...prepared.jobs.flatMap((j) => j.warnings)])
    logger.warn(warning);

  const record = await openRunRecord(executor.transport, settings, prepared, mode, {
    logger,
    now,
    ...(deps.signal && { signal: deps.signal }),
  });
  if (record.reattaching && mode.kind !== 'reopen') {
    logger.info(
      `Found the state of run ${settings.runId}: reattaching to its jobs instead of submitting again.`,
    );
  }
  const context: RunContext = {
    settings,
    executor,
    logger,
    prepared,
    record,
    specFor: (job) =>
      toJobSpec(job.planned, job.index, settings, {
        lightevalVersion: prepared.lightevalVersion,
        ...(standinBinDir && { standinBinDir }),
      }),
    progress: { startedAt, live: new Map(), notes: [], ended: new Map() },
    now,
    ...(deps.signal && { signal: deps.signal }),
    ...(deps.onProgress && { onProgress: deps.onProgress }),
  };

  const supervised = await superviseOrDetach(context, mode);
  if (supervised === 'submitted' || supervised === 'running') {
    return notFinished(context, supervised, deps.localDir);
  }
  return finish(context, supervised, deps.localDir);
}

/**
 * The run directory on the cluster, resolved (a relative remote-dir is under the account's home
 * there) and owned: created by this account with mode 0700 under parents no co-user can write, or,
 * when it exists, checked to be exactly that before anything in it is read or trusted. A co-user's
 * pre-created directory is refused. Reopening never creates one (a mistyped id finds nothing).
 */
async function ownRunDirectory(
  given: RunSettings,
  transport: Transport,
  mode: RunMode,
): Promise<RunSettings> {
  const settings = { ...given, remoteDir: await resolveRemoteDirectory(transport, given.remoteDir) };
  const runDir = runDirectory(settings);
  if (mode.kind === 'reopen' && (await transport.exec(['test', '-d', runDir])).exitCode !== 0) {
    throw new RunNotFoundError(settings.runId, stateFilePath(settings));
  }
  await makeOwnedDirectory(transport, runDir, { reuse: true });
  return settings;
}

async function standin(settings: RunSettings, deps: RunDependencies): Promise<string> {
  if (!deps.standinScript) throw new Error('simulate needs the LightEval stand-in script');
  const binDir = await installStandin(deps.executor.transport, runDirectory(settings), deps.standinScript);
  deps.logger.warn('SIMULATED: the LightEval stand-in replaces lighteval; no score of this run is real.');
  return binDir;
}

async function superviseOrDetach(
  context: RunContext,
  mode: RunMode,
): Promise<SupervisedRun | 'submitted' | 'running'> {
  if (mode.kind === 'reopen') return watchReopenedRun(context, mode.until);
  const { executor } = context;
  if (executor.kind === 'local') {
    if (mode.kind === 'detach') throw new Error('the local executor cannot detach');
    return superviseRun(context, new Map());
  }
  const attached = await submitOrReattach({
    record: context.record,
    executor,
    specFor: context.specFor,
    logger: context.logger,
    onJob: (job, jobId, how) => followJob(context, job, jobId, how),
  });
  if (mode.kind === 'detach') return 'submitted';
  return superviseRun(context, attached);
}

/** A run whose jobs are submitted (or still running): nothing to collect yet. */
function notFinished(context: RunContext, status: 'submitted' | 'running', localDir: string): RunOutcome {
  return {
    status: 'submitted',
    ...(context.prepared.plan && { plan: context.prepared.plan }),
    lightevalVersion: context.prepared.lightevalVersion,
    jobs: [],
    results: [],
    report: reportNow(context, status),
    localResultsDir: `${localDir}/results`,
    localCopies: new Map(),
  };
}

async function finish(context: RunContext, supervised: SupervisedRun, localDir: string): Promise<RunOutcome> {
  const { finished, cancelled } = supervised;
  const collected = await collectResults(context.executor.transport, finished, {
    runDir: runDirectory(context.settings),
    localDir,
    lightevalVersion: context.prepared.lightevalVersion,
  });
  context.progress.notes.push(...collected.notes);
  const failed =
    finished.some((j) => j.outcome.state.class !== 'succeeded') ||
    (finished.length > 0 && collected.results.length === 0) ||
    finished.length < context.record.current().jobs.length;
  const status: RunStatus = cancelled ? 'cancelled' : failed ? 'failed' : 'succeeded';
  const report = buildReport({
    settings: context.settings,
    state: context.record.current(),
    lightevalVersion: context.prepared.lightevalVersion,
    progress: context.progress,
    finished,
    results: collected.results,
    status,
    at: context.now(),
  });
  report.results = withStatistics(report.results, collected.perProblem, context.settings.precision);
  const ran = collected.ran;
  if (ran) {
    // What the job recorded it ran, not what the plan assumed.
    report.versions = {
      ...report.versions,
      ...(ran.versions.lighteval && { lighteval: ran.versions.lighteval }),
      ...(ran.versions.vllm && { vllm: ran.versions.vllm }),
    };
    if (ran.gpu) report.notes = [...(report.notes ?? []), `GPU: ${ran.gpu}.`];
  }
  return {
    status,
    ...(context.prepared.plan && { plan: context.prepared.plan }),
    lightevalVersion: context.prepared.lightevalVersion,
    jobs: finished,
    results: collected.results,
    report,
    localResultsDir: collected.localResultsDir,
    localCopies: collected.localCopies,
  };
}

/**
 * Each scored benchmark's interval and smallest detectable change from its per-problem details
 * (without details: LightEval's stderr, said so); with `precision`, the samples that would reach it.
 */
export function withStatistics(
  rows: readonly ReportResultRow[],
  perProblem: ReadonlyMap<string, readonly ProblemScore[]>,
  precision: number | undefined,
): ReportResultRow[] {
  return rows.map((row) => {
    if (row.value === null) return row;
    const statistics = benchmarkStatistics(
      {
        benchmark: row.benchmark,
        value: row.value,
        stderr: row.stderr,
        problems: row.problems ?? null,
        perProblem: perProblem.get(row.benchmark) ?? [],
      },
      precision === undefined ? {} : { precision },
    );
    return { ...row, statistics };
  });
}
