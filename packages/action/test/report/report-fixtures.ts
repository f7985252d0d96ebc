import type { BenchmarkFacts, JobReport, RunReport } from '../../src/report';
import { compareWithBaseline } from '../../src/stats';

/** Report values for the rendering tests: the scenarios the issue names, with numbers worked out in the tests. */
export const layout = { nodes: 1, gpusPerNode: 8, tensorParallel: 2, pipelineParallel: 1, dataParallel: 4 };

type Result = RunReport['results'][number];

/** MATH-500 at 84.0 ± 1.6 (the base report's first row); spread it, do not share it. */
export const math500Result: Result = {
  benchmark: 'math_500',
  metric: 'pass@k:k=1&n=1',
  value: 0.84,
  stderr: 0.016394,
  problems: 500,
  samples: 1,
};

/**
 * 30 problems × 4 samples: 15 solved 2 of 4, 15 solved 4 of 4 (worked by hand in render.test.ts:
 * mean 0.75, Wilson [0.64976, 0.82910], smallest detectable Δ ±0.11641).
 */
export function halfAndFullProblems(): { problem: string; score: number; samples: number }[] {
  return Array.from({ length: 30 }, (_, i) => ({ problem: `p${i}`, score: i < 15 ? 0.5 : 1, samples: 4 }));
}

/**
 * What LightEval 0.13.0 runs AIME 2024 and LiveCodeBench with, as the run facts record it. Dataset
 * repos and subset: the release's task configs (lighteval v0.13.0 hf_repo, hf_subset); seed:
 * VLLMModelConfig.seed = 1234; generation: open-r1's temperature 0.6, top_p 0.95, 32,768 new tokens.
 */
export function lighteval013Facts(): BenchmarkFacts[] {
  const generation = {
    seeds: [1234],
    seedSource: 'LightEval default (VLLMModelConfig.seed)',
    temperature: 0.6,
    topP: 0.95,
    maxNewTokens: 32_768,
  };
  return [
    { benchmark: 'aime24', dataset: 'HuggingFaceH4/aime_2024', revision: null, ...generation },
    {
      benchmark: 'lcb:codegeneration',
      dataset: 'lighteval/code_generation_lite',
      subset: 'v4_v5',
      revision: null,
      ...generation,
    },
  ];
}

export function baseReport(overrides: Partial<RunReport> = {}): RunReport {
  const results = [
    { ...math500Result },
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
