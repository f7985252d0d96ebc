import { describe, expect, it } from 'vitest';
import { clusterInputs, eventFixture, runAction, uniqueRemoteDir, useWorld } from './harness';

// The bundled action on the real test cluster, once per LightEval grammar era: 0.10.0
// (suite|task|fewshot|truncate, math_pass@1 names), 0.12.0 (suite|task|fewshot, LiveCodeBench under
// `lighteval`) and 0.13.0 (task|fewshot). The simulated job must be told which release to imitate, and
// every benchmark must come back with a score.

const world = useWorld(['octocat']);

const BENCHMARKS = 'math_500,aime24,aime25,gpqa:diamond,lcb:codegeneration';

describe.each(['0.10.0', '0.12.0', '0.13.0'])('the bundled action with lighteval-version %s', (version) => {
  it('runs all five benchmarks on the cluster and reports a score for each', async () => {
    const event = eventFixture('workflow-dispatch');
    const run = await runAction(world(), {
      eventName: 'workflow_dispatch',
      event: { ...event, inputs: { ...(event.inputs as object), benchmarks: BENCHMARKS, baseline: 'none' } },
      inputs: {
        ...clusterInputs(world(), uniqueRemoteDir(world())),
        'lighteval-version': version,
        benchmarks: BENCHMARKS,
      },
    });
    expect(run.exitCode, run.stdout.slice(-3000)).toBe(0);
    expect(run.outputs.status).toBe('succeeded');
    const results = JSON.parse(run.outputs.results ?? '[]') as { benchmark: string; value: number | null }[];
    expect(results.map((r) => r.benchmark).sort()).toEqual(BENCHMARKS.split(',').sort());
    for (const r of results) expect([r.benchmark, typeof r.value]).toEqual([r.benchmark, 'number']);
  });
});
