import { resolve } from 'node:path';
import { loadModelFacts, planToJson } from '@model-eval/planner';
import type { Logger } from '@model-eval/slurm';
import { type ResolvedSettings, readRevisionWaitMinutes, resolveSettings } from '../config';
import { guardRequest, needsPermissionCheck } from '../guard';
import { waitForCheckpointRevision } from '../hub';
import type { RunReport } from '../report';
import { workflowRunUrl } from '../request';
import { type ClusterAccess, openExecutor } from '../run/connection';
import { runEvaluation } from '../run/run-evaluation';
import { deriveRunId } from '../run/run-id';
import type { RunSettings } from '../run/run-settings';
import { findStandinScript } from '../run/standin';
import type { ActionEnvironment } from './environment';
import { readInput } from './environment';
import { createLiveComment } from './live-comment';
import { type ActionStatus, publishOutcome } from './publish';

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
  const { env, core } = runner;
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const eventText = env.GITHUB_EVENT_PATH ? runner.readFile(env.GITHUB_EVENT_PATH) : undefined;
  const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
  const runUrl = workflowRunUrl(env);
  const outcome = resolveSettings({
    eventName,
    eventPayload: eventText === undefined ? {} : JSON.parse(eventText),
    getInput: (name) => readInput(env, name),
    setSecret: (value) => core.setSecret(value),
    readConfigFile: (path) => runner.readFile(resolve(workspace, path)),
    ...(runUrl && { runUrl }),
  });
  if (outcome.kind === 'skip') {
    core.notice(`model-eval: nothing to evaluate: ${outcome.reason}`);
    return 'skipped';
  }
  const settings = outcome.settings;
  const token = settings.secrets.githubToken;
  const octokit = token ? runner.octokit(token) : undefined;

  // The guard runs before anything touches the cluster: self-hosted runners hold its credentials.
  if (needsPermissionCheck(settings.request.trigger) && !octokit) {
    throw Object.assign(
      new Error(
        `a ${settings.request.trigger} trigger needs a permission check, and no github-token was given`,
      ),
      {
        hint: "Leave the github-token input at its default (the workflow's GITHUB_TOKEN) so the action can check the actor's permission.",
      },
    );
  }
  if (octokit) {
    const decision = await guardRequest(octokit, settings.request, { allowForkPrs: settings.allowForkPrs });
    if (decision.kind === 'skip') {
      core.notice(decision.message);
      return 'skipped';
    }
  }

  const runSettings = toRunSettings(settings, env);
  const access = clusterAccess(settings, env);
  const logger: Logger = {
    debug: () => {},
    info: (message) => core.info(message),
    warn: (message) => core.warning(message),
  };
  const standinScript = runSettings.simulate ? findStandinScript() : undefined;
  const localDir = resolve(env.RUNNER_TEMP ?? workspace, 'model-eval', runSettings.runId);
  const pullRequest = settings.request.pullRequest;
  const liveComment =
    pullRequest && octokit
      ? createLiveComment(octokit, settings.request.repository, pullRequest.number, logger)
      : undefined;

  core.info(
    `Evaluating ${runSettings.model}@${runSettings.revision} on ${runSettings.benchmarks.join(', ')} (run ${runSettings.runId}).`,
  );
  const abort = new AbortController();
  const stopListening = runner.onCancelSignal((signal) => {
    core.warning(`${signal}: the workflow was cancelled; cancelling the run's jobs.`);
    abort.abort();
  });
  const collect = collectMode(settings, env);
  let run: Awaited<ReturnType<typeof runEvaluation>>;
  let executor: Awaited<ReturnType<typeof openExecutor>> | undefined;
  try {
    // A training job may dispatch while its checkpoint is still uploading: wait for it (issue 18).
    if (settings.request.trigger === 'checkpoint' && !collect) {
      const { model, revision = 'main', hfToken, pollIntervalMs: intervalMs } = runSettings;
      const waitMinutes = readRevisionWaitMinutes((name) => readInput(env, name));
      const checkpoint = { model, revision, hfToken, waitMinutes, intervalMs };
      await waitForCheckpointRevision(env, checkpoint, (line) => core.info(line), abort.signal);
    }
    executor = await openExecutor(access, runSettings, logger);
    run = await runEvaluation(runSettings, {
      executor,
      loadFacts: loadModelFacts,
      logger,
      localDir,
      signal: abort.signal,
      // Reopening a run (run-id, schedule) never submits; otherwise wait: false submits and returns.
      ...(collect ? { collectOnly: collect } : { detach: !settings.wait }),
      ...(standinScript && { standinScript }),
      ...(env.HF_ENDPOINT && { hubEndpoint: env.HF_ENDPOINT }),
      onPlan: (plan) => {
        core.setOutput('plan', JSON.stringify(planToJson(plan)));
        core.startGroup('Plan');
        for (const job of plan.jobs) {
          core.info(
            `${job.benchmarks.join(', ')}: ${job.nodes}×${job.gpusPerNode} GPUs, TP ${job.tensorParallel} × PP ${job.pipelineParallel} × DP ${job.dataParallel}`,
          );
          for (const reason of job.reasons) core.info(`  - ${reason}`);
        }
        core.endGroup();
      },
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
  return publishOutcome(runner, settings, runSettings, run, { octokit, liveComment, localDir, runUrl });
}

/**
 * A scheduled collector checks once; the `run-id` input otherwise means "this run, as it is": wait for
 * its jobs and report, never submit (a failed job is reported, not run again).
 */
function collectMode(settings: ResolvedSettings, env: NodeJS.ProcessEnv): 'once' | 'wait' | undefined {
  if (settings.request.trigger === 'scheduled-collect') return 'once';
  if (!readInput(env, 'run-id')) return undefined;
  return settings.wait ? 'wait' : 'once';
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

function toRunSettings(settings: ResolvedSettings, env: NodeJS.ProcessEnv): RunSettings {
  const { request, cluster } = settings;
  const benchmarkNames = settings.benchmarks.map((b) => b.name);
  const simulate = readInput(env, 'simulate') === 'true';
  const runSettings: RunSettings = {
    model: request.model,
    revision: request.revision,
    benchmarks: benchmarkNames,
    benchmarkDefinitions: settings.benchmarks,
    cluster: {
      gpusPerNode: cluster.gpusPerNode,
      gpuMemoryGiB: cluster.gpuMemoryGiB,
      maxNodes: cluster.maxNodes,
    },
    lightevalVersion: settings.lightevalVersion,
    slurm: {
      ...(cluster.timeLimit && { timeLimit: cluster.timeLimit }),
      setup: cluster.jobSetup,
      ...(cluster.partition && { partition: cluster.partition }),
      ...(cluster.account && { account: cluster.account }),
      ...(cluster.qos && { qos: cluster.qos }),
    },
    remoteDir: cluster.remoteDir,
    // The same across re-runs of one workflow run (GITHUB_RUN_ID stays, the attempt changes): a re-run
    // reattaches to the jobs instead of submitting them again.
    runId:
      readInput(env, 'run-id') ||
      deriveRunId([
        request.repository.fullName,
        env.GITHUB_RUN_ID ?? 'no-run-id',
        request.model,
        request.revision,
        benchmarkNames.join(','),
        simulate ? 'simulated' : 'real',
      ]),
    simulate,
    maxOomEscalations: 2,
  };
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(runSettings.runId)) {
    throw Object.assign(new Error(`run-id '${runSettings.runId}' is not a run id`), {
      hint: "Pass the run-id output of the detached run as it is (letters, digits, '.', '_', '-').",
    });
  }
  if (settings.secrets.hfToken) runSettings.hfToken = settings.secrets.hfToken;
  const poll = Number(env.MODEL_EVAL_POLL_INTERVAL_MS);
  if (Number.isFinite(poll) && poll > 0) runSettings.pollIntervalMs = poll;
  return runSettings;
}

function clusterAccess(settings: ResolvedSettings, env: NodeJS.ProcessEnv): ClusterAccess {
  const { cluster, secrets } = settings;
  if (!cluster.host) return { executor: 'slurm' };
  if (!cluster.user || !secrets.sshPrivateKey) {
    throw Object.assign(
      new Error(
        `ssh-host ${cluster.host} is set but ${cluster.user ? 'ssh-private-key' : 'ssh-user'} is missing`,
      ),
      {
        hint: 'Set ssh-user (input or config cluster.user) and pass the key as the ssh-private-key input from a secret.',
      },
    );
  }
  const insecure = readInput(env, 'insecure-accept-any-host-key') === 'true';
  return {
    executor: 'slurm',
    ssh: {
      host: cluster.host,
      port: cluster.port,
      user: cluster.user,
      privateKey: secrets.sshPrivateKey,
      ...(secrets.sshKnownHosts && { knownHosts: secrets.sshKnownHosts }),
      ...(insecure && { insecureAcceptAnyHostKey: true }),
    },
  };
}
