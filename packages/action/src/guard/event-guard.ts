import { z } from 'zod';
import {
  actorPermission,
  type CollaboratorPermissionApi,
  type GuardDecision,
  TRIGGERING_PERMISSIONS,
} from './permission-guard';

/**
 * The guard's first pass, on the raw event before anything else reads it. Input and label validation
 * echo what they refuse (a malformed `evaluate:<x>` label, a bad benchmark name), and those words
 * belong to whoever wrote them: a triager without write access who adds `evaluate` to a PR carrying
 * such a label must get the neutral skip, not a failed step that repeats the label. So the only
 * fields read here are GitHub's own (`sender.login`, `repository`), and a refusal names nothing else.
 */

// GitHub's webhook payloads carry these on every event that can start an evaluation.
const eventIdentitySchema = z.object({
  repository: z.object({
    name: z.string(),
    full_name: z.string(),
    owner: z.object({ login: z.string() }),
  }),
  sender: z.object({ login: z.string() }).optional(),
});

/** Events people without write access can fire: a PR label, a manual or API dispatch. */
const CHECKED_EVENTS = new Set([
  'pull_request',
  'pull_request_target',
  'workflow_dispatch',
  'repository_dispatch',
]);

// GitHub logins and repository names are letters, digits, '-', '_' and '.'; anything else is shown
// as '?', so the message can carry no markup even from a forged payload.
const plain = (text: string) => text.replace(/[^A-Za-z0-9._/[\]-]/g, '?');

export type EventGuardFacts =
  | { needsCheck: false }
  | { needsCheck: true; actor: string; owner: string; repo: string; fullName: string }
  | { needsCheck: true; malformed: true };

/** Pure: who fired the event and whether their permission must be checked. */
export function eventGuardFacts(eventName: string, payload: unknown): EventGuardFacts {
  if (!CHECKED_EVENTS.has(eventName)) return { needsCheck: false };
  const parsed = eventIdentitySchema.safeParse(payload);
  if (!parsed.success || !parsed.data.sender) return { needsCheck: true, malformed: true };
  const { repository, sender } = parsed.data;
  return {
    needsCheck: true,
    actor: sender.login,
    owner: repository.owner.login,
    repo: repository.name,
    fullName: repository.full_name,
  };
}

/**
 * Runs before inputs, the config file and the event's labels are validated. `allow` means "go on to
 * the full checks" (resolveSettings, then `guardRequest` for forks); `skip` is final and neutral.
 * Without an Octokit an event that needs the check fails closed with a hint (no echo either).
 */
export async function guardEvent(
  octokit: CollaboratorPermissionApi | undefined,
  eventName: string,
  payload: unknown,
): Promise<GuardDecision> {
  const facts = eventGuardFacts(eventName, payload);
  if (!facts.needsCheck) return { kind: 'allow', reason: `${eventName} needs no permission check` };
  if ('malformed' in facts) {
    return {
      kind: 'skip',
      reason: 'insufficient-permission',
      message: `Not evaluating: the ${plain(eventName)} event does not say who sent it, so their permission cannot be checked.`,
    };
  }
  if (!octokit) {
    throw Object.assign(
      new Error(`a ${plain(eventName)} event needs a permission check, and no github-token was given`),
      {
        hint: "Leave the github-token input at its default (the workflow's GITHUB_TOKEN) so the action can check the actor's permission.",
      },
    );
  }
  const permission = await actorPermission(octokit, facts);
  if (!TRIGGERING_PERMISSIONS.includes(permission)) {
    return {
      kind: 'skip',
      reason: 'insufficient-permission',
      message: `Not evaluating: @${plain(facts.actor)} has '${plain(permission)}' permission on ${plain(facts.fullName)}; starting an evaluation needs write, maintain or admin, because it spends the team's cluster time.`,
    };
  }
  return { kind: 'allow', reason: `@${facts.actor} has '${permission}' permission` };
}
