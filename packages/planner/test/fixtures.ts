import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildModelFacts, type ModelFacts, parseModelConfig, weightsFromCounts } from '../src/index';

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
