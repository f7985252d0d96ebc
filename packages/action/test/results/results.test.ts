import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  collectResults,
  detailsFileFor,
  findDetailsFiles,
  NoResultsFoundError,
  parsePythonJson,
  parseResultsFile,
  parseTaskKey,
  ResultsFileError,
  readDetailsFile,
} from '../../src/results';
import { detailsParquet, writeDetailsFile } from './details-fixture';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/lighteval-results');
const MODEL = 'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B';

function byBenchmark<T extends { benchmark: string }>(rows: T[]): Record<string, T> {
  return Object.fromEntries(rows.map((r) => [r.benchmark, r]));
}

describe('task keys in the three LightEval styles', () => {
  it('reads suite|task|fewshot|truncate, suite|task|fewshot and task|fewshot', () => {
    expect(parseTaskKey('lighteval|math_500|0|0')).toMatchObject({ suite: 'lighteval', task: 'math_500' });
    expect(parseTaskKey('lighteval|gpqa:diamond|0')).toMatchObject({ task: 'gpqa:diamond', fewshot: 0 });
    expect(parseTaskKey('lcb:codegeneration|0')).toMatchObject({ suite: null, task: 'lcb:codegeneration' });
  });
  it('skips the aggregates', () => {
    expect(parseTaskKey('all')).toBeNull();
    expect(parseTaskKey('lighteval|mmlu:_average|5')).toBeNull();
    expect(parseTaskKey('mmlu:_average|0')).toBeNull();
  });
});

describe('Python JSON', () => {
  it('accepts NaN and Infinity outside strings only', () => {
    expect(parsePythonJson('{"a": NaN, "b": -Infinity, "c": "NaN Infinity"}')).toEqual({
      a: Number.NaN,
      b: Number.NEGATIVE_INFINITY,
      c: 'NaN Infinity',
    });
    expect(() => parsePythonJson('{"a": nan}')).toThrow();
  });
});

describe('results files of each LightEval version', () => {
  it('0.8: extractive_match under suite|task|fewshot keys', async () => {
    const { rows, files } = await collectResults(path.join(FIXTURES, 'v0.8'));
    const r = byBenchmark(rows);
    expect(Object.keys(r).sort()).toEqual(['aime24', 'gpqa:diamond', 'math_500']);
    expect(r.math_500).toMatchObject({
      task: 'lighteval|math_500|0',
      metric: 'extractive_match',
      value: 0.828,
      stderr: 0.016872,
      samples: 1,
      problems: 500,
      lightevalVersion: '<=0.10',
    });
    expect(files[0]?.evaluationSeconds).toBe(4187.5);
    expect(files[0]?.modelName).toBe(MODEL);
  });

  it('0.10: picks the pass@1 estimate over the most samples, and LiveCodeBench from the extended suite', async () => {
    const r = byBenchmark((await collectResults(path.join(FIXTURES, 'v0.10'))).rows);
    expect(r.math_500).toMatchObject({ metric: 'math_pass@1:4_samples', value: 0.8285, samples: 4 });
    expect(r.aime24).toMatchObject({ metric: 'math_pass@1:64_samples', samples: 64, problems: 30 });
    expect(r['gpqa:diamond']).toMatchObject({ metric: 'gpqa_pass@1:8_samples', samples: 8 });
    expect(r['lcb:codegeneration']).toMatchObject({
      task: 'extended|lcb:codegeneration|0',
      metric: 'codegen_pass@1:16',
      samples: 16,
      problems: 279,
    });
  });

  it('0.12: sample-parameter names; a NaN stderr is kept as "no stderr" with a note', async () => {
    const r = byBenchmark((await collectResults(path.join(FIXTURES, 'v0.12'))).rows);
    expect(r.math_500).toMatchObject({
      metric: 'pass@k:k=1&n=1',
      value: 0.834,
      lightevalVersion: '0.12.0',
    });
    expect(r.aime24).toMatchObject({ metric: 'pass@k:k=1', samples: null });
    expect(r['gpqa:diamond']).toMatchObject({ metric: 'gpqa_pass@k:k=1' });
    expect(r.aime25?.value).toBeCloseTo(0.2333333, 6);
    expect(r.aime25?.stderr).toBeNull();
    expect(r.aime25?.notes.join()).toContain('NaN');
  });

  it('0.13: task|fewshot keys, newest file wins per task, NaN score and missing stderr', async () => {
    const { rows, files } = await collectResults(path.join(FIXTURES, 'v0.13'));
    const r = byBenchmark(rows);
    expect(files.map((f) => f.timestamp)).toEqual(['2025-12-01T09-00-00', '2025-12-02T14-30-05.250000']);
    expect(r.math_500).toMatchObject({ task: 'math_500|0', value: 0.84, lightevalVersion: '>=0.12.1' });
    expect(r.math_500?.timestamp).toBe('2025-12-02T14-30-05.250000');
    expect(r.aime25).toMatchObject({ value: 0.2, timestamp: '2025-12-01T09-00-00' });
    expect(r.aime24).toMatchObject({ value: null, stderr: null });
    expect(r.aime24?.notes.join()).toMatch(/NaN.*no score/);
    expect(r['gpqa:diamond']).toMatchObject({ stderr: null });
    expect(r['gpqa:diamond']?.notes.join()).toContain('no standard error');
  });

  it('reports the version the caller ran instead of the inferred range', async () => {
    const { rows } = await collectResults(path.join(FIXTURES, 'v0.13'), { lightevalVersion: '0.13.0' });
    expect(rows.every((r) => r.lightevalVersion === '0.13.0')).toBe(true);
  });

  it('a truncated file is an error naming the file', async () => {
    const dir = path.join(FIXTURES, 'truncated');
    await expect(collectResults(dir)).rejects.toThrow(ResultsFileError);
    await expect(collectResults(dir)).rejects.toThrow(
      /results_2025-10-22T10-00-00\.000001\.json.*not valid JSON/,
    );
  });

  it('a file of the wrong shape names the file and the place', () => {
    expect(() => parseResultsFile('{"results": {}}', 'x/results_2025-01-01T00-00-00.json')).toThrow(
      /results_2025-01-01T00-00-00\.json: unexpected shape at config_general/,
    );
  });

  it('an empty directory says where it looked', async () => {
    const empty = await mkdtemp(path.join(tmpdir(), 'results-'));
    await expect(collectResults(empty)).rejects.toThrow(NoResultsFoundError);
  });

  it('a metric name nobody knows is no score with a note, never a zero', () => {
    const text = JSON.stringify({
      config_general: {},
      results: { 'math_500|0': { 'brand_new@1': 0.5 } },
      versions: {},
    });
    const [row] = parseResultsFile(text, 'results_2026-01-01T00-00-00.json').rows;
    expect(row).toMatchObject({ value: null, metric: '' });
    expect(row?.notes[0]).toContain('brand_new@1');
  });
});

describe('details parquet', () => {
  const problems = [
    { query: 'What is 1+1?', score: 1 },
    { query: 'What is 2+2?', score: 0.75 },
    { query: 'What is 3+3?', score: 0 },
  ];

  it.each(['doc-metric', 'flat-metrics'] as const)('reads per-problem scores (%s columns)', async (style) => {
    const out = await mkdtemp(path.join(tmpdir(), 'details-'));
    await cp(path.join(FIXTURES, 'v0.13'), out, { recursive: true });
    const ts = '2025-12-02T14-30-05.250000';
    await writeDetailsFile(out, MODEL, 'math_500|0', ts, detailsParquet(style, 'pass@k:k=1&n=1', problems));
    const { rows } = await collectResults(out);
    const row = rows.find((r) => r.benchmark === 'math_500');
    const file = detailsFileFor(await findDetailsFiles(out), row ?? { task: '', timestamp: '' });
    expect(file).toBeDefined();
    const scores = await readDetailsFile(file as string, row?.metric ?? '');
    expect(scores).toEqual(problems.map((p) => ({ problem: p.query, score: p.score })));
  });

  it('a file that is not parquet is an error naming it', async () => {
    const file = path.join(FIXTURES, 'v0.8/results', MODEL, 'results_2025-02-14T09-12-44.512349.json');
    expect((await readFile(file)).length).toBeGreaterThan(0);
    await expect(readDetailsFile(file, 'x')).rejects.toThrow(/results_2025-02-14.*parquet/);
  });
});
