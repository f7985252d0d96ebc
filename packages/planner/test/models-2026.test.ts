import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  buildLightevalArgs,
  buildModelFacts,
  candidateLayouts,
  estimatedWeights,
  estimateParameters,
  getBenchmark,
  getGpuType,
  kvBytesPerSequencePerGpu,
  kvBytesPerTokenPerGpu,
  loadModelFacts,
  type ModelConfig,
  memoryModel,
  memoryPerGpu,
  PlanError,
  parseModelConfig,
  planEvaluation,
  stageLayerRanges,
  tensorParallelProblem,
  weightsFromCounts,
} from '../src/index';
import { estimatedFixtureFacts, fixtureModels2026, readFixtureJson, scratchModelsDir } from './fixtures';

const GiB = 1024 ** 3;

const models2026 = fixtureModels2026;

interface Reference {
  parameters: number;
  checkpointGiB?: number;
}

function config(id: string): ModelConfig {
  return parseModelConfig(readFixtureJson(id, 'config.json'), `${id}/config.json`);
}

const estimatedFacts = estimatedFixtureFacts;

const h100 = getGpuType('h100').memoryGiB;
const a100x40 = getGpuType('a100-40').memoryGiB;

describe.each(models2026)('%s (real config.json)', (id) => {
  const reference = readFixtureJson(id, 'reference.json') as Reference;

  it('is read without an unknown-architecture warning', () => {
    const facts = estimatedFacts(id);
    expect(facts.warnings.filter((w) => /unknown architecture|no specific rules/.test(w))).toEqual([]);
  });

  it('estimates the parameter count within 10% of the real one', () => {
    const ratio = estimateParameters(config(id)) / reference.parameters;
    expect(ratio).toBeGreaterThan(0.9);
    expect(ratio).toBeLessThan(1.1);
  });

  it('estimates the stored weight bytes within 10% of the checkpoint (or of 2 bytes per parameter for bf16)', () => {
    const c = config(id);
    const expectedGiB =
      reference.checkpointGiB ?? (c.quantization ? undefined : (reference.parameters * 2) / GiB);
    const estimate = estimatedWeights(c).weightBytes / GiB;
    if (expectedGiB === undefined) {
      // FP8 checkpoints: between 1 byte per parameter and the bf16 size.
      expect(estimate).toBeGreaterThan(reference.parameters / GiB);
      expect(estimate).toBeLessThan((reference.parameters * 2) / GiB);
      return;
    }
    expect(estimate / expectedGiB).toBeGreaterThan(0.9);
    expect(estimate / expectedGiB).toBeLessThan(1.1);
  });

  for (const [label, gpuMemoryGiB] of [
    ['8×H100', h100],
    ['8×A100-40GB', a100x40],
  ] as const) {
    // "Smaller" among the layouts that fill a node evenly (1, 2, 4, 8 GPUs, then whole nodes): a
    // 3-GPU TP 1 × PP 3 replica would leave 2 of 8 GPUs idle, so the planner prefers TP 4 there.
    it(`on ${label} (up to 4 nodes): a layout vLLM accepts, ≥ 4 full sequences, and no smaller layout would do`, () => {
      const facts = estimatedFacts(id);
      const cluster = { gpusPerNode: 8, gpuMemoryGiB, maxNodes: 4 };
      const plan = planEvaluation({ facts, cluster });
      const job = plan.jobs[0];
      if (!job) throw new Error('no job');
      expect(tensorParallelProblem(facts.config, job.tensorParallel, 8)).toBeUndefined();
      expect(job.concurrentSequences).toBeGreaterThanOrEqual(memoryModel.minConcurrentSequences);
      const gpus = job.tensorParallel * job.pipelineParallel;
      for (const layout of candidateLayouts(facts.config, 8, 4)) {
        const size = layout.tensorParallel * layout.pipelineParallel;
        if (size >= gpus || (size < 8 ? 8 % size !== 0 : size % 8 !== 0)) continue;
        const m = memoryPerGpu(facts.config, facts.weightBytes, layout, job.maxModelLength, {
          gpuMemoryGiB,
          gpuMemoryUtilization: 0.9,
          computeBytes: 2,
        });
        expect(
          m.concurrentSequences,
          `TP ${layout.tensorParallel} × PP ${layout.pipelineParallel}`,
        ).toBeLessThan(4);
      }
      expect(job.maxNumSeqs).toBeGreaterThanOrEqual(1);
      expect(job.maxNumSeqs).toBeLessThanOrEqual(memoryModel.samplerSequences);
      expect(job.lightevalModelArgs).toContain(`max_num_seqs=${job.maxNumSeqs}`);
    });
  }
});

describe('config reading like transformers', () => {
  it('plans gemma-3-27b-it from a local checkpoint directory (it used to exit 2: "vocab_size: expected number")', async () => {
    const dir = scratchModelsDir({ gemma: 'google/gemma-3-27b-it' });
    const facts = await loadModelFacts({ model: join(dir, 'gemma') });
    expect(facts.config.vocabSize).toBe(262_208);
    expect(
      planEvaluation({ facts, cluster: { gpusPerNode: 8, gpuMemoryGiB: h100, maxNodes: 1 } }).jobs,
    ).toHaveLength(1);
  });

  it('fills the Gemma 3 text_config from Gemma3TextConfig defaults (vocab, positions) and keeps the top-level dtype', () => {
    const c = config('google/gemma-3-27b-it');
    expect(c.vocabSize).toBe(262_208);
    expect(c.maxPositions).toBe(131_072);
    expect(c.tiedEmbeddings).toBe(true);
    expect(c.dtype).toBe('bfloat16');
    expect(c.architecture).toBe('Gemma3ForConditionalGeneration');
    // sliding_window_pattern 6: five sliding layers, then one global, over 62 layers.
    expect(c.layerSpecs.filter((l) => l.attention === 'full')).toHaveLength(10);
    expect(c.layerSpecs.filter((l) => l.attention === 'sliding' && l.window === 1024)).toHaveLength(52);
  });

  it('takes num_attention_heads from the defaults when a smaller Gemma 3 leaves it out', () => {
    const c = parseModelConfig({
      model_type: 'gemma3',
      text_config: {
        hidden_size: 2560,
        intermediate_size: 10240,
        model_type: 'gemma3_text',
        num_hidden_layers: 34,
        sliding_window: 1024,
      },
    });
    expect(c.attentionHeads).toBe(8);
    expect(c.kvHeads).toBe(4);
    expect(c.headDim).toBe(256);
  });

  it('names the missing field only when no transformers default exists', () => {
    expect(() =>
      parseModelConfig({
        model_type: 'mystery',
        num_hidden_layers: 2,
        num_attention_heads: 2,
        hidden_size: 8,
      }),
    ).toThrow(/vocab_size/);
  });

  it('keeps a top-level quantization_config and torch_dtype when the model nests text_config', () => {
    const raw = readFixtureJson('meta-llama/Llama-4-Scout-17B-16E-Instruct', 'config.json') as Record<
      string,
      unknown
    >;
    const c = parseModelConfig({
      ...raw,
      torch_dtype: 'float16',
      quantization_config: {
        quant_method: 'fbgemm_fp8',
        modules_to_not_convert: ['language_model.model.layers.0.self_attn'],
      },
      text_config: { ...(raw.text_config as Record<string, unknown>), torch_dtype: undefined },
    });
    expect(c.quantization?.method).toBe('fbgemm_fp8');
    expect(c.dtype).toBe('float16');
  });

  it('reads NAS block_configs: 31 of Nemotron-Super’s 80 layers have no attention, the rest 8 KV heads', () => {
    const c = config('nvidia/Llama-3_3-Nemotron-Super-49B-v1');
    expect(c.layerSpecs.filter((l) => l.attention === 'none')).toHaveLength(31);
    expect(c.kvHeads).toBe(8);
    // KV only for the 49 attention layers.
    const perToken = kvBytesPerTokenPerGpu(c, { tensorParallel: 1, pipelineParallel: 1, nodes: 1 });
    expect(perToken).toBe(49 * 2 * 8 * 128 * 2);
  });

  it('reads Llama 4 Maverick as 24 MoE layers of 128 experts + a shared expert, and 24 dense layers', () => {
    const c = config('meta-llama/Llama-4-Maverick-17B-128E-Instruct');
    expect(c.moe).toMatchObject({
      experts: 128,
      moeLayers: 24,
      sharedExperts: 1,
      sharedIntermediateSize: 8192,
    });
    expect(c.layerSpecs.filter((l) => l.mlp === 'dense' && l.mlpWidth === 16_384)).toHaveLength(24);
    expect(c.layerSpecs.filter((l) => l.attention === 'chunked' && l.window === 8192)).toHaveLength(36);
  });

  it('warns about an architecture it has no rules for, saying whether vLLM’s registry lists it', () => {
    const base = { num_hidden_layers: 2, num_attention_heads: 2, hidden_size: 8, vocab_size: 64 };
    const served = parseModelConfig({
      ...base,
      model_type: 'granite',
      architectures: ['GraniteForCausalLM'],
    });
    const unknown = parseModelConfig({
      ...base,
      model_type: 'mystery',
      architectures: ['MysteryForCausalLM'],
    });
    const warn = (c: ModelConfig) =>
      buildModelFacts(
        { id: 'x/y', revision: undefined, source: 'hub' },
        c,
        estimatedWeights(c),
      ).warnings.join(' ');
    expect(warn(served)).toMatch(/served by vLLM/);
    expect(warn(unknown)).toMatch(/registry does not list 'MysteryForCausalLM'/);
  });
});

describe('bytes per parameter', () => {
  it('counts FP8 linear layers at 1 byte but the embeddings and lm_head at 2', () => {
    const fp8 = estimatedWeights(config('Qwen/Qwen3-8B-FP8')).weightBytes;
    const c = config('Qwen/Qwen3-8B-FP8');
    const embeddings = 2 * c.vocabSize * c.hiddenSize;
    const linear = estimateParameters(c) - embeddings;
    expect(fp8 / (linear + 2 * embeddings)).toBeGreaterThan(0.99);
    expect(fp8 / (linear + 2 * embeddings)).toBeLessThan(1.01);
  });

  it('counts MXFP4 experts at 4.25 bits and everything else of gpt-oss in bf16', () => {
    const c = config('openai/gpt-oss-120b');
    expect(estimatedWeights(c).weightBytes / GiB).toBeGreaterThan(59);
    expect(estimatedWeights(c).weightBytes / GiB).toBeLessThan(62);
  });

  it('reads fbgemm_fp8 and compressed-tensors bits instead of assuming 2 bytes', () => {
    const raw = readFixtureJson('microsoft/phi-4', 'config.json') as Record<string, unknown>;
    const bf16 = estimatedWeights(parseModelConfig(raw)).weightBytes;
    const fbgemm = estimatedWeights(
      parseModelConfig({ ...raw, quantization_config: { quant_method: 'fbgemm_fp8' } }),
    ).weightBytes;
    const w4a16 = estimatedWeights(
      parseModelConfig({
        ...raw,
        quantization_config: {
          quant_method: 'compressed-tensors',
          config_groups: {
            group_0: { weights: { num_bits: 4, type: 'int', group_size: 128, symmetric: true } },
          },
          ignore: ['lm_head'],
        },
      }),
    ).weightBytes;
    expect(fbgemm / bf16).toBeLessThan(0.6);
    expect(w4a16 / bf16).toBeLessThan(0.35);
    expect(w4a16).toBeLessThan(fbgemm);
  });

  it('keeps the stored bytes of packed counts exact but counts the weights from the architecture', () => {
    // Illustrative per-dtype counts in the Hub API's shape for an AWQ checkpoint (I32-packed 4-bit weights).
    const c = config('Qwen/Qwen2.5-32B-Instruct-AWQ');
    const w = weightsFromCounts(c, { I32: 3_900_000_000, F16: 1_800_000_000 }, 'safetensors-api');
    expect(w.weightBytes).toBe(3_900_000_000 * 4 + 1_800_000_000 * 2);
    expect(w.parameters).toBe(estimateParameters(c));
  });

  it('refuses a TP size that would split an AWQ group across GPUs', () => {
    const raw = readFixtureJson('Qwen/Qwen2.5-32B-Instruct-AWQ', 'config.json') as Record<string, unknown>;
    const g128 = parseModelConfig(raw);
    expect(tensorParallelProblem(g128, 8, 8)).toBeUndefined();
    const g256 = parseModelConfig({
      ...raw,
      quantization_config: { ...(raw.quantization_config as object), group_size: 256 },
    });
    expect(tensorParallelProblem(g256, 8, 8)).toMatch(/256-input quantization groups/);
  });

  it('adds the MXFP4 kernels’ padding of the expert width (2880 → 3072 at TP 1) as vLLM logs it', () => {
    const c = config('openai/gpt-oss-120b');
    const m = memoryPerGpu(
      c,
      estimatedWeights(c).weightBytes,
      { tensorParallel: 1, pipelineParallel: 1, nodes: 1 },
      8192,
      {
        gpuMemoryGiB: h100,
        gpuMemoryUtilization: 0.9,
        computeBytes: 2,
      },
    );
    // vllm-project/vllm#33155: "Model loading took 64.38 GiB" on one H100.
    expect(m.weightsGiB).toBeGreaterThan(64.38 * 0.98);
    expect(m.weightsGiB).toBeLessThan(64.38 * 1.02);
  });
});

describe('KV cache per layer type', () => {
  const tp1 = { tensorParallel: 1, pipelineParallel: 1, nodes: 1 };
  const tokens = 33_792;

  it('keeps only the window for Gemma 3’s sliding layers: about 5× less than all-full', () => {
    const c = config('google/gemma-3-27b-it');
    const full = kvBytesPerTokenPerGpu(c, tp1) * tokens;
    expect(full / kvBytesPerSequencePerGpu(c, tp1, tokens)).toBeGreaterThan(4);
  });

  it('halves gpt-oss and Llama 4 (half their layers slide or chunk)', () => {
    for (const id of ['openai/gpt-oss-120b', 'meta-llama/Llama-4-Scout-17B-16E-Instruct']) {
      const c = config(id);
      const ratio = (kvBytesPerTokenPerGpu(c, tp1) * tokens) / kvBytesPerSequencePerGpu(c, tp1, tokens);
      expect(ratio, id).toBeGreaterThan(1.3);
    }
  });

  it('caches one MLA latent per layer for DeepSeek-V3, the same on every TP rank', () => {
    const c = config('deepseek-ai/DeepSeek-V3');
    const perToken = 61 * (512 + 64) * 2;
    expect(kvBytesPerTokenPerGpu(c, tp1)).toBe(perToken);
    expect(kvBytesPerTokenPerGpu(c, { tensorParallel: 8, pipelineParallel: 1, nodes: 1 })).toBe(perToken);
  });

  it('never keeps more tokens than the sequence has, even in a sliding layer', () => {
    const c = config('openai/gpt-oss-20b');
    expect(kvBytesPerSequencePerGpu(c, tp1, 100)).toBe(kvBytesPerTokenPerGpu(c, tp1) * 100);
  });
});

describe('GPU types', () => {
  it('gives the memory the device reports, not the marketed size', () => {
    expect(getGpuType('H100').memoryGiB).toBeLessThan(80);
    expect(getGpuType('h200').memoryGiB).toBeCloseTo(139.8, 1);
    expect(getGpuType('a100-40').memoryGiB).toBeLessThan(40);
  });

  it('names the known types when given an unknown one', () => {
    expect(() => getGpuType('tpu-v5')).toThrow(PlanError);
    try {
      getGpuType('tpu-v5');
    } catch (error) {
      expect((error as PlanError).hint).toMatch(/h100.*gpu-memory-gib/);
    }
  });
});

describe('throughput settings', () => {
  it('passes max_num_seqs and max_num_batched_tokens to LightEval ≥ 0.9 only (VLLMModelConfig lacks them at 0.8)', () => {
    const base = {
      model: 'org/model',
      dtype: 'bfloat16',
      tensorParallel: 1,
      pipelineParallel: 1,
      dataParallel: 1,
      maxModelLength: 33_792,
      gpuMemoryUtilization: 0.9,
      maxNewTokens: 32_768,
      temperature: 0.6,
      topP: 0.95,
      benchmarks: [getBenchmark('aime24')],
      outputDir: 'out',
      maxNumSeqs: 200,
      maxNumBatchedTokens: 8192,
    };
    expect(buildLightevalArgs({ ...base, lightevalVersion: '0.13.0' }).modelArgs).toContain(
      'max_num_seqs=200,max_num_batched_tokens=8192',
    );
    expect(buildLightevalArgs({ ...base, lightevalVersion: '0.8.0' }).modelArgs).not.toContain(
      'max_num_seqs',
    );
  });

  it('raises max_num_seqs above LightEval’s 128 when the KV cache holds more, and explains it', () => {
    const plan = planEvaluation({
      facts: estimatedFacts('openai/gpt-oss-20b'),
      cluster: { gpusPerNode: 8, gpuMemoryGiB: getGpuType('h200').memoryGiB, maxNodes: 1 },
    });
    const job = plan.jobs[0];
    expect(job?.maxNumSeqs).toBeGreaterThan(128);
    expect(job?.maxNumBatchedTokens).toBeGreaterThanOrEqual(job?.maxNumSeqs ?? 0);
    expect(job?.reasons.some((r) => r.startsWith('max_num_seqs'))).toBe(true);
  });
});

describe('layer bookkeeping', () => {
  it('splits pipeline stages as vLLM does: the remainder goes to the stages before the last', () => {
    expect(stageLayerRanges(61, 2)).toEqual([
      [0, 31],
      [31, 61],
    ]);
    expect(stageLayerRanges(62, 4)).toEqual([
      [0, 15],
      [15, 31],
      [31, 47],
      [47, 62],
    ]);
  });

  it('reads an llm_config (InternVL-style) like a text_config', () => {
    const c = parseModelConfig({
      architectures: ['InternVLChatModel'],
      torch_dtype: 'bfloat16',
      llm_config: {
        model_type: 'qwen2',
        num_hidden_layers: 2,
        num_attention_heads: 4,
        hidden_size: 64,
        vocab_size: 128,
      },
    });
    expect(c.layers).toBe(2);
    expect(c.architecture).toBe('InternVLChatModel');
  });

  it('slides Qwen layers only when use_sliding_window is on, from max_window_layers', () => {
    const base = {
      model_type: 'qwen2',
      num_hidden_layers: 4,
      num_attention_heads: 4,
      hidden_size: 64,
      vocab_size: 128,
      sliding_window: 32,
      max_window_layers: 2,
    };
    expect(
      parseModelConfig({ ...base, use_sliding_window: false }).layerSpecs.map((l) => l.attention),
    ).toEqual(['full', 'full', 'full', 'full']);
    expect(
      parseModelConfig({ ...base, use_sliding_window: true }).layerSpecs.map((l) => l.attention),
    ).toEqual(['full', 'full', 'sliding', 'sliding']);
  });
});
