import { describe, expect, it } from 'vitest';
import {
  benchmarkCatalog,
  buildLightevalArgs,
  getBenchmark,
  lightevalTaskString,
  samplesPlanFor,
  UnknownBenchmarkError,
} from '../src/index';
import { commandInput } from './fixtures';

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
    // From 0.11 `@n=8` asks for GPQA's samples; LiveCodeBench's metric cannot be asked (it draws one).
    ['0.11.0', 'lighteval|gpqa:diamond@n=8|0', 'extended|lcb:codegeneration|0'],
    // 0.12.0 registers LiveCodeBench under `lighteval` (src/lighteval/tasks/tasks/lcb/main.py at v0.12.0).
    ['0.12.0', 'lighteval|gpqa:diamond@n=8|0', 'lighteval|lcb:codegeneration|0'],
    // 0.12.1 keys the registry by task name: the suite form only earns a deprecation warning.
    ['0.12.1', 'gpqa:diamond@n=8|0', 'lcb:codegeneration|0'],
    ['0.12.2', 'gpqa:diamond@n=8|0', 'lcb:codegeneration|0'],
    ['0.13.0', 'gpqa:diamond@n=8|0', 'lcb:codegeneration|0'],
    ['1.0.0', 'gpqa:diamond@n=8|0', 'lcb:codegeneration|0'],
  ])('LightEval %s task strings: %s, %s', (version, gpqa, lcb) => {
    expect(lightevalTaskString(getBenchmark('gpqa:diamond'), version)).toBe(gpqa);
    expect(lightevalTaskString(getBenchmark('lcb:codegeneration'), version)).toBe(lcb);
  });

  it('refuses LightEval versions before 0.8', () => {
    expect(() => lightevalTaskString(getBenchmark('aime24'), '0.7.0')).toThrow(/not supported/);
  });
});

describe('samples per problem, as each release can be asked', () => {
  it('from 0.11 the task string asks for the configured count; 1 sample needs no suffix', () => {
    const aime32 = { ...getBenchmark('aime24'), samplesPerPrompt: 32 };
    expect(lightevalTaskString(aime32, '0.13.0')).toBe('aime24@n=32|0');
    expect(samplesPlanFor(aime32, '0.13.0')).toEqual({
      benchmark: 'aime24',
      requested: 32,
      drawn: 32,
      suffix: '@n=32',
    });
    expect(lightevalTaskString({ ...aime32, samplesPerPrompt: 1 }, '0.11.0')).toBe('lighteval|aime24|0');
  });

  it('up to 0.10 the metric list fixes the count: a different request is a warning, not a command-line change', () => {
    const aime32 = { ...getBenchmark('aime24'), samplesPerPrompt: 32 };
    const plan = samplesPlanFor(aime32, '0.10.0');
    expect(plan).toMatchObject({ requested: 32, drawn: 64, suffix: '' });
    expect(plan.warning).toMatch(/32 samples per problem asked, LightEval 0.10.0 draws 64/);
    expect(lightevalTaskString(aime32, '0.10.0')).toBe('lighteval|aime24|0|0');
    // 0.8 names only extractive_match for the math tasks: one sample, whatever is asked.
    expect(samplesPlanFor(getBenchmark('math_500'), '0.8.0')).toMatchObject({ requested: 4, drawn: 1 });
    expect(samplesPlanFor(getBenchmark('math_500'), '0.9.0')).toMatchObject({ requested: 4, drawn: 4 });
    expect(samplesPlanFor(getBenchmark('math_500'), '0.9.0').warning).toBeUndefined();
  });

  it('LiveCodeBench draws 16 up to 0.10 and one from 0.11, and the plan says so', () => {
    const lcb = getBenchmark('lcb:codegeneration');
    expect(samplesPlanFor(lcb, '0.10.0')).toEqual({
      benchmark: 'lcb:codegeneration',
      requested: 16,
      drawn: 16,
      suffix: '',
    });
    const plan = samplesPlanFor(lcb, '0.12.2');
    expect(plan).toMatchObject({ requested: 16, drawn: 1, suffix: '' });
    expect(plan.warning).toMatch(/not a sampling metric/);
  });

  it('the command states the cost: completions = problems × samples, tokens estimated from prompt + half of max_new_tokens', () => {
    const cmd = buildLightevalArgs(
      commandInput({
        benchmarks: [getBenchmark('aime24'), getBenchmark('lcb:codegeneration')],
        lightevalVersion: '0.13.0',
      }),
    );
    // AIME24: 30 × 64 = 1,920 completions; (1,024 + 16,384) × 1,920 = 33,423,360 tokens; bound (1,024 + 32,768) × 1,920.
    expect(cmd.samples[0]).toMatchObject({
      problems: 30,
      drawn: 64,
      completions: 1_920,
      estimatedTokens: 33_423_360,
      maxTokens: 64_880_640,
    });
    // LiveCodeBench on 0.13: 167 problems × 1.
    expect(cmd.samples[1]).toMatchObject({ problems: 167, drawn: 1, completions: 167 });
    expect(cmd.warnings).toEqual([
      expect.stringMatching(/^lcb:codegeneration: 16 samples per problem asked/),
    ]);
  });
});

describe('prediction cache inside the run', () => {
  const input = commandInput({ revision: 'main', benchmarks: [getBenchmark('aime24')] });
  it('from 0.11 the model args set cache_dir, relative to the job directory (default) or as given', () => {
    expect(buildLightevalArgs({ ...input, lightevalVersion: '0.11.0' }).modelArgs).toContain(
      ',cache_dir=lighteval-cache,',
    );
    expect(
      buildLightevalArgs({ ...input, lightevalVersion: '0.13.0', cacheDir: '/scratch/run-1/cache' })
        .modelArgs,
    ).toContain(',cache_dir=/scratch/run-1/cache,');
  });
  it('up to 0.10 there is no prediction cache and the key would be refused: not passed', () => {
    expect(buildLightevalArgs({ ...input, lightevalVersion: '0.10.0' }).modelArgs).not.toContain('cache_dir');
  });
});
