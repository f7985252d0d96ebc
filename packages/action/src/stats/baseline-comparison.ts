import {
  type Comparison,
  compareUnpaired,
  controlFalseDiscoveries,
  type PairedOptions,
  type PerProblemScore,
} from './compare';
import { type DetectableChange, detectableChange } from './detectable';
import { intervalFromStderr, type ScoreInterval, scoreInterval } from './interval';
import { comparePairedPermutation } from './permutation';

/** A benchmark score as the comparison needs it; `perProblem` when the details file was read. */
export interface BenchmarkScore {
  benchmark: string;
  value: number | null;
  stderr: number | null;
  perProblem?: readonly PerProblemScore[];
  /** Problems LightEval reports for the benchmark (results file), for the stderr fallback at 0% / 100%. */
  problems?: number | null;
}

/** Per benchmark, what the report shows beside the score. */
export interface BenchmarkStatistics {
  benchmark: string;
  /** Score and 95% interval (from the details, else from LightEval's stderr: see `interval.method`). */
  interval: ScoreInterval | null;
  /** Smallest change this run could tell from noise, and the samples a `precision` needs. */
  detectable: DetectableChange | null;
  /** Set when the interval could not use the details: say so under the table. */
  note?: string;
}

/**
 * The score's interval and the smallest detectable change of one benchmark. `precision` (fraction,
 * e.g. 0.02 for 2 points) adds the samples per problem that would reach it.
 */
export function benchmarkStatistics(
  score: BenchmarkScore,
  options: { precision?: number } = {},
): BenchmarkStatistics {
  const fromDetails = score.perProblem?.length ? scoreInterval(score.perProblem) : null;
  if (fromDetails) {
    return {
      benchmark: score.benchmark,
      interval: fromDetails,
      detectable: detectableChange(score.benchmark, score.perProblem ?? [], options),
    };
  }
  const interval =
    score.value === null ? null : intervalFromStderr(score.value, score.stderr, score.problems ?? undefined);
  return {
    benchmark: score.benchmark,
    interval,
    detectable: null,
    note: `${score.benchmark}: no per-problem details, so the interval comes from LightEval's reported stderr and no detectable change is given.`,
  };
}

export interface BaselineComparison {
  comparisons: Comparison[];
  /** Benchmarks that could not be compared, with the reason, for the report. */
  skipped: { benchmark: string; reason: string }[];
  /** How several benchmarks were judged together: one sentence for the report. */
  multipleTesting: string;
  /** What the tests assumed, one sentence for under the table (which test, which view). */
  assumption: string;
}

const ASSUMPTION_PAIRED =
  'Paired permutation test on per-problem means over the problems both runs scored, with the problems held fixed: only sampling noise counts, as a regression gate on a fixed benchmark asks; the interval is Δ ± 1.96·se from the within-problem variances.';
const ASSUMPTION_UNPAIRED =
  "Without per-problem details on both sides the runs are compared as independent from LightEval's two standard errors (z-test), which overstates the noise.";

function assumptionOf(comparisons: readonly Comparison[]): string {
  const methods = new Set(comparisons.map((c) => c.method));
  if (methods.size === 0) return '';
  if (!methods.has('unpaired z-test')) return ASSUMPTION_PAIRED;
  if (methods.size === 1) return ASSUMPTION_UNPAIRED;
  return `${ASSUMPTION_PAIRED} ${ASSUMPTION_UNPAIRED}`;
}

/**
 * Compares each benchmark with its baseline: paired (permutation test, problems fixed) when both
 * sides have per-problem scores that share problems, else unpaired from the two standard errors, else not at all (and says why). With
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
      const paired = comparePairedPermutation(score.benchmark, score.perProblem, base.perProblem, options);
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
      assumption: assumptionOf(comparisons),
    };
  }
  return {
    comparisons: controlFalseDiscoveries(comparisons),
    skipped,
    multipleTesting: `Verdicts control the false discovery rate at 5% across ${comparisons.length} benchmarks (Benjamini–Hochberg).`,
    assumption: assumptionOf(comparisons),
  };
}
