import { z } from 'zod';
import { knownModelTypes, textModelTypeOf, transformersDefaults } from './architectures';

/**
 * The architecture facts the planner needs, read from a Hugging Face `config.json` the way
 * transformers reads it: a composite (vision + text) checkpoint nests the language model under
 * `text_config` (or `llm_config`), whose missing fields take the per-`model_type` defaults of its
 * transformers config class; `torch_dtype` and `quantization_config` written at the top level
 * apply to the whole checkpoint.
 */
export interface ModelConfig {
  architecture: string | undefined;
  modelType: string | undefined;
  layers: number;
  attentionHeads: number;
  /** KV heads of the attention layers (NAS models: the largest per-layer count). */
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
  /** Set only when sliding-window attention is actually enabled on some layer. */
  slidingWindow: number | undefined;
  moe: MoeConfig | undefined;
  mla: MlaConfig | undefined;
  quantization: QuantizationConfig | undefined;
  /** One entry per decoder layer: what its attention caches and what its MLP is. */
  layerSpecs: LayerSpec[];
}

/**
 * What one layer's attention keeps per token: `full` (every token), `sliding` / `chunked` (only
 * the last `window` tokens, or the current chunk), `mla` (one latent vector), `none` (NAS
 * attention-free or linear-replaced layers: nothing).
 */
export type AttentionKind = 'full' | 'sliding' | 'chunked' | 'mla' | 'none';

export interface LayerSpec {
  attention: AttentionKind;
  /** Tokens a sliding or chunked layer attends to. */
  window: number | undefined;
  /** KV heads of this layer (0 when it has no attention). */
  kvHeads: number;
  /** `linear`: NAS replaced the block by one hidden×hidden matrix. */
  attentionWeights: 'attention' | 'linear' | 'none';
  mlp: 'dense' | 'moe' | 'linear' | 'none';
  /** Dense MLP width of this layer (NAS varies it per layer; 0 for MoE / none). */
  mlpWidth: number;
}

export interface MoeConfig {
  experts: number;
  expertsPerToken: number;
  /** Width of one expert's MLP. */
  expertIntermediateSize: number;
  sharedExperts: number;
  /** Total width of the always-on shared expert(s) (0 when none). */
  sharedIntermediateSize: number;
  /** Number of layers whose MLP is the mixture (the rest are dense). */
  moeLayers: number;
  /** DeepSeek: the first k layers are dense. */
  denseLayers: number;
}

/** Multi-head latent attention (DeepSeek-V2/V3/R1, Kimi-K2): one compressed KV vector per token and layer. */
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
  /** Bits per stored weight of the quantized layers (4 for AWQ/GPTQ int4 and MXFP4, 8 for FP8). */
  bits: number | undefined;
  /** Input channels sharing one scale (AWQ/GPTQ/compressed-tensors groups); undefined = per channel. */
  groupSize: number | undefined;
  /** Whether a zero point is stored per group (asymmetric int quantization). */
  zeroPoints: boolean;
  /** Module patterns left unquantized (`modules_to_not_convert`, `ignore`). */
  unquantized: string[];
}

const positiveInt = z.number().int().positive();

const blockConfigSchema = z.looseObject({
  attention: z
    .looseObject({
      n_heads_in_group: positiveInt.nullish(),
      no_op: z.boolean().nullish(),
      replace_with_linear: z.boolean().nullish(),
    })
    .nullish(),
  ffn: z
    .looseObject({
      ffn_mult: z.number().positive().nullish(),
      no_op: z.boolean().nullish(),
      replace_with_linear: z.boolean().nullish(),
    })
    .nullish(),
});

const quantizationSchema = z.looseObject({
  quant_method: z.string().nullish(),
  weight_block_size: z.array(positiveInt).length(2).nullish(),
  bits: positiveInt.nullish(),
  w_bit: positiveInt.nullish(),
  group_size: z.number().int().nullish(),
  q_group_size: z.number().int().nullish(),
  sym: z.boolean().nullish(),
  zero_point: z.boolean().nullish(),
  modules_to_not_convert: z.array(z.string()).nullish(),
  ignore: z.array(z.string()).nullish(),
  load_in_4bit: z.boolean().nullish(),
  load_in_8bit: z.boolean().nullish(),
  config_groups: z
    .record(
      z.string(),
      z.looseObject({
        weights: z
          .looseObject({
            num_bits: positiveInt.nullish(),
            type: z.string().nullish(),
            group_size: z.number().int().nullish(),
            symmetric: z.boolean().nullish(),
            block_structure: z.array(positiveInt).nullish(),
          })
          .nullish(),
      }),
    )
    .nullish(),
});

const rawConfigSchema = z.looseObject({
  architectures: z.array(z.string()).nullish(),
  model_type: z.string().nullish(),
  num_hidden_layers: positiveInt,
  num_attention_heads: positiveInt,
  num_key_value_heads: positiveInt.nullish(),
  head_dim: positiveInt.nullish(),
  hidden_size: positiveInt,
  intermediate_size: positiveInt.nullish(),
  intermediate_size_mlp: positiveInt.nullish(),
  vocab_size: positiveInt,
  max_position_embeddings: positiveInt.nullish(),
  torch_dtype: z.string().nullish(),
  dtype: z.string().nullish(),
  tie_word_embeddings: z.boolean().nullish(),
  sliding_window: z.number().int().nullish(),
  use_sliding_window: z.boolean().nullish(),
  max_window_layers: z.number().int().nonnegative().nullish(),
  sliding_window_pattern: positiveInt.nullish(),
  layer_types: z.array(z.string()).nullish(),
  attention_chunk_size: positiveInt.nullish(),
  no_rope_layers: z.array(z.number().int()).nullish(),
  no_rope_layer_interval: positiveInt.nullish(),
  num_local_experts: positiveInt.nullish(),
  num_experts: positiveInt.nullish(),
  n_routed_experts: positiveInt.nullish(),
  num_experts_per_tok: positiveInt.nullish(),
  moe_intermediate_size: positiveInt.nullish(),
  n_shared_experts: z.number().int().nonnegative().nullish(),
  shared_expert_intermediate_size: z.number().int().nonnegative().nullish(),
  first_k_dense_replace: z.number().int().nonnegative().nullish(),
  moe_layers: z.array(z.number().int().nonnegative()).nullish(),
  interleave_moe_layer_step: z.number().int().nonnegative().nullish(),
  decoder_sparse_step: z.number().int().nonnegative().nullish(),
  mlp_only_layers: z.array(z.number().int().nonnegative()).nullish(),
  kv_lora_rank: positiveInt.nullish(),
  q_lora_rank: positiveInt.nullish(),
  qk_rope_head_dim: positiveInt.nullish(),
  qk_nope_head_dim: positiveInt.nullish(),
  v_head_dim: positiveInt.nullish(),
  block_configs: z.array(blockConfigSchema).nullish(),
  quantization_config: quantizationSchema.nullish(),
  compression_config: quantizationSchema.nullish(),
});

type RawConfig = z.infer<typeof rawConfigSchema>;

export class ModelConfigError extends Error {
  override name = 'ModelConfigError';
  readonly hint: string;
  constructor(message: string, hint: string) {
    super(message);
    this.hint = hint;
  }
}

/** Keys under which composite checkpoints nest their language model (Gemma 3 / Llama 4: text_config; InternVL: llm_config). */
const nestedTextKeys = ['text_config', 'llm_config'] as const;
/** Top-level fields that describe the whole checkpoint and so hold for the nested language model too. */
const inheritedKeys = [
  'torch_dtype',
  'dtype',
  'quantization_config',
  'compression_config',
  'tie_word_embeddings',
] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The flat field set transformers would see for the language model: the nested text config (if
 * any) over its class defaults over the checkpoint-wide top-level fields. `null` counts as absent,
 * as in transformers (`num_key_value_heads: null` means "same as the heads").
 */
export function resolveTextConfig(raw: unknown): Record<string, unknown> {
  if (!isRecord(raw)) return {};
  const nestedKey = nestedTextKeys.find((key) => isRecord(raw[key]));
  const present = (obj: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== null && v !== undefined));
  if (nestedKey === undefined) {
    const type = typeof raw.model_type === 'string' ? raw.model_type : undefined;
    return { ...(type ? transformersDefaults[type] : {}), ...present(raw) };
  }
  const inner = raw[nestedKey] as Record<string, unknown>;
  const outerType = typeof raw.model_type === 'string' ? raw.model_type : undefined;
  const innerType =
    typeof inner.model_type === 'string'
      ? inner.model_type
      : outerType
        ? textModelTypeOf[outerType]
        : undefined;
  const inherited = Object.fromEntries(
    inheritedKeys.flatMap((key) => (raw[key] !== undefined && raw[key] !== null ? [[key, raw[key]]] : [])),
  );
  return {
    ...inherited,
    ...(innerType ? transformersDefaults[innerType] : {}),
    ...present(inner),
    // The class name vLLM dispatches on is the top-level one (e.g. Gemma3ForConditionalGeneration).
    ...(raw.architectures !== undefined && { architectures: raw.architectures }),
    ...(innerType !== undefined && { model_type: innerType }),
  };
}

/**
 * Parses a `config.json` (already JSON-decoded) into `ModelConfig`. Throws `ModelConfigError`
 * naming the missing or malformed fields, only for fields transformers has no default for either.
 */
export function parseModelConfig(raw: unknown, where = 'config.json'): ModelConfig {
  const parsed = rawConfigSchema.safeParse(resolveTextConfig(raw));
  if (!parsed.success) {
    const fields = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new ModelConfigError(
      `${where} is not a usable model config (${fields.join('; ')})`,
      'The planner needs num_hidden_layers, num_attention_heads, hidden_size and vocab_size (in text_config for multimodal checkpoints), or a model_type whose transformers defaults supply them; check that this is a causal language model repository and revision.',
    );
  }
  const c = parsed.data;
  const architecture = c.architectures?.[0] ?? undefined;
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
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
  const layerSpecs = buildLayerSpecs(c, mla !== undefined);
  const moe = moeConfig(c, layerSpecs);
  const attentionLayers = layerSpecs.filter((l) => l.kvHeads > 0);
  const kvHeads =
    attentionLayers.length > 0
      ? Math.max(...attentionLayers.map((l) => l.kvHeads))
      : (c.num_key_value_heads ?? c.num_attention_heads);
  const windows = layerSpecs.flatMap((l) => (l.attention === 'sliding' && l.window ? [l.window] : []));
  return {
    architecture,
    modelType: c.model_type ?? undefined,
    layers: c.num_hidden_layers,
    attentionHeads: c.num_attention_heads,
    kvHeads,
    headDim,
    hiddenSize: c.hidden_size,
    intermediateSize: c.intermediate_size ?? undefined,
    vocabSize: c.vocab_size,
    maxPositions: c.max_position_embeddings ?? undefined,
    dtype: c.torch_dtype ?? c.dtype ?? 'bfloat16',
    tiedEmbeddings: c.tie_word_embeddings ?? false,
    slidingWindow: windows.length > 0 ? Math.max(...windows) : undefined,
    moe,
    mla,
    quantization: quantizationConfig(c.quantization_config ?? c.compression_config ?? undefined),
    layerSpecs,
  };
}

/**
 * Which layers slide, chunk, or have no attention, and which MLPs are experts, as the config
 * classes derive them. Sources: transformers configuration_gemma3.py (`(i + 1) % pattern`),
 * configuration_gpt_oss.py (odd layers slide), configuration_llama4.py (`no_rope_layers`: RoPE
 * layers use chunked attention, NoPE layers full; `moe_layers` from `interleave_moe_layer_step`),
 * configuration_qwen2.py (`max_window_layers`), and NVIDIA's DeciLM `block_configs`
 * (vllm/model_executor/models/nemotron_nas.py: `no_op` and `replace_with_linear` blocks).
 */
function buildLayerSpecs(c: RawConfig, isMla: boolean): LayerSpec[] {
  const n = c.num_hidden_layers;
  const window = c.sliding_window != null && c.sliding_window > 0 ? c.sliding_window : undefined;
  const type = c.model_type ?? '';
  const kinds: AttentionKind[] = [];
  for (let i = 0; i < n; i++) {
    let kind: AttentionKind = isMla ? 'mla' : 'full';
    const named = c.layer_types?.[i];
    if (!isMla && named !== undefined) {
      if (named === 'sliding_attention') kind = window ? 'sliding' : 'full';
      else if (named === 'chunked_attention') kind = c.attention_chunk_size ? 'chunked' : 'full';
      else if (named === 'full_attention') kind = 'full';
      else if (/linear|mamba|conv/.test(named)) kind = 'none';
    } else if (!isMla && type === 'gemma3_text' && window) {
      kind = (i + 1) % (c.sliding_window_pattern ?? 6) !== 0 ? 'sliding' : 'full';
    } else if (!isMla && type === 'gemma2' && window) {
      kind = i % 2 === 0 ? 'sliding' : 'full';
    } else if (!isMla && type === 'gpt_oss' && window) {
      kind = (i + 1) % 2 !== 0 ? 'sliding' : 'full';
    } else if (!isMla && type === 'llama4_text' && c.attention_chunk_size) {
      const rope = c.no_rope_layers?.[i] ?? ((i + 1) % (c.no_rope_layer_interval ?? 4) !== 0 ? 1 : 0);
      kind = rope ? 'chunked' : 'full';
    } else if (!isMla && window && c.use_sliding_window !== false) {
      // Mistral slides everywhere; Qwen2/3 (use_sliding_window: true) only from max_window_layers on
      // (transformers configuration_qwen2.py layer_types). Qwen configs mostly say false: no sliding.
      const from = c.use_sliding_window === true ? (c.max_window_layers ?? 0) : 0;
      kind = i >= from ? 'sliding' : 'full';
    }
    kinds.push(kind);
  }
  const moeSet = moeLayerSet(c);
  const defaultKv = c.num_key_value_heads ?? c.num_attention_heads;
  return kinds.map((kind, i): LayerSpec => {
    const block = c.block_configs?.[i];
    const attn = block?.attention;
    const ffn = block?.ffn;
    let attention = kind;
    let attentionWeights: LayerSpec['attentionWeights'] = 'attention';
    let kvHeads = defaultKv;
    if (attn?.no_op) {
      attention = 'none';
      attentionWeights = 'none';
      kvHeads = 0;
    } else if (attn?.replace_with_linear) {
      attention = 'none';
      attentionWeights = 'linear';
      kvHeads = 0;
    } else if (attn?.n_heads_in_group) {
      kvHeads = c.num_attention_heads / attn.n_heads_in_group;
    } else if (kind === 'none') {
      kvHeads = 0;
      attentionWeights = 'none';
    }
    let mlp: LayerSpec['mlp'] = moeSet.has(i) ? 'moe' : 'dense';
    let mlpWidth = c.intermediate_size_mlp ?? c.intermediate_size ?? 4 * c.hidden_size;
    if (ffn?.no_op) {
      mlp = 'none';
      mlpWidth = 0;
    } else if (ffn?.replace_with_linear) {
      mlp = 'linear';
      mlpWidth = 0;
    } else if (ffn?.ffn_mult) {
      mlpWidth = nasIntermediateSize(ffn.ffn_mult, c.hidden_size);
    }
    if (mlp === 'moe') mlpWidth = 0;
    return {
      attention,
      window:
        attention === 'sliding'
          ? window
          : attention === 'chunked'
            ? (c.attention_chunk_size ?? undefined)
            : undefined,
      kvHeads,
      attentionWeights,
      mlp,
      mlpWidth,
    };
  });
}

/**
 * DeciLM's FFN width from `ffn_mult`: `int(2 * ffn_mult * hidden / 3)` rounded up to a multiple
 * of 256 (`_ffn_mult_to_intermediate_size` in NVIDIA's modeling_decilm.py and vLLM's nemotron_nas.py).
 */
export function nasIntermediateSize(ffnMult: number, hidden: number): number {
  const size = Math.floor((2 * ffnMult * hidden) / 3);
  return Math.ceil(size / 256) * 256;
}

function expertCount(c: RawConfig): number | undefined {
  return c.num_local_experts ?? c.num_experts ?? c.n_routed_experts ?? undefined;
}

/** Layer indices whose MLP is a mixture of experts. */
function moeLayerSet(c: RawConfig): Set<number> {
  const experts = expertCount(c);
  const n = c.num_hidden_layers;
  const set = new Set<number>();
  if (experts === undefined || experts <= 1) return set;
  if (c.moe_layers) {
    for (const i of c.moe_layers) if (i < n) set.add(i);
    return set;
  }
  // Llama 4: every `interleave_moe_layer_step`-th layer, starting at step-1 (Maverick: odd layers).
  const step = c.interleave_moe_layer_step ?? c.decoder_sparse_step ?? 1;
  const dense = new Set(c.mlp_only_layers ?? []);
  const firstDense = c.first_k_dense_replace ?? 0;
  for (let i = 0; i < n; i++) {
    if (step === 0) break;
    if (i < firstDense || dense.has(i)) continue;
    // transformers: Qwen3-MoE `(i + 1) % decoder_sparse_step == 0`; Llama 4 `range(step - 1, n, step)`: the same set.
    if ((i + 1) % step === 0) set.add(i);
  }
  return set;
}

function moeConfig(c: RawConfig, layers: readonly LayerSpec[]): MoeConfig | undefined {
  const experts = expertCount(c);
  const moeLayers = layers.filter((l) => l.mlp === 'moe').length;
  if (experts === undefined || experts <= 1 || moeLayers === 0) return undefined;
  const expertWidth = c.moe_intermediate_size ?? c.intermediate_size ?? 4 * c.hidden_size;
  // Llama 4 always runs one shared expert of the expert width (transformers modeling_llama4.py
  // Llama4TextMoe.shared_expert), though config.json never says so.
  const llama4 = c.model_type === 'llama4_text' || c.model_type === 'llama4';
  const sharedExperts = c.n_shared_experts ?? (llama4 ? 1 : c.shared_expert_intermediate_size ? 1 : 0);
  const sharedIntermediateSize =
    c.shared_expert_intermediate_size ??
    (llama4 ? (c.intermediate_size ?? expertWidth) : sharedExperts * expertWidth);
  return {
    experts,
    expertsPerToken: c.num_experts_per_tok ?? 2,
    expertIntermediateSize: expertWidth,
    sharedExperts,
    sharedIntermediateSize,
    moeLayers,
    denseLayers: c.first_k_dense_replace ?? 0,
  };
}

type RawQuantization = z.infer<typeof quantizationSchema>;

/**
 * What the stored weights are: method, bits, groups and the modules left in the compute dtype.
 * compressed-tensors keeps its scheme under `config_groups.*.weights`.
 */
function quantizationConfig(q: RawQuantization | undefined): QuantizationConfig | undefined {
  if (!q) return undefined;
  const method = q.quant_method ?? (q.load_in_4bit || q.load_in_8bit ? 'bitsandbytes' : undefined);
  if (!method) return undefined;
  const groupWeights = Object.values(q.config_groups ?? {})
    .map((g) => g.weights)
    .find((w) => w != null);
  const groupSize = groupWeights?.group_size ?? q.group_size ?? q.q_group_size ?? undefined;
  const fp8 =
    method === 'fp8' ||
    method === 'fbgemm_fp8' ||
    (groupWeights?.type === 'float' && groupWeights.num_bits === 8);
  const bits =
    groupWeights?.num_bits ??
    q.bits ??
    q.w_bit ??
    (fp8 ? 8 : method === 'mxfp4' ? 4 : q.load_in_4bit ? 4 : q.load_in_8bit ? 8 : undefined);
  const blockStructure = groupWeights?.block_structure;
  const weightBlockSize =
    q.weight_block_size ?? (blockStructure && blockStructure.length === 2 ? blockStructure : undefined);
  return {
    method,
    weightBlockSize: weightBlockSize ? [weightBlockSize[0] ?? 1, weightBlockSize[1] ?? 1] : undefined,
    bits,
    groupSize: groupSize !== undefined && groupSize > 0 ? groupSize : undefined,
    // GPTQ stores qzeros even when symmetric; AWQ stores them unless zero_point is false;
    // compressed-tensors only for asymmetric schemes.
    zeroPoints:
      method === 'gptq' ||
      (method === 'awq' && q.zero_point !== false) ||
      (method === 'compressed-tensors' && groupWeights?.symmetric === false),
    unquantized: [...(q.modules_to_not_convert ?? []), ...(q.ignore ?? [])],
  };
}

export { knownModelTypes };
