import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixtureSha, type HubEmulator, startHubEmulator } from '../../../../test/emulators/hub';
import { DEFAULT_REVISION_WAIT_MINUTES, readRevisionWaitMinutes } from '../../src/config';
import { hubClientFromEnv } from '../../src/hub';
import {
  RevisionAccessError,
  RevisionNeverAppearedError,
  RevisionWaitCancelledError,
  waitForRevision,
} from '../../src/hub/wait-for-revision';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/models');
const TOKEN = 'hf_waitForRevisionToken';
const MODEL = 'my-org/qwen-7b-grpo';

let hub: HubEmulator | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

/** A models dir with the checkpoint repo, optionally without its config.json (an upload in progress). */
function modelsDir(withConfig = true): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'wait-revision-'));
  mkdirSync(path.join(dir, MODEL), { recursive: true });
  if (withConfig) {
    cpSync(path.join(FIXTURES, 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B'), path.join(dir, MODEL), {
      recursive: true,
    });
  }
  return dir;
}

/** A fake clock that only moves when the code under test sleeps. */
function fakeTime() {
  let t = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
  };
}

function client(token: string | null = TOKEN, fetchImpl?: typeof fetch) {
  return hubClientFromEnv(
    { HF_ENDPOINT: hub?.url ?? '' },
    { ...(token && { accessToken: token }), ...(fetchImpl && { fetch: fetchImpl }) },
  );
}

describe('waitForRevision', () => {
  it('returns at once, silently, when the revision is already there', async () => {
    hub = await startHubEmulator({
      modelsDir: modelsDir(),
      token: TOKEN,
      revisions: { [MODEL]: ['step-1200'] },
    });
    const time = fakeTime();
    const lines: string[] = [];
    const found = await waitForRevision(client(), {
      model: MODEL,
      revision: 'step-1200',
      timeoutMs: 600_000,
      log: (l) => lines.push(l),
      ...time,
    });
    expect(found).toEqual({ sha: fixtureSha(MODEL), checks: 1, waitedMs: 0 });
    expect(lines).toEqual([]);
    expect(time.sleeps).toEqual([]);
  });

  it('waits for a revision still being pushed, with a progress line per miss and a growing interval', async () => {
    hub = await startHubEmulator({
      modelsDir: modelsDir(),
      token: TOKEN,
      delayedRevisions: { [MODEL]: { 'step-1300': 2 } },
    });
    const time = fakeTime();
    const lines: string[] = [];
    const found = await waitForRevision(client(), {
      model: MODEL,
      revision: 'step-1300',
      timeoutMs: 10 * 60_000,
      intervalMs: 10_000,
      log: (l) => lines.push(l),
      ...time,
    });
    expect(found.checks).toBe(3);
    expect(time.sleeps).toEqual([10_000, 15_000]);
    expect(lines[0]).toBe(
      'Waiting for my-org/qwen-7b-grpo@step-1300: not on the Hub yet; next check in 10 s (10 min left of 10 min).',
    );
    expect(lines[1]).toMatch(/next check in 15 s \(9 min 50 s left of 10 min\)/);
    expect(lines[2]).toBe('my-org/qwen-7b-grpo@step-1300 is on the Hub after 25 s (3 checks).');
  });

  it('does not count a branch that exists without its config.json yet (open-r1 branches first, uploads after)', async () => {
    const dir = modelsDir(false);
    hub = await startHubEmulator({ modelsDir: dir, token: TOKEN, revisions: { [MODEL]: ['step-5'] } });
    const time = fakeTime();
    const lines: string[] = [];
    const found = await waitForRevision(client(), {
      model: MODEL,
      revision: 'step-5',
      timeoutMs: 60_000,
      log: (l) => lines.push(l),
      now: time.now,
      sleep: async (ms) => {
        await time.sleep(ms);
        // The upload finishes during the first wait.
        cpSync(path.join(FIXTURES, 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B'), path.join(dir, MODEL), {
          recursive: true,
        });
      },
    });
    expect(found.checks).toBe(2);
    expect(lines[0]).toMatch(/the revision exists but has no config\.json yet/);
  });

  it('fails with what happened and what to do when the revision never appears', async () => {
    hub = await startHubEmulator({ modelsDir: modelsDir(), token: TOKEN });
    const time = fakeTime();
    const lines: string[] = [];
    const waiting = waitForRevision(client(), {
      model: MODEL,
      revision: 'step-9999',
      timeoutMs: 60_000,
      intervalMs: 15_000,
      log: (l) => lines.push(l),
      ...time,
    });
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RevisionNeverAppearedError);
    expect((error as Error).message).toBe(
      'my-org/qwen-7b-grpo@step-9999 did not appear on the Hub within 1 min (last check: not on the Hub yet)',
    );
    expect((error as RevisionNeverAppearedError).hint).toMatch(/revision-wait-minutes/);
    // 15 + 22.5 + the 22.5 s left: never past the deadline.
    expect(time.sleeps).toEqual([15_000, 22_500, 22_500]);
    expect(lines).toHaveLength(3);
  });

  it('checks exactly once with a zero wait', async () => {
    hub = await startHubEmulator({ modelsDir: modelsDir(), token: TOKEN });
    const time = fakeTime();
    await expect(
      waitForRevision(client(), { model: MODEL, revision: 'step-1', timeoutMs: 0, log: () => {}, ...time }),
    ).rejects.toThrow(/did not appear on the Hub within 0 s/);
    expect(time.sleeps).toEqual([]);
  });

  it('fails at once on an access error: waiting cannot fix a token', async () => {
    hub = await startHubEmulator({ modelsDir: modelsDir(), token: TOKEN });
    const time = fakeTime();
    const error = await waitForRevision(client(null), {
      model: 'my-org/private-model',
      revision: 'step-1',
      timeoutMs: 60_000,
      log: () => {},
      ...time,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RevisionAccessError);
    expect((error as RevisionAccessError).hint).toMatch(/hf-token/);
    expect(time.sleeps).toEqual([]);
  });

  it('counts a Hub outage (503) as a miss and keeps waiting', async () => {
    hub = await startHubEmulator({
      modelsDir: modelsDir(),
      token: TOKEN,
      revisions: { [MODEL]: ['step-7'] },
    });
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      calls += 1;
      return calls === 1 ? new Response('busy', { status: 503 }) : fetch(input, init);
    };
    const lines: string[] = [];
    const found = await waitForRevision(client(TOKEN, flaky), {
      model: MODEL,
      revision: 'step-7',
      timeoutMs: 60_000,
      log: (l) => lines.push(l),
      ...fakeTime(),
    });
    expect(found.checks).toBe(2);
    expect(lines[0]).toMatch(/the Hub did not answer \(HTTP 503\)/);
  });

  it('gives up on a hung Hub request and counts it as a miss', async () => {
    hub = await startHubEmulator({
      modelsDir: modelsDir(),
      token: TOKEN,
      revisions: { [MODEL]: ['step-8'] },
    });
    let calls = 0;
    const hangsOnce: typeof fetch = (input, init) => {
      calls += 1;
      if (calls > 1) return fetch(input, init);
      return new Promise((_, reject) =>
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      );
    };
    const lines: string[] = [];
    const found = await waitForRevision(client(TOKEN, hangsOnce), {
      model: MODEL,
      revision: 'step-8',
      timeoutMs: 60_000,
      requestTimeoutMs: 50,
      log: (l) => lines.push(l),
      ...fakeTime(),
    });
    expect(found.checks).toBe(2);
    expect(lines[0]).toMatch(/the Hub did not answer within 0 s/);
  });

  it('stops waiting when the run is cancelled', async () => {
    hub = await startHubEmulator({ modelsDir: modelsDir(), token: TOKEN });
    const abort = new AbortController();
    const time = fakeTime();
    const error = await waitForRevision(client(), {
      model: MODEL,
      revision: 'step-2',
      timeoutMs: 3_600_000,
      log: () => {},
      now: time.now,
      sleep: async (ms) => {
        await time.sleep(ms);
        abort.abort();
      },
      signal: abort.signal,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RevisionWaitCancelledError);
    expect((error as Error).message).toBe(
      'cancelled after waiting 15 s for my-org/qwen-7b-grpo@step-2 to appear on the Hub',
    );
    expect(time.sleeps).toHaveLength(1);
  });
});

describe('the revision-wait-minutes input', () => {
  const input = (value: string) => (name: string) => (name === 'revision-wait-minutes' ? value : '');
  it('defaults to an hour and accepts 0 (do not wait) up to a job’s 360-minute limit', () => {
    expect(readRevisionWaitMinutes(input(''))).toBe(DEFAULT_REVISION_WAIT_MINUTES);
    expect(DEFAULT_REVISION_WAIT_MINUTES).toBe(60);
    expect(readRevisionWaitMinutes(input('0'))).toBe(0);
    expect(readRevisionWaitMinutes(input('360'))).toBe(360);
  });
  it('names the input when the value is not a whole number of minutes', () => {
    expect(() => readRevisionWaitMinutes(input('10m'))).toThrow(/input 'revision-wait-minutes' is '10m'/);
    expect(() => readRevisionWaitMinutes(input('361'))).toThrow(/≤ 360/);
  });
});
