import { readFileSync } from 'node:fs';
import { getBenchmark, type PlannedJob } from '@model-eval/planner';
import { describe, expect, it } from 'vitest';
import { resolveSettings, SettingsError, type SettingsSources } from '../../src/config';
import { rederiveRunId } from '../../src/run/pin-revision';
import {
  ASSUMED_WITHIN_VARIANCE,
  applyPrecision,
  GpuBudgetError,
  samplesForPrecision,
  withinBudget,
} from '../../src/run/precision';
import type { RunSettings } from '../../src/run/run-settings';
import { detectableChange } from '../../src/stats';

const Z = 1.959963984540054;

function settingsFor(overrides: Partial<RunSettings> = {}): RunSettings {
  return {
    model: 'o/m',
    benchmarks: ['aime24', 'math_500'],
    cluster: { gpusPerNode: 8, gpuMemoryGiB: 80, maxNodes: 1 },
    slurm: { setup: [] },
    remoteDir: '/tmp/runs',
    runId: '',
    runIdPrefix: [],
    simulate: true,
    maxOomEscalations: 0,
    ...overrides,
  };
}

describe('precision sets the samples per problem', () => {
  it('without a baseline: the worst-case variance ¼, AIME 2024 ±2 points needs 161 samples, MATH-500 10', () => {
    // By hand: k = ⌈2·1.96²·0.25 / (m·0.02²)⌉: AIME m = 30: ⌈1.92073/0.012⌉ = ⌈160.06⌉ = 161;
    // MATH-500 m = 500: ⌈1.92073/0.2⌉ = ⌈9.60⌉ = 10.
    expect(samplesForPrecision(getBenchmark('aime24'), 0.02)?.samples).toBe(161);
    expect(samplesForPrecision(getBenchmark('math_500'), 0.02)?.samples).toBe(10);
    expect(samplesForPrecision(getBenchmark('aime24'), 0.02)?.line).toContain(
      `assumed the worst-case v̄ = ${ASSUMED_WITHIN_VARIANCE}`,
    );
  });

  it('with seeds: the needed generations per problem spread over the seed jobs, rounded up', () => {
    // By hand: AIME needs 161 per problem (above); over 3 seeds ⌈161/3⌉ = 54 each (162 in all).
    const applied = applyPrecision(settingsFor({ precision: 0.02, seeds: 3 }));
    const aime = applied.settings.benchmarkDefinitions?.find((b) => b.name === 'aime24');
    expect(aime?.samplesPerPrompt).toBe(54);
    expect(applied.lines.join('\n')).toMatch(/54 per seed job × 3 seeds/);
    expect(
      applyPrecision(settingsFor({ precision: 0.02 })).settings.benchmarkDefinitions?.[0]?.samplesPerPrompt,
    ).toBe(161);
  });

  it("from a baseline's details: the count at which the smallest detectable change first reaches the target", () => {
    // 30 problems × 8 samples: problem i solved (i mod 9) of 8 times.
    const scores = Array.from({ length: 30 }, (_, i) => ({
      problem: `p${i}`,
      score: (i % 9) / 8,
      samples: 8,
    }));
    const design = detectableChange('aime24', scores);
    if (!design) throw new Error('no design');
    const set = samplesForPrecision(getBenchmark('aime24'), 0.03, {
      withinVariance: design.withinVariance,
      problems: 30,
      source: 'baseline v1',
    });
    if (!set) throw new Error('no samples');
    const detectableAt = (k: number) => Z * Math.sqrt((2 * design.withinVariance) / (30 * k));
    expect(detectableAt(set.samples)).toBeLessThanOrEqual(0.03);
    expect(detectableAt(set.samples - 1)).toBeGreaterThan(0.03);
    expect(detectableChange('aime24', scores, { precision: 0.03 })?.samplesForPrecision).toBe(set.samples);
    expect(set.line).toContain('from baseline v1');
  });

  it('the counts join the run definition: another precision is another run id', () => {
    const two = applyPrecision(settingsFor({ precision: 0.02 }));
    const five = applyPrecision(settingsFor({ precision: 0.05 }));
    expect(two.settings.benchmarkDefinitions?.map((b) => [b.name, b.samplesPerPrompt])).toEqual([
      ['aime24', 161],
      ['math_500', 10],
    ]);
    expect(two.settings.samplesFromPrecision).toEqual(['aime24', 'math_500']);
    expect(rederiveRunId(two.settings).runId).not.toBe(rederiveRunId(five.settings).runId);
    expect(applyPrecision(settingsFor()).settings.benchmarkDefinitions).toBeUndefined();
  });
});

/** A plan whose estimate is 0.01 GPU-hours per sample per problem (enough to test the budget rules). */
function planOf(benchmarks: { name: string; samplesPerPrompt: number }[]): { jobs: PlannedJob[] } {
  const hours = benchmarks.reduce((s, b) => s + 0.01 * b.samplesPerPrompt, 0);
  const job = {
    benchmarks: benchmarks.map((b) => b.name),
    samples: benchmarks.map((b) => ({
      benchmark: b.name,
      requested: b.samplesPerPrompt,
      drawn: b.samplesPerPrompt,
      suffix: '',
      problems: 30,
    })),
    cost: {
      completions: 0,
      estimatedTokens: 0,
      estimatedOutputTokens: 0,
      assumedTokensPerSecondPerGpu: 1,
      estimatedGpuHours: hours,
      uncounted: [],
    },
  } as unknown as PlannedJob;
  return { jobs: [job] };
}

describe('max-gpu-hours holds the plan to a budget', () => {
  it('within it: the plan as it is; above it with counts the user set: refused, with the estimate, the budget and the way out', () => {
    const lines: string[] = [];
    const settings = settingsFor({ maxGpuHours: 1 });
    const plan = planOf([{ name: 'aime24', samplesPerPrompt: 64 }]);
    expect(withinBudget(settings, plan, planOf, (l) => lines.push(l))).toBe(plan);
    const over = settingsFor({ maxGpuHours: 0.5 });
    expect(() => withinBudget(over, plan, planOf, () => {})).toThrow(GpuBudgetError);
    expect(() => withinBudget(over, plan, planOf, () => {})).toThrow(
      /estimated at 0\.6 GPU-hours \(aime24 30 × 64; an ESTIMATE.*above max-gpu-hours 0\.5/,
    );
  });

  it('counts precision set are capped to fit (k·budget/estimate, floored), and the run says the precision is not reached', () => {
    const applied = applyPrecision(settingsFor({ precision: 0.02, maxGpuHours: 1 })).settings;
    const definitions = applied.benchmarkDefinitions ?? [];
    const lines: string[] = [];
    const plan = withinBudget(applied, planOf(definitions), planOf, (l) => lines.push(l));
    // Estimate 0.01·(161 + 10) = 1.71 > 1: factor 1/1.71 = 0.5848 → aime24 ⌊94.15⌋ = 94, math_500 ⌊5.85⌋ = 5.
    expect(plan.jobs[0]?.samples?.map((s) => [s.benchmark, s.drawn])).toEqual([
      ['aime24', 94],
      ['math_500', 5],
    ]);
    expect(lines.join('\n')).toMatch(/capped to fit \(estimated 1\.7 → 1\.0 GPU-hours\).*not reached/);
  });
});

describe('precision and max-gpu-hours as inputs and config keys', () => {
  const pushTag: unknown = JSON.parse(
    readFileSync(new URL('../../../../test/fixtures/events/push-tag.json', import.meta.url), 'utf8'),
  );
  const resolve = (config: string, inputs: Record<string, string> = {}) => {
    const sources: SettingsSources = {
      eventName: 'push',
      eventPayload: pushTag,
      getInput: (name) => inputs[name] ?? '',
      setSecret: () => {},
      readConfigFile: (path) => (path === '.github/model-eval.yml' ? config : undefined),
    };
    const outcome = resolveSettings(sources);
    if (outcome.kind !== 'run') throw new Error('skipped');
    return outcome.settings;
  };
  const base =
    'model: deepseek-ai/DeepSeek-R1-Distill-Qwen-7B\ncluster:\n  gpus-per-node: 8\n  gpu-memory-gib: 80\n';

  it('points in, a fraction out; the input wins over the config file', () => {
    expect(resolve(`${base}precision: 2\nmax-gpu-hours: 40\n`)).toMatchObject({
      precision: 0.02,
      maxGpuHours: 40,
    });
    expect(resolve(`${base}precision: 2\n`, { precision: '1.5', 'max-gpu-hours': '8' })).toMatchObject({
      precision: 0.015,
      maxGpuHours: 8,
    });
  });

  it('refuses what is not a number of points or hours, naming the input or key', () => {
    expect(() => resolve(base, { precision: 'two' })).toThrow(/input 'precision' is 'two'/);
    expect(() => resolve(base, { precision: '150' })).toThrow(/below 100/);
    expect(() => resolve(base, { 'max-gpu-hours': '0' })).toThrow(SettingsError);
    expect(() => resolve(`${base}precision: -1\n`)).toThrow(/precision/);
  });
});
