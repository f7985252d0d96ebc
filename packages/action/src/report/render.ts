import { toJobState } from '@model-eval/slurm';
import type { Comparison } from '../stats';
import { Z_95 } from '../stats';
import { checkpointChart } from './chart';
import { escapeCodeSpan, escapeInline, escapePreformatted } from './escape';
import { duration, percent, signedPoints } from './format';
import { reportMarker } from './marker';
import type { JobReport, RunReport } from './types';

/** GitHub rejects comment bodies over 65,536 characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

const VERDICT_LABELS: Record<Comparison['verdict'], string> = {
  improved: '✅ improved',
  regressed: '🔻 regressed',
  'within noise': '≈ within noise',
  'no comparison': '—',
};

const STATUS_LABELS: Record<RunReport['status'], string> = {
  submitted: '📨 submitted',
  queued: '⏳ queued',
  running: '🏃 running',
  succeeded: '✅ succeeded',
  failed: '❌ failed',
  cancelled: '🚫 cancelled',
};

/** A job has failed when Slurm's own classification says so (STAGE_OUT, SIGNALING, … still run). */
const hasFailed = (job: { id: string; state: string }) =>
  job.state !== 'SUBMITTING' && toJobState({ jobId: job.id, state: job.state }).class === 'failed';

interface RenderLevel {
  /** Lines of each failed job's log tail to keep; 0 drops them. */
  logLines: number;
  charts: boolean;
  /** Result rows to show (the rest are counted). */
  maxRows: number;
  notes: boolean;
}

const LEVELS: readonly RenderLevel[] = [
  { logLines: 60, charts: true, maxRows: Number.POSITIVE_INFINITY, notes: true },
  { logLines: 20, charts: true, maxRows: Number.POSITIVE_INFINITY, notes: true },
  { logLines: 0, charts: true, maxRows: Number.POSITIVE_INFINITY, notes: true },
  { logLines: 0, charts: false, maxRows: Number.POSITIVE_INFINITY, notes: false },
  { logLines: 0, charts: false, maxRows: 50, notes: false },
];

function hubBase(report: RunReport): string {
  return (report.links?.hubBaseUrl ?? 'https://huggingface.co').replace(/\/+$/, '');
}

/** A Hub id (`org/name`) links to the Hub; a model directory on the cluster is shown as plain text. */
const HUB_ID = /^[\w.-]+\/[\w.-]+$/;

function modelMarkdown(report: RunReport): string {
  const model = escapeInline(report.model);
  return HUB_ID.test(report.model)
    ? `[${model}](${hubBase(report)}/${encodeURI(report.model)})`
    : escapeCodeSpan(report.model);
}

function revisionMarkdown(report: RunReport): string {
  const revision = escapeInline(report.revision);
  return HUB_ID.test(report.model)
    ? `[${revision}](${hubBase(report)}/${encodeURI(report.model)}/tree/${encodeURIComponent(report.revision)})`
    : revision;
}

function gpuHours(job: JobReport): number | null {
  if (job.elapsedSeconds === null || job.elapsedSeconds === undefined) return null;
  return (job.layout.nodes * job.layout.gpusPerNode * job.elapsedSeconds) / 3600;
}

function resultsTable(report: RunReport, level: RenderLevel): string[] {
  if (report.results.length === 0) return ['_No results yet._'];
  const baseline = report.baseline;
  const simulated = report.simulated ? ' **SIMULATED**' : '';
  const header = baseline
    ? `| Benchmark | Metric | Score ± 95% CI | Baseline (${escapeInline(baseline.label)}) | Δ (95% CI) | Verdict |`
    : '| Benchmark | Metric | Score ± 95% CI | Baseline | Δ | Verdict |';
  const lines = [header, '| --- | --- | --- | --- | --- | --- |'];
  const shown = report.results.slice(0, level.maxRows);
  for (const row of shown) {
    const score =
      row.value === null
        ? 'no score'
        : row.stderr === null
          ? `${percent(row.value)} ± ?`
          : `${percent(row.value)} ± ${(Z_95 * row.stderr * 100).toFixed(1)}`;
    const comparison = baseline?.comparison.comparisons.find((c) => c.benchmark === row.benchmark);
    const skipped = baseline?.comparison.skipped.find((s) => s.benchmark === row.benchmark);
    const baseValue = baseline?.values[row.benchmark];
    const baseCell = baseValue === undefined || baseValue === null ? '—' : percent(baseValue);
    const deltaCell = comparison
      ? `${signedPoints(comparison.delta)} (${signedPoints(comparison.ci[0])}, ${signedPoints(comparison.ci[1])})`
      : '—';
    const verdictCell = comparison
      ? `${VERDICT_LABELS[comparison.verdict]} (${comparison.method === 'paired bootstrap' ? `paired, ${comparison.pairedProblems} problems` : 'unpaired'})`
      : skipped
        ? `— ${escapeInline(skipped.reason)}`
        : '—';
    const metric = row.metric ? escapeCodeSpan(row.metric) : '—';
    lines.push(
      `| ${escapeInline(row.benchmark)}${simulated} | ${metric} | ${score} | ${baseCell} | ${deltaCell} | ${verdictCell} |`,
    );
  }
  if (shown.length < report.results.length) {
    lines.push(
      '',
      `_${report.results.length - shown.length} more benchmarks omitted to fit GitHub's comment limit._`,
    );
  }
  if (baseline && baseline.comparison.comparisons.length > 0) {
    lines.push(
      '',
      `Δ in percentage points against ${escapeInline(baseline.label)}. ${escapeInline(baseline.comparison.multipleTesting)} ` +
        'Paired: bootstrap over the problems both runs scored; unpaired: z-test from the two standard errors.',
    );
  }
  if (level.notes) {
    const notes = report.results.flatMap((r) => (r.notes ?? []).map((n) => `${r.benchmark}: ${n}`));
    if (notes.length > 0) lines.push('', ...notes.map((n) => `- ${escapeInline(n)}`));
  }
  return lines;
}

function jobsTable(report: RunReport): string[] {
  if (report.jobs.length === 0) return [];
  const lines = [
    '| Job | Benchmarks | State | Nodes × GPUs | TP / PP / DP | Queue wait | Elapsed | GPU-hours |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  let total = 0;
  for (const job of report.jobs) {
    const hours = gpuHours(job);
    if (hours !== null) total += hours;
    const state = job.reason ? `${job.state} (${job.reason})` : job.state;
    const { nodes, gpusPerNode, tensorParallel, pipelineParallel, dataParallel } = job.layout;
    lines.push(
      `| ${escapeInline(job.id)} | ${escapeInline(job.benchmarks.join(', '))} | ${escapeInline(state)} | ${nodes} × ${gpusPerNode} | ${tensorParallel} / ${pipelineParallel} / ${dataParallel} | ${job.queueSeconds == null ? '—' : duration(job.queueSeconds)} | ${job.elapsedSeconds == null ? '—' : duration(job.elapsedSeconds)} | ${hours === null ? '—' : hours.toFixed(2)} |`,
    );
  }
  lines.push('', `**GPU-hours, all jobs:** ${total.toFixed(2)}`);
  return lines;
}

function runFacts(report: RunReport): string[] {
  const facts = [`- **Model:** ${modelMarkdown(report)}`, `- **Revision:** ${revisionMarkdown(report)}`];
  if (report.wallSeconds != null) facts.push(`- **Wall time:** ${duration(report.wallSeconds)}`);
  const versions = [
    report.versions?.lighteval ? `LightEval ${escapeInline(report.versions.lighteval)}` : null,
    report.versions?.vllm ? `vLLM ${escapeInline(report.versions.vllm)}` : null,
  ].filter((v): v is string => v !== null);
  if (versions.length) facts.push(`- **Versions:** ${versions.join(', ')}`);
  const links = [
    report.links?.workflowRun ? `[workflow run](${encodeURI(report.links.workflowRun)})` : null,
    report.links?.hubResults ? `[results on the Hub](${encodeURI(report.links.hubResults)})` : null,
  ].filter((l): l is string => l !== null);
  if (links.length) facts.push(`- **Links:** ${links.join(' · ')}`);
  return facts;
}

function failedJobs(report: RunReport, level: RenderLevel): string[] {
  const failed = report.jobs.filter(hasFailed);
  if (failed.length === 0) return [];
  const lines = ['### Failed jobs', ''];
  for (const job of failed) {
    const summary = escapePreformatted(
      `Job ${job.id} (${job.benchmarks.join(', ')}): ${job.state}${job.reason ? ` — ${job.reason}` : ''}`,
    );
    lines.push('<details>', `<summary>${summary}</summary>`, '');
    if (job.logTail && level.logLines > 0) {
      const tail = job.logTail.split(/\r?\n/).slice(-level.logLines).join('\n');
      lines.push(`<pre>${escapePreformatted(tail)}</pre>`);
    } else if (job.logTail) {
      lines.push(
        '<p>Log tail omitted to fit GitHub’s comment limit; see the job summary or the run directory.</p>',
      );
    } else {
      lines.push('<p>No log available.</p>');
    }
    lines.push('</details>', '');
  }
  return lines;
}

function charts(report: RunReport): string[] {
  const series = (report.checkpointSeries ?? []).filter((s) => s.points.length >= 2);
  if (series.length === 0) return [];
  return [
    '### Scores by training step',
    '',
    ...series.flatMap((s) => [checkpointChart(s.benchmark, s.points), '']),
  ];
}

function renderAt(report: RunReport, marker: string, level: RenderLevel): string {
  const title = `## Model evaluation: ${modelMarkdown(report)} @ ${escapeCodeSpan(report.revision)} — ${STATUS_LABELS[report.status]}`;
  const lines = [marker, title, ''];
  if (report.simulated) {
    lines.push(
      '> [!WARNING]',
      '> **SIMULATED** — these numbers come from the LightEval stand-in, not from a model. Do not compare them with real results.',
      '',
    );
  }
  lines.push(
    ...resultsTable(report, level),
    '',
    '### Run',
    '',
    ...runFacts(report),
    '',
    ...jobsTable(report),
    '',
  );
  if (level.notes && report.notes?.length) lines.push(...report.notes.map((n) => `- ${escapeInline(n)}`), '');
  lines.push(...failedJobs(report, level));
  if (level.charts) lines.push(...charts(report));
  return `${lines.join('\n').trimEnd()}\n`;
}

/**
 * Renders the report as GitHub markdown: for the sticky PR comment and the job summary alike.
 * Stays under `maxLength` by shedding detail in order (log tails shortened, then dropped, then
 * charts and notes, then rows), never by cutting a table or a tag in half.
 */
export function renderReport(
  report: RunReport,
  options: { maxLength?: number; marker?: string } = {},
): string {
  const maxLength = options.maxLength ?? GITHUB_COMMENT_LIMIT;
  const marker = options.marker ?? reportMarker(report.model);
  for (const level of LEVELS) {
    const body = renderAt(report, marker, level);
    if (body.length <= maxLength) return body;
  }
  const smallest = renderAt(report, marker, { logLines: 0, charts: false, maxRows: 5, notes: false });
  if (smallest.length <= maxLength) return smallest;
  const note = '\n\n_Report truncated to fit GitHub’s comment limit._\n';
  return `${smallest.slice(0, Math.max(0, maxLength - note.length))}${note}`;
}
