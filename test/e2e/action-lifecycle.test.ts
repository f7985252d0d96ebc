import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  clusterInputs,
  eventFixture,
  RESULTS_REPO,
  runAction,
  sacctJobsOfRun,
  squeueJobsOfRun,
  uniqueRemoteDir,
  useWorld,
  waitForSacct,
} from './harness';

const world = useWorld(['octocat', 'Codertocat']);

const dispatch = (benchmarks = 'math_500') => {
  const event = eventFixture('workflow-dispatch');
  return { ...event, inputs: { ...(event.inputs as object), benchmarks, baseline: 'none' } };
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('runs survive re-runs, cancellation and GPU out-of-memory', () => {
  it('a re-run of the same workflow run reattaches: exactly one job per benchmark set in accounting', async () => {
    const remoteDir = uniqueRemoteDir(world());
    const runId = `${Date.now()}`;
    const first = await runAction(world(), {
      eventName: 'workflow_dispatch',
      event: dispatch(),
      inputs: clusterInputs(world(), remoteDir),
      runId,
    });
    const second = await runAction(world(), {
      eventName: 'workflow_dispatch',
      event: dispatch(),
      inputs: clusterInputs(world(), remoteDir),
      runId,
    });
    expect(first.outputs.status, first.stdout).toBe('succeeded');
    expect(second.outputs.status, second.stdout).toBe('succeeded');
    expect(second.outputs['run-id']).toBe(first.outputs['run-id']);
    expect(second.stdout).toMatch(/Reattach/);
    expect(await waitForSacct(first.outputs['run-id'] ?? 'missing', 1)).toHaveLength(1);
    expect(second.outputs.results).toBe(first.outputs.results);
  });

  it('SIGINT from the runner cancels the jobs: nothing of the run is left in squeue', async () => {
    let child: ChildProcess | undefined;
    let output = '';
    const pending = runAction(world(), {
      eventName: 'workflow_dispatch',
      event: dispatch(),
      inputs: {
        ...clusterInputs(world(), uniqueRemoteDir(world())),
        'job-setup': 'export LIGHTEVAL_STANDIN_SLEEP=300',
      },
      onStart: (started) => {
        child = started;
        started.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
      },
    });
    // The action names its run in its first lines; wait until its job is in the queue.
    const deadline = Date.now() + 60_000;
    const runIdOf = () => /\(run (me-[0-9a-f]+)\)/.exec(output)?.[1];
    while (!(runIdOf() && squeueJobsOfRun(runIdOf() ?? '').length > 0) && Date.now() < deadline)
      await sleep(500);
    const runId = runIdOf() ?? 'missing';
    expect(squeueJobsOfRun(runId)).toHaveLength(1);
    child?.kill('SIGINT');
    const run = await pending;
    expect(run.outputs.status, run.stdout).toBe('cancelled');
    expect(run.exitCode).toBe(1);
    // A running job leaves the queue once Slurm has killed it (up to KillWait, 30 s, after SIGTERM).
    const gone = Date.now() + 60_000;
    while (squeueJobsOfRun(runId).length > 0 && Date.now() < gone) await sleep(500);
    expect(squeueJobsOfRun(runId)).toEqual([]);
    expect(
      (await waitForSacct(runId, 1)).map((j) => j.state),
      run.stdout,
    ).toEqual([expect.stringMatching(/^CANCELLED/)]);
  });

  it('a GPU out-of-memory failure re-plans once with more GPUs per replica and succeeds', async () => {
    const run = await runAction(world(), {
      eventName: 'workflow_dispatch',
      event: dispatch(),
      inputs: {
        ...clusterInputs(world(), uniqueRemoteDir(world())),
        'job-setup': 'export LIGHTEVAL_STANDIN_MIN_GPUS=2',
      },
    });
    expect(run.outputs.status, run.stdout).toBe('succeeded');
    const runId = run.outputs['run-id'] ?? 'missing';
    const jobs = await waitForSacct(runId, 2);
    expect(jobs.map((j) => [j.name, j.state])).toEqual([
      [`${runId}-j0-tp1pp1`, 'FAILED'],
      [`${runId}-j0-tp2pp1`, 'COMPLETED'],
    ]);
    expect(run.stdout).toMatch(/::warning::.*ran out of GPU memory at .*TP 1.*re-planned to .*TP 2/);
    expect(run.summary).toMatch(/ran out of GPU memory at .*TP 1.*re\\?-planned to .*TP 2/);
    // Both attempts are in the job table, the first with its out-of-memory failure.
    expect(run.summary).toMatch(
      /^\| \d+ \\\(attempt 1 of 2\\\) \| .* \| FAILED \\\(GPU out of memory; re\\-planned\\\) \|/m,
    );
    expect(run.summary).toMatch(/^\| \d+ \\\(attempt 2 of 2\\\) \| .* \| COMPLETED \|/m);
  });

  it('a detached run submits and exits; a later run with its run-id collects and reports', async () => {
    const remoteDir = uniqueRemoteDir(world());
    const detached = await runAction(world(), {
      eventName: 'workflow_dispatch',
      event: dispatch(),
      inputs: {
        ...clusterInputs(world(), remoteDir),
        wait: 'false',
        'job-setup': 'export LIGHTEVAL_STANDIN_SLEEP=3',
      },
    });
    expect(detached.outputs.status, detached.stdout).toBe('submitted');
    const runId = detached.outputs['run-id'] ?? 'missing';
    expect(squeueJobsOfRun(runId).length + sacctJobsOfRun(runId).length).toBeGreaterThan(0);
    const collected = await runAction(world(), {
      eventName: 'workflow_dispatch',
      event: dispatch(),
      inputs: {
        ...clusterInputs(world(), remoteDir),
        'run-id': runId,
        'job-setup': 'export LIGHTEVAL_STANDIN_SLEEP=3',
      },
    });
    expect(collected.outputs.status, collected.summary).toBe('succeeded');
    expect(collected.outputs['job-ids']).toBe(detached.outputs['job-ids']);
    expect(await waitForSacct(runId, 1)).toHaveLength(1);
  });
});

describe('a scheduled collector reopens a detached run without ever submitting', () => {
  it('reports submitted while the job runs, then collects it once it has ended', async () => {
    const remoteDir = uniqueRemoteDir(world());
    const inputs = {
      ...clusterInputs(world(), remoteDir),
      model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
      benchmarks: 'math_500',
    };
    const detached = await runAction(world(), {
      eventName: 'workflow_dispatch',
      event: dispatch(),
      inputs: { ...inputs, wait: 'false', 'job-setup': 'export LIGHTEVAL_STANDIN_SLEEP=8' },
    });
    expect(detached.outputs.status, detached.stdout).toBe('submitted');
    const runId = detached.outputs['run-id'] ?? 'missing';
    const schedule = { schedule: '*/30 * * * *', repository: eventFixture('workflow-dispatch').repository };
    const early = await runAction(world(), {
      eventName: 'schedule',
      event: schedule,
      inputs: { ...inputs, 'run-id': runId },
    });
    expect(early.outputs.status, early.stdout).toBe('submitted');
    expect(early.exitCode).toBe(0);
    await waitForSacct(runId, 1, 60_000);
    const late = await runAction(world(), {
      eventName: 'schedule',
      event: schedule,
      inputs: { ...inputs, 'run-id': runId },
    });
    expect(late.outputs.status, late.stdout).toBe('succeeded');
    expect(JSON.parse(late.outputs.results ?? '[]')).toHaveLength(1);
    expect(await waitForSacct(runId, 1)).toHaveLength(1);
  });

  it('refuses a run id with no run behind it, and a schedule without run-id is skipped', async () => {
    const schedule = { schedule: '*/30 * * * *', repository: eventFixture('workflow-dispatch').repository };
    const inputs = {
      ...clusterInputs(world(), uniqueRemoteDir(world())),
      model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
    };
    const unknown = await runAction(world(), {
      eventName: 'schedule',
      event: schedule,
      inputs: { ...inputs, 'run-id': 'me-000000000000' },
    });
    expect(unknown.outputs.status).toBe('failed');
    expect(unknown.stdout).toMatch(/::error::There is no run me-000000000000 to collect/);
    expect(sacctJobsOfRun('me-000000000000')).toEqual([]);
    // Refusing leaves nothing behind: asking again is refused again, never "still running".
    const again = await runAction(world(), {
      eventName: 'schedule',
      event: schedule,
      inputs: { ...inputs, 'run-id': 'me-000000000000' },
    });
    expect(again.outputs.status, again.stdout).toBe('failed');
    const bare = await runAction(world(), { eventName: 'schedule', event: schedule, inputs });
    expect(bare.outputs.status, bare.stdout).toBe('skipped');
  });
});

describe('the report: one sticky comment, and nothing lost when the Hub is down', () => {
  it('creates the PR comment once and updates it in place across runs, past 100 existing comments', async () => {
    for (let i = 0; i < 120; i++)
      world().github.addComment('Codertocat/Hello-World', 2, `chatter ${i}`, 'someone');
    const inputs = {
      ...clusterInputs(world(), uniqueRemoteDir(world())),
      model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
      benchmarks: 'math_500',
    };
    const first = await runAction(world(), {
      eventName: 'pull_request_target',
      event: eventFixture('pull-request-target-labeled'),
      inputs,
    });
    const second = await runAction(world(), {
      eventName: 'pull_request_target',
      event: eventFixture('pull-request-target-labeled'),
      inputs,
    });
    expect(first.outputs.status, first.stdout).toBe('succeeded');
    expect(second.outputs.status, second.stdout).toBe('succeeded');
    const ours = world()
      .github.commentsOf('Codertocat/Hello-World', 2)
      .filter((c) => c.body.includes('<!-- model-eval-report'));
    expect(ours).toHaveLength(1);
    expect(ours[0]?.login).toBe('github-actions[bot]');
    expect(ours[0]?.body).toMatch(/^## 🧪 SIMULATED · [\s\S]*^\| MATH\\-500 \| \d+ × \d+ \|/m);
    expect(world().github.labelsOf('Codertocat/Hello-World', 2)).not.toContain('evaluate');
    expect(world().github.state.violations).toEqual([]);
  });

  it('compares with a baseline from the results repo and fails the step on a significant regression', async () => {
    const remoteDir = uniqueRemoteDir(world());
    const dispatchOf = (model: string, baseline: string) => {
      const event = eventFixture('workflow-dispatch');
      return { ...event, inputs: { model, revision: 'main', benchmarks: 'math_500', baseline } };
    };
    // LightEval is given each repo's pinned commit (the emulator's fixtureSha), and the stand-in scores
    // (model, revision) as given: Qwen-7B 46.3 and Llama-8B 14.1 on MATH-500 (500 problems), a clear drop.
    const baseline = await runAction(world(), {
      eventName: 'workflow_dispatch',
      event: dispatchOf('deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', 'none'),
      inputs: { ...clusterInputs(world(), remoteDir), 'results-repo': RESULTS_REPO },
    });
    expect(baseline.outputs.status, baseline.stdout).toBe('succeeded');
    const run = await runAction(world(), {
      eventName: 'workflow_dispatch',
      event: dispatchOf(
        'deepseek-ai/DeepSeek-R1-Distill-Llama-8B',
        'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B@main',
      ),
      inputs: {
        ...clusterInputs(world(), remoteDir),
        'results-repo': RESULTS_REPO,
        'fail-on-regression': 'true',
      },
    });
    expect(run.outputs.status, run.stdout).toBe('succeeded');
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(
      /::error::.*Regression against deepseek-ai\/DeepSeek-R1-Distill-Qwen-7B@main: math_500/,
    );
    expect(run.summary).toMatch(
      /^## 🧪 SIMULATED · 🔻 1 regression[\s\S]*^\| MATH\\-500 \|.*\| 46\.3 \|.*🔻 regressed \| ±\d+\.\d \|$/m,
    );
  });

  it('a Hub outage still posts the comment and keeps the results on the runner, and fails the step', async () => {
    world().datasets.outage = true;
    try {
      const run = await runAction(world(), {
        eventName: 'pull_request_target',
        event: eventFixture('pull-request-target-labeled'),
        inputs: {
          ...clusterInputs(world(), uniqueRemoteDir(world())),
          model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
          benchmarks: 'aime24',
          'results-repo': RESULTS_REPO,
        },
        env: { MODEL_EVAL_HUB_RETRY_BASE_MS: '50' },
      });
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toMatch(/::error::.*results upload to acme\/eval-results failed/);
      const comment = world()
        .github.commentsOf('Codertocat/Hello-World', 2)
        .find((c) => c.body.includes('<!-- model-eval-report'));
      expect(comment?.body).toMatch(/^\| AIME 2024 \| \d+ × (\d+|\?) \|/m);
      expect(comment?.body).toMatch(/results upload to acme\/eval\\?-results failed/);
      const { readdirSync } = await import('node:fs');
      const dir = run.outputs['results-dir'] ?? 'missing';
      expect(readdirSync(dir)).toEqual(expect.arrayContaining(['report.md', 'results.json', 'results']));
    } finally {
      world().datasets.outage = false;
    }
  });
});

describe('a run that stops before it has jobs', () => {
  it('tells the PR why (a model that does not fit) and fails the step without submitting', async () => {
    const run = await runAction(world(), {
      eventName: 'pull_request_target',
      event: eventFixture('pull-request-target-labeled'),
      inputs: {
        ...clusterInputs(world(), uniqueRemoteDir(world())),
        model: 'deepseek-ai/DeepSeek-R1-Distill-Llama-70B',
        'gpu-memory-gib': '24',
      },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('failed');
    expect(run.stdout).toMatch(/::error::.*does not fit.*Use --max-nodes|::error::.*does not fit/);
    const comment = world()
      .github.commentsOf('Codertocat/Hello-World', 2)
      .find((c) => c.body.includes('model=deepseek-ai/DeepSeek-R1-Distill-Llama-70B'));
    expect(comment?.body).toMatch(/failed/);
    expect(comment?.body).toMatch(/does not fit/);
    expect(run.outputs['job-ids']).toBeUndefined();
  });
});

describe('every GitHub API call of these runs', () => {
  it("matched GitHub's OpenAPI description (requests and responses)", () => {
    expect(world().github.state.violations).toEqual([]);
  });
});
