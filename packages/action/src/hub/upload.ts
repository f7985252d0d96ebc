import {
  type CommitOperation,
  commit,
  createRepo,
  datasetInfo,
  downloadFile,
  HubApiError,
} from '@huggingface/hub';
import { callParams, datasetRepo, type HubClient, writeParams } from './client';
import { CARD_PATH, renderDatasetCard } from './dataset-card';
import { HubCommitConflictError } from './errors';
import { detailsPath, resultsPath, SUMMARY_PATH } from './paths';
import { withHubRetries } from './retry';
import { appendRows, decodeSummary, encodeSummary, type SummaryRecord } from './summary-table';

export interface ResultsUploadFile {
  benchmark: string;
  /** The timestamp in LightEval's file name. */
  timestamp: string;
  /** The results file exactly as LightEval wrote it. */
  resultsJson: string;
  /** The details parquet, when LightEval saved one. */
  details?: Uint8Array;
}

/** A summary row before the upload names its files. */
export type SummaryRowDraft = Omit<SummaryRecord, 'results_file' | 'details_file'>;

export interface ResultsUpload {
  /** Dataset repo `ORG/NAME` (the `results-repo` input). */
  repo: string;
  model: string;
  revision: string;
  files: readonly ResultsUploadFile[];
  /** This run's rows (one per benchmark), from `summaryRecordsForRun`. */
  summary: readonly SummaryRowDraft[];
  workflowRunUrl?: string;
}

export interface ResultsUploadOutcome {
  commitOid: string;
  commitUrl: string;
  paths: string[];
  /** Link to the dataset on the Hub, for the report. */
  datasetUrl: string;
  /** Commits refused because another landed first (each was re-read and retried). */
  conflicts: number;
  /** Rows this upload added (0 when an earlier attempt's commit had landed after all). */
  appendedRows: number;
}

/** Attempts at the commit when others keep landing first: each costs a re-read of summary and card. */
export const DEFAULT_CONFLICT_ATTEMPTS = 8;

/** Creates the dataset repo (private) unless it exists; "already exists" (409) is the normal case. */
export async function ensureResultsRepo(client: HubClient, repo: string): Promise<void> {
  writeParams(client, repo);
  await withHubRetries(`creating dataset ${repo}`, client.retry, async () => {
    try {
      await createRepo({ ...writeParams(client, repo), repo: datasetRepo(repo), visibility: 'private' });
    } catch (error) {
      if (error instanceof HubApiError && error.statusCode === 409) return;
      throw error;
    }
  });
}

/** The commit `main` of the dataset points at now. */
export async function readHead(client: HubClient, repo: string): Promise<string> {
  return withHubRetries(`reading the head commit of ${repo}`, client.retry, async () => {
    const info = await datasetInfo({
      ...callParams(client),
      name: repo,
      revision: 'main',
      additionalFields: ['sha'],
    });
    if (typeof info.sha !== 'string' || info.sha === '') {
      throw new HubApiError(
        `${client.hubUrl}/api/datasets/${repo}`,
        502,
        undefined,
        'no sha in the dataset info',
      );
    }
    return info.sha;
  });
}

export async function readHubText(
  client: HubClient,
  repo: string,
  path: string,
  revision?: string,
): Promise<string | null> {
  return withHubRetries(`reading ${path} from ${repo}`, client.retry, async () => {
    const blob = await downloadFile({
      ...callParams(client),
      repo: datasetRepo(repo),
      path,
      ...(revision && { revision }),
    });
    return blob ? blob.text() : null;
  });
}

export async function readHubBytes(
  client: HubClient,
  repo: string,
  path: string,
  revision?: string,
): Promise<Uint8Array | null> {
  return withHubRetries(`reading ${path} from ${repo}`, client.retry, async () => {
    const blob = await downloadFile({
      ...callParams(client),
      repo: datasetRepo(repo),
      path,
      ...(revision && { revision }),
    });
    return blob ? new Uint8Array(await blob.arrayBuffer()) : null;
  });
}

/** The summary rows at `revision` (default: `main`); none when the file does not exist yet. */
export async function readSummaryRecords(
  client: HubClient,
  repo: string,
  revision?: string,
): Promise<SummaryRecord[]> {
  const bytes = await readHubBytes(client, repo, SUMMARY_PATH, revision);
  return bytes === null ? [] : decodeSummary(bytes, `${repo}/${SUMMARY_PATH}`);
}

/** The rows with the paths of the files this upload writes for their benchmark. */
export function withFilePaths(upload: Omit<ResultsUpload, 'repo'>): SummaryRecord[] {
  return upload.summary.map((row) => {
    const files = upload.files.filter((f) => f.benchmark === row.benchmark);
    const file = files[0];
    const paths = files.map((f) => resultsPath(upload.model, upload.revision, f.benchmark, f.timestamp));
    return {
      ...row,
      // Several files for one benchmark: the seeds of a `seeds: N` run, first seed first.
      ...(files.length > 1 && { seed_files: paths.join(',') }),
      results_file: paths[0] ?? '',
      details_file:
        file?.details !== undefined
          ? detailsPath(upload.model, upload.revision, file.benchmark, file.timestamp)
          : null,
    };
  });
}

/**
 * Uploads one run's results files, details, its summary rows and the updated dataset card in one
 * commit whose message links the workflow run.
 *
 * Appending is read–modify–write, so the commit names its parent (`parentCommit`): the Hub refuses
 * it with 412 when another commit landed since the read (two checkpoints finishing together), and we
 * re-read the summary and card at the new head and try again, so neither run's row is lost. Rows
 * already present (same run id, benchmark and results file) are not added twice: a retry after a
 * commit whose answer was lost finds its rows there and stops.
 *
 * Each request retries 429/5xx/timeouts with backoff (honouring `Retry-After`); throws
 * `HubUnavailableError` when the Hub stays down (the caller still reports and keeps the artifact),
 * `HubRequestError` when it refuses (token, permissions) and `HubCommitConflictError` when other
 * commits kept winning.
 */
export async function uploadResults(
  client: HubClient,
  upload: ResultsUpload,
  options: { conflictAttempts?: number } = {},
): Promise<ResultsUploadOutcome> {
  await ensureResultsRepo(client, upload.repo);
  const { operations, paths } = fileOperations(upload);
  const rows = withFilePaths(upload);
  const attempts = options.conflictAttempts ?? DEFAULT_CONFLICT_ATTEMPTS;
  const sleep =
    client.retry.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const result = await commitOnHead(client, upload, operations, rows);
    if (result !== 'conflict') {
      return {
        commitOid: result.oid,
        commitUrl: result.url,
        paths: [...paths, SUMMARY_PATH, CARD_PATH],
        datasetUrl: `${client.hubUrl}/datasets/${upload.repo}`,
        conflicts: attempt - 1,
        appendedRows: result.appended,
      };
    }
    // Racers that read together would collide again at once: wait a random, growing moment.
    if (attempt < attempts) await sleep(Math.random() * Math.min(client.retry.baseDelayMs, 1_000) * attempt);
  }
  throw new HubCommitConflictError(upload.repo, attempts);
}

/** The results and details files of an upload, as commit operations. */
function fileOperations(upload: ResultsUpload): { operations: CommitOperation[]; paths: string[] } {
  const operations: CommitOperation[] = [];
  const paths: string[] = [];
  for (const file of upload.files) {
    const path = resultsPath(upload.model, upload.revision, file.benchmark, file.timestamp);
    operations.push({ operation: 'addOrUpdate', path, content: new Blob([file.resultsJson]) });
    paths.push(path);
    if (file.details) {
      const details = detailsPath(upload.model, upload.revision, file.benchmark, file.timestamp);
      operations.push({ operation: 'addOrUpdate', path: details, content: new Blob([file.details]) });
      paths.push(details);
    }
  }
  return { operations, paths };
}

/**
 * One attempt: read the head, the summary and the card at it, commit with the head as parent.
 * 'conflict' when another commit landed in between; `appended: 0` (no commit) when our rows are there.
 */
async function commitOnHead(
  client: HubClient,
  upload: ResultsUpload,
  operations: readonly CommitOperation[],
  rows: readonly SummaryRecord[],
): Promise<{ oid: string; url: string; appended: number } | 'conflict'> {
  const head = await readHead(client, upload.repo);
  // Read at the head commit, not `main`: what we append to is exactly what the parent holds.
  const existing = await readSummaryRecords(client, upload.repo, head);
  const { rows: summary, appended } = appendRows(existing, rows);
  if (appended === 0 && rows.length > 0) return { oid: head, url: '', appended: 0 };
  const card = renderDatasetCard(
    await readHubText(client, upload.repo, CARD_PATH, head),
    upload.repo,
    summary,
  );
  const description = upload.workflowRunUrl ? `Workflow run: ${upload.workflowRunUrl}` : undefined;
  return withHubRetries(`the results commit to ${upload.repo}`, client.retry, async () => {
    try {
      const outcome = await commit({
        ...writeParams(client, upload.repo),
        repo: datasetRepo(upload.repo),
        title: `Evaluate ${upload.model}@${upload.revision}`,
        ...(description ? { description } : {}),
        parentCommit: head,
        operations: [
          ...operations,
          { operation: 'addOrUpdate', path: SUMMARY_PATH, content: new Blob([encodeSummary(summary)]) },
          { operation: 'addOrUpdate', path: CARD_PATH, content: new Blob([card]) },
        ],
      });
      return { oid: outcome?.commit.oid ?? '', url: outcome?.commit.url ?? '', appended };
    } catch (error) {
      // 412: "A commit has happened since" (parentCommit is no longer the head): not a retry of
      // the same request but a new read, by the caller.
      if (error instanceof HubApiError && error.statusCode === 412) return 'conflict' as const;
      throw error;
    }
  });
}
