import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { detailsFileFor, type ProblemScore, readDetailsFile } from './details';
import { NoResultsFoundError } from './errors';
import { compareTimestamps, type ParsedResultsFile, parseResultsFile, type ResultRow } from './results-file';
import { mergeSeedRows, type SeededRow } from './seeds';

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

/**
 * Keeps, for each task, the row from the newest file (by the timestamp in the file name). A `seeds:
 * N` run's directory holds one file per seed, each recording its seed: those become one row merged
 * over the newest file of each seed (`mergeSeedRows`), as the run's own report has it.
 */
export function newestPerTask(files: readonly ParsedResultsFile[]): ResultRow[] {
  const newest = new Map<string, Map<number | null, SeededRow>>();
  for (const file of files) {
    for (const row of file.rows) {
      const bySeed = newest.get(row.benchmark) ?? new Map<number | null, SeededRow>();
      const current = bySeed.get(file.samplingSeed);
      if (!current || compareTimestamps(row.timestamp, current.row.timestamp) > 0)
        bySeed.set(file.samplingSeed, {
          row,
          ...(file.samplingSeed !== null && { seed: file.samplingSeed }),
        });
      newest.set(row.benchmark, bySeed);
    }
  }
  const rows = [...newest.values()].flatMap((bySeed) => {
    const entries = [...bySeed.values()];
    if (entries.length > 1 && entries.every((e) => e.seed !== undefined)) return mergeSeedRows(entries);
    // One seed, or runs with and without one: the newest file alone, as before seeds existed.
    const latest = entries.reduce((a, b) =>
      compareTimestamps(b.row.timestamp, a.row.timestamp) > 0 ? b : a,
    );
    return [latest.row];
  });
  return rows.sort((a, b) => a.benchmark.localeCompare(b.benchmark));
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
