import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildLightevalArgs, getBenchmark } from '@model-eval/planner';
import { afterEach, describe, expect, it } from 'vitest';
import { commandInput } from '../../packages/planner/test/fixtures';
import { release, samplesDrawn } from '../fixtures/lighteval-facts/facts';
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

// The sampling seed in the LightEval stand-in (issue 11, `seeds: N`). Where the seed goes and how it is
// typed are the release's facts (releases.json, read at each tag): the model-args `seed` is
// VLLMModelConfig.seed (`int` in 0.8.0's dataclass, NonNegativeInt from 0.9.0, default 1234), the
// per-request one GenerationParameters.seed; the results file keeps the model config (0.11+) or the
// generation parameters (≤ 0.10) in config_general (configGeneralKeys).

const modelsDir = fileURLToPath(new URL('../fixtures/models', import.meta.url));

afterEach(cleanup);

// The model of the end-to-end workflow_dispatch event (test/fixtures/events/workflow-dispatch.json).
const MODEL = 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B';

interface Output {
  code: number | null;
  stderr: string;
  results: Record<string, Record<string, number>>;
  configGeneral: Record<string, unknown>;
  /** Per problem: its metric (share of samples correct) and its sample texts. */
  rows: { metric: number; texts: string[] }[];
}

function onlyFile(dir: string): string {
  const names = readdirSync(dir);
  expect(names).toHaveLength(1);
  return join(dir, names[0] ?? '');
}

async function readOutput(
  dir: string,
  modelPath: string,
  code: number | null,
  stderr: string,
): Promise<Output> {
  const file = JSON.parse(readFileSync(onlyFile(join(dir, 'results', modelPath)), 'utf8'));
  const raw = await readParquet(onlyFile(onlyFile(join(dir, 'details', modelPath))));
  const rows = raw.map((row) => {
    const metric = (row.metric ?? row.metrics) as Record<string, number>;
    const texts = ((row.model_response as { text?: string[] } | undefined)?.text ??
      row.predictions) as string[];
    return { metric: Object.values(metric)[0] ?? Number.NaN, texts };
  });
  return { code, stderr, results: file.results, configGeneral: file.config_general, rows };
}

/**
 * The planner's `lighteval vllm` argv for MATH-500 (4 samples) with a seed added: `seed=…` appended to
 * the model args (`engine`), `seed:…` put into the planner's generation_parameters={…} (`request`).
 */
interface Seeds {
  engine?: string;
  request?: string;
}
function argv(version: string, dir: string, seeds: Seeds = {}): string[] {
  const args = buildLightevalArgs(
    commandInput({
      model: MODEL,
      revision: 'main',
      lightevalVersion: version,
      benchmarks: [getBenchmark('math_500')],
    }),
  ).argv.slice(1);
  const out = args.map((a) => (a === 'out' ? dir : a));
  let modelArgs = out[1] ?? '';
  expect(modelArgs).toContain('generation_parameters={');
  if (seeds.request !== undefined)
    modelArgs = modelArgs.replace('generation_parameters={', `generation_parameters={seed:${seeds.request},`);
  if (seeds.engine !== undefined) modelArgs = `${modelArgs},seed=${seeds.engine}`;
  out[1] = modelArgs;
  return out;
}

async function vllm(version: string, seeds: Seeds = {}): Promise<Output> {
  const dir = tempDir();
  const r = await run(standins.lighteval, argv(version, dir, seeds), {
    LIGHTEVAL_STANDIN_VERSION: version,
    LIGHTEVAL_STANDIN_MODELS_DIR: modelsDir,
  });
  expect(r.code, r.stderr).toBe(0);
  return readOutput(dir, MODEL, r.code, r.stderr);
}

const taskKey = (o: Output) => Object.keys(o.results).find((k) => k !== 'all') ?? '';
const scoreOf = (o: Output) => Object.values(o.results[taskKey(o)] ?? {})[0] ?? Number.NaN;
const metrics = (o: Output) => o.rows.map((r) => r.metric);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The results file and the details agree: score = mean of per-problem metrics, stderr from it, texts. */
function expectConsistent(o: Output, samples: number, exact: boolean) {
  const score = scoreOf(o);
  const perProblem = mean(metrics(o));
  // At the default seed the score is the stand-in's 4-decimal number and the counts add up to
  // round(score × docs × samples): the details' mean is within half a sample of it.
  if (exact) expect(score).toBeCloseTo(perProblem, 12);
  else expect(Math.abs(score - perProblem)).toBeLessThanOrEqual(1 / (2 * o.rows.length * samples) + 1e-12);
  for (const [name, value] of Object.entries(o.results[taskKey(o)] ?? {})) {
    if (name.endsWith('_stderr'))
      expect(value).toBeCloseTo(Math.sqrt((score * (1 - score)) / o.rows.length), 5);
    else expect(value).toBe(score);
  }
  for (const row of o.rows) {
    expect(row.texts).toHaveLength(samples);
    expect(row.texts.filter((t) => t === 'SIMULATED correct answer').length).toBe(
      Math.round(row.metric * samples),
    );
  }
}

describe.each(['0.10.0', '0.13.0'])('LightEval %s: the model-args seed on math_500', (version) => {
  const facts = release(version);
  const spec = (dir: string) => argv(version, dir)[2] ?? '';
  const samples = samplesDrawn(version, spec('out'));

  it('the release has the keys the seed is passed in', () => {
    expect(samples).toBe(4);
    expect(facts.modelArgs.value.keys.seed).toBe('nonnegint');
    expect(facts.generationParameters.value.keys.seed).toBe('nonnegint?');
  });

  it('seed 1234 is the default; 1235 and 1236 draw other samples; files and details agree for each', async () => {
    const [none, s1234, s1235, s1236] = await Promise.all([
      vllm(version),
      vllm(version, { engine: '1234' }),
      vllm(version, { engine: '1235' }),
      vllm(version, { engine: '1236' }),
    ]);
    expect(s1234.results).toEqual(none.results);
    expect(metrics(s1234)).toEqual(metrics(none));
    expect(metrics(s1235)).not.toEqual(metrics(s1234));
    expect(metrics(s1236)).not.toEqual(metrics(s1234));
    expect(metrics(s1236)).not.toEqual(metrics(s1235));
    expect(new Set([scoreOf(s1234), scoreOf(s1235), scoreOf(s1236)]).size).toBe(3);
    expectConsistent(none, samples, false);
    expectConsistent(s1234, samples, false);
    expectConsistent(s1235, samples, true);
    expectConsistent(s1236, samples, true);
    // Problems every sample (or none) got right at the default seed stay so: the rate is 1 (or 0).
    const base = metrics(none);
    for (const o of [s1235, s1236]) {
      metrics(o).forEach((m, i) => {
        if (base[i] === 0 || base[i] === 1) expect(m).toBe(base[i]);
      });
    }
  });

  it('records the seed where the release keeps its config in the results file', async () => {
    const keys = facts.results.value.configGeneralKeys;
    const engine = await vllm(version, { engine: '1235' });
    const perRequest = await vllm(version, { request: '1236' });
    if (keys.includes('model_config')) {
      const config = (o: Output) => o.configGeneral.model_config as Record<string, Record<string, unknown>>;
      expect(config(engine).seed).toBe(1235);
      expect(config(engine).generation_parameters?.seed).toBeNull();
      expect(config(perRequest).seed).toBe(1234);
      expect(config(perRequest).generation_parameters?.seed).toBe(1236);
    } else {
      // ≤ 0.10 keep only the generation parameters (a full dump: every field, None unless given).
      expect(keys).toContain('generation_parameters');
      const generation = (o: Output) => o.configGeneral.generation_parameters as Record<string, unknown>;
      expect(Object.keys(generation(engine))).toEqual(Object.keys(facts.generationParameters.value.keys));
      expect(generation(engine).seed).toBeNull();
      expect(generation(perRequest).seed).toBe(1236);
    }
  });

  it("the per-request generation_parameters seed wins over the engine's model-args seed", async () => {
    const [both, perRequest, engine] = await Promise.all([
      vllm(version, { engine: '1235', request: '1236' }),
      vllm(version, { request: '1236' }),
      vllm(version, { engine: '1236' }),
    ]);
    expect(both.results).toEqual(perRequest.results);
    expect(metrics(both)).toEqual(metrics(perRequest));
    expect(metrics(engine)).toEqual(metrics(perRequest));
  });
});

describe('the spread across seeds is binomial sampling', () => {
  it('0.13.0, math_500@n=4, seeds 1235 – 1244: scores scatter around the default-seed score as Σp(1-p)/n predicts', async () => {
    const base = await vllm('0.13.0');
    const runs = await Promise.all(
      Array.from({ length: 10 }, (_, k) => vllm('0.13.0', { engine: String(1235 + k) })),
    );
    const scores = runs.map(scoreOf);
    const docs = base.rows.length;
    const predicted = Math.sqrt(metrics(base).reduce((a, p) => a + (p * (1 - p)) / 4, 0)) / docs;
    const centre = mean(scores);
    const sd = Math.sqrt(scores.reduce((a, s) => a + (s - centre) ** 2, 0) / (scores.length - 1));
    expect(predicted).toBeGreaterThan(0.005);
    expect(sd).toBeGreaterThan(predicted / 2.5);
    expect(sd).toBeLessThan(predicted * 2.5);
    expect(Math.abs(centre - scoreOf(base))).toBeLessThan((4 * predicted) / Math.sqrt(scores.length));
  });
});

describe('bad seeds fail as the release validates them', () => {
  const failing = async (version: string, seeds: Seeds) => {
    const dir = tempDir();
    const r = await run(standins.lighteval, argv(version, dir, seeds), {
      LIGHTEVAL_STANDIN_VERSION: version,
      LIGHTEVAL_STANDIN_MODELS_DIR: modelsDir,
    });
    expect(readdirSync(dir)).toEqual([]);
    return r;
  };

  it('0.13.0: seed is a NonNegativeInt (pydantic, lax mode): -1 and abc are validation errors', async () => {
    const negative = await failing('0.13.0', { engine: '-1' });
    expect(negative.code).toBe(1);
    expect(negative.stderr).toContain(
      "validation error for VLLMModelConfig\nseed\n  Input should be greater than or equal to 0 [type=greater_than_equal, input_value='-1', input_type=str]",
    );
    const text = await failing('0.13.0', { engine: 'abc' });
    expect(text.code).toBe(1);
    expect(text.stderr).toContain(
      "seed\n  Input should be a valid integer, unable to parse string as an integer [type=int_parsing, input_value='abc', input_type=str]",
    );
    const perRequest = await failing('0.13.0', { request: '-1' });
    expect(perRequest.stderr).toContain(
      'generation_parameters.seed\n  Input should be greater than or equal to 0 [type=greater_than_equal, input_value=-1, input_type=int]',
    );
  });

  it('0.8.0: the dataclass passes the model-args text to vLLM uncast, which numpy refuses as a seed', async () => {
    expect(release('0.8.0').modelArgs.value.keys.seed).toBe('int');
    expect(release('0.8.0').modelArgs.value.style).toBe('dataclass');
    const r = await failing('0.8.0', { engine: '1235' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "TypeError: Cannot cast scalar from dtype('<U4') to dtype('int64') according to the rule 'safe'",
    );
    // generation_parameters is JSON there: an int, into SamplingParams.
    const dir = tempDir();
    const ok = await run(standins.lighteval, argv('0.8.0', dir, { request: '1235' }), {
      LIGHTEVAL_STANDIN_VERSION: '0.8.0',
      LIGHTEVAL_STANDIN_MODELS_DIR: modelsDir,
    });
    expect(ok.code, ok.stderr).toBe(0);
  });
});

describe('lighteval endpoint litellm: the seed travels in the request', () => {
  async function server() {
    const port = await freePort();
    start(
      standins.vllm,
      ['serve', MODEL, '--served-model-name', 'qwen', '--host', '127.0.0.1', '--port', String(port)],
      { VLLM_STANDIN_LOAD_SECONDS: '0' },
    );
    const base = `http://127.0.0.1:${port}`;
    await waitFor(async () => ((await http(`${base}/health`))?.status === 200 ? true : undefined), 'vllm');
    return base;
  }
  async function endpoint(base: string, generation: string): Promise<Output> {
    const dir = tempDir();
    const args = `model_name=openai/qwen,base_url=${base}/v1,api_key=unused${generation ? `,generation_parameters={${generation}}` : ''}`;
    const r = await run(
      standins.lighteval,
      [
        'endpoint',
        'litellm',
        args,
        'math_500@n=4|0',
        '--output-dir',
        dir,
        '--save-details',
        '--max-samples',
        '40',
      ],
      { LIGHTEVAL_STANDIN_VERSION: '0.13.0' },
    );
    expect(r.code, r.stderr).toBe(0);
    return readOutput(dir, join('openai', 'qwen'), r.code, r.stderr);
  }

  it('0.13.0: no seed = 1234; 1235 scores as `lighteval vllm` does at 1235; the server answers per seed', async () => {
    const base = await server();
    const [none, s1234, s1235] = await Promise.all([
      endpoint(base, ''),
      endpoint(base, 'seed:1234'),
      endpoint(base, 'seed:1235'),
    ]);
    expect(s1234.results).toEqual(none.results);
    expect(metrics(s1235)).not.toEqual(metrics(s1234));
    const config = (o: Output) =>
      o.configGeneral.model_config as { generation_parameters: { seed: unknown } };
    expect(config(s1235).generation_parameters.seed).toBe(1235);
    expect(config(none).generation_parameters.seed).toBeNull();
    // The in-process backend, same served model, same seed (per request): the same numbers.
    const dir = tempDir();
    const local = await run(
      standins.lighteval,
      [
        'vllm',
        `model_name=${MODEL},generation_parameters={seed:1235}`,
        'math_500@n=4|0',
        '--output-dir',
        dir,
        '--save-details',
        '--max-samples',
        '40',
      ],
      { LIGHTEVAL_STANDIN_VERSION: '0.13.0', LIGHTEVAL_STANDIN_MODELS_DIR: modelsDir },
    );
    const inProcess = await readOutput(dir, MODEL, local.code, local.stderr);
    expect(s1235.results).toEqual(inProcess.results);
    expect(metrics(s1235)).toEqual(metrics(inProcess));
    expect(mean(metrics(s1235))).toBeCloseTo(scoreOf(s1235), 12);
    // vLLM samples other texts for another request seed (the server's answers are in the details).
    expect(s1235.rows[0]?.texts[0]).toMatch(/^SIMULATED answer /);
    expect(s1235.rows[0]?.texts).not.toEqual(s1234.rows[0]?.texts);
    expect(s1234.rows[0]?.texts).not.toEqual(none.rows[0]?.texts);
  });
});
