import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from '@model-eval/slurm';
import type { Octokit } from '@octokit/rest';
import type { ResolvedSettings } from '../config';
import {
  type BaselineRule,
  DEFAULT_RETRY,
  type HubClient,
  hubClientFromEnv,
  type ResultsUploadFile,
  type RetryPolicy,
  readBaselineResults,
  readSummary,
  resolveBaseline,
  uploadResults,
} from '../hub';
import { type RunReport, renderReport } from '../report';
import { isReleaseRevision } from '../request';
import { detailsFileFor, findDetailsFiles, type ResultRow, readPerProblemScores } from '../results';
import type { RunOutcome } from '../run/run-evaluation';
import type { RunSettings } from '../run/run-settings';
import { compareWithBaseline } from '../stats';
import type { ActionEnvironment } from './environment';
import type { LiveComment } from './live-comment';

export type ActionStatus = 'succeeded' | 'failed' | 'cancelled' | 'submitted' | 'skipped';

interface PublishContext {
  octokit: Octokit | undefined;
  liveComment: LiveComment | undefined;
  localDir: string;
  runUrl: string | undefined;
}

/**
 * Baseline, Hub upload, report (comment, job summary, file), labels and outputs. Every publication is
 * attempted even when an earlier one failed: a Hub outage must not cost the comment, and the results
 * stay in the run directory and the local copy the workflow saves as an artifact.
 */
export async function publishOutcome(
  runner: ActionEnvironment,
  settings: ResolvedSettings,
  runSettings: RunSettings,
  run: RunOutcome,
  context: PublishContext,
): Promise<ActionStatus> {
  const { core, env } = runner;
  const logger: Logger = { debug: () => {}, info: core.info, warn: core.warning };
  const report: RunReport = {
    ...run.report,
    notes: [...(run.report.notes ?? [])],
    links: {
      ...(context.runUrl && { workflowRun: context.runUrl }),
      ...(env.HF_ENDPOINT && { hubBaseUrl: env.HF_ENDPOINT }),
    },
  };
  const failures: string[] = [];
  const hub = settings.resultsRepo
    ? hubClientFromEnv(env, {
        ...(settings.secrets.hfToken && { accessToken: settings.secrets.hfToken }),
        retry: hubRetryPolicy(env),
      })
    : undefined;

  if (hub && settings.resultsRepo && run.results.length > 0) {
    await addBaseline(hub, settings, run, report, logger);
    await addCheckpointSeries(hub, settings, run, report, logger);
    try {
      const uploaded = await uploadResults(hub, {
        repo: settings.resultsRepo,
        model: runSettings.model,
        revision: runSettings.revision ?? 'main',
        files: await uploadFiles(run),
        summary: {
          model: runSettings.model,
          revision: runSettings.revision ?? 'main',
          step: settings.request.step ?? null,
          finishedAt: new Date().toISOString(),
          workflowRun: context.runUrl ?? null,
          lightevalVersion: run.lightevalVersion,
          simulated: runSettings.simulate,
          scores: Object.fromEntries(
            run.results.map((r) => [r.benchmark, { metric: r.metric, value: r.value, stderr: r.stderr }]),
          ),
        },
        ...(context.runUrl && { workflowRunUrl: context.runUrl }),
      });
      report.links = { ...report.links, hubResults: uploaded.datasetUrl };
      core.info(`Uploaded ${uploaded.paths.length} file(s) to ${uploaded.commitUrl}.`);
    } catch (error) {
      const message = `The results upload to ${settings.resultsRepo} failed: ${(error as Error).message}`;
      failures.push(
        `${message} The results files are kept in the run directory on the cluster and in ${run.localResultsDir} (saved as the workflow artifact).`,
      );
      report.notes?.push(message);
      core.error(message);
    }
  }

  const markdown = renderReport(report);
  const reportPath = join(context.localDir, 'report.md');
  await mkdir(context.localDir, { recursive: true });
  await writeFile(reportPath, markdown);
  await writeFile(join(context.localDir, 'results.json'), `${JSON.stringify(run.results, null, 2)}\n`);
  const commentUrl = await context.liveComment?.flush(report);
  if (commentUrl) core.info(`Report: ${commentUrl}`);
  try {
    await core.writeSummary(markdown);
  } catch (error) {
    core.warning(`Could not write the job summary: ${(error as Error).message}`);
  }
  await updateLabels(context.octokit, settings, run.status, logger);

  core.setOutput(
    'job-ids',
    run.report.jobs
      .map((j) => j.id)
      .filter((id) => id !== '—')
      .join(','),
  );
  core.setOutput('results', JSON.stringify(run.results.map(resultOutput)));
  core.setOutput('report-path', reportPath);
  core.setOutput('results-dir', context.localDir);
  core.setOutput('run-id', runSettings.runId);

  if (run.status === 'failed')
    failures.unshift('One or more evaluation jobs failed; see the report for their logs.');
  if (run.status === 'cancelled')
    failures.unshift('The evaluation was cancelled; its jobs were cancelled on the cluster.');
  const regressed = report.baseline?.comparison.comparisons.filter((c) => c.verdict === 'regressed') ?? [];
  if (settings.failOnRegression && regressed.length > 0) {
    failures.push(
      `Regression against ${report.baseline?.label}: ${regressed.map((c) => c.benchmark).join(', ')} (fail-on-regression is on).`,
    );
  }
  if (failures.length > 0) core.setFailed(failures.join(' '));
  return run.status;
}

/** The Hub retry policy; MODEL_EVAL_HUB_RETRY_BASE_MS shortens the waits (tests simulate outages). */
function hubRetryPolicy(env: NodeJS.ProcessEnv): RetryPolicy {
  const base = Number(env.MODEL_EVAL_HUB_RETRY_BASE_MS);
  return Number.isFinite(base) && base > 0
    ? { ...DEFAULT_RETRY, baseDelayMs: base, maxDelayMs: base * 8 }
    : DEFAULT_RETRY;
}

function resultOutput(row: ResultRow) {
  return {
    benchmark: row.benchmark,
    task: row.task,
    metric: row.metric,
    value: row.value,
    stderr: row.stderr,
  };
}

function baselineRule(settings: ResolvedSettings): BaselineRule | undefined {
  const spec = settings.request.baseline;
  switch (spec.kind) {
    case 'none':
      return undefined;
    case 'previous-tag':
      // Releases as this repository tags them (tag-pattern), mapped to Hub revisions as it does.
      return {
        kind: 'previous-release',
        isRelease: (revision) => isReleaseRevision(revision, settings.tagPattern, settings.tagRevision),
      };
    case 'base-revision':
      return { kind: 'revision', revision: settings.request.pullRequest?.baseRef ?? 'main' };
    case 'fixed':
      return { kind: 'fixed', model: spec.model, revision: spec.revision };
  }
}

async function addBaseline(
  hub: HubClient,
  settings: ResolvedSettings,
  run: RunOutcome,
  report: RunReport,
  logger: Logger,
): Promise<void> {
  const rule = baselineRule(settings);
  if (!rule || !settings.resultsRepo) return;
  try {
    const target = await resolveBaseline(hub, settings.resultsRepo, rule, {
      model: settings.request.model,
      revision: settings.request.revision,
    });
    const baseline = target ? await readBaselineResults(hub, settings.resultsRepo, target) : null;
    if (!baseline) {
      report.notes?.push(
        `No baseline results found in ${settings.resultsRepo} for ${target?.label ?? 'the baseline rule'}.`,
      );
      return;
    }
    const perProblem = await readPerProblemScores(run.localResultsDir, run.results);
    const current = run.results.map((r) => ({ ...r, perProblem: perProblem.get(r.benchmark) ?? [] }));
    const base = baseline.rows.map((r) => ({ ...r, perProblem: baseline.perProblem.get(r.benchmark) ?? [] }));
    report.baseline = {
      label: baseline.label,
      values: Object.fromEntries(baseline.rows.map((r) => [r.benchmark, r.value])),
      comparison: compareWithBaseline(current, base),
    };
  } catch (error) {
    const message = `The baseline could not be read: ${(error as Error).message}`;
    logger.warn(message);
    report.notes?.push(message);
  }
}

async function addCheckpointSeries(
  hub: HubClient,
  settings: ResolvedSettings,
  run: RunOutcome,
  report: RunReport,
  logger: Logger,
): Promise<void> {
  const step = settings.request.step;
  if (step === undefined || !settings.resultsRepo) return;
  try {
    const rows = (await readSummary(hub, settings.resultsRepo)).filter(
      (r) =>
        r.model === settings.request.model &&
        typeof r.step === 'number' &&
        r.simulated === run.report.simulated,
    );
    report.checkpointSeries = run.results.flatMap((result) => {
      const points = rows.flatMap((r) => {
        const value = r.scores[result.benchmark]?.value;
        return typeof r.step === 'number' && typeof value === 'number' ? [{ step: r.step, value }] : [];
      });
      if (result.value !== null) points.push({ step, value: result.value });
      points.sort((a, b) => a.step - b.step);
      return points.length > 1 ? [{ benchmark: result.benchmark, points }] : [];
    });
  } catch (error) {
    logger.warn(`The checkpoint series could not be read: ${(error as Error).message}`);
  }
}

/**
 * One upload entry per benchmark and results file (a job's file holds all of its benchmarks), with
 * LightEval's per-problem details parquet when it saved one, so later baselines can be paired. (The
 * stand-in's JSON Lines details are not uploaded: the Hub layout holds LightEval's parquet.)
 */
async function uploadFiles(run: RunOutcome): Promise<ResultsUploadFile[]> {
  const byFile = new Map<string, ResultRow[]>();
  for (const row of run.results) byFile.set(row.file, [...(byFile.get(row.file) ?? []), row]);
  const detailsFiles = await findDetailsFiles(run.localResultsDir).catch(() => []);
  const files: ResultsUploadFile[] = [];
  for (const [file, rows] of byFile) {
    const resultsJson = await readFile(localCopyOf(run, file), 'utf8');
    for (const row of rows) {
      const details = detailsFileFor(detailsFiles, row);
      files.push({
        benchmark: row.benchmark,
        timestamp: row.timestamp,
        resultsJson,
        ...(details?.endsWith('.parquet') && { details: new Uint8Array(await readFile(details)) }),
      });
    }
  }
  return files;
}

function localCopyOf(run: RunOutcome, remotePath: string): string {
  const copy = run.localCopies.get(remotePath);
  if (!copy) throw new Error(`no local copy of ${basename(remotePath)}`);
  return copy;
}

async function updateLabels(
  octokit: Octokit | undefined,
  settings: ResolvedSettings,
  status: RunOutcome['status'],
  logger: Logger,
): Promise<void> {
  const pr = settings.request.pullRequest;
  if (!octokit || !pr || settings.request.trigger !== 'pr-label' || status === 'submitted') return;
  const { owner, name } = settings.request.repository;
  try {
    if (settings.labels.removeTriggerWhenDone && pr.labels.includes(settings.labels.trigger)) {
      await octokit.rest.issues.removeLabel({
        owner,
        repo: name,
        issue_number: pr.number,
        name: settings.labels.trigger,
      });
    }
    if (settings.labels.done) {
      await octokit.rest.issues.addLabels({
        owner,
        repo: name,
        issue_number: pr.number,
        labels: [settings.labels.done],
      });
    }
  } catch (error) {
    logger.warn(`Could not update the PR's labels: ${(error as Error).message}`);
  }
}
