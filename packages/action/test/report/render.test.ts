import { describe, expect, it } from 'vitest';
import { escapeInline, escapePreformatted, renderReport, reportMarker } from '../../src/report';
import { benchmarkStatistics, compareWithBaseline } from '../../src/stats';
import { jobsTable, resultsTable, textOf, titleOf, toHtml } from './github-render';
import {
  baseReport,
  checkpointReport,
  failedReport,
  halfAndFullProblems,
  layout,
  lighteval013Facts,
  math500Result,
  oomReplanReport,
  regressionReport,
} from './report-fixtures';

describe('per-problem statistics in the table', () => {
  // 30 problems × 4 samples: 15 solved 2 of 4, 15 solved 4 of 4 (worked by hand):
  // p̄ = 0.75; spread s² = 30·0.25²/29 = 0.064655, se² = s²/30, effective n = 0.1875/se² = 87.0;
  // Wilson at p = 0.75, n = 87: [0.64976, 0.82910] → 75.0 [65.0, 82.9].
  // Within-problem variances: 0.5·0.5·4/3 = 1/3 and, for 4 of 4, p = ½/5 → 0.1·0.9 = 0.09; v̄ = 0.211667;
  // smallest detectable Δ = 1.96·√(2·0.211667/(30·4)) = 0.11641 → ±11.6; ±5.0 needs
  // ⌈2·1.96²·0.211667/(30·0.05²)⌉ = ⌈21.68⌉ = 22 samples per problem.
  const perProblem = halfAndFullProblems();
  const statistics = benchmarkStatistics(
    { benchmark: 'aime24', value: 0.75, stderr: 0.05, perProblem },
    { precision: 0.05 },
  );
  const aime24 = {
    benchmark: 'aime24',
    metric: 'pass@k:k=1',
    value: 0.75,
    stderr: 0.05,
    problems: 30,
    samples: 4,
    statistics,
  };

  it('shows the Wilson interval over problems and the smallest detectable change, with the samples a precision needs', () => {
    const report = baseReport({ baseline: undefined, results: [{ ...aime24 }] });
    const html = toHtml(renderReport(report));
    expect(resultsTable(html)[1]).toEqual([
      'AIME 2024',
      '30 × 4',
      '75.0 [65.0, 82.9]',
      '±11.6 (±5.0 needs 22 samples)',
    ]);
    const text = textOf(html);
    expect(text).toContain(
      'Smallest detectable Δ: the change a paired test at the 5% level could tell from sampling noise',
    );
    expect(text).toContain('Wilson 95% intervals over the per-problem means');
  });

  it('under a comparison, the sentence says what the test assumed: problems fixed, only sampling noise, the test, FDR control', () => {
    const other = perProblem.map((p, i) => ({ ...p, score: i < 20 ? 0.5 : 1 }));
    const comparison = compareWithBaseline(
      [
        { benchmark: 'aime24', value: 0.75, stderr: 0.05, perProblem },
        { benchmark: 'math_500', value: 0.84, stderr: 0.016394 },
      ],
      [
        { benchmark: 'aime24', value: 2 / 3, stderr: 0.05, perProblem: other },
        { benchmark: 'math_500', value: 0.8, stderr: 0.017889 },
      ],
    );
    const report = baseReport({
      results: [{ ...aime24 }, { ...math500Result }],
      baseline: { label: 'v1.0.0', values: { aime24: 2 / 3, math_500: 0.8 }, comparison },
    });
    const text = textOf(toHtml(renderReport(report)));
    expect(text).toContain('Benjamini–Hochberg');
    expect(text).toContain('AIME 2024: paired permutation over 30 problems; MATH-500: unpaired z-test');
    expect(text).toContain('with the problems held fixed: only sampling noise counts');
    expect(text).toContain('compared as independent');
  });
});

describe('the run facts say what reproduces the numbers', () => {
  it('the pinned commit, each dataset (revision, LiveCodeBench window), the seed and the generation settings', () => {
    const report = baseReport({
      commitSha: 'ad9f0ae0864d7fbcd1cd905e3c6c5b069cc8b562',
      benchmarkFacts: lighteval013Facts(),
    });
    const facts = textOf(toHtml(renderReport(report)));
    expect(facts).toContain(
      'Revision: v1.1.0 → commit ad9f0ae0864d7fbcd1cd905e3c6c5b069cc8b562 (resolved before planning',
    );
    expect(facts).toContain(
      'Datasets: AIME 2024 HuggingFaceH4/aime_2024 @ latest revision, not pinned by LightEval, LiveCodeBench lighteval/code_generation_lite (v4_v5) @ latest revision',
    );
    expect(facts).toContain(
      'Generation: temperature 0.6, top_p 0.95, max_new_tokens 32,768, seed 1234 (LightEval default (VLLMModelConfig.seed)); one seed per benchmark',
    );
  });

  it('a model directory says it has no Hub commit', () => {
    const facts = textOf(
      toHtml(renderReport(baseReport({ model: '/shared/ckpt/step-100', commitSha: null }))),
    );
    expect(facts).toContain('(a model directory: no Hub commit)');
  });
});

describe('the comment answers the reviewer first', () => {
  it('success with a baseline: verdict in the title, a readable table, the run facts collapsed', () => {
    const md = renderReport(baseReport());
    expect(md.startsWith(reportMarker('deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B'))).toBe(true);
    const html = toHtml(md);
    expect(titleOf(html)).toBe(
      '≈ no significant change — deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B @ v1.1.0',
    );
    // 0.84 ± 1.96 × 0.016394 = 84.0 ± 3.2; se(Δ) = √(0.016394² + 0.017889²) = 0.024265, Δ = +4.0 ± 4.8 → [−0.8, +8.8]
    expect(resultsTable(html)).toEqual([
      [
        'Benchmark',
        'Problems × samples',
        'Score ± 95% CI',
        'Baseline (v1.0.0)',
        'Δ [95% CI]',
        'Verdict',
        'Smallest detectable Δ',
      ],
      // No per-problem details in this report: no detectable change is claimed.
      ['MATH-500', '500 × 1', '84.0 ± 3.2', '80.0', '+4.0 [−0.8, +8.8]', '≈ within noise', '—'],
      ['AIME 2024', '30 × 64', 'no score', '30.0', '—', '—', '—'],
    ]);
    const text = textOf(html);
    expect(text).toContain('AIME 2024: LightEval reported NaN');
    expect(text).toContain('Tests: MATH-500: unpaired z-test.');
    // The table comes before the run facts, and the facts are inside a closed <details>.
    const facts = html.slice(html.indexOf('<details>'));
    expect(html.indexOf('<table>')).toBeLessThan(html.indexOf('<details>'));
    expect(facts).toMatch(
      /^<details>\s*<summary>Run: 2 job attempts, 20\.00 GPU-hours, 2h 05m wall time<\/summary>/,
    );
    expect(facts).toContain(
      'href="https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B/tree/v1.1.0"',
    );
    expect(textOf(facts)).toContain('LightEval metrics: MATH-500 pass@k:k=1&n=1, AIME 2024 pass@k:k=1');
    // GPU-hours: 1 × 8 × 5400 s = 12.00; 2 × 8 × 1800 s = 8.00; total 20.00
    expect(jobsTable(html).slice(1)).toEqual([
      ['101', 'MATH-500', 'COMPLETED', '1 × 8', '2 / 1 / 4', '2m 05s', '1h 30m', '12.00'],
      ['102', 'AIME 2024', 'COMPLETED', '2 × 8', '2 / 1 / 4', '30s', '30m 00s', '8.00'],
    ]);
    expect(textOf(facts)).toContain('GPU-hours, all attempts: 20.00');
    expect(textOf(facts)).toContain('LightEval 0.13.0, vLLM 0.10.1');
    expect(md).not.toContain('SIMULATED');
    expect(md).not.toContain('### Failed');
  });

  it('a multi-node job shows its route and the nodes Slurm gave it; in-process jobs stay as they were', () => {
    const report = baseReport();
    const [first, second] = report.jobs;
    if (!first || !second) throw new Error('fixture has two jobs');
    report.jobs = [
      { ...first, layout: { ...first.layout, route: 'in-process', nodeList: 'gpu7' } },
      { ...second, layout: { ...second.layout, route: 'serve', nodeList: 'gpu[7-8]' } },
    ];
    const rows = jobsTable(toHtml(renderReport(report))).slice(1);
    expect(rows[0]?.[3]).toBe('1 × 8');
    expect(rows[1]?.[3]).toBe('2 × 8 (serve on gpu[7-8])');
    // GPU-hours count every node: 2 nodes × 8 GPUs × 30 min.
    expect(rows[1]?.[7]).toBe('8.00');
  });

  it('a regression: the title counts it, the row says so', () => {
    const html = toHtml(renderReport(regressionReport()));
    expect(titleOf(html)).toMatch(/^🔻 1 regression — /);
    expect(resultsTable(html)[1]).toEqual([
      'MATH-500',
      '500 × 1',
      '70.0 ± 4.0',
      '84.0',
      expect.stringMatching(/^−14\.0 \[−19\.\d, −8\.\d\]$/),
      '🔻 regressed',
      '—',
    ]);
  });

  it('improvements only, and no baseline at all, each get their own title', () => {
    const improved = baseReport({
      baseline: {
        label: 'v1.0.0',
        values: { math_500: 0.7 },
        comparison: compareWithBaseline(
          [{ benchmark: 'math_500', value: 0.84, stderr: 0.016394 }],
          [{ benchmark: 'math_500', value: 0.7, stderr: 0.0205 }],
        ),
      },
    });
    expect(titleOf(toHtml(renderReport(improved)))).toMatch(/^✅ 1 improvement — /);
    const html = toHtml(renderReport(baseReport({ baseline: undefined })));
    expect(titleOf(html)).toMatch(/^✅ 1 of 2 benchmarks scored, no baseline to compare with — /);
    expect(resultsTable(html)[0]).toEqual([
      'Benchmark',
      'Problems × samples',
      'Score ± 95% CI',
      'Smallest detectable Δ',
    ]);
  });

  it('a failed job: the title says why in one line, the log tail is collapsed', () => {
    const md = renderReport(failedReport());
    const html = toHtml(md);
    expect(titleOf(html)).toBe(
      '❌ failed: AIME 2024 (job 7): GPU out of memory, exit code 1 — deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B @ v1.1.0',
    );
    expect(textOf(html)).toContain('No scores: 1 job failed before writing results.');
    expect(md).not.toContain('No results yet');
    const failed = html.slice(html.indexOf('<h3>Failed</h3>'), html.indexOf('<summary>Run:'));
    expect(textOf(failed)).toContain('❌ AIME 2024 (job 7): GPU out of memory, exit code 1');
    expect(failed).toMatch(
      /<details><summary>Log tail \(last 2 lines\)<\/summary>\s*<pre>loading weights\ntorch\.OutOfMemoryError/,
    );
    // The job's time is unknown: no total that looks complete.
    expect(textOf(html)).toContain('Run: 1 job attempt, GPU-hours unknown');
  });

  it('OOM re-plans: every attempt is listed and counted in the GPU-hours', () => {
    const html = toHtml(renderReport(oomReplanReport()));
    // 301: 1 × 2 × 900 s = 0.50; 302: time unknown (—); 303: 1 × 8 × 3600 s = 8.00
    expect(jobsTable(html).slice(1)).toEqual([
      [
        '301 (attempt 1 of 3)',
        'MATH-500',
        'FAILED (GPU out of memory; re-planned)',
        '1 × 2',
        '2 / 1 / 1',
        '—',
        '15m 00s',
        '0.50',
      ],
      [
        '302 (attempt 2 of 3)',
        'MATH-500',
        'FAILED (GPU out of memory; re-planned)',
        '1 × 4',
        '4 / 1 / 1',
        '—',
        '—',
        '—',
      ],
      ['303 (attempt 3 of 3)', 'MATH-500', 'COMPLETED', '1 × 8', '2 / 1 / 4', '10s', '1h 00m', '8.00'],
    ]);
    expect(textOf(html)).toContain('GPU-hours, all attempts: ≥ 8.50');
    expect(textOf(html)).toContain('Run: 3 job attempts, ≥ 8.50 GPU-hours');
  });

  it('a simulated run: one banner and a title marker, no marker on the rows', () => {
    const md = renderReport(baseReport({ simulated: true }));
    const html = toHtml(md);
    expect(titleOf(html)).toMatch(/^🧪 SIMULATED · ≈ no significant change — /);
    expect(md.match(/SIMULATED/g)).toHaveLength(2);
    for (const row of resultsTable(html)) expect(row.join(' ')).not.toContain('SIMULATED');
    expect(html).toMatch(/<blockquote>\s*<p>\[!WARNING\]\s*<strong>SIMULATED<\/strong>/);
  });

  it('a bound of zero prints as 0.0, not ±0.0', () => {
    const report = baseReport();
    const comparison = report.baseline?.comparison.comparisons[0];
    if (!report.baseline || !comparison) throw new Error('fixture has a comparison');
    report.baseline.comparison.comparisons = [{ ...comparison, delta: 0.05, ci: [0, 0.1] }];
    expect(resultsTable(toHtml(renderReport(report)))[1]?.[4]).toBe('+5.0 [0.0, +10.0]');
    report.baseline.comparison.comparisons = [{ ...comparison, delta: 0.00001, ci: [-0.04, 0.04] }];
    expect(resultsTable(toHtml(renderReport(report)))[1]?.[4]).toBe('0.0 [−4.0, +4.0]');
  });

  it('a local model directory shows its last path parts, not the runner’s absolute path', () => {
    const md = renderReport(baseReport({ model: '/tmp/tmp.x81Kq/checkpoints/org/my-model' }));
    const html = toHtml(md);
    expect(titleOf(html)).toBe('≈ no significant change — …/org/my-model @ v1.1.0');
    // The hidden marker keeps the full id (it must stay unique per model); nothing visible does.
    expect(md.replace(reportMarker('/tmp/tmp.x81Kq/checkpoints/org/my-model'), '')).not.toContain('/tmp/');
    expect(html).not.toContain('href="https://huggingface.co/…');
  });

  it('keeps hostile log text and reasons inert', () => {
    const hostile = [
      'Traceback (most recent call last):',
      '</pre></details><img src=x onerror=alert(1)> @octocat please look',
      '| fake | table |',
      '\u001b[31mtorch.OutOfMemoryError: CUDA out of memory\u001b[0m',
    ].join('\n');
    const md = renderReport(
      baseReport({
        status: 'failed',
        jobs: [
          {
            id: '7',
            benchmarks: ['aime24'],
            state: 'FAILED',
            reason: 'GPU out of memory @team',
            layout,
            logTail: hostile,
          },
        ],
      }),
    );
    const failed = md.slice(md.indexOf('### Failed'));
    expect(failed).toContain('AIME 2024 \\(job 7\\): GPU out of memory @\u200bteam');
    expect(failed).toContain('&lt;/pre&gt;&lt;/details&gt;&lt;img src=x onerror=alert(1)&gt; @\u200boctocat');
    expect(failed).toContain('torch.OutOfMemoryError: CUDA out of memory');
    expect(md).not.toContain('\u001b');
    expect(md.match(/<\/pre>/g)).toHaveLength(1);
    expect(md).not.toMatch(/@octocat|@team/);
    expect(toHtml(md)).not.toContain('<img');
  });

  it('escapes inline text so it cannot add markup or mention anyone', () => {
    expect(escapeInline('a|b *c* [x](y) <b> @me\nnext')).toBe(
      'a\\|b \\*c\\* \\[x\\]\\(y\\) &lt;b&gt; @\u200bme next',
    );
    expect(escapePreformatted('<script>@a & b</script>')).toBe(
      '&lt;script&gt;@\u200ba &amp; b&lt;/script&gt;',
    );
  });

  it('a checkpoint series: one chart with every benchmark, before the run facts', () => {
    const md = renderReport(checkpointReport());
    expect(md.match(/```mermaid/g)).toHaveLength(1);
    const chart = md.slice(md.indexOf('```mermaid'), md.indexOf('<summary>Run:'));
    expect(chart).toContain('  x-axis "training step" 1000 --> 5000');
    expect(chart).toContain('  line "MATH-500" [72, 78, 80, 82, 84]');
    expect(chart).toContain('  line "AIME 2024" [20, 23.3, 25.53, 27.77, 30]');
    // Baselines are reference lines: MATH-500 at 80.0, AIME 2024 at 30.0.
    expect(chart).toContain('  line "MATH-500 baseline" [80, 80, 80, 80, 80]');
    expect(chart).toContain('  line "AIME 2024 baseline" [30, 30, 30, 30, 30]');
    expect(chart).toContain('  y-axis "score (%)" 13 --> 91');
    expect(textOf(toHtml(chart))).toContain(
      '🟦 MATH-500 · 🟧 AIME 2024 — flat lighter lines: baseline (v1.0.0)',
    );
  });

  it('stays under GitHub’s limit by shedding log tails first, keeping the table whole', () => {
    const hugeLog = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(40)}`).join('\n');
    const jobs = Array.from({ length: 30 }, (_, i) => ({
      id: String(i),
      benchmarks: ['math_500'],
      state: 'FAILED',
      layout,
      logTail: hugeLog,
    }));
    const full = renderReport(baseReport({ jobs }), { maxLength: Number.POSITIVE_INFINITY });
    expect(full.length).toBeGreaterThan(65_536);
    const md = renderReport(baseReport({ jobs }));
    expect(md.length).toBeLessThanOrEqual(65_536);
    expect(resultsTable(toHtml(md))[1]?.slice(0, 3)).toEqual(['MATH-500', '500 × 1', '84.0 ± 3.2']);
    expect(md).toContain('line 4999');
    expect(md).not.toContain('line 4000 ');
    const tiny = renderReport(baseReport({ jobs }), { maxLength: 6_000 });
    expect(tiny.length).toBeLessThanOrEqual(6_000);
    expect(tiny).toContain('Log tail omitted');
    expect(tiny).toContain('84.0 ± 3.2');
  });
});
