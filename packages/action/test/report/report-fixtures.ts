import type { JobReport, RunReport } from '../../src/report';
import { compareWithBaseline } from '../../src/stats';

/** Report values for the rendering tests: the scenarios the issue names, with numbers worked out in the tests. */
export const layout = { nodes: 1, gpusPerNode: 8, tensorParallel: 2, pipelineParallel: 1, dataParallel: 4 };

export function baseReport(overrides: Partial<RunReport> = {}): RunReport {
  const results = [
    {
      benchmark: 'math_500',
      metric: 'pass@k:k=1&n=1',
      value: 0.84,
      stderr: 0.016394,
      problems: 500,
      samples: 1,
    },
    {
      benchmark: 'aime24',
      metric: 'pass@k:k=1',
      value: null,
      stderr: null,
      problems: 30,
      samples: 64,
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

/** MATH-500 at 70.0 against a baseline of 84.0, both ± 1.6: a clear regression. */
export function regressionReport(): RunReport {
  const report = baseReport();
  const results = [{ ...(report.results[0] as RunReport['results'][number]), value: 0.7, stderr: 0.0205 }];
  return {
    ...report,
    results,
    jobs: report.jobs.slice(0, 1),
    baseline: {
      label: 'v1.0.0',
      values: { math_500: 0.84 },
      comparison: compareWithBaseline(
        [{ benchmark: 'math_500', value: 0.7, stderr: 0.0205 }],
        [{ benchmark: 'math_500', value: 0.84, stderr: 0.016394 }],
      ),
    },
  };
}

export function failedReport(): RunReport {
  return baseReport({
    status: 'failed',
    results: [],
    baseline: undefined,
    jobs: [
      {
        id: '7',
        benchmarks: ['aime24'],
        state: 'FAILED',
        reason: 'GPU out of memory, exit code 1',
        layout,
        logTail: 'loading weights\ntorch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB',
      },
    ],
  });
}

/** One job that ran out of GPU memory twice (1 × 2, then 1 × 4 GPUs) and finished on 1 × 8. */
export function oomReplanReport(): RunReport {
  const job: JobReport = {
    id: '303',
    benchmarks: ['math_500'],
    state: 'COMPLETED',
    layout: { ...layout, gpusPerNode: 8 },
    queueSeconds: 10,
    elapsedSeconds: 3600,
    supersededAttempts: [
      {
        id: '301',
        layout: { ...layout, gpusPerNode: 2, tensorParallel: 2, dataParallel: 1 },
        state: 'FAILED',
        reason: 'GPU out of memory',
        elapsedSeconds: 900,
      },
      {
        id: '302',
        layout: { ...layout, gpusPerNode: 4, tensorParallel: 4, dataParallel: 1 },
        state: 'FAILED',
        reason: 'GPU out of memory',
        elapsedSeconds: null,
      },
    ],
  };
  const report = baseReport();
  return { ...report, results: report.results.slice(0, 1), jobs: [job] };
}

export function checkpointReport(): RunReport {
  return baseReport({
    checkpointSeries: [
      {
        benchmark: 'math_500',
        points: [
          { step: 2000, value: 0.78 },
          { step: 1000, value: 0.72 },
          { step: 5000, value: 0.84 },
        ],
      },
      {
        benchmark: 'aime24',
        points: [
          { step: 1000, value: 0.2 },
          { step: 2000, value: 0.233 },
          { step: 5000, value: 0.3 },
        ],
      },
    ],
  });
}
