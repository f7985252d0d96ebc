import { describe, expect, it } from 'vitest';
import { clusterInputs, eventFixture, RESULTS_REPO, runAction, uniqueRemoteDir, useWorld } from './harness';

// A PR evaluates what the PR says: the head's config file (read through the contents API as data)
// names the revision; the base branch's file names the baseline revision and everything else.
const world = useWorld();

const MODEL = 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B';
const CONFIG = '.github/model-eval.yml';
// The fixture PR: head Codertocat/Hello-World at ec26c3e…, base branch `master`.
const HEAD_SHA = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';
const baseConfig = `model: ${MODEL}\nrevision: main\nbenchmarks: [math_500]\nbaseline: base-revision\nresults-repo: ${RESULTS_REPO}\n`;
const contentsCalls = () => world().github.state.calls.filter((c) => c.path.includes('/contents/'));

describe('a PR evaluation evaluates what the PR says', () => {
  it('a head config naming another revision evaluates that revision, against the base config’s revision', async () => {
    world().github.setPermission('Codertocat', 'write');
    world().github.setFile(
      'Codertocat/Hello-World',
      HEAD_SHA,
      CONFIG,
      // Only model/revision/benchmarks/samples of the head count: its cluster key is never used.
      `model: ${MODEL}\nrevision: v1.2.0\nbenchmarks: [math_500]\ncluster: {partition: not-a-partition}\n`,
    );
    const run = await runAction(world(), {
      eventName: 'pull_request_target',
      event: eventFixture('pull-request-target-labeled'),
      inputs: clusterInputs(world(), uniqueRemoteDir(world())),
      configFile: baseConfig,
    });
    expect(run.outputs.status, run.stdout).toBe('succeeded');
    expect(run.stdout).toContain(`Evaluating ${MODEL}@v1.2.0 on `);
    // base-revision is the base file's revision (main), not the base branch's name (master).
    // (The summary escapes markdown: `acme/eval\-results`.)
    expect(run.summary).toContain(
      `No baseline results found in ${RESULTS_REPO.replace('-', '\\-')} for main.`,
    );
    expect(contentsCalls().at(-1)).toMatchObject({
      path: `/repos/Codertocat/Hello-World/contents/${encodeURIComponent(CONFIG)}`,
      query: { ref: HEAD_SHA },
    });
    expect(world().github.state.violations).toEqual([]);
  });

  it('a head config with no model change is "nothing to evaluate", before any SSH connection', async () => {
    world().github.setFile('Codertocat/Hello-World', HEAD_SHA, CONFIG, baseConfig);
    const run = await runAction(world(), {
      eventName: 'pull_request_target',
      event: eventFixture('pull-request-target-labeled'),
      inputs: { ...clusterInputs(world(), uniqueRemoteDir(world())), 'ssh-port': '1' },
      configFile: baseConfig,
    });
    expect(run.outputs.status, run.stdout).toBe('skipped');
    expect(run.stdout).toMatch(/::notice::model-eval: nothing to evaluate: the PR does not change the model/);
  });

  it("a fork's head config is never read on pull_request_target without allow-fork-prs", async () => {
    world().github.setPermission('a-maintainer', 'admin');
    world().github.setFile(
      'a-contributor/Hello-World',
      HEAD_SHA,
      CONFIG,
      `model: ${MODEL}\nrevision: v1.2.0\n`,
    );
    const before = contentsCalls().length;
    const run = await runAction(world(), {
      eventName: 'pull_request_target',
      event: eventFixture('pull-request-target-labeled-fork'),
      inputs: { ...clusterInputs(world(), uniqueRemoteDir(world())), 'ssh-port': '1' },
      configFile: baseConfig,
    });
    expect(run.outputs.status, run.stdout).toBe('skipped');
    expect(contentsCalls().length).toBe(before);
  });

  it('with allow-fork-prs the fork’s own head config is read (from the fork) and evaluated', async () => {
    const run = await runAction(world(), {
      eventName: 'pull_request_target',
      event: eventFixture('pull-request-target-labeled-fork'),
      inputs: { ...clusterInputs(world(), uniqueRemoteDir(world())), 'allow-fork-prs': 'true' },
      configFile: baseConfig,
    });
    expect(run.outputs.status, run.stdout).toBe('succeeded');
    expect(run.stdout).toContain(`Evaluating ${MODEL}@v1.2.0 on `);
    expect(contentsCalls().at(-1)?.path).toBe(
      `/repos/a-contributor/Hello-World/contents/${encodeURIComponent(CONFIG)}`,
    );
  });
});
