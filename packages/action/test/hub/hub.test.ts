import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type HubEmulator, startHubEmulator } from '../../../../test/emulators/hub';
import { createHubDatasetStore, type HubDatasetStore } from '../../../../test/emulators/hub-datasets';
import {
  HubRequestError,
  HubUnavailableError,
  hubClientFromEnv,
  MissingHubTokenError,
  parseSummaryJsonl,
  readBaselineResults,
  resolveBaseline,
  type SummaryRow,
  uploadResults,
} from '../../src/hub';
import { detailsParquet } from '../results/details-fixture';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures');
const TOKEN = 'hf_test_write_token';
const MODEL = 'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B';
const RESULTS_FILE = `${FIXTURES}/lighteval-results/v0.12/results/${MODEL}/results_2025-10-21T08-03-51.771920.json`;

let hub: HubEmulator;
let store: HubDatasetStore;
const sleeps: number[] = [];

beforeEach(async () => {
  store = createHubDatasetStore({ token: TOKEN });
  hub = await startHubEmulator({ modelsDir: `${FIXTURES}/models`, token: TOKEN, extraRoutes: store.routes });
  sleeps.length = 0;
});
afterEach(async () => {
  await hub.close();
});

function client(token: string | null = TOKEN) {
  return hubClientFromEnv(
    { HF_ENDPOINT: hub.url },
    {
      accessToken: token ?? undefined,
      retry: { attempts: 4, baseDelayMs: 1000, maxDelayMs: 8000, sleep: async (ms) => void sleeps.push(ms) },
    },
  );
}

function summary(revision: string, finishedAt: string, value = 0.834): SummaryRow {
  return {
    model: MODEL,
    revision,
    finishedAt,
    workflowRun: 'https://github.com/o/r/actions/runs/42',
    lightevalVersion: '0.12.0',
    simulated: false,
    scores: { math_500: { metric: 'pass@k:k=1&n=1', value, stderr: 0.016656 } },
  };
}

async function uploadRun(revision: string, finishedAt: string) {
  const resultsJson = await readFile(RESULTS_FILE, 'utf8');
  const details = new Uint8Array(
    detailsParquet('doc-metric', 'pass@k:k=1&n=1', [
      { query: 'p1', score: 1 },
      { query: 'p2', score: 0 },
    ]),
  );
  return uploadResults(client(), {
    repo: 'my-org/evals',
    model: MODEL,
    revision,
    files: [{ benchmark: 'math_500', timestamp: '2025-10-21T08-03-51.771920', resultsJson, details }],
    summary: summary(revision, finishedAt),
    workflowRunUrl: 'https://github.com/o/r/actions/runs/42',
  });
}

describe('uploading results to a Hub dataset', () => {
  it('creates the repo private and commits results, details and the summary row in one commit', async () => {
    const outcome = await uploadRun('v1.0.0', '2026-01-01T00:00:00Z');
    expect(store.repos.get('my-org/evals')?.visibility).toBe('private');
    expect(store.commits).toHaveLength(1);
    const [commit] = store.commits;
    expect(commit?.paths).toEqual([
      'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B/v1.0.0/math_500/results_2025-10-21T08-03-51.771920.json',
      'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B/v1.0.0/math_500/details_2025-10-21T08-03-51.771920.parquet',
      'summary.jsonl',
    ]);
    expect(commit?.title).toBe(`Evaluate ${MODEL}@v1.0.0`);
    expect(commit?.description).toBe('Workflow run: https://github.com/o/r/actions/runs/42');
    expect(outcome.commitOid).toBe(commit?.oid);
    const stored = store.repos.get('my-org/evals')?.files;
    expect(stored?.get(commit?.paths[0] ?? '')?.toString('utf8')).toBe(await readFile(RESULTS_FILE, 'utf8'));
  });

  it('appends to summary.jsonl and tolerates "already exists" on the second run', async () => {
    await uploadRun('v1.0.0', '2026-01-01T00:00:00Z');
    await uploadRun('v1.1.0', '2026-02-01T00:00:00Z');
    const text = store.repos.get('my-org/evals')?.files.get('summary.jsonl')?.toString('utf8') ?? '';
    expect(parseSummaryJsonl(text).rows.map((r) => r.revision)).toEqual(['v1.0.0', 'v1.1.0']);
    expect(store.requests.filter((r) => r.path === '/api/repos/create').map((r) => r.status)).toEqual([
      200, 200,
    ]);
  });

  it('retries 5xx and 429 with growing delays, then succeeds', async () => {
    store.failNext(3, 503);
    await uploadRun('v1.0.0', '2026-01-01T00:00:00Z');
    expect(store.requests.slice(0, 3).map((r) => r.status)).toEqual([503, 503, 503]);
    expect(store.commits).toHaveLength(1);
    // base 1000 ms doubling, ±25% jitter: ~1000, ~2000, ~4000
    expect(sleeps).toHaveLength(3);
    sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(750 * 2 ** i);
      expect(ms).toBeLessThanOrEqual(1250 * 2 ** i);
    });
  });

  it('a Hub that stays down is a typed error with a hint, after every attempt', async () => {
    store.outage = true;
    const error = await uploadRun('v1.0.0', '2026-01-01T00:00:00Z').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubUnavailableError);
    expect((error as HubUnavailableError).attempts).toBe(4);
    expect((error as HubUnavailableError).hint).toContain('artifact');
    expect(store.requests).toHaveLength(4);
    expect(store.commits).toHaveLength(0);
  });

  it('a refused token is not retried', async () => {
    const error = await uploadResults(client('hf_wrong'), {
      repo: 'my-org/evals',
      model: MODEL,
      revision: 'v1',
      files: [],
      summary: summary('v1', '2026-01-01T00:00:00Z'),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubRequestError);
    expect((error as HubRequestError).status).toBe(401);
    expect(store.requests).toHaveLength(1);
  });

  it('no token: says so before any request', async () => {
    await expect(
      uploadResults(client(null), {
        repo: 'my-org/evals',
        model: MODEL,
        revision: 'v1',
        files: [],
        summary: summary('v1', '2026-01-01T00:00:00Z'),
      }),
    ).rejects.toThrow(MissingHubTokenError);
    expect(store.requests).toHaveLength(0);
  });
});

describe('reading a baseline from the results repo', () => {
  it('previous release: the newest earlier release of the same model, with its per-problem details', async () => {
    await uploadRun('v1.0.0', '2026-01-01T00:00:00Z');
    await uploadRun('v1.1.0', '2026-02-01T00:00:00Z');
    const target = await resolveBaseline(
      client(),
      'my-org/evals',
      { kind: 'previous-release' },
      { model: MODEL, revision: 'v1.2.0' },
    );
    expect(target).toEqual({ model: MODEL, revision: 'v1.1.0', label: 'v1.1.0' });
    const baseline = await readBaselineResults(
      client(),
      'my-org/evals',
      target as NonNullable<typeof target>,
    );
    // The uploaded file holds four tasks; only the one of its benchmark folder (math_500) counts.
    expect(baseline?.rows.map((r) => [r.benchmark, r.value, r.file])).toEqual([
      [
        'math_500',
        0.834,
        'my-org/evals/deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B/v1.1.0/math_500/results_2025-10-21T08-03-51.771920.json',
      ],
    ]);
    expect(baseline?.perProblem.get('math_500')).toEqual([
      { problem: 'p1', score: 1 },
      { problem: 'p2', score: 0 },
    ]);
  });

  it('a fixed model@revision; none uploaded yet is null, not an error', async () => {
    await uploadRun('v1.0.0', '2026-01-01T00:00:00Z');
    const fixed = await resolveBaseline(
      client(),
      'my-org/evals',
      { kind: 'fixed', model: 'Qwen/Qwen2.5-Math-1.5B', revision: 'main' },
      { model: MODEL, revision: 'v2' },
    );
    expect(fixed?.label).toBe('Qwen/Qwen2.5-Math-1.5B@main');
    expect(
      await readBaselineResults(client(), 'my-org/evals', fixed as NonNullable<typeof fixed>),
    ).toBeNull();
  });
});
