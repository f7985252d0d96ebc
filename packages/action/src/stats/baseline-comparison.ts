import {
  type Comparison,
  comparePaired,
  compareUnpaired,
  controlFalseDiscoveries,
  type PairedOptions,
  type PerProblemScore,
} from './compare';

/** A benchmark score as the comparison needs it; `perProblem` when the details file was read. */
export interface BenchmarkScore {
  benchmark: string;
  value: number | null;
  stderr: number | null;
  perProblem?: readonly PerProblemScore[];
}

export interface BaselineComparison {
  comparisons: Comparison[];
  /** Benchmarks that could not be compared, with the reason, for the report. */
  skipped: { benchmark: string; reason: string }[];
  /** How several benchmarks were judged together: one sentence for the report. */
  multipleTesting: string;
}

/**
 * Compares each benchmark with its baseline: paired when both sides have per-problem scores that
 * share problems, else unpaired from the two standard errors, else not at all (and says why). With
 * two or more comparisons, verdicts use Benjamini–Hochberg adjusted p-values (FDR 5%).
 */
export function compareWithBaseline(
  current: readonly BenchmarkScore[],
  baseline: readonly BenchmarkScore[],
  options: PairedOptions = {},
): BaselineComparison {
  const comparisons: Comparison[] = [];
  const skipped: BaselineComparison['skipped'] = [];
  for (const score of current) {
    const base = baseline.find((b) => b.benchmark === score.benchmark);
    if (!base) {
      skipped.push({ benchmark: score.benchmark, reason: 'no baseline result for this benchmark' });
      continue;
    }
    if (score.value === null || base.value === null) {
      skipped.push({ benchmark: score.benchmark, reason: 'no score on one side' });
      continue;
    }
    if (score.perProblem?.length && base.perProblem?.length) {
      const paired = comparePaired(score.benchmark, score.perProblem, base.perProblem, options);
      if (paired) {
        comparisons.push(paired);
        continue;
      }
    }
    if (score.stderr === null || base.stderr === null) {
      skipped.push({
        benchmark: score.benchmark,
        reason: 'no standard error on one side and no per-problem details',
      });
      continue;
    }
    comparisons.push(
      compareUnpaired(
        score.benchmark,
        { value: score.value, stderr: score.stderr },
        { value: base.value, stderr: base.stderr },
      ),
    );
  }
  if (comparisons.length < 2) {
    return {
      comparisons,
      skipped,
      multipleTesting: 'Each benchmark is tested alone at the 5% level.',
    };
  }
  return {
    comparisons: controlFalseDiscoveries(comparisons),
    skipped,
    multipleTesting: `Verdicts control the false discovery rate at 5% across ${comparisons.length} benchmarks (Benjamini–Hochberg).`,
  };
}
