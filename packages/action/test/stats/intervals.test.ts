import { describe, expect, it } from 'vitest';
import {
  benchmarkStatistics,
  comparePairedPermutation,
  compareWithBaseline,
  detectableChange,
  intervalFromStderr,
  mulberry32,
  type PerProblemScore,
  scoreInterval,
  wilsonInterval,
  Z_95,
} from '../../src/stats';

// Every expected value here is computed independently: by hand (the arithmetic is in the comments,
// checked with Python), or by a reference implementation inside the test that shares no code with
// the product (bisection for Wilson's bounds, an explicit shuffle of pooled samples for the
// permutation test, repeated simulated runs for coverage).

/** Wilson's bounds as the roots of |p − π| = z·√(π(1 − π)/n), found by bisection. */
function wilsonByBisection(p: number, n: number): [number, number] {
  const f = (pi: number) => (p - pi) ** 2 - (Z_95 ** 2 * pi * (1 - pi)) / n;
  const root = (lo: number, hi: number) => {
    for (let i = 0; i < 200; i++) {
      const mid = (lo + hi) / 2;
      if (f(lo) * f(mid) <= 0) hi = mid;
      else lo = mid;
    }
    return (lo + hi) / 2;
  };
  return [p === 0 ? 0 : root(0, p - 1e-15), p === 1 ? 1 : root(p + 1e-15, 1)];
}

/** m problems, each with `samples` rows' worth: problem i solved `correct(i)` times of `samples`. */
function run(m: number, samples: number, correct: (i: number) => number): PerProblemScore[] {
  return Array.from({ length: m }, (_, i) => ({ problem: `p${i}`, score: correct(i) / samples, samples }));
}

describe("Wilson's interval", () => {
  it.each([
    [0, 30],
    [1 / 30, 30],
    [29 / 30, 30],
    [1, 30],
    [0.5, 100],
    [0.07, 1920],
  ])('p = %f, n = %i matches the roots found by bisection', (p, n) => {
    const [lo, hi] = wilsonInterval(p, n);
    const [refLo, refHi] = wilsonByBisection(p, n);
    expect(lo).toBeCloseTo(refLo, 9);
    expect(hi).toBeCloseTo(refHi, 9);
  });

  it('0/30 is [0, 11.35%] and 30/30 is [88.65%, 100%] (by hand: z²/(n + z²) = 3.841459/33.841459)', () => {
    expect(wilsonInterval(0, 30)[1]).toBeCloseTo(0.1135134, 6);
    expect(wilsonInterval(1, 30)[0]).toBeCloseTo(1 - 0.1135134, 6);
  });
});

describe('score interval from per-problem details', () => {
  it('30 problems × 1 sample, none solved: [0, 11.35%], never a zero-width interval', () => {
    const s = scoreInterval(run(30, 1, () => 0));
    expect(s).toMatchObject({ value: 0, problems: 30, samples: 1, effectiveN: 30 });
    expect(s?.ci[0]).toBe(0);
    expect(s?.ci[1]).toBeCloseTo(0.1135134, 6);
  });

  it('30 problems × 64 samples, all solved every time: [88.65%, 100%], the problems carry the doubt', () => {
    const s = scoreInterval(run(30, 64, () => 64));
    expect(s?.value).toBe(1);
    expect(s?.effectiveN).toBe(30);
    expect(s?.ci[0]).toBeCloseTo(0.8864866, 6);
    expect(s?.ci[1]).toBe(1);
  });

  it('1 of 30 solved with 1 sample: effective n = 29 (s² = p(1−p)·30/29, se² = s²/30), Wilson at n = 29', () => {
    // By hand: Wilson(1/30, 29) = [0.0057691, 0.1700694].
    const s = scoreInterval(run(30, 1, (i) => (i === 0 ? 1 : 0)));
    expect(s?.effectiveN).toBeCloseTo(29, 9);
    expect(s?.ci[0]).toBeCloseTo(0.0057691, 6);
    expect(s?.ci[1]).toBeCloseTo(0.1700694, 6);
  });

  it('the score is the mean of per-problem means: repeated rows of a problem are averaged by their samples', () => {
    // q1: 4 samples at 0.75 and 4 at 0.25 → 0.5; q2: 1.0 → score (0.5 + 1) / 2 = 0.75
    const s = scoreInterval([
      { problem: 'q1', score: 0.75, samples: 4 },
      { problem: 'q1', score: 0.25, samples: 4 },
      { problem: 'q2', score: 1, samples: 8 },
    ]);
    expect(s).toMatchObject({ value: 0.75, problems: 2, samples: 8 });
  });

  // Coverage: simulated runs of 30 problems whose true rates are known; the interval must hold the
  // true mean rate about 95% of the time near 0% and 100%. The normal interval p ± 1.96·se, computed
  // here for contrast, covers far less there (it is [0, 0] whenever nothing is solved).
  it.each([
    [0.03, 1],
    [0.97, 1],
    [0.05, 4],
    [0.95, 8],
  ])('30 problems at a true rate of %f with %i samples: coverage ≥ 92%', (rate, samples) => {
    const random = mulberry32(2024);
    const trials = 2_000;
    let covered = 0;
    let normalCovered = 0;
    for (let t = 0; t < trials; t++) {
      // Problems differ: rates spread uniformly over [0, 2·rate] (or mirrored near 100%).
      const rates = Array.from({ length: 30 }, () =>
        rate < 0.5 ? 2 * rate * random() : 1 - 2 * (1 - rate) * random(),
      );
      const truth = rates.reduce((a, b) => a + b, 0) / rates.length;
      const scores = run(30, samples, (i) => {
        let c = 0;
        for (let j = 0; j < samples; j++) if (random() < (rates[i] as number)) c += 1;
        return c;
      });
      const s = scoreInterval(scores);
      if (s && s.ci[0] <= truth && truth <= s.ci[1]) covered += 1;
      const means = scores.map((x) => x.score);
      const m = means.reduce((a, b) => a + b, 0) / 30;
      const se = Math.sqrt(means.reduce((a, x) => a + (x - m) ** 2, 0) / 29 / 30);
      if (m - Z_95 * se <= truth && truth <= m + Z_95 * se) normalCovered += 1;
    }
    expect(covered / trials).toBeGreaterThanOrEqual(0.92);
    if (samples === 1) expect(normalCovered / trials).toBeLessThan(0.85);
  });
});

describe("fallback to LightEval's stderr", () => {
  it('0.60 ± 0.03: Wilson at n = p(1−p)/se² = 266.7, inside [0, 1]', () => {
    // By hand: Wilson(0.6, 266.667) = [0.5401827, 0.6569771].
    const s = intervalFromStderr(0.6, 0.03);
    expect(s?.method).toBe('wilson (LightEval stderr)');
    expect(s?.ci[0]).toBeCloseTo(0.5401827, 6);
    expect(s?.ci[1]).toBeCloseTo(0.6569771, 6);
  });
  it('at 0% LightEval reports stderr 0: the problem count stands in', () => {
    expect(intervalFromStderr(0, 0, 30)?.ci[1]).toBeCloseTo(0.1135134, 6);
    expect(intervalFromStderr(0, 0)).toBeNull();
  });
  it('benchmarkStatistics says when it fell back', () => {
    const stats = benchmarkStatistics({ benchmark: 'aime24', value: 0.3, stderr: 0.08, problems: 30 });
    expect(stats.interval?.method).toBe('wilson (LightEval stderr)');
    expect(stats.detectable).toBeNull();
    expect(stats.note).toMatch(/no per-problem details/);
  });
});

/** Reference permutation test: pools each problem's 0/1 samples, shuffles (Fisher–Yates), re-splits. */
function referencePermutationP(
  current: PerProblemScore[],
  baseline: PerProblemScore[],
  resamples: number,
  seed: number,
): number {
  const random = mulberry32(seed);
  const problems = current.map((c, i) => {
    const b = baseline[i] as PerProblemScore;
    const k = c.samples as number;
    const l = b.samples as number;
    const pooled: number[] = [
      ...Array.from({ length: k }, (_, j) => (j < Math.round(c.score * k) ? 1 : 0)),
      ...Array.from({ length: l }, (_, j) => (j < Math.round(b.score * l) ? 1 : 0)),
    ];
    return { k, l, pooled };
  });
  const deltaOf = (split: { k: number; l: number; pooled: number[] }[]) =>
    split.reduce((s, p) => {
      const x = p.pooled.slice(0, p.k).reduce((a, v) => a + v, 0);
      const y = p.pooled.slice(p.k).reduce((a, v) => a + v, 0);
      return s + x / p.k - y / p.l;
    }, 0) / split.length;
  const observed = Math.abs(deltaOf(problems));
  let extreme = 0;
  for (let r = 0; r < resamples; r++) {
    for (const p of problems) {
      for (let i = p.pooled.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [p.pooled[i], p.pooled[j]] = [p.pooled[j] as number, p.pooled[i] as number];
      }
    }
    if (Math.abs(deltaOf(problems)) >= observed - 1e-12) extreme += 1;
  }
  return (1 + extreme) / (resamples + 1);
}

describe('paired permutation test, problems held fixed', () => {
  it('3 problems, 1 sample each, all won: exact p = 2/8 (only the all-same-sign flips are as extreme)', () => {
    const c = comparePairedPermutation(
      'aime24',
      run(3, 1, () => 1),
      run(3, 1, () => 0),
      {
        resamples: 20_000,
      },
    );
    expect(c?.delta).toBe(1);
    expect(c?.pValue).toBeCloseTo(0.25, 2);
    expect(c).toMatchObject({ method: 'paired permutation', view: 'problems fixed', pairedProblems: 3 });
  });

  it('matches a reference shuffle of pooled samples (30 problems × 4 samples, mixed outcomes)', () => {
    const current = run(30, 4, (i) => [4, 3, 2, 1, 0][i % 5] as number);
    const baseline = run(30, 4, (i) => [3, 3, 1, 1, 0][i % 5] as number);
    const ours = comparePairedPermutation('math_500', current, baseline, { seed: 11 });
    const reference = referencePermutationP(current, baseline, 10_000, 99);
    expect(ours?.delta).toBeCloseTo(2 / 20, 12); // (1 + 0 + 1 + 0 + 0)/4 per 5 problems = 0.1
    expect(Math.abs((ours?.pValue ?? -1) - reference)).toBeLessThan(0.015);
  });

  it('AIME, 30 problems × 64 samples: 32/64 against 29/64 on every problem is a change; with 1 sample it is noise', () => {
    // By hand: Δ = 3/64 = 0.046875; v = p̂(1−p̂)·64/63; se = √(30·(v_c + v_b)/64 / 30²) = 0.0162292;
    // 95% CI = [0.0150663, 0.0786837].
    const many = comparePairedPermutation(
      'aime24',
      run(30, 64, () => 32),
      run(30, 64, () => 29),
      { seed: 3 },
    );
    expect(many?.ci[0]).toBeCloseTo(0.0150663, 6);
    expect(many?.ci[1]).toBeCloseTo(0.0786837, 6);
    expect(many?.pValue).toBeLessThan(0.01);
    expect(many?.verdict).toBe('improved');
    // One sample: 15 of 30 against 14 of 30 (one problem flipped) is within noise.
    const one = comparePairedPermutation(
      'aime24',
      run(30, 1, (i) => (i < 15 ? 1 : 0)),
      run(30, 1, (i) => (i < 14 ? 1 : 0)),
      { seed: 3 },
    );
    expect(one?.verdict).toBe('within noise');
    expect(one?.pValue).toBeGreaterThan(0.5);
  });

  it('compareWithBaseline takes the paired permutation test and says what it assumed', () => {
    const result = compareWithBaseline(
      [{ benchmark: 'aime24', value: 0.5, stderr: 0.09, perProblem: run(30, 64, () => 32) }],
      [{ benchmark: 'aime24', value: 0.45, stderr: 0.09, perProblem: run(30, 64, () => 29) }],
    );
    expect(result.comparisons[0]).toMatchObject({ method: 'paired permutation', view: 'problems fixed' });
    expect(result.assumption).toMatch(/problems held fixed/);
  });
});

describe('smallest detectable change', () => {
  it('30 problems × 64 samples at 50% each: ±3.2 points; ±2 points needs 163 samples', () => {
    // By hand: v̄ = 0.25·64/63 = 0.2539683; 1.959964·√(2·0.2539683/(30·64)) = 0.0318788;
    // k = ⌈2·1.959964²·0.2539683/(30·0.02²)⌉ = ⌈162.60⌉ = 163.
    const d = detectableChange(
      'aime24',
      run(30, 64, () => 32),
      { precision: 0.02 },
    );
    expect(d?.withinVariance).toBeCloseTo(0.2539683, 6);
    expect(d?.minimumChange).toBeCloseTo(0.0318788, 6);
    expect(d?.samplesForPrecision).toBe(163);
    expect(d?.sentence).toBe(
      'aime24: 30 problems × 64 samples: changes under ±3.2 points are noise; ±2.0 points needs 163 samples per problem.',
    );
  });

  it('with 1 sample the pooled p̄(1−p̄) stands in: 15/30 → 1.96·√(2·0.25/30) = ±25.3 points', () => {
    const d = detectableChange(
      'aime24',
      run(30, 1, (i) => (i < 15 ? 1 : 0)),
    );
    expect(d?.minimumChange).toBeCloseTo(Z_95 * Math.sqrt(0.5 / 30), 9);
    expect(d?.sentence).toContain('±25.3 points');
  });

  it('never ±0: a problem solved by all 64 samples still counts half a failure in 65 draws', () => {
    // By hand: p̃ = 0.5/65 = 0.0076923, v = p̃(1 − p̃) = 0.0076331; 1.959964·√(2·0.0076331/(30·64)) = 0.0055267.
    const d = detectableChange(
      'aime24',
      run(30, 64, () => 64),
    );
    expect(d?.minimumChange).toBeCloseTo(0.0055267, 6);
  });

  it('is what the paired test can see: a change at twice the figure is called, one at half is not', () => {
    // 30 problems × 64 samples at 50%: minimum change 3.19 points (above). Shift every problem by
    // 4/64 = 6.25 points (≈ 2×) and by 1/64 = 1.6 points (≈ ½).
    const base = run(30, 64, () => 32);
    expect(
      comparePairedPermutation(
        'x',
        run(30, 64, () => 36),
        base,
        { seed: 5 },
      )?.verdict,
    ).toBe('improved');
    expect(
      comparePairedPermutation(
        'x',
        run(30, 64, () => 33),
        base,
        { seed: 5 },
      )?.verdict,
    ).toBe('within noise');
  });
});
