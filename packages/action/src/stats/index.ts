export { type BaselineComparison, type BenchmarkScore, compareWithBaseline } from './baseline-comparison';
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
} from './compare';
export { twoSidedNormalP, Z_95 } from './normal';
export { mulberry32 } from './prng';
