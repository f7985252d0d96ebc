import { describe, expect, it } from 'vitest';
import { getBenchmark, samplesPlanFor } from '../src/catalog';
import { assumedTokensPerSecondPerGpu, costLine, jobCost, THROUGHPUT_ASSUMPTION } from '../src/cost';
import { samplesCost } from '../src/lighteval-args';

describe('what the samples cost (an estimate at a stated throughput)', () => {
  it('AIME 2024 × 64 on a 7.62 B model: 1,920 completions, 31,457,280 output tokens, 2.60 GPU-hours at 3,363 tokens/s', () => {
    const aime = getBenchmark('aime24');
    const samples = [samplesCost(samplesPlanFor(aime, '0.13.0'), aime, 32_768)];
    const cost = jobCost(samples, 32_768, 7.62e9);
    // By hand: 30 problems × 64 = 1,920; 1,920 × 16,384 = 31,457,280 output tokens;
    // 31,457,280 / 3,363 / 3,600 = 2.5983 GPU-hours. Tokens: 1,920 × (1,024 + 16,384) = 33,423,360.
    expect(cost.completions).toBe(1_920);
    expect(cost.estimatedOutputTokens).toBe(31_457_280);
    expect(cost.estimatedTokens).toBe(33_423_360);
    expect(cost.assumedTokensPerSecondPerGpu).toBe(3_363);
    expect(cost.estimatedGpuHours).toBeCloseTo(2.5983, 4);
    expect(costLine(cost)).toMatch(
      /^ESTIMATE: 1,920 completions, ~33\.4 M tokens, ~2\.6 GPU-hours at an assumed 3,363 output tokens\/s per GPU/,
    );
    expect(costLine(cost)).toContain(THROUGHPUT_ASSUMPTION.source);
  });

  it('scales inversely with parameters, and leaves out a benchmark whose problem count is unknown', () => {
    // 70 B reads 70/7.62 = 9.186× the weights per token: 3,363 / 9.186 = 366.1 tokens/s.
    expect(assumedTokensPerSecondPerGpu(70e9)).toBeCloseTo(366.09, 1);
    const custom = { ...getBenchmark('math_500'), name: 'mine', problems: undefined };
    const cost = jobCost([samplesCost(samplesPlanFor(custom, '0.13.0'), custom, 32_768)], 32_768, 7.62e9);
    expect(cost.completions).toBe(0);
    expect(cost.uncounted).toEqual(['mine']);
    expect(costLine(cost)).toContain('not counted: mine');
  });
});
