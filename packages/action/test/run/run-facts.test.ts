import { fileURLToPath } from 'node:url';
import { loadModelFacts, planEvaluation } from '@model-eval/planner';
import { describe, expect, it } from 'vitest';
import { summaryRecordsForRun } from '../../src/hub';
import { benchmarkFacts, LIGHTEVAL_DEFAULT_SEED } from '../../src/run/run-facts';
import type { RunSettings } from '../../src/run/run-settings';
import type { RunState } from '../../src/run/run-state';
import { benchmarkStatistics } from '../../src/stats';
import { halfAndFullProblems, lighteval013Facts } from '../report/report-fixtures';

const modelDir = fileURLToPath(
  new URL('../../../../test/fixtures/models/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', import.meta.url),
);

async function recorded(
  version: string,
  benchmarks: string[],
): Promise<{ state: RunState; settings: RunSettings }> {
  const plan = planEvaluation({
    facts: await loadModelFacts({ model: modelDir }),
    cluster: { gpusPerNode: 8, gpuMemoryGiB: 80, maxNodes: 1 },
    benchmarks,
    lightevalVersion: version,
  });
  const settings: RunSettings = {
    model: modelDir,
    benchmarks,
    cluster: { gpusPerNode: 8, gpuMemoryGiB: 80, maxNodes: 1 },
    slurm: { setup: [] },
    remoteDir: '/tmp/runs',
    runId: 'facts',
    simulate: true,
    maxOomEscalations: 0,
  };
  const state: RunState = {
    version: 1,
    runId: 'facts',
    model: modelDir,
    benchmarks,
    createdAt: '',
    updatedAt: '',
    jobs: plan.jobs.map((planned, index) => ({
      index,
      planned,
      jobIds: [],
      oomEscalations: 0,
      superseded: [],
    })),
  };
  return { state, settings };
}

describe('each benchmark is recorded with what produced its number', () => {
  it('LightEval 0.13.0: the datasets the release reads, LiveCodeBench v4_v5, seed 1234, open-r1 generation settings', async () => {
    const { state, settings } = await recorded('0.13.0', ['aime24', 'lcb:codegeneration']);
    // Dataset repos and subset from the release fact table (lighteval v0.13.0 task configs: hf_repo,
    // hf_subset); seed: VLLMModelConfig.seed = 1234; generation: temperature 0.6, top_p 0.95, 32,768.
    expect(benchmarkFacts(state, settings, '0.13.0')).toEqual(lighteval013Facts());
  });

  it('reads the command line that ran: a seed set in the model args wins; 0.10 read LiveCodeBench from livecodebench/', async () => {
    const { state, settings } = await recorded('0.10.0', ['lcb:codegeneration']);
    const job = state.jobs[0];
    if (!job) throw new Error('no job');
    job.planned = { ...job.planned, lightevalModelArgs: `${job.planned.lightevalModelArgs},seed=7` };
    const [facts] = benchmarkFacts(state, settings, '0.10.0');
    expect(facts).toMatchObject({
      dataset: 'livecodebench/code_generation_lite',
      subset: 'v4_v5',
      seeds: [7],
      seedSource: 'model args',
    });
    expect(LIGHTEVAL_DEFAULT_SEED).toBe(1234);
  });

  it('the Hub rows carry the identity, seeds, generation settings, the Wilson interval and the smallest detectable change', async () => {
    const { state, settings } = await recorded('0.13.0', ['aime24']);
    // 30 problems × 4 samples, 15 at 2/4 and 15 at 4/4: Wilson [0.64976, 0.82910], ±0.11641 (worked in render.test.ts).
    const perProblem = halfAndFullProblems();
    const statistics = benchmarkStatistics({ benchmark: 'aime24', value: 0.75, stderr: 0.05, perProblem });
    const [row] = summaryRecordsForRun({
      runId: 'facts',
      model: 'o/m',
      revision: 'main',
      commitSha: 'a'.repeat(40),
      step: null,
      finishedAt: '2026-01-01T00:00:00Z',
      runUrl: null,
      simulated: true,
      lightevalVersion: '0.13.0',
      vllmVersion: null,
      results: [
        {
          benchmark: 'aime24',
          task: 'aime24|0',
          metric: 'm',
          value: 0.75,
          stderr: 0.05,
          samples: 4,
          problems: 30,
        },
      ],
      jobs: [],
      statistics: [statistics],
      benchmarkFacts: benchmarkFacts(state, settings, '0.13.0'),
    });
    expect(row).toMatchObject({
      commit_sha: 'a'.repeat(40),
      ci_method: 'wilson (per-problem spread)',
      seeds: '1234',
      temperature: 0.6,
      top_p: 0.95,
      max_new_tokens: 32_768,
      dataset: 'HuggingFaceH4/aime_2024',
      dataset_subset: null,
      dataset_revision: null,
    });
    expect(row?.ci_low).toBeCloseTo(0.64976, 4);
    expect(row?.ci_high).toBeCloseTo(0.8291, 4);
    expect(row?.min_detectable_change).toBeCloseTo(0.11641, 4);
  });
});
