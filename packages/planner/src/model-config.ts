import { z } from 'zod';

/**
 * The architecture facts the planner needs, read from a Hugging Face `config.json`. Multimodal
 * checkpoints nest the language model under `text_config`; we plan from that part.
 */
export interface ModelConfig {
  architecture: string | undefined;
  modelType: string | undefined;
  layers: number;
  attentionHeads: number;
  kvHeads: number;
  headDim: number;
  hiddenSize: number;
  /** Dense MLP width (for Mixtral-style MoE without `moe_intermediate_size`, this is the expert width). */
  intermediateSize: number | undefined;
  vocabSize: number;
  maxPositions: number | undefined;
  /** `torch_dtype` / `dtype` as written, e.g. `bfloat16`. */
  dtype: string;
  tiedEmbeddings: boolean;
  /** Set only when sliding-window attention is actually enabled. */
  slidingWindow: number | undefined;
  moe: MoeConfig | undefined;
  mla: MlaConfig | undefined;
  quantization: QuantizationConfig | undefined;
}

export interface MoeConfig {
  experts: number;
  expertsPerToken: number;
  /** Width of one expert's MLP. */
  expertIntermediateSize: number;
  sharedExperts: number;
  /** DeepSeek: the first k layers are dense. */
  denseLayers: number;
}

/** Multi-head latent attention (DeepSeek-V2/V3/R1): one compressed KV vector per token and layer. */
export interface MlaConfig {
  kvLoraRank: number;
  qLoraRank: number | undefined;
  qkRopeHeadDim: number;
  qkNopeHeadDim: number;
  vHeadDim: number;
}

export interface QuantizationConfig {
  method: string;
  /** FP8 block quantization ([n, k]): TP shards must be whole blocks. */
  weightBlockSize: [number, number] | undefined;
  /** Bits per stored weight when the method says (4 for AWQ/GPTQ int4, 8 for FP8). */
  bits: number | undefined;
}

const positiveInt = z.number().int().positive();

const rawConfigSchema = z.looseObject({
  architectures: z.array(z.string()).nullish(),
  model_type: z.string().nullish(),
  num_hidden_layers: positiveInt,
  num_attention_heads: positiveInt,
  num_key_value_heads: positiveInt.nullish(),
  head_dim: positiveInt.nullish(),
  hidden_size: positiveInt,
  intermediate_size: positiveInt.nullish(),
  vocab_size: positiveInt,
  max_position_embeddings: positiveInt.nullish(),
  torch_dtype: z.string().nullish(),
  dtype: z.string().nullish(),
  tie_word_embeddings: z.boolean().nullish(),
  sliding_window: z.number().int().nullish(),
  use_sliding_window: z.boolean().nullish(),
  num_local_experts: positiveInt.nullish(),
  num_experts: positiveInt.nullish(),
  n_routed_experts: positiveInt.nullish(),
  num_experts_per_tok: positiveInt.nullish(),
  moe_intermediate_size: positiveInt.nullish(),
  n_shared_experts: z.number().int().nonnegative().nullish(),
  first_k_dense_replace: z.number().int().nonnegative().nullish(),
  kv_lora_rank: positiveInt.nullish(),
  q_lora_rank: positiveInt.nullish(),
  qk_rope_head_dim: positiveInt.nullish(),
  qk_nope_head_dim: positiveInt.nullish(),
  v_head_dim: positiveInt.nullish(),
  quantization_config: z
    .looseObject({
      quant_method: z.string().nullish(),
      weight_block_size: z.array(positiveInt).length(2).nullish(),
      bits: positiveInt.nullish(),
      w_bit: positiveInt.nullish(),
    })
    .nullish(),
});

export class ModelConfigError extends Error {
  override name = 'ModelConfigError';
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}

/**
 * Parses a `config.json` (already JSON-decoded) into `ModelConfig`. Throws `ModelConfigError` naming
 * the missing or malformed fields; `where` names the file for the message.
 */
export function parseModelConfig(raw: unknown, where = 'config.json'): ModelConfig {
  const nested =
    typeof raw === 'object' && raw !== null && 'text_config' in raw && !('num_hidden_layers' in raw)
      ? (raw as { text_config: unknown }).text_config
      : raw;
  const parsed = rawConfigSchema.safeParse(nested);
  if (!parsed.success) {
    const fields = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new ModelConfigError(
      `${where} is not a usable model config (${fields.join('; ')})`,
      'The planner needs num_hidden_layers, num_attention_heads, hidden_size and vocab_size; check that this is a causal language model repository and revision.',
    );
  }
  const c = parsed.data;
  const architecture = c.architectures?.[0] ?? undefined;
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  const experts = c.num_local_experts ?? c.num_experts ?? c.n_routed_experts ?? undefined;
  const moe: MoeConfig | undefined =
    experts !== undefined && experts > 1
      ? {
          experts,
          expertsPerToken: c.num_experts_per_tok ?? 2,
          expertIntermediateSize: c.moe_intermediate_size ?? c.intermediate_size ?? 4 * c.hidden_size,
          sharedExperts: c.n_shared_experts ?? 0,
          denseLayers: c.first_k_dense_replace ?? 0,
        }
      : undefined;
  const mla: MlaConfig | undefined =
    c.kv_lora_rank != null && c.qk_rope_head_dim != null
      ? {
          kvLoraRank: c.kv_lora_rank,
          qLoraRank: c.q_lora_rank ?? undefined,
          qkRopeHeadDim: c.qk_rope_head_dim,
          qkNopeHeadDim: c.qk_nope_head_dim ?? headDim,
          vHeadDim: c.v_head_dim ?? headDim,
        }
      : undefined;
  const q = c.quantization_config;
  const quantization: QuantizationConfig | undefined = q?.quant_method
    ? {
        method: q.quant_method,
        weightBlockSize: q.weight_block_size
          ? [q.weight_block_size[0] ?? 1, q.weight_block_size[1] ?? 1]
          : undefined,
        bits: q.bits ?? q.w_bit ?? (q.quant_method === 'fp8' ? 8 : undefined),
      }
    : undefined;
  // Qwen2 configs carry `sliding_window` even when `use_sliding_window` is false: only count it when on.
  const slidingWindow =
    c.sliding_window != null && c.sliding_window > 0 && c.use_sliding_window !== false
      ? c.sliding_window
      : undefined;
  return {
    architecture,
    modelType: c.model_type ?? undefined,
    layers: c.num_hidden_layers,
    attentionHeads: c.num_attention_heads,
    kvHeads: c.num_key_value_heads ?? c.num_attention_heads,
    headDim,
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size ?? undefined,
    vocabSize: c.vocab_size,
    maxPositions: c.max_position_embeddings ?? undefined,
    dtype: c.torch_dtype ?? c.dtype ?? 'bfloat16',
    tiedEmbeddings: c.tie_word_embeddings ?? false,
    slidingWindow,
    moe,
    mla,
    quantization,
  };
}

/** Architectures whose layout we know; others are planned from the fields present, with a warning. */
export const knownModelTypes: readonly string[] = [
  'llama',
  'mistral',
  'mixtral',
  'qwen2',
  'qwen2_moe',
  'qwen3',
  'qwen3_moe',
  'deepseek_v2',
  'deepseek_v3',
  'gemma',
  'gemma2',
  'gemma3_text',
  'phi3',
  'olmo2',
];
