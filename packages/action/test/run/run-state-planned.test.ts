import { planEvaluation } from '@model-eval/planner';
import { describe, expect, it } from 'vitest';
import { fixtureFacts } from '../../../planner/test/fixtures';
import { plannedJobSchema } from '../../src/run/run-state';

// The run state is the record a re-run reattaches from and the report reads: a planned job's field
// the schema does not know is dropped silently on the way (as `seed` once was). Every field the
// planner fills must come back from the record unchanged.
describe('a planned job through the run state', () => {
  it.each([
    ['one node, seeds', { cluster: { gpusPerNode: 8, gpuMemoryGiB: 80, maxNodes: 1 }, seeds: 2 }],
    [
      'the serve route across nodes',
      { cluster: { gpusPerNode: 8, gpuMemoryGiB: 24, maxNodes: 2 }, route: 'serve' as const, seeds: 2 },
    ],
  ])('%s: every field survives', (_name, input) => {
    const plan = planEvaluation({
      facts: fixtureFacts('deepseek-ai/DeepSeek-R1-Distill-Llama-70B'),
      ...input,
    });
    for (const job of plan.jobs) {
      const recorded = plannedJobSchema.parse(JSON.parse(JSON.stringify(job)));
      expect(recorded).toEqual(job);
    }
    expect(plan.jobs.map((j) => j.seed)).toEqual([1234, 1235]);
  });
});
