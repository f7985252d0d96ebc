export { formatBaselineSpec, InvalidBaselineError, parseBaselineSpec } from './baseline';
export type {
  BaselineSpec,
  EvalRequest,
  PullRequestRef,
  RepositoryRef,
  TriggerKind,
  TriggerMatch,
  TriggerOutcome,
} from './eval-request';
export {
  defaultTriggerRules,
  MalformedEventError,
  parseBenchmarkList,
  type TriggerRules,
  triggerFromEvent,
} from './from-event';
export { workflowRunUrl } from './run-url';
export { isReleaseRevision, matchesTagPattern, revisionForTag, tagPatternToRegExp } from './tag-pattern';
