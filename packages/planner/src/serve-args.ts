import { type Benchmark, lightevalTaskString, samplesPlanFor } from './catalog';
import {
  generationParametersArg,
  type LightevalCommandInput,
  lightevalModelArgValue,
  samplesCost,
} from './lighteval-args';
import { lightevalAtLeast, parseLightevalVersion } from './lighteval-version';
import { PlanError } from './plan-error';
import { endpointFactsFor } from './route-facts';
import type { MultiNodeEngine } from './routes';

/** The server listens on the loopback of the job's first node, where LightEval runs: nothing else reaches it. */
export const SERVE_HOST = '127.0.0.1';
export const DEFAULT_SERVE_PORT = 8000;
/**
 * vLLM's OpenAI server needs no key unless started with `--api-key`; LiteLLM's OpenAI client insists
 * on one, so a placeholder goes in the model args (it is not a secret: the server checks none).
 */
export const SERVE_API_KEY_PLACEHOLDER = 'EMPTY';

export interface ServeCommandInput extends LightevalCommandInput {
  servePort: number;
  engine: MultiNodeEngine;
  nodes: number;
}

export interface ServeCommand {
  /** `vllm serve …` as the head node runs it; the batch script appends the per-node multi-node options. */
  serveArgv: string[];
  /** The name the server answers to (`/v1/models`), which the job waits for. */
  servedModelName: string;
  /** `lighteval endpoint litellm …` against the server. */
  argv: string[];
  modelArgs: string;
  /** Requests LightEval keeps in flight (the server's batch limit: more would only queue). */
  concurrency?: number;
  samples: ReturnType<typeof samplesCost>[];
  warnings: string[];
}

function vllmServeArgv(input: ServeCommandInput, servedModelName: string): string[] {
  const argv = ['vllm', 'serve', input.model];
  if (input.revision) argv.push('--revision', input.revision);
  argv.push(
    '--dtype',
    input.dtype,
    '--tensor-parallel-size',
    String(input.tensorParallel),
    '--pipeline-parallel-size',
    String(input.pipelineParallel),
  );
  if (input.dataParallel > 1) argv.push('--data-parallel-size', String(input.dataParallel));
  argv.push(
    '--max-model-len',
    String(input.maxModelLength),
    '--gpu-memory-utilization',
    String(input.gpuMemoryUtilization),
  );
  if (input.maxNumSeqs !== undefined) argv.push('--max-num-seqs', String(input.maxNumSeqs));
  if (input.maxNumBatchedTokens !== undefined)
    argv.push('--max-num-batched-tokens', String(input.maxNumBatchedTokens));
  // One node needs no distributed backend; across nodes it is named, never left to vLLM's guess.
  if (input.nodes > 1) argv.push('--distributed-executor-backend', input.engine);
  argv.push('--served-model-name', servedModelName, '--host', SERVE_HOST, '--port', String(input.servePort));
  return argv;
}

/** The serve route's two commands: the server and LightEval's endpoint backend pointed at it. */
export function buildServeCommand(input: ServeCommandInput): ServeCommand {
  const version = parseLightevalVersion(input.lightevalVersion);
  const facts = endpointFactsFor(version);
  if (!facts.usable) {
    throw new PlanError(
      `LightEval ${input.lightevalVersion} has no usable endpoint backend for the serve route`,
      'Use LightEval 0.9.0 or later, or route ray.',
    );
  }
  const servedModelName = input.model;
  const concurrency = (input.maxNumSeqs ?? 256) * input.dataParallel;
  const modelArgs = [
    // LiteLLM routes `openai/NAME` with a base_url to an OpenAI-compatible server, asking for NAME.
    lightevalModelArgValue(facts.nameKey, `openai/${servedModelName}`),
    `base_url=http://${SERVE_HOST}:${input.servePort}/v1`,
    `api_key=${SERVE_API_KEY_PLACEHOLDER}`,
    ...(facts.concurrencyKey ? [`${facts.concurrencyKey}=${concurrency}`] : []),
    ...(lightevalAtLeast(version, 0, 11)
      ? [lightevalModelArgValue('cache_dir', input.cacheDir ?? 'lighteval-cache')]
      : []),
    // LiteLLMModelConfig has no engine seed: the seed rides on each request, as on every route.
    generationParametersArg(input, input.seed),
  ].join(',');
  const tasks = input.benchmarks.map((b: Benchmark) => lightevalTaskString(b, version)).join(',');
  const argv = [
    'lighteval',
    'endpoint',
    'litellm',
    modelArgs,
    tasks,
    '--output-dir',
    input.outputDir,
    '--save-details',
  ];
  if (facts.useChatTemplateFlag) argv.push('--use-chat-template');
  const customPaths = [
    ...new Set(input.benchmarks.flatMap((b) => (b.customTasksPath ? [b.customTasksPath] : []))),
  ];
  if (customPaths[0]) argv.push('--custom-tasks', customPaths[0]);
  const samples = input.benchmarks.map((b) => samplesCost(samplesPlanFor(b, version), b, input.maxNewTokens));
  return {
    serveArgv: vllmServeArgv(input, servedModelName),
    servedModelName,
    argv,
    modelArgs,
    ...(facts.concurrencyKey ? { concurrency } : {}),
    samples,
    warnings: samples.flatMap((s) => (s.warning ? [s.warning] : [])),
  };
}
