import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lightevalFacts, release, releaseVersions } from '../fixtures/lighteval-facts/facts';
import { readParquet } from '../support/parquet';
import {
  cleanup,
  freePort,
  http,
  run,
  standins,
  start,
  tempDir,
  waitFor,
} from '../support/standin-processes';

// `lighteval endpoint litellm` in the LightEval stand-in, per release facts (endpointLitellm in
// releases.json, read at each tag), against the vllm stand-in over real HTTP; and `lighteval vllm`
// needing a Ray cluster when its world size exceeds the node (the pinned vLLM's fallback).

const endpointFacts = (version: string) => release(version).endpointLitellm.value;

afterEach(cleanup);

async function server(model = 'meta-llama/Llama-3.1-8B-Instruct', served = 'llama') {
  const port = await freePort();
  const p = start(
    standins.vllm,
    ['serve', model, '--served-model-name', served, '--host', '127.0.0.1', '--port', String(port)],
    { VLLM_STANDIN_LOAD_SECONDS: '0' },
  );
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => ((await http(`${base}/health`))?.status === 200 ? true : undefined), 'vllm');
  return { ...p, base };
}

function onlyFile(dir: string): string {
  const names = readdirSync(dir);
  expect(names).toHaveLength(1);
  return join(dir, names[0] ?? '');
}

describe('lighteval endpoint litellm (stand-in)', () => {
  it('every release has it; the model-arg keys are the release’s LiteLLMModelConfig', () => {
    expect(releaseVersions.every((v) => endpointFacts(v).command === 'lighteval endpoint litellm')).toBe(
      true,
    );
    expect(endpointFacts('0.8.0').nameKey).toBe('model');
    expect(endpointFacts('0.10.0').keys).not.toHaveProperty('concurrent_requests');
    expect(endpointFacts('0.11.0').keys).toHaveProperty('concurrent_requests', 'int');
    expect(endpointFacts('0.13.0').keys).toHaveProperty('api_max_retry', 'int');
  });

  it('takes exactly the release’s options (typer): --use-chat-template up to 0.9.2, gone in 0.10.0', async () => {
    for (const version of ['0.9.2', '0.10.0']) {
      const has = '--use-chat-template' in endpointFacts(version).options;
      const r = await run(
        standins.lighteval,
        [
          'endpoint',
          'litellm',
          'model_name=openai/x',
          'lighteval|aime24|0|0',
          '--use-chat-template',
          '--max-samples',
          '1',
          '--output-dir',
          tempDir(),
        ],
        { LIGHTEVAL_STANDIN_VERSION: version, LIGHTEVAL_STANDIN_RETRY_SLEEP_SCALE: '0' },
      );
      expect([version, r.code]).toEqual([version, has ? 0 : 2]);
      if (!has) expect(r.stderr).toContain('No such option: --use-chat-template');
    }
    expect('--use-chat-template' in endpointFacts('0.9.2').options).toBe(true);
  });

  it('0.13.0: calls the vllm stand-in and writes the vllm backend’s results JSON and details parquet', async () => {
    const s = await server();
    const dir = tempDir();
    const args = `model_name=openai/llama,base_url=${s.base}/v1,api_key=unused,concurrent_requests=4`;
    const r = await run(
      standins.lighteval,
      ['endpoint', 'litellm', args, 'aime24|0', '--output-dir', dir, '--save-details', '--max-samples', '6'],
      { LIGHTEVAL_STANDIN_VERSION: '0.13.0' },
    );
    expect(r.stderr).not.toContain('Error in API call');
    expect(r.code).toBe(0);
    expect(s.stderr().match(/Received request chatcmpl-/g)).toHaveLength(6);
    // LightEval names the output after model_name as written, provider prefix included.
    const results = JSON.parse(readFileSync(onlyFile(join(dir, 'results', 'openai', 'llama')), 'utf8'));
    const facts = release('0.13.0');
    expect(Object.keys(results)).toEqual(facts.results.value.topLevelKeys);
    expect(results.config_general.model_name).toBe('openai/llama');
    // The same score as `lighteval vllm` gives the served model (the server's root) in-process.
    const local = tempDir();
    await run(
      standins.lighteval,
      [
        'vllm',
        'model_name=meta-llama/Llama-3.1-8B-Instruct',
        'aime24|0',
        '--output-dir',
        local,
        '--max-samples',
        '6',
      ],
      { LIGHTEVAL_STANDIN_VERSION: '0.13.0' },
    );
    const inProcess = JSON.parse(
      readFileSync(onlyFile(join(local, 'results', 'meta-llama', 'Llama-3.1-8B-Instruct')), 'utf8'),
    );
    expect(results.results['aime24|0']).toEqual(inProcess.results['aime24|0']);
    const detailsDir = onlyFile(join(dir, 'details', 'openai', 'llama'));
    const rows = await readParquet(onlyFile(detailsDir));
    expect(rows).toHaveLength(6);
    expect(Object.keys(rows[0] ?? {})).toEqual(facts.details.value.columns);
    const texts = rows.map((row) => (row.model_response as { text: string[] }).text[0]);
    expect(texts.every((t) => t?.startsWith('SIMULATED answer'))).toBe(true);
  });

  it('0.10.0 refuses concurrent_requests (not a key there); 0.8.0 takes `model`', async () => {
    const s = await server();
    const bad = await run(
      standins.lighteval,
      [
        'endpoint',
        'litellm',
        `model_name=openai/llama,base_url=${s.base}/v1,concurrent_requests=4`,
        'lighteval|aime24|0|0',
      ],
      { LIGHTEVAL_STANDIN_VERSION: '0.10.0' },
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(
      'concurrent_requests\n  Extra inputs are not permitted [type=extra_forbidden',
    );
    const dir = tempDir();
    const old = await run(
      standins.lighteval,
      [
        'endpoint',
        'litellm',
        `model=openai/llama,base_url=${s.base}/v1`,
        'lighteval|aime24|0|0',
        '--output-dir',
        dir,
      ],
      { LIGHTEVAL_STANDIN_VERSION: '0.8.0' },
    );
    expect(old.code).toBe(0);
    expect(readdirSync(join(dir, 'results', 'openai', 'llama'))).toHaveLength(1);
  });

  it('a server that does not answer: LightEval retries, gives up with empty answers, scores 0', async () => {
    const dir = tempDir();
    const port = await freePort();
    const r = await run(
      standins.lighteval,
      [
        'endpoint',
        'litellm',
        `model_name=openai/llama,base_url=http://127.0.0.1:${port}/v1`,
        'aime24|0',
        '--output-dir',
        dir,
        '--max-samples',
        '2',
      ],
      { LIGHTEVAL_STANDIN_VERSION: '0.12.1', LIGHTEVAL_STANDIN_RETRY_SLEEP_SCALE: '0' },
    );
    expect(r.code).toBe(0);
    const max = endpointFacts('0.12.1').retry.max;
    expect(r.stderr).toContain(`before retry ${max}/${max}`);
    expect(r.stderr).toContain(`API call failed after ${max} attempts, returning empty response.`);
    const results = JSON.parse(readFileSync(onlyFile(join(dir, 'results', 'openai', 'llama')), 'utf8'));
    expect(results.results['aime24|0']['pass@k:k=1']).toBe(0);
  });

  it('a model_name without a LiteLLM provider prefix never reaches the server (LiteLLM cannot route it)', async () => {
    const s = await server();
    const dir = tempDir();
    const r = await run(
      standins.lighteval,
      [
        'endpoint',
        'litellm',
        `model_name=llama,base_url=${s.base}/v1`,
        'aime24|0',
        '--output-dir',
        dir,
        '--max-samples',
        '1',
      ],
      { LIGHTEVAL_STANDIN_VERSION: '0.13.0' },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('LLM Provider NOT provided');
    expect(s.stderr()).not.toContain('Received request');
    const results = JSON.parse(readFileSync(onlyFile(join(dir, 'results', 'llama')), 'utf8'));
    expect(results.results['aime24|0']['pass@k:k=1']).toBe(0);
  });
});

describe('lighteval vllm beyond one node (the pinned vLLM falls back to Ray)', () => {
  const rf = lightevalFacts.vllm as unknown as { rayFallback: { value: { timeoutError: string } } };
  const big = [
    'vllm',
    'model_name=m,tensor_parallel_size=8,pipeline_parallel_size=2',
    'aime24|0',
    '--max-samples',
    '1',
  ];

  it('without a cluster: vLLM’s placement-group timeout', async () => {
    const r = await run(standins.lighteval, [...big, '--output-dir', tempDir()], {
      RAY_TMPDIR: tempDir(),
      VLLM_STANDIN_PG_TIMEOUT: '0.3',
    });
    expect(r.code).toBe(1);
    const [before] = rf.rayFallback.value.timeoutError.split('{specs}');
    expect(r.stderr).toContain(before);
    expect(r.stderr).toContain(
      'within 0.3 seconds. See `ray status` to make sure the cluster has enough resources.',
    );
  });

  it('with a two-node Ray cluster of 16 GPUs (RAY_ADDRESS): it runs', async () => {
    const rayTmp = tempDir();
    const port = await freePort();
    const common = ['--node-ip-address=127.0.0.1', '--num-gpus=8', '--block'];
    const h = start(standins.ray, ['start', '--head', `--port=${port}`, ...common], { RAY_TMPDIR: rayTmp });
    await waitFor(() => h.stdout().includes('block forever'), 'ray head');
    start(standins.ray, ['start', `--address=127.0.0.1:${port}`, ...common], { RAY_TMPDIR: rayTmp });
    const dir = tempDir();
    const r = await run(standins.lighteval, [...big, '--output-dir', dir], {
      RAY_ADDRESS: `127.0.0.1:${port}`,
      VLLM_STANDIN_PG_TIMEOUT: '5',
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Ray placement group of 16 GPU ready');
    expect(readdirSync(join(dir, 'results', 'm'))).toHaveLength(1);
  });
});
