/** What started the evaluation. */
/**
 * `scheduled-collect`: a `schedule` event with the `run-id` input, which only reopens a detached run
 * (it never starts one), set up by whoever may edit the default branch's workflows.
 */
export type TriggerKind = 'release-tag' | 'pr-label' | 'manual' | 'checkpoint' | 'scheduled-collect';

export interface RepositoryRef {
  owner: string;
  name: string;
  /** `owner/name` */
  fullName: string;
}

export interface PullRequestRef {
  number: number;
  /** `owner/name` of the head repository; `null` when the fork was deleted. */
  headRepo: string | null;
  baseRepo: string;
  headSha: string;
  baseRef: string;
  /** True when the head lives in another repository (or no longer exists). */
  isFork: boolean;
  /** Label names on the PR when the event fired, including the one just added. */
  labels: string[];
}

/** Which results the report compares against. Resolved later (reporting), from the results repo. */
export type BaselineSpec =
  | { kind: 'none' }
  | { kind: 'previous-tag' }
  | { kind: 'base-revision' }
  | { kind: 'fixed'; model: string; revision: string };

/** One evaluation to run: the value every later stage starts from. */
export interface EvalRequest {
  trigger: TriggerKind;
  /** The GitHub event name that carried the trigger (`push`, `pull_request_target`, ...). */
  eventName: string;
  repository: RepositoryRef;
  /** Hub model id, `namespace/name`, validated against the Hub's rules. */
  model: string;
  /** Hub revision: branch, tag or commit, validated as a git ref name. */
  revision: string;
  /** Benchmark names: catalog names or custom tasks declared in the config file. Never empty. */
  benchmarks: string[];
  baseline: BaselineSpec;
  /** Training step, for checkpoint evaluations (x axis of the score-vs-step chart). */
  step?: number;
  /** The pushed tag, for release-tag triggers. */
  tag?: string;
  pullRequest?: PullRequestRef;
  /** Login of whoever caused the event (labeler, dispatcher, pusher): the guard checks this one. */
  actor: string;
  /** Link to the workflow run, for reports and Hub commit messages. */
  runUrl?: string;
}

/**
 * What an event asks for, before inputs and the config file fill the gaps: dispatch payloads carry
 * their own model; tag and label events take it from the settings.
 */
export interface TriggerMatch {
  trigger: TriggerKind;
  eventName: string;
  repository: RepositoryRef;
  actor: string;
  model?: string;
  revision?: string;
  benchmarks?: string[];
  baseline?: BaselineSpec;
  step?: number;
  tag?: string;
  pullRequest?: PullRequestRef;
}

/** An event either asks for an evaluation or does not; "does not" is a normal outcome, not an error. */
export type TriggerOutcome = { kind: 'evaluate'; match: TriggerMatch } | { kind: 'skip'; reason: string };
