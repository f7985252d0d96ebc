import {
  DEFAULT_LIGHTEVAL_VERSION,
  type EvalPlan,
  type ModelFacts,
  type ModelFactsSource,
  type MultiNodeEngine,
  type PlannedJob,
  planEvaluation,
  type RouteSetting,
} from '@model-eval/planner';
import { type Logger, shellQuote, type Transport } from '@model-eval/slurm';
import { LIGHTEVAL_OUTPUT_DIR } from './job-specs';
import { withinBudget } from './precision';
import { preflight } from './preflight';
import type { RunSettings } from './run-settings';
import { type RunState, readRunState, stateFilePath } from './run-state';

export type LoadModelFacts = (source: ModelFactsSource) => Promise<ModelFacts>;

/** The jobs a run is about, before anything is recorded or submitted. */
export interface PreparedRun {
  /** A fresh plan; absent when reopening (the recorded jobs are the plan then). */
  plan?: EvalPlan;
  jobs: PlannedJob[];
  /** The LightEval release the jobs' command lines were built for (results are parsed as it writes). */
  lightevalVersion: string;
  /** The state recorded by an earlier run of this id, read when reopening. */
  recorded?: RunState;
}

export interface FreshRunDeps {
  loadFacts: LoadModelFacts;
  transport: Transport;
  logger: Logger;
  hubEndpoint?: string;
  /** Where `--simulate` uploaded the LightEval stand-in (first on the jobs' PATH). */
  standinBinDir?: string;
  signal?: AbortSignal;
}

/**
 * Checks what the jobs will really run (preflight: the job's setup lines and `lighteval` on the
 * cluster), then plans afresh for that LightEval release from the model's facts (one Hub call).
 */
export async function prepareFreshRun(settings: RunSettings, deps: FreshRunDeps): Promise<PreparedRun> {
  const checked = await preflight(deps.transport, preflightSetup(settings, deps.standinBinDir), {
    lightevalVersion: settings.lightevalVersion,
    ...(deps.signal && { signal: deps.signal }),
  });
  deps.logger.info(`Preflight: ${checked.summary}; planning for LightEval ${checked.lightevalVersion}.`);
  const facts = await deps.loadFacts({
    model: settings.model,
    // The pinned commit when there is one: the config read, the plan and LightEval's `revision=`
    // then name one commit, whatever the branch does meanwhile.
    ...((settings.commitSha ?? settings.revision) !== undefined && {
      revision: settings.commitSha ?? settings.revision,
    }),
    ...(deps.hubEndpoint !== undefined && { hubEndpoint: deps.hubEndpoint }),
    ...(settings.hfToken !== undefined && { token: settings.hfToken }),
  });
  const planFor = (benchmarks: RunSettings['benchmarkDefinitions'] | string[]) =>
    planEvaluation({
      facts,
      cluster: settings.cluster,
      benchmarks,
      outputDir: LIGHTEVAL_OUTPUT_DIR,
      lightevalVersion: checked.lightevalVersion,
      ...(settings.gpuMemoryUtilization !== undefined && {
        gpuMemoryUtilization: settings.gpuMemoryUtilization,
      }),
      ...(settings.maxModelLength !== undefined && { maxModelLength: settings.maxModelLength }),
      ...(settings.jobPerBenchmark !== undefined && { jobPerBenchmark: settings.jobPerBenchmark }),
      ...(settings.seeds !== undefined && { seeds: settings.seeds }),
      ...routeInput(settings),
    });
  // max-gpu-hours: refused above the budget, or precision's counts capped to fit (said so).
  const plan = withinBudget(
    settings,
    planFor(settings.benchmarkDefinitions ?? settings.benchmarks),
    planFor,
    (line) => deps.logger.info(line),
  );
  return { plan, jobs: plan.jobs, lightevalVersion: plan.lightevalVersion };
}

/**
 * The lines a job runs before LightEval, as the preflight must run them: under `--simulate` the
 * uploaded stand-in comes first on PATH, imitating the requested release (or the default for auto).
 */
function preflightSetup(settings: RunSettings, standinBinDir: string | undefined): string[] {
  if (!standinBinDir) return settings.slurm.setup;
  return [
    ...settings.slurm.setup,
    `export PATH=${shellQuote(standinBinDir)}:"$PATH"`,
    `export LIGHTEVAL_STANDIN_VERSION=${shellQuote(standinVersionFor(settings.lightevalVersion))}`,
  ];
}

/** The release the stand-in imitates: the requested one, or the default for `auto`. */
export function standinVersionFor(requested: string | undefined): string {
  return requested === undefined || requested === '' || requested === 'auto'
    ? DEFAULT_LIGHTEVAL_VERSION
    : requested;
}

/**
 * Reopens a recorded run from its state alone: no Hub call and no planning, so an outage of the Hub
 * never stops collecting results that are already on the cluster.
 */
export async function prepareReopenedRun(settings: RunSettings, transport: Transport): Promise<PreparedRun> {
  const statePath = stateFilePath(settings);
  const recorded = await readRunState(transport, statePath);
  // Reopening must find the run as it was recorded: never create one under a mistyped id.
  if (!recorded) throw new RunNotFoundError(settings.runId, statePath);
  if (recorded.model !== settings.model || (recorded.revision ?? 'main') !== (settings.revision ?? 'main')) {
    throw new RunNotFoundError(settings.runId, statePath, `${recorded.model}@${recorded.revision ?? 'main'}`);
  }
  const lightevalVersion =
    recorded.version === 2
      ? recorded.lightevalVersion
      : (settings.lightevalVersion ?? DEFAULT_LIGHTEVAL_VERSION);
  return { jobs: recorded.jobs.map((job) => job.planned), lightevalVersion, recorded };
}

/**
 * The planner's route inputs from the settings. A route that cannot work (in-process on several
 * nodes, serve on a LightEval without a usable endpoint backend) is the planner's PlanError.
 */
export function routeInput(settings: Pick<RunSettings, 'multiNode'>): {
  route?: RouteSetting;
  multiNodeEngine?: MultiNodeEngine;
  servePort?: number;
} {
  const multi = settings.multiNode ?? {};
  return {
    ...(multi.route !== undefined && { route: multi.route }),
    ...(multi.engine !== undefined && { multiNodeEngine: multi.engine }),
    ...(multi.servePort !== undefined && { servePort: multi.servePort }),
  };
}

export class RunNotFoundError extends Error {
  override name = 'RunNotFoundError';
  readonly kind = 'bad-input' as const;
  readonly hint: string;
  constructor(runId: string, statePath: string, recordedModel?: string) {
    super(
      recordedModel
        ? `Run ${runId} evaluated ${recordedModel}, not the model and revision given here`
        : `There is no run ${runId} to collect: ${statePath} does not exist`,
    );
    this.hint =
      'Pass the run-id output of the detached run with the same model, revision, cluster and remote directory it used.';
  }
}
