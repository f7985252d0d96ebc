import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EMULATOR_INSTALLATION_TOKEN,
  type GitHubEmulator,
  startGitHubEmulator,
} from '../../../../test/emulators/github';
import { parseConfigFile } from '../../src/config';
import {
  decidePrEvaluation,
  HeadConfigError,
  headEvaluationOf,
  readHeadConfigText,
} from '../../src/request/pr-head-config';

const PATH = '.github/model-eval.yml';
const HEAD_SHA = 'a'.repeat(40);
const base = parseConfigFile('model: org/model\nrevision: v1\n', PATH);

describe('the PR head configuration, through the contents API', () => {
  let github: GitHubEmulator;
  let octokit: Octokit;
  beforeAll(async () => {
    github = await startGitHubEmulator();
    octokit = new Octokit({ auth: EMULATOR_INSTALLATION_TOKEN, baseUrl: github.url });
  });
  afterAll(async () => {
    expect(github.state.violations).toEqual([]);
    await github.close();
  });

  it('reads the file at the head commit of the head repository (a fork reads its own)', async () => {
    github.setFile('contributor/fork', HEAD_SHA, PATH, 'model: org/model\nrevision: v2\n');
    github.setFile('owner/repo', HEAD_SHA, PATH, 'model: org/model\nrevision: wrong-repo\n');
    const text = await readHeadConfigText(octokit, { headRepo: 'contributor/fork', headSha: HEAD_SHA }, PATH);
    expect(text).toBe('model: org/model\nrevision: v2\n');
    const call = github.state.calls.at(-1);
    expect(call?.path).toBe(`/repos/contributor/fork/contents/${encodeURIComponent(PATH)}`);
    expect(call?.query).toEqual({ ref: HEAD_SHA });
  });

  it('no file at the head, or a deleted fork: undefined, not an error', async () => {
    expect(
      await readHeadConfigText(octokit, { headRepo: 'owner/repo', headSha: 'b'.repeat(40) }, PATH),
    ).toBeUndefined();
    expect(await readHeadConfigText(octokit, { headRepo: null, headSha: HEAD_SHA }, PATH)).toBeUndefined();
  });
});

describe('headEvaluationOf: only model, revision, benchmarks and samples, validated', () => {
  it('takes the four keys and ignores nothing silently: the whole file is validated as the base is', () => {
    const head = headEvaluationOf(
      'model: org/other\nrevision: v2\nbenchmarks: [aime24]\nsamples: {aime24: 8}\ncluster: {partition: evil}\n',
      `${PATH}@head`,
    );
    expect(head).toEqual({
      model: 'org/other',
      revision: 'v2',
      benchmarks: ['aime24'],
      samples: { aime24: 8 },
    });
    expect(head).not.toHaveProperty('cluster');
    expect(() => headEvaluationOf('modle: org/x\n', `${PATH}@head`)).toThrow(/modle/);
  });

  it('refuses a custom task (code LightEval would import) and a malformed model id', () => {
    const custom =
      'benchmarks:\n  - name: mine\n    task: "community|mine"\n    custom-tasks-path: tasks.py\n';
    expect(() => headEvaluationOf(custom, `${PATH}@head`)).toThrow(HeadConfigError);
    expect(() => headEvaluationOf('model: not a model\n', `${PATH}@head`)).toThrow(HeadConfigError);
  });
});

describe('decidePrEvaluation', () => {
  const decide = (head: ReturnType<typeof headEvaluationOf> | undefined, extra = {}) =>
    decidePrEvaluation({
      base,
      head,
      isFork: false,
      eventName: 'pull_request',
      allowForkPrs: false,
      ...extra,
    });

  it('a head naming another revision evaluates it, against the base revision as baseline', () => {
    expect(decide({ model: 'org/model', revision: 'v2' })).toEqual({
      kind: 'evaluate',
      head: { model: 'org/model', revision: 'v2' },
      base: { model: 'org/model', revision: 'v1' },
    });
  });

  it('a head naming another model without a revision evaluates that model at main', () => {
    expect(decide({ model: 'org/other' })).toMatchObject({
      kind: 'evaluate',
      head: { model: 'org/other', revision: 'main' },
    });
  });

  it('no model change is "nothing to evaluate", with the reason', () => {
    const same = decide({ model: 'org/model', revision: 'v1', benchmarks: ['aime24'] });
    expect(same).toEqual({ kind: 'nothing', reason: expect.stringContaining('does not change the model') });
    expect(decide(undefined)).toMatchObject({
      kind: 'nothing',
      reason: expect.stringContaining('no configuration file'),
    });
  });

  it("a fork's head is never used on pull_request_target unless allow-fork-prs", () => {
    const head = { model: 'org/model', revision: 'v2' };
    const target = { isFork: true, eventName: 'pull_request_target' };
    expect(decide(head, target)).toMatchObject({ kind: 'nothing', reason: expect.stringContaining('fork') });
    expect(decide(head, { ...target, allowForkPrs: true })).toMatchObject({ kind: 'evaluate' });
    // On `pull_request` a fork runs without the repository's secrets, so its head may be read.
    expect(decide(head, { isFork: true })).toMatchObject({ kind: 'evaluate' });
  });
});
