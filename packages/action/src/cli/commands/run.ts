import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { isLocalPath, loadModelFacts, renderPlanText } from '@model-eval/planner';
import type { Logger } from '@model-eval/slurm';
import { hubClientFromEnv, resolveRevisionSha } from '../../hub';
import { renderReport, renderReportText, reportVerdict } from '../../report';
import { openExecutor } from '../../run/connection';
import { pinRevision } from '../../run/pin-revision';
import { applyPrecision } from '../../run/precision';
import { type RunOutcome, runEvaluation } from '../../run/run-evaluation';
import type { RunSettings } from '../../run/run-settings';
import { findStandinScript } from '../../run/standin';
import {
  type CliIo,
  type CommandSpec,
  formatFrom,
  formatOption,
  type OutputFormat,
  type ParsedArgs,
  stringOption,
  UsageError,
} from '../command';
import { stateOption, writeDetachedRun } from '../detached';
import {
  addCliBaseline,
  cliHubClient,
  noUploadOption,
  type ResultsRepoRequest,
  resultsRepoFromArgs,
  resultsRepoOptions,
  uploadCliRun,
} from '../results-repo';
import {
  accessFromArgs,
  hubTimeoutFromArgs,
  runOptions,
  settingsFromArgs,
  stderrLoggerFor,
} from '../run-options';

export const runCommand: CommandSpec = {
  name: 'run',
  summary: 'Plan, submit and watch an evaluation, then report its results',
  options: {
    ...runOptions,
    wait: { type: 'boolean', description: 'Wait for the jobs and report (the default)' },
    detach: {
      type: 'boolean',
      description: 'Submit, write the state file and exit; finish with collect --state',
    },
    ...resultsRepoOptions,
    ...noUploadOption,
    ...stateOption,
    ...formatOption,
  },
  run: (args, io) => runFromArgs(args, io),
};

/** Exit codes: 0 succeeded, 1 a job failed, 130 cancelled (like a shell after SIGINT). */
export async function runFromArgs(
  args: ParsedArgs,
  io: CliIo,
  options: { collectOnly?: 'wait'; format?: OutputFormat; resultsRepo?: ResultsRepoRequest } = {},
): Promise<number> {
  const format = options.format ?? formatFrom(args);
  // `collect` passes its own flags: the state file records how to find the run, not how to report it.
  const resultsRepo = options.collectOnly ? options.resultsRepo : resultsRepoFromArgs(args);
  const detach = args.values.detach === true;
  // Flags that cannot work together are refused before anything (the Hub included) is contacted.
  if (detach && args.values.wait === true) throw new UsageError('--wait and --detach exclude each other');
  if (detach && resultsRepo) {
    throw new UsageError(
      '--results-repo with --detach: pass --results-repo (and --baseline) to `model-eval collect` instead, which reports the run',
    );
  }
  const hubTimeout = hubTimeoutFromArgs(args);
  const settings = await pinCliRevision(settingsFromArgs(args, io), io, {
    reopening: options.collectOnly !== undefined,
    hubTimeoutMs: hubTimeout,
  });
  const access = accessFromArgs(args, io);
  const logger = stderrLoggerFor(io, settings.simulate);
  const standinScript = settings.simulate ? findStandinScript() : undefined;
  if (settings.simulate && !standinScript) {
    throw new UsageError(
      '--simulate needs the LightEval stand-in (test/fixtures/lighteval) of a repository checkout',
    );
  }
  const localDir = resolve(io.cwd, 'model-eval-output', settings.runId);
  if (detach && access.executor === 'local') {
    throw new UsageError('--detach needs --executor slurm: local jobs are child processes of this command');
  }
  const executor = await openExecutor(access, settings, logger);

  // The runner sends SIGINT, then SIGTERM 7.5 s later: cancel the jobs within that grace.
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    logger.warn(`${signal}: cancelling the run's jobs.`);
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let outcome: RunOutcome;
  try {
    outcome = await runEvaluation(settings, {
      executor,
      loadFacts: (source) => loadModelFacts({ ...source, cwd: io.cwd, timeoutMs: hubTimeout }),
      logger,
      localDir,
      ...(standinScript && { standinScript }),
      ...(io.env.HF_ENDPOINT && { hubEndpoint: io.env.HF_ENDPOINT }),
      signal: abort.signal,
      mode: options.collectOnly
        ? { kind: 'reopen', until: 'ended' }
        : detach
          ? { kind: 'detach' }
          : { kind: 'wait' },
      // With --format json stdout carries one JSON document only; the plan goes to stderr then.
      onPlan: (plan) => (format === 'json' ? io.stderr : io.stdout)(`${renderPlanText(plan)}\n`),
    });
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await executor.transport.close();
  }
  if (outcome.status === 'submitted')
    return reportSubmitted(args, io, settings.runId, outcome, { localDir, format });
  const uploadFailure = resultsRepo
    ? await publishToResultsRepo(io, resultsRepo, settings, outcome, logger)
    : null;
  const code = await reportFinished(args, io, outcome, { localDir, format, logger });
  if (uploadFailure) logger.warn(uploadFailure);
  return code === 0 && uploadFailure ? 1 : code;
}

/**
 * `--results-repo`: the baseline into the report, then the upload, both through the action's code.
 * A failed upload is a note in the report and exit 1; the results stay in the local copy.
 */
async function publishToResultsRepo(
  io: CliIo,
  request: ResultsRepoRequest,
  settings: RunSettings,
  outcome: RunOutcome,
  logger: Logger,
): Promise<string | null> {
  const hub = cliHubClient(io, logger);
  const current = { model: settings.model, revision: settings.revision ?? 'main' };
  if (outcome.results.length > 0) {
    await addCliBaseline(hub, request, current, outcome, outcome.report, logger);
  }
  outcome.report.notes ??= [];
  return uploadCliRun(hub, request, settings, outcome, logger);
}

/**
 * A fresh run pins the revision to its commit on the Hub (the run id follows it); collecting reads
 * the commit the run recorded and never asks the Hub.
 */
async function pinCliRevision(
  settings: RunSettings,
  io: CliIo,
  options: { reopening: boolean; hubTimeoutMs: number | undefined },
): Promise<RunSettings> {
  if (options.reopening) return settings;
  // precision: no baseline on the command line, so the worst-case variance is assumed (said so).
  const applied = applyPrecision(settings);
  for (const line of applied.lines) io.stderr(`${line}\n`);
  settings = applied.settings;
  const hub = hubClientFromEnv(io.env, {
    ...(settings.hfToken && { accessToken: settings.hfToken }),
    ...(options.hubTimeoutMs !== undefined && { timeoutMs: options.hubTimeoutMs }),
  });
  const pinned = await pinRevision(
    settings,
    (model, revision) => resolveRevisionSha(hub, model, revision),
    (model) => isLocalPath(model, io.cwd),
  );
  io.stderr(`${pinned.line}\n`);
  return pinned.settings;
}

/** A detached run: the state file to reopen it with, and how to follow and finish it. */
async function reportSubmitted(
  args: ParsedArgs,
  io: CliIo,
  runId: string,
  outcome: RunOutcome,
  where: { localDir: string; format: OutputFormat },
): Promise<number> {
  const statePath = resolve(io.cwd, stringOption(args, 'state') ?? join(where.localDir, 'run.json'));
  await writeDetachedRun(statePath, {
    version: 1,
    runId,
    argv: [...argvOf(args), '--run-id', runId],
    cwd: io.cwd,
    submittedAt: new Date().toISOString(),
  });
  if (where.format === 'json') {
    const jobs = outcome.report.jobs.map((j) => ({ id: j.id, benchmarks: j.benchmarks, state: j.state }));
    io.stdout(`${JSON.stringify({ runId, status: 'submitted', jobs, state: statePath }, null, 2)}\n`);
    return 0;
  }
  const ids = outcome.report.jobs.map((j) => j.id).join(', ');
  io.stdout(`Submitted job(s) ${ids} (run ${runId}).\nState: ${statePath}\n`);
  io.stdout(
    `Follow with: model-eval status --state ${statePath}\nFinish with: model-eval collect --state ${statePath}\n`,
  );
  return 0;
}

/** A finished run: the report in the asked format, the files asked for, and the exit code. */
async function reportFinished(
  args: ParsedArgs,
  io: CliIo,
  outcome: RunOutcome,
  where: { localDir: string; format: OutputFormat; logger: Logger },
): Promise<number> {
  const markdown = renderReport(outcome.report);
  io.stdout(
    where.format === 'json'
      ? `${JSON.stringify({ ...resultsJsonOf(outcome), verdict: reportVerdict(outcome.report) }, null, 2)}\n`
      : where.format === 'markdown'
        ? `\n${markdown}\n`
        : `\n${renderReportText(outcome.report)}`,
  );
  const resultsJson = stringOption(args, 'results-json');
  if (resultsJson)
    await writeOut(resolve(io.cwd, resultsJson), `${JSON.stringify(resultsJsonOf(outcome), null, 2)}\n`);
  const reportPath = stringOption(args, 'report-md') ?? join(where.localDir, 'report.md');
  await writeOut(resolve(io.cwd, reportPath), markdown);
  where.logger.info(`Report: ${resolve(io.cwd, reportPath)}; results files: ${outcome.localResultsDir}`);
  return outcome.status === 'succeeded' ? 0 : outcome.status === 'cancelled' ? 130 : 1;
}

/** The `--results-json` contract other tools read. */
export function resultsJsonOf(outcome: RunOutcome) {
  return {
    model: outcome.report.model,
    revision: outcome.report.revision,
    status: outcome.status,
    simulated: outcome.report.simulated,
    jobs: outcome.jobs.map((job) => ({
      id: job.outcome.jobId,
      state: job.outcome.state.state,
      benchmarks: job.planned.benchmarks,
      gpus: job.planned.nodes * job.planned.gpusPerNode,
      elapsedSeconds: job.outcome.state.elapsedSeconds,
    })),
    results: outcome.results.map((r) => ({
      benchmark: r.benchmark,
      task: r.task,
      metric: r.metric,
      value: r.value,
      stderr: r.stderr,
    })),
  };
}

/** The run's command line again, for the state file (run-options only; paths, never secrets). */
function argvOf(args: ParsedArgs): string[] {
  const argv: string[] = [];
  for (const name of Object.keys(runOptions)) {
    const value = args.values[name];
    if (name === 'run-id' || value === undefined || value === false) continue;
    argv.push(`--${name}`, ...(value === true ? [] : [String(value)]));
  }
  return argv;
}

async function writeOut(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}
