import { type Benchmark, lightevalTaskString, type SamplesPlan, samplesPlanFor } from './catalog';
import {
  hasUseChatTemplateFlag,
  type LightevalVersion,
  lightevalAtLeast,
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
  /**
   * LightEval's prediction cache (0.11+), inside the run directory: LightEval keys it by model name
   * and revision *string*, so a shared cache serves a moved branch its old answers (lighteval#1364).
   * A re-run of the same run id reuses its own cache on purpose.
   */
  cacheDir?: string | undefined;
  /**
   * vLLM's sampling seed for this job (`seeds: N` runs one job per seed); absent: LightEval's default
   * (`LIGHTEVAL_DEFAULT_SEED`), and the command line stays as it was before seeds existed.
   */
  seed?: number | undefined;
}

/**
 * vLLM's sampling seed when the model args set none: `VLLMModelConfig.seed: NonNegativeInt = 1234`
 * (huggingface/lighteval src/lighteval/models/vllm/vllm_model.py, v0.9.0 … v0.13.0; a dataclass field
 * with the same default at v0.8.0). A `seeds: N` run's per-request seeds start there: 1234, 1235, ….
 */
export const LIGHTEVAL_DEFAULT_SEED = 1234;

/** The sampling seeds of a `seeds: count` run: LightEval's default first, then the next integers. */
export function samplingSeeds(count: number): number[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_SEEDS) {
    throw new PlanError(
      `seeds must be a whole number from 1 to ${MAX_SEEDS}, got ${count}`,
      `Set seeds to 1 (one run) up to ${MAX_SEEDS}; each seed is one more job per benchmark.`,
    );
  }
  return Array.from({ length: count }, (_, i) => LIGHTEVAL_DEFAULT_SEED + i);
}

/** Each seed is a whole evaluation more: a count above this is a typo, not a plan. */
export const MAX_SEEDS = 16;

/**
 * `generation_parameters={...}`: LightEval cuts it out of the model args before splitting on commas.
 * `seed` here is GenerationParameters.seed (every release 0.8.0 … 0.13.0, src/lighteval/models/
 * model_input.py): `to_vllm_dict()` hands it to vLLM's SamplingParams (a per-request seed, which
 * overrides the engine's for sampling) and `to_litellm_dict()` sends it with each request (serve route).
 */
export function generationParametersArg(
  input: Pick<LightevalCommandInput, 'maxNewTokens' | 'temperature' | 'topP'>,
  requestSeed?: number,
): string {
  const seed = requestSeed !== undefined ? `,seed:${requestSeed}` : '';
  return `generation_parameters={max_new_tokens:${input.maxNewTokens},temperature:${input.temperature},top_p:${input.topP}${seed}}`;
}

/** What the samples cost, per benchmark: an estimate, labelled as one in the plan. */
export interface SamplesCost extends SamplesPlan {
  /** Problems in the split (catalog), when known. */
  problems?: number;
  /** problems × drawn. */
  completions?: number;
  /**
   * Estimated tokens: completions × (longest prompt + half of max_new_tokens). An estimate: reasoning
   * models often run longer; the bound is completions × (prompt + max_new_tokens), `maxTokens`.
   */
  estimatedTokens?: number;
  maxTokens?: number;
}

export interface LightevalCommand {
  /** The one `key=value,...` model-args string. */
  modelArgs: string;
  /** Full argv, `lighteval` first; pass it as an array (never through a shell unquoted). */
  argv: string[];
  /** Environment the command needs: data parallel workers must be spawned, not forked. */
  env: Record<string, string>;
  /** Per benchmark: samples asked, drawn by this release, and their cost. */
  samples: SamplesCost[];
  /** Where the release cannot draw what was asked (and similar): for the plan's warnings. */
  warnings: string[];
}

/** problems × samples, and tokens from the prompt bound plus half of max_new_tokens (labelled an estimate). */
export function samplesCost(plan: SamplesPlan, benchmark: Benchmark, maxNewTokens: number): SamplesCost {
  if (benchmark.problems === undefined) return plan;
  const completions = benchmark.problems * plan.drawn;
  return {
    ...plan,
    problems: benchmark.problems,
    completions,
    estimatedTokens: completions * (benchmark.maxPromptTokens + Math.round(maxNewTokens / 2)),
    maxTokens: completions * (benchmark.maxPromptTokens + maxNewTokens),
  };
}

/** LightEval splits model args on commas and `=`; a value holding either would be cut in two. */
export function lightevalModelArgValue(key: string, value: string): string {
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

/**
 * The prediction cache when none is given: relative, so inside the job's directory (its cwd, as
 * `--output-dir` is), which lies inside the run's directory; a new run id gets a new, empty cache.
 */
export const DEFAULT_LIGHTEVAL_CACHE_DIR = 'lighteval-cache';

export function buildLightevalArgs(input: LightevalCommandInput): LightevalCommand {
  const cacheDir = input.cacheDir ?? DEFAULT_LIGHTEVAL_CACHE_DIR;
  const version = parseLightevalVersion(input.lightevalVersion);
  const modelArgs = [
    lightevalModelArgValue(modelNameKey(version), input.model),
    ...(input.revision ? [lightevalModelArgValue('revision', input.revision)] : []),
    lightevalModelArgValue('dtype', input.dtype),
    `tensor_parallel_size=${input.tensorParallel}`,
    `pipeline_parallel_size=${input.pipelineParallel}`,
    `data_parallel_size=${input.dataParallel}`,
    // Always explicit: older LightEval silently caps at 8192 when it is missing.
    `max_model_length=${input.maxModelLength}`,
    `gpu_memory_utilization=${input.gpuMemoryUtilization}`,
    ...schedulerArgs(version, input),
    // `cache_dir` is a model-config field from 0.11 (models/abstract_model.py at v0.11.0 … v0.13.0,
    // default ~/.cache/huggingface/lighteval); earlier releases have no prediction cache and refuse the key.
    ...(lightevalAtLeast(version, 0, 11) ? [lightevalModelArgValue('cache_dir', cacheDir)] : []),
    // The seed rides in the generation parameters, not the model args' `seed`: v0.8.0 passes that
    // one to vLLM as the string it parsed (`"seed": config.seed`, vllm_model.py), which numpy's
    // seeding refuses; and up to 0.10 the results file records only the generation parameters.
    generationParametersArg(input, input.seed),
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
  const samples = input.benchmarks.map((b) => samplesCost(samplesPlanFor(b, version), b, input.maxNewTokens));
  const warnings = samples.flatMap((s) => (s.warning ? [s.warning] : []));
  return { modelArgs, argv, env, samples, warnings };
}
