import { readFile } from 'node:fs/promises';
import { parquetReadObjects } from 'hyparquet';
import { ResultsFileError } from './errors';

/**
 * Per-problem scores from a LightEval details file
 * (`details/{model}/{timestamp}/details_{task}_{timestamp}.parquet`, one row per problem).
 *
 * Columns differ by version (fact table, test/fixtures/lighteval-facts/releases.json): 0.11 and later
 * write `doc`, `model_response` and `metric` structs; 0.8 – 0.10 write the flat `Detail` columns
 * (sorted by name) with the per-sample scores in a `metrics` struct and the problem text in
 * `example`/`full_prompt`. When
 * `datasets` could not store the structs, LightEval stringified every cell (`str(dict)`), so a
 * Python dict repr is read too.
 */
export interface ProblemScore {
  /** Stable across runs of the same benchmark: the doc id, else the problem text. */
  problem: string;
  /** The sample-level metric: for pass@1 metrics, the fraction of this problem's generations that were correct. */
  score: number;
  /**
   * Generations this problem really got: the length of `model_response.text` (0.11+) or `predictions`
   * (≤ 0.10). Never from the metric name, which says `n=1` from 0.11 whatever was drawn. Absent when
   * the row holds no list (a stringified cell).
   */
  samples?: number;
}

/** What the details say ran: problems and samples per problem (the most common count, and the range). */
export interface SamplesThatRan {
  problems: number;
  /** The count most problems got (LightEval draws the same for every problem of a task). */
  samples: number;
  minSamples: number;
  maxSamples: number;
}

type Row = Record<string, unknown>;

function asRecord(value: unknown): Row | null {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Row;
  if (typeof value === 'string') return parsePythonDictRepr(value);
  return null;
}

/** Reads the flat numeric entries of `str(dict)` (`{'pass@k:k=1&n=1': 1.0, 'x': nan}`); nested values are skipped. */
function parsePythonDictRepr(text: string): Row | null {
  if (!text.trim().startsWith('{')) return null;
  const out: Row = {};
  for (const match of text.matchAll(/'((?:[^'\\]|\\.)*)':\s*(-?[\d.eE+-]+|nan|inf|-inf|True|False)/g)) {
    const [, key = '', raw = ''] = match;
    const value =
      raw === 'True'
        ? 1
        : raw === 'False'
          ? 0
          : raw === 'nan'
            ? Number.NaN
            : raw.endsWith('inf')
              ? Number.NaN
              : Number(raw);
    out[key] = value;
  }
  return out;
}

function text(value: unknown): string | null {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return null;
}

function problemId(row: Row, index: number): string {
  const doc = asRecord(row.doc);
  return (
    text(doc?.id) ??
    text(doc?.query) ??
    text(row.example) ??
    text(row.full_prompt) ??
    // Without any text to match on, problems can only be paired by position.
    `#${index}`
  );
}

function samplesOf(row: Row): number | undefined {
  const response = asRecord(row.model_response);
  const list = response?.text ?? row.predictions;
  return Array.isArray(list) ? list.length : undefined;
}

/**
 * Problems and samples per problem, from the rows' own sample lists; undefined without any. Rows of
 * one problem (the seeds of a `seeds: N` run) add up: a problem's samples are all its generations.
 */
export function samplesThatRan(scores: readonly ProblemScore[]): SamplesThatRan | undefined {
  const perProblem = new Map<string, number | undefined>();
  for (const s of scores) {
    const before = perProblem.has(s.problem) ? perProblem.get(s.problem) : 0;
    perProblem.set(
      s.problem,
      before === undefined || s.samples === undefined ? undefined : before + s.samples,
    );
  }
  const counts = [...perProblem.values()].flatMap((n) => (n !== undefined ? [n] : []));
  if (counts.length === 0) return undefined;
  const frequency = new Map<number, number>();
  for (const c of counts) frequency.set(c, (frequency.get(c) ?? 0) + 1);
  const [samples = 0] = [...frequency.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0] ?? [];
  return {
    problems: perProblem.size,
    samples,
    minSamples: Math.min(...counts),
    maxSamples: Math.max(...counts),
  };
}

function problemScore(row: Row, index: number, metric: string): ProblemScore | null {
  const score = scoreOf(row, metric);
  if (score === null || !Number.isFinite(score)) return null;
  const samples = samplesOf(row);
  return { problem: problemId(row, index), score, ...(samples !== undefined && { samples }) };
}

function scoreOf(row: Row, metric: string): number | null {
  for (const column of ['metric', 'metrics']) {
    const scores = asRecord(row[column]);
    const value = scores?.[metric];
    if (typeof value === 'number') return value;
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value === 'bigint') return Number(value);
  }
  return null;
}

/** Parses details from bytes; `file` names the file in errors. Rows without a finite score for `metric` are dropped. */
export async function parseDetails(bytes: Uint8Array, file: string, metric: string): Promise<ProblemScore[]> {
  let rows: Row[];
  try {
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    rows = (await parquetReadObjects({ file: buffer })) as Row[];
  } catch (error) {
    throw new ResultsFileError(file, `not a readable parquet file (${(error as Error).message})`);
  }
  return rows.flatMap((row, index) => problemScore(row, index, metric) ?? []);
}

/**
 * Reads a details file: parquet as every LightEval release writes it (and the stand-in too), or JSON
 * Lines with the same columns, which older versions of the stand-in wrote.
 */
export async function readDetailsFile(file: string, metric: string): Promise<ProblemScore[]> {
  const bytes = new Uint8Array(await readFile(file));
  if (!file.endsWith('.jsonl')) return parseDetails(bytes, file, metric);
  const scores: ProblemScore[] = [];
  const lines = new TextDecoder().decode(bytes).split('\n');
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let row: Row;
    try {
      row = JSON.parse(line) as Row;
    } catch (error) {
      throw new ResultsFileError(file, `line ${index + 1} is not JSON (${(error as Error).message})`);
    }
    const score = problemScore(row, index, metric);
    if (score) scores.push(score);
  });
  return scores;
}

/** The details file for a results row: same timestamp, name `details_{task}_{timestamp}.parquet` (or `.jsonl`). */
export function detailsFileFor(
  detailsFiles: readonly string[],
  row: { task: string; timestamp: string },
): string | undefined {
  const names = ['parquet', 'jsonl'].map((ext) => `details_${row.task}_${row.timestamp}.${ext}`);
  return detailsFiles.find((file) => names.some((name) => file.endsWith(`/${name}`) || file === name));
}
