import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  benchmarkCatalog,
  buildLightevalArgs,
  getBenchmark,
  type LightevalCommandInput,
} from '@model-eval/planner';
import { afterEach, describe, expect, it } from 'vitest';
import { commandInput } from '../../packages/planner/test/fixtures';
import { factValues } from '../fixtures/lighteval/embed-facts.mjs';
import {
  benchmarkFacts,
  factsPath,
  lightevalFacts,
  release,
  releaseVersions,
} from '../fixtures/lighteval-facts/facts';
import { readParquet } from '../support/parquet';

// The LightEval stand-in imitates the release it is told (LIGHTEVAL_STANDIN_VERSION), from the fact
// table read at each release tag: it accepts exactly that release's command line, refuses the rest with
// the real texts and exit codes, warns where the real one warns, and writes that release's files.

const standin = fileURLToPath(new URL('../fixtures/lighteval/lighteval', import.meta.url));
const modelsDir = fileURLToPath(new URL('../fixtures/models', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function lighteval(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [standin, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', LIGHTEVAL_STANDIN_MODELS_DIR: modelsDir, ...env },
    timeout: 20_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function outputDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'standin-'));
  dirs.push(dir);
  return dir;
}

interface ResultsFile {
  config_general: Record<string, unknown>;
  results: Record<string, Record<string, number>>;
  versions: Record<string, number>;
  config_tasks: Record<string, unknown>;
}

function readResults(dir: string, model: string): { name: string; file: ResultsFile } {
  const resultsDir = join(dir, 'results', model);
  const names = readdirSync(resultsDir);
  expect(names).toHaveLength(1);
  const name = names[0] ?? '';
  return { name, file: JSON.parse(readFileSync(join(resultsDir, name), 'utf8')) as ResultsFile };
}

const MODEL = 'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B';
function plannedArgv(version: string, overrides: Partial<LightevalCommandInput> = {}): string[] {
  return buildLightevalArgs(
    commandInput({ model: MODEL, revision: 'main', lightevalVersion: version, ...overrides }),
  ).argv.slice(1);
}
const withOutput = (argv: string[], dir: string) => argv.map((a) => (a === 'out' ? dir : a));
const run = (version: string, argv: string[], env: Record<string, string> = {}) =>
  lighteval(argv, { LIGHTEVAL_STANDIN_VERSION: version, ...env });

describe('the stand-in is driven by the fact table', () => {
  it('embeds exactly the table (regenerate with node test/fixtures/lighteval/embed-facts.mjs)', () => {
    const text = readFileSync(standin, 'utf8');
    const embedded = /\/\* FACTS-BEGIN \*\/ (.*) \/\* FACTS-END \*\//s.exec(text)?.[1] ?? 'null';
    expect(JSON.parse(embedded)).toEqual(factValues(JSON.parse(readFileSync(factsPath, 'utf8'))));
  });

  it('refuses a release it does not know, and has no --version (neither has the real CLI)', () => {
    const unknown = run('0.7.0', ['vllm', 'model_name=x', 'math_500|0']);
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining('0.8.0, 0.9.0')]);
    const version = run('0.13.0', ['--version']);
    expect(version.code).toBe(2);
    expect(version.stderr).toContain('No such option: --version');
  });
});

describe.each(releaseVersions)('LightEval %s imitated', (version) => {
  const facts = release(version);

  it("runs the planner's command line for all five benchmarks and writes that release's files", async () => {
    const dir = outputDir();
    const result = run(version, withOutput(plannedArgv(version), dir));
    expect(result.stderr).not.toContain('Deprecation warning');
    expect(result.code, result.stderr).toBe(0);
    const { file } = readResults(dir, MODEL);
    const expectedKeys = benchmarkCatalog.map((b) => {
      const bench = benchmarkFacts(facts, b.name);
      return facts.results.value.resultsKey === 'task|fewshot' ? `${b.task}|0` : `${bench.suite}|${b.task}|0`;
    });
    expect(Object.keys(file.results)).toEqual([...expectedKeys, 'all']);
    for (const [i, b] of benchmarkCatalog.entries()) {
      const names = benchmarkFacts(facts, b.name).metricNames;
      expect(Object.keys(file.results[expectedKeys[i] ?? ''] ?? {})).toEqual(
        names.flatMap((n) => [n, `${n}_stderr`]),
      );
    }
    expect(Object.keys(file)).toEqual(facts.results.value.topLevelKeys);
    expect(Object.keys(file.versions).length > 0).toBe(facts.results.value.versionsFilled);
    expect(Object.keys(file.config_general)).toEqual([
      ...facts.results.value.configGeneralKeys,
      'simulated',
      'simulated_by',
    ]);
    const configStyle = facts.results.value.configTasksKey;
    expect(Object.keys(file.config_tasks)).toEqual(
      expectedKeys.map((k) => (configStyle === 'suite|task' ? k.replace(/\|0$/, '') : k)),
    );

    // Details: parquet, one file per task, named by the results key, with the release's columns.
    const detailsRoot = join(dir, 'details', MODEL);
    const [stamp] = readdirSync(detailsRoot);
    const files = readdirSync(join(detailsRoot, stamp ?? ''));
    expect(files.sort()).toEqual(expectedKeys.map((k) => `details_${k}_${stamp}.parquet`).sort());
    const rows = await readParquet(
      join(detailsRoot, stamp ?? '', `details_${expectedKeys[0]}_${stamp}.parquet`),
    );
    expect(rows).toHaveLength(500);
    expect(Object.keys(rows[0] ?? {}).sort()).toEqual([...facts.details.value.columns].sort());
  });

  it('refuses an unknown option (exit 2) and accepts the --no-X twin of a bool option', () => {
    const argv = plannedArgv(version);
    const unknown = run(version, [...argv, '--no-such-option']);
    expect([unknown.code, unknown.stderr]).toEqual([
      2,
      expect.stringContaining('No such option: --no-such-option'),
    ]);
    const notAnInteger = run(version, [...argv, '--max-samples', 'ten']);
    expect(notAnInteger.code).toBe(2);
    expect(notAnInteger.stderr).toContain("Invalid value for '--max-samples': 'ten' is not a valid integer.");
    const dir = outputDir();
    expect(run(version, [...withOutput(argv, dir), '--no-save-details', '--max-samples', '2']).code).toBe(0);
    expect(existsSync(join(dir, 'details'))).toBe(false);
  });

  it('refuses a model-args key the release does not have, with the release’s own error', () => {
    const argv = plannedArgv(version);
    const unknownKey = [...argv.slice(0, 1), `${argv[1]},not_a_key=1`, ...argv.slice(2)];
    const result = run(version, unknownKey);
    expect(result.code).toBe(1);
    if (facts.modelArgs.value.style === 'dataclass') {
      expect(result.stderr).toContain(
        "TypeError: VLLMModelConfig.__init__() got an unexpected keyword argument 'not_a_key'",
      );
    } else {
      expect(result.stderr).toContain(
        'validation error for VLLMModelConfig\nnot_a_key\n  Extra inputs are not permitted',
      );
    }
  });

  it("fails like vLLM when max_model_length exceeds the model's positions (config.json)", () => {
    const argv = plannedArgv(version, { maxModelLength: 200_000, benchmarks: [getBenchmark('math_500')] });
    const result = run(version, argv);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'User-specified max_model_len (200000) is greater than the derived max_model_len (max_position_embeddings=131072',
    );
    expect(result.stderr).toContain(
      Number(version.split('.')[1]) >= 11
        ? 'ValidationError: 1 validation error for ModelConfig'
        : 'ValueError: User-specified',
    );
  });
});

describe('keys and options that exist only in some releases', () => {
  const withKey = (version: string, key: string) => {
    const argv = withOutput(plannedArgv(version, { benchmarks: [getBenchmark('math_500')] }), outputDir());
    argv[1] = `${argv[1]},${key}`;
    return run(version, argv);
  };
  it.each([
    ['0.8.0', 'max_num_seqs=64', false],
    ['0.9.0', 'max_num_seqs=64', true],
    ['0.9.2', 'quantization=fp8', false],
    ['0.10.0', 'quantization=fp8', true],
    ['0.10.0', 'use_chat_template=true', true],
    ['0.11.0', 'use_chat_template=true', false],
    ['0.11.0', 'enable_prefix_caching=false', false],
    ['0.12.0', 'enable_prefix_caching=false', true],
    ['0.11.0', 'cache_dir=/scratch/cache', true],
    ['0.10.0', 'cache_dir=/scratch/cache', false],
  ] as const)('LightEval %s with %s: accepted %s', (version, key, accepted) => {
    expect(withKey(version, key).code).toBe(accepted ? 0 : 1);
  });

  it('--use-chat-template up to 0.10, a usage error from 0.11', () => {
    const argv = (version: string) => [
      ...withOutput(plannedArgv(version, { benchmarks: [getBenchmark('math_500')] }), outputDir()),
    ];
    expect(run('0.10.0', [...argv('0.10.0'), '--use-chat-template']).code).toBe(0);
    const later = run('0.11.0', [...argv('0.11.0'), '--use-chat-template']);
    expect([later.code, later.stderr]).toEqual([
      2,
      expect.stringContaining('No such option: --use-chat-template'),
    ]);
    expect(run('0.11.0', [...argv('0.11.0'), '--no-remove-reasoning-tags']).code).toBe(0);
    expect(run('0.10.0', [...argv('0.10.0'), '--no-remove-reasoning-tags']).code).toBe(2);
  });
});

describe('task strings, as each release parses them', () => {
  const args = (version: string) => plannedArgv(version, { benchmarks: [getBenchmark('math_500')] });
  const withTasks = (version: string, tasks: string) => {
    const argv = args(version);
    argv[2] = tasks;
    return run(version, withOutput(argv, outputDir()));
  };

  it('0.8 – 0.10: only suite|task|fewshot|truncate', () => {
    expect(withTasks('0.10.0', 'lighteval|math_500|0|0').code).toBe(0);
    const three = withTasks('0.10.0', 'lighteval|math_500|0');
    expect([three.code, three.stderr]).toEqual([
      1,
      expect.stringContaining(
        'ValueError: Cannot get task info from lighteval|math_500|0. correct format is suite|task|few_shot|truncate_few_shots',
      ),
    ]);
    expect(withTasks('0.9.0', 'lighteval|math_500|0|2').stderr).toContain(
      'TruncateFewShots must be 0 or 1, got 2',
    );
    expect(withTasks('0.8.0', 'lighteval|nope|0|0').stderr).toContain(
      'Cannot find tasks lighteval|nope in task list or in custom task registry)',
    );
  });

  it('0.11 – 0.12.0: suite|task|fewshot; the 4-part form works with the deprecation warning', () => {
    const four = withTasks('0.11.0', 'lighteval|math_500|0|0');
    expect(four.code).toBe(0);
    expect(four.stderr).toContain('Deprecation warning: You provided 4 arguments in your task name');
    expect(withTasks('0.12.0', 'math_500|0').stderr).toContain(
      'Cannot get task info from math_500|0. correct format is suite|task|few_shot',
    );
    // LiveCodeBench moved to the `lighteval` suite in 0.12.0.
    expect(withTasks('0.11.0', 'extended|lcb:codegeneration|0').code).toBe(0);
    expect(withTasks('0.12.0', 'extended|lcb:codegeneration|0').stderr).toContain(
      'ValueError: Cannot find task extended|lcb:codegeneration in task list or in custom task registry',
    );
    expect(withTasks('0.12.0', 'lighteval|lcb:codegeneration|0').code).toBe(0);
  });

  it('0.12.1 on: task|fewshot; the suite form works with a warning, the 4-part form is an unknown task', () => {
    const three = withTasks('0.12.1', 'lighteval|math_500|0');
    expect(three.code).toBe(0);
    expect(three.stderr).toContain(
      'Deprecation warning: Provided suite|task|few_shot; `suite` is ignored. Use task|few_shot instead.',
    );
    expect(withTasks('0.13.0', 'lighteval|math_500|0|0').stderr).toContain(
      'ValueError: Cannot find task lighteval|math_500|0|0 in task list or in custom task registry',
    );
    expect(withTasks('0.13.0', 'math_500').code).toBe(0);
  });

  it('from 0.11 a task draws one sample unless the task string asks (aime24@n=64|0)', async () => {
    const dir = outputDir();
    const argv = withOutput(plannedArgv('0.13.0', { benchmarks: [getBenchmark('aime24')] }), dir);
    argv[2] = 'aime24@n=4|0';
    expect(run('0.13.0', argv).code).toBe(0);
    const detailsRoot = join(dir, 'details', MODEL);
    const [stamp = ''] = readdirSync(detailsRoot);
    const rows = (await readParquet(join(detailsRoot, stamp, `details_aime24|0_${stamp}.parquet`))) as {
      model_response: { text: string[] };
    }[];
    expect(rows[0]?.model_response.text).toHaveLength(4);
  });
});

describe('LightEval stand-in: data parallel and custom tasks', () => {
  it('runs data_parallel_size > 1 through Ray, as every release does, and warns without spawn', () => {
    const argv = withOutput(
      plannedArgv('0.12.0', { dataParallel: 2, benchmarks: [getBenchmark('math_500')] }),
      outputDir(),
    );
    const withSpawn = run('0.12.0', argv, { VLLM_WORKER_MULTIPROC_METHOD: 'spawn' });
    expect(withSpawn.code).toBe(0);
    expect(withSpawn.stderr).toContain('Started a local Ray instance.');
    expect(withSpawn.stderr.match(/run_inference_one_model/g)).toHaveLength(2);
    expect(run('0.12.0', argv).stderr).toContain('without VLLM_WORKER_MULTIPROC_METHOD=spawn');
  });

  it('accepts an unknown task only with --custom-tasks, which must exist', () => {
    const dir = outputDir();
    const custom = join(dir, 'my_tasks.py');
    writeFileSync(custom, 'TASKS_TABLE = []\n');
    const argv = withOutput(plannedArgv('0.13.0', { benchmarks: [getBenchmark('math_500')] }), dir);
    argv[2] = 'my_task|0';
    expect(run('0.13.0', argv).code).toBe(1);
    expect(run('0.13.0', [...argv, '--custom-tasks', custom]).code).toBe(0);
    expect(run('0.13.0', [...argv, '--custom-tasks', join(dir, 'missing.py')]).stderr).toContain(
      'FileNotFoundError',
    );
  });
});

describe('LightEval stand-in faults', () => {
  const argv = (version = '0.13.0', tp = 1) =>
    withOutput(
      plannedArgv(version, { benchmarks: [getBenchmark('math_500')], tensorParallel: tp }),
      outputDir(),
    );

  it('fails with the vLLM KV-cache OOM when TP×PP is below LIGHTEVAL_STANDIN_MIN_GPUS, and runs when it is not', () => {
    const env = { LIGHTEVAL_STANDIN_MIN_GPUS: '4' };
    const small = run('0.13.0', argv('0.13.0', 2), env);
    expect(small.code).toBe(1);
    expect(small.stderr).toMatch(
      /To serve at least one request with the models's max seq len \(36864\), \([\d.]+ GiB KV cache is needed, which is larger than the available KV cache memory/,
    );
    expect(run('0.13.0', argv('0.13.0', 4), env).code).toBe(0);
  });

  it('words the KV-cache failure as the vLLM of the release does, and prints the CUDA and no-blocks OOMs', () => {
    const v0 = run('0.9.0', argv('0.9.0'), { LIGHTEVAL_STANDIN_FAULT: 'oom-kv' });
    expect(v0.stderr).toContain(
      "The model's max seq len (36864) is larger than the maximum number of tokens",
    );
    const fixed = run('0.13.0', argv(), {
      LIGHTEVAL_STANDIN_FAULT: 'oom-kv',
      LIGHTEVAL_STANDIN_KV_SPELLING: "model's",
    });
    expect(fixed.stderr).toContain("with the model's max seq len (36864), ");
    const cuda = run('0.13.0', argv(), { LIGHTEVAL_STANDIN_FAULT: 'oom-cuda' });
    expect([cuda.code, cuda.stderr]).toEqual([
      1,
      expect.stringContaining('torch.OutOfMemoryError: CUDA out of memory.'),
    ]);
    const blocks = run('0.13.0', argv(), { LIGHTEVAL_STANDIN_FAULT: 'oom-no-blocks' });
    expect(blocks.stderr).toContain(lightevalFacts.vllm.failures.noCacheBlocks?.value);
    const context = run('0.13.0', argv(), { LIGHTEVAL_STANDIN_FAULT: 'context' });
    expect(context.stderr).toContain('ValueError: Context size is less than 0.');
  });

  it('crashes, sleeps, and hangs until killed on request', () => {
    const crash = run('0.13.0', argv(), { LIGHTEVAL_STANDIN_FAULT: 'crash' });
    expect([crash.code, crash.stderr]).toEqual([1, expect.stringContaining('RuntimeError: SIMULATED crash')]);
    const sleeping = run('0.13.0', argv(), { LIGHTEVAL_STANDIN_SLEEP: '1' });
    expect([sleeping.code, sleeping.stderr]).toEqual([0, expect.stringContaining('evaluating for 1s')]);
    const hang = spawnSync(process.execPath, [standin, ...argv()], {
      env: { LIGHTEVAL_STANDIN_FAULT: 'hang' },
      timeout: 1500,
      encoding: 'utf8',
    });
    expect(hang.signal).toBe('SIGTERM');
  });
});

describe('LightEval stand-in model directories', () => {
  it('names a local model directory as _simplify_name does', () => {
    const dir = outputDir();
    const model = join(dir, 'checkpoints', 'step-100');
    mkdirSync(model, { recursive: true });
    writeFileSync(join(model, 'config.json'), JSON.stringify({ max_position_embeddings: 40_960 }));
    const argv = withOutput(
      plannedArgv('0.13.0', { model, benchmarks: [getBenchmark('math_500')], maxModelLength: 36_864 }),
      dir,
    );
    expect(run('0.13.0', argv).code).toBe(0);
    expect(readdirSync(join(dir, 'results'))).toEqual([model.replaceAll('/', '_')]);
  });
});

describe('samples per problem, as each release draws them', () => {
  async function detailsRows(dir: string): Promise<Record<string, unknown>[]> {
    const base = join(dir, 'details', MODEL);
    const stamp = readdirSync(base)[0] ?? '';
    const files = readdirSync(join(base, stamp));
    expect(files).toHaveLength(1);
    return readParquet(join(base, stamp, files[0] ?? ''));
  }
  const aime = (samplesPerPrompt: number) => [{ ...getBenchmark('aime24'), samplesPerPrompt }];

  it('0.13.0: `aime24@n=12|0` gives each of the 30 problems 12 samples in its details row', async () => {
    const dir = outputDir();
    const argv = withOutput(plannedArgv('0.13.0', { benchmarks: aime(12) }), dir);
    expect(argv).toContain('aime24@n=12|0');
    expect(run('0.13.0', argv).code).toBe(0);
    const rows = await detailsRows(dir);
    expect(rows).toHaveLength(30);
    for (const row of rows) {
      const response = row.model_response as { text: string[] };
      expect(response.text).toHaveLength(12);
      expect(Number((row.doc as { num_samples: bigint | number }).num_samples)).toBe(12);
    }
  });

  it('0.10.0: the metric list decides (64 for AIME), and `@n=` in a task name is an unknown task', async () => {
    const dir = outputDir();
    expect(run('0.10.0', withOutput(plannedArgv('0.10.0', { benchmarks: aime(12) }), dir)).code).toBe(0);
    const rows = await detailsRows(dir);
    expect(rows.every((r) => (r.predictions as string[]).length === 64)).toBe(true);
    const asked = withOutput(plannedArgv('0.10.0', { benchmarks: aime(12) }), outputDir()).map((a) =>
      a === 'lighteval|aime24|0|0' ? 'lighteval|aime24@n=12|0|0' : a,
    );
    const refused = run('0.10.0', asked);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('Cannot find tasks lighteval|aime24@n=12');
  });
});

describe('progress bars on stderr, as tqdm draws them for LightEval and vLLM', () => {
  it('draws Splits and Processed prompts bars while it evaluates, which the heartbeat reads', async () => {
    const { lightevalProgress } = await import('../../packages/action/src/run/heartbeat');
    const argv = withOutput(plannedArgv('0.13.0', { benchmarks: benchmarkCatalog.slice(0, 1) }), outputDir());
    const result = run('0.13.0', argv, { LIGHTEVAL_STANDIN_SLEEP: '1' });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^Splits: {3}0%\| {10}\| 0\/1 \[00:00<\?, \?it\/s\]$/m);
    expect(result.stderr).toContain('\rProcessed prompts:   0%|');
    const total = result.stderr.match(/Processed prompts: 100%\|█{10}\| (\d+)\/(\d+) /);
    expect(total?.[1]).toBe(total?.[2]);
    // Cut the log where a running job would be: the last bar drawn so far is what is shown.
    const midway = result.stderr.slice(0, result.stderr.indexOf('Processed prompts: 100%'));
    expect(lightevalProgress(midway)).toMatch(/^Processed prompts \d{1,2}% \(\d+\/\d+(, 00:\d\d left)?\)$/);
  });
});
