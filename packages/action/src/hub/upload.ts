import { type CommitOperation, commit, createRepo, downloadFile, HubApiError } from '@huggingface/hub';
import { callParams, datasetRepo, type HubClient, writeParams } from './client';
import { detailsPath, resultsPath, SUMMARY_PATH } from './paths';
import { withHubRetries } from './retry';
import type { SummaryRow } from './summary-row';

export interface ResultsUploadFile {
  benchmark: string;
  /** The timestamp in LightEval's file name. */
  timestamp: string;
  /** The results file exactly as LightEval wrote it. */
  resultsJson: string;
  /** The details parquet, when LightEval saved one. */
  details?: Uint8Array;
}

export interface ResultsUpload {
  /** Dataset repo `ORG/NAME` (the `results-repo` input). */
  repo: string;
  model: string;
  revision: string;
  files: readonly ResultsUploadFile[];
  summary: SummaryRow;
  workflowRunUrl?: string;
}

export interface ResultsUploadOutcome {
  commitOid: string;
  commitUrl: string;
  paths: string[];
  /** Link to the dataset on the Hub, for the report. */
  datasetUrl: string;
}

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

export async function readHubText(client: HubClient, repo: string, path: string): Promise<string | null> {
  return withHubRetries(`reading ${path} from ${repo}`, client.retry, async () => {
    const blob = await downloadFile({ ...callParams(client), repo: datasetRepo(repo), path });
    return blob ? blob.text() : null;
  });
}

export async function readHubBytes(
  client: HubClient,
  repo: string,
  path: string,
): Promise<Uint8Array | null> {
  return withHubRetries(`reading ${path} from ${repo}`, client.retry, async () => {
    const blob = await downloadFile({ ...callParams(client), repo: datasetRepo(repo), path });
    return blob ? new Uint8Array(await blob.arrayBuffer()) : null;
  });
}

/**
 * Uploads one run's results files, details and a new `summary.jsonl` line in a single commit whose
 * message links the workflow run. Retries 429/5xx with backoff; throws `HubUnavailableError` when
 * the Hub stays down (the caller still reports and keeps the artifact) and `HubRequestError` when it
 * refuses (token, permissions).
 */
export async function uploadResults(client: HubClient, upload: ResultsUpload): Promise<ResultsUploadOutcome> {
  await ensureResultsRepo(client, upload.repo);
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
  const title = `Evaluate ${upload.model}@${upload.revision}`;
  const description = upload.workflowRunUrl ? `Workflow run: ${upload.workflowRunUrl}` : undefined;
  const outcome = await withHubRetries(`the results commit to ${upload.repo}`, client.retry, async () => {
    // Read the summary inside the retried step, so a retry appends to what is there now.
    const blob = await downloadFile({
      ...callParams(client),
      repo: datasetRepo(upload.repo),
      path: SUMMARY_PATH,
    });
    const previous = blob ? await blob.text() : '';
    const summary = `${previous}${previous === '' || previous.endsWith('\n') ? '' : '\n'}${JSON.stringify(upload.summary)}\n`;
    return commit({
      ...writeParams(client, upload.repo),
      repo: datasetRepo(upload.repo),
      title,
      ...(description ? { description } : {}),
      operations: [
        ...operations,
        { operation: 'addOrUpdate', path: SUMMARY_PATH, content: new Blob([summary]) },
      ],
    });
  });
  return {
    commitOid: outcome?.commit.oid ?? '',
    commitUrl: outcome?.commit.url ?? '',
    paths: [...paths, SUMMARY_PATH],
    datasetUrl: `${client.hubUrl}/datasets/${upload.repo}`,
  };
}
