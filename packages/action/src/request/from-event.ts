import { z } from 'zod';
import { parseBaselineSpec } from './baseline';
import type {
  BaselineSpec,
  PullRequestRef,
  RepositoryRef,
  TriggerMatch,
  TriggerOutcome,
} from './eval-request';
import { matchesTagPattern, revisionForTag } from './tag-pattern';

/** The parts of the settings that decide whether an event is a trigger. */
export interface TriggerRules {
  /** GitHub filter syntax, default `v*`. */
  tagPattern: string;
  /** Template for the Hub revision of a tag, default `{tag}`. */
  tagRevision: string;
  /** The label that starts an evaluation, default `evaluate`; `<label>:<benchmark>` labels pick benchmarks. */
  triggerLabel: string;
  /** `repository_dispatch` type a training job sends, `evaluate-checkpoint`. */
  checkpointEventType: string;
  /** The `run-id` input: a `schedule` event then collects that detached run. */
  collectRunId?: string;
}

export const defaultTriggerRules: TriggerRules = {
  tagPattern: 'v*',
  tagRevision: '{tag}',
  triggerLabel: 'evaluate',
  checkpointEventType: 'evaluate-checkpoint',
};

/** A webhook payload GitHub sent us that does not have the shape GitHub documents. */
export class MalformedEventError extends Error {
  override name = 'MalformedEventError';
  readonly hint: string;
  constructor(
    readonly eventName: string,
    detail: string,
  ) {
    super(`the ${eventName} event payload is not what GitHub sends: ${detail}`);
    this.hint =
      eventName === 'repository_dispatch'
        ? 'Send {"event_type": "evaluate-checkpoint", "client_payload": {"model": "org/name", "revision": "...", "step": 1000}}.'
        : 'GITHUB_EVENT_PATH should point at the payload the runner wrote; check the workflow trigger.';
  }
}

// Only the fields we read; zod drops the rest. Shapes follow GitHub's webhook schemas
// (x-webhooks in @octokit/openapi): `push`, `pull-request-labeled`, `workflow-dispatch`,
// `repository-dispatch`.
const repositorySchema = z.object({
  name: z.string(),
  full_name: z.string(),
  owner: z.object({ login: z.string() }),
});
const senderSchema = z.object({ login: z.string() });

const pushSchema = z.object({
  ref: z.string(),
  deleted: z.boolean(),
  repository: repositorySchema,
  sender: senderSchema,
});

const pullRequestLabeledSchema = z.object({
  action: z.string(),
  number: z.number().int(),
  label: z.object({ name: z.string() }).optional(),
  pull_request: z.object({
    number: z.number().int(),
    labels: z.array(z.object({ name: z.string() })),
    head: z.object({
      sha: z.string(),
      ref: z.string(),
      repo: z.object({ full_name: z.string() }).nullable(),
    }),
    base: z.object({ ref: z.string(), repo: z.object({ full_name: z.string() }) }),
  }),
  repository: repositorySchema,
  sender: senderSchema,
});

// Workflow inputs arrive as strings (booleans and numbers too, depending on the runner), or null.
const dispatchValue = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v).trim());
const scheduleSchema = z.object({
  schedule: z.string().optional(),
  repository: repositorySchema,
  sender: senderSchema.optional(),
});

const workflowDispatchSchema = z.object({
  inputs: z.record(z.string(), dispatchValue.nullable()).nullable(),
  ref: z.string(),
  repository: repositorySchema,
  sender: senderSchema,
});

const repositoryDispatchSchema = z.object({
  action: z.string(),
  client_payload: z.record(z.string(), z.unknown()).nullable(),
  repository: repositorySchema,
  sender: senderSchema,
});

const nonEmpty = z.string().trim().min(1, { error: 'must not be empty' });
const checkpointPayloadSchema = z.object({
  model: nonEmpty,
  revision: nonEmpty,
  step: z
    .union([
      z.int(),
      z
        .string()
        .regex(/^\d+$/, { error: 'must be a whole number' })
        .transform((s) => Number(s)),
    ])
    .pipe(z.int().min(0, { error: 'must be a whole number ≥ 0' }))
    .optional(),
  benchmarks: z.union([z.string(), z.array(z.string())]).optional(),
  baseline: z.string().optional(),
});

function parsePayload<T>(schema: z.ZodType<T>, eventName: string, payload: unknown): T {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first?.path.length ? first.path.join('.') : 'payload';
    throw new MalformedEventError(eventName, `${where}: ${first?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

function repositoryRef(repository: z.infer<typeof repositorySchema>): RepositoryRef {
  return { owner: repository.owner.login, name: repository.name, fullName: repository.full_name };
}

/** Splits `a, b` / `a b` / one per line into names, dropping empties. */
export function parseBenchmarkList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Decides from the event name and payload (the runner's `GITHUB_EVENT_NAME` and the JSON at
 * `GITHUB_EVENT_PATH`) whether this event asks for an evaluation, and what it asks for. Pure.
 * An event of the right kind with the wrong details (another label, a branch push) is a skip with a
 * reason; a payload of the wrong shape is a MalformedEventError.
 */
export function triggerFromEvent(eventName: string, payload: unknown, rules: TriggerRules): TriggerOutcome {
  switch (eventName) {
    case 'push':
      return fromPush(parsePayload(pushSchema, eventName, payload), rules);
    case 'pull_request':
    case 'pull_request_target':
      return fromLabel(eventName, parsePayload(pullRequestLabeledSchema, eventName, payload), rules);
    case 'workflow_dispatch':
      return fromWorkflowDispatch(parsePayload(workflowDispatchSchema, eventName, payload));
    case 'repository_dispatch':
      return fromRepositoryDispatch(parsePayload(repositoryDispatchSchema, eventName, payload), rules);
    case 'schedule':
      return fromSchedule(parsePayload(scheduleSchema, eventName, payload), rules);
    default:
      return {
        kind: 'skip',
        reason: `the '${eventName}' event does not start an evaluation (use push of a tag, a PR label, workflow_dispatch or repository_dispatch)`,
      };
  }
}

function fromPush(event: z.infer<typeof pushSchema>, rules: TriggerRules): TriggerOutcome {
  if (!event.ref.startsWith('refs/tags/')) {
    return { kind: 'skip', reason: `push to ${event.ref} is not a tag push` };
  }
  const tag = event.ref.slice('refs/tags/'.length);
  if (event.deleted) return { kind: 'skip', reason: `tag ${tag} was deleted` };
  if (!matchesTagPattern(tag, rules.tagPattern)) {
    return { kind: 'skip', reason: `tag ${tag} does not match the tag pattern '${rules.tagPattern}'` };
  }
  return {
    kind: 'evaluate',
    match: {
      trigger: 'release-tag',
      eventName: 'push',
      repository: repositoryRef(event.repository),
      actor: event.sender.login,
      tag,
      revision: revisionForTag(tag, rules.tagRevision),
    },
  };
}

function fromLabel(
  eventName: string,
  event: z.infer<typeof pullRequestLabeledSchema>,
  rules: TriggerRules,
): TriggerOutcome {
  if (event.action !== 'labeled') {
    return { kind: 'skip', reason: `pull request action '${event.action}' is not 'labeled'` };
  }
  const added = event.label?.name;
  if (added !== rules.triggerLabel) {
    return {
      kind: 'skip',
      reason: `label '${added ?? '(none)'}' is not the trigger label '${rules.triggerLabel}'`,
    };
  }
  const pr = event.pull_request;
  const labels = pr.labels.map((l) => l.name);
  const prefix = `${rules.triggerLabel}:`;
  const benchmarks = labels.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length).trim());
  const headRepo = pr.head.repo?.full_name ?? null;
  const pullRequest: PullRequestRef = {
    number: pr.number,
    headRepo,
    baseRepo: pr.base.repo.full_name,
    headSha: pr.head.sha,
    baseRef: pr.base.ref,
    // A deleted fork leaves head.repo null: it was not this repository, so treat it as a fork.
    isFork: headRepo === null || headRepo.toLowerCase() !== pr.base.repo.full_name.toLowerCase(),
    labels,
  };
  const match: TriggerMatch = {
    trigger: 'pr-label',
    eventName,
    repository: repositoryRef(event.repository),
    actor: event.sender.login,
    pullRequest,
  };
  if (benchmarks.length > 0) match.benchmarks = benchmarks;
  return { kind: 'evaluate', match };
}

function fromSchedule(event: z.infer<typeof scheduleSchema>, rules: TriggerRules): TriggerOutcome {
  if (!rules.collectRunId) {
    return {
      kind: 'skip',
      reason: 'a scheduled run only collects a detached run: set the run-id input to the run to collect',
    };
  }
  return {
    kind: 'evaluate',
    match: {
      trigger: 'scheduled-collect',
      eventName: 'schedule',
      repository: repositoryRef(event.repository),
      actor: event.sender?.login ?? 'schedule',
    },
  };
}

function fromWorkflowDispatch(event: z.infer<typeof workflowDispatchSchema>): TriggerOutcome {
  const inputs = event.inputs ?? {};
  const value = (name: string) => {
    const v = inputs[name];
    return v ? v : undefined;
  };
  const match: TriggerMatch = {
    trigger: 'manual',
    eventName: 'workflow_dispatch',
    repository: repositoryRef(event.repository),
    actor: event.sender.login,
  };
  const model = value('model');
  const revision = value('revision');
  const benchmarks = value('benchmarks');
  const baseline = value('baseline');
  if (model) match.model = model;
  if (revision) match.revision = revision;
  if (benchmarks) match.benchmarks = parseBenchmarkList(benchmarks);
  if (baseline) match.baseline = parseBaselineSpec(baseline);
  return { kind: 'evaluate', match };
}

function fromRepositoryDispatch(
  event: z.infer<typeof repositoryDispatchSchema>,
  rules: TriggerRules,
): TriggerOutcome {
  if (event.action !== rules.checkpointEventType) {
    return {
      kind: 'skip',
      reason: `repository_dispatch type '${event.action}' is not '${rules.checkpointEventType}'`,
    };
  }
  const payload = parsePayload(checkpointPayloadSchema, 'repository_dispatch', event.client_payload ?? {});
  const match: TriggerMatch = {
    trigger: 'checkpoint',
    eventName: 'repository_dispatch',
    repository: repositoryRef(event.repository),
    actor: event.sender.login,
    model: payload.model,
    revision: payload.revision,
  };
  if (payload.step !== undefined) match.step = payload.step;
  if (payload.benchmarks !== undefined) {
    const list =
      typeof payload.benchmarks === 'string' ? parseBenchmarkList(payload.benchmarks) : payload.benchmarks;
    if (list.length > 0) match.benchmarks = list.map((b) => b.trim());
  }
  if (payload.baseline) match.baseline = parseBaselineSpec(payload.baseline) satisfies BaselineSpec;
  return { kind: 'evaluate', match };
}
