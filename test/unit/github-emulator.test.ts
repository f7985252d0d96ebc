import { readdirSync, readFileSync } from 'node:fs';
import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EMULATOR_INSTALLATION_TOKEN,
  EMULATOR_USER_TOKEN,
  findOperation,
  type GitHubEmulator,
  loadGitHubOpenApi,
  schemaViolations,
  startGitHubEmulator,
} from '../emulators/github';

const repo = { owner: 'octo-org', repo: 'models' };

describe('GitHub API emulator', () => {
  let github: GitHubEmulator;
  let octokit: Octokit;
  beforeEach(async () => {
    github = await startGitHubEmulator();
    octokit = new Octokit({ auth: EMULATOR_INSTALLATION_TOKEN, baseUrl: github.url });
  });
  afterEach(async () => {
    expect(github.state.violations).toEqual([]);
    await github.close();
  });

  it('creates, lists across pages, updates and deletes comments as the token owner', async () => {
    for (let i = 0; i < 150; i++) github.addComment('octo-org/models', 7, `older ${i}`, 'someone');
    const created = await octokit.rest.issues.createComment({ ...repo, issue_number: 7, body: 'results' });
    expect(created.status).toBe(201);
    expect(created.data.user?.login).toBe('github-actions[bot]');

    const firstPage = await octokit.rest.issues.listComments({ ...repo, issue_number: 7, per_page: 100 });
    expect(firstPage.data).toHaveLength(100);
    expect(firstPage.headers.link).toContain('rel="next"');
    expect(firstPage.headers.link).toMatch(/page=2>; rel="last"/);
    const all = await octokit.paginate(octokit.rest.issues.listComments, {
      ...repo,
      issue_number: 7,
      per_page: 100,
    });
    expect(all).toHaveLength(151);
    expect(all.at(-1)?.id).toBe(created.data.id);
    expect(
      github.state.calls.filter((c) => c.path.endsWith('/issues/7/comments') && c.method === 'GET'),
    ).toHaveLength(3);

    await octokit.rest.issues.updateComment({ ...repo, comment_id: created.data.id, body: 'updated' });
    expect(github.commentsOf('octo-org/models', 7).at(-1)?.body).toBe('updated');
    await octokit.rest.issues.deleteComment({ ...repo, comment_id: created.data.id });
    expect(github.commentsOf('octo-org/models', 7)).toHaveLength(150);
    await expect(
      octokit.rest.issues.deleteComment({ ...repo, comment_id: created.data.id }),
    ).rejects.toMatchObject({
      status: 404,
    });
  });

  it('defaults to 30 comments a page, like GitHub', async () => {
    for (let i = 0; i < 31; i++) github.addComment('octo-org/models', 1, `c${i}`, 'someone');
    const page = await octokit.rest.issues.listComments({ ...repo, issue_number: 1 });
    expect(page.data).toHaveLength(30);
  });

  it('refuses bodies over 65,536 characters, as GitHub does', async () => {
    await expect(
      octokit.rest.issues.createComment({ ...repo, issue_number: 2, body: 'x'.repeat(65_537) }),
    ).rejects.toMatchObject({ status: 422 });
  });

  it('adds and removes labels', async () => {
    const added = await octokit.rest.issues.addLabels({
      ...repo,
      issue_number: 7,
      labels: ['evaluate', 'evaluate:aime24'],
    });
    expect(added.data.map((l) => l.name)).toEqual(['evaluate', 'evaluate:aime24']);
    const removed = await octokit.rest.issues.removeLabel({
      ...repo,
      issue_number: 7,
      name: 'evaluate:aime24',
    });
    expect(removed.data.map((l) => l.name)).toEqual(['evaluate']);
    expect(github.labelsOf('octo-org/models', 7)).toEqual(['evaluate']);
    await expect(
      octokit.rest.issues.removeLabel({ ...repo, issue_number: 7, name: 'absent' }),
    ).rejects.toMatchObject({
      status: 404,
    });
  });

  it('reports permissions as GitHub folds them (maintain → write, triage → read)', async () => {
    github.setPermission('alice', 'maintain');
    github.setPermission('bob', 'triage');
    const alice = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: 'alice' });
    expect(alice.data).toMatchObject({ permission: 'write', role_name: 'maintain' });
    const bob = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: 'bob' });
    expect(bob.data.permission).toBe('read');
  });

  it('answers GET /user for user tokens and 403 for installation tokens (GITHUB_TOKEN), like GitHub', async () => {
    const user = new Octokit({ auth: EMULATOR_USER_TOKEN, baseUrl: github.url });
    expect((await user.rest.users.getAuthenticated()).data.login).toBe('emulated-user');
    await expect(octokit.rest.users.getAuthenticated()).rejects.toMatchObject({ status: 403 });
  });

  it('requires an Authorization header and a known token', async () => {
    const anonymous = await fetch(`${github.url}/repos/octo-org/models/issues/1/comments`);
    expect(anonymous.status).toBe(401);
    const wrong = new Octokit({ auth: 'ghs_wrong', baseUrl: github.url });
    await expect(wrong.rest.issues.listComments({ ...repo, issue_number: 1 })).rejects.toMatchObject({
      status: 401,
    });
  });

  it('records requests GitHub would not accept as violations', async () => {
    const headers = {
      authorization: `token ${EMULATOR_INSTALLATION_TOKEN}`,
      'content-type': 'application/json',
    };
    await fetch(`${github.url}/repos/octo-org/models/issues/1/comments`, {
      method: 'POST',
      headers,
      body: '{"text":"x"}',
    });
    await fetch(`${github.url}/repos/octo-org/models/no-such-endpoint`, { headers });
    await fetch(`${github.url}/repos/octo-org/models/issues/1/comments`, { method: 'PUT', headers });
    expect(github.state.violations).toEqual([
      "POST /repos/octo-org/models/issues/1/comments request body: missing required property 'body'",
      "GET /repos/octo-org/models/no-such-endpoint: no such operation in GitHub's API description",
      "PUT /repos/octo-org/models/issues/1/comments: no such operation in GitHub's API description",
    ]);
    github.state.violations.length = 0; // checked here; afterEach asserts none otherwise
  });
});

describe('the OpenAPI check itself', () => {
  const doc = loadGitHubOpenApi();

  it('matches concrete paths to documented operations, literal segments first', () => {
    expect(findOperation(doc, 'PATCH', '/repos/o/r/issues/comments/5')?.template).toBe(
      '/repos/{owner}/{repo}/issues/comments/{comment_id}',
    );
    expect(findOperation(doc, 'GET', '/repos/o/r/issues/5/comments')?.params).toEqual({
      owner: 'o',
      repo: 'r',
      issue_number: '5',
    });
  });

  it('finds missing required properties and wrong types in a response body', () => {
    const schema = { $ref: '#/components/schemas/issue-comment' };
    const problems = schemaViolations(doc, schema, { id: 'one', body: 'x' }, 'comment');
    expect(problems).toContain("comment: missing required property 'node_id'");
    expect(problems).toContain('comment.id: expected integer, got "one"');
  });
});

describe('event fixtures', () => {
  const doc = loadGitHubOpenApi();
  const webhookFor: Record<string, string> = {
    'push-tag.json': 'webhook-push',
    'push-branch.json': 'webhook-push',
    'pull-request-target-labeled.json': 'webhook-pull-request-labeled',
    'pull-request-target-labeled-fork.json': 'webhook-pull-request-labeled',
    'workflow-dispatch.json': 'webhook-workflow-dispatch',
    'repository-dispatch-checkpoint.json': 'webhook-repository-dispatch-sample',
  };
  const dir = new URL('../fixtures/events/', import.meta.url);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('covers every fixture file', () => {
    expect(files.sort()).toEqual(Object.keys(webhookFor).sort());
  });

  it.each(Object.entries(webhookFor))("%s has the shape of GitHub's %s webhook", (file, schemaName) => {
    const payload = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
    expect(schemaViolations(doc, { $ref: `#/components/schemas/${schemaName}` }, payload, file)).toEqual([]);
  });
});
