import type { ResultRow } from './results-file';

/** One seed's own numbers for a benchmark, from the results file its job wrote. */
export interface SeedRun {
  seed: number;
  /** LightEval's score of this seed alone (fraction), null when it wrote none. */
  value: number | null;
  stderr: number | null;
  /** Generations per problem in this seed's job (from its details when read, else the metric). */
  samples: number | null;
  /** The seed's results file and its timestamp: where its details are found and what is uploaded. */
  task: string;
  file: string;
  timestamp: string;
}

/** A result row as collected from one job, with that job's seed (absent: no seed was set). */
export interface SeededRow {
  row: ResultRow;
  seed?: number;
}

/**
 * One row per benchmark from the rows of a `seeds: N` run's jobs. Rows of a benchmark that ran
 * under several seeds become one: its score is the mean of the seeds' scores (each seed ran the
 * same problems with the same samples, so that equals the mean over all generations), and
 * `seedRuns` keeps each seed's own score for the spread. The row's file and timestamp are the
 * first seed's, which is where a reader finds the results; the details of every seed are merged by
 * problem later (`readPerProblemScores`), so the interval counts every generation. Without seeds
 * the row is returned as it was.
 */
export function mergeSeedRows(rows: readonly SeededRow[]): ResultRow[] {
  const byBenchmark = new Map<string, SeededRow[]>();
  for (const entry of rows) {
    byBenchmark.set(entry.row.benchmark, [...(byBenchmark.get(entry.row.benchmark) ?? []), entry]);
  }
  return [...byBenchmark.values()].map((group) => {
    const seeded = group.filter((g): g is Required<SeededRow> => g.seed !== undefined);
    const [first] = group;
    if (!first) throw new Error('empty group');
    // A seeds run keeps `seedRuns` even when one seed is left (the others failed): it says which.
    if (seeded.length === 0 || seeded.length !== group.length) return first.row;
    return mergedRow(seeded.sort((a, b) => a.seed - b.seed));
  });
}

function mergedRow(group: Required<SeededRow>[]): ResultRow {
  const first = group[0]?.row;
  if (!first) throw new Error('empty group');
  const seedRuns: SeedRun[] = group.map(({ row, seed }) => ({
    seed,
    value: row.value,
    stderr: row.stderr,
    samples: row.samples,
    task: row.task,
    file: row.file,
    timestamp: row.timestamp,
  }));
  const values = seedRuns.map((s) => s.value);
  const complete = values.every((v): v is number => v !== null);
  const stderrs = seedRuns.map((s) => s.stderr);
  const perSeedSamples = seedRuns.map((s) => s.samples);
  const notes = [...new Set(group.flatMap(({ row }) => row.notes))];
  if (!complete) {
    const missing = seedRuns.filter((s) => s.value === null).map((s) => s.seed);
    notes.push(`no score for seed(s) ${missing.join(', ')}: the benchmark has no merged score`);
  }
  return {
    ...first,
    value: complete ? mean(values) : null,
    // Only the fallback without details uses it. Seeds share the problems, so averaging them cannot
    // shrink the spread over problems: the mean of the seeds' stderrs, not a smaller pooled one.
    stderr: stderrs.every((s): s is number => s !== null) ? mean(stderrs) : null,
    samples: perSeedSamples.every((s): s is number => s !== null)
      ? perSeedSamples.reduce((sum, s) => sum + s, 0)
      : null,
    notes,
    seedRuns,
  };
}

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** The spread of the seeds' scores: sample standard deviation and range, in the scores' unit. */
export function seedSpread(
  runs: readonly Pick<SeedRun, 'value'>[],
): { sd: number; min: number; max: number } | null {
  const values = runs.flatMap((r) => (r.value !== null ? [r.value] : []));
  if (values.length < 2) return null;
  const m = mean(values);
  const variance = values.reduce((s, x) => s + (x - m) ** 2, 0) / (values.length - 1);
  return { sd: Math.sqrt(variance), min: Math.min(...values), max: Math.max(...values) };
}
