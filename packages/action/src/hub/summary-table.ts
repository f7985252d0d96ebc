import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { z } from 'zod';

/**
 * `summary.parquet`: one row per run × benchmark, the table the Hub's viewer shows first.
 *
 * The schema is fixed here, not inferred from the data: every row has every column (null when
 * unknown) and the parquet file carries the types, so a run with other benchmarks, or with no
 * baseline, writes exactly the same schema. Parquet rather than JSON Lines because the viewer and
 * `datasets.load_dataset` read parquet with the schema it declares, while for JSON they infer one
 * from the values (an all-null column, or a score written `1` in one row and `0.5` in the next,
 * changes what they infer); and the Hub serves parquet to the viewer as it is, without converting.
 * Rewriting the whole file each upload is cheap: measured here, 10,000 rows make 337 kB (snappy,
 * dictionary-encoded: ~34 B a row), written in 0.65 s and read in 0.9 s.
 */

type ColumnType = 'STRING' | 'DOUBLE' | 'INT32' | 'BOOLEAN';

/** Column order is the viewer's column order. Add columns only at the end, never rename or retype. */
export const SUMMARY_COLUMNS = [
  ['model', 'STRING'],
  ['revision', 'STRING'],
  /** The model's commit SHA the revision resolved to, when known. */
  ['commit_sha', 'STRING'],
  ['benchmark', 'STRING'],
  ['metric', 'STRING'],
  ['problems', 'INT32'],
  /** Generations per problem behind the score. */
  ['samples', 'INT32'],
  /** Fraction in [0, 1]. */
  ['score', 'DOUBLE'],
  ['stderr', 'DOUBLE'],
  /** score ± 1.96 stderr, as the PR comment shows it. */
  ['ci_low', 'DOUBLE'],
  ['ci_high', 'DOUBLE'],
  /** What the run was compared against (`v1.2.0`, `Qwen/Qwen2.5-1.5B@main`). */
  ['baseline', 'STRING'],
  ['baseline_score', 'DOUBLE'],
  /** score − baseline_score and its 95% interval (paired bootstrap or unpaired z-test). */
  ['delta', 'DOUBLE'],
  ['delta_ci_low', 'DOUBLE'],
  ['delta_ci_high', 'DOUBLE'],
  /** `improved`, `regressed`, `within noise`; null without a comparison. */
  ['verdict', 'STRING'],
  ['lighteval_version', 'STRING'],
  ['vllm_version', 'STRING'],
  /** GPU-hours of the Slurm job that ran this benchmark (a job running several reports its total on each). */
  ['gpu_hours', 'DOUBLE'],
  ['job_id', 'STRING'],
  ['run_url', 'STRING'],
  /** ISO 8601, UTC. */
  ['finished_at', 'STRING'],
  ['run_id', 'STRING'],
  /** Training step, for checkpoint evaluations. */
  ['step', 'INT32'],
  /** From the LightEval stand-in: not a measurement. */
  ['simulated', 'BOOLEAN'],
  /** The LightEval task string (`lighteval|math_500|0`). */
  ['task', 'STRING'],
  /** Paths in this dataset. */
  ['results_file', 'STRING'],
  ['details_file', 'STRING'],
  /** How ci_low / ci_high were made: `wilson (per-problem spread)`, else `wilson (LightEval stderr)` or null (score ± 1.96 stderr). */
  ['ci_method', 'STRING'],
  /** Smallest change (fraction) this run could tell from noise against a same-design baseline (details only). */
  ['min_detectable_change', 'DOUBLE'],
  /** vLLM's sampling seed(s), comma-separated (one seed: LightEval's default 1234 unless set). */
  ['seeds', 'STRING'],
  ['temperature', 'DOUBLE'],
  ['top_p', 'DOUBLE'],
  ['max_new_tokens', 'INT32'],
  /** The Hub dataset LightEval read, its subset (LiveCodeBench: the release window, e.g. v4_v5), and revision (null: latest, not pinned). */
  ['dataset', 'STRING'],
  ['dataset_subset', 'STRING'],
  ['dataset_revision', 'STRING'],
  /** A `seeds: N` run: each seed's own score, `1234:0.719,1235:0.724` (the row's score is their mean). */
  ['seed_scores', 'STRING'],
  /** A `seeds: N` run: every seed's results file in this dataset, comma-separated (results_file is the first). */
  ['seed_files', 'STRING'],
] as const satisfies readonly (readonly [string, ColumnType])[];

const text = z.string();
const optionalText = z
  .string()
  .nullish()
  .transform((v) => v ?? null);
const optionalNumber = z
  .number()
  .nullish()
  .transform((v) => v ?? null);
const optionalInt = z
  .union([z.number(), z.bigint()])
  .nullish()
  .transform((v) => (v === null || v === undefined ? null : Number(v)));

export const summaryRecordSchema = z.object({
  model: text,
  revision: text,
  commit_sha: optionalText,
  benchmark: text,
  metric: optionalText,
  problems: optionalInt,
  samples: optionalInt,
  score: optionalNumber,
  stderr: optionalNumber,
  ci_low: optionalNumber,
  ci_high: optionalNumber,
  baseline: optionalText,
  baseline_score: optionalNumber,
  delta: optionalNumber,
  delta_ci_low: optionalNumber,
  delta_ci_high: optionalNumber,
  verdict: optionalText,
  lighteval_version: optionalText,
  vllm_version: optionalText,
  gpu_hours: optionalNumber,
  job_id: optionalText,
  run_url: optionalText,
  finished_at: text,
  run_id: text,
  step: optionalInt,
  simulated: z.boolean(),
  task: optionalText,
  results_file: text,
  details_file: optionalText,
  // Added later: absent in rows written before (read back as null), optional in what callers build.
  ci_method: z.string().nullish(),
  min_detectable_change: z.number().nullish(),
  seeds: z.string().nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  // INT32: hyparquet reads it as a number (only INT64 comes back as a bigint).
  max_new_tokens: z.number().nullish(),
  dataset: z.string().nullish(),
  dataset_subset: z.string().nullish(),
  dataset_revision: z.string().nullish(),
  seed_scores: z.string().nullish(),
  seed_files: z.string().nullish(),
});

export type SummaryRecord = z.output<typeof summaryRecordSchema>;

export class SummaryFileError extends Error {
  override name = 'SummaryFileError';
  readonly hint =
    'summary.parquet in the results repo is not the file this action writes. Restore it from the ' +
    "dataset's history on the Hub (Files → History), or delete it to start a new summary.";
}

/** Encodes the rows with the fixed schema (an empty table too). */
export function encodeSummary(rows: readonly SummaryRecord[]): Uint8Array {
  const buffer = parquetWriteBuffer({
    columnData: SUMMARY_COLUMNS.map(([name, type]) => ({
      name,
      type,
      nullable: true,
      data: rows.map((row) => {
        const value = row[name] ?? null;
        return typeof value === 'number' && !Number.isFinite(value) ? null : value;
      }),
    })),
    createdBy: 'model-eval-action',
  });
  return new Uint8Array(buffer);
}

/** Decodes `summary.parquet`; a row that does not fit the schema is an error, not silently dropped. */
export async function decodeSummary(bytes: Uint8Array, source: string): Promise<SummaryRecord[]> {
  let raw: Record<string, unknown>[];
  try {
    const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    raw = (await parquetReadObjects({ file })) as Record<string, unknown>[];
  } catch (error) {
    throw new SummaryFileError(`${source} is not a readable parquet file: ${(error as Error).message}`);
  }
  return raw.map((row, index) => {
    const parsed = summaryRecordSchema.safeParse(row);
    if (!parsed.success) {
      throw new SummaryFileError(
        `${source} row ${index + 1} does not fit the summary schema: ${parsed.error.message}`,
      );
    }
    return parsed.data;
  });
}

/** Rows are one upload's when they share its run id and results file: re-sending them must not add them twice. */
export function rowKey(row: Pick<SummaryRecord, 'run_id' | 'benchmark' | 'results_file'>): string {
  return `${row.run_id}\u0000${row.benchmark}\u0000${row.results_file}`;
}

/** `existing` plus the rows of `added` not already there (a retried upload whose first commit landed). */
export function appendRows(
  existing: readonly SummaryRecord[],
  added: readonly SummaryRecord[],
): { rows: SummaryRecord[]; appended: number } {
  const seen = new Set(existing.map(rowKey));
  const fresh = added.filter((row) => !seen.has(rowKey(row)));
  return { rows: [...existing, ...fresh], appended: fresh.length };
}
