import type { ModelConfig } from './model-config';
import { layersOnLargestStage, type ModelParallelLayout } from './parallelism';

export const GiB = 1024 ** 3;

/**
 * The constants of the memory model (see docs/planner.md for the reasoning). vLLM reserves
 * `gpu_memory_utilization × GPU memory` for everything the process uses, profiles one forward pass
 * of `max_num_batched_tokens` tokens, and gives whatever is left to the KV cache.
 */
export const memoryModel = {
  /** CUDA context, cuBLAS/cuDNN workspaces and CUDA-graph pools: ~1 GiB per GPU in vLLM's logs. */
  runtimeGiB: 1.0,
  /** NCCL communicator buffers, only when the replica spans more than one GPU. */
  ncclGiB: 0.5,
  /** Tokens in the profiling forward pass: vLLM's default chunked-prefill budget is at most 8192. */
  activationTokens: 8192,
  /** Sequences whose logits are sampled at once (vLLM's default `max_num_seqs` is 256). */
  samplerSequences: 256,
  /**
   * Full-length sequences the KV cache must hold. Reasoning traces average about half of
   * `max_new_tokens`, so 4 full-length slots keep ~8 of a prompt's 64 AIME samples decoding at once;
   * fewer makes vLLM preempt and recompute constantly, which can multiply run time.
   */
  minConcurrentSequences: 4,
  /** KV cache in the compute dtype (no fp8 KV cache). */
  kvCacheDtypeBytes: 2,
} as const;

/** KV-cache bytes one token needs on one GPU of the largest pipeline stage (DESIGN.md's formula). */
export function kvBytesPerTokenPerGpu(config: ModelConfig, layout: ModelParallelLayout): number {
  const layers = layersOnLargestStage(config, layout.pipelineParallel);
  if (config.mla) {
    // MLA caches one latent vector per token and layer, replicated on every TP rank.
    return layers * (config.mla.kvLoraRank + config.mla.qkRopeHeadDim) * memoryModel.kvCacheDtypeBytes;
  }
  const kvHeadsPerGpu = Math.max(1, config.kvHeads / layout.tensorParallel);
  return 2 * layers * kvHeadsPerGpu * config.headDim * memoryModel.kvCacheDtypeBytes;
}

/**
 * Peak activation of the profiling pass on one GPU: the widest per-token tensors (residual,
 * attention output, the gate/up MLP outputs of this rank's shard, or the top-k expert outputs)
 * for `activationTokens` tokens, plus fp32 logits and probabilities for the sampled sequences.
 */
export function activationBytesPerGpu(
  config: ModelConfig,
  layout: ModelParallelLayout,
  computeBytes: number,
): number {
  const tp = layout.tensorParallel;
  const h = config.hiddenSize;
  const denseMlp = 2 * ((config.moe ? 0 : config.intermediateSize) ?? 4 * h);
  const expertMlp = config.moe ? 2 * config.moe.expertsPerToken * config.moe.expertIntermediateSize : 0;
  const perToken = 4 * h + Math.max(denseMlp, expertMlp) / tp;
  const forward = memoryModel.activationTokens * perToken * computeBytes;
  const sampler = memoryModel.samplerSequences * config.vocabSize * 4 * 2;
  return forward + sampler;
}

export interface MemoryPerGpu {
  weightsGiB: number;
  overheadGiB: number;
  /** What is left for the KV cache: budget − weights − overhead (vLLM gives it all to the cache). */
  kvCacheGiB: number;
  budgetGiB: number;
  /** KV needed for one full `max_model_length` sequence on this GPU. */
  kvPerSequenceGiB: number;
  /** Full-length sequences the KV cache holds at once. */
  concurrentSequences: number;
}

export function memoryPerGpu(
  config: ModelConfig,
  weightBytes: number,
  layout: ModelParallelLayout,
  maxModelLength: number,
  gpu: { gpuMemoryGiB: number; gpuMemoryUtilization: number; computeBytes: number },
): MemoryPerGpu {
  const gpusPerReplica = layout.tensorParallel * layout.pipelineParallel;
  const weightsGiB = weightBytes / gpusPerReplica / GiB;
  const overheadGiB =
    memoryModel.runtimeGiB +
    (gpusPerReplica > 1 ? memoryModel.ncclGiB : 0) +
    activationBytesPerGpu(config, layout, gpu.computeBytes) / GiB;
  const budgetGiB = gpu.gpuMemoryUtilization * gpu.gpuMemoryGiB;
  const kvCacheGiB = budgetGiB - weightsGiB - overheadGiB;
  const kvPerSequenceGiB = (kvBytesPerTokenPerGpu(config, layout) * maxModelLength) / GiB;
  return {
    weightsGiB,
    overheadGiB,
    kvCacheGiB,
    budgetGiB,
    kvPerSequenceGiB,
    concurrentSequences: kvCacheGiB > 0 ? Math.floor(kvCacheGiB / kvPerSequenceGiB) : 0,
  };
}

/** GPU memory (GiB, at utilization 1) one GPU needs for this layout to hold `sequences` full sequences. */
export function requiredGpuMemoryGiB(memory: MemoryPerGpu, sequences: number): number {
  return memory.weightsGiB + memory.overheadGiB + sequences * memory.kvPerSequenceGiB;
}
