import type { PerProblemScore } from './compare';
import { Z_95 } from './normal';
import { mean, problemMeans, withinProblemVariance } from './per-problem';

/** What one benchmark's design can see: the smallest change a comparison could tell from noise. */
export interface DetectableChange {
  problems: number;
  /** Samples per problem this figure assumes (the run's). */
  samples: number;
  /** Mean within-problem variance v̄ (of a single sample's 0/1 score), the observed noise. */
  withinVariance: number;
  /**
   * Smallest |Δ| (fraction) a paired comparison at the 5% level calls a change, against a baseline run
   * with the same design: 1.96·√(2·v̄ / (m·k)). Changes under it are noise.
   */
  minimumChange: number;
  /** With `precision` (fraction): samples per problem that bring `minimumChange` down to it. */
  samplesForPrecision?: number;
  precision?: number;
  /** One line for the report: "aime24: 30 problems × 64 samples: changes under ±3.9 points are noise". */
  sentence: string;
}

/**
 * Smallest detectable change per benchmark, problems held fixed (as the paired test holds them):
 * se(Δ)² = 2·v̄ / (m·k) for m problems, k samples each on both sides, v̄ the mean of the problems'
 * unbiased within-problem variances (with one sample: the pooled p̄(1 − p̄), an upper bound). Samples
 * for a target precision δ: k ≥ 2·1.96²·v̄ / (m·δ²), rounded up. Null without per-problem scores.
 */
export function detectableChange(
  benchmark: string,
  scores: readonly PerProblemScore[],
  options: { precision?: number; samples?: number } = {},
): DetectableChange | null {
  const problems = problemMeans(scores);
  const m = problems.length;
  if (m === 0) return null;
  const p = mean(problems.map((x) => x.mean));
  const samples = options.samples ?? problems[0]?.samples ?? 1;
  const withinVariance = mean(problems.map((x) => withinProblemVariance(x, p * (1 - p))));
  const minimumChange = Z_95 * Math.sqrt((2 * withinVariance) / (m * samples));
  const points = (x: number): string => (x * 100).toFixed(1);
  let sentence = `${benchmark}: ${m} problems × ${samples} samples: changes under ±${points(minimumChange)} points are noise`;
  const result: DetectableChange = { problems: m, samples, withinVariance, minimumChange, sentence };
  if (options.precision !== undefined && options.precision > 0) {
    const needed = Math.max(1, Math.ceil((2 * Z_95 ** 2 * withinVariance) / (m * options.precision ** 2)));
    result.precision = options.precision;
    result.samplesForPrecision = needed;
    sentence += `; ±${points(options.precision)} points needs ${needed} samples per problem`;
  }
  result.sentence = `${sentence}.`;
  return result;
}
