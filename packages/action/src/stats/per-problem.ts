import type { PerProblemScore } from './compare';

/** One problem's result: the mean over its samples and how many samples it got (when known). */
export interface ProblemMean {
  problem: string;
  mean: number;
  /** Samples behind `mean`; undefined when the details did not list them. */
  samples?: number;
}

/**
 * Per-problem means: rows of the same problem (repeated seeds, or one row per sample) are averaged,
 * weighted by their sample counts where known; the samples add up.
 */
export function problemMeans(scores: readonly PerProblemScore[]): ProblemMean[] {
  const byProblem = new Map<string, { sum: number; weight: number; samples: number; known: boolean }>();
  for (const s of scores) {
    const weight = s.samples ?? 1;
    const entry = byProblem.get(s.problem) ?? { sum: 0, weight: 0, samples: 0, known: true };
    entry.sum += s.score * weight;
    entry.weight += weight;
    entry.samples += s.samples ?? 0;
    entry.known &&= s.samples !== undefined;
    byProblem.set(s.problem, entry);
  }
  return [...byProblem].map(([problem, e]) => ({
    problem,
    mean: e.sum / e.weight,
    ...(e.known && { samples: e.samples }),
  }));
}

export const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Sample variance (divisor n − 1); 0 for fewer than two values. */
export function sampleVariance(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1);
}

/**
 * Unbiased estimate of one problem's Bernoulli variance p(1 − p) from k samples: p̂(1 − p̂)·k/(k − 1).
 * A problem solved by all (or none) of k ≥ 2 samples gets (½/(k+1))(1 − ½/(k+1)) rather than 0.
 * With one sample (or an unknown count) the problem alone cannot tell; `pooled` (the benchmark's
 * p̄(1 − p̄), an upper bound on the mean of the p_i(1 − p_i)) stands in, which errs on the wide side.
 */
export function withinProblemVariance(problem: ProblemMean, pooled: number): number {
  const k = problem.samples;
  if (k === undefined || k < 2) return pooled;
  // All k samples right (or all wrong) does not prove the problem noiseless: take half a success
  // (failure) in k + 1 draws, so the smallest detectable change never reads ±0.
  if (problem.mean <= 0 || problem.mean >= 1) {
    const p = 0.5 / (k + 1);
    return p * (1 - p);
  }
  return (problem.mean * (1 - problem.mean) * k) / (k - 1);
}
