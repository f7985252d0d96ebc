/**
 * Layout of the results dataset:
 *
 * ```
 * summary.parquet                                           one row per run × benchmark (summary-table.ts)
 * README.md                                                 the dataset card (dataset-card.ts)
 * {org}/{model}/{revision}/{benchmark}/results_{ts}.json    LightEval's results file, as written
 * {org}/{model}/{revision}/{benchmark}/details_{ts}.parquet LightEval's details, when saved
 * ```
 *
 * Benchmark names hold `:` (`gpqa:diamond`) and revisions may hold `/` (branches): both become `_`
 * in their path segment so every file sits at a fixed depth and checks out on any file system.
 */
export const SUMMARY_PATH = 'summary.parquet';

export function pathSegment(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function runFolder(model: string, revision: string): string {
  const [org = '', name = ''] = model.split('/');
  return `${pathSegment(org)}/${pathSegment(name)}/${pathSegment(revision)}`;
}

export function resultsPath(model: string, revision: string, benchmark: string, timestamp: string): string {
  return `${runFolder(model, revision)}/${pathSegment(benchmark)}/results_${timestamp}.json`;
}

export function detailsPath(model: string, revision: string, benchmark: string, timestamp: string): string {
  return `${runFolder(model, revision)}/${pathSegment(benchmark)}/details_${timestamp}.parquet`;
}
