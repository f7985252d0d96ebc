import type { BaselineComparison, BenchmarkStatistics } from '../stats';

/** How one Slurm job was laid out: nodes × GPUs per node, and vLLM's TP × PP × DP over them. */
export interface JobLayout {
  nodes: number;
  gpusPerNode: number;
  tensorParallel: number;
  pipelineParallel: number;
  dataParallel: number;
  /** How the engine ran: in-process, ray or serve (absent: in-process, as before routes). */
  route?: string;
  /** The nodes Slurm gave the job (sacct/squeue NodeList, e.g. `node[1-2]`), once known. */
  nodeList?: string;
}

export interface JobReport {
  id: string;
  benchmarks: string[];
  /** The job's sampling seed in a `seeds: N` run (absent: LightEval's default). */
  seed?: number;
  /** Slurm state (`PENDING`, `RUNNING`, `COMPLETED`, `FAILED`, …) or `SUBMITTING`. */
  state: string;
  /** Why it is pending or why it failed (Slurm reason, exit code, "GPU out of memory"). */
  reason?: string;
  layout: JobLayout;
  /** Seconds between submission and start; null while unknown. */
  queueSeconds?: number | null;
  /** Seconds running (so far, while running). */
  elapsedSeconds?: number | null;
  /** Last lines of the job log, shown for failed jobs. Untrusted text. */
  logTail?: string;
  /**
   * Earlier attempts of this job that ran out of GPU memory and were re-planned larger, oldest
   * first. Their GPU-hours were spent too, so the report lists and counts them.
   */
  supersededAttempts?: JobAttempt[];
}

/** One earlier attempt of a job: its Slurm id, the layout it ran at, and how long it ran. */
export interface JobAttempt {
  id: string;
  layout: JobLayout;
  /** Final Slurm state of the attempt (`FAILED` for an out-of-memory exit). */
  state: string;
  reason?: string;
  /** Seconds the attempt ran; null when the run did not see it end (reopened later). */
  elapsedSeconds: number | null;
}

/** One benchmark's headline score (the shape `results` rows already have). */
export interface ReportResultRow {
  benchmark: string;
  metric: string;
  value: number | null;
  stderr: number | null;
  samples?: number | null;
  problems?: number | null;
  notes?: string[];
  /**
   * From the per-problem details when they were read: the Wilson interval over problems and the
   * smallest detectable change (absent: the table falls back to LightEval's stderr and says so).
   */
  statistics?: BenchmarkStatistics;
  /**
   * A `seeds: N` run: each seed's own score (fraction; null when it wrote none), in seed order. The
   * row's value is their mean and `samples` counts every seed's generations per problem.
   */
  seedScores?: { seed: number; value: number | null }[];
}

/**
 * What produced one benchmark's number, recorded with it: the dataset (and subset / LiveCodeBench
 * release window) the LightEval release read, its revision (null: not pinned, the latest was read),
 * the sampling seed(s) and the generation parameters of the command line that ran.
 */
export interface BenchmarkFacts {
  benchmark: string;
  dataset?: string;
  subset?: string;
  revision: string | null;
  seeds: number[];
  /** `model args` when the command set it, else LightEval's default. */
  seedSource: string;
  temperature: number | null;
  topP: number | null;
  maxNewTokens: number | null;
}

export interface CheckpointPoint {
  step: number;
  /** Fraction in [0, 1]. */
  value: number;
}

/** Everything the report shows. A plain value: the orchestrator fills it, the renderers only read it. */
export interface RunReport {
  model: string;
  /** The revision as asked (a branch, tag or commit). */
  revision: string;
  /**
   * The commit the revision was pinned to before planning (what LightEval loaded); null for a model
   * directory (no Hub commit) or a run recorded before pinning; absent when not known yet.
   */
  commitSha?: string | null;
  status: 'submitted' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  /** Results from the LightEval stand-in (`--simulate`): one banner and a title marker. */
  simulated: boolean;
  jobs: JobReport[];
  results: ReportResultRow[];
  baseline?: {
    /** What the baseline is, e.g. `v1.2.0` or `Qwen/Qwen2.5-1.5B@main`. */
    label: string;
    /** Baseline scores by benchmark (fractions). */
    values: Record<string, number | null>;
    comparison: BaselineComparison;
  };
  versions?: { lighteval?: string; vllm?: string };
  /** Per benchmark: dataset identity, seeds and generation parameters (from the recorded jobs). */
  benchmarkFacts?: BenchmarkFacts[];
  /** Seconds from the first submission to now / the last job's end. */
  wallSeconds?: number | null;
  links?: {
    workflowRun?: string;
    hubResults?: string;
    /** `https://huggingface.co` unless HF_ENDPOINT says otherwise. */
    hubBaseUrl?: string;
  };
  /** Scores of earlier checkpoints of the same training run, for the chart, by benchmark. */
  checkpointSeries?: { benchmark: string; points: CheckpointPoint[] }[];
  /** Plain-text remarks (retries, re-plans after OOM, Hub upload failure). Untrusted-safe: escaped. */
  notes?: string[];
}
