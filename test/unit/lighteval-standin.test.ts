import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// The LightEval stand-in must accept exactly what the real `lighteval vllm` of each version accepts,
// fail the way it fails, and write that version's results layout. It is run here as a process.

const standin = fileURLToPath(new URL('../fixtures/lighteval/lighteval', import.meta.url));
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function lighteval(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [standin, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
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
  config_general: Record<string, unknown> & { model_config: Record<string, unknown> };
  results: Record<string, Record<string, number>>;
  versions: Record<string, number>;
  config_tasks: Record<string, unknown>;
  summary_tasks: Record<string, unknown>;
  summary_general: Record<string, unknown>;
}

function readResults(dir: string, model: string): { name: string; file: ResultsFile } {
  const resultsDir = join(dir, 'results', model);
  const names = readdirSync(resultsDir);
  expect(names).toHaveLength(1);
  const name = names[0] ?? '';
  return { name, file: JSON.parse(readFileSync(join(resultsDir, name), 'utf8')) as ResultsFile };
}

const generation = 'generation_parameters={max_new_tokens:32768,temperature:0.6,top_p:0.95}';
const args013 = `model_name=org/model,revision=v1,dtype=bfloat16,tensor_parallel_size=2,max_model_length=33792,${generation}`;

describe('LightEval stand-in, 0.13 (default)', () => {
  it('reports its version and writes results_{timestamp}.json with task|fewshot keys and pass@k metrics', () => {
    expect(lighteval(['--version']).stdout.trim()).toBe('0.13.0');
    const dir = outputDir();
    const run = lighteval(['vllm', args013, 'math_500|0,aime24|0,gpqa:diamond|0', '--output-dir', dir]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('SIMULATED');
    const { name, file } = readResults(dir, 'org/model');
    expect(name).toMatch(/^results_\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(\.\d{6})?\.json$/);
    expect(Object.keys(file)).toEqual([
      'config_general',
      'results',
      'versions',
      'config_tasks',
      'summary_tasks',
      'summary_general',
    ]);
    expect(Object.keys(file.results)).toEqual(['math_500|0', 'aime24|0', 'gpqa:diamond|0', 'all']);
    expect(Object.keys(file.results['math_500|0'] ?? {})).toEqual([
      'pass@k:k=1&n=1',
      'pass@k:k=1&n=1_stderr',
    ]);
    expect(Object.keys(file.results['aime24|0'] ?? {})).toEqual(['pass@k:k=1', 'pass@k:k=1_stderr']);
    expect(Object.keys(file.results['gpqa:diamond|0'] ?? {})).toEqual([
      'gpqa_pass@k:k=1',
      'gpqa_pass@k:k=1_stderr',
    ]);
    expect(file.versions).toEqual({});
    expect(file.config_general.simulated).toBe(true);
    expect(typeof file.config_general.total_evaluation_time_secondes).toBe('string');
    expect(file.config_general.model_config).toMatchObject({
      model_name: 'org/model',
      revision: 'v1',
      tensor_parallel_size: 2,
      max_model_length: 33792,
      generation_parameters: { max_new_tokens: 32768, temperature: 0.6, top_p: 0.95 },
    });
  });

  it('gives the same score for the same (model, revision, task) and another for another revision', () => {
    const score = (revision: string) => {
      const dir = outputDir();
      lighteval([
        'vllm',
        `model_name=org/model,revision=${revision},max_model_length=4096`,
        'math_500|0',
        '--output-dir',
        dir,
      ]);
      return readResults(dir, 'org/model').file.results['math_500|0']?.['pass@k:k=1&n=1'];
    };
    const first = score('a');
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(1);
    expect(score('a')).toBe(first);
    expect(score('b')).not.toBe(first);
  });

  it('rejects the 4-part task string, --use-chat-template, and unknown model-args keys (pydantic)', () => {
    const fourPart = lighteval(['vllm', args013, 'lighteval|math_500|0|0']);
    expect(fourPart.code).not.toBe(0);
    expect(fourPart.stderr).toMatch(/Invalid task specification/);
    const flag = lighteval(['vllm', args013, 'math_500|0', '--use-chat-template']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('No such option: --use-chat-template');
    const unknown = lighteval(['vllm', `${args013},max_model_len=4096`, 'math_500|0']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('1 validation error for VLLMModelConfig');
    expect(unknown.stderr).toMatch(
      /max_model_len\n {2}Extra inputs are not permitted \[type=extra_forbidden/,
    );
    const badGeneration = lighteval([
      'vllm',
      'model_name=m,generation_parameters={max_tokens:5}',
      'math_500|0',
    ]);
    expect(badGeneration.stderr).toContain('generation_parameters.max_tokens');
  });

  it('warns when max_model_length is missing', () => {
    const run = lighteval(['vllm', 'model_name=m', 'math_500|0', '--output-dir', outputDir()]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/WARNING .*max_model_length is not set/);
  });

  it('writes a details file per task with --save-details', () => {
    const dir = outputDir();
    expect(
      lighteval(['vllm', args013, 'math_500|0,aime25|0', '--output-dir', dir, '--save-details']).code,
    ).toBe(0);
    const [timestampDir] = readdirSync(join(dir, 'details', 'org/model'));
    const files = readdirSync(join(dir, 'details', 'org/model', timestampDir ?? ''));
    expect(files.sort()).toEqual([
      `details_aime25|0_${timestampDir}.jsonl`,
      `details_math_500|0_${timestampDir}.jsonl`,
    ]);
  });
});

describe('LightEval stand-in, older versions', () => {
  it('0.11-0.12: suite|task|fewshot, metrics named by sample parameters, no --use-chat-template', () => {
    const env = { LIGHTEVAL_STANDIN_VERSION: '0.12.0' };
    const dir = outputDir();
    expect(lighteval(['vllm', args013, 'lighteval|math_500|0', '--output-dir', dir], env).code).toBe(0);
    const { file } = readResults(dir, 'org/model');
    expect(Object.keys(file.results)).toEqual(['lighteval|math_500|0', 'all']);
    expect(file.results['lighteval|math_500|0']).toHaveProperty('pass@k:k=1&n=1');
    expect(lighteval(['vllm', args013, 'math_500|0'], env).code).not.toBe(0);
    expect(lighteval(['vllm', args013, 'lighteval|math_500|0', '--use-chat-template'], env).code).toBe(2);
  });

  it('0.9-0.10: suite|task|fewshot|truncate, --use-chat-template, math_pass@1:N_samples, versions filled', () => {
    const env = { LIGHTEVAL_STANDIN_VERSION: '0.10.0' };
    const dir = outputDir();
    const run = lighteval(
      [
        'vllm',
        args013,
        'lighteval|math_500|0|0,extended|lcb:codegeneration|0|0',
        '--use-chat-template',
        '--output-dir',
        dir,
      ],
      env,
    );
    expect(run.code).toBe(0);
    const { file } = readResults(dir, 'org/model');
    expect(Object.keys(file.results['lighteval|math_500|0'] ?? {})).toContain('math_pass@1:4_samples');
    expect(Object.keys(file.results['extended|lcb:codegeneration|0'] ?? {})).toContain('codegen_pass@1:16');
    expect(file.versions).toEqual({ 'lighteval|math_500|0': 2, 'extended|lcb:codegeneration|0': 0 });
    const threePart = lighteval(['vllm', args013, 'lighteval|math_500|0'], env);
    expect(threePart.stderr).toContain('not enough values to unpack (expected 4, got 3)');
    expect(lighteval(['vllm', `${args013},foo=1`, 'lighteval|math_500|0|0'], env).stderr).toContain(
      'extra_forbidden',
    );
  });

  it('0.8: pretrained= (model_name= is a TypeError), extractive_match', () => {
    const env = { LIGHTEVAL_STANDIN_VERSION: '0.8.1' };
    const dir = outputDir();
    expect(
      lighteval(
        [
          'vllm',
          `pretrained=org/model,max_model_length=4096,${generation}`,
          'lighteval|aime24|0|0',
          '--output-dir',
          dir,
        ],
        env,
      ).code,
    ).toBe(0);
    expect(readResults(dir, 'org/model').file.results['lighteval|aime24|0']).toHaveProperty(
      'extractive_match',
    );
    const wrongKey = lighteval(['vllm', 'model_name=org/model', 'lighteval|aime24|0|0'], env);
    expect(wrongKey.stderr).toContain(
      "TypeError: VLLMModelConfig.__init__() got an unexpected keyword argument 'model_name'",
    );
  });
});

describe('LightEval stand-in faults', () => {
  it('fails with the vLLM KV-cache OOM when TP×PP is below LIGHTEVAL_STANDIN_MIN_GPUS, and runs when it is not', () => {
    const env = { LIGHTEVAL_STANDIN_MIN_GPUS: '4' };
    const small = lighteval(['vllm', args013, 'math_500|0', '--output-dir', outputDir()], env);
    expect(small.code).toBe(1);
    expect(small.stderr).toMatch(
      /To serve at least one request with the model's max seq len \(33792\), [\d.]+ GiB KV cache is needed, which is larger than the available KV cache memory/,
    );
    const big = lighteval(
      [
        'vllm',
        args013.replace('tensor_parallel_size=2', 'tensor_parallel_size=4'),
        'math_500|0',
        '--output-dir',
        outputDir(),
      ],
      env,
    );
    expect(big.code).toBe(0);
  });

  it("spells the KV-cache message models's for older vLLM, and prints the CUDA and no-blocks OOMs", () => {
    const old = lighteval(['vllm', args013, 'lighteval|math_500|0|0'], {
      LIGHTEVAL_STANDIN_VERSION: '0.10.0',
      LIGHTEVAL_STANDIN_FAULT: 'oom-kv',
    });
    expect(old.stderr).toContain("with the models's max seq len (33792), (");
    const cuda = lighteval(['vllm', args013, 'math_500|0'], { LIGHTEVAL_STANDIN_FAULT: 'oom-cuda' });
    expect(cuda.code).toBe(1);
    expect(cuda.stderr).toContain('torch.OutOfMemoryError: CUDA out of memory. Tried to allocate');
    const blocks = lighteval(['vllm', args013, 'math_500|0'], { LIGHTEVAL_STANDIN_FAULT: 'oom-no-blocks' });
    expect(blocks.stderr).toContain('No available memory for the cache blocks');
  });

  it('crashes, sleeps, and hangs until killed on request', () => {
    const crash = lighteval(['vllm', args013, 'math_500|0'], { LIGHTEVAL_STANDIN_FAULT: 'crash' });
    expect(crash.code).toBe(1);
    expect(crash.stderr).toContain('RuntimeError: SIMULATED crash');
    const started = Date.now();
    expect(
      lighteval(['vllm', args013, 'math_500|0', '--output-dir', outputDir()], {
        LIGHTEVAL_STANDIN_SLEEP: '1',
      }).code,
    ).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    const hang = spawnSync(process.execPath, [standin, 'vllm', args013, 'math_500|0'], {
      env: { LIGHTEVAL_STANDIN_FAULT: 'hang' },
      timeout: 1500,
      encoding: 'utf8',
    });
    expect(hang.signal).toBe('SIGTERM');
  });
});
