import { describe, expect, it } from 'vitest';
import {
  benjaminiHochberg,
  comparePaired,
  compareUnpaired,
  compareWithBaseline,
  mulberry32,
  type PerProblemScore,
  twoSidedNormalP,
} from '../../src/stats';

describe('unpaired comparison from two standard errors', () => {
  it('MATH-500 0.60 ± 0.03 against 0.50 ± 0.04 is an improvement', () => {
    // se(Δ) = √(0.03² + 0.04²) = √0.0025 = 0.05; Δ = 0.10; z = 0.10 / 0.05 = 2
    // 95% CI = 0.10 ± 1.959964 × 0.05 = [0.0020018, 0.1979982]; p = 2·(1 − Φ(2)) = 0.0455003
    const c = compareUnpaired('math_500', { value: 0.6, stderr: 0.03 }, { value: 0.5, stderr: 0.04 });
    expect(c.delta).toBeCloseTo(0.1, 12);
    expect(c.ci[0]).toBeCloseTo(0.0020018, 6);
    expect(c.ci[1]).toBeCloseTo(0.1979982, 6);
    expect(c.pValue).toBeCloseTo(0.0455003, 5);
    expect(c.method).toBe('unpaired z-test');
    expect(c.verdict).toBe('improved');
  });

  it('AIME: a 10-point swing on 30 problems is noise', () => {
    // se(Δ) = √(0.092² + 0.0875²) = √0.01612025 = 0.1269655; z = −0.1 / 0.1269655 = −0.78762; p = 0.43092
    const c = compareUnpaired(
      'aime24',
      { value: 1 / 3, stderr: 0.0875 },
      { value: 0.43333333, stderr: 0.092 },
    );
    expect(c.pValue).toBeCloseTo(0.43092, 4);
    expect(c.ci[0]).toBeCloseTo(-0.1 - 1.959964 * 0.1269655, 5);
    expect(c.verdict).toBe('within noise');
  });

  it('a drop beyond the noise is a regression', () => {
    // se(Δ) = √(0.01² + 0.01²) = 0.0141421; z = −0.05 / 0.0141421 = −3.5355; p = 0.000407
    const c = compareUnpaired('gpqa:diamond', { value: 0.3, stderr: 0.01 }, { value: 0.35, stderr: 0.01 });
    expect(c.pValue).toBeCloseTo(0.000407, 5);
    expect(c.verdict).toBe('regressed');
  });

  it('normal tail: p(z = 1.959964) = 0.05', () => {
    expect(twoSidedNormalP(1.959964)).toBeCloseTo(0.05, 6);
    expect(twoSidedNormalP(0)).toBeCloseTo(1, 6);
  });
});

describe('paired bootstrap over problems', () => {
  // 200 problems: 30 solved only by the new model (d = +1), 10 only by the baseline (d = −1), 160 tied (d = 0).
  const problems = Array.from({ length: 200 }, (_, i) => `p${i}`);
  const current: PerProblemScore[] = problems.map((p, i) => ({
    problem: p,
    score: i < 30 ? 1 : i < 40 ? 0 : i % 2,
  }));
  const baseline: PerProblemScore[] = problems.map((p, i) => ({
    problem: p,
    score: i < 30 ? 0 : i < 40 ? 1 : i % 2,
  }));

  it('matches the normal approximation of the mean difference', () => {
    // Δ = (30 − 10) / 200 = 0.1; var(d) = E[d²] − Δ² = 40/200 − 0.01 = 0.19; se = √(0.19 / 200) = 0.0308221
    // normal 95% CI = 0.1 ± 1.959964 × 0.0308221 = [0.03959, 0.16041]; the bootstrap lands within 0.01 of it.
    // McNemar: (30 − 10)² / (30 + 10) = 10, p = 0.00157: the bootstrap p-value must also be far below 5%.
    const c = comparePaired('math_500', current, baseline, { seed: 7 });
    expect(c?.delta).toBeCloseTo(0.1, 12);
    expect(c?.ci[0]).toBeGreaterThan(0.0296);
    expect(c?.ci[0]).toBeLessThan(0.0496);
    expect(c?.ci[1]).toBeGreaterThan(0.1504);
    expect(c?.ci[1]).toBeLessThan(0.1704);
    expect(c?.pValue).toBeLessThan(0.01);
    expect(c).toMatchObject({ method: 'paired bootstrap', pairedProblems: 200, verdict: 'improved' });
  });

  it('pairs by problem, not by position, and is reproducible for a seed', () => {
    const shuffled = [...baseline].reverse();
    const a = comparePaired('math_500', current, shuffled, { seed: 1 });
    const b = comparePaired('math_500', current, baseline, { seed: 1 });
    expect(a).toEqual(b);
    expect(comparePaired('math_500', current, baseline, { seed: 2 })?.ci).not.toEqual(b?.ci);
  });

  it('averages repeated samples of a problem and ignores problems only one side scored', () => {
    // q1: current samples 1, 0, 1, 1 → 0.75; baseline 0.25 → d = 0.5
    // q2: current 0 → baseline 0.5 → d = −0.5;  q3 only in current: dropped.  Δ = (0.5 − 0.5) / 2 = 0
    const c = comparePaired(
      'aime24',
      [
        { problem: 'q1', score: 1 },
        { problem: 'q1', score: 0 },
        { problem: 'q1', score: 1 },
        { problem: 'q1', score: 1 },
        { problem: 'q2', score: 0 },
        { problem: 'q3', score: 1 },
      ],
      [
        { problem: 'q1', score: 0.25 },
        { problem: 'q2', score: 0.5 },
      ],
    );
    expect(c).toMatchObject({
      pairedProblems: 2,
      delta: 0,
      value: 0.375,
      baseline: 0.375,
      verdict: 'within noise',
    });
  });

  it('no shared problems: no paired comparison', () => {
    expect(comparePaired('x', [{ problem: 'a', score: 1 }], [{ problem: 'b', score: 1 }])).toBeNull();
  });

  it('the PRNG is deterministic and uniform enough', () => {
    const r = mulberry32(42);
    const xs = Array.from({ length: 10_000 }, () => r());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 1);
    expect(mulberry32(42)()).toBe(xs[0]);
  });
});

describe('several benchmarks', () => {
  it('Benjamini–Hochberg adjusts p-values step-up', () => {
    // sorted: 0.01 (rank 1), 0.03 (2), 0.04 (3), 0.20 (4); p·m/rank = 0.04, 0.06, 0.05333, 0.20
    // monotone from the top: 0.20, 0.05333, min(0.05333, 0.06) = 0.05333, min(0.05333, 0.04) = 0.04
    const adjusted = benjaminiHochberg([0.01, 0.04, 0.03, 0.2]);
    expect(adjusted[0]).toBeCloseTo(0.04, 10);
    expect(adjusted[1]).toBeCloseTo(0.0533333, 6);
    expect(adjusted[2]).toBeCloseTo(0.0533333, 6);
    expect(adjusted[3]).toBeCloseTo(0.2, 10);
  });

  it('a borderline win alone is "improved" but within noise once four benchmarks are judged together', () => {
    const alone = compareWithBaseline(
      [{ benchmark: 'math_500', value: 0.6, stderr: 0.03 }],
      [{ benchmark: 'math_500', value: 0.5, stderr: 0.04 }],
    );
    expect(alone.comparisons[0]?.verdict).toBe('improved');
    expect(alone.multipleTesting).toContain('tested alone');

    const four = compareWithBaseline(
      [
        { benchmark: 'math_500', value: 0.6, stderr: 0.03 },
        { benchmark: 'aime24', value: 0.3, stderr: 0.08 },
        { benchmark: 'aime25', value: 0.2, stderr: 0.07 },
        { benchmark: 'gpqa:diamond', value: 0.35, stderr: 0.03 },
      ],
      [
        { benchmark: 'math_500', value: 0.5, stderr: 0.04 },
        { benchmark: 'aime24', value: 0.3, stderr: 0.08 },
        { benchmark: 'aime25', value: 0.2, stderr: 0.07 },
        { benchmark: 'gpqa:diamond', value: 0.35, stderr: 0.03 },
      ],
    );
    // math_500 p = 0.0455, the others p = 1: BH gives 0.0455 × 4 / 1 = 0.182 > 0.05.
    expect(four.comparisons[0]?.adjustedPValue).toBeCloseTo(0.182001, 4);
    expect(four.comparisons[0]?.verdict).toBe('within noise');
    expect(four.multipleTesting).toContain('Benjamini–Hochberg');
  });

  it('says why a benchmark was not compared, and prefers the paired test when details exist', () => {
    const perProblem = [
      { problem: 'a', score: 1 },
      { problem: 'b', score: 0 },
    ];
    const result = compareWithBaseline(
      [
        { benchmark: 'math_500', value: 0.5, stderr: 0.3, perProblem },
        { benchmark: 'aime24', value: null, stderr: null },
        { benchmark: 'aime25', value: 0.2, stderr: 0.07 },
      ],
      [
        { benchmark: 'math_500', value: 0.5, stderr: 0.3, perProblem },
        { benchmark: 'aime24', value: 0.3, stderr: 0.08 },
      ],
    );
    expect(result.comparisons.map((c) => [c.benchmark, c.method])).toEqual([
      ['math_500', 'paired permutation'],
    ]);
    expect(result.skipped).toEqual([
      { benchmark: 'aime24', reason: 'no score on one side' },
      { benchmark: 'aime25', reason: 'no baseline result for this benchmark' },
    ]);
  });
});
