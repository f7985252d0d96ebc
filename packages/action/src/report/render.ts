import { scoreByStepChart } from './chart';
import { escapeCodeSpan, escapeInline, escapePreformatted } from './escape';
import { duration } from './format';
import { reportMarker } from './marker';
import { benchmarkTitle, HUB_ID, modelTitle } from './names';
import type { RunReport } from './types';
import { type ReportView, reportView } from './view';

/** GitHub rejects comment bodies over 65,536 characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

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

/** A Hub id links to the Hub; a model directory shows its last path parts as plain text. */
function modelMarkdown(report: RunReport): string {
  return HUB_ID.test(report.model)
    ? `[${escapeInline(report.model)}](${hubBase(report)}/${encodeURI(report.model)})`
    : escapeCodeSpan(modelTitle(report.model));
}

function revisionMarkdown(report: RunReport): string {
  const revision = escapeInline(report.revision);
  return HUB_ID.test(report.model)
    ? `[${revision}](${hubBase(report)}/${encodeURI(report.model)}/tree/${encodeURIComponent(report.revision)})`
    : revision;
}

/** The commit the revision was pinned to, or why there is none. */
function commitText(report: RunReport): string {
  if (report.commitSha === undefined) return '';
  if (report.commitSha === null) {
    return HUB_ID.test(report.model) ? ' (commit not recorded)' : ' (a model directory: no Hub commit)';
  }
  return ` → commit ${escapeCodeSpan(report.commitSha)} (resolved before planning; LightEval loaded this commit)`;
}

/** Datasets (revision, LiveCodeBench window), seeds and generation parameters: what reproduces a number. */
function reproducibilityFacts(report: RunReport): string[] {
  const all = report.benchmarkFacts ?? [];
  if (all.length === 0) return [];
  const datasets = all.map((f) => {
    const where = f.dataset ? `${f.dataset}${f.subset ? ` (${f.subset})` : ''}` : 'custom task';
    const revision = f.revision ?? 'latest revision, not pinned by LightEval';
    return `${escapeInline(benchmarkTitle(f.benchmark))} ${escapeCodeSpan(where)} @ ${escapeInline(revision)}`;
  });
  const generation = [
    ...new Set(
      all.map(
        (f) =>
          `temperature ${f.temperature ?? '?'}, top_p ${f.topP ?? '?'}, max_new_tokens ${f.maxNewTokens?.toLocaleString('en-US') ?? '?'}, seed ${f.seeds.join(' / ')} (${f.seedSource})`,
      ),
    ),
  ];
  const seedCount = Math.max(...all.map((f) => f.seeds.length));
  const seeds =
    seedCount > 1
      ? `${seedCount} seeds per benchmark, one job each, merged (scores per seed under the table)`
      : 'one seed per benchmark';
  return [
    `- **Datasets:** ${datasets.join(', ')}`,
    `- **Generation:** ${generation.map(escapeInline).join('; ')}; ${seeds}`,
  ];
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.map(escapeInline).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(escapeInline).join(' | ')} |`),
  ];
}

function resultsSection(report: RunReport, view: ReportView, level: RenderLevel): string[] {
  if (view.emptyResults) return [`_${escapeInline(view.emptyResults)}_`];
  const lines = table(view.header, view.rows);
  if (view.rows.length < report.results.length) {
    lines.push(
      '',
      `_${report.results.length - view.rows.length} more benchmarks omitted to fit GitHub's comment limit._`,
    );
  }
  if (view.comparisonNote) lines.push('', `<sub>${escapeInline(view.comparisonNote)}</sub>`);
  if (level.notes) {
    const notes = report.results.flatMap((r) =>
      (r.notes ?? []).map((n) => `${benchmarkTitle(r.benchmark)}: ${n}`),
    );
    if (notes.length > 0) lines.push('', ...notes.map((n) => `- ${escapeInline(n)}`));
  }
  return lines;
}

function failuresSection(view: ReportView, level: RenderLevel): string[] {
  if (view.failures.length === 0) return [];
  const lines = ['### Failed', ''];
  for (const failure of view.failures) {
    lines.push(`❌ ${escapeInline(failure.line)}`, '');
    if (!failure.logTail) continue;
    if (level.logLines > 0) {
      const tailLines = failure.logTail.split(/\r?\n/).slice(-level.logLines);
      lines.push(
        `<details><summary>Log tail (last ${tailLines.length} lines)</summary>`,
        '',
        `<pre>${escapePreformatted(tailLines.join('\n'))}</pre>`,
        '</details>',
        '',
      );
    } else {
      lines.push(
        '<sub>Log tail omitted to fit GitHub’s comment limit; see the job summary or the run directory.</sub>',
        '',
      );
    }
  }
  return lines;
}

/** Run facts, metrics and every job attempt: collapsed, because the reviewer's question is answered above. */
function runSection(report: RunReport, view: ReportView, level: RenderLevel): string[] {
  const facts = [
    `- **Model:** ${modelMarkdown(report)}`,
    `- **Revision:** ${revisionMarkdown(report)}${commitText(report)}`,
  ];
  if (report.wallSeconds != null) facts.push(`- **Wall time:** ${duration(report.wallSeconds)}`);
  const versions = [
    report.versions?.lighteval ? `LightEval ${escapeInline(report.versions.lighteval)}` : null,
    report.versions?.vllm ? `vLLM ${escapeInline(report.versions.vllm)}` : null,
  ].filter((v): v is string => v !== null);
  if (versions.length) facts.push(`- **Versions:** ${versions.join(', ')}`);
  const metrics = report.results
    .filter((r) => r.metric)
    .map((r) => `${escapeInline(benchmarkTitle(r.benchmark))} ${escapeCodeSpan(r.metric)}`);
  if (metrics.length) facts.push(`- **LightEval metrics:** ${metrics.join(', ')}`);
  facts.push(...reproducibilityFacts(report));
  const links = [
    report.links?.workflowRun ? `[workflow run](${encodeURI(report.links.workflowRun)})` : null,
    report.links?.hubResults ? `[results on the Hub](${encodeURI(report.links.hubResults)})` : null,
  ].filter((l): l is string => l !== null);
  if (links.length) facts.push(`- **Links:** ${links.join(' · ')}`);
  const summary = `Run: ${view.jobRows.length} job attempt${view.jobRows.length === 1 ? '' : 's'}, ${view.totalGpuHoursText === 'unknown' ? 'GPU-hours unknown' : `${view.totalGpuHoursText} GPU-hours`}${report.wallSeconds != null ? `, ${duration(report.wallSeconds)} wall time` : ''}`;
  const lines = ['<details>', `<summary>${escapePreformatted(summary)}</summary>`, '', ...facts, ''];
  if (view.jobRows.length > 0) {
    lines.push(
      ...table(view.jobHeader, view.jobRows),
      '',
      `**GPU-hours, all attempts:** ${view.totalGpuHoursText}`,
      '',
    );
  }
  if (level.notes && report.notes?.length) lines.push(...report.notes.map((n) => `- ${escapeInline(n)}`), '');
  lines.push('</details>', '');
  return lines;
}

function chartSection(report: RunReport): string[] {
  const chart = scoreByStepChart(
    (report.checkpointSeries ?? []).map((s) => ({
      ...s,
      baseline: report.baseline?.values[s.benchmark] ?? null,
    })),
    report.baseline?.label,
  );
  return chart ? ['### Scores by training step', '', chart, ''] : [];
}

function renderAt(report: RunReport, marker: string, level: RenderLevel): string {
  const view = reportView(report, { maxRows: level.maxRows });
  const simulatedMark = report.simulated ? '🧪 SIMULATED · ' : '';
  const title = `## ${simulatedMark}${escapeInline(view.verdict)} — ${modelMarkdown(report)} @ ${escapeCodeSpan(report.revision)}`;
  const lines = [marker, title, ''];
  if (report.simulated) {
    lines.push(
      '> [!WARNING]',
      '> **SIMULATED**: every number below comes from the LightEval stand-in, not from a model. Do not compare them with real results.',
      '',
    );
  }
  lines.push(...resultsSection(report, view, level), '');
  lines.push(...failuresSection(view, level));
  if (level.charts) lines.push(...chartSection(report));
  lines.push(...runSection(report, view, level));
  return `${lines.join('\n').trimEnd()}\n`;
}

/**
 * Renders the report as GitHub markdown: for the sticky PR comment and the job summary alike.
 * Order: the verdict in the title, the results table, failures, the chart, then the run facts
 * collapsed. Stays under `maxLength` by shedding detail in order (log tails shortened, then
 * dropped, then charts and notes, then rows), never by cutting a table or a tag in half.
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
