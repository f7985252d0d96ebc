import { listFiles } from '@huggingface/hub';
import { MAX_SEEDS } from '@model-eval/planner';
import {
  compareTimestamps,
  mergeSeedRows,
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
  // A `seeds: N` run left one file per seed: the summary row names them all (seed_files).
  const seedGroups = await seedFileGroups(client, repo).catch(() => new Map<string, SeedFile[]>());
  const rows: ResultRow[] = [];
  const perProblem = new Map<string, ProblemScore[]>();
  for (const [benchmarkFolder, { path }] of newest) {
    // The summary is data: a group is used only when it is a plausible seeds run of this folder.
    const listed = seedGroups.get(path);
    const group =
      listed && listed.length <= MAX_SEEDS && listed.every((f) => f.path.startsWith(`${benchmarkFolder}/`))
        ? listed
        : [{ path }];
    const read = await Promise.all(
      group.map((file) => readBenchmarkFile(client, repo, benchmarkFolder, file, files)),
    );
    if (read.some((r) => r === null)) continue;
    const parts = read as BenchmarkFile[];
    const merged = mergeSeedRows(
      parts.flatMap((p) => p.rows.map((row) => ({ row, ...(p.seed !== undefined && { seed: p.seed }) }))),
    );
    rows.push(...merged);
    const row = merged.length === 1 ? merged[0] : undefined;
    if (row && parts.every((p) => p.details !== undefined))
      perProblem.set(
        row.benchmark,
        parts.flatMap((p) => p.details ?? []),
      );
  }
  rows.sort((a, b) => a.benchmark.localeCompare(b.benchmark));
  return { ...target, rows, perProblem };
}

interface SeedFile {
  path: string;
  seed?: number;
}

interface BenchmarkFile {
  rows: ResultRow[];
  seed?: number;
  /** Per-problem scores of the folder's one benchmark, when its details were uploaded. */
  details?: ProblemScore[];
}

/** Every seed file of a seeds run, by each of its paths: the whole group with each file's seed. */
async function seedFileGroups(client: HubClient, repo: string): Promise<Map<string, SeedFile[]>> {
  const groups = new Map<string, SeedFile[]>();
  for (const record of await readSummary(client, repo)) {
    if (!record.seed_files) continue;
    const paths = record.seed_files.split(',');
    const seeds = (record.seeds ?? '').split(',').map(Number);
    const group = paths.map((path, i) => ({
      path,
      ...(Number.isInteger(seeds[i]) && paths.length === seeds.length && { seed: seeds[i] as number }),
    }));
    for (const path of paths) groups.set(path, group);
  }
  return groups;
}

/** One results file of a benchmark folder (its own benchmark's rows) and its details, if uploaded. */
async function readBenchmarkFile(
  client: HubClient,
  repo: string,
  benchmarkFolder: string,
  file: SeedFile,
  listed: readonly string[],
): Promise<BenchmarkFile | null> {
  const text = await readHubText(client, repo, file.path);
  if (text === null) return null;
  const parsed = parseResultsFile(text, `${repo}/${file.path}`);
  // Each benchmark folder holds its own job's file; a file holding more tasks contributes only its folder's.
  const segment = benchmarkFolder.split('/').pop() ?? '';
  const own = parsed.rows.filter((r) => pathSegment(r.benchmark) === segment);
  const rows = own.length > 0 ? own : parsed.rows;
  const result: BenchmarkFile = { rows, ...(file.seed !== undefined && { seed: file.seed }) };
  const detailsName = `${benchmarkFolder}/details_${parsed.timestamp}.parquet`;
  const row = rows.length === 1 ? rows[0] : undefined;
  if (row && listed.includes(detailsName)) {
    const bytes = await readHubBytes(client, repo, detailsName);
    if (bytes) result.details = await parseDetails(bytes, `${repo}/${detailsName}`, row.metric);
  }
  return result;
}
