import { type Benchmark, defaultBenchmarkNames, getBenchmark, type PlannedJob } from '@model-eval/planner';
import { Z_95 } from '../stats';
import type { RunSettings } from './run-settings';

/** Where a benchmark's within-problem variance comes from, when a baseline with details has one. */
export interface VarianceSource {
  /** Mean within-problem variance v̄ of one sample's 0/1 score (`detectableChange(...).withinVariance`). */
  withinVariance: number;
  problems: number;
  /** `baseline v1.2.0 (30 problems × 64 samples)`. */
  source: string;
}

/**
 * Without a baseline's details the variance is not known: assume the largest a 0/1 score can have,
 * p(1 − p) at p = ½. The counts then err high (a benchmark the model mostly solves, or mostly
 * fails, needs fewer); the plan says so.
 */
export const ASSUMED_WITHIN_VARIANCE = 0.25;

export interface PrecisionSamples {
  benchmark: string;
  samples: number;
  line: string;
}

/**
 * Samples per problem that bring the smallest detectable change of a paired comparison with a
 * same-design baseline down to `precision` (fraction): k = ⌈2·1.96²·v̄ / (m·δ²)⌉, at least 1 (the
 * inverse of `detectableChange`'s 1.96·√(2·v̄/(m·k))). Null without a problem count.
 */
export function samplesForPrecision(
  benchmark: Benchmark,
  precision: number,
  variance?: VarianceSource,
): PrecisionSamples | null {
  const m = variance?.problems ?? benchmark.problems;
  if (m === undefined || m <= 0) return null;
  const v = variance?.withinVariance ?? ASSUMED_WITHIN_VARIANCE;
  const samples = Math.max(1, Math.ceil((2 * Z_95 ** 2 * v) / (m * precision ** 2)));
  const from = variance
    ? `v̄ = ${v.toFixed(4)} from ${variance.source}`
    : `no baseline details: assumed the worst-case v̄ = ${ASSUMED_WITHIN_VARIANCE} (p = ½), so this errs high`;
  return {
    benchmark: benchmark.name,
    samples,
    line: `precision ±${(precision * 100).toFixed(1)} points: ${benchmark.name} ${m} problems × ${samples} samples (${from})`,
  };
}

/**
 * The settings with each benchmark's samples per problem set from `precision` (pure). The counts
 * join the run definition (through `benchmarkDefinitions`), so they decide the run id with the rest.
 */
export function applyPrecision(
  settings: RunSettings,
  variances: ReadonlyMap<string, VarianceSource> = new Map(),
): { settings: RunSettings; lines: string[] } {
  const precision = settings.precision;
  if (precision === undefined) return { settings, lines: [] };
  const names = settings.benchmarks.length > 0 ? settings.benchmarks : [...defaultBenchmarkNames];
  const given = settings.benchmarkDefinitions ?? names.map(getBenchmark);
  const lines: string[] = [];
  const fromPrecision: string[] = [];
  const benchmarkDefinitions = given.map((b) => {
    const set = samplesForPrecision(b, precision, variances.get(b.name));
    if (!set) {
      lines.push(`precision: ${b.name} keeps ${b.samplesPerPrompt} samples (its problem count is unknown)`);
      return b;
    }
    fromPrecision.push(b.name);
    // With `seeds: N` the k generations a problem needs are spread over its N seed jobs.
    const seeds = settings.seeds ?? 1;
    const perSeed = Math.ceil(set.samples / seeds);
    lines.push(seeds > 1 ? `${set.line}: ${perSeed} per seed job × ${seeds} seeds` : set.line);
    return { ...b, samplesPerPrompt: perSeed };
  });
  return {
    settings: { ...settings, benchmarks: names, benchmarkDefinitions, samplesFromPrecision: fromPrecision },
    lines,
  };
}

/** The plan's estimated GPU-hours (the jobs' `cost`, an estimate at an assumed throughput). */
export function estimatedGpuHours(jobs: readonly PlannedJob[]): number {
  return jobs.reduce((sum, job) => sum + (job.cost?.estimatedGpuHours ?? 0), 0);
}

/** The plan's estimate exceeds `max-gpu-hours`, and capping could not (or may not) bring it under. */
export class GpuBudgetError extends Error {
  override name = 'GpuBudgetError';
  readonly kind = 'bad-input' as const;
  readonly hint: string;
  constructor(estimate: number, budget: number, jobs: readonly PlannedJob[], capped: boolean) {
    const perBenchmark = jobs
      .flatMap((job) => job.samples ?? [])
      .map((s) => `${s.benchmark} ${s.problems ?? '?'} × ${s.drawn}`)
      .join(', ');
    super(
      `The plan is estimated at ${estimate.toFixed(1)} GPU-hours (${perBenchmark}; an ESTIMATE at an assumed throughput, see the plan), above max-gpu-hours ${budget}${capped ? ', even with the precision-set counts capped' : ''}`,
    );
    const factor = budget / estimate;
    this.hint = `Raise max-gpu-hours to at least ${Math.ceil(estimate)}, or lower the samples (about ×${factor.toFixed(2)} fits: the config file's samples map), or a looser precision.`;
  }
}

/**
 * Counts set by `precision`, scaled down so the estimate fits `budget` (others are the user's and
 * kept): k′ = max(1, ⌊k·budget/estimate⌋). Undefined when precision set none.
 */
export function cappedForBudget(
  settings: RunSettings,
  estimate: number,
  budget: number,
): Benchmark[] | undefined {
  const capped = new Set(settings.samplesFromPrecision ?? []);
  if (capped.size === 0 || !settings.benchmarkDefinitions) return undefined;
  const factor = budget / estimate;
  return settings.benchmarkDefinitions.map((b) =>
    capped.has(b.name) ? { ...b, samplesPerPrompt: Math.max(1, Math.floor(b.samplesPerPrompt * factor)) } : b,
  );
}

/**
 * Holds the plan to `max-gpu-hours`: within it, the plan as it is; above it, precision-set counts
 * capped (one re-plan) and said so, or a refusal naming the estimate, the budget and the way out.
 */
export function withinBudget<P extends { jobs: PlannedJob[] }>(
  settings: RunSettings,
  plan: P,
  replan: (benchmarks: Benchmark[]) => P,
  log: (line: string) => void,
): P {
  const budget = settings.maxGpuHours;
  if (budget === undefined) return plan;
  const estimate = estimatedGpuHours(plan.jobs);
  if (estimate <= budget) {
    log(`Estimated ${estimate.toFixed(1)} GPU-hours (an estimate), within max-gpu-hours ${budget}.`);
    return plan;
  }
  const capped = cappedForBudget(settings, estimate, budget);
  if (!capped) throw new GpuBudgetError(estimate, budget, plan.jobs, false);
  const next = replan(capped);
  const again = estimatedGpuHours(next.jobs);
  if (again > budget) throw new GpuBudgetError(again, budget, next.jobs, true);
  log(
    `max-gpu-hours ${budget}: the sample counts precision set were capped to fit (estimated ${estimate.toFixed(1)} → ${again.toFixed(1)} GPU-hours): ${capped.map((b) => `${b.name} ${b.samplesPerPrompt}`).join(', ')}; the precision asked is not reached, the report gives the smallest detectable change instead.`,
  );
  return next;
}
