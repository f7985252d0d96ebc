import type { SummaryRecord } from '../../src/hub';

/** The comparison columns of a summary row whose run had no baseline. */
export const NO_BASELINE: Pick<
  SummaryRecord,
  'baseline' | 'baseline_score' | 'delta' | 'delta_ci_low' | 'delta_ci_high' | 'verdict'
> = {
  baseline: null,
  baseline_score: null,
  delta: null,
  delta_ci_low: null,
  delta_ci_high: null,
  verdict: null,
};
