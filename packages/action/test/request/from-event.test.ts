import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  defaultTriggerRules,
  isReleaseRevision,
  MalformedEventError,
  matchesTagPattern,
  parseBaselineSpec,
  revisionForTag,
  type TriggerOutcome,
  triggerFromEvent,
  workflowRunUrl,
} from '../../src/request';

// biome-ignore lint/suspicious/noExplicitAny: fixtures are free-form JSON edited per test
type Payload = any;
const fixture = (name: string): Payload =>
  JSON.parse(readFileSync(new URL(`../../../../test/fixtures/events/${name}.json`, import.meta.url), 'utf8'));

function evaluate(outcome: TriggerOutcome) {
  if (outcome.kind !== 'evaluate') throw new Error(`expected an evaluation, got skip: ${outcome.reason}`);
  return outcome.match;
}

describe('release tag (push)', () => {
  it('evaluates a tag matching the pattern at the tag as revision', () => {
    const match = evaluate(triggerFromEvent('push', fixture('push-tag'), defaultTriggerRules));
    expect(match).toMatchObject({
      trigger: 'release-tag',
      tag: 'v1.2.0',
      revision: 'v1.2.0',
      actor: 'Codertocat',
      repository: { owner: 'Codertocat', name: 'Hello-World', fullName: 'Codertocat/Hello-World' },
    });
    expect(match.model).toBeUndefined();
  });

  it('maps the tag to a Hub revision through the configured template', () => {
    const rules = { ...defaultTriggerRules, tagRevision: 'release-{version}' };
    expect(evaluate(triggerFromEvent('push', fixture('push-tag'), rules)).revision).toBe('release-1.2.0');
  });

  it('skips, with a reason, tags that do not match, deleted tags and branch pushes', () => {
    const rules = { ...defaultTriggerRules, tagPattern: 'release-*' };
    expect(triggerFromEvent('push', fixture('push-tag'), rules)).toEqual({
      kind: 'skip',
      reason: "tag v1.2.0 does not match the tag pattern 'release-*'",
    });
    const deleted = { ...fixture('push-tag'), deleted: true };
    expect(triggerFromEvent('push', deleted, defaultTriggerRules)).toMatchObject({ kind: 'skip' });
    expect(triggerFromEvent('push', fixture('push-branch'), defaultTriggerRules)).toEqual({
      kind: 'skip',
      reason: 'push to refs/heads/master is not a tag push',
    });
  });

  it("matches tags with GitHub's filter syntax", () => {
    expect(matchesTagPattern('v1.2.0', 'v*')).toBe(true);
    expect(matchesTagPattern('release/v1', 'v*')).toBe(false);
    expect(matchesTagPattern('release/v1', '**')).toBe(true);
    expect(matchesTagPattern('v1.2.0', 'v[0-9]+.[0-9]+.[0-9]+')).toBe(true);
    expect(matchesTagPattern('v10.2.0', 'v[0-9].*')).toBe(false);
    expect(matchesTagPattern('v1', 'vv?1')).toBe(true); // `?` makes the preceding character optional
    expect(matchesTagPattern('v1.2.0-rc1', 'v*-rc*')).toBe(true);
    expect(revisionForTag('v2.0', '{tag}')).toBe('v2.0');
  });
});

describe('PR label (pull_request / pull_request_target labeled)', () => {
  it('evaluates when the trigger label is added, tied to the PR, benchmarks from further labels', () => {
    const match = evaluate(
      triggerFromEvent('pull_request_target', fixture('pull-request-target-labeled'), defaultTriggerRules),
    );
    expect(match.trigger).toBe('pr-label');
    expect(match.eventName).toBe('pull_request_target');
    expect(match.benchmarks).toEqual(['aime24', 'math_500']);
    expect(match.pullRequest).toMatchObject({
      number: 2,
      headRepo: 'Codertocat/Hello-World',
      baseRepo: 'Codertocat/Hello-World',
      isFork: false,
    });
  });

  it('detects a fork from the head repository, and treats a deleted fork as a fork', () => {
    const payload = fixture('pull-request-target-labeled-fork');
    const match = evaluate(triggerFromEvent('pull_request', payload, defaultTriggerRules));
    expect(match.pullRequest).toMatchObject({ isFork: true, headRepo: 'a-contributor/Hello-World' });
    expect(match.actor).toBe('a-maintainer');
    expect(match.benchmarks).toBeUndefined();
    payload.pull_request.head.repo = null;
    const deleted = evaluate(triggerFromEvent('pull_request', payload, defaultTriggerRules));
    expect(deleted.pullRequest).toMatchObject({ isFork: true, headRepo: null });
  });

  it('skips other labels and other actions', () => {
    const payload = fixture('pull-request-target-labeled');
    payload.label.name = 'documentation';
    expect(triggerFromEvent('pull_request_target', payload, defaultTriggerRules)).toEqual({
      kind: 'skip',
      reason: "label 'documentation' is not the trigger label 'evaluate'",
    });
    payload.action = 'synchronize';
    expect(triggerFromEvent('pull_request_target', payload, defaultTriggerRules)).toMatchObject({
      kind: 'skip',
    });
  });

  it('uses the configured label name for both the trigger and the benchmark labels', () => {
    const payload = fixture('pull-request-target-labeled');
    payload.label.name = 'eval';
    payload.pull_request.labels = [
      { name: 'eval' },
      { name: 'eval:gpqa:diamond' },
      { name: 'evaluate:aime24' },
    ];
    const match = evaluate(
      triggerFromEvent('pull_request_target', payload, { ...defaultTriggerRules, triggerLabel: 'eval' }),
    );
    expect(match.benchmarks).toEqual(['gpqa:diamond']);
  });
});

describe('workflow_dispatch', () => {
  it('takes model, revision, benchmarks and baseline from the inputs', () => {
    const match = evaluate(
      triggerFromEvent('workflow_dispatch', fixture('workflow-dispatch'), defaultTriggerRules),
    );
    expect(match).toMatchObject({
      trigger: 'manual',
      actor: 'octocat',
      model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
      revision: 'main',
      benchmarks: ['aime24', 'math_500'],
      baseline: { kind: 'fixed', model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B', revision: 'main' },
    });
  });

  it('leaves empty inputs unset so settings fill them', () => {
    const payload = fixture('workflow-dispatch');
    payload.inputs = { model: '', revision: '  ', benchmarks: '' };
    const match = evaluate(triggerFromEvent('workflow_dispatch', payload, defaultTriggerRules));
    expect(match.model).toBeUndefined();
    expect(match.revision).toBeUndefined();
    expect(match.benchmarks).toBeUndefined();
    payload.inputs = null;
    expect(
      evaluate(triggerFromEvent('workflow_dispatch', payload, defaultTriggerRules)).model,
    ).toBeUndefined();
  });
});

describe('repository_dispatch (evaluate-checkpoint)', () => {
  it('takes model, revision, step and benchmarks from client_payload', () => {
    const match = evaluate(
      triggerFromEvent('repository_dispatch', fixture('repository-dispatch-checkpoint'), defaultTriggerRules),
    );
    expect(match).toMatchObject({
      trigger: 'checkpoint',
      model: 'my-org/qwen-7b-grpo',
      revision: 'step-1200',
      step: 1200,
      benchmarks: ['aime24', 'math_500'],
    });
  });

  it('accepts a numeric-string step and a comma-separated benchmark list', () => {
    const payload = fixture('repository-dispatch-checkpoint');
    payload.client_payload.step = '300';
    payload.client_payload.benchmarks = 'aime24,gpqa:diamond';
    const match = evaluate(triggerFromEvent('repository_dispatch', payload, defaultTriggerRules));
    expect(match.step).toBe(300);
    expect(match.benchmarks).toEqual(['aime24', 'gpqa:diamond']);
  });

  it('skips other dispatch types and rejects a checkpoint payload without a model', () => {
    const payload = fixture('repository-dispatch-checkpoint');
    payload.action = 'deploy';
    expect(triggerFromEvent('repository_dispatch', payload, defaultTriggerRules)).toMatchObject({
      kind: 'skip',
    });
    payload.action = 'evaluate-checkpoint';
    delete payload.client_payload.model;
    expect(() => triggerFromEvent('repository_dispatch', payload, defaultTriggerRules)).toThrow(
      MalformedEventError,
    );
    payload.client_payload = { model: 'a/b', revision: 'main', step: -1 };
    expect(() => triggerFromEvent('repository_dispatch', payload, defaultTriggerRules)).toThrow(/step/);
  });
});

describe('other events and malformed payloads', () => {
  it('skips events that never trigger an evaluation', () => {
    expect(triggerFromEvent('issues', {}, defaultTriggerRules)).toMatchObject({ kind: 'skip' });
  });

  it('rejects a trigger event whose payload lacks what GitHub always sends', () => {
    const error = (() => {
      try {
        triggerFromEvent('push', { ref: 'refs/tags/v1' }, defaultTriggerRules);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(MalformedEventError);
    expect((error as MalformedEventError).hint).toMatch(/GITHUB_EVENT_PATH/);
  });
});

describe('baseline specs and the run URL', () => {
  it('reads rule words and fixed models', () => {
    expect(parseBaselineSpec('previous-tag')).toEqual({ kind: 'previous-tag' });
    expect(parseBaselineSpec('fixed: org/base@v1')).toEqual({
      kind: 'fixed',
      model: 'org/base',
      revision: 'v1',
    });
    expect(() => parseBaselineSpec('latest')).toThrow(/not a baseline rule/);
    expect(() => parseBaselineSpec('org/base@')).toThrow();
  });

  it('builds the workflow run link from the runner variables', () => {
    const env = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '42' };
    expect(workflowRunUrl(env)).toBe('https://github.com/o/r/actions/runs/42');
    expect(workflowRunUrl({ ...env, GITHUB_RUN_ATTEMPT: '2' })).toBe(
      'https://github.com/o/r/actions/runs/42/attempts/2',
    );
    expect(workflowRunUrl({})).toBeUndefined();
  });
});

describe('schedule (the collector of a detached run)', () => {
  const schedule = { schedule: '*/30 * * * *', repository: fixture('workflow-dispatch').repository };

  it('collects the run named by the run-id input, as the scheduled-collect trigger', () => {
    const match = evaluate(
      triggerFromEvent('schedule', schedule, { ...defaultTriggerRules, collectRunId: 'me-123' }),
    );
    expect(match.trigger).toBe('scheduled-collect');
    expect(match.repository.fullName).toBe('octo-org/octo-repo');
    expect(match.actor).toBe('schedule');
  });

  it('is skipped without a run id: a schedule never starts an evaluation', () => {
    expect(triggerFromEvent('schedule', schedule, defaultTriggerRules)).toMatchObject({
      kind: 'skip',
      reason: expect.stringContaining('run-id'),
    });
  });
});

describe('isReleaseRevision: the previous-tag baseline honours tag-pattern and the revision template', () => {
  it('matches revisions that a tag of the pattern maps to, and nothing else', () => {
    expect(isReleaseRevision('v1.2.0', 'v*', '{tag}')).toBe(true);
    expect(isReleaseRevision('main', 'v*', '{tag}')).toBe(false);
    // A team tagging `release-3` is not matched by the old hard-coded `v?N.N` rule.
    expect(isReleaseRevision('release-3', 'release-*', '{tag}')).toBe(true);
    expect(isReleaseRevision('v1.2.0', 'release-*', '{tag}')).toBe(false);
    // `{version}` strips the tag's `v`: revision 1.2.0 comes from tag v1.2.0.
    expect(isReleaseRevision('1.2.0', 'v[0-9]*', '{version}')).toBe(true);
    expect(isReleaseRevision('step-1200', 'v[0-9]*', '{version}')).toBe(false);
    expect(isReleaseRevision('model-v2', 'v*', 'model-{tag}')).toBe(true);
    expect(isReleaseRevision('other-v2', 'v*', 'model-{tag}')).toBe(false);
  });
});
