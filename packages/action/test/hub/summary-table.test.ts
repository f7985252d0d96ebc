import { describe, expect, it } from 'vitest';
import { decodeSummary, encodeSummary, SummaryFileError, summaryRecordsForRun } from '../../src/hub';

const run = {
  runId: 'r1',
  model: 'org/model',
  revision: 'v1',
  commitSha: null,
  step: null,
  finishedAt: '2026-01-01T00:00:00Z',
  runUrl: null,
  simulated: false,
  lightevalVersion: '0.13.0',
  vllmVersion: '0.11.0',
  results: [
    { benchmark: 'aime24', task: 'aime24|0', metric: 'm', value: 0.3, stderr: 0.1, samples: 1, problems: 30 },
    {
      benchmark: 'math_500',
      task: 'math_500|0',
      metric: 'm',
      value: Number.NaN,
      stderr: null,
      samples: null,
      problems: null,
    },
  ],
  jobs: [{ id: '5', benchmarks: ['aime24', 'math_500'], gpuHours: 2 }],
  baseline: {
    label: 'v0',
    values: { aime24: 0.2, math_500: null },
    comparison: {
      comparisons: [
        {
          benchmark: 'aime24',
          value: 0.3,
          baseline: 0.2,
          delta: 0.1,
          ci: [-0.05, 0.25] as [number, number],
          pValue: 0.2,
          adjustedPValue: 0.2,
          method: 'unpaired z-test' as const,
          verdict: 'within noise' as const,
        },
      ],
    },
  },
};

describe('summary rows', () => {
  it('one row per benchmark, with the interval, the comparison and the job; NaN is null', () => {
    const rows = summaryRecordsForRun(run);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({
      benchmark: 'aime24',
      score: 0.3,
      baseline: 'v0',
      baseline_score: 0.2,
      delta: 0.1,
      delta_ci_low: -0.05,
      verdict: 'within noise',
      gpu_hours: 2,
      job_id: '5',
      vllm_version: '0.11.0',
    });
    expect(rows[0]?.ci_low).toBeCloseTo(0.3 - 1.96 * 0.1, 3);
    expect(rows[1]).toMatchObject({
      benchmark: 'math_500',
      score: null,
      ci_low: null,
      delta: null,
      verdict: null,
    });
  });

  it('round-trips through parquet', async () => {
    const rows = summaryRecordsForRun(run).map((r) => ({ ...r, results_file: 'a.json', details_file: null }));
    expect(await decodeSummary(encodeSummary(rows), 's')).toEqual(rows);
  });

  it('a file that is not our summary is an error with a hint, not an empty table', async () => {
    const error = await decodeSummary(new TextEncoder().encode('{"model":"x"}\n'), 'summary.parquet').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SummaryFileError);
    expect((error as SummaryFileError).hint).toContain('History');
  });
});
