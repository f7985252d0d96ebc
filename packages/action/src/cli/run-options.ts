import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  type ClusterShape,
  DEFAULT_LIGHTEVAL_VERSION,
  gpuTypeNames,
  gpuTypes,
  MAX_SEEDS,
  multiNodeEngines,
  routeSettings,
} from '@model-eval/planner';
import type { Logger } from '@model-eval/slurm';
import { SettingsError } from '../config/errors';
import { resolveGresType } from '../config/gres-type';
import { definedMultiNode, networkInterfaceSchema, parseEnvironmentLines } from '../config/multi-node';
import { escapeTerminal } from '../report/escape';
import type { ClusterAccess } from '../run/connection';
import { definitionHash, runDefinition } from '../run/run-definition';
import { deriveRunId } from '../run/run-id';
import type { MultiNodeSettings, RunSettings } from '../run/run-settings';
import {
  type CliIo,
  integerOption,
  listOption,
  numberOption,
  type OptionSpec,
  type ParsedArgs,
  stringOption,
  UsageError,
} from './command';

/** Options shared by `run` and the commands that reopen a run. */
export const runOptions: Record<string, OptionSpec> = {
  model: { type: 'string', description: 'Hub model id or model directory (required)', valueName: 'id|dir' },
  revision: { type: 'string', description: 'Hub revision (branch, tag or commit)', valueName: 'rev' },
  benchmarks: {
    type: 'string',
    description: 'Comma-separated benchmarks (default aime24,math_500,gpqa:diamond)',
    valueName: 'a,b',
  },
  executor: {
    type: 'string',
    description: 'slurm (sbatch, over SSH or locally) or local (job scripts as child processes)',
    valueName: 'slurm|local',
  },
  simulate: {
    type: 'boolean',
    description: 'Use the LightEval stand-in instead of lighteval (every output says SIMULATED)',
  },
  'ssh-host': {
    type: 'string',
    description: 'Login node; without it Slurm commands run on this machine',
    valueName: 'H',
  },
  'ssh-port': { type: 'string', description: 'SSH port (default 22)', valueName: 'P' },
  'ssh-user': { type: 'string', description: 'SSH user', valueName: 'U' },
  'ssh-key': {
    type: 'string',
    description: 'Private key file (passphrase from MODEL_EVAL_SSH_PASSPHRASE)',
    valueName: 'PATH',
  },
  'ssh-known-hosts': {
    type: 'string',
    description: 'known_hosts file pinning the login node',
    valueName: 'PATH',
  },
  'insecure-accept-any-host-key': {
    type: 'boolean',
    description: 'Skip host key pinning (throwaway clusters only)',
  },
  partition: { type: 'string', description: 'Slurm partition', valueName: 'P' },
  account: { type: 'string', description: 'Slurm account', valueName: 'A' },
  qos: { type: 'string', description: 'Slurm QOS', valueName: 'Q' },
  time: {
    type: 'string',
    description: "Time limit per job (default: the partition's)",
    valueName: 'HH:MM:SS',
  },
  'remote-dir': {
    type: 'string',
    description: 'Base directory for run directories (default ./model-eval-runs)',
    valueName: 'DIR',
  },
  'job-setup': {
    type: 'string',
    description: 'Shell lines run in each job before LightEval',
    valueName: 'lines',
  },
  'gpus-per-node': { type: 'string', description: 'GPUs per node (default 8)', valueName: 'N' },
  'gpu-memory-gib': {
    type: 'string',
    description:
      'Memory per GPU in GiB as nvidia-smi reports it (MiB / 1024; default: the --gpu-type, else 80)',
    valueName: 'G',
  },
  'gpu-type': {
    type: 'string',
    description: 'GPU model: h100, h200, a100-80, a100-40, l40s, b200',
    valueName: 'T',
  },
  'gres-type': {
    type: 'string',
    description:
      "The cluster's GRES type for --gres=gpu:TYPE:N, or auto (the --gpu-type's); default: any GPU",
    valueName: 'T',
  },
  'max-nodes': { type: 'string', description: 'Most nodes one job may span (default 1)', valueName: 'K' },
  'gpu-memory-utilization': {
    type: 'string',
    description: 'Fraction of GPU memory vLLM may use (default 0.9)',
    valueName: 'U',
  },
  'max-model-length': { type: 'string', description: 'Override max_model_length', valueName: 'L' },
  'lighteval-version': {
    type: 'string',
    description: `LightEval release on the cluster, or auto (the default: the release the preflight finds there; ${DEFAULT_LIGHTEVAL_VERSION} for plan)`,
    valueName: 'V',
  },
  'job-per-benchmark': { type: 'boolean', description: 'One job per benchmark instead of one for all' },
  precision: {
    type: 'string',
    description:
      'Target smallest detectable change in points: sets samples per problem (assumed worst-case variance without a baseline)',
    valueName: 'POINTS',
  },
  seeds: {
    type: 'string',
    description: 'Run each benchmark with N sampling seeds (1234, 1235, …; 1 to 16) and report the spread',
    valueName: 'N',
  },
  'max-gpu-hours': {
    type: 'string',
    description: "Refuse a plan whose estimated GPU-hours exceed this (precision's counts are capped to fit)",
    valueName: 'H',
  },
  route: {
    type: 'string',
    description: 'auto (default: in-process on one node, ray or serve across nodes), in-process, ray, serve',
    valueName: 'R',
  },
  'multi-node-engine': {
    type: 'string',
    description: 'What vllm serve spans nodes with on the serve route: ray (default) or mp',
    valueName: 'ray|mp',
  },
  'network-interface': {
    type: 'string',
    description: "Multi-node: NIC for NCCL/Gloo and each node's VLLM_HOST_IP (default: first address)",
    valueName: 'NIC',
  },
  'ray-port': {
    type: 'string',
    description: "Multi-node: Ray's port on the head (default 6379)",
    valueName: 'P',
  },
  'serve-port': {
    type: 'string',
    description: 'Serve route: vllm serve port (default 8000)',
    valueName: 'P',
  },
  'join-timeout': {
    type: 'string',
    description: 'Multi-node: seconds for every node to join Ray (default 600)',
    valueName: 'S',
  },
  'serve-timeout': {
    type: 'string',
    description: 'Serve route: seconds for vllm serve to become healthy (default 1800)',
    valueName: 'S',
  },
  'extra-environment': {
    type: 'string',
    description: 'NAME=value lines exported in every job, on every node',
    valueName: 'lines',
  },
  'run-id': {
    type: 'string',
    description: 'Name of the run (default derived from model, revision, benchmarks)',
    valueName: 'ID',
  },
  'max-oom-replans': {
    type: 'string',
    description: 'Re-plans with more GPUs after GPU out-of-memory (default 2)',
    valueName: 'N',
  },
  'poll-interval': {
    type: 'string',
    description: 'First status poll interval in seconds (default 5; backs off to 60)',
    valueName: 'S',
  },
  'hub-timeout': {
    type: 'string',
    description: 'Seconds to wait for each Hub request before failing (default 30)',
    valueName: 'S',
  },
  'results-json': {
    type: 'string',
    description: 'Write the run and its results as JSON here',
    valueName: 'PATH',
  },
  'report-md': { type: 'string', description: 'Write the Markdown report here', valueName: 'PATH' },
};

/** Progress on stderr; in a simulated run every line says so, so no line can be mistaken for a real run. */
export const stderrLoggerFor = (io: CliIo, simulated = false): Logger => {
  const prefix = simulated ? '[SIMULATED] ' : '';
  return {
    debug: () => {},
    // Messages carry Slurm reasons and command output from the cluster: no escape sequence passes.
    info: (message) => io.stderr(`${prefix}${escapeTerminal(message)}\n`),
    warn: (message) => io.stderr(`${prefix}warning: ${escapeTerminal(message)}\n`),
  };
};

/** `--hub-timeout` in milliseconds; undefined means the planner's default. */
export function hubTimeoutFromArgs(args: ParsedArgs): number | undefined {
  const seconds = numberOption(args, 'hub-timeout', 1, 3600);
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** `--gpu-type`: the memory that GPU model reports, in GiB. */
function gpuTypeOption(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const type = gpuTypes[value.toLowerCase()];
  if (!type) throw new UsageError(`--gpu-type '${value}' is not one of ${gpuTypeNames().join(', ')}`);
  return type.memoryGiB;
}

/** `--gres-type`: the cluster's GRES type name, or `auto` for the `--gpu-type`'s usual one. */
function gresTypeOption(args: ParsedArgs): string | undefined {
  try {
    return resolveGresType(stringOption(args, 'gres-type'), stringOption(args, 'gpu-type'), '--gpu-type');
  } catch (error) {
    if (error instanceof SettingsError) throw new UsageError(`--${error.message}; ${error.hint}`);
    throw error;
  }
}

/** The cluster shape flags, with the CLI's defaults (8 GPUs of 80 GiB per node, 1 node). */
export function clusterShapeFromArgs(args: ParsedArgs): ClusterShape {
  return {
    gpusPerNode: integerOption(args, 'gpus-per-node') ?? 8,
    gpuMemoryGiB:
      numberOption(args, 'gpu-memory-gib', 1, 4096) ?? gpuTypeOption(stringOption(args, 'gpu-type')) ?? 80,
    maxNodes: integerOption(args, 'max-nodes') ?? 1,
  };
}

/** The multi-node flags, validated by the same schemas as the config file; unset flags are absent. */
export function multiNodeFromArgs(args: ParsedArgs): MultiNodeSettings {
  const choice = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const value = stringOption(args, name);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value))
      throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got '${value}'`);
    return value as T;
  };
  const iface = stringOption(args, 'network-interface');
  if (iface !== undefined && !networkInterfaceSchema.safeParse(iface).success)
    throw new UsageError(`--network-interface '${iface}' is not one interface name such as ib0 or eth0`);
  const envText = stringOption(args, 'extra-environment');
  const env = envText === undefined ? undefined : parseEnvironmentLines(envText);
  if (typeof env === 'string') throw new UsageError(`--extra-environment: ${env}`);
  return definedMultiNode({
    route: choice('route', routeSettings),
    engine: choice('multi-node-engine', multiNodeEngines),
    networkInterface: iface,
    rayPort: integerOption(args, 'ray-port', { min: 1, max: 65_535 }),
    servePort: integerOption(args, 'serve-port', { min: 1, max: 65_535 }),
    joinTimeoutSeconds: integerOption(args, 'join-timeout', { min: 1 }),
    serveTimeoutSeconds: integerOption(args, 'serve-timeout', { min: 1 }),
    extraEnvironment: env,
  });
}

export function settingsFromArgs(args: ParsedArgs, io: CliIo): RunSettings {
  const model = stringOption(args, 'model');
  if (model === undefined) throw new UsageError('--model is required');
  const revision = stringOption(args, 'revision');
  const benchmarks = listOption(args, 'benchmarks') ?? [];
  const simulate = args.values.simulate === true;
  const explicitRunId = stringOption(args, 'run-id');
  if (explicitRunId !== undefined && !RUN_ID.test(explicitRunId)) {
    throw new UsageError(
      `--run-id must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  const pollSeconds = numberOption(args, 'poll-interval', 0.2, 3600);
  const setup = stringOption(args, 'job-setup');
  const settings: RunSettings = {
    model,
    benchmarks,
    cluster: clusterShapeFromArgs(args),
    slurm: { setup: setup ? setup.split('\n') : [] },
    // Over SSH the default is relative to the cluster account's home (resolved there): this machine's
    // working directory means nothing on the cluster. Locally it is beside the command.
    remoteDir:
      stringOption(args, 'remote-dir') ??
      (stringOption(args, 'ssh-host') ? 'model-eval-runs' : resolve(io.cwd, 'model-eval-runs')),
    runId: explicitRunId ?? '',
    simulate,
    maxOomEscalations: integerOption(args, 'max-oom-replans', { min: 0 }) ?? 2,
  };
  if (revision !== undefined) settings.revision = revision;
  const partition = stringOption(args, 'partition');
  const account = stringOption(args, 'account');
  const qos = stringOption(args, 'qos');
  const time = stringOption(args, 'time');
  if (time) settings.slurm.timeLimit = time;
  if (partition) settings.slurm.partition = partition;
  if (account) settings.slurm.account = account;
  if (qos) settings.slurm.qos = qos;
  const gresType = gresTypeOption(args);
  if (gresType) settings.slurm.gresType = gresType;
  const utilization = numberOption(args, 'gpu-memory-utilization', 0.05, 1);
  if (utilization !== undefined) settings.gpuMemoryUtilization = utilization;
  const maxModelLength = integerOption(args, 'max-model-length');
  if (maxModelLength !== undefined) settings.maxModelLength = maxModelLength;
  const lightevalVersion = stringOption(args, 'lighteval-version');
  if (lightevalVersion) settings.lightevalVersion = lightevalVersion;
  if (args.values['job-per-benchmark'] === true) settings.jobPerBenchmark = true;
  const precisionPoints = numberOption(args, 'precision', 0.01, 99);
  if (precisionPoints !== undefined) settings.precision = precisionPoints / 100;
  const maxGpuHours = numberOption(args, 'max-gpu-hours', 0.001, 1e9);
  if (maxGpuHours !== undefined) settings.maxGpuHours = maxGpuHours;
  const seeds = integerOption(args, 'seeds', { min: 1, max: MAX_SEEDS });
  if (seeds !== undefined && seeds > 1) settings.seeds = seeds;
  const multiNode = multiNodeFromArgs(args);
  if (Object.keys(multiNode).length > 0) settings.multiNode = multiNode;
  if (pollSeconds !== undefined) settings.pollIntervalMs = Math.round(pollSeconds * 1000);
  if (io.env.HF_TOKEN) settings.hfToken = io.env.HF_TOKEN;
  // Derived from everything that defines the jobs: the same command line always finds its run again,
  // and a changed one (another LightEval release, another cluster shape) never reattaches to it.
  if (!explicitRunId) {
    settings.runIdPrefix = [];
    settings.runId = deriveRunId([definitionHash(runDefinition(settings))]);
  }
  return settings;
}

export function accessFromArgs(args: ParsedArgs, io: CliIo): ClusterAccess {
  const executor = stringOption(args, 'executor');
  if (executor === undefined) throw new UsageError('--executor is required (slurm or local)');
  if (executor !== 'slurm' && executor !== 'local') {
    throw new UsageError(`--executor must be slurm or local, got '${executor}'`);
  }
  const host = stringOption(args, 'ssh-host');
  if (executor === 'local') {
    if (host) throw new UsageError('--ssh-host goes with --executor slurm');
    return { executor: 'local' };
  }
  if (!host) return { executor: 'slurm' };
  const user = stringOption(args, 'ssh-user');
  const keyPath = stringOption(args, 'ssh-key');
  if (!user) throw new UsageError('--ssh-host needs --ssh-user');
  if (!keyPath) throw new UsageError('--ssh-host needs --ssh-key (a private key file)');
  const knownHostsPath = stringOption(args, 'ssh-known-hosts');
  const insecure = args.values['insecure-accept-any-host-key'] === true;
  if (!knownHostsPath && !insecure) {
    throw new UsageError('--ssh-host needs --ssh-known-hosts (the pinned host key of the login node)');
  }
  const read = (path: string, what: string) => {
    try {
      return readFileSync(resolve(io.cwd, path), 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${what} ${path}: ${(error as Error).message}`);
    }
  };
  return {
    executor: 'slurm',
    ssh: {
      host,
      port: integerOption(args, 'ssh-port') ?? 22,
      user,
      privateKey: read(keyPath, '--ssh-key'),
      ...(io.env.MODEL_EVAL_SSH_PASSPHRASE && { passphrase: io.env.MODEL_EVAL_SSH_PASSPHRASE }),
      ...(knownHostsPath && { knownHosts: read(knownHostsPath, '--ssh-known-hosts') }),
      ...(insecure && { insecureAcceptAnyHostKey: true }),
    },
  };
}
