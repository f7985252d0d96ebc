import { decodeSummary } from '@model-eval/action';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDetails } from '../../packages/action/src/results';
import { runCliCaptured } from '../support/cli';
import {
  clusterInputs,
  type E2eWorld,
  eventFixture,
  RESULTS_REPO,
  runAction,
  startWorld,
  uniqueRemoteDir,
  waitForSacct,
} from './harness';

// `seeds: 3` end to end: three Slurm jobs on the real cluster, the stand-in drawing each seed's own
// samples, one merged row in the report and the Hub, and a later run paired against all three seeds.

let world: E2eWorld;
beforeAll(async () => {
  world = await startWorld();
  world.github.setPermission('octocat', 'write');
});
afterAll(async () => {
  await world?.close();
});

const QWEN = 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B';
const LLAMA = 'deepseek-ai/DeepSeek-R1-Distill-Llama-8B';

const dispatchOf = (model: string, baseline: string) => {
  const event = eventFixture('workflow-dispatch');
  return { ...event, inputs: { model, revision: 'main', benchmarks: 'math_500', baseline } };
};

async function summaryRows() {
  const bytes = world.datasets.repos.get(RESULTS_REPO)?.files.get('summary.parquet');
  return bytes ? decodeSummary(new Uint8Array(bytes), 'summary.parquet') : [];
}

describe('seeds: 3', () => {
  it('runs a job per seed, merges them into one row and uploads every seed; a later run pairs against all', async () => {
    const remoteDir = uniqueRemoteDir(world);
    const seeded = await runAction(world, {
      eventName: 'workflow_dispatch',
      event: dispatchOf(QWEN, 'none'),
      inputs: { ...clusterInputs(world, remoteDir), 'results-repo': RESULTS_REPO, seeds: '3' },
    });
    expect(seeded.outputs.status, seeded.stdout).toBe('succeeded');
    const runId = seeded.outputs['run-id'] ?? 'missing';
    const jobs = await waitForSacct(runId, 3);
    expect(jobs.map((j) => j.name.replace(/^.*-(s\d+)$/, '$1')).sort()).toEqual(['s1234', 's1235', 's1236']);
    expect(jobs.every((j) => j.state === 'COMPLETED')).toBe(true);

    // The Hub row: one per benchmark, every seed's file, each seed's own score.
    const [row, ...others] = (await summaryRows()).filter((r) => r.run_id === runId);
    expect(others).toEqual([]);
    expect(row).toMatchObject({ benchmark: 'math_500', seeds: '1234,1235,1236', problems: 500, samples: 12 });
    expect(row?.job_id?.split(',')).toHaveLength(3);
    const seedFiles = row?.seed_files?.split(',') ?? [];
    expect(seedFiles).toHaveLength(3);
    const perSeed = (row?.seed_scores ?? '').split(',').map((pair) => Number(pair.split(':')[1]));
    expect(perSeed).toHaveLength(3);
    // Sampling noise: the seeds do not all give the same score (each drew its own samples).
    expect(new Set(perSeed).size).toBeGreaterThan(1);
    expect(row?.score).toBeCloseTo((perSeed[0] ?? 0) / 3 + (perSeed[1] ?? 0) / 3 + (perSeed[2] ?? 0) / 3, 9);

    // Independently of the action: the mean of every uploaded seed's per-problem details.
    const files = world.datasets.repos.get(RESULTS_REPO)?.files;
    let correct = 0;
    let problems = 0;
    for (const path of seedFiles) {
      const details = files?.get(path.replace(/results_([^/]+)\.json$/, 'details_$1.parquet'));
      expect(details, path).toBeDefined();
      const scores = await parseDetails(new Uint8Array(details ?? Buffer.alloc(0)), path, row?.metric ?? '');
      expect(scores).toHaveLength(500);
      correct += scores.reduce((sum, s) => sum + s.score, 0);
      problems += scores.length;
    }
    // LightEval's score is rounded in its results file; the details hold every generation.
    expect(row?.score).toBeCloseTo(correct / problems, 3);

    // The report: problems × all generations, the split, each seed's score and the spread.
    expect(seeded.summary).toMatch(/^\| MATH\\-500 \| 500 × 12 \\\(3 seeds × 4\\\) \|/m);
    expect(seeded.summary).toMatch(
      /Scores per seed .*1234: \d+\.\d, 1235: \d+\.\d, 1236: \d+\.\d; sd \d+\.\d points/,
    );
    expect(seeded.summary).toContain('seed 1234 / 1235 / 1236 \\(generation\\_parameters');
    expect(seeded.summary).toContain('3 seeds per benchmark, one job each, merged');
    for (const seed of [1234, 1235, 1236])
      expect(seeded.summary).toContain(`| MATH\\-500 \\(seed ${seed}\\) | COMPLETED |`);

    // `model-eval results` on the copied results tells the same story as the run's report.
    const cli = await runCliCaptured([
      'results',
      `${seeded.outputs['results-dir']}/results`,
      '--format',
      'markdown',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^\| MATH\\-500 \| 500 × 12 \|/m);
    const cliJson = await runCliCaptured(['results', `${seeded.outputs['results-dir']}/results`, '--json']);
    const cliRows = JSON.parse(cliJson.stdout).rows as { value: number; seedRuns?: unknown[] }[];
    expect(cliRows).toHaveLength(1);
    expect(cliRows[0]?.seedRuns).toHaveLength(3);
    expect(cliRows[0]?.value).toBeCloseTo(row?.score ?? Number.NaN, 12);

    // A later run with one seed, against the seeded run: the baseline is the three seeds merged.
    const single = await runAction(world, {
      eventName: 'workflow_dispatch',
      event: dispatchOf(LLAMA, `${QWEN}@main`),
      inputs: { ...clusterInputs(world, remoteDir), 'results-repo': RESULTS_REPO },
    });
    expect(single.outputs.status, single.stdout).toBe('succeeded');
    const compared = (await summaryRows()).find((r) => r.run_id === single.outputs['run-id']);
    expect(compared?.baseline_score).toBeCloseTo(row?.score ?? Number.NaN, 12);
    expect(compared?.seeds).toBe('1234');
    expect(single.summary).toMatch(/paired permutation over 500 problems/);
  });
});
