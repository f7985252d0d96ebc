import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { type HubEmulator, startHubEmulator } from '../../../../test/emulators/hub';
import { createHubDatasetStore, type HubDatasetStore } from '../../../../test/emulators/hub-datasets';
import { evalResultsFiles, hubClientFromEnv, openEvalResultsPr, type SummaryRecord } from '../../src/hub';
import { NO_BASELINE } from './summary-fixtures';

const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures');
const TOKEN = 'hf_test_write_token';

function row(overrides: Partial<SummaryRecord>): SummaryRecord {
  return {
    model: 'org/model',
    revision: 'v1.2.0',
    commit_sha: 'ad9f0ae0864d7fbcd1cd905e3c6c5b069cc8b562',
    benchmark: 'gpqa:diamond',
    metric: 'gpqa_pass@k:k=1',
    problems: 198,
    samples: 1,
    score: 0.412,
    stderr: 0.035,
    ci_low: null,
    ci_high: null,
    ...NO_BASELINE,
    lighteval_version: '0.13.0',
    vllm_version: '0.11.0',
    gpu_hours: 1,
    job_id: '1',
    run_url: 'https://github.com/o/r/actions/runs/42',
    finished_at: '2026-01-15T10:30:00Z',
    run_id: 'r1',
    step: null,
    simulated: false,
    task: 'gpqa:diamond|0',
    results_file: 'x.json',
    details_file: null,
    ...overrides,
  };
}

describe("the Hub's .eval_results format", () => {
  it('one file per benchmark, entries shaped as huggingface_hub writes them', () => {
    const files = evalResultsFiles([row({})], {
      url: 'https://hf.co/datasets/o/evals',
      name: 'model-eval-action',
    });
    expect(files.map((f) => f.path)).toEqual(['.eval_results/gpqa_diamond.yaml']);
    expect(parse(files[0]?.content ?? '')).toEqual([
      {
        dataset: { id: 'Idavidrein/gpqa', task_id: 'gpqa_diamond' },
        value: 0.412,
        date: '2026-01-15T10:30:00Z',
        source: { url: 'https://github.com/o/r/actions/runs/42', name: 'model-eval-action' },
        notes:
          'metric gpqa_pass@k:k=1; 1 sample(s) per problem; LightEval 0.13.0; vLLM 0.11.0; revision v1.2.0 (ad9f0ae0864d7fbcd1cd905e3c6c5b069cc8b562)',
      },
    ]);
  });

  it('never publishes simulated scores, missing scores or benchmarks without a Hub dataset', () => {
    const source = { url: 'u', name: 'n' };
    expect(evalResultsFiles([row({ simulated: true })], source)).toEqual([]);
    expect(evalResultsFiles([row({ score: null })], source)).toEqual([]);
    expect(evalResultsFiles([row({ benchmark: 'my_custom_task' })], source)).toEqual([]);
  });
});

describe('the model-card pull request', () => {
  let hub: HubEmulator;
  let store: HubDatasetStore;
  beforeEach(async () => {
    store = createHubDatasetStore({ token: TOKEN });
    hub = await startHubEmulator({
      modelsDir: `${FIXTURES}/models`,
      token: TOKEN,
      extraRoutes: store.routes,
    });
  });
  afterEach(async () => {
    await hub.close();
  });
  const client = () => hubClientFromEnv({ HF_ENDPOINT: hub.url }, { accessToken: TOKEN });

  it('opens one pull request on the model with the files, and returns its URL', async () => {
    const pr = await openEvalResultsPr(client(), {
      model: 'org/model',
      rows: [row({}), row({ benchmark: 'aime24', score: 0.3 })],
      resultsDatasetUrl: `${hub.url}/datasets/o/evals`,
    });
    expect(pr?.pullRequestUrl).toBe('https://huggingface.co/org/model/discussions/1');
    expect(store.pullRequests).toHaveLength(1);
    const [opened] = store.pullRequests;
    expect(opened?.title).toBe('Add evaluation results for v1.2.0');
    expect(opened?.description).toContain(`${hub.url}/datasets/o/evals`);
    expect([...(opened?.files.keys() ?? [])]).toEqual([
      '.eval_results/gpqa_diamond.yaml',
      '.eval_results/aime24.yaml',
    ]);
    expect(parse(opened?.files.get('.eval_results/aime24.yaml')?.toString('utf8') ?? '')[0].dataset).toEqual({
      id: 'HuggingFaceH4/aime_2024',
      task_id: 'default',
    });
  });

  it('nothing to publish (a simulated run): no pull request, no request', async () => {
    const before = hub.requests.length;
    expect(
      await openEvalResultsPr(client(), {
        model: 'org/model',
        rows: [row({ simulated: true })],
        resultsDatasetUrl: 'u',
      }),
    ).toBeNull();
    expect(hub.requests.length).toBe(before);
  });
});
