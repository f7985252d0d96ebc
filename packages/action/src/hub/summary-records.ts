import type { BenchmarkFacts } from '../report/types';
import type { BaselineComparison, BenchmarkStatistics } from '../stats';
import type { SummaryRecord } from './summary-table';

/** z for a two-sided 95% interval, as the report uses. */
const Z_95 = 1.959963984540054;

/** One benchmark's result as the summary needs it (a `ResultRow` fits). */
export interface SummaryResultInput {
  benchmark: string;
  task: string;
  metric: string;
  value: number | null;
  stderr: number | null;
  samples: number | null;
  problems: number | null;
  /** A `seeds: N` run: each seed's own score. */
  seedRuns?: readonly { seed: number; value: number | null }[];
}

export interface SummaryRunInput {
  runId: string;
  model: string;
  revision: string;
  /** The model commit the revision resolved to (LightEval's `config_general.model_sha`), when known. */
  commitSha: string | null;
  step: number | null;
  finishedAt: string;
  runUrl: string | null;
  simulated: boolean;
  lightevalVersion: string | null;
  vllmVersion: string | null;
  results: readonly SummaryResultInput[];
  /** Slurm jobs: which benchmarks each ran and its GPU-hours (null while unknown). */
  jobs: readonly { id: string; benchmarks: readonly string[]; gpuHours: number | null }[];
  baseline?: {
    label: string;
    values: Record<string, number | null>;
    comparison: Pick<BaselineComparison, 'comparisons'>;
  };
  /** Per benchmark: interval and smallest detectable change from the details (the report's). */
  statistics?: readonly BenchmarkStatistics[];
  /** Per benchmark: dataset identity, seeds and generation parameters (the report's). */
  benchmarkFacts?: readonly BenchmarkFacts[];
}

/** The reproducibility and precision columns of one benchmark's row. */
function identityColumns(run: SummaryRunInput, benchmark: string) {
  const facts = run.benchmarkFacts?.find((f) => f.benchmark === benchmark);
  const statistics = run.statistics?.find((s) => s.benchmark === benchmark);
  return {
    ci_method: statistics?.interval?.method ?? null,
    min_detectable_change: finite(statistics?.detectable?.minimumChange),
    seeds: facts ? facts.seeds.join(',') : null,
    temperature: finite(facts?.temperature),
    top_p: finite(facts?.topP),
    max_new_tokens: finite(facts?.maxNewTokens),
    dataset: facts?.dataset ?? null,
    dataset_subset: facts?.subset ?? null,
    dataset_revision: facts?.revision ?? null,
  };
}

const finite = (v: number | null | undefined): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? v : null;

/** The summary rows of one run, without file paths (the upload adds them: it names the files). */
export function summaryRecordsForRun(
  run: SummaryRunInput,
): Omit<SummaryRecord, 'results_file' | 'details_file'>[] {
  return run.results.map((result) => {
    const score = finite(result.value);
    const stderr = finite(result.stderr);
    // Every job that ran the benchmark: the seed jobs of a `seeds: N` run add up.
    const jobs = run.jobs.filter((j) => j.benchmarks.includes(result.benchmark));
    const hours = jobs.map((j) => j.gpuHours);
    const comparison = run.baseline?.comparison.comparisons.find((c) => c.benchmark === result.benchmark);
    const baselineScore = finite(run.baseline?.values[result.benchmark]);
    const statistics = run.statistics?.find((s) => s.benchmark === result.benchmark);
    const interval =
      statistics?.interval?.method === 'wilson (per-problem spread)' ? statistics.interval : null;
    return {
      model: run.model,
      revision: run.revision,
      commit_sha: run.commitSha,
      benchmark: result.benchmark,
      metric: result.metric || null,
      problems: result.problems,
      samples: result.samples,
      score,
      stderr,
      // The interval the PR comment shows: Wilson over problems from the details, else score ± 1.96 stderr.
      ci_low:
        finite(interval?.ci[0]) ??
        (score !== null && stderr !== null ? Math.max(0, score - Z_95 * stderr) : null),
      ci_high:
        finite(interval?.ci[1]) ??
        (score !== null && stderr !== null ? Math.min(1, score + Z_95 * stderr) : null),
      baseline: run.baseline?.label ?? null,
      baseline_score: baselineScore,
      delta: finite(comparison?.delta),
      delta_ci_low: finite(comparison?.ci[0]),
      delta_ci_high: finite(comparison?.ci[1]),
      verdict: comparison?.verdict ?? null,
      lighteval_version: run.lightevalVersion,
      vllm_version: run.vllmVersion,
      gpu_hours:
        hours.length > 0 && hours.every((h) => h !== null)
          ? finite(hours.reduce((s, h) => s + (h ?? 0), 0))
          : null,
      job_id: jobs.length > 0 ? jobs.map((j) => j.id).join(',') : null,
      run_url: run.runUrl,
      finished_at: run.finishedAt,
      run_id: run.runId,
      step: run.step,
      simulated: run.simulated,
      task: result.task || null,
      ...identityColumns(run, result.benchmark),
      // The upload names the seed files (it knows their paths).
      seed_files: null,
      seed_scores: result.seedRuns
        ? result.seedRuns.map((s) => `${s.seed}:${s.value ?? 'null'}`).join(',')
        : null,
    };
  });
}
