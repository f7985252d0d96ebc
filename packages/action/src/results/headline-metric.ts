import { findBenchmark, type MetricFamily } from '@model-eval/planner';

/**
 * LightEval renamed the metric behind each reasoning benchmark several times. All of them estimate the
 * same thing, pass@1 (the mean over problems of the fraction of correct generations), so each benchmark
 * maps every known name to one headline metric. Names as each release writes them (checked against the
 * fact table, test/fixtures/lighteval-facts/releases.json, read from LightEval's source at each tag):
 *
 * | LightEval     | MATH-500 / AIME                          | GPQA-Diamond              | LiveCodeBench       |
 * | ------------- | ---------------------------------------- | ------------------------- | ------------------- |
 * | 0.8           | `extractive_match`                       | `extractive_match`        | `codegen_pass@1:16` |
 * | 0.9 – 0.10    | `math_pass@1:{n}_samples` (several n)    | `gpqa_pass@1:{n}_samples` | `codegen_pass@1:16` |
 * | 0.11.0        | `pass@k_with_k&n`, `pass@k_with_k`       | `gpqa_pass@k_with_k`      | `codegen_pass@1:16` |
 * | 0.12.0 and on | `pass@k:k=1&n=1`, `pass@k:k=1`, `avg@n:n=1` | `gpqa_pass@k:k=1`      | `codegen_pass@1:16` |
 *
 * 0.11.0 named a parametrised metric after its parameters' names only (`Metric.__call__` in
 * `metrics/utils/metric_utils.py` at v0.11.0: `f"{name}_with_{'&'.join(keys)}"`), so those names say
 * neither k nor n; the catalog tasks all set k=1. Later runs also write `codegen_pass@k:k=1&n={n}`.
 *
 * When a file holds several estimates (0.9 wrote `math_pass@1:1_samples` … `math_pass@1:64_samples`
 * side by side), the one over the most generations per problem wins: it has the smallest variance.
 */

export interface HeadlineCandidate {
  metric: string;
  /** Generations per problem the estimate averages over, when the name says it. */
  samples: number | null;
}

/** Name prefixes each family's pass@1 metrics may carry (`''` = no prefix). */
const FAMILY_PREFIXES: Record<MetricFamily, readonly string[]> = {
  math: ['', 'math_'],
  gpqa: ['gpqa_', ''],
  codegen: ['codegen_'],
};

/** The pass@1 estimate a metric name denotes, or null when it is some other metric. */
export function passAtOneSamples(metric: string, family: MetricFamily): HeadlineCandidate | null {
  if (metric === 'extractive_match' && family !== 'codegen') return { metric, samples: 1 };
  for (const prefix of FAMILY_PREFIXES[family]) {
    if (!metric.startsWith(prefix)) continue;
    const rest = metric.slice(prefix.length);
    const oldStyle = /^pass@1:(\d+)_samples$/.exec(rest);
    if (oldStyle) return { metric, samples: Number(oldStyle[1]) };
    const newStyle = /^pass@k:k=1(?:&n=(\d+))?$/.exec(rest);
    if (newStyle) return { metric, samples: newStyle[1] === undefined ? null : Number(newStyle[1]) };
    // 0.11.0: the parameters' names without their values (k=1 in every catalog task).
    if (rest === 'pass@k_with_k' || rest === 'pass@k_with_k&n') return { metric, samples: null };
    // 0.12.0 on, AIME beside pass@k: the mean score over n samples, pass@1 by another name.
    const average = family === 'math' && prefix === '' ? /^avg@n:n=(\d+)$/.exec(rest) : null;
    if (average) return { metric, samples: Number(average[1]) };
    const codegen = family === 'codegen' ? /^pass@1:(\d+)$/.exec(rest) : null;
    if (codegen) return { metric, samples: Number(codegen[1]) };
  }
  return null;
}

/** The catalog's metric family of a benchmark; undefined for custom tasks. */
export function metricFamilyOf(benchmark: string): MetricFamily | undefined {
  return findBenchmark(benchmark)?.metricFamily;
}

/**
 * Picks the headline metric among a task's metric names (stderr keys already removed). For a
 * benchmark outside the catalog (a custom task) the first metric LightEval wrote is the headline.
 */
export function pickHeadlineMetric(benchmark: string, metrics: readonly string[]): HeadlineCandidate | null {
  const family = metricFamilyOf(benchmark);
  if (family === undefined) {
    const first = metrics[0];
    return first === undefined ? null : { metric: first, samples: null };
  }
  let best: HeadlineCandidate | null = null;
  for (const metric of metrics) {
    const candidate = passAtOneSamples(metric, family);
    if (candidate && (best === null || (candidate.samples ?? 1) > (best.samples ?? 1))) best = candidate;
  }
  return best;
}
