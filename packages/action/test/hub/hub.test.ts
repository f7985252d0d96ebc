import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parquetMetadata } from 'hyparquet';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type HubEmulator, startHubEmulator } from '../../../../test/emulators/hub';
import { createHubDatasetStore, type HubDatasetStore } from '../../../../test/emulators/hub-datasets';
import {
  CARD_PATH,
  decodeSummary,
  encodeSummary,
  HubCommitConflictError,
  HubRequestError,
  HubUnavailableError,
  hubClientFromEnv,
  MissingHubTokenError,
  readBaselineResults,
  resolveBaseline,
  SUMMARY_COLUMNS,
  SUMMARY_PATH,
  type SummaryRecord,
  summaryRecordsForRun,
  uploadResults,
} from '../../src/hub';
import { detailsParquet } from '../results/details-fixture';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures');
const TOKEN = 'hf_test_write_token';
const REPO = 'my-org/evals';
const MODEL = 'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B';
const TIMESTAMP = '2025-10-21T08-03-51.771920';
const RESULTS_FILE = `${FIXTURES}/lighteval-results/v0.12/results/${MODEL}/results_${TIMESTAMP}.json`;

let hub: HubEmulator;
let store: HubDatasetStore;
const sleeps: number[] = [];
const retryMessages: string[] = [];

beforeEach(async () => {
  store = createHubDatasetStore({ token: TOKEN });
  hub = await startHubEmulator({ modelsDir: `${FIXTURES}/models`, token: TOKEN, extraRoutes: store.routes });
  sleeps.length = 0;
  retryMessages.length = 0;
});
afterEach(async () => {
  await hub.close();
});

function client(token: string | null = TOKEN) {
  return hubClientFromEnv(
    { HF_ENDPOINT: hub.url },
    {
      accessToken: token ?? undefined,
      retry: {
        attempts: 4,
        baseDelayMs: 1000,
        maxDelayMs: 8000,
        maxRetryAfterMs: 120_000,
        sleep: async (ms) => void sleeps.push(ms),
        onRetry: (message) => void retryMessages.push(message),
      },
    },
  );
}

const details = () =>
  new Uint8Array(
    detailsParquet('doc-metric', 'pass@k:k=1&n=1', [
      { query: 'p1', score: 1 },
      { query: 'p2', score: 0 },
    ]),
  );

interface RunSpec {
  revision: string;
  finishedAt: string;
  runId?: string;
  benchmarks?: string[];
  step?: number;
  withDetails?: boolean;
}

async function runUpload(spec: RunSpec) {
  const resultsJson = await readFile(RESULTS_FILE, 'utf8');
  const benchmarks = spec.benchmarks ?? ['math_500'];
  const summary = summaryRecordsForRun({
    runId: spec.runId ?? `run-${spec.revision}`,
    model: MODEL,
    revision: spec.revision,
    commitSha: 'ad9f0ae0864d7fbcd1cd905e3c6c5b069cc8b562',
    step: spec.step ?? null,
    finishedAt: spec.finishedAt,
    runUrl: 'https://github.com/o/r/actions/runs/42',
    simulated: false,
    lightevalVersion: '0.12.0',
    vllmVersion: '0.10.2',
    results: benchmarks.map((benchmark) => ({
      benchmark,
      task: `lighteval|${benchmark}|0`,
      metric: 'pass@k:k=1&n=1',
      value: 0.834,
      stderr: 0.016656,
      samples: 1,
      problems: 500,
    })),
    jobs: [{ id: '17', benchmarks, gpuHours: 0.5 }],
  });
  return {
    repo: REPO,
    model: MODEL,
    revision: spec.revision,
    files: benchmarks.map((benchmark) => ({
      benchmark,
      timestamp: TIMESTAMP,
      resultsJson,
      ...(spec.withDetails !== false && { details: details() }),
    })),
    summary,
    workflowRunUrl: 'https://github.com/o/r/actions/runs/42',
  };
}

async function uploadRun(spec: RunSpec, c = client()) {
  return uploadResults(c, await runUpload(spec));
}

const files = () => store.repos.get(REPO)?.files ?? new Map<string, Buffer>();
const summaryRows = async (): Promise<SummaryRecord[]> => {
  const bytes = files().get(SUMMARY_PATH);
  return bytes ? decodeSummary(new Uint8Array(bytes), SUMMARY_PATH) : [];
};
const card = () => {
  const text = files().get(CARD_PATH)?.toString('utf8') ?? '';
  const yaml = /^---\n([\s\S]*?)\n---\n/.exec(text)?.[1] ?? '';
  return {
    text,
    metadata: parse(yaml) as {
      configs: { config_name: string; data_files: { split: string; path: string }[] }[];
    },
  };
};

describe('uploading results to a Hub dataset', () => {
  it('creates the repo private and commits results, details, the summary and the card in one commit on the head', async () => {
    const outcome = await uploadRun({ revision: 'v1.0.0', finishedAt: '2026-01-01T00:00:00Z' });
    expect(store.repos.get(REPO)?.visibility).toBe('private');
    expect(store.commits).toHaveLength(1);
    const [commit] = store.commits;
    expect(commit?.paths).toEqual([
      `${MODEL}/v1.0.0/math_500/results_${TIMESTAMP}.json`,
      `${MODEL}/v1.0.0/math_500/details_${TIMESTAMP}.parquet`,
      'summary.parquet',
      'README.md',
    ]);
    expect(commit?.title).toBe(`Evaluate ${MODEL}@v1.0.0`);
    expect(commit?.description).toBe('Workflow run: https://github.com/o/r/actions/runs/42');
    expect(outcome.commitOid).toBe(commit?.oid);
    expect(outcome.conflicts).toBe(0);
    expect(
      files()
        .get(commit?.paths[0] ?? '')
        ?.toString('utf8'),
    ).toBe(await readFile(RESULTS_FILE, 'utf8'));
    const [row] = await summaryRows();
    expect(row).toMatchObject({
      model: MODEL,
      revision: 'v1.0.0',
      commit_sha: 'ad9f0ae0864d7fbcd1cd905e3c6c5b069cc8b562',
      benchmark: 'math_500',
      score: 0.834,
      problems: 500,
      gpu_hours: 0.5,
      results_file: commit?.paths[0],
      details_file: commit?.paths[1],
    });
    // Every commit names its parent: the head it read.
    const commitRequest = store.requests.find((r) => r.path.includes('/commit/'));
    expect(commitRequest?.status).toBe(200);
  });

  it('appends rows run after run, and tolerates "already exists" on the second run', async () => {
    await uploadRun({ revision: 'v1.0.0', finishedAt: '2026-01-01T00:00:00Z' });
    await uploadRun({ revision: 'v1.1.0', finishedAt: '2026-02-01T00:00:00Z' });
    expect((await summaryRows()).map((r) => r.revision)).toEqual(['v1.0.0', 'v1.1.0']);
    expect(store.requests.filter((r) => r.path === '/api/repos/create').map((r) => r.status)).toEqual([
      200, 200,
    ]);
  });

  it('two uploads racing (both read the same head) keep both rows: the loser gets 412, re-reads and retries', async () => {
    await uploadRun({ revision: 'v1.0.0', finishedAt: '2026-01-01T00:00:00Z' });
    // Hold the first two commit requests until both have arrived: both were built on the same head.
    let arrived = 0;
    let release: () => void = () => {};
    const bothThere = new Promise<void>((resolve) => {
      release = resolve;
    });
    store.commitGate = async () => {
      arrived++;
      if (arrived === 2) release();
      if (arrived <= 2) await bothThere;
    };
    const [a, b] = await Promise.all([
      uploadRun({ revision: 'step-100', step: 100, finishedAt: '2026-03-01T00:00:00Z' }),
      uploadRun({ revision: 'step-200', step: 200, finishedAt: '2026-03-01T00:00:01Z' }),
    ]);
    expect(store.requests.filter((r) => r.path.includes('/commit/')).map((r) => r.status)).toEqual([
      200, 200, 412, 200,
    ]);
    expect([a.conflicts, b.conflicts].sort()).toEqual([0, 1]);
    expect((await summaryRows()).map((r) => r.revision).sort()).toEqual(['step-100', 'step-200', 'v1.0.0']);
    // The card was rebuilt from the re-read summary too: both runs' details configs are there.
    const splits = card().metadata.configs.find((c) => c.config_name === 'details_math_500')?.data_files;
    expect(splits?.map((s) => s.path)).toEqual(
      expect.arrayContaining([
        `${MODEL}/step-100/math_500/details_${TIMESTAMP}.parquet`,
        `${MODEL}/step-200/math_500/details_${TIMESTAMP}.parquet`,
      ]),
    );
  });

  it('a retry whose earlier commit landed (answer lost) does not add its rows twice', async () => {
    const upload = await runUpload({ revision: 'v1.0.0', finishedAt: '2026-01-01T00:00:00Z' });
    await uploadResults(client(), upload);
    const again = await uploadResults(client(), upload);
    expect(again.appendedRows).toBe(0);
    expect(store.commits).toHaveLength(1);
    expect(await summaryRows()).toHaveLength(1);
  });

  it('other commits winning every time ends in a typed error with a hint, not a lost row', async () => {
    // Every commit request finds that "someone else" moved the head meanwhile.
    store.commitGate = async (repo) => {
      const state = store.repos.get(repo);
      if (state) {
        state.head = `${state.head.slice(0, 30)}${String(Math.random()).slice(2, 12)}`;
        state.snapshots.set(state.head, new Map(state.files));
      }
    };
    const error = await uploadResults(
      client(),
      await runUpload({ revision: 'v1', finishedAt: '2026-01-01T00:00:00Z' }),
      {
        conflictAttempts: 3,
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubCommitConflictError);
    expect((error as HubCommitConflictError).hint).toContain('artifact');
    expect(store.requests.filter((r) => r.path.includes('/commit/')).map((r) => r.status)).toEqual([
      412, 412, 412,
    ]);
  });

  it('retries 5xx and 429 with growing delays, then succeeds', async () => {
    store.failNext(3, 503);
    await uploadRun({ revision: 'v1.0.0', finishedAt: '2026-01-01T00:00:00Z' });
    expect(store.requests.slice(0, 3).map((r) => r.status)).toEqual([503, 503, 503]);
    expect(store.commits).toHaveLength(1);
    // base 1000 ms doubling, ±25% jitter: ~1000, ~2000, ~4000
    expect(sleeps).toHaveLength(3);
    sleeps.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(750 * 2 ** i);
      expect(ms).toBeLessThanOrEqual(1250 * 2 ** i);
    });
    // Each retry is announced: what failed, which retry, how long the wait is.
    expect(retryMessages).toHaveLength(3);
    expect(retryMessages[0]).toMatch(/^Hub: .+ failed \(.*503.*\); retry 1 of 3 in \d+\.\d s\.$/);
    expect(retryMessages[2]).toContain('retry 3 of 3');
  });

  it('a 429 with Retry-After waits what the Hub asked, not the shorter backoff', async () => {
    store.failNext(1, 429, { retryAfter: '30', path: /\/commit\// });
    await uploadRun({ revision: 'v1.0.0', finishedAt: '2026-01-01T00:00:00Z' });
    expect(store.requests.filter((r) => r.path.includes('/commit/')).map((r) => r.status)).toEqual([
      429, 200,
    ]);
    expect(sleeps).toEqual([30_000]);
  });

  it('a Retry-After longer than the policy allows stops at once: the Hub is down for now', async () => {
    store.failNext(1, 503, { retryAfter: '3600' });
    const error = await uploadRun({ revision: 'v1.0.0', finishedAt: '2026-01-01T00:00:00Z' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HubUnavailableError);
    expect((error as Error).message).toContain('Retry-After 3600 s');
    expect(sleeps).toEqual([]);
  });

  it('a Hub that stays down is a typed error with a hint, after every attempt', async () => {
    store.outage = true;
    const error = await uploadRun({ revision: 'v1.0.0', finishedAt: '2026-01-01T00:00:00Z' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HubUnavailableError);
    expect((error as HubUnavailableError).attempts).toBe(4);
    expect((error as HubUnavailableError).hint).toContain('artifact');
    expect(store.requests).toHaveLength(4);
    expect(store.commits).toHaveLength(0);
  });

  it('a refused token is not retried', async () => {
    const error = await uploadResults(client('hf_wrong'), {
      ...(await runUpload({ revision: 'v1', finishedAt: '2026-01-01T00:00:00Z' })),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubRequestError);
    expect((error as HubRequestError).status).toBe(401);
    expect(store.requests).toHaveLength(1);
  });

  it('no token: says so before any request', async () => {
    await expect(
      uploadResults(client(null), await runUpload({ revision: 'v1', finishedAt: '2026-01-01T00:00:00Z' })),
    ).rejects.toThrow(MissingHubTokenError);
    expect(store.requests).toHaveLength(0);
  });
});

describe('what the Hub viewer sees', () => {
  it("every path in the card's configs is a file in the same commit", async () => {
    await uploadRun({
      revision: 'v1.0.0',
      finishedAt: '2026-01-01T00:00:00Z',
      benchmarks: ['math_500', 'aime24'],
    });
    await uploadRun({ revision: 'v1.1.0', finishedAt: '2026-02-01T00:00:00Z', benchmarks: ['gpqa:diamond'] });
    await uploadRun({ revision: 'v1.2.0', finishedAt: '2026-03-01T00:00:00Z', withDetails: false });
    const { metadata } = card();
    expect(metadata.configs.map((c) => c.config_name)).toEqual([
      'summary',
      'details_aime24',
      'details_gpqa_diamond',
      'details_math_500',
    ]);
    const paths = metadata.configs.flatMap((c) => c.data_files.map((f) => f.path));
    expect(paths.length).toBeGreaterThan(4);
    for (const p of paths) expect(files().has(p), p).toBe(true);
    for (const split of metadata.configs.flatMap((c) => c.data_files.map((f) => f.split))) {
      expect(split).toMatch(/^\w+(\.\w+)*$/);
    }
    expect(metadata.configs[0]).toMatchObject({ config_name: 'summary', default: true });
  });

  it('the summary schema is the same whatever benchmarks a run had, and with or without a baseline', async () => {
    const schemas: string[] = [];
    const schemaNow = () => {
      const bytes = files().get(SUMMARY_PATH) ?? Buffer.alloc(0);
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      return JSON.stringify(parquetMetadata(buffer).schema.map((s) => [s.name, s.type, s.converted_type]));
    };
    await uploadRun({ revision: 'v1', finishedAt: '2026-01-01T00:00:00Z', benchmarks: ['math_500'] });
    schemas.push(schemaNow());
    await uploadRun({
      revision: 'v2',
      finishedAt: '2026-01-02T00:00:00Z',
      benchmarks: ['aime24', 'lcb:codegeneration'],
    });
    schemas.push(schemaNow());
    const upload = await runUpload({
      revision: 'v3',
      finishedAt: '2026-01-03T00:00:00Z',
      benchmarks: ['gpqa:diamond'],
    });
    await uploadResults(client(), {
      ...upload,
      summary: upload.summary.map((r) => ({
        ...r,
        baseline: 'v2',
        baseline_score: 0.8,
        delta: 0.034,
        verdict: 'improved',
      })),
    });
    schemas.push(schemaNow());
    expect(new Set(schemas).size).toBe(1);
    const names = (JSON.parse(schemas[0] ?? '[]') as string[][]).slice(1).map(([name]) => name);
    expect(names).toEqual(SUMMARY_COLUMNS.map(([name]) => name));
    expect((await summaryRows()).map((r) => r.benchmark)).toEqual([
      'math_500',
      'aime24',
      'lcb:codegeneration',
      'gpqa:diamond',
    ]);
  });
});

describe('reading a baseline from the results repo', () => {
  it('previous release: the newest earlier release of the same model, with its per-problem details', async () => {
    await uploadRun({ revision: 'v1.0.0', finishedAt: '2026-01-01T00:00:00Z' });
    await uploadRun({ revision: 'v1.1.0', finishedAt: '2026-02-01T00:00:00Z' });
    const target = await resolveBaseline(
      client(),
      REPO,
      { kind: 'previous-release' },
      { model: MODEL, revision: 'v1.2.0' },
    );
    expect(target).toEqual({ model: MODEL, revision: 'v1.1.0', label: 'v1.1.0' });
    const baseline = await readBaselineResults(client(), REPO, target as NonNullable<typeof target>);
    // The uploaded file holds four tasks; only the one of its benchmark folder (math_500) counts.
    expect(baseline?.rows.map((r) => [r.benchmark, r.value, r.file])).toEqual([
      ['math_500', 0.834, `${REPO}/${MODEL}/v1.1.0/math_500/results_${TIMESTAMP}.json`],
    ]);
    expect(baseline?.perProblem.get('math_500')).toEqual([
      { problem: 'p1', score: 1 },
      { problem: 'p2', score: 0 },
    ]);
  });

  it('a fixed model@revision; none uploaded yet is null, not an error', async () => {
    await uploadRun({ revision: 'v1.0.0', finishedAt: '2026-01-01T00:00:00Z' });
    const fixed = await resolveBaseline(
      client(),
      REPO,
      { kind: 'fixed', model: 'Qwen/Qwen2.5-Math-1.5B', revision: 'main' },
      { model: MODEL, revision: 'v2' },
    );
    expect(fixed?.label).toBe('Qwen/Qwen2.5-Math-1.5B@main');
    expect(await readBaselineResults(client(), REPO, fixed as NonNullable<typeof fixed>)).toBeNull();
  });
});

describe('a seeds run in the results repo', () => {
  const seeds = [
    { seed: 1234, value: 0.8, timestamp: '2026-03-01T10-00-00.000001', scores: [1, 0] },
    { seed: 1235, value: 0.7, timestamp: '2026-03-01T10-00-05.000002', scores: [1, 1] },
    { seed: 1236, value: 0.9, timestamp: '2026-03-01T09-59-58.000003', scores: [0, 0] },
  ];

  async function uploadSeeded() {
    // LightEval writes Python's JSON (NaN included): edit the text, as a seed's own file would differ.
    const text = await readFile(RESULTS_FILE, 'utf8');
    expect(text).toContain('"pass@k:k=1&n=1": 0.834');
    const base = await runUpload({ revision: 'v5', finishedAt: '2026-03-01T11:00:00Z' });
    const files = seeds.map((s) => {
      return {
        benchmark: 'math_500',
        timestamp: s.timestamp,
        resultsJson: text.replace('"pass@k:k=1&n=1": 0.834', `"pass@k:k=1&n=1": ${s.value}`),
        details: new Uint8Array(
          detailsParquet('doc-metric', 'pass@k:k=1&n=1', [
            { query: 'p1', score: s.scores[0] ?? 0 },
            { query: 'p2', score: s.scores[1] ?? 0 },
          ]),
        ),
      };
    });
    const summary = base.summary.map((r) => ({
      ...r,
      seeds: '1234,1235,1236',
      seed_scores: '1234:0.8,1235:0.7,1236:0.9',
    }));
    await uploadResults(client(), { ...base, files, summary });
  }

  it('uploads every seed file and names them all in the summary row, first seed first', async () => {
    await uploadSeeded();
    const rows = (await summaryRows()).filter((r) => r.revision === 'v5');
    expect(rows).toHaveLength(1);
    const paths = seeds.map((s) => `${MODEL}/v5/math_500/results_${s.timestamp}.json`);
    expect(rows[0]?.results_file).toBe(paths[0]);
    expect(rows[0]?.seed_files).toBe(paths.join(','));
    expect(rows[0]?.seed_scores).toBe('1234:0.8,1235:0.7,1236:0.9');
  });

  it('a summary row naming files outside the benchmark folder is not followed: the newest file alone', async () => {
    await uploadRun({ revision: 'v6', finishedAt: '2026-03-02T00:00:00Z' });
    const own = `${MODEL}/v6/math_500/results_${TIMESTAMP}.json`;
    const base = await runUpload({ revision: 'v7', finishedAt: '2026-03-02T01:00:00Z' });
    // A row (as a hostile or broken writer could leave it) claiming v6's file with one of another folder.
    const summary = base.summary.map((r) => ({ ...r, revision: 'v7', seeds: '1234,1235' }));
    await uploadResults(client(), { ...base, summary });
    const rows = (await summaryRows()).map((r) =>
      r.revision === 'v7' ? { ...r, seed_files: `${own},${MODEL}/v7/aime24/results_x.json` } : r,
    );
    store.repos.get(REPO)?.files.set(SUMMARY_PATH, Buffer.from(encodeSummary(rows)));
    const baseline = await readBaselineResults(client(), REPO, { model: MODEL, revision: 'v6', label: 'v6' });
    expect(baseline?.rows.map((r) => [r.benchmark, r.value, r.seedRuns])).toEqual([
      ['math_500', 0.834, undefined],
    ]);
  });

  it('as a baseline: one row merged over the seeds (not the newest seed alone), every seed’s details', async () => {
    await uploadSeeded();
    const baseline = await readBaselineResults(client(), REPO, { model: MODEL, revision: 'v5', label: 'v5' });
    expect(baseline?.rows).toHaveLength(1);
    const row = baseline?.rows[0];
    // The newest file (1235's, 0.7) alone would be the old reading; the merge is the seeds' mean.
    expect(row?.value).toBeCloseTo((0.8 + 0.7 + 0.9) / 3, 12);
    expect(row?.seedRuns?.map((s) => [s.seed, s.value])).toEqual([
      [1234, 0.8],
      [1235, 0.7],
      [1236, 0.9],
    ]);
    expect(baseline?.perProblem.get('math_500')).toEqual([
      { problem: 'p1', score: 1 },
      { problem: 'p2', score: 0 },
      { problem: 'p1', score: 1 },
      { problem: 'p2', score: 1 },
      { problem: 'p1', score: 0 },
      { problem: 'p2', score: 0 },
    ]);
  });
});
