import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EMULATOR_INSTALLATION_TOKEN,
  EMULATOR_USER_TOKEN,
  type GitHubEmulator,
  startGitHubEmulator,
} from '../../../../test/emulators/github';
import { reportMarker, upsertStickyComment } from '../../src/report';

const REPO = 'acme/models';
const PR = 7;
const marker = reportMarker('acme/tiny-reasoner');
const body = (text: string) => `${marker}\n${text}`;
const target = { owner: 'acme', repo: 'models', issueNumber: PR, marker };

let gh: GitHubEmulator;
beforeEach(async () => {
  gh = await startGitHubEmulator();
});
afterEach(async () => {
  expect(gh.state.violations).toEqual([]);
  await gh.close();
});

const octokit = (token = EMULATOR_INSTALLATION_TOKEN) => new Octokit({ auth: token, baseUrl: gh.url });
const calls = (method: string) =>
  gh.state.calls.filter((c) => c.method === method && c.path.includes('/comments'));

describe('sticky PR comment', () => {
  it('is created once, then updated in place as the run moves on', async () => {
    const first = await upsertStickyComment(octokit(), { ...target, body: body('queued') });
    expect(first.action).toBe('created');
    const second = await upsertStickyComment(octokit(), { ...target, body: body('running 5m') });
    expect(second).toMatchObject({ action: 'updated', commentId: first.commentId });
    const third = await upsertStickyComment(octokit(), { ...target, body: body('running 5m') });
    expect(third.action).toBe('unchanged');
    expect(gh.commentsOf(REPO, PR).map((c) => [c.login, c.body])).toEqual([
      ['github-actions[bot]', body('running 5m')],
    ]);
    expect(calls('PATCH')).toHaveLength(1);
  });

  it('finds its comment on a later page among 150 others, and leaves a quote of the marker by someone else alone', async () => {
    for (let i = 0; i < 120; i++) gh.addComment(REPO, PR, `comment ${i}`, 'reviewer');
    const ours = gh.addComment(REPO, PR, body('old results'), 'github-actions[bot]');
    const quote = gh.addComment(REPO, PR, `> ${marker}\nwhy did it regress?`, 'reviewer');
    for (let i = 0; i < 30; i++) gh.addComment(REPO, PR, `more ${i}`, 'reviewer');

    const result = await upsertStickyComment(octokit(), { ...target, body: body('new results') });
    expect(result).toMatchObject({ action: 'updated', commentId: ours });
    expect(calls('POST')).toHaveLength(0);
    const pages = gh.state.calls.filter((c) => c.method === 'GET' && c.path.endsWith('/comments'));
    expect(pages.map((c) => c.query.page ?? '1')).toEqual(['1', '2']);
    const comments = gh.commentsOf(REPO, PR);
    expect(comments).toHaveLength(152);
    expect(comments.find((c) => c.id === quote)?.body).toContain('why did it regress?');
  });

  it('with a user token, "ours" is the login GET /user returns', async () => {
    gh.addComment(REPO, PR, body('by the bot'), 'github-actions[bot]');
    const result = await upsertStickyComment(octokit(EMULATOR_USER_TOKEN), {
      ...target,
      body: body('by the user'),
    });
    expect(result.action).toBe('created');
    expect(gh.commentsOf(REPO, PR).map((c) => c.login)).toEqual(['github-actions[bot]', 'emulated-user']);
  });

  it('two runs racing to create end with one comment, the oldest', async () => {
    // Hold both runs' POSTs until both have listed the (empty) comments, so both create.
    let release: () => void = () => {};
    const bothListed = new Promise<void>((resolve) => {
      release = resolve;
    });
    let waiting = 0;
    const racing = () => {
      const client = octokit();
      client.hook.before('request', async (options) => {
        if (options.method === 'POST' && String(options.url).endsWith('/comments')) {
          waiting++;
          if (waiting === 2) release();
          await bothListed;
        }
      });
      return client;
    };
    const [a, b] = await Promise.all([
      upsertStickyComment(racing(), { ...target, body: body('run A') }),
      upsertStickyComment(racing(), { ...target, body: body('run B') }),
    ]);
    expect(calls('POST')).toHaveLength(2);
    const remaining = gh.commentsOf(REPO, PR);
    expect(remaining).toHaveLength(1);
    expect(a.commentId).toBe(remaining[0]?.id);
    expect(b.commentId).toBe(remaining[0]?.id);
    expect(calls('DELETE')).toHaveLength(1);
  });

  it('cleans up duplicates an earlier race left behind', async () => {
    const oldest = gh.addComment(REPO, PR, body('a'), 'github-actions[bot]');
    gh.addComment(REPO, PR, body('b'), 'github-actions[bot]');
    const result = await upsertStickyComment(octokit(), { ...target, body: body('c') });
    expect(result).toMatchObject({ action: 'updated', commentId: oldest });
    expect(gh.commentsOf(REPO, PR).map((c) => c.body)).toEqual([body('c')]);
  });

  it('refuses a body without the marker (the next run could not find it)', async () => {
    await expect(upsertStickyComment(octokit(), { ...target, body: 'no marker' })).rejects.toThrow(/marker/);
  });
});
