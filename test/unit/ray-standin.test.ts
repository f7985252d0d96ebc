import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanup,
  freePort,
  type Running,
  run,
  standins,
  start,
  tempDir,
  waitFor,
} from '../support/standin-processes';

// The ray stand-in against the Ray facts (test/fixtures/ray-facts/cli.json, each citing where in Ray's
// source or in a real `ray status` paste it comes from): head and workers are separate processes that
// talk over TCP on 127.0.0.1, and `ray status` is asked of the head.

interface Fact<T> {
  value: T;
}
const facts = JSON.parse(
  readFileSync(new URL('../fixtures/ray-facts/cli.json', import.meta.url), 'utf8'),
) as {
  startOptions: Fact<string[]>;
  workerNeedsAddress: Fact<string>;
  alreadyRunning: Fact<string>;
  started: Fact<string[]>;
  blockBanner: Fact<string>;
  noInstance: Fact<string>;
  stopMessages: Fact<{ none: string; all: string }>;
  statusFormat: Fact<{ header: string; sections: string[]; node: string; gpu: string }>;
  placementGroupUsage: Fact<string>;
};

let rayTmp = '';
const rayEnv = (extra: Record<string, string> = {}) => ({ RAY_TMPDIR: rayTmp, ...extra });
afterEach(async () => {
  if (rayTmp) await run(standins.ray, ['stop'], rayEnv());
  await cleanup();
});

async function head(port: number, gpus = 8, extra: string[] = []): Promise<Running> {
  const p = start(
    standins.ray,
    [
      'start',
      '--head',
      `--port=${port}`,
      '--node-ip-address=127.0.0.1',
      `--num-gpus=${gpus}`,
      '--block',
      ...extra,
    ],
    rayEnv(),
  );
  await waitFor(() => p.stdout().includes(facts.blockBanner.value), 'the head to block');
  return p;
}
function worker(port: number, gpus = 8, env: Record<string, string> = {}): Running {
  return start(
    standins.ray,
    ['start', `--address=127.0.0.1:${port}`, '--node-ip-address=127.0.0.1', `--num-gpus=${gpus}`, '--block'],
    rayEnv(env),
  );
}
const status = (port?: number) =>
  run(standins.ray, ['status', ...(port ? [`--address=127.0.0.1:${port}`] : [])], rayEnv());
function gpuLine(text: string): [number, number] | undefined {
  const re = new RegExp(facts.statusFormat.value.gpu);
  for (const line of text.split('\n')) {
    const m = re.exec(line);
    if (m) return [Number(m[1]), Number(m[2])];
  }
  return undefined;
}

describe('ray stand-in', () => {
  it('takes the start options a job uses (facts) and refuses unknown ones like click', async () => {
    rayTmp = tempDir();
    const port = await freePort();
    const p = await head(port, 8, ['--disable-usage-stats', '--num-cpus=4']);
    expect(p.stdout()).toContain(facts.started.value[0]);
    expect(p.stdout()).toContain((facts.started.value[1] ?? '').replace('{address}', `127.0.0.1:${port}`));
    const bad = await run(standins.ray, ['start', '--head', '--num-gpu=8'], rayEnv());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Error: No such option: --num-gpu');
    const noAddress = await run(standins.ray, ['start', '--num-gpus=8'], rayEnv());
    expect(noAddress.code).toBe(1);
    expect(noAddress.stderr).toContain(facts.workerNeedsAddress.value);
    const again = await run(
      standins.ray,
      ['start', '--head', `--port=${port}`, '--node-ip-address=127.0.0.1'],
      rayEnv(),
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(facts.alreadyRunning.value.replaceAll('{address}', `127.0.0.1:${port}`));
  });

  it('a head and two workers join over TCP and `ray status` shows the GPU sum in Ray’s format', async () => {
    rayTmp = tempDir();
    const port = await freePort();
    await head(port, 8);
    worker(port, 8);
    worker(port, 4);
    const shown = await waitFor(async () => {
      const s = await status(port);
      return gpuLine(s.stdout)?.[1] === 20 ? s : undefined;
    }, 'three nodes');
    expect(shown.code).toBe(0);
    const lines = shown.stdout.split('\n');
    const f = facts.statusFormat.value;
    expect(lines[0]).toMatch(new RegExp(f.header));
    expect(lines[2]).toBe('-'.repeat(lines[0]?.length ?? 0));
    for (const section of f.sections) expect(lines).toContain(section);
    expect(lines.filter((l) => new RegExp(f.node).test(l))).toHaveLength(3);
    expect(gpuLine(shown.stdout)).toEqual([0, 20]);
    // Without --address it finds the cluster the way Ray does (the address file `ray start` wrote).
    expect(gpuLine((await status()).stdout)).toEqual([0, 20]);
  });

  it('a worker with RAY_STANDIN_FAULT=worker-never-joins runs but never registers', async () => {
    rayTmp = tempDir();
    const port = await freePort();
    await head(port, 8);
    const stuck = worker(port, 8, { RAY_STANDIN_FAULT: 'worker-never-joins' });
    await waitFor(() => stuck.stdout().includes(facts.blockBanner.value), 'the faulty worker to start');
    worker(port, 8);
    await waitFor(async () => gpuLine((await status(port)).stdout)?.[1] === 16, 'the healthy worker');
    await new Promise((r) => setTimeout(r, 300));
    expect(gpuLine((await status(port)).stdout)).toEqual([0, 16]);
    expect(stuck.child.exitCode).toBeNull();
  });

  it('a worker whose head is unreachable fails (exit 1); status without a cluster fails with Ray’s text', async () => {
    rayTmp = tempDir();
    const port = await freePort();
    const w = await run(
      standins.ray,
      ['start', `--address=127.0.0.1:${port}`, '--num-gpus=8'],
      rayEnv({ RAY_STANDIN_CONNECT_TIMEOUT: '0.3' }),
    );
    expect(w.code).toBe(1);
    expect(w.stderr).toContain(`127.0.0.1:${port}`);
    const s = await status();
    expect(s.code).toBe(1);
    expect(s.stderr).toContain(facts.noInstance.value);
  });

  it('`ray start` without --block returns and leaves the node running; `ray stop` ends it', async () => {
    rayTmp = tempDir();
    const port = await freePort();
    const h = await run(
      standins.ray,
      ['start', '--head', `--port=${port}`, '--node-ip-address=127.0.0.1', '--num-gpus=2'],
      rayEnv(),
    );
    expect(h.code).toBe(0);
    const w = await run(
      standins.ray,
      ['start', `--address=127.0.0.1:${port}`, '--node-ip-address=127.0.0.1', '--num-gpus=2'],
      rayEnv(),
    );
    expect(w.code).toBe(0);
    expect(gpuLine((await status(port)).stdout)).toEqual([0, 4]);
    const stopped = await run(standins.ray, ['stop'], rayEnv());
    expect(stopped.stdout).toContain(facts.stopMessages.value.all.replace('{n}', '2'));
    expect((await status(port)).code).toBe(1);
    expect((await run(standins.ray, ['stop'], rayEnv())).stdout).toContain(facts.stopMessages.value.none);
  });
});
