/**
 * Everything needed to run one batch job, as plain data. The orchestrator builds it from an EvalPlan;
 * nothing here knows what the command does.
 */
export interface JobSpec {
  /**
   * Job name (`--job-name`). Accounting often does not store comments (`AccountingStoreFlags=job_comment`
   * is off by default), so finished jobs are found again by name: keep it unique per `key`.
   */
  name: string;
  /** Idempotency key, carried in `--comment`: the same key means the same job, never submitted twice. */
  key: string;
  /** The run's remote directory: script, logs and the secrets file live here; it is the job's cwd. */
  runDir: string;
  /**
   * Slurm time limit: `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM` or `D-HH:MM:SS`. Absent: the
   * partition's default time limit.
   */
  timeLimit?: string;
  partition?: string;
  account?: string;
  qos?: string;
  /** Default 1. */
  nodes?: number;
  gpusPerNode?: number;
  /** `gres` writes `--gres=gpu[:type]:N` (works everywhere); `gpus-per-node` writes `--gpus-per-node`. */
  gpuFlag?: 'gres' | 'gpus-per-node';
  /**
   * The cluster's GRES type name for the GPUs (`Name=gpu Type=h100` in its gres.conf), written as
   * `--gres=gpu:h100:N`; absent: any GPU (`--gres=gpu:N`). Must match `GRES_TYPE_PATTERN`.
   */
  gpuType?: string;
  cpusPerTask?: number;
  /** Memory per node as Slurm reads it, e.g. `64G`. */
  memory?: string;
  constraint?: string;
  /** Requeue after node failure or preemption. Default true. */
  requeue?: boolean;
  /** A job array: indices as Slurm reads them (`0-199`, `1,3,5`), at most `throttle` running at once. */
  array?: { indices: string; throttle?: number };
  /** Site-specific directives, each a full `--option=value` word (e.g. `--reservation=eval`). */
  extraDirectives?: string[];
  /** Shell lines run before the command (module load, venv activation): trusted configuration. */
  setup?: string[];
  /** Exported to the command; values are quoted, so any text is safe. */
  environment?: Record<string, string>;
  /**
   * Exported to the command but never written into the script: submitted through a 0600 file in
   * `runDir` that the job sources and deletes when it ends.
   */
  secrets?: Record<string, string>;
  /** The command, one argument per element; each is quoted. */
  command: string[];
  /** Where the job writes result files, for `collectJobFiles`; default `runDir`. */
  outputDir?: string;
  /**
   * A job whose engine spans its nodes: the script starts Ray and/or `vllm serve` over the allocation
   * with srun, waits until every node has joined, and runs `command` on the first node.
   */
  multiNode?: MultiNodeSpec;
}

export interface MultiNodeSpec {
  /** `ray`: a Ray cluster, then `command` (lighteval vllm) with RAY_ADDRESS; `serve`: a server first. */
  route: 'ray' | 'serve';
  /** The head's rendezvous port: Ray's GCS port (`ray start --head --port`) or vLLM's `--master-port` (mp). */
  rendezvousPort: number;
  /** How long every node's GPUs may take to join Ray (seconds). */
  joinTimeoutSeconds: number;
  /**
   * Seconds between two checks of a bounded wait (Ray's GPU count, the server's health); default
   * `DEFAULT_POLL_SECONDS` (2). Only tests that run the script against shell doubles set it shorter.
   */
  pollSeconds?: number;
  /** NIC for NCCL/Gloo and each node's VLLM_HOST_IP; absent: the first address `hostname -I` lists. */
  networkInterface?: string;
  serve?: {
    /** `vllm serve …` for the head, listening on 127.0.0.1:port. */
    argv: string[];
    servedModelName: string;
    port: number;
    engine: 'ray' | 'mp';
    /** How long the server may take to answer /health and list the model (seconds). */
    timeoutSeconds: number;
  };
}

/**
 * What a GRES type name may hold. Slurm itself accepts more, but a type is interpolated into a
 * `#SBATCH` directive (and `:` or `,` would change what the request means: `gpu:a:b:4`, `gpu:a,mps:1`),
 * so anything outside letters, digits, `_`, `.` and `-` is refused.
 */
export const GRES_TYPE_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** The path of the script `submitJob` uploads for this spec. */
export function scriptPath(spec: JobSpec): string {
  return `${trimSlash(spec.runDir)}/${spec.name.replace(/[^A-Za-z0-9._-]/g, '_')}.sbatch`;
}

/** The secrets file for this spec (one per key, so attempts of one job share it). */
export function secretsPath(spec: Pick<JobSpec, 'runDir' | 'key'>): string {
  return `${trimSlash(spec.runDir)}/.secrets-${spec.key}.env`;
}

/** Slurm's `--output` / `--error` patterns: `%j` is the job id, `%A_%a` array job and task. */
export function logPatterns(spec: JobSpec): { stdout: string; stderr: string } {
  const id = spec.array ? '%A_%a' : '%j';
  const dir = trimSlash(spec.runDir);
  return { stdout: `${dir}/slurm-${id}.out`, stderr: `${dir}/slurm-${id}.err` };
}

/** The log files of one job (or one array task, id `123_4`). */
export function logPaths(spec: JobSpec, jobId: string): { stdout: string; stderr: string } {
  const dir = trimSlash(spec.runDir);
  return { stdout: `${dir}/slurm-${jobId}.out`, stderr: `${dir}/slurm-${jobId}.err` };
}

/** Parses a Slurm time limit into seconds. */
export function timeLimitSeconds(limit: string): number | undefined {
  const match = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(limit);
  if (!match) return undefined;
  const [, days, a, b, c] = match;
  const n = (s: string | undefined) => (s === undefined ? 0 : Number(s));
  if (days !== undefined) {
    // D-HH, D-HH:MM, D-HH:MM:SS
    return n(days) * 86_400 + n(a) * 3600 + n(b) * 60 + n(c);
  }
  if (c !== undefined) return n(a) * 3600 + n(b) * 60 + n(c); // HH:MM:SS
  if (b !== undefined) return n(a) * 60 + n(b); // MM:SS
  return n(a) * 60; // MM
}

function trimSlash(dir: string): string {
  return dir.length > 1 ? dir.replace(/\/+$/, '') : dir;
}
