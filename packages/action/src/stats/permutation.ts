import { type Comparison, type PairedOptions, type PerProblemScore, verdictOf } from './compare';
import { Z_95 } from './normal';
import { mean, type ProblemMean, problemMeans, withinProblemVariance } from './per-problem';
import { mulberry32 } from './prng';

interface Pair {
  current: ProblemMean;
  baseline: ProblemMean;
}

function pairUp(current: readonly PerProblemScore[], baseline: readonly PerProblemScore[]): Pair[] {
  const base = new Map(problemMeans(baseline).map((p) => [p.problem, p]));
  return problemMeans(current).flatMap((c) => {
    const b = base.get(c.problem);
    return b ? [{ current: c, baseline: b }] : [];
  });
}

/** Correct samples of a problem, when its samples are known (the mean is a share of them). */
const correctOf = (p: ProblemMean): number | undefined =>
  p.samples === undefined ? undefined : Math.round(p.mean * p.samples);

/**
 * Draws `draws` of `total` samples without replacement, `successes` of them correct: how many of the
 * drawn are correct (one hypergeometric variate, by sequential draws: exact, O(draws)).
 */
function hypergeometric(random: () => number, total: number, successes: number, draws: number): number {
  let left = successes;
  let remaining = total;
  let drawn = 0;
  for (let i = 0; i < draws; i++) {
    if (random() * remaining < left) {
      drawn += 1;
      left -= 1;
    }
    remaining -= 1;
  }
  return drawn;
}

/**
 * One resampled Δ under "no difference on any problem": each problem's pooled samples re-split
 * between the two runs at the runs' own counts (when both counts are known), else the two
 * per-problem means swapped with probability ½.
 */
function permutedDelta(pairs: readonly Pair[], random: () => number): number {
  let sum = 0;
  for (const { current, baseline } of pairs) {
    const c = correctOf(current);
    const b = correctOf(baseline);
    if (c !== undefined && b !== undefined && current.samples && baseline.samples) {
      const k = current.samples;
      const l = baseline.samples;
      const x = hypergeometric(random, k + l, c + b, k);
      sum += x / k - (c + b - x) / l;
    } else {
      const d = current.mean - baseline.mean;
      sum += random() < 0.5 ? d : -d;
    }
  }
  return sum / pairs.length;
}

/**
 * Paired permutation test on per-problem means, the benchmark's problems held fixed: only sampling
 * noise counts, which is what a regression gate on a fixed benchmark asks ("did the model change on
 * these problems?"). Under the null each problem's samples from both runs are exchangeable, so they
 * are pooled and re-split (a randomization test, exact up to Monte Carlo error);
 * p = (1 + #{|Δ*| ≥ |Δ|}) / (resamples + 1). The 95% interval is Δ ± 1.96·se with
 * se² = Σᵢ (vᵢ/kᵢ + v′ᵢ/lᵢ) / m², vᵢ each problem's unbiased within-problem variance (one sample:
 * the benchmark's p̄(1 − p̄), an upper bound), kept inside [−1, 1].
 */
export function comparePairedPermutation(
  benchmark: string,
  current: readonly PerProblemScore[],
  baseline: readonly PerProblemScore[],
  options: PairedOptions = {},
): Comparison | null {
  const pairs = pairUp(current, baseline);
  const m = pairs.length;
  if (m === 0) return null;
  const value = mean(pairs.map((p) => p.current.mean));
  const base = mean(pairs.map((p) => p.baseline.mean));
  const delta = value - base;
  const resamples = options.resamples ?? 10_000;
  const random = mulberry32(options.seed ?? 0x5eed);
  // Δ* equal to Δ up to rounding counts as "as extreme" (ties go to the null).
  const threshold = Math.abs(delta) - 1e-12;
  let extreme = 0;
  for (let r = 0; r < resamples; r++) {
    if (Math.abs(permutedDelta(pairs, random)) >= threshold) extreme += 1;
  }
  const pValue = delta === 0 ? 1 : (1 + extreme) / (resamples + 1);
  const pooledCurrent = value * (1 - value);
  const pooledBaseline = base * (1 - base);
  const variance =
    pairs.reduce(
      (s, p) =>
        s +
        withinProblemVariance(p.current, pooledCurrent) / (p.current.samples ?? 1) +
        withinProblemVariance(p.baseline, pooledBaseline) / (p.baseline.samples ?? 1),
      0,
    ) /
    (m * m);
  const se = Math.sqrt(variance);
  return {
    benchmark,
    value,
    baseline: base,
    delta,
    ci: [Math.max(-1, delta - Z_95 * se), Math.min(1, delta + Z_95 * se)],
    pValue,
    adjustedPValue: pValue,
    method: 'paired permutation',
    pairedProblems: m,
    view: 'problems fixed',
    verdict: verdictOf(delta, pValue < 0.05),
  };
}
