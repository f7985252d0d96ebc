import { describe, expect, it } from 'vitest';
import {
  escapeInline,
  escapePreformatted,
  type RunReport,
  renderReport,
  reportMarker,
} from '../../src/report';
import { compareWithBaseline } from '../../src/stats';

const layout = { nodes: 1, gpusPerNode: 8, tensorParallel: 2, pipelineParallel: 1, dataParallel: 4 };

function baseReport(overrides: Partial<RunReport> = {}): RunReport {
  const results = [
    { benchmark: 'math_500', metric: 'pass@k:k=1&n=1', value: 0.84, stderr: 0.016394 },
    {
      benchmark: 'aime24',
      metric: 'pass@k:k=1',
      value: null,
      stderr: null,
      notes: ['LightEval reported NaN for pass@k:k=1: no score'],
    },
  ];
  return {
    model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B',
    revision: 'v1.1.0',
    status: 'succeeded',
    simulated: false,
    jobs: [
      {
        id: '101',
        benchmarks: ['math_500'],
        state: 'COMPLETED',
        layout,
        queueSeconds: 125,
        elapsedSeconds: 5400,
      },
      {
        id: '102',
        benchmarks: ['aime24'],
        state: 'COMPLETED',
        layout: { ...layout, nodes: 2 },
        queueSeconds: 30,
        elapsedSeconds: 1800,
      },
    ],
    results,
    baseline: {
      label: 'v1.0.0',
      values: { math_500: 0.8, aime24: 0.3 },
      comparison: compareWithBaseline(
        [{ benchmark: 'math_500', value: 0.84, stderr: 0.016394 }],
        [{ benchmark: 'math_500', value: 0.8, stderr: 0.017889 }],
      ),
    },
    versions: { lighteval: '0.13.0', vllm: '0.10.1' },
    wallSeconds: 7500,
    links: {
      workflowRun: 'https://github.com/o/r/actions/runs/1',
      hubResults: 'https://huggingface.co/datasets/o/evals',
    },
    ...overrides,
  };
}

describe('report markdown', () => {
  it('shows the table, the comparison and the run facts', () => {
    const md = renderReport(baseReport());
    expect(md.startsWith(reportMarker('deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B'))).toBe(true);
    expect(md).toContain(
      '| Benchmark | Metric | Score ± 95% CI | Baseline (v1.0.0) | Δ (95% CI) | Verdict |',
    );
    // 0.84 ± 1.96 × 0.016394 = 84.0 ± 3.2; se(Δ) = √(0.016394² + 0.017889²) = 0.024265, Δ = +4.0 ± 4.8 → (−0.8, +8.8), p = 0.0993
    expect(md).toContain(
      '| math\\_500 | `pass@k:k=1&n=1` | 84.0 ± 3.2 | 80.0 | +4.0 (−0.8, +8.8) | ≈ within noise (unpaired) |',
    );
    expect(md).toMatch(/\| aime24 \| `pass@k:k=1` \| no score \| 30\.0 \| — \|/);
    expect(md).toContain('aime24: LightEval reported NaN');
    expect(md).toContain('tested alone');
    expect(md).toContain(
      '[v1.1.0](https://huggingface.co/deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B/tree/v1.1.0)',
    );
    // GPU-hours: 1 × 8 × 5400 s = 12.00; 2 × 8 × 1800 s = 8.00; total 20.00
    expect(md).toContain('| 101 | math\\_500 | COMPLETED | 1 × 8 | 2 / 1 / 4 | 2m 05s | 1h 30m | 12.00 |');
    expect(md).toContain('| 102 | aime24 | COMPLETED | 2 × 8 | 2 / 1 / 4 | 30s | 30m 00s | 8.00 |');
    expect(md).toContain('**GPU-hours, all jobs:** 20.00');
    expect(md).toContain('**Wall time:** 2h 05m');
    expect(md).toContain('LightEval 0.13.0, vLLM 0.10.1');
    expect(md).toContain('[workflow run](https://github.com/o/r/actions/runs/1)');
    expect(md).not.toContain('SIMULATED');
    expect(md).not.toContain('Failed jobs');
  });

  it('marks every row SIMULATED', () => {
    const md = renderReport(baseReport({ simulated: true }));
    const rows = md.split('\n').filter((l) => /^\| (math|aime)/.test(l));
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(row).toContain('**SIMULATED**');
    expect(md).toContain('> **SIMULATED**');
  });

  it('shows failed jobs with reason and an inert log tail', () => {
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
    const details = md.slice(md.indexOf('### Failed jobs'));
    expect(details).toContain('<details>');
    expect(details).toContain('Job 7 (aime24): FAILED — GPU out of memory @\u200bteam');
    expect(details).toContain(
      '&lt;/pre&gt;&lt;/details&gt;&lt;img src=x onerror=alert(1)&gt; @\u200boctocat',
    );
    expect(details).toContain('torch.OutOfMemoryError: CUDA out of memory');
    expect(details).not.toContain('\u001b');
    expect(details.match(/<\/pre>/g)).toHaveLength(1);
    expect(md).not.toMatch(/@octocat|@team/);
  });

  it('escapes inline text so it cannot add markup or mention anyone', () => {
    expect(escapeInline('a|b *c* [x](y) <b> @me\nnext')).toBe(
      'a\\|b \\*c\\* \\[x\\]\\(y\\) &lt;b&gt; @\u200bme next',
    );
    expect(escapePreformatted('<script>@a & b</script>')).toBe(
      '&lt;script&gt;@\u200ba &amp; b&lt;/script&gt;',
    );
  });

  it('draws a score-by-step chart for a checkpoint series', () => {
    const md = renderReport(
      baseReport({
        checkpointSeries: [
          {
            benchmark: 'aime24',
            points: [
              { step: 2000, value: 0.3 },
              { step: 1000, value: 0.25 },
              { step: 3000, value: 0.3333 },
            ],
          },
        ],
      }),
    );
    expect(md).toContain(
      [
        '```mermaid',
        'xychart-beta',
        '  title "aime24: score vs training step"',
        '  x-axis "step" [1000, 2000, 3000]',
        '  y-axis "score (%)" 0 --> 100',
        '  line [25.0, 30.0, 33.3]',
        '```',
      ].join('\n'),
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
    expect(md).toContain('| math\\_500 | `pass@k:k=1&n=1` | 84.0 ± 3.2 |');
    expect(md).toContain('line 4999');
    expect(md).not.toContain('line 4000 ');
    const tiny = renderReport(baseReport({ jobs }), { maxLength: 6_000 });
    expect(tiny.length).toBeLessThanOrEqual(6_000);
    expect(tiny).toContain('Log tail omitted');
    expect(tiny).toContain('84.0 ± 3.2');
  });
});
