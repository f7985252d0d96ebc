export {
  type CollectedResults,
  collectResults,
  findDetailsFiles,
  findResultsFiles,
  newestPerTask,
  readPerProblemScores,
} from './collect';
export {
  detailsFileFor,
  type ProblemScore,
  parseDetails,
  readDetailsFile,
  type SamplesThatRan,
  samplesThatRan,
} from './details';
export { NoResultsFoundError, ResultsFileError } from './errors';
export { type HeadlineCandidate, pickHeadlineMetric } from './headline-metric';
export { parsePythonJson } from './python-json';
export {
  compareTimestamps,
  type ParsedResultsFile,
  parseResultsFile,
  type ResultRow,
  resultsFileTimestamp,
} from './results-file';
export { mergeSeedRows, type SeededRow, type SeedRun, seedSpread } from './seeds';
export { parseTaskKey, type TaskKey } from './task-key';
