import { Octokit } from '@octokit/rest';
import { describe, expect, it } from 'vitest';
import { decideGuard, type GuardFacts, guardRequest } from '../../src/guard';
import { useGuardEmulator } from './guard-emulator';

const repository = { owner: 'octo-org', name: 'models', fullName: 'octo-org/models' };
const labelRequest: GuardFacts['request'] = {
  trigger: 'pr-label',
  actor: 'labeler',
  repository,
  pullRequest: {
    number: 7,
    headRepo: 'octo-org/models',
    baseRepo: 'octo-org/models',
    headSha: 'abc',
    baseRef: 'main',
    isFork: false,
    labels: ['evaluate'],
  },
};
const forkRequest: GuardFacts['request'] = {
  ...labelRequest,
  pullRequest: {
    ...(labelRequest.pullRequest as NonNullable<GuardFacts['request']['pullRequest']>),
    headRepo: 'someone/models',
    isFork: true,
  },
};

describe('decideGuard', () => {
  it('allows write, maintain and admin; skips read, triage and none with a neutral message', () => {
    for (const permission of ['write', 'maintain', 'admin']) {
      expect(decideGuard({ request: labelRequest, allowForkPrs: false, permission }).kind).toBe('allow');
    }
    for (const permission of ['read', 'triage', 'none', undefined]) {
      const decision = decideGuard({ request: labelRequest, allowForkPrs: false, permission });
      expect(decision).toMatchObject({ kind: 'skip', reason: 'insufficient-permission' });
    }
    const decision = decideGuard({ request: labelRequest, allowForkPrs: false, permission: 'read' });
    expect(decision.kind === 'skip' && decision.message).toMatch(
      /@labeler has 'read' permission on octo-org\/models/,
    );
  });

  it('refuses fork PRs unless allowed, even for admins', () => {
    expect(decideGuard({ request: forkRequest, allowForkPrs: false, permission: 'admin' })).toMatchObject({
      kind: 'skip',
      reason: 'fork-pull-request',
    });
    expect(decideGuard({ request: forkRequest, allowForkPrs: true, permission: 'admin' }).kind).toBe('allow');
  });

  it('needs no permission lookup for tag pushes', () => {
    expect(
      decideGuard({
        request: { ...labelRequest, trigger: 'release-tag', pullRequest: undefined },
        allowForkPrs: false,
      }).kind,
    ).toBe('allow');
  });
});

describe('guardRequest against the GitHub API emulator', () => {
  const { github, octokit } = useGuardEmulator();

  it("reads the actor's permission and decides", async () => {
    github().setPermission('labeler', 'maintain');
    expect((await guardRequest(octokit(), labelRequest, { allowForkPrs: false })).kind).toBe('allow');
    github().setPermission('labeler', 'triage');
    expect(await guardRequest(octokit(), labelRequest, { allowForkPrs: false })).toMatchObject({
      kind: 'skip',
      reason: 'insufficient-permission',
    });
    expect(github().state.calls.at(-1)).toMatchObject({
      method: 'GET',
      path: '/repos/octo-org/models/collaborators/labeler/permission',
      status: 200,
    });
    expect(github().state.violations).toEqual([]);
  });

  it('makes no API call for a refused fork PR or a tag push', async () => {
    const before = github().state.calls.length;
    expect((await guardRequest(octokit(), forkRequest, { allowForkPrs: false })).kind).toBe('skip');
    const tag = { ...labelRequest, trigger: 'release-tag' as const, pullRequest: undefined };
    expect((await guardRequest(octokit(), tag, { allowForkPrs: false })).kind).toBe('allow');
    expect(github().state.calls.length).toBe(before);
  });

  it('propagates API failures instead of deciding on them', async () => {
    const badToken = new Octokit({ auth: 'ghs_not_a_known_token', baseUrl: github().url });
    await expect(guardRequest(badToken, labelRequest, { allowForkPrs: false })).rejects.toMatchObject({
      status: 401,
    });
  });

  it('treats a 404 (not a collaborator, or an app) as no permission', async () => {
    const notFound = {
      rest: {
        repos: {
          getCollaboratorPermissionLevel: () =>
            Promise.reject(Object.assign(new Error('Not Found'), { status: 404 })),
        },
      },
    };
    expect(await guardRequest(notFound, labelRequest, { allowForkPrs: false })).toMatchObject({
      kind: 'skip',
      reason: 'insufficient-permission',
    });
  });
});
