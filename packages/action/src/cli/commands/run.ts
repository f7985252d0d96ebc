import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { loadModelFacts, renderPlanText } from '@model-eval/planner';
import { renderReport } from '../../report';
import { openExecutor } from '../../run/connection';
import { type RunOutcome, runEvaluation } from '../../run/run-evaluation';
import { findStandinScript } from '../../run/standin';
import { type CliIo, type CommandSpec, type ParsedArgs, stringOption, UsageError } from '../command';
import { accessFromArgs, runOptions, settingsFromArgs, stderrLoggerFor } from '../run-options';

export const runCommand: CommandSpec = {
  name: 'run',
  summary: 'Plan, submit and watch an evaluation, then report its results',
  options: runOptions,
  run: (args, io) => runFromArgs(args, io),
};

/** Exit codes: 0 succeeded, 1 a job failed, 130 cancelled (like a shell after SIGINT). */
export async function runFromArgs(args: ParsedArgs, io: CliIo): Promise<number> {
  const settings = settingsFromArgs(args, io);
  const access = accessFromArgs(args, io);
  const logger = stderrLoggerFor(io, settings.simulate);
  const standinScript = settings.simulate ? findStandinScript() : undefined;
  if (settings.simulate && !standinScript) {
    throw new UsageError(
      '--simulate needs the LightEval stand-in (test/fixtures/lighteval) of a repository checkout',
    );
  }
  const localDir = resolve(io.cwd, 'model-eval-output', settings.runId);
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
      loadFacts: (source) => loadModelFacts({ ...source, cwd: io.cwd }),
      logger,
      localDir,
      ...(standinScript && { standinScript }),
      ...(io.env.HF_ENDPOINT && { hubEndpoint: io.env.HF_ENDPOINT }),
      signal: abort.signal,
      onPlan: (plan) => io.stdout(`${renderPlanText(plan)}\n`),
    });
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await executor.transport.close();
  }
  const markdown = renderReport(outcome.report);
  io.stdout(`\n${markdown}\n`);
  const resultsJson = stringOption(args, 'results-json');
  if (resultsJson)
    await writeOut(resolve(io.cwd, resultsJson), `${JSON.stringify(resultsJsonOf(outcome), null, 2)}\n`);
  const reportPath = stringOption(args, 'report-md') ?? join(localDir, 'report.md');
  await writeOut(resolve(io.cwd, reportPath), markdown);
  logger.info(`Report: ${resolve(io.cwd, reportPath)}; results files: ${outcome.localResultsDir}`);
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

async function writeOut(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}
