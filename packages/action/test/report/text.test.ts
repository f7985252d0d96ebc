import { describe, expect, it } from 'vitest';
import { renderReportText } from '../../src/report';
import { baseReport, failedReport, oomReplanReport, regressionReport } from './report-fixtures';

describe('the report for a terminal', () => {
  it('starts with the verdict and aligns the columns, without markdown or HTML', () => {
    const text = renderReportText(baseReport());
    const lines = text.split('\n');
    expect(lines[0]).toBe('≈ no significant change — deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B @ v1.1.0');
    expect(lines.slice(2, 5)).toEqual([
      'Benchmark  Problems × samples  Score ± 95% CI  Baseline (v1.0.0)  Δ [95% CI]         Verdict         Smallest detectable Δ',
      'MATH-500   500 × 1             84.0 ± 3.2      80.0               +4.0 [−0.8, +8.8]  ≈ within noise  —',
      'AIME 2024  30 × 64             no score        30.0               —                  —               —',
    ]);
    expect(text).not.toMatch(/\\[-_()[\]]|<\/?\w+>|^\|/m);
    expect(text).toContain('GPU-hours, all attempts: 20.00');
  });

  it('names the commit the revision was pinned to', () => {
    const sha = 'ad9f0ae0864d7fbcd1cd905e3c6c5b069cc8b562';
    expect(renderReportText(baseReport({ commitSha: sha }))).toContain(`v1.1.0 = commit ${sha}, wall time`);
  });

  it('a regression and a failure read in one line each; the log tail follows, indented', () => {
    expect(renderReportText(regressionReport()).split('\n')[0]).toMatch(/^🔻 1 regression — /);
    const failed = renderReportText(failedReport());
    expect(failed.split('\n')[0]).toBe(
      '❌ failed: AIME 2024 (job 7): GPU out of memory, exit code 1 — deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B @ v1.1.0',
    );
    expect(failed).toContain(
      [
        'FAILED AIME 2024 (job 7): GPU out of memory, exit code 1',
        '  log tail (last 2 lines):',
        '  | loading weights',
        '  | torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB',
      ].join('\n'),
    );
  });

  it('lists every attempt of a re-planned job, aligned in columns', () => {
    const lines = renderReportText(oomReplanReport()).split('\n');
    const header = lines.find((l) => l.startsWith('Job ')) ?? '';
    const rows = lines.filter((l) => /^30[123] /.test(l));
    expect(rows).toHaveLength(3);
    for (const row of rows)
      expect(
        row.lastIndexOf(
          row
            .trimEnd()
            .split(/\s{2,}/)
            .at(-1) as string,
        ),
      ).toBe(header.indexOf('GPU-hours'));
    expect(lines).toContain('GPU-hours, all attempts: ≥ 8.50');
  });

  it('strips terminal escapes from untrusted text', () => {
    const report = failedReport();
    const job = report.jobs[0];
    if (job) job.logTail = '\u001b[2J\u001b[31mred\u001b[0m';
    expect(renderReportText(report)).not.toContain('\u001b');
  });
});
