import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@model-eval/slurm';
import type { Octokit } from '@octokit/rest';
import type { ResolvedSettings } from '../config';
import { DEFAULT_RETRY, hubClientFromEnv, type RetryPolicy } from '../hub';
import { type RunReport, renderReport } from '../report';
import type { RunOutcome } from '../run/run-evaluation';
import type { RunSettings } from '../run/run-settings';
import type { ActionEnvironment } from './environment';
import type { LiveComment } from './live-comment';
import { addBaseline, addCheckpointSeries } from './publish/baseline';
import { publishToHub } from './publish/hub-upload';
import { updateLabels } from './publish/labels';
import { setOutputs } from './publish/outputs';

export type ActionStatus = 'succeeded' | 'failed' | 'cancelled' | 'submitted' | 'skipped';

interface PublishContext {
  octokit: Octokit | undefined;
  liveComment: LiveComment | undefined;
  localDir: string;
  runUrl: string | undefined;
  /** `model-card: pr`: after the upload, open a pull request adding the scores to the model's page. */
  modelCardPr?: boolean;
}

/**
 * Baseline, Hub upload, report (comment, job summary, file), labels and outputs (each concern in
 * publish/). Every publication is
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
        retry: { ...hubRetryPolicy(env), onRetry: (message) => core.warning(message) },
      })
    : undefined;

  if (hub && settings.resultsRepo && run.results.length > 0) {
    await addBaseline(hub, settings, run, report, logger);
    await addCheckpointSeries(hub, settings, run, report, logger);
    const failure = await publishToHub(
      core,
      hub,
      { ...settings, resultsRepo: settings.resultsRepo },
      runSettings,
      run,
      report,
      context,
    );
    if (failure) failures.push(failure);
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

  setOutputs(core, runSettings, run, { reportPath, localDir: context.localDir });

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
