export { type BackoffOptions, backoffDelay, sleep } from './backoff';
export { MISSING_SECRETS_EXIT_CODE, renderBatchScript, renderSecretsFile } from './batch-script';
export { type CancelRequest, type CancelResult, cancelJobs } from './cancel';
export {
  type CollectedFile,
  type CollectedJobFiles,
  type CollectOptions,
  collectJobFiles,
  readLogTails,
} from './collect';
export {
  applyLimits,
  type CollectLimits,
  DETAILS_LIMITS,
  formatBytes,
  RESULTS_LIMITS,
} from './collect-limits';
export { scrubbedEnvironment } from './environment';
export {
  HostKeyMismatchError,
  HostKeyRevokedError,
  KnownHostsLineError,
  RemoteCommandError,
  SlurmOutputError,
  SlurmPackageError,
  SshConnectError,
  SubmitError,
  UnsafeBatchValueError,
  UnsafeRemotePathError,
  type UnsafeRemotePathReason,
} from './errors';
export { classifyFailure, type FailureClass, isGpuOutOfMemoryLog, isRetryableFailure } from './failure-class';
export { type ClassifiedFailure, classifyJobFailure } from './failure-log';
export {
  GRES_TYPE_PATTERN,
  type JobSpec,
  logPaths,
  type MultiNodeSpec,
  scriptPath,
  secretsPath,
  timeLimitSeconds,
} from './job-spec';
export {
  FAILED_STATES,
  type FailedStateName,
  isFinal,
  RUNNING_STATES,
  type RunningStateName,
  type SlurmJobState,
  toJobState,
} from './job-state';
export {
  type HostKeyPins,
  hostFieldMatches,
  hostKeysFromKnownHosts,
  knownHostsName,
  openSshFingerprint,
  type PinnedHostKey,
  parseKnownHostsLine,
  requireHostKeys,
} from './known-hosts';
export { createLocalTransport } from './local-transport';
export { type Logger, silentLogger, stderrLogger } from './logger';
export { MULTI_NODE_STARTUP_EXIT_CODE, STEP_SCRIPTS } from './multi-node-script';
export {
  makeOwnedDirectory,
  type OwnedDirectory,
  type OwnedDirectoryOptions,
  resolveRemoteDirectory,
} from './owned-directory';
export {
  type ListedEntry,
  listTreeSafely,
  parseListing,
  type SafeListing,
  type SkippedEntry,
} from './safe-listing';
export { writeSecretsFile } from './secrets-file';
export { shellJoin, shellQuote } from './shell-quote';
export { connectSsh, type SshEndpoint, type SshOptions, type SshTransport } from './ssh-transport';
export {
  baseJobId,
  type FoundJob,
  findJobByKey,
  findJobsByKeys,
  type SubmitOptions,
  type SubmittedJob,
  submitJob,
} from './submit';
export { type JobOutcome, type SuperviseOptions, type SuperviseResult, superviseJobs } from './supervise';
export type {
  CommandResult,
  ExecOptions,
  ReadFileOptions,
  RemoteFileEntry,
  Transport,
  WriteFileOptions,
} from './transport';
export { joinRemotePath } from './transport';
export {
  type JobSnapshot,
  pollJobStates,
  type StatusSource,
  type WatchEvent,
  type WatchOptions,
  watchJobs,
} from './watch';
