import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { factValues } from '../fixtures/lighteval/embed-facts.mjs';
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

// The vllm stand-in against the vLLM fact table (test/fixtures/vllm-facts/versions.json, sources named
// per fact): real HTTP on 127.0.0.1, the world-size decision per vLLM version, mp multi-node with a
// head that really waits for its --headless worker, Ray through the ray stand-in, and the faults.

const factsFile = new URL('../fixtures/vllm-facts/versions.json', import.meta.url);
const facts = factValues(JSON.parse(readFileSync(factsFile, 'utf8'))) as {
  versions: Record<
    string,
    { mpMultiNode: boolean; worldSizeTooLarge: 'ray-fallback' | 'refuse'; worldSizeTooLargeError?: string }
  >;
  common: Record<string, string>;
};
const fill = (t: string, v: Record<string, string | number>) =>
  t.replace(/\{(\w+)\}/g, (w, k: string) => (k in v ? String(v[k]) : w));

afterEach(cleanup);

async function serve(args: string[], env: Record<string, string> = {}) {
  const port = await freePort();
  const p = start(standins.vllm, ['serve', ...args, '--host', '127.0.0.1', '--port', String(port)], env);
  return { ...p, base: `http://127.0.0.1:${port}`, port };
}
const healthy = (base: string) => async () =>
  (await http(`${base}/health`))?.status === 200 ? true : undefined;

describe('vllm stand-in', () => {
  it('embeds exactly the fact table (regenerate with node test/fixtures/vllm/embed-facts.mjs)', () => {
    const text = readFileSync(standins.vllm, 'utf8');
    const embedded = /\/\* FACTS-BEGIN \*\/ (.*) \/\* FACTS-END \*\//s.exec(text)?.[1] ?? 'null';
    expect(JSON.parse(embedded)).toEqual(facts);
  });

  it('serves /health, /v1/models and deterministic chat and text completions', async () => {
    const s = await serve(['org/Model-7B', '--served-model-name', 'model-7b', '--api-key', 'k3y'], {
      VLLM_STANDIN_LOAD_SECONDS: '0',
    });
    await waitFor(healthy(s.base), 'health');
    const auth = { authorization: 'Bearer k3y', 'content-type': 'application/json' };
    expect((await http(`${s.base}/v1/models`))?.status).toBe(401);
    const models = JSON.parse((await http(`${s.base}/v1/models`, { headers: auth }))?.body ?? '{}');
    expect(models.data.map((m: { id: string; root: string }) => [m.id, m.root])).toEqual([
      ['model-7b', 'org/Model-7B'],
    ]);
    const ask = async (path: string, body: object) =>
      JSON.parse(
        (await http(`${s.base}${path}`, { method: 'POST', headers: auth, body: JSON.stringify(body) }))
          ?.body ?? '{}',
      );
    const chat = { model: 'model-7b', messages: [{ role: 'user', content: 'What is 2+2?' }], n: 2 };
    const a = await ask('/v1/chat/completions', chat);
    const b = await ask('/v1/chat/completions', chat);
    expect(a.object).toBe('chat.completion');
    expect(a.choices).toHaveLength(2);
    expect(a.choices.map((c: { message: { content: string } }) => c.message.content)).toEqual(
      b.choices.map((c: { message: { content: string } }) => c.message.content),
    );
    expect(a.choices[0].message.content).not.toBe(a.choices[1].message.content);
    const text = await ask('/v1/completions', { model: 'model-7b', prompt: 'Once', max_tokens: 2 });
    expect(text.object).toBe('text_completion');
    expect(text.choices[0].finish_reason).toBe('length');
    const missing = await ask('/v1/chat/completions', { ...chat, model: 'other' });
    expect(missing.message).toBe('The model `other` does not exist.');
  });

  it('refuses a world size over the node’s GPUs without Ray with each version’s own text', async () => {
    for (const [version, v] of Object.entries(facts.versions)) {
      if (v.worldSizeTooLarge !== 'refuse') continue;
      const r = await run(standins.vllm, ['serve', 'm', '-tp', '8', '-pp', '2'], {
        VLLM_STANDIN_VERSION: version,
      });
      expect(r.code, version).toBe(1);
      const text = fill(v.worldSizeTooLargeError ?? '', { world_size: 16, gpu_count: 8 }).replace(
        /^ValueError: /,
        '',
      );
      expect(r.stderr, version).toContain(text);
    }
  });

  it('up to 0.11.0 falls back to Ray: no cluster ends in the placement-group timeout, a 16-GPU cluster serves', async () => {
    const fallback = Object.entries(facts.versions).filter(([, v]) => v.worldSizeTooLarge === 'ray-fallback');
    expect(fallback.map(([k]) => k)).toContain('0.11.0');
    const rayTmp = tempDir();
    const lonely = await run(
      standins.vllm,
      ['serve', 'm', '-tp', '8', '-pp', '2', '--port', String(await freePort())],
      {
        VLLM_STANDIN_VERSION: '0.11.0',
        VLLM_STANDIN_PG_TIMEOUT: '0.5',
        RAY_TMPDIR: rayTmp,
      },
    );
    expect(lonely.code).toBe(1);
    expect(lonely.stderr).toContain(
      facts.common.rayTooFewGpusWarning?.replace(/^WARNING ray_utils.py: /, ''),
    );
    expect(lonely.stderr).toContain(
      'within 0.5 seconds. See `ray status` to make sure the cluster has enough resources.',
    );

    const rayPort = await freePort();
    const headNode = start(
      standins.ray,
      ['start', '--head', `--port=${rayPort}`, '--node-ip-address=127.0.0.1', '--num-gpus=8', '--block'],
      { RAY_TMPDIR: rayTmp },
    );
    await waitFor(() => headNode.stdout().includes('block forever'), 'ray head');
    const s = await serve(['m', '-tp', '8', '-pp', '2'], {
      VLLM_STANDIN_VERSION: '0.11.0',
      RAY_ADDRESS: `127.0.0.1:${rayPort}`,
      VLLM_STANDIN_LOAD_SECONDS: '0',
    });
    // The second node joins late: vLLM keeps waiting for its placement group, then starts.
    await new Promise((r) => setTimeout(r, 300));
    expect(await http(`${s.base}/health`, { timeoutMs: 200 })).toBeUndefined();
    start(
      standins.ray,
      ['start', `--address=127.0.0.1:${rayPort}`, '--node-ip-address=127.0.0.1', '--num-gpus=8', '--block'],
      { RAY_TMPDIR: rayTmp },
    );
    await waitFor(healthy(s.base), 'health after the worker joined');
    const status = await run(standins.ray, ['status', `--address=127.0.0.1:${rayPort}`], {
      RAY_TMPDIR: rayTmp,
    });
    expect(status.stdout).toContain(' 16.0/16.0 GPU (16.0 used of 16.0 reserved in placement groups)');
  });

  it('mp multi-node: --nnodes only where the version has it; the head waits for its --headless worker', async () => {
    const old = await run(standins.vllm, ['serve', 'm', '--nnodes', '2'], { VLLM_STANDIN_VERSION: '0.11.0' });
    expect(facts.versions['0.11.0']?.mpMultiNode).toBe(false);
    expect(old.code).toBe(2);
    expect(old.stderr).toContain('unrecognized arguments: --nnodes 2');
    expect(facts.versions['0.11.1']?.mpMultiNode).toBe(true);
    const master = String(await freePort());
    const multi = [
      'm',
      '-tp',
      '8',
      '-pp',
      '2',
      '--nnodes',
      '2',
      '--master-addr',
      '127.0.0.1',
      '--master-port',
      master,
    ];
    const env = { VLLM_STANDIN_VERSION: '0.11.1', VLLM_STANDIN_LOAD_SECONDS: '0' };
    const s = await serve([...multi, '--node-rank', '0'], env);
    await new Promise((r) => setTimeout(r, 400));
    expect(await http(`${s.base}/health`, { timeoutMs: 200 })).toBeUndefined();
    const w = start(standins.vllm, ['serve', ...multi, '--node-rank', '1', '--headless'], env);
    await waitFor(healthy(s.base), 'health once the worker joined');
    expect(s.stderr()).toContain('node rank 1 joined from');
    // The whole engine needs both nodes: the head going away ends the headless worker.
    s.child.kill('SIGTERM');
    expect(await w.exited).toBe(1);
    const ray = await run(standins.vllm, ['serve', ...multi, '--distributed-executor-backend', 'ray'], env);
    expect(ray.stderr).toContain(facts.common.nnodesNeedsMp?.replace(/^ValueError: /, ''));
  });

  it('a port already taken fails like vLLM', async () => {
    const s = await serve(['m'], { VLLM_STANDIN_LOAD_SECONDS: '0' });
    await waitFor(healthy(s.base), 'health');
    const second = await run(standins.vllm, ['serve', 'm', '--host', '127.0.0.1', '--port', String(s.port)]);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(facts.common.portInUse);
  });

  it('faults: oom-at-load, never-healthy, crash-after-start', async () => {
    const oom = await run(standins.vllm, ['serve', 'm', '--port', String(await freePort())], {
      VLLM_STANDIN_FAULT: 'oom-at-load',
      VLLM_STANDIN_LOAD_SECONDS: '0',
    });
    expect(oom.code).toBe(1);
    expect(oom.stderr).toContain('torch.OutOfMemoryError: CUDA out of memory.');
    expect(oom.stderr).toContain(facts.common.engineCoreFailed);

    const stuck = await serve(['m'], { VLLM_STANDIN_FAULT: 'never-healthy', VLLM_STANDIN_LOAD_SECONDS: '0' });
    await waitFor(() => stuck.stderr().includes('never-healthy'), 'the never-healthy notice');
    expect(await http(`${stuck.base}/health`, { timeoutMs: 300 })).toBeUndefined();
    expect(stuck.child.exitCode).toBeNull();

    const crash = await serve(['m'], {
      VLLM_STANDIN_FAULT: 'crash-after-start',
      VLLM_STANDIN_CRASH_AFTER: '0.3',
      VLLM_STANDIN_LOAD_SECONDS: '0',
    });
    await waitFor(healthy(crash.base), 'health before the crash');
    expect(await crash.exited).toBe(1);
    expect(crash.stderr()).toContain(facts.common.engineDead);
  });
});
