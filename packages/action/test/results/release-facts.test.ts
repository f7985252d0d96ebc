import path from 'node:path';
import { benchmarkCatalog } from '@model-eval/planner';
import { describe, expect, it } from 'vitest';
import { release, releaseVersions } from '../../../../test/fixtures/lighteval-facts/facts';
import { runCliCaptured } from '../../../../test/support/cli';
import { pickHeadlineMetric } from '../../src/results';

// The parser's metric names held against the fact table: a name a release writes for a catalog
// benchmark that the parser does not know would become "no score" after hours in the queue.

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/lighteval-results');
const cli = (...argv: string[]) => runCliCaptured(argv);

describe.each(releaseVersions)('metric names LightEval %s writes', (version) => {
  it.each(benchmarkCatalog.map((b) => b.name))('%s: the parser finds a pass@1 among them', (name) => {
    const names = release(version).benchmarks[name]?.value.metricNames ?? [];
    expect(names.length).toBeGreaterThan(0);
    expect(pickHeadlineMetric(name, names), `${version} ${name}: ${names.join(', ')}`).not.toBeNull();
  });
});

describe('model-eval results on files in the 0.11.0 and 0.12.1 formats', () => {
  it('0.11.0: pass@k_with_k&n, pass@k_with_k, gpqa_pass@k_with_k all give a score', async () => {
    const { code, stdout } = await cli('results', path.join(FIXTURES, 'v0.11.0'), '--json');
    expect(code).toBe(0);
    const rows = (
      JSON.parse(stdout) as { rows: { benchmark: string; metric: string; value: number | null }[] }
    ).rows;
    expect(rows.map((r) => [r.benchmark, r.metric])).toEqual([
      ['aime24', 'pass@k_with_k'],
      ['aime25', 'pass@k_with_k&n'],
      ['gpqa:diamond', 'gpqa_pass@k_with_k'],
      ['lcb:codegeneration', 'codegen_pass@1:16'],
      ['math_500', 'pass@k_with_k&n'],
    ]);
    expect(rows.every((r) => typeof r.value === 'number')).toBe(true);
  });

  it('0.12.1: task|fewshot keys (suite dropped from the registry), pass@k beside avg@n for AIME', async () => {
    const { code, stdout } = await cli('results', path.join(FIXTURES, 'v0.12.1'), '--json');
    expect(code).toBe(0);
    const rows = (
      JSON.parse(stdout) as {
        rows: { benchmark: string; task: string; metric: string; lightevalVersion: string }[];
      }
    ).rows;
    expect(rows.find((r) => r.benchmark === 'aime24')).toMatchObject({
      task: 'aime24|0',
      metric: 'pass@k:k=1',
      lightevalVersion: '>=0.12.1',
    });
    expect(rows).toHaveLength(5);
  });
});
