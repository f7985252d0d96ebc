/**
 * Per-`model_type` facts that a `config.json` leaves implicit: the defaults transformers fills in
 * when a field is missing, and the layer layout its config class derives (which layers slide,
 * which are MoE). Each entry names the transformers file it was read from.
 */

/**
 * Defaults of the config classes whose real checkpoints rely on them. Only fields the planner
 * reads; a field absent here and in the config is an error (transformers would fail too, or the
 * model type is one we do not know).
 */
export const transformersDefaults: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  // huggingface/transformers src/transformers/models/gemma3/configuration_gemma3.py, Gemma3TextConfig.__init__
  // (read at commit 008f5c8c29be): google/gemma-3-27b-it's text_config omits vocab_size and
  // max_position_embeddings; gemma-3-4b/12b also omit num_attention_heads.
  gemma3_text: {
    vocab_size: 262_208,
    hidden_size: 2304,
    intermediate_size: 9216,
    num_hidden_layers: 26,
    num_attention_heads: 8,
    num_key_value_heads: 4,
    head_dim: 256,
    max_position_embeddings: 131_072,
    tie_word_embeddings: true,
    sliding_window: 4096,
    sliding_window_pattern: 6,
  },
  // src/transformers/models/llama4/configuration_llama4.py, Llama4TextConfig (commit 008e574391258).
  llama4_text: {
    vocab_size: 202_048,
    hidden_size: 5120,
    intermediate_size: 8192,
    intermediate_size_mlp: 16_384,
    num_hidden_layers: 48,
    num_attention_heads: 40,
    num_key_value_heads: 8,
    head_dim: 128,
    max_position_embeddings: 4096 * 32,
    tie_word_embeddings: false,
    num_experts_per_tok: 1,
    num_local_experts: 16,
    interleave_moe_layer_step: 1,
    no_rope_layer_interval: 4,
    attention_chunk_size: 8192,
  },
  // src/transformers/models/gpt_oss/configuration_gpt_oss.py, GptOssConfig (commit 02b8f42b4240).
  gpt_oss: {
    num_hidden_layers: 36,
    num_local_experts: 128,
    vocab_size: 201_088,
    hidden_size: 2880,
    intermediate_size: 2880,
    head_dim: 64,
    num_attention_heads: 64,
    num_key_value_heads: 8,
    sliding_window: 128,
    tie_word_embeddings: false,
    max_position_embeddings: 131_072,
    num_experts_per_tok: 4,
  },
};

/** A composite (vision + text) config's `model_type` → its text sub-config's type, when the text_config omits it. */
export const textModelTypeOf: Readonly<Record<string, string>> = {
  gemma3: 'gemma3_text',
  llama4: 'llama4_text',
};

/** Architectures that vLLM serves with our memory model; others get a warning. */
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
  'kimi_k2',
  'gemma',
  'gemma2',
  'gemma3',
  'gemma3_text',
  'phi3',
  'olmo2',
  'gpt_oss',
  'glm4_moe',
  'llama4',
  'llama4_text',
  'nemotron-nas',
];

/**
 * Architecture class names vLLM registers (vllm-project/vllm vllm/model_executor/models/registry.py
 * at commit 0002bff0b6cb, `_TEXT_GENERATION_MODELS` / `_MULTIMODAL_MODELS`; a selection of the
 * text-generation ones): a model type we do not know but whose
 * `architectures[0]` is here is served by vLLM, so we only note that our estimate is generic.
 */
export const vllmArchitectures: readonly string[] = [
  'LlamaForCausalLM',
  'MistralForCausalLM',
  'MixtralForCausalLM',
  'Qwen2ForCausalLM',
  'Qwen2MoeForCausalLM',
  'Qwen3ForCausalLM',
  'Qwen3MoeForCausalLM',
  'DeepseekV2ForCausalLM',
  'DeepseekV3ForCausalLM',
  'GemmaForCausalLM',
  'Gemma2ForCausalLM',
  'Gemma3ForCausalLM',
  'Gemma3ForConditionalGeneration',
  'Phi3ForCausalLM',
  'Olmo2ForCausalLM',
  'GptOssForCausalLM',
  'Glm4MoeForCausalLM',
  'Glm4ForCausalLM',
  'Llama4ForCausalLM',
  'Llama4ForConditionalGeneration',
  'DeciLMForCausalLM',
  'GraniteForCausalLM',
  'GraniteMoeForCausalLM',
  'Starcoder2ForCausalLM',
  'InternLM2ForCausalLM',
  'CohereForCausalLM',
  'Cohere2ForCausalLM',
  'ExaoneForCausalLM',
  'MiniCPMForCausalLM',
  'OlmoForCausalLM',
  'OlmoeForCausalLM',
  'PhiForCausalLM',
  'PhiMoEForCausalLM',
  'Ernie4_5_MoeForCausalLM',
  'HunYuanMoEV1ForCausalLM',
  'MiniMaxM1ForCausalLM',
  'SeedOssForCausalLM',
  'Exaone4ForCausalLM',
  'GlmForCausalLM',
  'Qwen3NextForCausalLM',
  'MiniMaxM2ForCausalLM',
  'NemotronForCausalLM',
  'NemotronHForCausalLM',
  'DeepseekV32ForCausalLM',
  'DeepseekForCausalLM',
  'Dots1ForCausalLM',
  'Step3TextForCausalLM',
  'Olmo3ForCausalLM',
  'Lfm2ForCausalLM',
  'Lfm2MoeForCausalLM',
  'KimiLinearForCausalLM',
  'Gemma3nForCausalLM',
  'Mistral3ForConditionalGeneration',
  'KimiVLForConditionalGeneration',
  'Glm4vMoeForConditionalGeneration',
  'InternVLChatModel',
  'BailingMoeV2ForCausalLM',
  'LongcatFlashForCausalLM',
];
