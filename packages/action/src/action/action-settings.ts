import { resolve } from 'node:path';
import { z } from 'zod';
import {
  type ResolvedSettings,
  readActionInputs,
  readRevisionWaitMinutes,
  resolveSettings,
  type SettingsSources,
} from '../config';
import { workflowRunUrl } from '../request';
import type { ClusterAccess } from '../run/connection';
import { definitionHash, runDefinition } from '../run/run-definition';
import { deriveRunId } from '../run/run-id';
import type { RunMode } from '../run/run-mode';
import type { RunSettings } from '../run/run-settings';
import { type ActionEnvironment, readInput } from './environment';

/**
 * The runner's variables the action reads, all of them, parsed once. Nothing else in the action
 * reads `process.env` or an input: every entry point builds its settings here.
 */
const runnerVariablesSchema = z.object({
  GITHUB_EVENT_NAME: z.string().default(''),
  GITHUB_EVENT_PATH: z.string().optional(),
  GITHUB_WORKSPACE: z.string().optional(),
  GITHUB_RUN_ID: z.string().optional(),
  RUNNER_TEMP: z.string().optional(),
  HF_ENDPOINT: z.string().optional(),
  /** Tests and impatient operators: the first status poll interval. */
  MODEL_EVAL_POLL_INTERVAL_MS: z.coerce.number().positive().optional().catch(undefined),
});

/** Everything one action run needs, in three parts: what to run, how to reach the cluster, where to report. */
export interface ActionSettings {
  /** Inputs, config file and event resolved (also what publishing reads). */
  resolved: ResolvedSettings;
  run: RunSettings;
  access: ClusterAccess;
  mode: RunMode;
  /** How long a checkpoint's revision may take to appear on the Hub (`revision-wait-minutes`). */
  revisionWaitMinutes: number;
  publish: {
    localDir: string;
    /** `model-card: pr`: a pull request on the model repo adding the scores. */
    modelCardPr: boolean;
    runUrl?: string;
    hubEndpoint?: string;
  };
}

export type ActionSettingsOutcome =
  | { kind: 'run'; settings: ActionSettings }
  | { kind: 'skip'; reason: string };

/** The event as the runner hands it over, and the token the permission guard reads it with. */
export interface RunnerEvent {
  eventName: string;
  payload: unknown;
  /** The github-token input (masked here): the guard runs before any other input is read. */
  githubToken: string;
}

export function readRunnerEvent(runner: ActionEnvironment): RunnerEvent {
  const vars = runnerVariablesSchema.parse(runner.env);
  const eventText = vars.GITHUB_EVENT_PATH ? runner.readFile(vars.GITHUB_EVENT_PATH) : undefined;
  const githubToken = readInput(runner.env, 'github-token');
  if (githubToken) runner.core.setSecret(githubToken);
  return {
    eventName: vars.GITHUB_EVENT_NAME,
    payload: eventText === undefined ? {} : JSON.parse(eventText),
    githubToken,
  };
}

export function readActionSettings(
  runner: ActionEnvironment,
  event: RunnerEvent,
  pullRequestHead: Pick<SettingsSources, 'configOverlay'> & { baseRevision?: string } = {},
): ActionSettingsOutcome {
  const { env, core } = runner;
  const vars = runnerVariablesSchema.parse(env);
  const workspace = vars.GITHUB_WORKSPACE ?? process.cwd();
  const runUrl = workflowRunUrl(env);
  const outcome = resolveSettings({
    eventName: event.eventName,
    eventPayload: event.payload,
    getInput: (name) => readInput(env, name),
    setSecret: (value) => core.setSecret(value),
    readConfigFile: (path) => runner.readFile(resolve(workspace, path)),
    ...(runUrl && { runUrl }),
    ...(pullRequestHead.configOverlay && { configOverlay: pullRequestHead.configOverlay }),
  });
  if (outcome.kind === 'skip') return outcome;
  const resolved = outcome.settings;
  if (pullRequestHead.baseRevision) resolved.baseRevision = pullRequestHead.baseRevision;
  const run = toRunSettings(resolved, {
    simulate: readInput(env, 'simulate') === 'true',
    runId: readInput(env, 'run-id'),
    githubRunId: vars.GITHUB_RUN_ID ?? 'no-run-id',
    pollIntervalMs: vars.MODEL_EVAL_POLL_INTERVAL_MS,
  });
  return {
    kind: 'run',
    settings: {
      resolved,
      run,
      access: clusterAccess(resolved, readInput(env, 'insecure-accept-any-host-key') === 'true'),
      mode: runMode(resolved, readInput(env, 'run-id') !== ''),
      revisionWaitMinutes: readRevisionWaitMinutes((name) => readInput(env, name)),
      publish: {
        localDir: resolve(vars.RUNNER_TEMP ?? workspace, 'model-eval', run.runId),
        modelCardPr: readActionInputs((name) => readInput(env, name)).modelCard === 'pr',
        ...(runUrl && { runUrl }),
        ...(vars.HF_ENDPOINT && { hubEndpoint: vars.HF_ENDPOINT }),
      },
    },
  };
}

/**
 * A scheduled collector looks once; the `run-id` input otherwise means "this run, as it is": wait
 * for its jobs and report, never submit (a failed job is reported, not run again). Without either,
 * `wait: false` submits and returns.
 */
function runMode(settings: ResolvedSettings, reopen: boolean): RunMode {
  if (settings.request.trigger === 'scheduled-collect') return { kind: 'reopen', until: 'once' };
  if (reopen) return { kind: 'reopen', until: settings.wait ? 'ended' : 'once' };
  return settings.wait ? { kind: 'wait' } : { kind: 'detach' };
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function toRunSettings(
  settings: ResolvedSettings,
  given: { simulate: boolean; runId: string; githubRunId: string; pollIntervalMs: number | undefined },
): RunSettings {
  const { request, cluster } = settings;
  const runSettings: RunSettings = {
    model: request.model,
    revision: request.revision,
    benchmarks: settings.benchmarks.map((b) => b.name),
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
      ...(cluster.gresType && { gresType: cluster.gresType }),
    },
    remoteDir: cluster.remoteDir,
    ...(Object.keys(cluster.multiNode).length > 0 && { multiNode: cluster.multiNode }),
    runId: given.runId,
    simulate: given.simulate,
    maxOomEscalations: 2,
    // Before the run id is derived: a precision target changes the sample counts, so the jobs.
    ...(settings.precision !== undefined && { precision: settings.precision }),
    ...(settings.maxGpuHours !== undefined && { maxGpuHours: settings.maxGpuHours }),
    ...(settings.seeds !== undefined && { seeds: settings.seeds }),
  };
  // The same across re-runs of one workflow run (GITHUB_RUN_ID stays, the attempt changes), and
  // derived from everything that defines the jobs: a re-run reattaches to its jobs, never to others.
  if (runSettings.runId === '') {
    runSettings.runIdPrefix = [request.repository.fullName, given.githubRunId];
    runSettings.runId = deriveRunId([...runSettings.runIdPrefix, definitionHash(runDefinition(runSettings))]);
  }
  if (!RUN_ID.test(runSettings.runId)) {
    throw Object.assign(new Error(`run-id '${runSettings.runId}' is not a run id`), {
      kind: 'bad-input',
      hint: "Pass the run-id output of the detached run as it is (letters, digits, '.', '_', '-').",
    });
  }
  if (settings.secrets.hfToken) runSettings.hfToken = settings.secrets.hfToken;

  if (given.pollIntervalMs !== undefined) runSettings.pollIntervalMs = given.pollIntervalMs;
  return runSettings;
}

function clusterAccess(settings: ResolvedSettings, insecure: boolean): ClusterAccess {
  const { cluster, secrets } = settings;
  if (!cluster.host) return { executor: 'slurm' };
  if (!cluster.user || !secrets.sshPrivateKey) {
    throw Object.assign(
      new Error(
        `ssh-host ${cluster.host} is set but ${cluster.user ? 'ssh-private-key' : 'ssh-user'} is missing`,
      ),
      {
        kind: 'bad-input',
        hint: 'Set ssh-user (input or config cluster.user) and pass the key as the ssh-private-key input from a secret.',
      },
    );
  }
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
