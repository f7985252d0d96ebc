import type { EvalRequest } from '../request/eval-request';

/**
 * Values of `permission` from GET /repos/{owner}/{repo}/collaborators/{username}/permission.
 * GitHub folds `maintain` into `write` and `triage` into `read` there (the finer one is `role_name`);
 * we accept both spellings.
 */
export const TRIGGERING_PERMISSIONS: readonly string[] = ['admin', 'maintain', 'write'];

export type GuardDecision =
  | { kind: 'allow'; reason: string }
  | { kind: 'skip'; reason: 'fork-pull-request' | 'insufficient-permission'; message: string };

export interface GuardFacts {
  request: Pick<EvalRequest, 'trigger' | 'actor' | 'pullRequest' | 'repository'>;
  allowForkPrs: boolean;
  /** The actor's `permission` on the repository; undefined when not looked up (tag pushes). */
  permission?: string;
}

/** Label and dispatch triggers can be fired by people who may not spend cluster time; tags cannot. */
export function needsPermissionCheck(trigger: EvalRequest['trigger']): boolean {
  // A tag push and a schedule come from people who can push to the repository already.
  return trigger !== 'release-tag' && trigger !== 'scheduled-collect';
}

/**
 * Whether this request may reach the cluster. Pure. A refusal is a neutral skip with a message for
 * the log and summary, never a failure: someone without access adding a label is not an error.
 */
export function decideGuard(facts: GuardFacts): GuardDecision {
  const { request } = facts;
  if (request.pullRequest?.isFork && !facts.allowForkPrs) {
    return {
      kind: 'skip',
      reason: 'fork-pull-request',
      message: `Not evaluating: pull request #${request.pullRequest.number} comes from a fork (${request.pullRequest.headRepo ?? 'deleted repository'}) and allow-fork-prs is false. A maintainer can run the evaluation with workflow_dispatch, or set allow-fork-prs: true (the action never runs PR code).`,
    };
  }
  if (!needsPermissionCheck(request.trigger)) {
    return { kind: 'allow', reason: 'tag pushes already require write access' };
  }
  const permission = facts.permission ?? 'none';
  if (!TRIGGERING_PERMISSIONS.includes(permission)) {
    return {
      kind: 'skip',
      reason: 'insufficient-permission',
      message: `Not evaluating: @${request.actor} has '${permission}' permission on ${request.repository.fullName}; starting an evaluation needs write, maintain or admin, because it spends the team's cluster time.`,
    };
  }
  return { kind: 'allow', reason: `@${request.actor} has '${permission}' permission` };
}

/** The one Octokit call the guard makes; `Octokit` from @octokit/rest satisfies it. */
export interface CollaboratorPermissionApi {
  rest: {
    repos: {
      getCollaboratorPermissionLevel(params: {
        owner: string;
        repo: string;
        username: string;
      }): Promise<{ data: { permission: string } }>;
    };
  };
}

/**
 * Looks up the actor's permission when the trigger needs it, then decides. A 404 (the actor is not
 * a collaborator, or is an app/bot account) counts as no permission; other API errors propagate,
 * because failing closed silently would hide a broken token.
 */
export async function guardRequest(
  octokit: CollaboratorPermissionApi,
  request: GuardFacts['request'],
  options: { allowForkPrs: boolean },
): Promise<GuardDecision> {
  const withoutLookup = decideGuard({ request, allowForkPrs: options.allowForkPrs });
  if (withoutLookup.kind === 'skip' && withoutLookup.reason === 'fork-pull-request') return withoutLookup;
  if (!needsPermissionCheck(request.trigger)) return withoutLookup;
  const permission = await actorPermission(octokit, {
    owner: request.repository.owner,
    repo: request.repository.name,
    actor: request.actor,
  });
  return decideGuard({ request, allowForkPrs: options.allowForkPrs, permission });
}

/** The actor's permission on the repository; one who is no collaborator at all (404) has `none`. */
export async function actorPermission(
  octokit: CollaboratorPermissionApi,
  who: { owner: string; repo: string; actor: string },
): Promise<string> {
  try {
    const response = await octokit.rest.repos.getCollaboratorPermissionLevel({
      owner: who.owner,
      repo: who.repo,
      username: who.actor,
    });
    return response.data.permission;
  } catch (error) {
    if (typeof error === 'object' && error !== null && 'status' in error && error.status === 404)
      return 'none';
    throw error;
  }
}
