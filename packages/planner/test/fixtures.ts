import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  benchmarkCatalog,
  buildModelFacts,
  DEFAULT_LIGHTEVAL_VERSION,
  estimatedWeights,
  type LightevalCommandInput,
  type ModelFacts,
  parseModelConfig,
  weightsFromCounts,
} from '../src/index';

export const modelsDir = resolve(import.meta.dirname, '../../../test/fixtures/models');

export const fixtureModels = [
  'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B',
  'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
  'deepseek-ai/DeepSeek-R1-Distill-Qwen-14B',
  'deepseek-ai/DeepSeek-R1-Distill-Qwen-32B',
  'deepseek-ai/DeepSeek-R1-Distill-Llama-8B',
  'deepseek-ai/DeepSeek-R1-Distill-Llama-70B',
  'Qwen/Qwen2.5-Math-7B',
  'Qwen/Qwen3-8B',
  'mistralai/Mixtral-8x7B-v0.1',
] as const;

/** The 2026 models of issue 12: real configs with a reference.json (no Hub safetensors counts). */
export const fixtureModels2026 = [
  'google/gemma-3-27b-it',
  'openai/gpt-oss-120b',
  'openai/gpt-oss-20b',
  'meta-llama/Llama-4-Scout-17B-16E-Instruct',
  'meta-llama/Llama-4-Maverick-17B-128E-Instruct',
  'Qwen/Qwen3-30B-A3B',
  'Qwen/Qwen3-8B-FP8',
  'Qwen/Qwen2.5-32B-Instruct-AWQ',
  'deepseek-ai/DeepSeek-V3',
  'nvidia/Llama-3_3-Nemotron-Super-49B-v1',
  'zai-org/GLM-4.5',
  'microsoft/phi-4',
] as const;

/** Facts from config.json alone, as the planner builds them when no safetensors metadata exists. */
export function estimatedFixtureFacts(id: string): ModelFacts {
  const config = parseModelConfig(readFixtureJson(id, 'config.json'), `${id}/config.json`);
  return buildModelFacts({ id, revision: undefined, source: 'hub' }, config, estimatedWeights(config));
}

export function readFixtureJson(id: string, file: string): unknown {
  return JSON.parse(readFileSync(join(modelsDir, id, file), 'utf8'));
}

/** Facts as the Hub reader builds them: config.json plus the model API's safetensors counts. */
export function fixtureFacts(id: string): ModelFacts {
  const config = parseModelConfig(readFixtureJson(id, 'config.json'));
  const info = readFixtureJson(id, 'model-info.json') as {
    safetensors: { parameters: Record<string, number> };
  };
  return buildModelFacts(
    { id, revision: undefined, source: 'hub' },
    config,
    weightsFromCounts(config, info.safetensors.parameters, 'safetensors-api'),
  );
}

/** A scratch models directory holding copies of fixtures, to be edited by a test. */
export function scratchModelsDir(copies: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'hub-models-'));
  for (const [target, source] of Object.entries(copies))
    cpSync(join(modelsDir, source), join(dir, target), { recursive: true });
  return dir;
}

export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value, null, 2));
}

/**
 * A LightEval command input with open-r1's generation settings on one GPU: the shape every argv
 * test starts from, with what it is about passed as overrides.
 */
export function commandInput(overrides: Partial<LightevalCommandInput> = {}): LightevalCommandInput {
  return {
    model: 'org/m',
    dtype: 'bfloat16',
    tensorParallel: 1,
    pipelineParallel: 1,
    dataParallel: 1,
    maxModelLength: 36_864,
    gpuMemoryUtilization: 0.9,
    maxNewTokens: 32_768,
    temperature: 0.6,
    topP: 0.95,
    benchmarks: benchmarkCatalog,
    lightevalVersion: DEFAULT_LIGHTEVAL_VERSION,
    outputDir: 'out',
    ...overrides,
  };
}
