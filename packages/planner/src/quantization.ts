import type { ModelConfig, QuantizationConfig } from './model-config';

/** The groups of weights whose storage differs: quantizers leave embeddings, norms and routers alone. */
export type WeightGroup =
  | 'embeddings'
  | 'lmHead'
  | 'attention'
  | 'denseMlp'
  | 'experts'
  | 'sharedExperts'
  | 'router'
  | 'norms';

export type ParameterBreakdown = Record<WeightGroup, number>;

/** A representative tensor name per group, matched against `modules_to_not_convert` / `ignore` patterns. */
const groupTensorNames: Record<WeightGroup, string[]> = {
  embeddings: ['model.embed_tokens', 'language_model.model.embed_tokens'],
  lmHead: ['lm_head', 'language_model.lm_head'],
  attention: ['model.layers.0.self_attn.q_proj', 'language_model.model.layers.0.self_attn.o_proj'],
  denseMlp: ['model.layers.0.mlp.down_proj', 'language_model.model.layers.0.feed_forward.down_proj'],
  experts: ['model.layers.1.mlp.experts', 'language_model.model.layers.1.feed_forward.experts'],
  sharedExperts: [
    'model.layers.1.mlp.shared_experts',
    'language_model.model.layers.1.feed_forward.shared_expert',
  ],
  router: [
    'model.layers.1.mlp.router',
    'model.layers.1.mlp.gate',
    'language_model.model.layers.1.feed_forward.router',
  ],
  norms: ['model.norm', 'model.layers.0.input_layernorm'],
};

/**
 * Whether one `modules_to_not_convert` / `ignore` entry covers a tensor name. Entries are module
 * names or prefixes (`lm_head`, `model.layers.*.self_attn`), globs, or `re:` regular expressions
 * (compressed-tensors).
 */
function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('re:')) {
    try {
      return new RegExp(pattern.slice(3)).test(name);
    } catch {
      return false;
    }
  }
  if (pattern.includes('*')) {
    const glob = new RegExp(
      `^${pattern
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}`,
    );
    return glob.test(name);
  }
  // A bare module name (`self_attn`, `lm_head`) matches any tensor under a module of that name.
  return (
    name === pattern ||
    name.startsWith(`${pattern}.`) ||
    name.split('.').includes(pattern) ||
    name.includes(`.${pattern}`)
  );
}

function leftUnquantized(q: QuantizationConfig, group: WeightGroup): boolean {
  return groupTensorNames[group].some((name) => q.unquantized.some((p) => patternMatches(p, name)));
}

/**
 * Stored bytes per parameter of one weight group under a quantization method (scales and zero
 * points included); `computeBytes` for what the method leaves in the compute dtype. Sources:
 * MXFP4 = 4-bit values + one E8M0 scale per 32 (OCP MX spec; gpt-oss `*_blocks`/`*_scales`
 * tensors); FP8 = 1 byte + one fp32 scale per `weight_block_size` block (DeepSeek-V3, Qwen3-FP8);
 * fbgemm_fp8 = 1 byte + one fp32 scale per output row; AWQ/GPTQ/compressed-tensors int = bits/8
 * + one fp16 scale (and a packed zero point) per `group_size` inputs.
 */
export function bytesPerParameter(
  group: WeightGroup,
  q: QuantizationConfig | undefined,
  computeBytes: number,
  hiddenSize: number,
): number {
  if (q === undefined) return computeBytes;
  // Embeddings, norms and routers stay in the compute dtype in every method vLLM loads.
  if (group === 'embeddings' || group === 'norms' || group === 'router') return computeBytes;
  // lm_head is quantized only when a method says so (GPTQ lm_head=true); all fixtures keep it.
  if (group === 'lmHead') return computeBytes;
  if (leftUnquantized(q, group)) return computeBytes;
  const method = q.method.toLowerCase();
  if (method === 'mxfp4') return group === 'experts' ? 4.25 / 8 : computeBytes;
  if (method === 'fp8') {
    const [bn, bk] = q.weightBlockSize ?? [hiddenSize, hiddenSize];
    return 1 + 4 / (bn * bk);
  }
  if (method === 'fbgemm_fp8') return 1 + 4 / hiddenSize;
  if (method === 'bitsandbytes') return (q.bits ?? 4) / 8 + 4 / 64;
  const bits = q.bits ?? 16;
  if (bits >= 16) return computeBytes;
  if (bits === 8 && /float|fp8/.test(method)) return 1 + 4 / hiddenSize;
  const group_ = q.groupSize ?? hiddenSize;
  return bits / 8 + 2 / group_ + (q.zeroPoints ? bits / 8 / group_ : 0);
}

/** Parameters per weight group from the architecture (see `estimateParameters`). */
export function parameterBreakdown(config: ModelConfig): ParameterBreakdown {
  const h = config.hiddenSize;
  const b: ParameterBreakdown = {
    embeddings: config.vocabSize * h,
    lmHead: config.tiedEmbeddings ? 0 : config.vocabSize * h,
    attention: 0,
    denseMlp: 0,
    experts: 0,
    sharedExperts: 0,
    router: 0,
    norms: h,
  };
  const qDim = config.attentionHeads * config.headDim;
  for (const layer of config.layerSpecs) {
    b.norms += 2 * h;
    if (layer.attentionWeights === 'linear') b.attention += h * h;
    else if (layer.attentionWeights === 'attention') {
      if (config.mla) {
        const m = config.mla;
        const qHead = m.qkNopeHeadDim + m.qkRopeHeadDim;
        const q = m.qLoraRank
          ? h * m.qLoraRank + m.qLoraRank * config.attentionHeads * qHead
          : h * config.attentionHeads * qHead;
        const kv =
          h * (m.kvLoraRank + m.qkRopeHeadDim) +
          m.kvLoraRank * config.attentionHeads * (m.qkNopeHeadDim + m.vHeadDim);
        b.attention += q + kv + config.attentionHeads * m.vHeadDim * h;
      } else {
        b.attention += 2 * h * qDim + 2 * h * layer.kvHeads * config.headDim;
      }
    }
    if (layer.mlp === 'dense') b.denseMlp += 3 * h * layer.mlpWidth;
    else if (layer.mlp === 'linear') b.denseMlp += h * h;
    else if (layer.mlp === 'moe' && config.moe) {
      const moe = config.moe;
      b.experts += moe.experts * 3 * h * moe.expertIntermediateSize;
      b.sharedExperts += 3 * h * moe.sharedIntermediateSize;
      b.router += h * moe.experts;
    }
  }
  return b;
}

export function sumBreakdown(b: ParameterBreakdown): number {
  return Object.values(b).reduce((sum, n) => sum + n, 0);
}

/** Stored bytes of every weight group, each at its own width. */
export function estimatedWeightBytes(config: ModelConfig, computeBytes: number): number {
  const b = parameterBreakdown(config);
  let total = 0;
  for (const [group, count] of Object.entries(b) as [WeightGroup, number][]) {
    total += count * bytesPerParameter(group, config.quantization, computeBytes, config.hiddenSize);
  }
  return Math.round(total);
}
