import { type Benchmark, lightevalTaskString } from './catalog';
import {
  hasUseChatTemplateFlag,
  type LightevalVersion,
  modelNameKey,
  parseLightevalVersion,
} from './lighteval-version';
import { PlanError } from './plan-error';

export interface LightevalCommandInput {
  /** Hub id or the model's path on the cluster. */
  model: string;
  revision?: string | undefined;
  dtype: string;
  tensorParallel: number;
  pipelineParallel: number;
  dataParallel: number;
  maxModelLength: number;
  gpuMemoryUtilization: number;
  maxNewTokens: number;
  temperature: number;
  topP: number;
  benchmarks: readonly Benchmark[];
  lightevalVersion: string;
  outputDir: string;
  /** vLLM scheduler limits; passed only to releases whose VLLMModelConfig has the keys (see below). */
  maxNumSeqs?: number | undefined;
  maxNumBatchedTokens?: number | undefined;
}

export interface LightevalCommand {
  /** The one `key=value,...` model-args string. */
  modelArgs: string;
  /** Full argv, `lighteval` first; pass it as an array (never through a shell unquoted). */
  argv: string[];
  /** Environment the command needs: data parallel workers must be spawned, not forked. */
  env: Record<string, string>;
}

/** LightEval splits model args on commas and `=`; a value holding either would be cut in two. */
function argValue(key: string, value: string): string {
  if (/[,={}]/.test(value) || value === '') {
    throw new PlanError(
      `cannot pass ${key} '${value}' to LightEval: model args are split on ',' and '='`,
      'Rename the model directory (or revision) so it contains no commas, equals signs or braces.',
    );
  }
  return `${key}=${value}`;
}

/**
 * `max_num_seqs` / `max_num_batched_tokens`: VLLMModelConfig has both from v0.9.0 on (defaults 128
 * and 2048; huggingface/lighteval src/lighteval/models/vllm/vllm_model.py at v0.9.0 … v0.13.0) and
 * neither at v0.8.0, where an unknown key would be rejected.
 */
function schedulerArgs(version: LightevalVersion, input: LightevalCommandInput): string[] {
  if (version.major === 0 && version.minor < 9) return [];
  return [
    ...(input.maxNumSeqs !== undefined ? [`max_num_seqs=${input.maxNumSeqs}`] : []),
    ...(input.maxNumBatchedTokens !== undefined
      ? [`max_num_batched_tokens=${input.maxNumBatchedTokens}`]
      : []),
  ];
}

export function buildLightevalArgs(input: LightevalCommandInput): LightevalCommand {
  const version = parseLightevalVersion(input.lightevalVersion);
  const generation = `generation_parameters={max_new_tokens:${input.maxNewTokens},temperature:${input.temperature},top_p:${input.topP}}`;
  const modelArgs = [
    argValue(modelNameKey(version), input.model),
    ...(input.revision ? [argValue('revision', input.revision)] : []),
    argValue('dtype', input.dtype),
    `tensor_parallel_size=${input.tensorParallel}`,
    `pipeline_parallel_size=${input.pipelineParallel}`,
    `data_parallel_size=${input.dataParallel}`,
    // Always explicit: older LightEval silently caps at 8192 when it is missing.
    `max_model_length=${input.maxModelLength}`,
    `gpu_memory_utilization=${input.gpuMemoryUtilization}`,
    ...schedulerArgs(version, input),
    generation,
  ].join(',');
  const tasks = input.benchmarks.map((b) => lightevalTaskString(b, version)).join(',');
  const customPaths = [
    ...new Set(input.benchmarks.flatMap((b) => (b.customTasksPath ? [b.customTasksPath] : []))),
  ];
  if (customPaths.length > 1) {
    throw new PlanError(
      `one LightEval run takes one --custom-tasks file, these benchmarks need ${customPaths.length}: ${customPaths.join(', ')}`,
      'Put the custom tasks in one file, or split the benchmarks into separate jobs.',
    );
  }
  const argv = ['lighteval', 'vllm', modelArgs, tasks, '--output-dir', input.outputDir, '--save-details'];
  if (hasUseChatTemplateFlag(version)) argv.push('--use-chat-template');
  if (customPaths[0]) argv.push('--custom-tasks', customPaths[0]);
  const env: Record<string, string> = input.dataParallel > 1 ? { VLLM_WORKER_MULTIPROC_METHOD: 'spawn' } : {};
  return { modelArgs, argv, env };
}
