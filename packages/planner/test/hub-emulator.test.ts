import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureSha, type HubEmulator, startHubEmulator } from '../../../test/emulators/hub';
import { readFixtureJson, scratchModelsDir, writeJson } from './fixtures';

const TOKEN = 'hf_emulatortoken';

describe('Hub emulator', () => {
  let hub: HubEmulator;
  let dir: string;
  beforeAll(async () => {
    dir = scratchModelsDir({ 'org/open': 'Qwen/Qwen3-8B', 'org/gated': 'Qwen/Qwen3-8B' });
    writeJson(join(dir, 'org/gated/model-info.json'), {
      ...(readFixtureJson('Qwen/Qwen3-8B', 'model-info.json') as object),
      gated: 'manual',
    });
    hub = await startHubEmulator({
      modelsDir: dir,
      token: TOKEN,
      extraRoutes: [
        {
          method: 'POST',
          pattern: /^\/api\/ping$/,
          handle: (_req, res) => {
            res.writeHead(200, { 'Content-Type': 'text/plain' });
            res.end('pong');
          },
        },
      ],
    });
  });
  afterAll(async () => {
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves a file with the range probe @huggingface/hub sends first (206, Content-Range, ETag)', async () => {
    const res = await fetch(`${hub.url}/org/open/resolve/main/config.json`, {
      headers: { Range: 'bytes=0-0' },
    });
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toMatch(/^bytes 0-0\/\d+$/);
    expect(res.headers.get('etag')).toBeTruthy();
    const full = await fetch(`${hub.url}/org/open/resolve/main/config.json`);
    expect(await full.json()).toEqual(readFixtureJson('Qwen/Qwen3-8B', 'config.json'));
  });

  it('answers a missing file with 404 EntryNotFound and an unknown repo with 401 RepoNotFound', async () => {
    const missing = await fetch(`${hub.url}/org/open/resolve/main/nope.json`);
    expect([missing.status, missing.headers.get('x-error-code')]).toEqual([404, 'EntryNotFound']);
    const repo = await fetch(`${hub.url}/org/absent/resolve/main/config.json`);
    expect([repo.status, repo.headers.get('x-error-code')]).toEqual([401, 'RepoNotFound']);
  });

  it('returns safetensors counts and the sha only when expanded', async () => {
    const plain = await (await fetch(`${hub.url}/api/models/org/open/revision/main`)).json();
    expect(plain).not.toHaveProperty('safetensors');
    const expanded = (await (
      await fetch(`${hub.url}/api/models/org/open/revision/main?expand=safetensors&expand=sha`)
    ).json()) as { safetensors: { parameters: Record<string, number> }; sha: string };
    expect(expanded.safetensors.parameters.BF16).toBe(8190735360);
    expect(expanded.sha).toBe(fixtureSha('org/open'));
  });

  it('keeps gated repos behind the token, and rejects a wrong token', async () => {
    const url = `${hub.url}/org/gated/resolve/main/config.json`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { Authorization: 'Bearer hf_wrong' } })).status).toBe(401);
    expect((await fetch(url, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('rejects unknown revisions and accepts the repo sha', async () => {
    expect((await fetch(`${hub.url}/org/open/resolve/v9/config.json`)).status).toBe(404);
    expect((await fetch(`${hub.url}/org/open/resolve/${fixtureSha('org/open')}/config.json`)).status).toBe(
      200,
    );
  });

  it('routes extra routes and records every request', async () => {
    const res = await fetch(`${hub.url}/api/ping`, { method: 'POST' });
    expect(await res.text()).toBe('pong');
    expect(hub.requests).toContainEqual({ method: 'POST', path: '/api/ping' });
  });
});
