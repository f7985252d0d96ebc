import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../../../test/support/cli';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/lighteval-results');

const cli = (...argv: string[]) => runCliCaptured(argv);

describe('model-eval results', () => {
  it('prints the newest score per benchmark with its 95% interval and notes', async () => {
    const { code, stdout } = await cli('results', path.join(FIXTURES, 'v0.13'));
    expect(code).toBe(0);
    // 0.84 ± 1.96 × 0.016394 = 84.0 ± 3.2
    expect(stdout).toMatch(/math_500\s+pass@k:k=1&n=1\s+84\.0 ± 3\.2\s+1\s+500\s+>=0\.12\.1/);
    expect(stdout).toMatch(/aime24\s+pass@k:k=1\s+no score/);
    expect(stdout).toContain('aime24: LightEval reported NaN');
    expect(stdout).toContain('2 results files read');
  });

  it('--json gives rows with null for a missing score', async () => {
    const { code, stdout } = await cli('results', path.join(FIXTURES, 'v0.13'), '--json');
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as { rows: { benchmark: string; value: number | null }[] };
    expect(parsed.rows.map((r) => [r.benchmark, r.value])).toEqual([
      ['aime24', null],
      ['aime25', 0.2],
      ['gpqa:diamond', 0.3484848484848485],
      ['math_500', 0.84],
    ]);
  });

  it('a truncated file fails naming the file', async () => {
    const { code, stderr } = await cli('results', path.join(FIXTURES, 'truncated'));
    expect(code).toBe(2);
    expect(stderr).toContain('results_2025-10-22T10-00-00.000001.json');
    expect(stderr).toContain('truncated');
  });
});
