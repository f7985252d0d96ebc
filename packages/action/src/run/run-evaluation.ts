import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  type EvalPlan,
  type ModelFacts,
  type ModelFactsSource,
  nextLargerPlan,
  type PlannedJob,
  planEvaluation,
} from '@model-eval/planner';
import {
  classifyFailure,
  collectJobFiles,
  type JobOutcome,
  type JobSpec,
  joinRemotePath,
  type Logger,
  readLogTails,
  type SlurmJobState,
  type WatchEvent,
} from '@model-eval/slurm';
import type { JobReport, RunReport } from '../report';
import { parseResultsFile, type ResultRow } from '../results';
import { copyRemoteTree } from './copy-remote';
import type { Executor } from './executor';
import { LIGHTEVAL_OUTPUT_DIR, runDirectory, toJobSpec } from './job-specs';
import type { RunSettings } from './run-settings';
import { type RecordedJob, type RunState, readRunState, stateFilePath, writeRunState } from './run-state';

export type LoadModelFacts = (source: ModelFactsSource) => Promise<ModelFacts>;

export type RunStatus = 'succeeded' | 'failed' | 'cancelled' | 'submitted';

export interface RunDependencies {
  executor: Executor;
  loadFacts: LoadModelFacts;
  logger: Logger;
  /** Where result files are copied on this machine (kept as the run's artifact). */
  localDir: string;
  /** The LightEval stand-in's source (a file on this machine), uploaded to the run for `simulate`. */
  standinScript?: string;
  /** Called once with the plan, before anything is submitted. */
  onPlan?: (plan: EvalPlan) => void;
  /** Submit (or reattach), record the state and return `submitted` without waiting. */
  detach?: boolean;
  /**
   * Only look at an existing run, never submit (not even a failed job again): `once` (a scheduled
   * collector) answers `submitted` at once while jobs still run; `wait` polls until they have ended.
   * Either way ended jobs are collected and reported.
   */
  collectOnly?: 'once' | 'wait';
  /** A fresh report on every state change, for the live PR comment. */
  onProgress?: (report: RunReport) => void | Promise<void>;
  signal?: AbortSignal;
  hubEndpoint?: string;
  now?: () => number;
}

export interface FinishedJob {
  index: number;
  planned: PlannedJob;
  spec: JobSpec;
  outcome: JobOutcome;
  /** Out-of-memory re-plans this job went through. */
  oomEscalations: number;
}

export interface RunOutcome {
  status: RunStatus;
  plan: EvalPlan;
  jobs: FinishedJob[];
  results: ResultRow[];
  report: RunReport;
  /** Directory on this machine holding the collected results files (and details). */
  localResultsDir: string;
  /** Results file on the cluster → its copy on this machine. */
  localCopies: Map<string, string>;
}

/**
 * plan → render → submit (or reattach) → watch → re-plan after GPU OOM → collect → report value.
 * State is recorded in the run directory before and after every submission, so a re-run of the same
 * run id reattaches to its jobs (and their re-planned layouts) instead of submitting again.
 */
export async function runEvaluation(settings: RunSettings, deps: RunDependencies): Promise<RunOutcome> {
  const { executor, logger } = deps;
  const transport = executor.transport;
  const now = deps.now ?? Date.now;
  const startedAt = now();

  const facts = await deps.loadFacts({
    model: settings.model,
    ...(settings.revision !== undefined && { revision: settings.revision }),
    ...(deps.hubEndpoint !== undefined && { hubEndpoint: deps.hubEndpoint }),
    ...(settings.hfToken !== undefined && { token: settings.hfToken }),
  });
  const plan = planEvaluation({
    facts,
    cluster: settings.cluster,
    benchmarks: settings.benchmarkDefinitions ?? settings.benchmarks,
    outputDir: LIGHTEVAL_OUTPUT_DIR,
    ...(settings.gpuMemoryUtilization !== undefined && {
      gpuMemoryUtilization: settings.gpuMemoryUtilization,
    }),
    ...(settings.maxModelLength !== undefined && { maxModelLength: settings.maxModelLength }),
    ...(settings.lightevalVersion !== undefined && { lightevalVersion: settings.lightevalVersion }),
    ...(settings.jobPerBenchmark !== undefined && { jobPerBenchmark: settings.jobPerBenchmark }),
  });
  deps.onPlan?.(plan);
  const multiNode = plan.jobs.find((job) => job.nodes > 1);
  if (multiNode) throw new MultiNodeRunError(multiNode);
  for (const warning of [...plan.warnings, ...plan.jobs.flatMap((j) => j.warnings)]) logger.warn(warning);

  const runDir = runDirectory(settings);
  const statePath = stateFilePath(settings);
  const recorded = await readRunState(transport, statePath);
  if (deps.collectOnly) {
    // Reopening must find the run as it was recorded: never create one under a mistyped id.
    if (!recorded) throw new RunNotFoundError(settings.runId, statePath);
    if (
      recorded.model !== settings.model ||
      (recorded.revision ?? 'main') !== (settings.revision ?? 'main')
    ) {
      throw new RunNotFoundError(
        settings.runId,
        statePath,
        `${recorded.model}@${recorded.revision ?? 'main'}`,
      );
    }
  }
  await transport.makeDirectory(runDir);
  const state: RunState = recorded ?? {
    version: 1,
    runId: settings.runId,
    model: settings.model,
    ...(settings.revision !== undefined && { revision: settings.revision }),
    benchmarks: plan.jobs.flatMap((j) => j.benchmarks),
    createdAt: new Date(startedAt).toISOString(),
    updatedAt: new Date(startedAt).toISOString(),
    jobs: plan.jobs.map((planned, index) => ({ index, planned, jobIds: [], oomEscalations: 0 })),
  };
  if (recorded) {
    logger.info(
      `Found the state of run ${settings.runId}: reattaching to its jobs instead of submitting again.`,
    );
  }
  const save = async () => {
    state.updatedAt = new Date(now()).toISOString();
    await writeRunState(transport, statePath, state);
  };
  await save();

  let standinBinDir: string | undefined;
  if (settings.simulate) {
    if (!deps.standinScript) throw new Error('simulate needs the LightEval stand-in script');
    standinBinDir = joinRemotePath(runDir, 'bin');
    await transport.makeDirectory(standinBinDir);
    // Replace it atomically (write, then rename): a reattaching run rewrites it while this run's jobs
    // may be starting, and a job must never execute a half-written file.
    const standin = joinRemotePath(standinBinDir, 'lighteval');
    const upload = `${standin}.upload-${process.pid}`;
    await transport.writeFile(upload, await readFile(deps.standinScript), { mode: 0o755 });
    const moved = await transport.exec(['mv', '-f', '--', upload, standin]);
    if (moved.exitCode !== 0)
      throw new Error(`could not install the LightEval stand-in: ${moved.stderr.trim()}`);
    logger.warn('SIMULATED: the LightEval stand-in replaces lighteval; no score of this run is real.');
  }
  const specFor = (job: RecordedJob) =>
    toJobSpec(job.planned, job.index, settings, standinBinDir ? { standinBinDir } : {});

  const finished: FinishedJob[] = [];
  const notes: string[] = [];
  const live = new Map<string, { index: number; state: SlurmJobState }>();
  const progressReport = () =>
    buildReport(settings, plan, state, finished, live, [], notes, startedAt, now(), 'running');

  /** Records a job id the moment it exists, so a re-run or a cancel finds it whatever happens next. */
  const recordSubmission = async (job: RecordedJob, jobId: string, reattached: boolean) => {
    if (!job.jobIds.includes(jobId)) job.jobIds.push(jobId);
    live.set(jobId, {
      index: job.index,
      state: { class: 'running', state: 'PENDING', raw: 'PENDING', elapsedSeconds: 0 },
    });
    logger.info(
      `${reattached ? 'Reattached to' : 'Submitted'} job ${jobId} for ${job.planned.benchmarks.join(', ')} (${layoutText(job.planned)}).`,
    );
    await save();
    await deps.onProgress?.(progressReport());
  };
  /** A run whose jobs are submitted (or still running): nothing to collect yet. */
  const notFinishedYet = (reportStatus: RunReport['status']): RunOutcome => ({
    status: 'submitted',
    plan,
    jobs: [],
    results: [],
    report: buildReport(settings, plan, state, [], live, [], notes, startedAt, now(), reportStatus),
    localResultsDir: join(deps.localDir, 'results'),
    localCopies: new Map(),
  });

  if (deps.detach) {
    const specs = state.jobs.map(specFor);
    await executor.submit(specs, {
      onSubmitted: (spec, jobId, reattached) => {
        const job = state.jobs.find((j) => specFor(j).key === spec.key);
        return job ? recordSubmission(job, jobId, reattached) : undefined;
      },
    });
    return notFinishedYet('submitted');
  }

  let pending = [...state.jobs];
  let cancelled = false;
  if (deps.collectOnly) {
    const ids = state.jobs.flatMap((j) => j.jobIds.slice(-1));
    logger.info(`Reopening run ${settings.runId}: job(s) ${ids.join(', ') || 'none'}; nothing is submitted.`);
    let delay = settings.pollIntervalMs ?? 5000;
    for (;;) {
      const polled = await executor.poll(ids).catch((error: Error) => {
        // A failed status query is a hiccup, never a job failure: try again at the next poll.
        logger.warn(`Status query failed (${error.message}); retrying.`);
        return new Map<string, SlurmJobState>();
      });
      for (const job of state.jobs) {
        const id = job.jobIds.at(-1);
        const polledState = id ? polled.get(id) : undefined;
        if (id && polledState) live.set(id, { index: job.index, state: polledState });
      }
      const collected =
        polled.size > 0 ? await outcomesIfAllFinal(state.jobs, specFor, polled, executor) : 'running';
      if (collected !== 'running') {
        finished.push(...collected);
        for (const job of collected) live.delete(job.outcome.jobId);
        break;
      }
      if (deps.collectOnly === 'once') return notFinishedYet('running');
      await deps.onProgress?.(progressReport());
      if (!(await sleepUnlessAborted(delay, deps.signal))) {
        // Cancelled while waiting: the same as cancelling a run, its jobs are cancelled on the cluster.
        await executor.cancel(ids, state.jobs.map(specFor));
        logger.warn(`Cancelled ${ids.length} job(s): ${ids.join(', ')}.`);
        notes.push('The run was cancelled; its jobs were cancelled on the cluster.');
        const report = buildReport(settings, plan, state, [], live, [], notes, startedAt, now(), 'cancelled');
        return {
          status: 'cancelled',
          plan,
          jobs: [],
          results: [],
          report,
          localResultsDir: join(deps.localDir, 'results'),
          localCopies: new Map(),
        };
      }
      delay = Math.min(delay * 1.5, settings.pollIntervalCapMs ?? 60_000);
    }
    pending = [];
  }
  while (pending.length > 0 && !cancelled) {
    const specs = pending.map(specFor);
    const byKey = new Map(pending.map((job, i) => [specs[i]?.key ?? '', job] as const));
    let result: Awaited<ReturnType<Executor['run']>>;
    try {
      result = await executor.run(specs, {
        ...(deps.signal && { signal: deps.signal }),
        onSubmitted: (spec, jobId, reattached) => {
          const job = byKey.get(spec.key);
          return job ? recordSubmission(job, jobId, reattached) : undefined;
        },
        onEvent: (event) => {
          const line = describeEvent(event);
          if (line) logger.info(line);
          if (event.type === 'state') {
            const entry = live.get(event.jobId);
            if (entry) entry.state = event.state;
            void deps.onProgress?.(progressReport());
          }
        },
      });
    } catch (error) {
      if (!deps.signal?.aborted) throw error;
      // Cancelled (SIGINT/SIGTERM from the runner): scancel everything this run submitted, by id and
      // by key (a job sbatch accepted but the run had not recorded yet), within the runner's grace.
      const jobIds = state.jobs.flatMap((j) => j.jobIds);
      await executor.cancel(jobIds, specs);
      logger.warn(`Cancelled ${jobIds.length} job(s): ${jobIds.join(', ') || 'none submitted yet'}.`);
      notes.push('The run was cancelled; its jobs were cancelled on the cluster.');
      result = {
        cancelled: true,
        outcomes: specs.map((spec) => {
          const job = byKey.get(spec.key);
          const jobId = job?.jobIds[job.jobIds.length - 1] ?? '—';
          return {
            spec,
            jobId,
            attempts: job?.jobIds ?? [],
            state: {
              class: 'failed',
              state: 'CANCELLED',
              raw: 'CANCELLED',
              retryable: false,
              elapsedSeconds: 0,
            },
            failure: 'cancelled',
          };
        }),
      };
    }
    cancelled = result.cancelled;
    const next: RecordedJob[] = [];
    for (const outcome of result.outcomes) {
      const job = byKey.get(outcome.spec.key);
      if (!job) continue;
      live.delete(outcome.jobId);
      if (outcome.failure === 'gpu-oom' && !cancelled) {
        const larger =
          job.oomEscalations < settings.maxOomEscalations ? nextLargerPlan(plan, job.planned) : undefined;
        if (larger) {
          const note = `Job ${outcome.jobId} (${job.planned.benchmarks.join(', ')}) ran out of GPU memory at ${layoutText(job.planned)}; re-planned to ${layoutText(larger)} and resubmitted.`;
          logger.warn(note);
          notes.push(note);
          job.planned = larger;
          job.oomEscalations += 1;
          next.push(job);
          continue;
        }
        notes.push(
          `Job ${outcome.jobId} ran out of GPU memory at ${layoutText(job.planned)} and no larger layout is allowed (max ${settings.maxOomEscalations} re-plans, ${settings.cluster.maxNodes} node(s)).`,
        );
      }
      finished.push({
        index: job.index,
        planned: job.planned,
        spec: outcome.spec,
        outcome,
        oomEscalations: job.oomEscalations,
      });
    }
    await save();
    pending = next;
  }

  const localResultsDir = join(deps.localDir, 'results');
  const results: ResultRow[] = [];
  const localCopies = new Map<string, string>();
  for (const job of finished.sort((a, b) => a.index - b.index)) {
    if (job.outcome.state.class !== 'succeeded') continue;
    const files = await collectJobFiles(transport, job.spec, job.outcome.jobId);
    if (files.resultFiles.length === 0) {
      notes.push(`Job ${job.outcome.jobId} completed but wrote no results file under ${job.spec.outputDir}.`);
      job.outcome = { ...job.outcome, logTail: `${files.stdoutTail}${files.stderrTail}` };
      continue;
    }
    const localOf = (remote: string) =>
      join(localResultsDir, remote.slice(runDir.length).replace(/^\/+/, ''));
    await copyRemoteTree(
      transport,
      joinRemotePath(outputDirOf(job.spec), 'details'),
      localOf(joinRemotePath(outputDirOf(job.spec), 'details')),
    );
    for (const file of files.resultFiles) {
      // Keep a local copy first: whatever happens next (parse error, Hub outage), the file is saved.
      const localPath = localOf(file.path);
      await mkdir(dirname(localPath), { recursive: true });
      await writeFile(localPath, file.content);
      localCopies.set(file.path, localPath);
      // The file does not record LightEval's version; the plan targeted this one.
      const parsed = parseResultsFile(file.content, file.path, { lightevalVersion: plan.lightevalVersion });
      results.push(...parsed.rows.filter((row) => job.planned.benchmarks.includes(row.benchmark)));
    }
  }

  const failed =
    finished.some((j) => j.outcome.state.class !== 'succeeded') ||
    (finished.length > 0 && results.length === 0);
  const status: RunStatus = cancelled ? 'cancelled' : failed ? 'failed' : 'succeeded';
  const report = buildReport(settings, plan, state, finished, live, results, notes, startedAt, now(), status);
  return { status, plan, jobs: finished, results, report, localResultsDir, localCopies };
}

/**
 * vLLM spans nodes only through a Ray cluster, which the job script does not start: a multi-node job
 * would run on its first node alone and fail or crawl. Refused before anything is submitted.
 */
export class MultiNodeRunError extends Error {
  override name = 'MultiNodeRunError';
  readonly hint =
    'Plan for one node (max-nodes 1): GPUs with more memory, a shorter max-model-length, or fewer benchmarks per job. Multi-node vLLM needs a Ray cluster, which this version does not start.';
  constructor(job: PlannedJob) {
    super(
      `The plan needs ${job.nodes} nodes for ${job.benchmarks.join(', ')} (TP ${job.tensorParallel} × PP ${job.pipelineParallel}), and multi-node jobs are not supported yet`,
    );
  }
}

export class RunNotFoundError extends Error {
  override name = 'RunNotFoundError';
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

/** The outcome of every job when all have ended; `running` while any has not (or was never submitted). */
async function outcomesIfAllFinal(
  jobs: readonly RecordedJob[],
  specFor: (job: RecordedJob) => JobSpec,
  polled: ReadonlyMap<string, SlurmJobState>,
  executor: Executor,
): Promise<FinishedJob[] | 'running'> {
  const finished: FinishedJob[] = [];
  for (const job of jobs) {
    const jobId = job.jobIds.at(-1);
    const state = jobId ? polled.get(jobId) : undefined;
    if (!jobId || !state || state.class === 'running') return 'running';
    const spec = specFor(job);
    const outcome: JobOutcome = { spec, jobId, attempts: [...job.jobIds], state };
    if (state.class === 'failed') {
      const tails = await readLogTails(executor.transport, spec, jobId, 200);
      outcome.logTail = `${tails.stdoutTail}${tails.stderrTail}`;
      outcome.failure = classifyFailure(state, outcome.logTail);
    }
    finished.push({
      index: job.index,
      planned: job.planned,
      spec,
      outcome,
      oomEscalations: job.oomEscalations,
    });
  }
  return finished;
}

/** Resolves true after `ms`, or false at once when `signal` aborts. */
function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function outputDirOf(spec: JobSpec): string {
  return spec.outputDir ?? spec.runDir;
}

export function layoutText(
  job: Pick<PlannedJob, 'nodes' | 'gpusPerNode' | 'tensorParallel' | 'pipelineParallel' | 'dataParallel'>,
): string {
  return `${job.nodes}×${job.gpusPerNode} GPUs, TP ${job.tensorParallel} × PP ${job.pipelineParallel} × DP ${job.dataParallel}`;
}

function describeEvent(event: WatchEvent): string | undefined {
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

function buildReport(
  settings: RunSettings,
  plan: EvalPlan,
  state: RunState,
  finished: readonly FinishedJob[],
  live: ReadonlyMap<string, { index: number; state: SlurmJobState }>,
  results: readonly ResultRow[],
  notes: readonly string[],
  startedAt: number,
  at: number,
  status: RunReport['status'],
): RunReport {
  const jobs: JobReport[] = [];
  for (const job of state.jobs) {
    const done = finished.find((f) => f.index === job.index);
    const liveEntry = [...live.entries()].find(([, v]) => v.index === job.index);
    const jobState = done?.outcome.state ?? liveEntry?.[1].state;
    const id = done?.outcome.jobId ?? liveEntry?.[0] ?? job.jobIds[job.jobIds.length - 1] ?? '—';
    const entry: JobReport = {
      id,
      benchmarks: job.planned.benchmarks,
      state: jobState?.state ?? 'SUBMITTING',
      layout: {
        nodes: job.planned.nodes,
        gpusPerNode: job.planned.gpusPerNode,
        tensorParallel: job.planned.tensorParallel,
        pipelineParallel: job.planned.pipelineParallel,
        dataParallel: job.planned.dataParallel,
      },
      elapsedSeconds: jobState?.elapsedSeconds ?? null,
      queueSeconds: null,
    };
    const reason = failureReason(done?.outcome);
    if (reason) entry.reason = reason;
    else if (jobState && 'reason' in jobState && jobState.reason) entry.reason = jobState.reason;
    if (done?.outcome.state.class === 'failed' && done.outcome.logTail) entry.logTail = done.outcome.logTail;
    jobs.push(entry);
  }
  const version = results[0]?.lightevalVersion ?? plan.lightevalVersion;
  return {
    model: settings.model,
    revision: settings.revision ?? 'main',
    status,
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
    })),
    versions: { lighteval: version },
    wallSeconds: Math.round((at - startedAt) / 1000),
    notes: [...notes],
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
