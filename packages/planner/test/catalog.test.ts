import { describe, expect, it } from 'vitest';
import { benchmarkCatalog, getBenchmark, lightevalTaskString, UnknownBenchmarkError } from '../src/index';

describe('benchmark catalog', () => {
  it('uses open-r1 generation settings for every benchmark', () => {
    for (const b of benchmarkCatalog) {
      expect([b.name, b.temperature, b.topP, b.maxNewTokens]).toEqual([b.name, 0.6, 0.95, 32_768]);
    }
  });

  it('samples AIME 64 times, MATH-500 4, GPQA 8, LiveCodeBench 16 (extended suite)', () => {
    expect(getBenchmark('aime24').samplesPerPrompt).toBe(64);
    expect(getBenchmark('aime25').samplesPerPrompt).toBe(64);
    expect(getBenchmark('math_500').samplesPerPrompt).toBe(4);
    expect(getBenchmark('gpqa:diamond').samplesPerPrompt).toBe(8);
    expect(getBenchmark('lcb:codegeneration')).toMatchObject({ suite: 'extended', samplesPerPrompt: 16 });
  });

  it('rejects an unknown name with a hint listing the known ones', () => {
    const error = (() => {
      try {
        getBenchmark('mmlu');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnknownBenchmarkError);
    expect((error as UnknownBenchmarkError).hint).toContain('gpqa:diamond');
  });

  it.each([
    ['0.8.0', 'lighteval|gpqa:diamond|0|0', 'extended|lcb:codegeneration|0|0'],
    ['0.10.0', 'lighteval|gpqa:diamond|0|0', 'extended|lcb:codegeneration|0|0'],
    ['0.11.0', 'lighteval|gpqa:diamond|0', 'extended|lcb:codegeneration|0'],
    // 0.12.0 registers LiveCodeBench under `lighteval` (src/lighteval/tasks/tasks/lcb/main.py at v0.12.0).
    ['0.12.0', 'lighteval|gpqa:diamond|0', 'lighteval|lcb:codegeneration|0'],
    // 0.12.1 keys the registry by task name: the suite form only earns a deprecation warning.
    ['0.12.1', 'gpqa:diamond|0', 'lcb:codegeneration|0'],
    ['0.12.2', 'gpqa:diamond|0', 'lcb:codegeneration|0'],
    ['0.13.0', 'gpqa:diamond|0', 'lcb:codegeneration|0'],
    ['1.0.0', 'gpqa:diamond|0', 'lcb:codegeneration|0'],
  ])('LightEval %s task strings: %s, %s', (version, gpqa, lcb) => {
    expect(lightevalTaskString(getBenchmark('gpqa:diamond'), version)).toBe(gpqa);
    expect(lightevalTaskString(getBenchmark('lcb:codegeneration'), version)).toBe(lcb);
  });

  it('refuses LightEval versions before 0.8', () => {
    expect(() => lightevalTaskString(getBenchmark('aime24'), '0.7.0')).toThrow(/not supported/);
  });
});
