import { knownModelTypes, type ModelConfig } from './model-config';

/** Where the parameter count came from, best first. `estimate` is computed from the architecture. */
export type ParameterSource = 'safetensors-api' | 'safetensors-header' | 'safetensors-index' | 'estimate';

/** Everything the planner knows about one model at one revision. */
export interface ModelFacts {
  /** Hub id (`org/name`) or the local directory as given. */
  id: string;
  revision: string | undefined;
  source: 'hub' | 'local';
  config: ModelConfig;
  /** Parameter count per safetensors dtype (`BF16`, `F8_E4M3`, ...); empty for estimates. */
  parametersByDtype: Record<string, number>;
  parameters: number;
  /** Bytes of weights vLLM holds on the GPUs (before splitting). */
  weightBytes: number;
  parameterSource: ParameterSource;
  warnings: string[];
}

/** Stored bytes per element of each safetensors dtype. */
const storedBytes: Record<string, number> = {
  F64: 8,
  I64: 8,
  U64: 8,
  F32: 4,
  I32: 4,
  U32: 4,
  F16: 2,
  BF16: 2,
  I16: 2,
  U16: 2,
  F8_E4M3: 1,
  F8_E5M2: 1,
  F8_E8M0: 1,
  I8: 1,
  U8: 1,
  BOOL: 1,
  F4: 0.5,
};

const floatDtypes = new Set(['F64', 'F32', 'F16', 'BF16']);

/** Bytes of one element of the dtype vLLM computes in (`--dtype`): bf16/fp16 are 2, fp32 stays 4. */
export function computeDtypeBytes(dtype: string): number {
  return /float32|fp32|^f32$/i.test(dtype) ? 4 : 2;
}

/**
 * GPU bytes of the weights given safetensors counts. Unquantized float tensors are cast to the
 * compute dtype at load (an F32 checkpoint served in bf16 takes 2 bytes per weight); quantized
 * checkpoints keep their stored bytes, scales included.
 */
export function weightBytesFromCounts(config: ModelConfig, counts: Record<string, number>): number {
  const computeBytes = computeDtypeBytes(servingDtype(config));
  let total = 0;
  for (const [dtype, count] of Object.entries(counts)) {
    const stored = storedBytes[dtype.toUpperCase()] ?? 2;
    total +=
      count *
      (config.quantization === undefined && floatDtypes.has(dtype.toUpperCase()) ? computeBytes : stored);
  }
  return total;
}

/** The dtype we ask vLLM to run in: the checkpoint's half-precision type, else bfloat16. */
export function servingDtype(config: ModelConfig): 'bfloat16' | 'float16' {
  return /^(float16|fp16|half)$/i.test(config.dtype) ? 'float16' : 'bfloat16';
}

/**
 * Parameter count from the architecture alone: embeddings, attention (MLA or grouped-query),
 * gated MLP or experts, norms. Within ~1 % of the real count for the Llama/Qwen/Mixtral fixtures;
 * used only when neither the Hub API nor the safetensors files say, and labelled as an estimate.
 */
export function estimateParameters(config: ModelConfig): number {
  const h = config.hiddenSize;
  const embeddings = config.vocabSize * h * (config.tiedEmbeddings ? 1 : 2);
  let attention: number;
  if (config.mla) {
    const m = config.mla;
    const qHead = m.qkNopeHeadDim + m.qkRopeHeadDim;
    const q = m.qLoraRank
      ? h * m.qLoraRank + m.qLoraRank * config.attentionHeads * qHead
      : h * config.attentionHeads * qHead;
    const kv =
      h * (m.kvLoraRank + m.qkRopeHeadDim) +
      m.kvLoraRank * config.attentionHeads * (m.qkNopeHeadDim + m.vHeadDim);
    attention = q + kv + config.attentionHeads * m.vHeadDim * h;
  } else {
    const qDim = config.attentionHeads * config.headDim;
    const kvDim = config.kvHeads * config.headDim;
    attention = h * qDim + 2 * h * kvDim + qDim * h;
  }
  const denseMlp = 3 * h * (config.intermediateSize ?? 4 * h);
  let mlpTotal: number;
  if (config.moe) {
    const moe = config.moe;
    const experts = (moe.experts + moe.sharedExperts) * 3 * h * moe.expertIntermediateSize + h * moe.experts;
    mlpTotal = moe.denseLayers * denseMlp + (config.layers - moe.denseLayers) * experts;
  } else {
    mlpTotal = config.layers * denseMlp;
  }
  const norms = config.layers * 2 * h + h;
  return embeddings + config.layers * attention + mlpTotal + norms;
}

export interface WeightFacts {
  parametersByDtype: Record<string, number>;
  parameters: number;
  weightBytes: number;
  parameterSource: ParameterSource;
}

/** Weights from an index's `metadata.total_size` (stored bytes): parameters follow from the dtype. */
export function weightsFromTotalSize(config: ModelConfig, totalSize: number): WeightFacts {
  if (config.quantization) {
    // Mixed stored widths (FP8 weights, F32 scales): bytes are exact, the count is approximate.
    return {
      parametersByDtype: {},
      parameters: estimateParameters(config),
      weightBytes: totalSize,
      parameterSource: 'safetensors-index',
    };
  }
  const stored = computeDtypeBytes(config.dtype);
  const parameters = Math.round(totalSize / stored);
  return {
    parametersByDtype: {},
    parameters,
    weightBytes: parameters * computeDtypeBytes(servingDtype(config)),
    parameterSource: 'safetensors-index',
  };
}

export function weightsFromCounts(
  config: ModelConfig,
  counts: Record<string, number>,
  source: ParameterSource,
): WeightFacts {
  return {
    parametersByDtype: { ...counts },
    parameters: Object.values(counts).reduce((sum, n) => sum + n, 0),
    weightBytes: weightBytesFromCounts(config, counts),
    parameterSource: source,
  };
}

export function estimatedWeights(config: ModelConfig): WeightFacts {
  const parameters = estimateParameters(config);
  const bytesPerWeight = config.quantization?.bits
    ? config.quantization.bits / 8
    : computeDtypeBytes(servingDtype(config));
  return {
    parametersByDtype: {},
    parameters,
    weightBytes: Math.round(parameters * bytesPerWeight),
    parameterSource: 'estimate',
  };
}

/** Assembles `ModelFacts` and the warnings that follow from how the facts were obtained. */
export function buildModelFacts(
  identity: { id: string; revision: string | undefined; source: 'hub' | 'local' },
  config: ModelConfig,
  weights: WeightFacts,
): ModelFacts {
  const warnings: string[] = [];
  if (weights.parameterSource === 'estimate') {
    warnings.push(
      `parameter count is an ESTIMATE from the architecture (${formatCount(weights.parameters)}): no safetensors metadata was found; memory figures may be off by a few percent`,
    );
  }
  if (config.modelType === undefined || !knownModelTypes.includes(config.modelType)) {
    warnings.push(
      `unknown architecture '${config.modelType ?? config.architecture ?? 'unspecified'}': planned from the config fields present; check that vLLM supports it`,
    );
  }
  return { ...identity, config, ...weights, warnings };
}

export function formatCount(parameters: number): string {
  return parameters >= 1e9
    ? `${(parameters / 1e9).toFixed(2)}B parameters`
    : `${(parameters / 1e6).toFixed(0)}M parameters`;
}
