import { describe, expect, it } from 'vitest';
import { judgeCommand, release, releaseVersions } from '../../../test/fixtures/lighteval-facts/facts';
import {
  LIGHTEVAL_DEFAULT_SEED,
  nextLargerPlan,
  PlanError,
  planEvaluation,
  planToJson,
  renderPlanText,
  samplingSeeds,
} from '../src';
import { fixtureFacts } from './fixtures';

// `seeds: N` plans each job once per sampling seed. The seed goes where each LightEval release takes
// it (checked against the fact table read from LightEval's source at each tag, not against our belief).

const h100 = { gpusPerNode: 8, gpuMemoryGiB: 80, maxNodes: 1 };
const twoNodes = { gpusPerNode: 8, gpuMemoryGiB: 24, maxNodes: 2 };
const qwen7b = () => fixtureFacts('deepseek-ai/DeepSeek-R1-Distill-Qwen-7B');

/** `generation_parameters={k:v,...}` cut out as LightEval does, as a map. */
function generationParameters(modelArgs: string): Map<string, string> {
  const inner = /generation_parameters=\{(.*?)\}/.exec(modelArgs)?.[1] ?? '';
  return new Map(inner.split(',').map((pair) => pair.split(':') as [string, string]));
}
const topLevelArgs = (modelArgs: string): string[] =>
  modelArgs.replace(/generation_parameters=\{.*?\},?/, '').split(',');

describe('sampling seeds', () => {
  it('start at LightEval’s default seed (VLLMModelConfig’s, a field in every release)', () => {
    expect(samplingSeeds(3)).toEqual([1234, 1235, 1236]);
    // Every release's VLLMModelConfig has a `seed` field (its default, 1234, is in its docstring).
    for (const version of releaseVersions)
      expect(release(version).modelArgs.value.keys).toHaveProperty('seed');
    expect(LIGHTEVAL_DEFAULT_SEED).toBe(1234);
  });

  it('refuses a count that is not 1 to 16', () => {
    for (const bad of [0, -1, 2.5, 17]) {
      expect(() => planEvaluation({ facts: qwen7b(), cluster: h100, seeds: bad })).toThrow(PlanError);
    }
    expect(() => samplingSeeds(17)).toThrow(/1 to 16/);
  });

  it('one seed plans exactly what a plan without seeds does (no seed in the command)', () => {
    const plain = planEvaluation({ facts: qwen7b(), cluster: h100 });
    const one = planEvaluation({ facts: qwen7b(), cluster: h100, seeds: 1 });
    expect(one.jobs).toEqual(plain.jobs);
    expect(plain.jobs[0]?.lightevalModelArgs).not.toMatch(/seed[=:]/);
    expect(plain.jobs[0]?.seed).toBeUndefined();
  });

  it.each(releaseVersions)(
    'LightEval %s: a job per seed, seed:S in generation parameters the release accepts',
    (version) => {
      const plan = planEvaluation({
        facts: qwen7b(),
        cluster: h100,
        lightevalVersion: version,
        jobPerBenchmark: true,
        benchmarks: ['aime24', 'math_500'],
        seeds: 3,
      });
      expect(plan.jobs.map((j) => [j.benchmarks.join(), j.seed])).toEqual([
        ['aime24', 1234],
        ['aime24', 1235],
        ['aime24', 1236],
        ['math_500', 1234],
        ['math_500', 1235],
        ['math_500', 1236],
      ]);
      for (const job of plan.jobs) {
        expect(generationParameters(job.lightevalModelArgs).get('seed')).toBe(String(job.seed));
        expect(release(version).generationParameters.value.keys).toHaveProperty('seed');
        // Not the model args' `seed`: v0.8.0 hands that one to vLLM unconverted, as a string.
        expect(topLevelArgs(job.lightevalModelArgs).some((a) => a.startsWith('seed='))).toBe(false);
        expect(judgeCommand(version, job.lightevalArgv).refused).toEqual([]);
        // Only the seed differs between a group's jobs.
        const first = plan.jobs.find((j) => j.benchmarks.join() === job.benchmarks.join());
        expect(job.lightevalModelArgs.replace(/seed:\d+/, '')).toBe(
          first?.lightevalModelArgs.replace(/seed:\d+/, ''),
        );
      }
    },
  );

  it('the serve route sends the seed with each request (GenerationParameters.seed), which every release has', () => {
    for (const version of releaseVersions.filter((v) => v !== '0.8.0')) {
      const plan = planEvaluation({
        facts: fixtureFacts('deepseek-ai/DeepSeek-R1-Distill-Llama-70B'),
        cluster: twoNodes,
        lightevalVersion: version,
        route: 'serve',
        seeds: 2,
      });
      expect(plan.jobs.map((j) => j.seed)).toEqual([1234, 1235]);
      for (const job of plan.jobs) {
        expect(job.lightevalArgv.slice(0, 3)).toEqual(['lighteval', 'endpoint', 'litellm']);
        expect(generationParameters(job.lightevalModelArgs).get('seed')).toBe(String(job.seed));
        expect(release(version).generationParameters.value.keys).toHaveProperty('seed');
        // LiteLLMModelConfig has no top-level seed: it would be refused there.
        expect(topLevelArgs(job.lightevalModelArgs).some((a) => a.startsWith('seed='))).toBe(false);
      }
    }
  });

  it('the plan says which seeds, each job names its seed, JSON carries it, costs count every seed', () => {
    const plan = planEvaluation({ facts: qwen7b(), cluster: h100, benchmarks: ['aime24'], seeds: 2 });
    const text = renderPlanText(plan);
    expect(text).toMatch(/^Seeds {4}2 \(1234, 1235\): each benchmark runs once per seed/m);
    expect(text).toContain('Job 1: aime24 (seed 1234)');
    expect(text).toContain('Job 2: aime24 (seed 1235)');
    expect(planToJson(plan).jobs.map((j) => j.seed)).toEqual([1234, 1235]);
    const single = planEvaluation({ facts: qwen7b(), cluster: h100, benchmarks: ['aime24'] });
    expect(planToJson(single).jobs.map((j) => j.seed)).toEqual([null]);
    const gpuHours = (p: typeof plan) => p.jobs.reduce((sum, j) => sum + (j.cost?.estimatedGpuHours ?? 0), 0);
    expect(gpuHours(single)).toBeGreaterThan(0);
    expect(gpuHours(plan)).toBeCloseTo(2 * gpuHours(single), 6);
  });

  it('a re-plan after an out-of-memory failure keeps the job’s seed', () => {
    const plan = planEvaluation({
      facts: qwen7b(),
      cluster: h100,
      benchmarks: ['aime24'],
      seeds: 2,
      tensorParallel: 1,
    });
    const second = plan.jobs[1];
    if (!second) throw new Error('expected two jobs');
    const next = nextLargerPlan(plan, second);
    expect(next?.tensorParallel).toBeGreaterThan(1);
    expect(next?.seed).toBe(1235);
    expect(next?.lightevalModelArgs).toContain('seed:1235');
  });
});
