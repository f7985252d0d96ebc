import {
  type Benchmark,
  benchmarkCatalog,
  defaultBenchmarkNames,
  parseLightevalVersion,
} from '@model-eval/planner';
import { InvalidBaselineError, parseBaselineSpec } from '../request/baseline';
import type { BaselineSpec, EvalRequest, TriggerMatch } from '../request/eval-request';
import {
  defaultTriggerRules,
  parseBenchmarkList,
  type TriggerRules,
  triggerFromEvent,
} from '../request/from-event';
import type { MultiNodeSettings } from '../run/run-settings';
import { DEFAULT_CONFIG_PATH, parseConfigFile } from './config-file';
import { closestName } from './did-you-mean';
import { SettingsError } from './errors';
import { resolveGresType } from './gres-type';
import { hubRepoIdProblem, hubRevisionProblem } from './hub-names';
import {
  type ActionInputs,
  type GetInput,
  readActionInputs,
  readSecrets,
  type Secrets,
  type SetSecret,
} from './inputs';
import { definedMultiNode } from './multi-node';
import type { ConfigFile, CustomTaskEntry } from './schema';

export interface ClusterSettings {
  /** SSH host of the login node; absent when the runner itself is on the login node (local transport). */
  host?: string;
  port: number;
  user?: string;
  partition?: string;
  account?: string;
  qos?: string;
  /** Slurm `--time` value; absent means the partition's default. */
  timeLimit?: string;
  gpusPerNode: number;
  gpuMemoryGiB: number;
  /** The GRES type jobs request (`--gres=gpu:TYPE:N`); absent: any GPU. */
  gresType?: string;
  maxNodes: number;
  /** Run directories go under this path on the cluster (relative paths are from the SSH user's home). */
  remoteDir: string;
  jobSetup: string[];
  /** Route and multi-node settings, only those set (defaults apply later). */
  multiNode: MultiNodeSettings;
}

/** Everything one run needs, from the event, the inputs and the config file, with defaults applied. */
export interface ResolvedSettings {
  request: EvalRequest;
  /** The request's benchmarks as planner values (catalog entries or declared custom tasks), same order. */
  benchmarks: Benchmark[];
  cluster: ClusterSettings;
  lightevalVersion: string;
  /** Hub dataset for results, `namespace/name`; absent means no upload. */
  resultsRepo?: string;
  labels: { trigger: string; done?: string; removeTriggerWhenDone: boolean };
  tagPattern: string;
  /** How a release tag maps to a Hub revision (`{tag}`, `{version}`). */
  tagRevision: string;
  allowForkPrs: boolean;
  wait: boolean;
  failOnRegression: boolean;
  /** Target smallest detectable change as a fraction (input/config in points: 2 → 0.02). */
  precision?: number;
  /** Budget for the plan's estimated GPU-hours. */
  maxGpuHours?: number;
  /** Sampling seeds per benchmark (absent: one, LightEval's default). */
  seeds?: number;
  secrets: Secrets;
  configPath: string;
  /** False when no config file exists at the (default) path and everything came from inputs. */
  configFound: boolean;
  /** A PR evaluation's `base-revision`: the revision the base branch's config file names. */
  baseRevision?: string;
}

export type SettingsOutcome =
  | { kind: 'run'; settings: ResolvedSettings }
  | { kind: 'skip'; reason: string; secrets: Secrets };

export interface SettingsSources {
  eventName: string;
  eventPayload: unknown;
  getInput: GetInput;
  setSecret: SetSecret;
  /** Returns the file's text, or undefined when it does not exist. Paths are relative to the workspace. */
  readConfigFile: (path: string) => string | undefined;
  runUrl?: string;
  /**
   * A pull request's head configuration, read as data (request/pr-head-config.ts): its model,
   * revision, benchmarks and samples laid over the base file's. Nothing else of the head is used.
   */
  configOverlay?: Pick<ConfigFile, 'model' | 'revision' | 'benchmarks' | 'samples'>;
}

const DEFAULTS = {
  port: 22,
  maxNodes: 1,
  remoteDir: 'model-eval',
  revision: 'main',
  removeTriggerWhenDone: true,
  wait: true,
} as const;

/** The config file at `config-path` (or the default path, where a missing file means "none"). */
function readConfig(
  sources: SettingsSources,
  inputs: ActionInputs,
): { configPath: string; config: ConfigFile; configFound: boolean } {
  const configPath = inputs.configPath ?? DEFAULT_CONFIG_PATH;
  const configText = sources.readConfigFile(configPath);
  if (configText === undefined && inputs.configPath !== undefined) {
    throw new SettingsError(
      `config file ${configPath} does not exist`,
      "The 'config-path' input names a file that is not in the workspace: check the path, or check out the repository (base branch only) before this step.",
    );
  }
  const parsed: ConfigFile = configText === undefined ? {} : parseConfigFile(configText, configPath);
  // A PR's head keys over the base file's (validated by the caller, request/pr-head-config.ts).
  const config = sources.configOverlay ? { ...parsed, ...sources.configOverlay } : parsed;
  return { configPath, config, configFound: configText !== undefined };
}

/**
 * The benchmarks to run, by precedence (event, input, config, defaults), each as a catalog entry or
 * a custom task declared in the config file.
 */
function selectBenchmarks(
  match: TriggerMatch,
  inputs: ActionInputs,
  config: ConfigFile,
  configPath: string,
): { benchmarkNames: string[]; benchmarks: Benchmark[] } {
  const customTasks = (config.benchmarks ?? []).filter((b): b is CustomTaskEntry => typeof b !== 'string');
  const available = new Map<string, Benchmark>(benchmarkCatalog.map((b) => [b.name, b]));
  for (const task of customTasks) {
    if (available.has(task.name)) {
      throw new SettingsError(
        `custom task '${task.name}' has the name of a catalog benchmark`,
        `Rename the custom task in ${configPath}; catalog names are ${benchmarkCatalog.map((b) => b.name).join(', ')}.`,
      );
    }
    available.set(task.name, customTaskBenchmark(task));
  }
  const configBenchmarks = config.benchmarks?.map((b) => (typeof b === 'string' ? b : b.name));
  const benchmarkNames = dedupe(
    match.benchmarks ??
      (inputs.benchmarks !== undefined ? parseBenchmarkList(inputs.benchmarks) : undefined) ??
      configBenchmarks ?? [...defaultBenchmarkNames],
  );
  if (benchmarkNames.length === 0) {
    throw new SettingsError(
      'no benchmarks selected',
      `Name at least one benchmark (${[...available.keys()].join(', ')}).`,
    );
  }
  const benchmarks = benchmarkNames.map((name) => {
    const benchmark = available.get(name);
    if (!benchmark) {
      const suggestion = closestName(name, [...available.keys()]);
      throw new SettingsError(
        `unknown benchmark '${name}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`,
        `Known benchmarks: ${[...available.keys()].join(', ')}. Declare custom tasks in ${configPath} as {name, task, custom-tasks-path}.`,
      );
    }
    return benchmark;
  });
  return { benchmarkNames, benchmarks };
}

/**
 * Event + inputs + config file → one ResolvedSettings (or a skip when the event is not a trigger).
 * Precedence: what the event itself carries (dispatch fields, the tag, PR labels) over action inputs
 * over the config file over defaults. Secrets are read and masked before anything else happens.
 */
export function resolveSettings(sources: SettingsSources): SettingsOutcome {
  const secrets = readSecrets(sources.getInput, sources.setSecret);
  const inputs = readActionInputs(sources.getInput);
  const { configPath, config, configFound } = readConfig(sources, inputs);

  const rules: TriggerRules = {
    ...defaultTriggerRules,
    tagPattern: inputs.tagPattern ?? config.tags?.pattern ?? defaultTriggerRules.tagPattern,
    tagRevision: config.tags?.revision ?? defaultTriggerRules.tagRevision,
    triggerLabel: inputs.triggerLabel ?? config.labels?.trigger ?? defaultTriggerRules.triggerLabel,
  };
  const collectRunId = sources.getInput('run-id').trim();
  if (collectRunId) rules.collectRunId = collectRunId;
  const outcome = triggerFromEvent(sources.eventName, sources.eventPayload, rules);
  if (outcome.kind === 'skip') return { kind: 'skip', reason: outcome.reason, secrets };
  const match = outcome.match;

  const model = match.model ?? inputs.model ?? config.model;
  if (model === undefined) {
    throw new SettingsError(
      'no model to evaluate',
      `Set 'model: namespace/name' in ${configPath} or the 'model' input.`,
    );
  }
  checkRepoId('model', model);
  const revision = match.revision ?? inputs.revision ?? config.revision ?? DEFAULTS.revision;
  checkRevision('revision', revision);

  const { benchmarkNames, benchmarks: selected } = selectBenchmarks(match, inputs, config, configPath);
  const benchmarks = applySamples(selected, config, configPath);

  const baseline = resolveBaseline(match.baseline, inputs, config, match.trigger);

  // `auto` (the default): the release the preflight finds on the cluster. An explicit one is checked
  // here (UnsupportedLightevalVersionError has its own hint) and again against the installed one.
  const lightevalVersion = inputs.lightevalVersion ?? config['lighteval-version'] ?? 'auto';
  if (lightevalVersion !== 'auto') parseLightevalVersion(lightevalVersion);

  const resultsRepo = inputs.resultsRepo ?? config['results-repo'];
  if (resultsRepo !== undefined) checkRepoId('results-repo', resultsRepo);

  const request: EvalRequest = {
    trigger: match.trigger,
    eventName: match.eventName,
    repository: match.repository,
    model,
    revision,
    benchmarks: benchmarkNames,
    baseline,
    actor: match.actor,
  };
  if (match.step !== undefined) request.step = match.step;
  if (match.tag !== undefined) request.tag = match.tag;
  if (match.pullRequest !== undefined) request.pullRequest = match.pullRequest;
  if (sources.runUrl !== undefined) request.runUrl = sources.runUrl;

  const settings: ResolvedSettings = {
    request,
    benchmarks,
    cluster: resolveCluster(inputs, config, configPath),
    lightevalVersion,
    labels: {
      trigger: rules.triggerLabel,
      removeTriggerWhenDone:
        inputs.removeLabelWhenDone ?? config.labels?.['remove-when-done'] ?? DEFAULTS.removeTriggerWhenDone,
    },
    tagPattern: rules.tagPattern,
    tagRevision: rules.tagRevision,
    allowForkPrs: inputs.allowForkPrs ?? config['allow-fork-prs'] ?? false,
    wait: inputs.wait ?? config.wait ?? DEFAULTS.wait,
    failOnRegression: inputs.failOnRegression ?? config['fail-on-regression'] ?? false,
    secrets,
    configPath,
    configFound,
  };
  const done = inputs.doneLabel ?? config.labels?.done;
  if (done !== undefined) settings.labels.done = done;
  if (resultsRepo !== undefined) settings.resultsRepo = resultsRepo;
  return { kind: 'run', settings: { ...settings, ...precisionSettings(inputs, config) } };
}

function resolveBaseline(
  fromEvent: BaselineSpec | undefined,
  inputs: ActionInputs,
  config: ConfigFile,
  trigger: EvalRequest['trigger'],
): BaselineSpec {
  let baseline: BaselineSpec;
  if (fromEvent) baseline = fromEvent;
  else if (inputs.baseline !== undefined) {
    try {
      baseline = parseBaselineSpec(inputs.baseline);
    } catch (error) {
      if (error instanceof InvalidBaselineError)
        throw new SettingsError(`input 'baseline': ${error.message}`, error.hint);
      throw error;
    }
  } else if (config.baseline !== undefined) {
    baseline =
      typeof config.baseline === 'string'
        ? { kind: config.baseline }
        : parseBaselineSpec(config.baseline.fixed);
  } else {
    // A release is naturally compared with the release before it; other triggers opt in.
    baseline = trigger === 'release-tag' ? { kind: 'previous-tag' } : { kind: 'none' };
  }
  if (baseline.kind === 'fixed') {
    checkRepoId('baseline model', baseline.model);
    checkRevision('baseline revision', baseline.revision);
  }
  return baseline;
}

function resolveCluster(inputs: ActionInputs, config: ConfigFile, configPath: string): ClusterSettings {
  const file = config.cluster ?? {};
  const required = (value: number | undefined, key: string, input: string): number => {
    if (value === undefined) {
      throw new SettingsError(
        `the cluster's ${key.replaceAll('-', ' ')} is not set`,
        `Set 'cluster.${key}' in ${configPath} or the '${input}' input: the planner sizes the jobs from it.`,
      );
    }
    return value;
  };
  const host = inputs.sshHost ?? file.host;
  const user = inputs.sshUser ?? file.user;
  if (host !== undefined && user === undefined) {
    throw new SettingsError(
      `SSH host ${host} is set but no SSH user`,
      `Set 'cluster.user' in ${configPath} or the 'ssh-user' input.`,
    );
  }
  const jobSetupText = inputs.jobSetup ?? file['job-setup'];
  const jobSetup = (Array.isArray(jobSetupText) ? jobSetupText : (jobSetupText ?? '').split(/\r?\n/)).filter(
    (line) => line.trim() !== '',
  );
  const cluster: ClusterSettings = {
    port: inputs.sshPort ?? file.port ?? DEFAULTS.port,
    gpusPerNode: required(inputs.gpusPerNode ?? file['gpus-per-node'], 'gpus-per-node', 'gpus-per-node'),
    gpuMemoryGiB: required(inputs.gpuMemoryGiB ?? file['gpu-memory-gib'], 'gpu-memory-gib', 'gpu-memory-gib'),
    maxNodes: inputs.maxNodes ?? file['max-nodes'] ?? DEFAULTS.maxNodes,
    remoteDir: inputs.remoteDir ?? file['remote-dir'] ?? DEFAULTS.remoteDir,
    jobSetup,
    multiNode: resolveMultiNode(inputs, config),
  };
  const optional = {
    host,
    user,
    partition: inputs.partition ?? file.partition,
    account: inputs.account ?? file.account,
    qos: inputs.qos ?? file.qos,
    timeLimit: inputs.timeLimit ?? file['time-limit'],
    gresType: resolveGresType(
      inputs.gresType ?? file['gres-type'],
      inputs.gpuType ?? file['gpu-type'],
      `the 'gpu-type' input or cluster.gpu-type in ${configPath}`,
    ),
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) cluster[key as keyof typeof optional] = value;
  }
  return cluster;
}

/** Inputs over the config file; the route and engine are top-level keys, the rest under `cluster`. */
function resolveMultiNode(inputs: ActionInputs, config: ConfigFile): MultiNodeSettings {
  const file = config.cluster ?? {};
  return definedMultiNode({
    route: inputs.route ?? (config.route as MultiNodeSettings['route']),
    engine: inputs.multiNodeEngine ?? (config['multi-node-engine'] as MultiNodeSettings['engine']),
    networkInterface: inputs.networkInterface ?? file['network-interface'],
    rayPort: inputs.rayPort ?? file['ray-port'],
    servePort: inputs.servePort ?? file['serve-port'],
    joinTimeoutSeconds: inputs.joinTimeout ?? file['join-timeout'],
    serveTimeoutSeconds: inputs.serveTimeout ?? file['serve-timeout'],
    extraEnvironment: inputs.extraEnvironment ?? file['extra-environment'],
  });
}

/**
 * The config file's `samples` map over each benchmark's default. A name that is neither in the
 * catalog nor a declared custom task is an error (a typo would silently keep the default).
 */
function applySamples(benchmarks: Benchmark[], config: ConfigFile, configPath: string): Benchmark[] {
  const samples = config.samples ?? {};
  const known = [
    ...benchmarkCatalog.map((b) => b.name),
    ...(config.benchmarks ?? []).flatMap((b) => (typeof b === 'string' ? [] : [b.name])),
  ];
  for (const name of Object.keys(samples)) {
    if (!known.includes(name)) {
      const suggestion = closestName(name, known);
      throw new SettingsError(
        `samples: unknown benchmark '${name}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`,
        `The keys of 'samples' in ${configPath} are benchmark names: ${known.join(', ')}.`,
      );
    }
  }
  return benchmarks.map((b) => {
    const n = samples[b.name];
    return n === undefined ? b : { ...b, samplesPerPrompt: n };
  });
}

function customTaskBenchmark(task: CustomTaskEntry): Benchmark {
  const [suite, name] = task.task.includes('|')
    ? (task.task.split('|') as [string, string])
    : ['community', task.task];
  return {
    name: task.name,
    suite,
    task: name,
    fewshot: task.fewshot ?? 0,
    samplesPerPrompt: task.samples ?? 1,
    // The catalog's generation settings (open-r1's), so custom scores sit beside catalog ones.
    temperature: 0.6,
    topP: 0.95,
    maxNewTokens: task['max-new-tokens'] ?? 32_768,
    maxPromptTokens: task['max-prompt-tokens'] ?? 2_048,
    customTasksPath: task['custom-tasks-path'],
  };
}

function checkRepoId(what: string, id: string): void {
  const problem = hubRepoIdProblem(id);
  if (problem) {
    throw new SettingsError(
      `${what} '${id}' is not a valid Hub repo id: it ${problem}`,
      "Hub ids look like 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B': namespace/name with letters, digits, '-', '_', '.'.",
    );
  }
}

function checkRevision(what: string, revision: string): void {
  const problem = hubRevisionProblem(revision);
  if (problem) {
    throw new SettingsError(
      `${what} '${revision}' is not a valid Hub revision: it ${problem}`,
      'A revision is a branch, a tag or a commit sha of the model repo on the Hub.',
    );
  }
}

function dedupe(names: string[]): string[] {
  return [...new Set(names)];
}

/** `precision` (points in, a fraction out), `max-gpu-hours` and `seeds`: input over config file, absent when neither. */
function precisionSettings(
  inputs: ActionInputs,
  config: ConfigFile,
): Pick<ResolvedSettings, 'precision' | 'maxGpuHours' | 'seeds'> {
  const points = inputs.precision ?? config.precision;
  const maxGpuHours = inputs.maxGpuHours ?? config['max-gpu-hours'];
  const seeds = inputs.seeds ?? config.seeds;
  return {
    ...(points !== undefined && { precision: points / 100 }),
    ...(maxGpuHours !== undefined && { maxGpuHours }),
    // One seed is the default: left out, so a run's definition (and id) stays what it was.
    ...(seeds !== undefined && seeds > 1 && { seeds }),
  };
}
