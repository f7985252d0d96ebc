import type { PerProblemScore } from './compare';
import { Z_95 } from './normal';
import { mean, problemMeans, sampleVariance } from './per-problem';

/** A benchmark score with its 95% interval, both fractions in [0, 1]. */
export interface ScoreInterval {
  value: number;
  ci: [number, number];
  /**
   * `wilson (per-problem spread)`: from the details, Wilson's interval at the effective sample size
   * the spread over problems gives; `wilson (LightEval stderr)`: no details, so from LightEval's
   * reported standard error (said so in the report).
   */
  method: 'wilson (per-problem spread)' | 'wilson (LightEval stderr)';
  /** Problems behind the score (details), when known. */
  problems?: number;
  /** Samples per problem (the most common count in the details), when known. */
  samples?: number;
  /** The binomial n the interval treats the score as: p(1 − p)/se², bounded (see `scoreInterval`). */
  effectiveN: number;
}

/**
 * Wilson's score interval for a proportion p at sample size n: the π with |p − π| ≤ z·√(π(1 − π)/n).
 * Unlike p ± z·se it never leaves [0, 1] and stays honest at 0/30 or 30/30 (0/30 gives [0, 11.4%]).
 */
export function wilsonInterval(p: number, n: number, z = Z_95): [number, number] {
  if (!(n > 0)) return [0, 1];
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z / denominator) * Math.sqrt(Math.max(0, (p * (1 - p)) / n + z2 / (4 * n * n)));
  // At 0 and 1 the bound is exact (rounding would leave 1 − 2⁻⁵³).
  return [p <= 0 ? 0 : Math.max(0, center - half), p >= 1 ? 1 : Math.min(1, center + half)];
}

/**
 * The score and its 95% interval from per-problem details: the score is the mean of per-problem
 * means (each problem counts once, however many samples it got); the interval is Wilson's at the
 * effective n = p̄(1 − p̄)/se², se² = s²/m from the spread s² of the m per-problem means (the
 * problems are a sample of possible problems: the design effect of clustered samples, as Korn &
 * Graubard do with Clopper–Pearson). n is kept between m − 1 (one sample each: se² is then the binomial's)
 * and m·k (all completions independent); when every problem scored the same (p̄ of 0 or 1 included),
 * n = m, since the problems alone carry the uncertainty.
 */
export function scoreInterval(scores: readonly PerProblemScore[], z = Z_95): ScoreInterval | null {
  const problems = problemMeans(scores);
  const m = problems.length;
  if (m === 0) return null;
  const means = problems.map((p) => p.mean);
  const value = mean(means);
  const sampleCounts = problems.flatMap((p) => (p.samples !== undefined ? [p.samples] : []));
  const samples = sampleCounts.length === m ? mostCommon(sampleCounts) : undefined;
  const se2 = sampleVariance(means) / m;
  const bernoulli = value * (1 - value);
  const upper = samples === undefined ? Number.POSITIVE_INFINITY : m * samples;
  const effectiveN = se2 === 0 || bernoulli === 0 ? m : Math.min(upper, Math.max(m - 1, bernoulli / se2));
  return {
    value,
    ci: wilsonInterval(value, effectiveN, z),
    method: 'wilson (per-problem spread)',
    problems: m,
    ...(samples !== undefined && { samples }),
    effectiveN,
  };
}

/**
 * Without details: Wilson's interval at n = p(1 − p)/stderr² from LightEval's reported stderr (the
 * normal interval it implies, kept inside [0, 1]); at p of 0 or 1 LightEval's stderr is 0, so the
 * problem count stands in. Null when neither is known.
 */
export function intervalFromStderr(
  value: number,
  stderr: number | null,
  problems?: number,
  z = Z_95,
): ScoreInterval | null {
  const bernoulli = value * (1 - value);
  const fromStderr = stderr !== null && stderr > 0 && bernoulli > 0 ? bernoulli / stderr ** 2 : undefined;
  const effectiveN = fromStderr ?? problems;
  if (effectiveN === undefined) return null;
  return {
    value,
    ci: wilsonInterval(value, effectiveN, z),
    method: 'wilson (LightEval stderr)',
    ...(problems !== undefined && { problems }),
    effectiveN,
  };
}

function mostCommon(xs: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]?.[0] ?? 0;
}
