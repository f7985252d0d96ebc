import { duration } from './format';
import { benchmarkTitle } from './names';
import type { RunReport } from './types';
import { reportView } from './view';

// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const CONTROL = /\u001b\[[0-9;?]*[ -/]*[@-~]|[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Text from outside (log lines, reasons) must not move the cursor or recolour the terminal. */
function clean(text: string): string {
  return text.replace(CONTROL, '');
}

/** Display width: code points, with wide emoji counted as two columns (enough for our labels). */
function width(text: string): number {
  let n = 0;
  for (const ch of text) n += /\p{Extended_Pictographic}/u.test(ch) ? 2 : 1;
  return n;
}

/** Columns padded to their widest cell, two spaces apart: readable in any monospace terminal. */
export function alignedTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, width(cell));
    });
  }
  return rows.map((row) =>
    row
      .map((cell, i) => cell + ' '.repeat(Math.max(0, (widths[i] ?? 0) - width(cell))))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * The report for a terminal: the same verdict, table and job attempts as the PR comment, as plain
 * aligned text (no markdown escapes, no HTML), with the last `logLines` of each failed job's log.
 */
export function renderReportText(report: RunReport, options: { logLines?: number } = {}): string {
  const logLines = options.logLines ?? 20;
  const view = reportView(report);
  const lines = [`${report.simulated ? 'SIMULATED · ' : ''}${view.verdict} — ${view.subject}`];
  if (report.simulated) {
    lines.push('SIMULATED: these numbers come from the LightEval stand-in, not from a model.');
  }
  lines.push('');
  if (view.emptyResults) lines.push(view.emptyResults);
  else lines.push(...alignedTable([view.header, ...view.rows].map((row) => row.map(clean))));
  if (view.comparisonNote) lines.push('', clean(view.comparisonNote));
  const notes = report.results.flatMap((r) =>
    (r.notes ?? []).map((n) => `${benchmarkTitle(r.benchmark)}: ${n}`),
  );
  if (notes.length) lines.push('', ...notes.map((n) => `  ${clean(n)}`));
  for (const failure of view.failures) {
    lines.push('', `FAILED ${clean(failure.line)}`);
    if (failure.logTail && logLines > 0) {
      const tail = failure.logTail.split(/\r?\n/).slice(-logLines);
      lines.push(`  log tail (last ${tail.length} lines):`, ...tail.map((l) => `  | ${clean(l)}`));
    }
  }
  if (view.jobRows.length) {
    lines.push('', ...alignedTable([view.jobHeader, ...view.jobRows].map((row) => row.map(clean))));
    lines.push(`GPU-hours, all attempts: ${view.totalGpuHoursText}`);
  }
  const facts = [
    report.commitSha ? `${report.revision} = commit ${report.commitSha}` : null,
    report.wallSeconds != null ? `wall time ${duration(report.wallSeconds)}` : null,
    report.versions?.lighteval ? `LightEval ${report.versions.lighteval}` : null,
    report.versions?.vllm ? `vLLM ${report.versions.vllm}` : null,
  ].filter((f): f is string => f !== null);
  if (facts.length) lines.push(clean(facts.join(', ')));
  if (report.notes?.length) lines.push('', ...report.notes.map((n) => `- ${clean(n)}`));
  return `${lines.join('\n').trimEnd()}\n`;
}
