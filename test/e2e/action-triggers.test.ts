import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  clusterInputs,
  type E2eWorld,
  eventFixture,
  RESULTS_REPO,
  runAction,
  sacctJobsOfRun,
  startWorld,
  uniqueRemoteDir,
} from './harness';

let world: E2eWorld;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('the bundled action, run as the runner runs it, against the real cluster', () => {
  it('workflow_dispatch: plans, submits over SSH, collects, reports, uploads, and sets every output', async () => {
    world.github.setPermission('octocat', 'write');
    const run = await runAction(world, {
      eventName: 'workflow_dispatch',
      event: eventFixture('workflow-dispatch'),
      inputs: { ...clusterInputs(world, uniqueRemoteDir(world)), 'results-repo': RESULTS_REPO },
    });
    expect(run.stdout, run.stdout).not.toMatch(/::error::/);
    expect(run.outputs.status, run.stdout).toBe('succeeded');
    expect(run.exitCode).toBe(0);
    const results = JSON.parse(run.outputs.results ?? '[]') as { benchmark: string; value: number }[];
    expect(results.map((r) => r.benchmark).sort()).toEqual(['aime24', 'math_500']);
    const plan = JSON.parse(run.outputs.plan ?? '{}') as { jobs: { tensorParallel: number }[] };
    expect(plan.jobs[0]?.tensorParallel).toBe(1);
    const jobs = sacctJobsOfRun(run.outputs['run-id'] ?? 'missing');
    expect(jobs.map((j) => j.id)).toEqual(run.outputs['job-ids']?.split(','));
    expect(jobs.every((j) => j.state === 'COMPLETED')).toBe(true);
    expect(run.summary).toContain('SIMULATED');
    expect(run.summary).toMatch(/\| aime24 \*\*SIMULATED\*\* \|/);
    const commit = world.datasets.commits.at(-1);
    expect(commit?.repo).toBe(RESULTS_REPO);
    expect(commit?.paths).toContain('summary.jsonl');
    expect(
      commit?.paths.some((p) =>
        /^deepseek-ai\/DeepSeek-R1-Distill-Qwen-7B\/main\/aime24\/results_.*\.json$/.test(p),
      ),
    ).toBe(true);
    expect(commit?.description).toContain('/actions/runs/');
    // The baseline (a fixed model) has no results in the repository yet: said, not invented.
    expect(run.summary).toMatch(/No baseline results found/);
  });
});
