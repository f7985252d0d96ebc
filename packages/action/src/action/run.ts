import { dirname, join } from 'node:path';
import { type EvalPlan, loadModelFacts, planToJson } from '@model-eval/planner';
import type { Logger } from '@model-eval/slurm';
import type { Octokit } from '@octokit/rest';
import type { ResolvedSettings } from '../config';
import { guardEvent, guardRequest, needsPermissionCheck } from '../guard';
import { hubClientFromEnv, resolveRevisionSha, waitForCheckpointRevision } from '../hub';
import type { RunReport } from '../report';
import { escapeWorkflowLog } from '../report/escape';
import { openExecutor } from '../run/connection';
import type { Executor } from '../run/executor';
import { pinRevision } from '../run/pin-revision';
import { applyPrecision } from '../run/precision';
import { layoutText, type RunOutcome, runEvaluation } from '../run/run-evaluation';
import type { RunSettings } from '../run/run-settings';
import { findStandinScript } from '../run/standin';
import { type ActionSettings, readActionSettings, readRunnerEvent } from './action-settings';
import type { ActionEnvironment } from './environment';
import { createLiveComment, type LiveComment } from './live-comment';
import { settingsForPullRequest } from './pr-head';
import { type ActionStatus, publishOutcome } from './publish';
import { baselineVariances } from './publish/baseline';

/** Runs the action: never throws; failures go through setFailed with what happened and what to do. */
export async function runAction(runner: ActionEnvironment): Promise<void> {
  try {
    const status = await evaluate(runner);
    runner.core.setOutput('status', status);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const hint = (error as { hint?: unknown }).hint;
    runner.core.setOutput('status', 'failed');
    runner.core.setFailed(typeof hint === 'string' ? `${message.replace(/\.$/, '')}. ${hint}` : message);
  }
}

async function evaluate(runner: ActionEnvironment): Promise<ActionStatus> {
  const { core } = runner;
  // The guard first: nothing the event's author controls (labels, dispatch fields) is read, let alone
  // echoed in an error, before their permission is known.
  const event = readRunnerEvent(runner);
  const first = await guardEvent(
    event.githubToken ? runner.octokit(event.githubToken) : undefined,
    event.eventName,
    event.payload,
  );
  if (first.kind === 'skip') {
    core.notice(first.message);
    return 'skipped';
  }
  const outcome = readActionSettings(runner, event);
  if (outcome.kind === 'skip') {
    core.notice(`model-eval: nothing to evaluate: ${outcome.reason}`);
    return 'skipped';
  }
  const token = outcome.settings.resolved.secrets.githubToken;
  const octokit = token ? runner.octokit(token) : undefined;
  if ((await permissionDecision(runner, outcome.settings.resolved, octokit)) === 'skip') return 'skipped';
  // Only now, with the actor's permission known, is anything of the PR's head read (as data).
  const forPr = await settingsForPullRequest(runner, event, outcome.settings, octokit);
  if (forPr.kind === 'skip') {
    core.notice(`model-eval: nothing to evaluate: ${forPr.reason}`);
    return 'skipped';
  }
  const settings = forPr.settings;

  // Lines carry cluster text (job states, reasons): never let one start a `::` workflow command.
  const logger: Logger = {
    debug: () => {},
    info: (message) => core.info(escapeWorkflowLog(message)),
    warn: (message) => core.warning(escapeWorkflowLog(message)),
  };
  const { request } = settings.resolved;
  const liveComment =
    request.pullRequest && octokit
      ? createLiveComment(octokit, request.repository, request.pullRequest.number, logger)
      : undefined;
  const outcomeOfRun = await evaluateOnCluster(runner, settings, logger, liveComment);
  // Read after the run: pinning the revision may have derived the run id (and local dir) again.
  return publishOutcome(runner, settings.resolved, settings.run, outcomeOfRun, {
    octokit,
    liveComment,
    localDir: settings.publish.localDir,
    runUrl: settings.publish.runUrl,
    modelCardPr: settings.publish.modelCardPr,
  });
}

/**
 * The guard runs before anything touches the cluster: self-hosted runners hold its credentials.
 * Triggers a person can cause (labels, dispatch) need the actor's permission, read with the token.
 */
async function permissionDecision(
  runner: ActionEnvironment,
  settings: ResolvedSettings,
  octokit: Octokit | undefined,
): Promise<'run' | 'skip'> {
  if (needsPermissionCheck(settings.request.trigger) && !octokit) {
    throw Object.assign(
      new Error(
        `a ${settings.request.trigger} trigger needs a permission check, and no github-token was given`,
      ),
      {
        kind: 'bad-input',
        hint: "Leave the github-token input at its default (the workflow's GITHUB_TOKEN) so the action can check the actor's permission.",
      },
    );
  }
  if (!octokit) return 'run';
  const decision = await guardRequest(octokit, settings.request, { allowForkPrs: settings.allowForkPrs });
  if (decision.kind === 'allow') return 'run';
  runner.core.notice(decision.message);
  return 'skip';
}

/** Connects, runs the evaluation in its mode, and always closes the connection; cancel signals abort it. */
async function evaluateOnCluster(
  runner: ActionEnvironment,
  settings: ActionSettings,
  logger: Logger,
  liveComment: LiveComment | undefined,
): Promise<RunOutcome> {
  const { core } = runner;
  let runSettings = settings.run;
  const standinScript = runSettings.simulate ? findStandinScript() : undefined;
  const abort = new AbortController();
  const stopListening = runner.onCancelSignal((signal) => {
    core.warning(`${signal}: the workflow was cancelled; cancelling the run's jobs.`);
    abort.abort();
  });
  let executor: Executor | undefined;
  try {
    // A training job may dispatch while its checkpoint is still uploading: wait for the revision.
    if (settings.resolved.request.trigger === 'checkpoint' && settings.mode.kind !== 'reopen') {
      const { model, revision = 'main', hfToken, pollIntervalMs: intervalMs } = runSettings;
      const checkpoint = { model, revision, hfToken, waitMinutes: settings.revisionWaitMinutes, intervalMs };
      await waitForCheckpointRevision(runner.env, checkpoint, (line) => core.info(line), abort.signal);
    }
    if (settings.mode.kind !== 'reopen') {
      await applyActionPrecision(runner, settings, logger);
      runSettings = await pinActionRevision(runner, settings);
    }
    core.info(
      `Evaluating ${runSettings.model}@${runSettings.revision} on ${runSettings.benchmarks.join(', ')} (run ${runSettings.runId}).`,
    );
    executor = await openExecutor(settings.access, runSettings, logger);
    return await runEvaluation(runSettings, {
      executor,
      loadFacts: loadModelFacts,
      logger,
      localDir: settings.publish.localDir,
      signal: abort.signal,
      mode: settings.mode,
      ...(standinScript && { standinScript }),
      ...(settings.publish.hubEndpoint && { hubEndpoint: settings.publish.hubEndpoint }),
      onPlan: (plan) => showPlan(runner, plan),
      ...(liveComment && { onProgress: (report) => liveComment.update(report) }),
    });
  } catch (error) {
    // The PR hears about it too: a plan that does not fit, a refused host key, an unreachable cluster.
    await liveComment?.flush(failureReport(runSettings, error));
    throw error;
  } finally {
    stopListening();
    await executor?.transport.close();
  }
}

function showPlan(runner: ActionEnvironment, plan: EvalPlan): void {
  const { core } = runner;
  core.setOutput('plan', JSON.stringify(planToJson(plan)));
  core.startGroup('Plan');
  for (const job of plan.jobs) {
    core.info(`${job.benchmarks.join(', ')}: ${layoutText(job)}`);
    for (const reason of job.reasons) core.info(`  - ${reason}`);
  }
  core.endGroup();
}

/** `precision`: the sample counts from the baseline's per-problem variance (or the stated assumption). */
async function applyActionPrecision(
  runner: ActionEnvironment,
  settings: ActionSettings,
  logger: Logger,
): Promise<void> {
  if (settings.run.precision === undefined) return;
  const token = settings.resolved.secrets.hfToken;
  const hub = hubClientFromEnv(runner.env, { ...(token && { accessToken: token }) });
  const applied = applyPrecision(settings.run, await baselineVariances(hub, settings.resolved, logger));
  for (const line of applied.lines) logger.info(line);
  settings.run = applied.settings;
}

/**
 * Pins the revision to its commit on the Hub before planning, and adopts the settings that follow
 * (run id and local directory derived again): a moved branch is another run with another cache.
 */
async function pinActionRevision(runner: ActionEnvironment, settings: ActionSettings): Promise<RunSettings> {
  const hfToken = settings.run.hfToken;
  const hub = hubClientFromEnv(runner.env, { ...(hfToken && { accessToken: hfToken }) });
  const pinned = await pinRevision(settings.run, (model, revision) =>
    resolveRevisionSha(hub, model, revision),
  );
  runner.core.info(pinned.line);
  if (pinned.settings.runId !== settings.run.runId) {
    settings.publish.localDir = join(dirname(settings.publish.localDir), pinned.settings.runId);
  }
  settings.run = pinned.settings;
  return pinned.settings;
}

/** The report of a run that stopped before it had jobs: what happened and what to do. */
function failureReport(settings: RunSettings, error: unknown): RunReport {
  const message = error instanceof Error ? error.message : String(error);
  const hint = (error as { hint?: unknown }).hint;
  return {
    model: settings.model,
    revision: settings.revision ?? 'main',
    status: 'failed',
    simulated: settings.simulate,
    jobs: [],
    results: [],
    notes: [typeof hint === 'string' ? `${message.replace(/\.$/, '')}. ${hint}` : message],
  };
}
