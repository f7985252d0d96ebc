import type { Benchmark, ClusterShape } from '@model-eval/planner';

/**
 * Everything one evaluation run needs, whatever started it (the action or the CLI). Built at the
 * edge from inputs, config and flags; trusted inside.
 */
export interface RunSettings {
  /** Hub id, or a model directory on the cluster's shared filesystem. */
  model: string;
  revision?: string;
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
  /** Re-plans with more GPUs after a GPU out-of-memory failure, at most this many times per job. */
  maxOomEscalations: number;
  /** Status polling: first interval and cap, milliseconds. */
  pollIntervalMs?: number;
  pollIntervalCapMs?: number;
}
