import type { Benchmark, ClusterShape, MultiNodeEngine, RouteSetting } from '@model-eval/planner';

/** How jobs span nodes, and what the cluster needs for it (docs/configuration.md, "Models larger than one node"). */
export interface MultiNodeSettings {
  /** Default `auto`: in-process on one node; ray or serve across nodes, by the LightEval release. */
  route?: RouteSetting;
  /** What `vllm serve` spans the nodes with (serve route; default ray). */
  engine?: MultiNodeEngine;
  /** NIC for NCCL/Gloo (NCCL_SOCKET_IFNAME, GLOO_SOCKET_IFNAME) and each node's VLLM_HOST_IP. */
  networkInterface?: string;
  /** Ray's port on the head (default 6379); vLLM's --master-port for the mp engine. */
  rayPort?: number;
  /** vllm serve's port on the head's loopback (default 8000). */
  servePort?: number;
  /** Seconds for every node's GPUs to join Ray (default 600). */
  joinTimeoutSeconds?: number;
  /** Seconds for vllm serve to load and answer (default 1800). */
  serveTimeoutSeconds?: number;
  /** Exported in every job (and so on every node's steps): site variables such as NCCL_IB_HCA. */
  extraEnvironment?: Record<string, string>;
}

export const MULTI_NODE_DEFAULTS = {
  route: 'auto',
  engine: 'ray',
  rayPort: 6379,
  servePort: 8000,
  joinTimeoutSeconds: 600,
  serveTimeoutSeconds: 1800,
} as const;

/**
 * Everything one evaluation run needs, whatever started it (the action or the CLI). Built at the
 * edge from inputs, config and flags; trusted inside.
 */
export interface RunSettings {
  /** Hub id, or a model directory on the cluster's shared filesystem. */
  model: string;
  revision?: string;
  /**
   * The commit `revision` resolved to on the Hub before planning (`pinRevision`): what LightEval
   * loads and what the run id, the report and the Hub rows name. Absent for a model directory
   * (no Hub commit) and before pinning.
   */
  commitSha?: string;
  /**
   * Set when the run id is derived rather than given: the parts hashed before the definition's
   * hash, so pinning the revision can derive it again (a moved branch is another run).
   */
  runIdPrefix?: string[];
  /** Catalog names; empty means the planner's default set. */
  benchmarks: string[];
  /** The same benchmarks as planner values, when some are custom tasks declared in the config file. */
  benchmarkDefinitions?: Benchmark[];
  cluster: ClusterShape;
  gpuMemoryUtilization?: number;
  maxModelLength?: number;
  lightevalVersion?: string;
  /** One job per benchmark instead of one job for all (the weights then load once per benchmark). */
  jobPerBenchmark?: boolean;
  /** Routes across nodes and the cluster's multi-node settings; absent: all defaults. */
  multiNode?: MultiNodeSettings;
  slurm: {
    partition?: string;
    account?: string;
    qos?: string;
    /** Slurm time limit per job; absent: the partition's default. */
    timeLimit?: string;
    /** The cluster's GRES type name for the GPUs (`--gres=gpu:TYPE:N`); absent: any GPU. */
    gresType?: string;
    /** Shell lines run before LightEval (module load, venv activation). Trusted configuration. */
    setup: string[];
  };
  /**
   * Base directory for run directories (on the cluster's shared filesystem for Slurm, on this machine
   * for the local executor). Each run gets `remoteDir/<runId>`.
   */
  remoteDir: string;
  /**
   * Names this run across re-runs: the same id reattaches to the same jobs instead of submitting again
   * (GitHub: repository + workflow run id; CLI: derived from model, revision and benchmarks unless given).
   */
  runId: string;
  /** Replace the GPU-bound `lighteval` with the stand-in; every output says SIMULATED. */
  simulate: boolean;
  /** Passed to jobs through a 0600 file, never on a command line. */
  hfToken?: string;
  /**
   * Target half-width of a paired comparison, as a fraction (0.02 for 2 points): the report says how
   * many samples per problem would reach it, and the plan sets the counts from the baseline's
   * per-problem variance where it has one (`precision` input).
   */
  precision?: number;
  /** Refuse a plan whose estimated GPU-hours exceed this (`max-gpu-hours` input). */
  maxGpuHours?: number;
  /** Sampling seeds per benchmark (`seeds` input): one job per seed, merged in the report. Absent: one. */
  seeds?: number;
  /** Benchmarks whose samples per problem `precision` set (`applyPrecision`): the budget may cap these. */
  samplesFromPrecision?: string[];
  /** Re-plans with more GPUs after a GPU out-of-memory failure, at most this many times per job. */
  maxOomEscalations: number;
  /** Status polling: first interval and cap, milliseconds. */
  pollIntervalMs?: number;
  pollIntervalCapMs?: number;
}
