export {
  type BaselineResults,
  type BaselineRule,
  type BaselineTarget,
  previousReleaseRevision,
  readBaselineResults,
  readSummary,
  resolveBaseline,
} from './baseline';
export { type HubClient, hubClientFromEnv } from './client';
export { HubRequestError, HubUnavailableError, MissingHubTokenError } from './errors';
export { detailsPath, resultsPath, runFolder, SUMMARY_PATH } from './paths';
export { DEFAULT_RETRY, isTransient, type RetryPolicy, withHubRetries } from './retry';
export { parseSummaryJsonl, type SummaryRow, summaryRowSchema } from './summary-row';
export {
  ensureResultsRepo,
  type ResultsUpload,
  type ResultsUploadFile,
  type ResultsUploadOutcome,
  uploadResults,
} from './upload';
export {
  formatDuration,
  RevisionAccessError,
  type RevisionFound,
  RevisionNeverAppearedError,
  RevisionWaitCancelledError,
  type RevisionWaitOptions,
  waitForCheckpointRevision,
  waitForRevision,
} from './wait-for-revision';
