import type { SamplesCost } from './lighteval-args';

/**
 * The throughput the plan's GPU-hours assume: an ESTIMATE, never a measurement. One published
 * figure, scaled by model size: vLLM generating 3,363 output tokens/s for DeepSeek-R1-Distill-Qwen-7B
 * (7.62 B parameters) on one A100 80GB with its default configuration (third-party benchmark table,
 * https://www.morphllm.com/vllm-benchmarks, 2026). Decoding is memory-bandwidth bound, so tokens/s
 * per GPU are taken as inversely proportional to the parameters each token reads; an MoE model
 * reads only its active experts and runs faster than this (the estimate errs high for it), an H100
 * runs about 2× faster than an A100 (Lambda's vLLM benchmark, LambdaLabsML/vllm-benchmark), and
 * reasoning traces that run longer than half of max_new_tokens cost more. Prefill is not counted.
 */
export const THROUGHPUT_ASSUMPTION = {
  outputTokensPerSecond: 3_363,
  referenceParameters: 7.62e9,
  reference: 'DeepSeek-R1-Distill-Qwen-7B on 1× A100 80GB, vLLM default config',
  source: 'https://www.morphllm.com/vllm-benchmarks',
} as const;

/** What a job's samples cost, as the plan shows it. */
export interface JobCost {
  completions: number;
  /** Prompt + generated tokens (completions × (prompt bound + max_new_tokens / 2)). */
  estimatedTokens: number;
  /** Generated tokens only (completions × max_new_tokens / 2): what the throughput applies to. */
  estimatedOutputTokens: number;
  /** Output tokens/s per GPU assumed for this model (THROUGHPUT_ASSUMPTION scaled by size). */
  assumedTokensPerSecondPerGpu: number;
  /** GPU-hours at that throughput: an estimate, labelled so wherever it is shown. */
  estimatedGpuHours: number;
  /** Benchmarks without a known problem count: not in the totals. */
  uncounted: string[];
}

/** Output tokens/s one GPU is assumed to generate for a model of `parameters`. */
export function assumedTokensPerSecondPerGpu(parameters: number): number {
  const { outputTokensPerSecond, referenceParameters } = THROUGHPUT_ASSUMPTION;
  return parameters > 0 ? (outputTokensPerSecond * referenceParameters) / parameters : outputTokensPerSecond;
}

/**
 * Completions, tokens and GPU-hours of one job's samples: output tokens = completions × half of
 * max_new_tokens (a reasoning trace averages about half the limit, docs/planner.md), at
 * `assumedTokensPerSecondPerGpu` per GPU. All GPUs of the job generate in parallel (DP replicas
 * split the problems), so the GPU count cancels: GPU-hours = output tokens / (tokens/s per GPU) / 3600.
 */
export function jobCost(samples: readonly SamplesCost[], maxNewTokens: number, parameters: number): JobCost {
  const perGpu = assumedTokensPerSecondPerGpu(parameters);
  let completions = 0;
  let estimatedTokens = 0;
  const uncounted: string[] = [];
  for (const s of samples) {
    if (s.completions === undefined || s.estimatedTokens === undefined) {
      uncounted.push(s.benchmark);
      continue;
    }
    completions += s.completions;
    estimatedTokens += s.estimatedTokens;
  }
  const estimatedOutputTokens = completions * Math.round(maxNewTokens / 2);
  return {
    completions,
    estimatedTokens,
    estimatedOutputTokens,
    assumedTokensPerSecondPerGpu: Math.round(perGpu),
    estimatedGpuHours: estimatedOutputTokens / perGpu / 3600,
    uncounted,
  };
}

/** One line for the plan: `ESTIMATE: 2,204 completions, ~37.6 M tokens, ~2.6 GPU-hours at …`. */
export function costLine(cost: JobCost): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const tokens = `${(cost.estimatedTokens / 1e6).toFixed(1)} M`;
  const missing = cost.uncounted.length
    ? ` (not counted: ${cost.uncounted.join(', ')}, problem count unknown)`
    : '';
  return `ESTIMATE: ${n(cost.completions)} completions, ~${tokens} tokens, ~${cost.estimatedGpuHours.toFixed(1)} GPU-hours at an assumed ${n(cost.assumedTokensPerSecondPerGpu)} output tokens/s per GPU (${THROUGHPUT_ASSUMPTION.reference}, ${THROUGHPUT_ASSUMPTION.source}, scaled by parameters)${missing}`;
}
