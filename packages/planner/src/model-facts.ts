import { knownModelTypes, vllmArchitectures } from './architectures';
import type { ModelConfig } from './model-config';
import { estimatedWeightBytes, parameterBreakdown, sumBreakdown } from './quantization';

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
 * Parameter count from the architecture alone, layer by layer: embeddings, attention (MLA,
 * grouped-query, NAS linear or none), dense MLP, experts + shared experts + router, norms. Used
 * only when neither the Hub API nor the safetensors files say, and labelled as an estimate.
 */
export function estimateParameters(config: ModelConfig): number {
  return sumBreakdown(parameterBreakdown(config));
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
    // Packed quantized tensors count elements, not weights (an I32 holds eight 4-bit weights, a U8
    // two MXFP4 ones): the bytes stay exact, the count comes from the architecture.
    parameters: config.quantization
      ? estimateParameters(config)
      : Object.values(counts).reduce((sum, n) => sum + n, 0),
    weightBytes: weightBytesFromCounts(config, counts),
    parameterSource: source,
  };
}

export function estimatedWeights(config: ModelConfig): WeightFacts {
  // Each weight group at its own width: FP8/int4 linear layers, embeddings and norms in bf16.
  return {
    parametersByDtype: {},
    parameters: estimateParameters(config),
    weightBytes: estimatedWeightBytes(config, computeDtypeBytes(servingDtype(config))),
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
    const name = config.modelType ?? config.architecture ?? 'unspecified';
    warnings.push(
      config.architecture !== undefined && vllmArchitectures.includes(config.architecture)
        ? `architecture '${name}' (${config.architecture}) is served by vLLM but has no specific rules here: planned from the generic config fields`
        : `unknown architecture '${name}': planned from the config fields present; vLLM's registry does not list '${config.architecture ?? 'unspecified'}', check that vLLM supports it`,
    );
  }
  return { ...identity, config, ...weights, warnings };
}

export function formatCount(parameters: number): string {
  return parameters >= 1e9
    ? `${(parameters / 1e9).toFixed(2)}B parameters`
    : `${(parameters / 1e6).toFixed(0)}M parameters`;
}
