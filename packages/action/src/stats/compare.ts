import { twoSidedNormalP, Z_95 } from './normal';
import { mulberry32 } from './prng';

export type Verdict = 'improved' | 'regressed' | 'within noise' | 'no comparison';

export type TestMethod = 'paired permutation' | 'paired bootstrap' | 'unpaired z-test';

/** One benchmark's score against its baseline. Scores are fractions in [0, 1]. */
export interface Comparison {
  benchmark: string;
  value: number;
  baseline: number;
  /** value − baseline. */
  delta: number;
  /** 95% interval for `delta`. */
  ci: [number, number];
  /** Two-sided p-value of "no difference". */
  pValue: number;
  /** Benjamini–Hochberg adjusted p-value across the benchmarks compared together (= pValue when alone). */
  adjustedPValue: number;
  method: TestMethod;
  /** Problems both runs scored (paired test only). */
  pairedProblems?: number;
  /**
   * What the test takes as fixed, for the sentence under the table: `problems fixed` (only sampling
   * noise counts: a regression gate on a fixed benchmark), `problems sampled` (the benchmark stands
   * for a population of problems), or `independent runs` (two stderrs, no pairing).
   */
  view?: 'problems fixed' | 'problems sampled' | 'independent runs';
  verdict: Verdict;
}

export interface ScoreWithStderr {
  value: number;
  stderr: number;
}

export function verdictOf(delta: number, significant: boolean): Verdict {
  if (!significant || delta === 0) return 'within noise';
  return delta > 0 ? 'improved' : 'regressed';
}

/**
 * Unpaired comparison from the two reported standard errors: Δ ± 1.96·√(se₁² + se₂²), z = Δ / √(se₁² + se₂²).
 * Treats the runs as independent, which overstates the noise when both scored the same problems:
 * conservative, so "improved"/"regressed" from it can be trusted.
 */
export function compareUnpaired(
  benchmark: string,
  current: ScoreWithStderr,
  baseline: ScoreWithStderr,
): Comparison {
  const delta = current.value - baseline.value;
  const se = Math.sqrt(current.stderr ** 2 + baseline.stderr ** 2);
  const pValue = se === 0 ? (delta === 0 ? 1 : 0) : twoSidedNormalP(delta / se);
  return {
    benchmark,
    value: current.value,
    baseline: baseline.value,
    delta,
    ci: [delta - Z_95 * se, delta + Z_95 * se],
    pValue,
    adjustedPValue: pValue,
    method: 'unpaired z-test',
    view: 'independent runs',
    verdict: verdictOf(delta, pValue < 0.05),
  };
}

export interface PerProblemScore {
  problem: string;
  /** Fraction of this problem's generations that were correct (samples already averaged). */
  score: number;
  /** How many generations `score` averages, when the details listed them. */
  samples?: number;
}

export interface PairedOptions {
  /** Bootstrap resamples; 10,000 by default. */
  resamples?: number;
  /** PRNG seed: the same inputs and seed always give the same interval. */
  seed?: number;
}

function quantile(sorted: readonly number[], q: number): number {
  // Linear interpolation between order statistics (type 7, as numpy's default).
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const a = sorted[lower] ?? 0;
  const b = sorted[upper] ?? a;
  return a + (b - a) * (position - lower);
}

/**
 * Paired bootstrap over problems: only problems scored in both runs count; each resample draws that
 * many problems with replacement and takes the mean of (current − baseline) per problem. The 95%
 * interval is the 2.5th–97.5th percentile of those means, and the two-sided p-value is twice the
 * smaller tail share of resampled means on either side of zero (never below 1/(resamples+1)).
 * Pairing removes the between-problem variance that the unpaired test counts twice.
 */
export function comparePaired(
  benchmark: string,
  current: readonly PerProblemScore[],
  baseline: readonly PerProblemScore[],
  options: PairedOptions = {},
): Comparison | null {
  const baselineByProblem = new Map<string, number[]>();
  for (const p of baseline)
    baselineByProblem.set(p.problem, [...(baselineByProblem.get(p.problem) ?? []), p.score]);
  const currentByProblem = new Map<string, number[]>();
  for (const p of current)
    currentByProblem.set(p.problem, [...(currentByProblem.get(p.problem) ?? []), p.score]);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const differences: number[] = [];
  let currentSum = 0;
  let baselineSum = 0;
  for (const [problem, scores] of currentByProblem) {
    const other = baselineByProblem.get(problem);
    if (!other) continue;
    const c = mean(scores);
    const b = mean(other);
    currentSum += c;
    baselineSum += b;
    differences.push(c - b);
  }
  const n = differences.length;
  if (n === 0) return null;
  const delta = mean(differences);
  const resamples = options.resamples ?? 10_000;
  const random = mulberry32(options.seed ?? 0x5eed);
  const means: number[] = new Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += differences[Math.floor(random() * n)] as number;
    means[r] = sum / n;
  }
  means.sort((a, b) => a - b);
  const below = means.filter((m) => m <= 0).length;
  const above = means.filter((m) => m >= 0).length;
  const allSame = differences.every((d) => d === differences[0]);
  const pValue = allSame
    ? delta === 0
      ? 1
      : 1 / (resamples + 1)
    : Math.min(1, Math.max((2 * Math.min(below, above)) / resamples, 1 / (resamples + 1)));
  return {
    benchmark,
    value: currentSum / n,
    baseline: baselineSum / n,
    delta,
    ci: [quantile(means, 0.025), quantile(means, 0.975)],
    pValue,
    adjustedPValue: pValue,
    method: 'paired bootstrap',
    pairedProblems: n,
    view: 'problems sampled',
    verdict: verdictOf(delta, pValue < 0.05),
  };
}

/**
 * Benjamini–Hochberg step-up adjustment: p₍ᵢ₎·m/i, made monotone from the largest down, capped at 1.
 * Controls the false discovery rate across the m benchmarks compared in one run.
 */
export function benjaminiHochberg(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(m);
  let running = 1;
  for (let rank = m; rank >= 1; rank--) {
    const entry = order[rank - 1] as { p: number; i: number };
    running = Math.min(running, (entry.p * m) / rank);
    adjusted[entry.i] = running;
  }
  return adjusted;
}

/** Re-judges each comparison on its BH-adjusted p-value at FDR 5%. */
export function controlFalseDiscoveries(comparisons: readonly Comparison[]): Comparison[] {
  const adjusted = benjaminiHochberg(comparisons.map((c) => c.pValue));
  return comparisons.map((c, i) => {
    const adjustedPValue = adjusted[i] ?? c.pValue;
    return { ...c, adjustedPValue, verdict: verdictOf(c.delta, adjustedPValue < 0.05) };
  });
}
