import { listFiles } from '@huggingface/hub';
import {
  compareTimestamps,
  type ProblemScore,
  parseDetails,
  parseResultsFile,
  type ResultRow,
  resultsFileTimestamp,
} from '../results';
import { callParams, datasetRepo, type HubClient } from './client';
import { pathSegment, runFolder } from './paths';
import { withHubRetries } from './retry';
import type { SummaryRecord } from './summary-table';
import { readHubBytes, readHubText, readSummaryRecords } from './upload';

/**
 * What to compare against, read from the results repo:
 * - `previous-release`: the newest earlier evaluation of the same model at a release tag;
 * - `revision`: the same model at another revision (e.g. the PR's base branch revision);
 * - `fixed`: another model at a fixed revision (e.g. the model being fine-tuned from).
 */
export type BaselineRule =
  | { kind: 'previous-release'; isRelease?: (revision: string) => boolean }
  | { kind: 'revision'; revision: string }
  | { kind: 'fixed'; model: string; revision: string };

export interface BaselineTarget {
  model: string;
  revision: string;
  /** For the report: `v1.2.0`, `Qwen/Qwen2.5-1.5B@main`. */
  label: string;
}

export interface BaselineResults extends BaselineTarget {
  rows: ResultRow[];
  /** Per-problem scores by benchmark, where the details were uploaded. */
  perProblem: Map<string, ProblemScore[]>;
}

/** Every row of `summary.parquet` on `main` (none before the first upload). */
export async function readSummary(client: HubClient, repo: string): Promise<SummaryRecord[]> {
  return readSummaryRecords(client, repo);
}

/** The newest real (not simulated) run of `model` at a release tag other than `currentRevision`. */
export function previousReleaseRevision(
  summary: readonly SummaryRecord[],
  model: string,
  currentRevision: string,
  isRelease: (revision: string) => boolean = (revision) => /^v?\d+(\.\d+)*/.test(revision),
): string | null {
  const candidates = summary
    .filter(
      (r) => r.model === model && r.revision !== currentRevision && !r.simulated && isRelease(r.revision),
    )
    .sort((a, b) => a.finished_at.localeCompare(b.finished_at));
  return candidates.at(-1)?.revision ?? null;
}

export async function resolveBaseline(
  client: HubClient,
  repo: string,
  rule: BaselineRule,
  current: { model: string; revision: string },
): Promise<BaselineTarget | null> {
  switch (rule.kind) {
    case 'fixed':
      return { model: rule.model, revision: rule.revision, label: `${rule.model}@${rule.revision}` };
    case 'revision':
      return { model: current.model, revision: rule.revision, label: rule.revision };
    case 'previous-release': {
      const revision = previousReleaseRevision(
        await readSummary(client, repo),
        current.model,
        current.revision,
        rule.isRelease,
      );
      return revision === null ? null : { model: current.model, revision, label: revision };
    }
  }
}

/** Reads the newest results (and details) per benchmark of `target` from the results repo; null when it has none. */
export async function readBaselineResults(
  client: HubClient,
  repo: string,
  target: BaselineTarget,
): Promise<BaselineResults | null> {
  const folder = runFolder(target.model, target.revision);
  const files = await withHubRetries(`listing ${folder} in ${repo}`, client.retry, async () => {
    const paths: string[] = [];
    try {
      for await (const entry of listFiles({
        ...callParams(client),
        repo: datasetRepo(repo),
        path: folder,
        recursive: true,
      })) {
        if (entry.type === 'file') paths.push(entry.path);
      }
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return [];
      throw error;
    }
    return paths;
  });
  const newest = new Map<string, { path: string; timestamp: string }>();
  for (const path of files) {
    const name = path.split('/').pop() ?? '';
    const timestamp = resultsFileTimestamp(name);
    if (timestamp === null) continue;
    const benchmarkFolder = path.split('/').slice(0, -1).join('/');
    const current = newest.get(benchmarkFolder);
    if (!current || compareTimestamps(timestamp, current.timestamp) > 0)
      newest.set(benchmarkFolder, { path, timestamp });
  }
  if (newest.size === 0) return null;
  const rows: ResultRow[] = [];
  const perProblem = new Map<string, ProblemScore[]>();
  for (const [benchmarkFolder, { path, timestamp }] of newest) {
    const text = await readHubText(client, repo, path);
    if (text === null) continue;
    const parsed = parseResultsFile(text, `${repo}/${path}`);
    // Each benchmark folder holds its own job's file; a file holding more tasks contributes only its folder's.
    const segment = benchmarkFolder.split('/').pop() ?? '';
    const own = parsed.rows.filter((r) => pathSegment(r.benchmark) === segment);
    const kept = own.length > 0 ? own : parsed.rows;
    rows.push(...kept);
    const detailsName = `${benchmarkFolder}/details_${timestamp}.parquet`;
    const row = kept.length === 1 ? kept[0] : undefined;
    if (row && files.includes(detailsName)) {
      const bytes = await readHubBytes(client, repo, detailsName);
      if (bytes)
        perProblem.set(row.benchmark, await parseDetails(bytes, `${repo}/${detailsName}`, row.metric));
    }
  }
  rows.sort((a, b) => a.benchmark.localeCompare(b.benchmark));
  return { ...target, rows, perProblem };
}
