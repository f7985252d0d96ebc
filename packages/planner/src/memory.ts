import type { LayerSpec, ModelConfig } from './model-config';
import type { ModelParallelLayout } from './parallelism';
import { parameterBreakdown } from './quantization';

export const GiB = 1024 ** 3;

/**
 * The constants of the memory model (see docs/planner.md for the reasoning). vLLM reserves
 * `gpu_memory_utilization × GPU memory` for everything the process uses, profiles one forward pass
 * of `max_num_batched_tokens` tokens, and gives whatever is left to the KV cache.
 */
export const memoryModel = {
  /**
   * CUDA context and cuBLAS workspaces (vLLM's `non_torch_memory`). Kept at 1 GiB after checking it
   * against eight logged start-ups (test/fixtures/vllm-startup/logged.json): eager runs, as LightEval
   * runs (lighteval v0.13.0 vllm_model.py: `enforce_eager=True`), log 0.16–0.25 GiB
   * (vllm-project/vllm#12126, #13061), so 1 GiB is conservative for them; `vllm serve` with CUDA
   * graphs logs 1.79 GiB at TP 1 (#10511), which a LightEval job never pays.
   */
  runtimeGiB: 1.0,
  /**
   * NCCL communicator buffers, only when the replica spans more than one GPU: eager TP 2 logs
   * 0.25 GiB of non-torch memory in all (vllm-project/vllm#13061); `vllm serve` TP 2 with custom
   * all-reduce and CUDA graphs 3.58 (#10511).
   */
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
  /** vLLM's default KV block size in tokens (CacheConfig.block_size on CUDA). */
  blockSize: 16,
} as const;

/** Bytes one token adds to one layer's cache on one GPU (0 for layers without attention). */
function layerKvBytesPerToken(config: ModelConfig, layer: LayerSpec, tensorParallel: number): number {
  if (layer.attention === 'none' || layer.kvHeads === 0) return 0;
  if (layer.attention === 'mla' && config.mla) {
    // MLA caches one latent vector per token and layer, replicated on every TP rank.
    return (config.mla.kvLoraRank + config.mla.qkRopeHeadDim) * memoryModel.kvCacheDtypeBytes;
  }
  const kvHeadsPerGpu = Math.max(1, layer.kvHeads / tensorParallel);
  return 2 * kvHeadsPerGpu * config.headDim * memoryModel.kvCacheDtypeBytes;
}

/**
 * Tokens one sequence of `tokens` keeps in a layer while it decodes (`batchedTokens` = 1), as vLLM's
 * hybrid allocator keeps them (vllm/v1/kv_cache_interface.py): all of them for full attention and
 * MLA; the last `window - 1` plus the scheduled tokens and one spare block for a sliding window;
 * the current chunk plus the scheduled tokens for chunked local attention; never more than the
 * sequence. vLLM's start-up check reserves `max_num_batched_tokens` scheduled tokens for one
 * sequence instead; holding 4 decoding sequences (the fit rule) covers that one prefill.
 */
export function cachedTokens(layer: LayerSpec, tokens: number, batchedTokens: number): number {
  if (layer.attention === 'none') return 0;
  if (layer.attention === 'sliding' && layer.window !== undefined)
    return Math.min(tokens, layer.window - 1 + batchedTokens + memoryModel.blockSize);
  if (layer.attention === 'chunked' && layer.window !== undefined)
    return Math.min(tokens, layer.window + batchedTokens);
  return tokens;
}

/**
 * The layer index ranges of each pipeline stage, as vLLM splits them (vllm/distributed/utils.py
 * `get_pp_indices`: equal parts, the remainder going to the stages before the last).
 */
export function stageLayerRanges(layers: number, pipelineParallel: number): [number, number][] {
  const base = Math.floor(layers / pipelineParallel);
  const sizes = Array.from({ length: pipelineParallel }, () => base);
  for (let i = 2; i < (layers % pipelineParallel) + 2; i++)
    sizes[pipelineParallel - i] = (sizes[pipelineParallel - i] ?? 0) + 1;
  const ranges: [number, number][] = [];
  let start = 0;
  for (const size of sizes) {
    ranges.push([start, start + size]);
    start += size;
  }
  return ranges;
}

/**
 * KV-cache bytes one sequence of `tokens` needs on one GPU of the most loaded pipeline stage:
 * the per-layer sum over that stage's layers, each layer kind at its own cached length.
 */
export function kvBytesPerSequencePerGpu(
  config: ModelConfig,
  layout: ModelParallelLayout,
  tokens: number,
  batchedTokens = 1,
): number {
  let worst = 0;
  for (const [start, end] of stageLayerRanges(config.layers, layout.pipelineParallel)) {
    let bytes = 0;
    for (const layer of config.layerSpecs.slice(start, end)) {
      bytes +=
        layerKvBytesPerToken(config, layer, layout.tensorParallel) *
        cachedTokens(layer, tokens, batchedTokens);
    }
    worst = Math.max(worst, bytes);
  }
  return worst;
}

/**
 * KV-cache bytes one token needs on one GPU of the largest pipeline stage if every layer kept it
 * (the full-attention figure; sliding and chunked layers stop growing, see `kvBytesPerSequencePerGpu`).
 */
export function kvBytesPerTokenPerGpu(config: ModelConfig, layout: ModelParallelLayout): number {
  let worst = 0;
  for (const [start, end] of stageLayerRanges(config.layers, layout.pipelineParallel)) {
    let bytes = 0;
    for (const layer of config.layerSpecs.slice(start, end))
      bytes += layerKvBytesPerToken(config, layer, layout.tensorParallel);
    worst = Math.max(worst, bytes);
  }
  return worst;
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
  // The widest dense MLP of any layer (Llama 4's dense layers, DeepSeek's first k, NAS's widest block).
  let widestDense = 0;
  for (const layer of config.layerSpecs)
    if (layer.mlp === 'dense') widestDense = Math.max(widestDense, layer.mlpWidth);
  const denseMlp = 2 * widestDense;
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

/**
 * Bytes vLLM allocates beyond the checkpoint's: its MXFP4 MoE kernels pad each expert's
 * per-rank intermediate width up to a multiple of 256 (vllm/model_executor/layers/quantization/mxfp4.py
 * `create_weights`, `intermediate_size_per_partition_after_pad`). For gpt-oss-120b at TP 1 that is
 * 2880 → 3072, and vLLM logs "Model loading took 64.38 GiB" (vllm-project/vllm#33155) for a 60.8 GiB checkpoint.
 */
export function runtimePaddingBytes(config: ModelConfig, tensorParallel: number): number {
  if (config.quantization?.method !== 'mxfp4' || !config.moe) return 0;
  const perRank = config.moe.expertIntermediateSize / tensorParallel;
  const padded = Math.ceil(perRank / 256) * 256;
  if (padded === perRank) return 0;
  const expertBytes = parameterBreakdown(config).experts * (4.25 / 8);
  return expertBytes * (padded / perRank - 1);
}

export function memoryPerGpu(
  config: ModelConfig,
  weightBytes: number,
  layout: ModelParallelLayout,
  maxModelLength: number,
  gpu: { gpuMemoryGiB: number; gpuMemoryUtilization: number; computeBytes: number },
): MemoryPerGpu {
  const gpusPerReplica = layout.tensorParallel * layout.pipelineParallel;
  const weightsGiB =
    (weightBytes + runtimePaddingBytes(config, layout.tensorParallel)) / gpusPerReplica / GiB;
  const overheadGiB =
    memoryModel.runtimeGiB +
    (gpusPerReplica > 1 ? memoryModel.ncclGiB : 0) +
    activationBytesPerGpu(config, layout, gpu.computeBytes) / GiB;
  const budgetGiB = gpu.gpuMemoryUtilization * gpu.gpuMemoryGiB;
  const kvCacheGiB = budgetGiB - weightsGiB - overheadGiB;
  const kvPerSequenceGiB = kvBytesPerSequencePerGpu(config, layout, maxModelLength) / GiB;
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
