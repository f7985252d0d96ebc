import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterCli } from '../support/cluster-cli';

const { cluster, work, cli, runArgs } = clusterCli('cli');

const squeueNames = () =>
  execFileSync('squeue', ['-h', '-a', '-o', '%j'], { encoding: 'utf8' }).split('\n').filter(Boolean);

describe('model-eval run --detach, then status, collect and cancel on the real cluster over SSH', () => {
  it('detach submits and exits 0; status reports the job; collect reattaches, waits and reports', async () => {
    const runId = `cli-det-${Date.now()}`;
    const state = join(work, `${runId}.json`);
    const detached = await cli([
      ...runArgs(runId, { setup: 'export LIGHTEVAL_STANDIN_SLEEP=4' }),
      '--detach',
      '--state',
      state,
    ]);
    expect(detached.code, detached.stderr).toBe(0);
    expect(detached.stdout).toMatch(/Submitted job\(s\) \d+ \(run cli-det-/);

    const status = await cli(['status', '--state', state, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const jobs = (JSON.parse(status.stdout) as { jobs: { state: string }[] }).jobs;
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.state).toMatch(/PENDING|RUNNING|COMPLETED|COMPLETING|CONFIGURING/);

    const collected = await cli(['collect', '--state', state]);
    expect(collected.code, collected.stderr).toBe(0);
    expect(collected.stderr).toMatch(/Reopening run cli-det-\S+: job\(s\) \d+; nothing is submitted/);
    expect(collected.stdout).toMatch(
      /^SIMULATED · [\s\S]*^MATH-500 +\d+ × \d+ +\d+\.\d \[\d+\.\d, \d+\.\d\]/m,
    );
    expect(squeueNames().filter((n) => n.startsWith(runId))).toEqual([]);
  });

  it('collect reports a failed job as failed and never submits it again', async () => {
    const runId = `cli-crash-${Date.now()}`;
    const state = join(work, `${runId}.json`);
    const detached = await cli([
      ...runArgs(runId, { setup: 'export LIGHTEVAL_STANDIN_FAULT=crash' }),
      '--detach',
      '--state',
      state,
    ]);
    expect(detached.code, detached.stderr).toBe(0);
    const collected = await cli(['collect', '--state', state]);
    expect(collected.code, collected.stderr).toBe(1);
    expect(collected.stdout).toMatch(/FAILED/);
    const again = await cli(['collect', '--state', state]);
    expect(again.code, again.stderr).toBe(1);
    // Every job the cluster knows by this run's name: accounting, or without it the controller (which
    // keeps ended jobs for MinJobAge, 300 s, far longer than this test).
    const jobNames = () =>
      (cluster.accounting
        ? execFileSync('sacct', ['-X', '-n', '-P', '-a', '-S', 'now-1hour', '-o', 'JobName%100'], {
            encoding: 'utf8',
          })
        : execFileSync('squeue', ['-h', '-a', '-t', 'all', '-o', '%j'], { encoding: 'utf8' })
      )
        .split('\n')
        .filter((name) => name.startsWith(runId));
    // Accounting records a job a moment after it ends.
    const until = Date.now() + 20_000;
    while (jobNames().length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 500));
    await new Promise((r) => setTimeout(r, 2000));
    const names = jobNames();
    expect(names).toHaveLength(1);
  });

  it('cancel stops every job of the run in one call', async () => {
    const runId = `cli-cancel-${Date.now()}`;
    const state = join(work, `${runId}.json`);
    const detached = await cli([
      ...runArgs(runId, { setup: 'export LIGHTEVAL_STANDIN_SLEEP=300' }),
      '--detach',
      '--state',
      state,
    ]);
    expect(detached.code, detached.stderr).toBe(0);
    expect(squeueNames().filter((n) => n.startsWith(runId))).toHaveLength(1);
    const cancelled = await cli(['cancel', '--state', state]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    const until = Date.now() + 15_000;
    while (squeueNames().some((n) => n.startsWith(runId)) && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(squeueNames().filter((n) => n.startsWith(runId))).toEqual([]);
  });

  it('refuses what cannot work: detach with the local executor, a missing state file', async () => {
    const local = await cli([
      'run',
      '--model',
      './test/fixtures/models/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
      '--executor',
      'local',
      '--detach',
    ]);
    expect(local.code).toBe(2);
    expect(local.stderr).toMatch(/--detach needs --executor slurm/);
    const missing = await cli(['status', '--state', join(work, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read --state/);
  });
});
