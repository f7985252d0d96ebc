import {
  gpuTypeNames,
  gpuTypes,
  MAX_SEEDS,
  type MultiNodeEngine,
  multiNodeEngines,
  type RouteSetting,
  routeSettings,
} from '@model-eval/planner';
import { SettingsError } from './errors';
import { networkInterfaceSchema, parseEnvironmentLines } from './multi-node';
import { slurmTimePattern } from './schema';

/** `core.getInput` (returns '' for an unset input), injected so tests need no environment. */
export type GetInput = (name: string) => string;
/** `core.setSecret`: registers a value the runner masks in every log line. */
export type SetSecret = (value: string) => void;

/** Everything the action reads from `with:`; absent means "not given" (the config or default applies). */
export interface ActionInputs {
  model?: string;
  revision?: string;
  benchmarks?: string;
  baseline?: string;
  configPath?: string;
  sshHost?: string;
  sshPort?: number;
  sshUser?: string;
  partition?: string;
  account?: string;
  qos?: string;
  timeLimit?: string;
  gpusPerNode?: number;
  gpuMemoryGiB?: number;
  /** A known GPU model; its reported memory fills gpuMemoryGiB when that is not given. */
  gpuType?: string;
  /** The cluster's GRES type name, or `auto` (checked when settings are resolved). */
  gresType?: string;
  maxNodes?: number;
  remoteDir?: string;
  jobSetup?: string;
  lightevalVersion?: string;
  resultsRepo?: string;
  triggerLabel?: string;
  doneLabel?: string;
  removeLabelWhenDone?: boolean;
  tagPattern?: string;
  allowForkPrs?: boolean;
  wait?: boolean;
  failOnRegression?: boolean;
  /** Checkpoint events: how long to wait for the revision to appear on the Hub (0: not at all). */
  revisionWaitMinutes?: number;
  /** `pr`: open a pull request on the model repo with the scores; `none` (default). */
  modelCard?: 'none' | 'pr';
  /** Target smallest detectable change, in percentage points (`2` = ±2 points). */
  precision?: number;
  /** Budget: refuse (or, for precision-set counts, cap) a plan estimated above this many GPU-hours. */
  maxGpuHours?: number;
  /** Repeat each benchmark with this many sampling seeds (1234, 1235, …) and report the spread. */
  seeds?: number;
  route?: RouteSetting;
  multiNodeEngine?: MultiNodeEngine;
  networkInterface?: string;
  rayPort?: number;
  servePort?: number;
  joinTimeout?: number;
  serveTimeout?: number;
  extraEnvironment?: Record<string, string>;
}

/**
 * A checkpoint's upload can still be running when the training job dispatches; an hour covers the
 * upload of a 70B checkpoint (~140 GB) on a fast link and stays far inside a job's 360-minute limit.
 */
export const DEFAULT_REVISION_WAIT_MINUTES = 60;

export interface Secrets {
  sshPrivateKey?: string;
  sshKnownHosts?: string;
  hfToken?: string;
  githubToken?: string;
}

/** Input names as declared in action.yml; keep the two in step (a test compares them when both exist). */
export const actionInputNames = [
  'model',
  'revision',
  'benchmarks',
  'baseline',
  'config-path',
  'ssh-host',
  'ssh-port',
  'ssh-user',
  'partition',
  'account',
  'qos',
  'time-limit',
  'gpus-per-node',
  'gpu-memory-gib',
  'gpu-type',
  'gres-type',
  'max-nodes',
  'remote-dir',
  'job-setup',
  'lighteval-version',
  'results-repo',
  'trigger-label',
  'done-label',
  'remove-label-when-done',
  'tag-pattern',
  'allow-fork-prs',
  'wait',
  'fail-on-regression',
  'revision-wait-minutes',
  'model-card',
  'precision',
  'max-gpu-hours',
  'seeds',
  'route',
  'multi-node-engine',
  'network-interface',
  'ray-port',
  'serve-port',
  'join-timeout',
  'serve-timeout',
  'extra-environment',
  'ssh-private-key',
  'ssh-known-hosts',
  'hf-token',
  'github-token',
] as const;

export const secretInputNames = ['ssh-private-key', 'ssh-known-hosts', 'hf-token', 'github-token'] as const;

function inputError(name: string, value: string, expected: string): SettingsError {
  return new SettingsError(
    `input '${name}' is '${value}', which is not ${expected}`,
    `Set '${name}' in the workflow's 'with:' block to ${expected}, or remove it to use the config file's value.`,
  );
}

/**
 * Reads the secrets first and masks each at once, before anything can log it. Multi-line secrets
 * (an SSH key) are also masked line by line, because the runner matches masks within one log line.
 */
export function readSecrets(getInput: GetInput, setSecret: SetSecret): Secrets {
  const read = (name: string): string | undefined => {
    const value = getInput(name);
    if (value.trim() === '') return undefined;
    setSecret(value);
    for (const line of value.split(/\r?\n/)) {
      const trimmed = line.trim();
      if (trimmed !== '' && trimmed !== value && !/^-----(BEGIN|END) [A-Z ]+-----$/.test(trimmed)) {
        setSecret(trimmed);
      }
    }
    return value;
  };
  const secrets: Secrets = {};
  const sshPrivateKey = read('ssh-private-key');
  const sshKnownHosts = read('ssh-known-hosts');
  const hfToken = read('hf-token');
  const githubToken = read('github-token');
  if (sshPrivateKey !== undefined) {
    // ssh2 and OpenSSH both require the key to end with a newline after the END line.
    secrets.sshPrivateKey = sshPrivateKey.endsWith('\n') ? sshPrivateKey : `${sshPrivateKey}\n`;
  }
  if (sshKnownHosts !== undefined) secrets.sshKnownHosts = sshKnownHosts;
  if (hfToken !== undefined) secrets.hfToken = hfToken.trim();
  if (githubToken !== undefined) secrets.githubToken = githubToken.trim();
  return secrets;
}

/** The memory a `gpu-type` input's device reports, in GiB; an input error naming the known types otherwise. */
function gpuTypeMemory(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const type = gpuTypes[value.toLowerCase()];
  if (!type) throw inputError('gpu-type', value, `one of ${gpuTypeNames().join(', ')}`);
  return type.memoryGiB;
}

/** Typed readers of one input each, `''` meaning unset, with messages naming the input. */
function inputReaders(getInput: GetInput) {
  const str = (name: string): string | undefined => {
    const value = getInput(name).trim();
    return value === '' ? undefined : value;
  };
  const whole = (name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const value = str(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw inputError(
        name,
        value,
        `a whole number ≥ ${min}${max < Number.MAX_SAFE_INTEGER ? ` and ≤ ${max}` : ''}`,
      );
    }
    return n;
  };
  const positive = (name: string): number | undefined => {
    const value = str(name);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw inputError(name, value, 'a number > 0');
    return n;
  };
  // The YAML 1.2 core schema's booleans, as @actions/core's getBooleanInput accepts them.
  const bool = (name: string): boolean | undefined => {
    const value = str(name);
    if (value === undefined) return undefined;
    if (['true', 'True', 'TRUE'].includes(value)) return true;
    if (['false', 'False', 'FALSE'].includes(value)) return false;
    throw inputError(name, value, 'true or false');
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T | undefined => {
    const value = str(name);
    if (value === undefined) return undefined;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    throw inputError(name, value, `one of ${allowed.join(', ')}`);
  };
  return { str, whole, positive, bool, oneOf };
}

/** Reads the non-secret inputs, `''` meaning unset, with strict types and messages naming the input. */
export function readActionInputs(getInput: GetInput): ActionInputs {
  const { str, whole, positive, bool, oneOf } = inputReaders(getInput);
  const inputs: ActionInputs = {
    model: str('model'),
    revision: str('revision'),
    benchmarks: str('benchmarks'),
    baseline: str('baseline'),
    configPath: str('config-path'),
    sshHost: str('ssh-host'),
    sshPort: whole('ssh-port', 1, 65_535),
    sshUser: str('ssh-user'),
    partition: str('partition'),
    account: str('account'),
    qos: str('qos'),
    timeLimit: str('time-limit'),
    gpusPerNode: whole('gpus-per-node', 1),
    gpuMemoryGiB: positive('gpu-memory-gib') ?? gpuTypeMemory(str('gpu-type')),
    gpuType: str('gpu-type'),
    gresType: str('gres-type'),
    maxNodes: whole('max-nodes', 1),
    remoteDir: str('remote-dir'),
    // Keep the job setup's own line structure; only an all-blank value is unset.
    jobSetup: getInput('job-setup').trim() === '' ? undefined : getInput('job-setup'),
    lightevalVersion: str('lighteval-version'),
    resultsRepo: str('results-repo'),
    triggerLabel: str('trigger-label'),
    doneLabel: str('done-label'),
    removeLabelWhenDone: bool('remove-label-when-done'),
    tagPattern: str('tag-pattern'),
    allowForkPrs: bool('allow-fork-prs'),
    wait: bool('wait'),
    failOnRegression: bool('fail-on-regression'),
    revisionWaitMinutes: whole('revision-wait-minutes', 0, 360),
    modelCard: oneOf('model-card', ['none', 'pr']),
    precision: positive('precision'),
    maxGpuHours: positive('max-gpu-hours'),
    seeds: whole('seeds', 1, MAX_SEEDS),
    ...multiNodeInputs(str, whole, oneOf),
  };
  if (inputs.precision !== undefined && inputs.precision >= 100) {
    throw inputError(
      'precision',
      String(inputs.precision),
      'a number of percentage points below 100 (e.g. 2)',
    );
  }
  if (inputs.timeLimit !== undefined && !slurmTimePattern.test(inputs.timeLimit)) {
    throw inputError('time-limit', inputs.timeLimit, "a Slurm time limit such as '04:00:00' or '1-12:00:00'");
  }
  return withoutUnset(inputs);
}

/** The inputs that were given: an absent key, not an undefined value, means "not given". */
function withoutUnset(inputs: ActionInputs): ActionInputs {
  for (const key of Object.keys(inputs) as (keyof ActionInputs)[]) {
    if (inputs[key] === undefined) delete inputs[key];
  }
  return inputs;
}

/** The multi-node inputs (route, engine, interface, ports, timeouts, extra environment). */
function multiNodeInputs(
  str: (name: string) => string | undefined,
  whole: (name: string, min: number, max?: number) => number | undefined,
  oneOf: <T extends string>(name: string, allowed: readonly T[]) => T | undefined,
): Partial<ActionInputs> {
  const iface = str('network-interface');
  if (iface !== undefined && !networkInterfaceSchema.safeParse(iface).success)
    throw inputError('network-interface', iface, 'one network interface name such as ib0 or eth0');
  const envText = str('extra-environment');
  const env = envText === undefined ? undefined : parseEnvironmentLines(envText);
  if (typeof env === 'string')
    throw inputError('extra-environment', envText ?? '', `NAME=value lines (${env})`);
  return {
    route: oneOf('route', routeSettings),
    multiNodeEngine: oneOf('multi-node-engine', multiNodeEngines),
    networkInterface: iface,
    rayPort: whole('ray-port', 1, 65_535),
    servePort: whole('serve-port', 1, 65_535),
    joinTimeout: whole('join-timeout', 1),
    serveTimeout: whole('serve-timeout', 1),
    extraEnvironment: env,
  };
}

/** The `revision-wait-minutes` input, validated, or its default. */
export function readRevisionWaitMinutes(getInput: GetInput): number {
  return readActionInputs(getInput).revisionWaitMinutes ?? DEFAULT_REVISION_WAIT_MINUTES;
}
