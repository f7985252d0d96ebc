import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { detailsFileFor, type ProblemScore, readDetailsFile } from './details';
import { NoResultsFoundError } from './errors';
import { compareTimestamps, type ParsedResultsFile, parseResultsFile, type ResultRow } from './results-file';

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return walk(full);
      return entry.isFile() ? [full] : [];
    }),
  );
  return nested.flat();
}

/** `results/**\/results_*.json` under a LightEval output directory (or under `results/` itself). */
export async function findResultsFiles(outputDir: string): Promise<string[]> {
  const files = await walk(outputDir);
  return files
    .filter((file) => {
      const relative = path.relative(outputDir, file).split(path.sep);
      const inResults = relative.includes('results') || path.basename(outputDir) === 'results';
      return inResults && /^results_.*\.json$/.test(path.basename(file));
    })
    .sort();
}

/** `details/**\/*.parquet` (and the stand-in's `*.jsonl`) under a LightEval output directory. */
export async function findDetailsFiles(outputDir: string): Promise<string[]> {
  const files = await walk(outputDir);
  return files
    .filter((file) => path.relative(outputDir, file).split(path.sep).includes('details'))
    .filter((file) => file.endsWith('.parquet') || file.endsWith('.jsonl'))
    .sort();
}

export interface CollectedResults {
  /** One row per benchmark: from the newest results file that holds it. */
  rows: ResultRow[];
  /** Every file read, oldest first. */
  files: ParsedResultsFile[];
}

/** Keeps, for each task, the row from the newest file (by the timestamp in the file name). */
export function newestPerTask(files: readonly ParsedResultsFile[]): ResultRow[] {
  const newest = new Map<string, ResultRow>();
  for (const file of files) {
    for (const row of file.rows) {
      const current = newest.get(row.benchmark);
      if (!current || compareTimestamps(row.timestamp, current.timestamp) > 0) newest.set(row.benchmark, row);
    }
  }
  return [...newest.values()].sort((a, b) => a.benchmark.localeCompare(b.benchmark));
}

/**
 * Reads every results file under a LightEval output directory. A malformed file is an error that
 * names it (`ResultsFileError`); no files at all is `NoResultsFoundError`.
 */
export async function collectResults(
  outputDir: string,
  options: { lightevalVersion?: string } = {},
): Promise<CollectedResults> {
  const paths = await findResultsFiles(outputDir);
  if (paths.length === 0) throw new NoResultsFoundError(outputDir);
  const files = await Promise.all(
    paths.map(async (file) => parseResultsFile(await readFile(file, 'utf8'), file, options)),
  );
  files.sort((a, b) => compareTimestamps(a.timestamp, b.timestamp));
  return { rows: newestPerTask(files), files };
}

/**
 * Per-problem scores for each row whose details file exists under `outputDir` (for the paired test).
 * A benchmark without details is simply absent: the comparison then falls back to the stderrs. So is
 * a seeds run missing any seed's details: a score over some seeds would not be the reported one.
 */
export async function readPerProblemScores(
  outputDir: string,
  rows: readonly ResultRow[],
): Promise<Map<string, ProblemScore[]>> {
  const detailsFiles = await findDetailsFiles(outputDir);
  const scores = new Map<string, ProblemScore[]>();
  for (const row of rows) {
    if (!row.metric) continue;
    // A seeds run: every seed's details, one list (problems repeat; the statistics average them).
    const runs = row.seedRuns ?? [row];
    const files = runs.map((run) => detailsFileFor(detailsFiles, run));
    if (files.some((file) => file === undefined)) continue;
    const read = await Promise.all(files.map((file) => readDetailsFile(file as string, row.metric)));
    scores.set(row.benchmark, read.flat());
  }
  return scores;
}
