export {
  type BaselineResults,
  type BaselineRule,
  type BaselineTarget,
  previousReleaseRevision,
  readBaselineResults,
  readSummary,
  resolveBaseline,
} from './baseline';
export { DEFAULT_HUB_TIMEOUT_MS, type HubClient, hubClientFromEnv } from './client';
export { CARD_PATH, cardConfigs, renderDatasetCard } from './dataset-card';
export { HubCommitConflictError, HubRequestError, HubUnavailableError, MissingHubTokenError } from './errors';
export {
  benchmarkDataset,
  type EvalResultsFile,
  type EvalResultsPr,
  evalResultsFiles,
  openEvalResultsPr,
} from './eval-results';
export { HubBusyError, HubTimeoutError, hubFetch, parseRetryAfter } from './http';
export { detailsPath, resultsPath, runFolder, SUMMARY_PATH } from './paths';
export { COMMIT_SHA, RevisionResolveError, resolveRevisionSha, revisionUrl } from './resolve-revision';
export { DEFAULT_RETRY, isTransient, type RetryPolicy, retryDelayMs, withHubRetries } from './retry';
export { type SummaryResultInput, type SummaryRunInput, summaryRecordsForRun } from './summary-records';
export {
  decodeSummary,
  encodeSummary,
  SUMMARY_COLUMNS,
  SummaryFileError,
  type SummaryRecord,
  summaryRecordSchema,
} from './summary-table';
export {
  ensureResultsRepo,
  type ResultsUpload,
  type ResultsUploadFile,
  type ResultsUploadOutcome,
  readHead,
  readSummaryRecords,
  type SummaryRowDraft,
  uploadResults,
  withFilePaths,
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
