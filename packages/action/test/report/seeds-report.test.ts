import { describe, expect, it } from 'vitest';
import { type RunReport, renderReport, renderReportText } from '../../src/report';
import { baseReport } from './report-fixtures';

/** MATH-500 run under three seeds: 500 problems × 4 samples each, merged into 500 × 12. */
function seededReport(): RunReport {
  const report = baseReport({ baseline: undefined });
  report.results = [
    {
      benchmark: 'math_500',
      metric: 'pass@k:k=1&n=1',
      value: (0.7 + 0.72 + 0.74) / 3,
      stderr: 0.02,
      problems: 500,
      samples: 12,
      seedScores: [
        { seed: 1234, value: 0.7 },
        { seed: 1235, value: 0.72 },
        { seed: 1236, value: 0.74 },
      ],
    },
  ];
  report.benchmarkFacts = [1234].map(() => ({
    benchmark: 'math_500',
    dataset: 'HuggingFaceH4/MATH-500',
    revision: null,
    seeds: [1234, 1235, 1236],
    seedSource: 'generation_parameters: vLLM sampling seed per request',
    temperature: 0.6,
    topP: 0.95,
    maxNewTokens: 32768,
  }));
  return report;
}

describe('a seeds run in the report', () => {
  it('shows problems × all generations with the split, each seed’s score and their spread', () => {
    const markdown = renderReport(seededReport());
    expect(markdown).toContain('500 × 12 \\(3 seeds × 4\\)');
    // sd of 70, 72, 74 is 2.0 points (by hand); the range is 70.0–74.0.
    expect(markdown).toMatch(
      /Scores per seed .*MATH\\-500: 1234: 70\.0, 1235: 72\.0, 1236: 74\.0; sd 2\.0 points, range 70\.0–74\.0/,
    );
    expect(markdown).toContain('3 seeds per benchmark, one job each, merged');
    expect(markdown).toContain('seed 1234 / 1235 / 1236');
    const text = renderReportText(seededReport());
    expect(text).toContain('500 × 12 (3 seeds × 4)');
    expect(text).toMatch(/1236: 74\.0; sd 2\.0 points/);
  });

  it('a run without seeds says nothing about them', () => {
    const markdown = renderReport(baseReport());
    expect(markdown).not.toContain('Scores per seed');
    expect(markdown).not.toMatch(/\d seeds ×/);
  });
});
