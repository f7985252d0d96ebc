import { mkdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureSha, type HubEmulator, startHubEmulator } from '../../../test/emulators/hub';
import { estimateParameters, loadModelFacts, ModelFactsError, parseModelConfig } from '../src/index';
import { modelsDir, readFixtureJson, scratchModelsDir, writeJson } from './fixtures';

const TOKEN = 'hf_readertoken';

async function rejection(promise: Promise<unknown>): Promise<ModelFactsError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelFactsError);
  return error as ModelFactsError;
}

/**
 * The start of a safetensors file: 8-byte little-endian header length, then the JSON header, for
 * 1000 × 4096 BF16 and 4096 F32 parameters (4,100,096 in all).
 */
function safetensorsHeader(): Buffer {
  const header = Buffer.from(
    JSON.stringify({
      __metadata__: { format: 'pt' },
      'a.weight': { dtype: 'BF16', shape: [1000, 4096], data_offsets: [0, 8192000] },
      'b.weight': { dtype: 'F32', shape: [4096], data_offsets: [8192000, 8208384] },
    }),
  );
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([length, header]);
}

/** A whole safetensors file: the header, then the tensor bytes. */
function safetensorsFile(): Buffer {
  return Buffer.concat([safetensorsHeader(), Buffer.alloc(8208384)]);
}

describe('loadModelFacts from the Hub (emulated)', () => {
  let hub: HubEmulator;
  let dir: string;
  beforeAll(async () => {
    dir = scratchModelsDir({
      'org/gated': 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
      'org/index-only': 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
      'org/config-only': 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
      'org/broken': 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
      'org/headers-only': 'Qwen/Qwen3-8B',
    });
    writeJson(join(dir, 'org/headers-only/model-info.json'), { id: 'org/headers-only' });
    unlinkSync(join(dir, 'org/headers-only/model.safetensors.index.json'));
    writeFileSync(join(dir, 'org/headers-only/model.safetensors'), safetensorsFile());
    writeJson(join(dir, 'org/gated/model-info.json'), {
      ...(readFixtureJson('deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', 'model-info.json') as object),
      gated: 'auto',
    });
    writeJson(join(dir, 'org/index-only/model-info.json'), { id: 'org/index-only' });
    writeJson(join(dir, 'org/config-only/model-info.json'), { id: 'org/config-only' });
    unlinkSync(join(dir, 'org/config-only/model.safetensors.index.json'));
    writeFileSync(join(dir, 'org/broken/config.json'), '{"num_hidden_layers": 4,');
    hub = await startHubEmulator({ modelsDir: dir, token: TOKEN });
    // The fixtures themselves, served read-only, for the plain cases.
  });
  afterAll(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads config.json and the safetensors counts from the model API', async () => {
    const fixtures = await startHubEmulator({ modelsDir });
    try {
      const facts = await loadModelFacts({
        model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-32B',
        hubEndpoint: fixtures.url,
        token: undefined,
      });
      expect(facts).toMatchObject({
        source: 'hub',
        parameters: 32763876352,
        parameterSource: 'safetensors-api',
        weightBytes: 32763876352 * 2,
        revision: fixtureSha('deepseek-ai/DeepSeek-R1-Distill-Qwen-32B'),
      });
      expect(facts.config).toMatchObject({ layers: 64, attentionHeads: 40, kvHeads: 8, headDim: 128 });
      // The file itself was downloaded (range probe, then the body), not the API's config projection.
      expect(fixtures.requests.map((r) => r.path)).toContain(
        '/deepseek-ai/DeepSeek-R1-Distill-Qwen-32B/resolve/main/config.json',
      );
    } finally {
      await fixtures.close();
    }
  });

  it('falls back to model.safetensors.index.json total_size when the API has no safetensors', async () => {
    const facts = await loadModelFacts({ model: 'org/index-only', hubEndpoint: hub.url, token: undefined });
    expect(facts.parameterSource).toBe('safetensors-index');
    expect(facts.weightBytes).toBe(15231233024);
    expect(facts.parameters).toBe(15231233024 / 2);
    expect(facts.warnings.join(' ')).not.toMatch(/ESTIMATE/);
  });

  it('counts parameters from the safetensors headers by range request when there is no index', async () => {
    const facts = await loadModelFacts({ model: 'org/headers-only', hubEndpoint: hub.url, token: undefined });
    expect(facts.parameterSource).toBe('safetensors-header');
    expect(facts.parametersByDtype).toEqual({ BF16: 4_096_000, F32: 4096 });
    // Only the header was read: the emulator saw ranged reads of model.safetensors, never a full download.
    const reads = hub.requests.filter(
      (r) => r.path.includes('/org/headers-only/resolve/') && r.path.endsWith('model.safetensors'),
    );
    expect(reads.length).toBeGreaterThan(0);
  });

  it('estimates from the architecture as a last resort, and says so', async () => {
    const facts = await loadModelFacts({ model: 'org/config-only', hubEndpoint: hub.url, token: undefined });
    expect(facts.parameterSource).toBe('estimate');
    expect(facts.parameters).toBe(estimateParameters(facts.config));
    expect(facts.warnings.join(' ')).toMatch(/ESTIMATE/);
  });

  it('names HF_TOKEN when a gated repo is read without a token', async () => {
    const error = await rejection(
      loadModelFacts({ model: 'org/gated', hubEndpoint: hub.url, token: undefined }),
    );
    expect(error.message).toMatch(/no access to org\/gated .*HTTP 401/);
    expect(error.hint).toMatch(/Set HF_TOKEN/);
  });

  it('reads a gated repo with the token, and explains a token that does not grant access', async () => {
    const facts = await loadModelFacts({ model: 'org/gated', hubEndpoint: hub.url, token: TOKEN });
    expect(facts.parameterSource).toBe('safetensors-api');
    const error = await rejection(
      loadModelFacts({ model: 'org/gated', hubEndpoint: hub.url, token: 'hf_other' }),
    );
    expect(error.hint).toMatch(/HF_TOKEN was sent but does not grant access/);
  });

  it('reports a missing repository and a bad revision clearly', async () => {
    const missing = await rejection(
      loadModelFacts({ model: 'org/absent', hubEndpoint: hub.url, token: TOKEN }),
    );
    expect(missing.message).toMatch(/org\/absent was not found .*404/);
    const revision = await rejection(
      loadModelFacts({ model: 'org/index-only', revision: 'v9', hubEndpoint: hub.url, token: undefined }),
    );
    expect(revision.message).toMatch(/revision 'v9'/);
  });

  it('rejects a malformed config.json with the file named', async () => {
    const error = await rejection(
      loadModelFacts({ model: 'org/broken', hubEndpoint: hub.url, token: undefined }),
    );
    expect(error.message).toMatch(/org\/broken\/config.json is not valid JSON/);
  });

  it('uses HF_ENDPOINT and HF_TOKEN from the environment when not passed', async () => {
    const saved = { endpoint: process.env.HF_ENDPOINT, token: process.env.HF_TOKEN };
    process.env.HF_ENDPOINT = hub.url;
    process.env.HF_TOKEN = TOKEN;
    try {
      const facts = await loadModelFacts({ model: 'org/gated' });
      expect(facts.parameters).toBe(7615616512);
    } finally {
      if (saved.endpoint === undefined) delete process.env.HF_ENDPOINT;
      else process.env.HF_ENDPOINT = saved.endpoint;
      if (saved.token === undefined) delete process.env.HF_TOKEN;
      else process.env.HF_TOKEN = saved.token;
    }
  });

  it('goes through an injected fetch', async () => {
    const seen: string[] = [];
    const spyFetch: typeof fetch = (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    await loadModelFacts({
      model: 'org/index-only',
      hubEndpoint: hub.url,
      token: undefined,
      fetch: spyFetch,
    });
    expect(seen.some((url) => url.includes('/api/models/org/index-only/revision/HEAD?'))).toBe(true);
  });
});

describe('loadModelFacts from a local directory', () => {
  it('reads config.json and the index total_size of a checkpoint directory', async () => {
    const facts = await loadModelFacts({ model: './Qwen/Qwen3-8B', cwd: modelsDir });
    expect(facts).toMatchObject({
      source: 'local',
      id: './Qwen/Qwen3-8B',
      parameterSource: 'safetensors-index',
    });
    expect(facts.weightBytes).toBe(16381470720);
  });

  it('counts parameters from *.safetensors headers when the files are there', async () => {
    const dir = scratchModelsDir({ m: 'Qwen/Qwen3-8B' });
    try {
      mkdirSync(join(dir, 'm'), { recursive: true });
      writeFileSync(join(dir, 'm/model.safetensors'), safetensorsHeader());
      const facts = await loadModelFacts({ model: join(dir, 'm') });
      expect(facts.parameterSource).toBe('safetensors-header');
      expect(facts.parametersByDtype).toEqual({ BF16: 4_096_000, F32: 4096 });
      // F32 norms are served in bf16 like the rest of an unquantized model.
      expect(facts.weightBytes).toBe((4_096_000 + 4096) * 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says what is missing for a directory without config.json, or one that does not exist', async () => {
    const noConfig = await rejection(loadModelFacts({ model: '.', cwd: modelsDir }));
    expect(noConfig.message).toMatch(/has no config.json/);
    const absent = await rejection(loadModelFacts({ model: './nope', cwd: modelsDir }));
    expect(absent.message).toMatch(/does not exist/);
  });
});

describe('parseModelConfig', () => {
  it('names the missing fields', () => {
    expect(() => parseModelConfig({ hidden_size: 10 })).toThrow(/num_hidden_layers/);
  });

  it('reads MoE, MLA and FP8 block quantization (DeepSeek-V3 style)', () => {
    const config = parseModelConfig({
      model_type: 'deepseek_v3',
      num_hidden_layers: 61,
      num_attention_heads: 128,
      num_key_value_heads: 128,
      hidden_size: 7168,
      intermediate_size: 18432,
      moe_intermediate_size: 2048,
      n_routed_experts: 256,
      n_shared_experts: 1,
      first_k_dense_replace: 3,
      num_experts_per_tok: 8,
      kv_lora_rank: 512,
      q_lora_rank: 1536,
      qk_rope_head_dim: 64,
      qk_nope_head_dim: 128,
      v_head_dim: 128,
      vocab_size: 129280,
      max_position_embeddings: 163840,
      quantization_config: { quant_method: 'fp8', weight_block_size: [128, 128] },
    });
    expect(config.moe).toEqual({
      experts: 256,
      expertsPerToken: 8,
      expertIntermediateSize: 2048,
      sharedExperts: 1,
      sharedIntermediateSize: 2048,
      moeLayers: 58,
      denseLayers: 3,
    });
    expect(config.mla).toMatchObject({ kvLoraRank: 512, qkRopeHeadDim: 64 });
    expect(config.quantization).toMatchObject({ method: 'fp8', weightBlockSize: [128, 128], bits: 8 });
    // ~671B parameters in the real model.
    expect(estimateParameters(config) / 671e9).toBeGreaterThan(0.97);
    expect(estimateParameters(config) / 671e9).toBeLessThan(1.03);
  });
});
