export {
  type BaselineComparison,
  type BenchmarkScore,
  type BenchmarkStatistics,
  benchmarkStatistics,
  compareWithBaseline,
} from './baseline-comparison';
export {
  benjaminiHochberg,
  type Comparison,
  comparePaired,
  compareUnpaired,
  controlFalseDiscoveries,
  type PairedOptions,
  type PerProblemScore,
  type ScoreWithStderr,
  type TestMethod,
  type Verdict,
  verdictOf,
} from './compare';
export { type DetectableChange, detectableChange } from './detectable';
export { intervalFromStderr, type ScoreInterval, scoreInterval, wilsonInterval } from './interval';
export { twoSidedNormalP, Z_95 } from './normal';
export { type ProblemMean, problemMeans } from './per-problem';
export { comparePairedPermutation } from './permutation';
export { mulberry32 } from './prng';
