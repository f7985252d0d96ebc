import { toJobState } from '@model-eval/slurm';
import { seedSpread } from '../results/seeds';
import type { Comparison } from '../stats';
import { Z_95 } from '../stats';
import { deltaWithInterval, duration, percent, plural } from './format';
import { benchmarkTitle, modelTitle } from './names';
import type { JobLayout, JobReport, ReportResultRow, RunReport } from './types';

/**
 * What the report says, as plain (unescaped) strings: the markdown renderer escapes and lays it
 * out for GitHub, the text renderer aligns it for a terminal. One place decides the verdict, the
 * cells and the GPU-hours, so the comment and the terminal never disagree.
 */
export interface ReportView {
  /** `🔻 1 regression`, `≈ no significant change`, `❌ failed: …`. */
  verdict: string;
  /** `model @ revision`, the model shortened when it is a directory. */
  subject: string;
  simulated: boolean;
  /** Column titles of the results table; the baseline columns only when there is a baseline. */
  header: string[];
  rows: string[][];
  /** Shown instead of the table when there is nothing to tabulate. */
  emptyResults?: string;
  /** Under the table: what Δ means and which test each comparison used. */
  comparisonNote?: string;
  failures: FailureView[];
  jobHeader: string[];
  jobRows: string[][];
  totalGpuHours: number;
  /** `12.50`, or `≥ 0.50` when some attempt's time is unknown, or `unknown`. */
  totalGpuHoursText: string;
}

export interface FailureView {
  /** One line: which benchmarks, which job, why. */
  line: string;
  logTail?: string;
}

const VERDICT_LABELS: Record<Comparison['verdict'], string> = {
  improved: '✅ improved',
  regressed: '🔻 regressed',
  'within noise': '≈ within noise',
  'no comparison': '—',
};

/** A job has failed when Slurm's own classification says so (STAGE_OUT, SIGNALING, … still run). */
export const hasFailed = (job: { id: string; state: string }) =>
  job.state !== 'SUBMITTING' && toJobState({ jobId: job.id, state: job.state }).class === 'failed';

export function gpuHours(layout: JobLayout, elapsedSeconds: number | null | undefined): number | null {
  if (elapsedSeconds === null || elapsedSeconds === undefined) return null;
  return (layout.nodes * layout.gpusPerNode * elapsedSeconds) / 3600;
}

function benchmarkList(benchmarks: readonly string[]): string {
  return benchmarks.map(benchmarkTitle).join(', ');
}

function failureLine(job: JobReport): string {
  return `${benchmarkList(job.benchmarks)} (job ${job.id}): ${job.reason ?? job.state}`;
}

/** The answer to "did this change make the model worse", in one line. */
export function reportVerdict(report: RunReport): string {
  const failed = report.jobs.filter(hasFailed);
  if (report.status === 'failed') {
    const first = failed[0];
    const why = first ? failureLine(first) : 'no job produced results';
    const more = failed.length > 1 ? ` (+${plural(failed.length - 1, 'more failed job')})` : '';
    return `❌ failed: ${why}${more}`;
  }
  if (report.status === 'cancelled') return '🚫 cancelled';
  if (report.status === 'submitted') return `📨 submitted ${plural(report.jobs.length, 'job')}`;
  if (report.status === 'queued' || report.status === 'running') {
    const done = report.jobs.filter((j) => toJobState({ jobId: j.id, state: j.state }).class === 'succeeded');
    return `${report.status === 'queued' ? '⏳ queued' : '🏃 running'}: ${done.length} of ${plural(report.jobs.length, 'job')} done`;
  }
  const comparisons = report.baseline?.comparison.comparisons ?? [];
  const regressions = comparisons.filter((c) => c.verdict === 'regressed').length;
  const improvements = comparisons.filter((c) => c.verdict === 'improved').length;
  if (regressions > 0) {
    return `🔻 ${plural(regressions, 'regression')}${improvements > 0 ? `, ${plural(improvements, 'improvement')}` : ''}`;
  }
  if (improvements > 0) return `✅ ${plural(improvements, 'improvement')}`;
  if (comparisons.length > 0) return '≈ no significant change';
  const scored = report.results.filter((r) => r.value !== null).length;
  return `✅ ${scored} of ${plural(report.results.length, 'benchmark')} scored, no baseline to compare with`;
}

/**
 * The score with its 95% interval: Wilson's over the per-problem means when the details were read
 * (`84.0 [80.5, 87.0]`, asymmetric near 0 and 100), else LightEval's stderr × 1.96 (`84.0 ± 3.2`).
 */
function scoreCell(row: ReportResultRow): string {
  if (row.value === null) return 'no score';
  const interval = row.statistics?.interval;
  if (interval && interval.method === 'wilson (per-problem spread)') {
    return `${percent(row.value)} [${percent(interval.ci[0])}, ${percent(interval.ci[1])}]`;
  }
  return `${percent(row.value)} ± ${row.stderr === null ? '?' : (Z_95 * row.stderr * 100).toFixed(1)}`;
}

/** `±3.9`, and with a precision target `±3.9 (±2.0 needs 240 samples)`; `—` without details. */
function detectableCell(row: ReportResultRow): string {
  const detectable = row.statistics?.detectable;
  if (!detectable) return '—';
  const points = (x: number) => (x * 100).toFixed(1);
  const base = `±${points(detectable.minimumChange)}`;
  if (detectable.samplesForPrecision === undefined || detectable.precision === undefined) return base;
  return `${base} (±${points(detectable.precision)} needs ${plural(detectable.samplesForPrecision, 'sample')})`;
}

function sizeCell(row: ReportResultRow): string {
  const { problems, samples } = row;
  if (problems == null && samples == null) return '—';
  const seeds = row.seedScores?.length ?? 0;
  // Seeds: the samples per problem are every seed's together; say how they split.
  const split =
    seeds > 0 && samples != null && samples % seeds === 0
      ? ` (${plural(seeds, 'seed')} × ${samples / seeds})`
      : '';
  return `${problems ?? '?'} × ${samples ?? '?'}${split}`;
}

/**
 * Under the table, for a `seeds: N` run: each seed's score and their spread (sample standard
 * deviation), so a reader sees how much of a difference one seed alone could make.
 */
function seedSpreadText(report: RunReport): string | undefined {
  const lines = report.results.flatMap((row) => {
    const scores = row.seedScores ?? [];
    if (scores.length === 0) return [];
    const each = scores.map((s) => `${s.seed}: ${s.value === null ? '—' : percent(s.value)}`).join(', ');
    const spread = seedSpread(scores);
    const sd = spread
      ? `; sd ${(spread.sd * 100).toFixed(1)} points, range ${percent(spread.min)}–${percent(spread.max)}`
      : '';
    return [`${benchmarkTitle(row.benchmark)}: ${each}${sd}`];
  });
  if (lines.length === 0) return undefined;
  return `Scores per seed (the table's score is their mean over all generations) — ${lines.join('. ')}.`;
}

function layoutCells(layout: JobLayout): string[] {
  const { nodes, gpusPerNode, tensorParallel, pipelineParallel, dataParallel, route, nodeList } = layout;
  // The route and the nodes matter once a job spans nodes (or runs a forced route on one).
  const where = [route && route !== 'in-process' ? route : undefined, nodes > 1 ? nodeList : undefined]
    .filter((part): part is string => part !== undefined && part !== '')
    .join(' on ');
  return [
    `${nodes} × ${gpusPerNode}${where ? ` (${where})` : ''}`,
    `${tensorParallel} / ${pipelineParallel} / ${dataParallel}`,
  ];
}

function hoursCell(hours: number | null): string {
  return hours === null ? '—' : hours.toFixed(2);
}

export function reportView(report: RunReport, options: { maxRows?: number } = {}): ReportView {
  const { header, rows } = resultsTable(report, options.maxRows ?? Number.POSITIVE_INFINITY);
  const emptyResults = emptyResultsText(report);
  const comparisonNote = comparisonNoteText(report);
  const jobs = jobTable(report);
  const failures = report.jobs.filter(hasFailed).map((job) => ({
    line: failureLine(job),
    ...(job.logTail !== undefined && { logTail: job.logTail }),
  }));
  return {
    verdict: reportVerdict(report),
    subject: `${modelTitle(report.model)} @ ${report.revision}`,
    simulated: report.simulated,
    header,
    rows,
    ...(emptyResults !== undefined && { emptyResults }),
    ...(comparisonNote !== undefined && { comparisonNote }),
    failures,
    jobHeader: JOB_HEADER,
    jobRows: jobs.rows,
    totalGpuHours: jobs.totalGpuHours,
    // A job whose time is unknown spent GPU time too: never print a total that looks complete.
    totalGpuHoursText:
      jobs.unknownHours === 0
        ? jobs.totalGpuHours.toFixed(2)
        : jobs.unknownHours === jobs.rows.length
          ? 'unknown'
          : `≥ ${jobs.totalGpuHours.toFixed(2)}`,
  };
}

/** The results table: benchmark, problems × samples, score, and against a baseline Δ and verdict. */
function resultsTable(report: RunReport, maxRows: number): { header: string[]; rows: string[][] } {
  const baseline = report.baseline;
  const header = baseline
    ? [
        'Benchmark',
        'Problems × samples',
        'Score ± 95% CI',
        `Baseline (${baseline.label})`,
        'Δ [95% CI]',
        'Verdict',
        DETECTABLE_HEADER,
      ]
    : ['Benchmark', 'Problems × samples', 'Score ± 95% CI', DETECTABLE_HEADER];
  const rows = report.results.slice(0, maxRows).map((row) => {
    const cells = [benchmarkTitle(row.benchmark), sizeCell(row), scoreCell(row)];
    if (!baseline) return [...cells, detectableCell(row)];
    const comparison = baseline.comparison.comparisons.find((c) => c.benchmark === row.benchmark);
    const skipped = baseline.comparison.skipped.find((s) => s.benchmark === row.benchmark);
    const baseValue = baseline.values[row.benchmark];
    cells.push(
      baseValue === undefined || baseValue === null ? '—' : percent(baseValue),
      comparison ? deltaWithInterval(comparison.delta, comparison.ci) : '—',
      comparison ? VERDICT_LABELS[comparison.verdict] : skipped ? `— ${skipped.reason}` : '—',
      detectableCell(row),
    );
    return cells;
  });
  return { header, rows };
}

/** What to say where the table would be when there are no scores (and why). */
function emptyResultsText(report: RunReport): string | undefined {
  if (report.results.length > 0) return undefined;
  const failedCount = report.jobs.filter(hasFailed).length;
  return report.status === 'failed' || report.status === 'cancelled'
    ? `No scores: ${failedCount > 0 ? `${plural(failedCount, 'job')} failed` : `the run was ${report.status}`} before writing results.`
    : `No scores yet: ${plural(report.jobs.length, 'job')} ${report.status === 'submitted' ? 'submitted' : 'under way'}.`;
}

const DETECTABLE_HEADER = 'Smallest detectable Δ';

/**
 * Under the table: what Δ is measured against, which test each benchmark used and what it assumed
 * (problems fixed, only sampling noise; the false-discovery control), and what the smallest
 * detectable change and the intervals rest on.
 */
function comparisonNoteText(report: RunReport): string | undefined {
  const parts: string[] = [];
  const baseline = report.baseline;
  const comparisons = baseline?.comparison.comparisons ?? [];
  if (baseline && comparisons.length > 0) {
    const methods = comparisons.map(
      (c) =>
        `${benchmarkTitle(c.benchmark)}: ${c.pairedProblems !== undefined ? `${c.method} over ${c.pairedProblems} problems` : c.method}`,
    );
    parts.push(
      `Δ in percentage points against ${baseline.label}. ${baseline.comparison.multipleTesting} Tests: ${methods.join('; ')}.`,
    );
    if (baseline.comparison.assumption) parts.push(baseline.comparison.assumption);
  }
  const statistics = report.results.flatMap((r) => (r.statistics ? [r.statistics] : []));
  if (statistics.some((s) => s.detectable)) parts.push(DETECTABLE_NOTE);
  if (statistics.some((s) => s.interval?.method === 'wilson (per-problem spread)')) parts.push(WILSON_NOTE);
  parts.push(...statistics.flatMap((s) => (s.note ? [s.note] : [])));
  const seeds = seedSpreadText(report);
  if (seeds) parts.push(seeds);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

const DETECTABLE_NOTE =
  'Smallest detectable Δ: the change a paired test at the 5% level could tell from sampling noise against a baseline with the same problems × samples, 1.96·√(2·v̄/(m·k)) from the mean within-problem variance v̄ of m problems × k samples; smaller changes are noise.';
const WILSON_NOTE =
  'Intervals in brackets are Wilson 95% intervals over the per-problem means (they stay inside [0, 100]); ± is LightEval’s stderr × 1.96 where no details were read.';

const JOB_HEADER = [
  'Job',
  'Benchmarks',
  'State',
  'Nodes × GPUs',
  'TP / PP / DP',
  'Queue wait',
  'Elapsed',
  'GPU-hours',
];

/** Every attempt of every job (re-planned ones first), with its GPU-hours and their total. */
function jobTable(report: RunReport): { rows: string[][]; totalGpuHours: number; unknownHours: number } {
  const rows: string[][] = [];
  let totalGpuHours = 0;
  let unknownHours = 0;
  const count = (hours: number | null) => {
    if (hours !== null) totalGpuHours += hours;
    else unknownHours += 1;
    return hours;
  };
  for (const job of report.jobs) {
    const attempts = job.supersededAttempts ?? [];
    const total = attempts.length + 1;
    attempts.forEach((attempt, i) => {
      const hours = count(gpuHours(attempt.layout, attempt.elapsedSeconds));
      rows.push([
        `${attempt.id} (attempt ${i + 1} of ${total})`,
        benchmarkList(job.benchmarks),
        `${attempt.state} (${attempt.reason ?? 'out of GPU memory'}; re-planned)`,
        ...layoutCells(attempt.layout),
        '—',
        attempt.elapsedSeconds === null ? '—' : duration(attempt.elapsedSeconds),
        hoursCell(hours),
      ]);
    });
    const hours = count(gpuHours(job.layout, job.elapsedSeconds));
    rows.push([
      total > 1 ? `${job.id} (attempt ${total} of ${total})` : job.id,
      `${benchmarkList(job.benchmarks)}${job.seed !== undefined ? ` (seed ${job.seed})` : ''}`,
      job.reason ? `${job.state} (${job.reason})` : job.state,
      ...layoutCells(job.layout),
      job.queueSeconds == null ? '—' : duration(job.queueSeconds),
      job.elapsedSeconds == null ? '—' : duration(job.elapsedSeconds),
      hoursCell(hours),
    ]);
  }
  return { rows, totalGpuHours, unknownHours };
}
