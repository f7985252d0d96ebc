import { describe, expect, it } from 'vitest';
import { release, releaseVersions } from '../../../test/fixtures/lighteval-facts/facts';
import {
  chooseRoute,
  lightevalVllmPins,
  nextLargerPlan,
  PlanError,
  planEvaluation,
  planToJson,
  renderPlanText,
} from '../src';
import { fixtureFacts } from './fixtures';

/** The vLLM requirement of a release as the fact table read it from pyproject.toml. */
const pinnedRange = (version: string): string => release(version).package.value.requires.vllm ?? '';
/** The exclusive upper bound of a requirement such as `>=0.10.0,<0.10.2`, read from the fact's own text. */
const upperBound = (range: string): number[] | undefined =>
  /<\s*([\d.]+)/.exec(range)?.[1]?.split('.').map(Number);
/** vLLM PR #25775 (first in 0.11.1): no Ray fallback; a bound at or below 0.11.1 excludes it. */
const excludesRefusingVllm = (range: string): boolean => {
  const bound = upperBound(range);
  if (!bound) return false;
  const [a = 0, b = 0, c = 0] = bound;
  return a * 1e6 + b * 1e3 + c <= 11 * 1e3 + 1;
};

const twoNodes = { gpusPerNode: 8, gpuMemoryGiB: 24, maxNodes: 2 };
const llama70b = () => fixtureFacts('deepseek-ai/DeepSeek-R1-Distill-Llama-70B');

describe('route facts', () => {
  it('the planner knows the vLLM pin of every release in the fact table, as written there', () => {
    for (const version of releaseVersions) {
      expect(lightevalVllmPins[version]?.requirement, version).toBe(`vllm${pinnedRange(version)}`);
      expect(lightevalVllmPins[version]?.source).toMatchObject({
        tag: `v${version}`,
        path: 'pyproject.toml',
      });
    }
  });
});

describe('route choice', () => {
  it('one node: in-process, for every release', () => {
    for (const version of releaseVersions) {
      const choice = chooseRoute({
        requested: 'auto',
        engine: 'ray',
        nodes: 1,
        dataParallel: 8,
        lightevalVersion: version,
      });
      expect(choice.route, version).toBe('in-process');
    }
  });

  it('several nodes: ray exactly where the pinned vLLM still falls back to Ray, else serve (0.8: ray)', () => {
    for (const version of releaseVersions) {
      const choice = chooseRoute({
        requested: 'auto',
        engine: 'ray',
        nodes: 2,
        dataParallel: 1,
        lightevalVersion: version,
      });
      const expected = excludesRefusingVllm(pinnedRange(version)) || version === '0.8.0' ? 'ray' : 'serve';
      expect(choice.route, `${version} (${pinnedRange(version)})`).toBe(expected);
    }
    // The table has both kinds: the test above cannot pass by one answer for all.
    expect(releaseVersions.some((v) => excludesRefusingVllm(pinnedRange(v)))).toBe(true);
    expect(releaseVersions.some((v) => !excludesRefusingVllm(pinnedRange(v)))).toBe(true);
  });

  it('ray on a release that may install a refusing vLLM warns; 0.8 serve is refused', () => {
    const ray = chooseRoute({
      requested: 'ray',
      engine: 'ray',
      nodes: 2,
      dataParallel: 1,
      lightevalVersion: '0.10.0',
    });
    expect(ray.warnings.join()).toMatch(/needs vLLM ≤ 0\.11\.0/);
    expect(() =>
      chooseRoute({
        requested: 'serve',
        engine: 'ray',
        nodes: 2,
        dataParallel: 1,
        lightevalVersion: '0.8.0',
      }),
    ).toThrow(/endpoint backend with generation parameters/);
  });

  it('refuses in-process on several nodes, mp with a pin that predates --nnodes, and serve with replicas over nodes', () => {
    expect(() =>
      chooseRoute({
        requested: 'in-process',
        engine: 'ray',
        nodes: 2,
        dataParallel: 1,
        lightevalVersion: '0.13.0',
      }),
    ).toThrow(PlanError);
    expect(() =>
      chooseRoute({
        requested: 'serve',
        engine: 'mp',
        nodes: 2,
        dataParallel: 1,
        lightevalVersion: '0.13.0',
      }),
    ).toThrow(/--nnodes/);
    expect(() =>
      chooseRoute({
        requested: 'serve',
        engine: 'ray',
        nodes: 4,
        dataParallel: 2,
        lightevalVersion: '0.13.0',
      }),
    ).toThrow(/one server replica/);
    const mp = chooseRoute({
      requested: 'serve',
      engine: 'mp',
      nodes: 2,
      dataParallel: 1,
      lightevalVersion: '0.10.0',
    });
    expect(mp.route).toBe('serve');
    expect(mp.warnings.join()).toMatch(/mp needs vLLM/);
  });
});

describe('plans with routes', () => {
  it('a two-node plan on LightEval 0.13 runs lighteval vllm over Ray', () => {
    const job = planEvaluation({ facts: llama70b(), cluster: twoNodes, lightevalVersion: '0.13.0' }).jobs[0];
    expect(job).toMatchObject({ nodes: 2, tensorParallel: 8, pipelineParallel: 2, route: 'ray' });
    expect(job?.lightevalArgv.slice(0, 2)).toEqual(['lighteval', 'vllm']);
    expect(job?.server).toBeUndefined();
  });

  it('the serve route: vllm serve with TP in a node and PP across nodes, LightEval against its API', () => {
    const job = planEvaluation({
      facts: llama70b(),
      cluster: twoNodes,
      lightevalVersion: '0.13.0',
      route: 'serve',
      servePort: 8123,
    }).jobs[0];
    expect(job?.route).toBe('serve');
    const argv = job?.server?.argv ?? [];
    const after = (flag: string) => argv[argv.indexOf(flag) + 1];
    expect(argv.slice(0, 3)).toEqual(['vllm', 'serve', 'deepseek-ai/DeepSeek-R1-Distill-Llama-70B']);
    expect(after('--tensor-parallel-size')).toBe('8');
    expect(after('--pipeline-parallel-size')).toBe('2');
    expect(after('--distributed-executor-backend')).toBe('ray');
    expect(after('--port')).toBe('8123');
    expect(after('--max-model-len')).toBe(String(job?.maxModelLength));
    expect(after('--max-num-seqs')).toBe(String(job?.maxNumSeqs));
    expect(job?.lightevalArgv.slice(0, 3)).toEqual(['lighteval', 'endpoint', 'litellm']);
    const args = job?.lightevalModelArgs ?? '';
    expect(args).toContain('model_name=openai/deepseek-ai/DeepSeek-R1-Distill-Llama-70B');
    expect(args).toContain('base_url=http://127.0.0.1:8123/v1');
    // 0.11+ has the concurrency key (litellm_model.py); the plan fills the server's batch limit.
    expect(args).toContain(`concurrent_requests=${job?.maxNumSeqs}`);
    expect(job?.server?.concurrency).toBe(job?.maxNumSeqs);
  });

  it('the serve route on 0.10 sends no concurrency key (the release has none) and says so', () => {
    const job = planEvaluation({ facts: llama70b(), cluster: twoNodes, lightevalVersion: '0.10.0' }).jobs[0];
    expect(job?.route).toBe('serve');
    expect(job?.lightevalModelArgs).not.toContain('concurrent_requests');
    expect(job?.lightevalModelArgs).not.toContain('cache_dir');
    expect(job?.lightevalArgv).not.toContain('--use-chat-template');
    expect(job?.warnings.join()).toMatch(/at most 20 requests/);
  });

  it('an out-of-memory re-plan keeps the route setting', () => {
    const plan = planEvaluation({
      facts: llama70b(),
      cluster: { gpusPerNode: 8, gpuMemoryGiB: 24, maxNodes: 4 },
      lightevalVersion: '0.13.0',
      route: 'serve',
    });
    const job = plan.jobs[0];
    if (!job) throw new Error('no job');
    const larger = nextLargerPlan(plan, job);
    expect(larger?.route).toBe('serve');
    expect((larger?.tensorParallel ?? 0) * (larger?.pipelineParallel ?? 0)).toBeGreaterThan(16);
  });

  it('the text and JSON show the route and its reason', () => {
    const plan = planEvaluation({ facts: llama70b(), cluster: twoNodes, lightevalVersion: '0.10.0' });
    const text = renderPlanText(plan);
    expect(text).toMatch(/route {4}serve/);
    expect(text).toMatch(/server {3}vllm serve /);
    const json = planToJson(plan);
    expect(json.jobs[0]?.route).toBe('serve');
    expect(json.jobs[0]?.routeReason).toMatch(/vllm serve spans the nodes/);
    expect(json.jobs[0]?.serveArgv?.[0]).toBe('vllm');
  });
});
