import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubEmulator, startHubEmulator } from '../emulators/hub';
import { clusterCli } from '../support/cluster-cli';
import { repoRoot } from '../support/run-action';
import {
  inSqueue,
  sacctJobsNamed,
  startAccounting,
  stopAccounting,
  waitUntilAsync,
  withMinJobAge,
} from '../support/slurm-admin';

/**
 * The defects the run-as-stages redesign fixes, reproduced on the real cluster: each of these
 * submitted a second job (or failed for ever) before it.
 */
const { cluster, work, cli, runArgs } = clusterCli('stages');

const submittedId = (stdout: string) => {
  const id = /Submitted job\(s\) (\d+)/.exec(stdout)?.[1];
  expect(id, stdout).toBeDefined();
  return id as string;
};

describe('one evaluation, one job: re-runs and concurrent runs on the real cluster', () => {
  it('a re-run while accounting is down follows the recorded job that left squeue, and never submits again', async () => {
    if (!cluster.accounting) throw new Error('this test needs the cluster with accounting (slurmdbd)');
    const runId = `stg-acct-${Date.now()}`;
    const state = join(work, `${runId}.json`);
    let jobId = '';
    await withMinJobAge(2, async () => {
      const first = await cli([...runArgs(runId), '--detach', '--state', state]);
      expect(first.code, first.stderr).toBe(0);
      jobId = submittedId(first.stdout);
      // slurmctld purges finished jobs on its own timer (about once a minute) once MinJobAge passed.
      await waitUntilAsync(`job ${jobId} to end and leave squeue`, 170_000, () => !inSqueue(jobId));
    });
    stopAccounting();
    let rerun: Awaited<ReturnType<typeof cli>>;
    try {
      const rerunning = cli(runArgs(runId));
      // Long enough for the re-run to look for its jobs while sacct cannot answer.
      await new Promise((resolve) => setTimeout(resolve, 8000));
      startAccounting();
      rerun = await rerunning;
    } finally {
      if (!accountingAnswers()) startAccounting();
    }
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stderr).toMatch(new RegExp(`Reattaching to job ${jobId}`));
    expect(rerun.stderr).not.toMatch(/Submitted job/);
    expect(rerun.stdout).toMatch(/^SIMULATED · [\s\S]*^MATH-500 +\d+ × \d+ +\d+\.\d \[\d+\.\d, \d+\.\d\]/m);
    expect(sacctJobsNamed(runId).map((j) => j.id)).toEqual([jobId]);
  });

  it('two runs of one run id started together submit one job, and both report it', async () => {
    const runId = `stg-twin-${Date.now()}`;
    const [a, b] = await Promise.all([cli(runArgs(runId)), cli(runArgs(runId))]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const submitted = [a, b].filter((r) => /Submitted job \d+/.test(r.stderr));
    expect(submitted).toHaveLength(1);
    await waitUntilAsync('accounting to know the job', 30_000, () => sacctJobsNamed(runId).length > 0);
    expect(sacctJobsNamed(runId)).toHaveLength(1);
  });

  it('a re-run after the run directory was deleted submits anew instead of reattaching to outputs that are gone', async () => {
    const runId = `stg-gone-${Date.now()}`;
    const remoteDir = `${cluster.workDir}/stages-${runId}`;
    const first = await cli(runArgs(runId, { remoteDir }));
    expect(first.code, first.stderr).toBe(0);
    execFileSync('rm', ['-rf', '--', join(remoteDir, runId)]);
    const again = await cli(runArgs(runId, { remoteDir }));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^SIMULATED · [\s\S]*^MATH-500 +\d+ × \d+ +\d+\.\d \[\d+\.\d, \d+\.\d\]/m);
    expect(again.stderr).toMatch(/Submitted job \d+/);
  });

  it('a re-run with the same run id but another definition is refused, naming both', async () => {
    const runId = `stg-def-${Date.now()}`;
    const first = await cli([...runArgs(runId), '--detach', '--state', join(work, `${runId}.json`)]);
    expect(first.code, first.stderr).toBe(0);
    const other = await cli([...runArgs(runId), '--lighteval-version', '0.10.0']);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toMatch(
      /recorded for another definition .*lightevalVersion: "default" → "0\.10\.0"/,
    );
    expect(sacctOrSqueueCount(runId)).toBe(1);
  });
});

describe('collecting a detached run needs the cluster only', () => {
  let hub: HubEmulator;
  beforeAll(async () => {
    hub = await startHubEmulator({ modelsDir: join(repoRoot, 'test/fixtures/models') });
  });
  afterAll(async () => {
    await hub.close().catch(() => {});
    rmSync(work, { recursive: true, force: true });
  });

  it('model-eval collect reports a run planned from the Hub while the Hub is down', async () => {
    const runId = `stg-hub-${Date.now()}`;
    const state = join(work, `${runId}.json`);
    const model = 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B';
    const detached = await cli([...runArgs(runId, { model }), '--detach', '--state', state], {
      HF_ENDPOINT: hub.url,
    });
    expect(detached.code, detached.stderr).toBe(0);
    expect(hub.requests.length).toBeGreaterThan(0);
    await hub.close();
    // Nothing listens there any more: a Hub call now fails at once with "connection refused".
    const collected = await cli(['collect', '--state', state], { HF_ENDPOINT: hub.url });
    expect(collected.code, collected.stderr).toBe(0);
    expect(collected.stdout).toMatch(
      /^SIMULATED · [\s\S]*^MATH-500 +\d+ × \d+ +\d+\.\d \[\d+\.\d, \d+\.\d\]/m,
    );
    expect(existsSync(state)).toBe(true);
    expect(JSON.parse(readFileSync(state, 'utf8')).runId).toBe(runId);
  });
});

function accountingAnswers(): boolean {
  try {
    execFileSync('sacctmgr', ['-n', 'list', 'cluster'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Jobs of the run the controller or accounting knows (accounting may lag a fresh submission). */
function sacctOrSqueueCount(runId: string): number {
  const live = execFileSync('squeue', ['-h', '-a', '-t', 'all', '-o', '%j'], { encoding: 'utf8' })
    .split('\n')
    .filter((name) => name.startsWith(runId));
  return Math.max(live.length, sacctJobsNamed(runId).length);
}
