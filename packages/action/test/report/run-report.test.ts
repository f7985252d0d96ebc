import { fileURLToPath } from 'node:url';
import { loadModelFacts, planEvaluation } from '@model-eval/planner';
import { type JobSpec, toJobState } from '@model-eval/slurm';
import { describe, expect, it } from 'vitest';
import { buildReport, type RunProgress } from '../../src/run/run-report';
import type { RunSettings } from '../../src/run/run-settings';
import type { RunState } from '../../src/run/run-state';

const model = fileURLToPath(
  new URL('../../../../test/fixtures/models/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', import.meta.url),
);

async function layouts() {
  const facts = await loadModelFacts({ model });
  const plan = (gpusPerNode: number) =>
    planEvaluation({
      facts,
      cluster: { gpusPerNode, gpuMemoryGiB: 80, maxNodes: 1 },
      benchmarks: ['math_500'],
    }).jobs[0];
  const small = plan(2);
  const large = plan(8);
  if (!small || !large) throw new Error('the fixture model plans one job');
  return { small, large };
}

const settings = {
  model,
  benchmarks: ['math_500'],
  cluster: { gpusPerNode: 8, gpuMemoryGiB: 80, maxNodes: 1 },
  slurm: { timeLimit: '00:10:00', setup: [] },
  remoteDir: '/tmp/runs',
  runId: 'r',
  simulate: true,
  maxOomEscalations: 2,
} satisfies RunSettings;

describe('buildReport: the report value of a run', () => {
  it('lists the attempts the run state records as superseded, with how long each ran when it was seen', async () => {
    const { small, large } = await layouts();
    const state: RunState = {
      version: 1,
      runId: 'r',
      model,
      benchmarks: ['math_500'],
      createdAt: '2026-12-01T10:00:00Z',
      updatedAt: '2026-12-01T11:00:00Z',
      jobs: [
        {
          index: 0,
          planned: large,
          jobIds: ['301', '302'],
          oomEscalations: 1,
          superseded: [{ planned: small, jobId: '301' }],
        },
      ],
    };
    const progress: RunProgress = {
      startedAt: 0,
      live: new Map(),
      notes: [],
      ended: new Map([
        ['301', toJobState({ jobId: '301', state: 'FAILED', elapsedSeconds: 900, exitCode: '1:0' })],
      ]),
    };
    const report = buildReport({
      settings,
      state,
      lightevalVersion: '0.13.0',
      progress,
      finished: [
        {
          index: 0,
          planned: large,
          // jobReport reads the outcome's state, id, failure and log only.
          spec: {} as unknown as JobSpec,
          outcome: {
            spec: {} as unknown as JobSpec,
            jobId: '302',
            attempts: ['302'],
            state: toJobState({ jobId: '302', state: 'COMPLETED', elapsedSeconds: 3600, exitCode: '0:0' }),
          },
          oomEscalations: 1,
        },
      ],
      results: [],
      status: 'succeeded',
      at: 4_000_000,
    });
    expect(report.jobs).toHaveLength(1);
    const [job] = report.jobs;
    expect(job).toMatchObject({
      id: '302',
      state: 'COMPLETED',
      elapsedSeconds: 3600,
      layout: { gpusPerNode: large.gpusPerNode },
    });
    expect(job?.supersededAttempts).toEqual([
      {
        id: '301',
        state: 'FAILED',
        reason: 'GPU out of memory',
        elapsedSeconds: 900,
        layout: {
          nodes: small.nodes,
          gpusPerNode: small.gpusPerNode,
          tensorParallel: small.tensorParallel,
          pipelineParallel: small.pipelineParallel,
          dataParallel: small.dataParallel,
          route: 'in-process',
        },
      },
    ]);
    // Without the ended states (a reopened run), the attempt is still listed; its time is unknown.
    const reopened = buildReport({
      settings,
      state,
      lightevalVersion: '0.13.0',
      progress: { startedAt: 0, live: new Map(), notes: [] },
      finished: [],
      results: [],
      status: 'running',
      at: 0,
    });
    expect(reopened.jobs[0]?.supersededAttempts?.[0]).toMatchObject({ id: '301', elapsedSeconds: null });
  });
});
