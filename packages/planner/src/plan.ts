import { type Benchmark, defaultBenchmarkNames, getBenchmark } from './catalog';
import { type JobCost, jobCost } from './cost';
import { buildLightevalArgs, type LightevalCommand, type SamplesCost, samplingSeeds } from './lighteval-args';
import { DEFAULT_LIGHTEVAL_VERSION, parseLightevalVersion } from './lighteval-version';
import {
  GiB,
  kvBytesPerSequencePerGpu,
  type MemoryPerGpu,
  memoryModel,
  memoryPerGpu,
  requiredGpuMemoryGiB,
} from './memory';
import type { ModelFacts } from './model-facts';
import { computeDtypeBytes, servingDtype } from './model-facts';
import { candidateLayouts, type ModelParallelLayout, tensorParallelProblem } from './parallelism';
import { PlanError } from './plan-error';
import { chooseRoute, type MultiNodeEngine, type Route, type RouteSetting } from './routes';
import { buildServeCommand, DEFAULT_SERVE_PORT } from './serve-args';

export interface ClusterShape {
  gpusPerNode: number;
  gpuMemoryGiB: number;
  /** Most nodes one job may span. */
  maxNodes: number;
  /** GPUs one job may use in total (default: all GPUs of the nodes its replica spans). */
  gpuBudgetPerJob?: number | undefined;
}

export interface PlanInput {
  facts: ModelFacts;
  cluster: ClusterShape;
  /** Catalog names or full benchmark entries (custom tasks); default `aime24, math_500, gpqa:diamond`. */
  benchmarks?: readonly (string | Benchmark)[] | undefined;
  gpuMemoryUtilization?: number | undefined;
  tensorParallel?: number | undefined;
  pipelineParallel?: number | undefined;
  dataParallel?: number | undefined;
  maxModelLength?: number | undefined;
  minConcurrentSequences?: number | undefined;
  lightevalVersion?: string | undefined;
  /** LightEval `--output-dir` (on the cluster). */
  outputDir?: string | undefined;
  /** One job per benchmark instead of one job for all (weights then load once per benchmark). */
  jobPerBenchmark?: boolean | undefined;
  /** What LightEval loads: defaults to the facts' id (a Hub id, or the directory as given). */
  modelPath?: string | undefined;
  /** How jobs run their engine (default `auto`: in-process on one node, ray or serve across nodes). */
  route?: RouteSetting | undefined;
  /** What `vllm serve` spans nodes with on the serve route (default `ray`). */
  multiNodeEngine?: MultiNodeEngine | undefined;
  /** The serve route's server port on the job's first node (default 8000). */
  servePort?: number | undefined;
  /**
   * Sampling seeds: each job is planned once per seed (1234, 1235, …) and the report merges them.
   * 1 (the default) plans as before: no seed in the command, LightEval's default applies.
   */
  seeds?: number | undefined;
}

/** The serve route's server: what the batch script starts before LightEval. */
export interface PlannedServer {
  /** `vllm serve …` for the head node, without the per-node multi-node options. */
  argv: string[];
  servedModelName: string;
  port: number;
  engine: MultiNodeEngine;
  /** Requests LightEval keeps in flight (absent where the release has no setting for it). */
  concurrency?: number;
}

export interface MemoryBreakdownGiB {
  weights: number;
  kvCache: number;
  overhead: number;
  budget: number;
}

export interface PlannedJob {
  benchmarks: string[];
  nodes: number;
  gpusPerNode: number;
  tensorParallel: number;
  pipelineParallel: number;
  dataParallel: number;
  maxModelLength: number;
  maxNewTokens: number;
  gpuMemoryUtilization: number;
  memoryPerGpuGiB: MemoryBreakdownGiB;
  /** Full `max_model_length` sequences the KV cache of one replica holds at once. */
  concurrentSequences: number;
  /**
   * vLLM's scheduler limits, sized from the planned KV cache (LightEval's own defaults, 128 and
   * 2048, leave most of it idle); passed in the model args where the LightEval release accepts them.
   * Optional only so that job records written before they existed still parse; the planner always sets them.
   */
  maxNumSeqs?: number;
  maxNumBatchedTokens?: number;
  lightevalModelArgs: string;
  lightevalArgv: string[];
  /** Per benchmark: samples asked, drawn by the release, completions and estimated tokens. */
  samples?: SamplesCost[];
  /** Completions, tokens and GPU-hours of the samples: an ESTIMATE at an assumed throughput (cost.ts). */
  cost?: JobCost;
  /** Environment the LightEval command needs. */
  env: Record<string, string>;
  /** This job's sampling seed in a `seeds: N` run (N > 1); absent: LightEval's default, not set. */
  seed?: number;
  /** How the job runs its engine; absent in records written before routes existed (in-process). */
  route?: Route;
  routeReason?: string;
  /** The server of the serve route. */
  server?: PlannedServer;
  reasons: string[];
  warnings: string[];
}

interface ResolvedInput {
  facts: ModelFacts;
  cluster: ClusterShape;
  gpuMemoryUtilization: number;
  minConcurrentSequences: number;
  lightevalVersion: string;
  outputDir: string;
  overrides: {
    tensorParallel?: number;
    pipelineParallel?: number;
    dataParallel?: number;
    maxModelLength?: number;
  };
  modelPath: string;
  benchmarks: Benchmark[];
  route: RouteSetting;
  multiNodeEngine: MultiNodeEngine;
  servePort: number;
  /** One entry per job of a benchmark group: a seed, or `undefined` once when `seeds` is 1. */
  seeds: (number | undefined)[];
}

export interface EvalPlan {
  model: ModelFacts;
  cluster: ClusterShape;
  lightevalVersion: string;
  jobs: PlannedJob[];
  /** Plan-wide warnings (about the model facts); job warnings live on each job. */
  warnings: string[];
  /** What the plan was made from, so one job can be re-planned (see `nextLargerPlan`). */
  input: ResolvedInput;
}

export const DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;
export const DEFAULT_OUTPUT_DIR = 'lighteval-results';

const n = (value: number): string => value.toLocaleString('en-US');
const gib = (value: number): string => `${value.toFixed(1)} GiB`;
const layoutName = (l: ModelParallelLayout): string => `TP ${l.tensorParallel} × PP ${l.pipelineParallel}`;

function resolveBenchmarks(benchmarks: PlanInput['benchmarks']): Benchmark[] {
  const list = benchmarks && benchmarks.length > 0 ? benchmarks : defaultBenchmarkNames;
  return list.map((b) => (typeof b === 'string' ? getBenchmark(b) : b));
}

function positive(name: string, value: number | undefined, integer = true): void {
  if (value === undefined) return;
  if (!(value > 0) || (integer && !Number.isInteger(value))) {
    throw new PlanError(
      `${name} must be a positive ${integer ? 'whole ' : ''}number, got ${value}`,
      `Fix ${name}.`,
    );
  }
}

/** Sizes every job of an evaluation: layout, memory, LightEval command, and the reasons why. */
export function planEvaluation(input: PlanInput): EvalPlan {
  const { cluster } = input;
  positive('gpusPerNode', cluster.gpusPerNode);
  positive('gpuMemoryGiB', cluster.gpuMemoryGiB, false);
  positive('maxNodes', cluster.maxNodes);
  positive('gpuBudgetPerJob', cluster.gpuBudgetPerJob);
  positive('maxModelLength', input.maxModelLength);
  const utilization = input.gpuMemoryUtilization ?? DEFAULT_GPU_MEMORY_UTILIZATION;
  if (!(utilization > 0 && utilization <= 1)) {
    throw new PlanError(
      `gpuMemoryUtilization must be in (0, 1], got ${utilization}`,
      'Use a fraction such as 0.9.',
    );
  }
  const lightevalVersion = input.lightevalVersion ?? DEFAULT_LIGHTEVAL_VERSION;
  parseLightevalVersion(lightevalVersion);
  const resolved: ResolvedInput = {
    facts: input.facts,
    cluster,
    gpuMemoryUtilization: utilization,
    minConcurrentSequences: input.minConcurrentSequences ?? memoryModel.minConcurrentSequences,
    lightevalVersion,
    outputDir: input.outputDir ?? DEFAULT_OUTPUT_DIR,
    overrides: {
      ...(input.tensorParallel !== undefined && { tensorParallel: input.tensorParallel }),
      ...(input.pipelineParallel !== undefined && { pipelineParallel: input.pipelineParallel }),
      ...(input.dataParallel !== undefined && { dataParallel: input.dataParallel }),
      ...(input.maxModelLength !== undefined && { maxModelLength: input.maxModelLength }),
    },
    modelPath: input.modelPath ?? input.facts.id,
    benchmarks: resolveBenchmarks(input.benchmarks),
    route: input.route ?? 'auto',
    multiNodeEngine: input.multiNodeEngine ?? 'ray',
    servePort: input.servePort ?? DEFAULT_SERVE_PORT,
    seeds: (input.seeds ?? 1) === 1 ? [undefined] : samplingSeeds(input.seeds ?? 1),
  };
  const benchmarks = resolved.benchmarks;
  const groups = input.jobPerBenchmark ? benchmarks.map((b) => [b]) : [benchmarks];
  return {
    model: input.facts,
    cluster,
    lightevalVersion,
    // Seeds inside groups: a group's seed jobs sit side by side in the plan and the report.
    jobs: groups.flatMap((group) => resolved.seeds.map((seed) => planJob(resolved, group, 0, seed))),
    warnings: [...input.facts.warnings],
    input: resolved,
  };
}

interface Lengths {
  maxModelLength: number;
  maxNewTokens: number;
  reason: string;
  warnings: string[];
}

/** max_model_length = min(model positions, longest prompt + max_new_tokens); capped runs are flagged. */
function sequenceLengths(input: ResolvedInput, benchmarks: readonly Benchmark[]): Lengths {
  const config = input.facts.config;
  const longestPrompt = Math.max(...benchmarks.map((b) => b.maxPromptTokens));
  const wantedNew = Math.max(...benchmarks.map((b) => b.maxNewTokens));
  const wanted = longestPrompt + wantedNew;
  const warnings: string[] = [];
  let maxModelLength: number;
  let reason: string;
  const override = input.overrides.maxModelLength;
  if (config.maxPositions !== undefined && override !== undefined && override > config.maxPositions) {
    throw new PlanError(
      `max model length ${n(override)} exceeds the model's ${n(config.maxPositions)} positions (max_position_embeddings)`,
      `Use --max-model-length ${config.maxPositions} or less; vLLM refuses a longer context for this model.`,
    );
  }
  if (override !== undefined) {
    maxModelLength = override;
    reason = `max_model_length ${n(override)} as requested`;
  } else if (config.maxPositions !== undefined && config.maxPositions < wanted) {
    maxModelLength = config.maxPositions;
    reason = `max_model_length ${n(maxModelLength)}: the model has only ${n(config.maxPositions)} positions`;
  } else {
    maxModelLength = wanted;
    reason = `max_model_length ${n(wanted)} = longest prompt ${n(longestPrompt)} + max_new_tokens ${n(wantedNew)}`;
    if (config.maxPositions === undefined) {
      warnings.push('config.json has no max_position_embeddings: assumed the model takes the full length');
    }
  }
  const maxNewTokens = Math.min(wantedNew, maxModelLength - longestPrompt);
  if (maxNewTokens <= 0) {
    throw new PlanError(
      `max model length ${n(maxModelLength)} leaves no room to generate after prompts of up to ${n(longestPrompt)} tokens`,
      `Use a max model length above ${n(longestPrompt)}; LightEval would otherwise truncate the prompt to nothing.`,
    );
  }
  if (maxNewTokens < wantedNew) {
    warnings.push(
      `max_new_tokens capped at ${n(maxNewTokens)} (not ${n(wantedNew)}): max_model_length ${n(maxModelLength)} minus prompts of up to ${n(longestPrompt)} tokens; scores are NOT comparable with full-length runs`,
    );
  }
  return { maxModelLength, maxNewTokens, reason, warnings };
}

interface Sized {
  layout: ModelParallelLayout;
  memory: MemoryPerGpu;
}

function sizeLayout(input: ResolvedInput, layout: ModelParallelLayout, maxModelLength: number): Sized {
  const config = input.facts.config;
  return {
    layout,
    memory: memoryPerGpu(config, input.facts.weightBytes, layout, maxModelLength, {
      gpuMemoryGiB: input.cluster.gpuMemoryGiB,
      gpuMemoryUtilization: input.gpuMemoryUtilization,
      computeBytes: computeDtypeBytes(servingDtype(config)),
    }),
  };
}

function describeFit(s: Sized, maxModelLength: number): string {
  const m = s.memory;
  return `weights ${gib(m.weightsGiB)} + overhead ${gib(m.overheadGiB)} leave ${gib(Math.max(0, m.kvCacheGiB))} of ${gib(m.budgetGiB)} per GPU for KV cache; one ${n(maxModelLength)}-token sequence needs ${gib(m.kvPerSequenceGiB)}, so ${m.concurrentSequences} fit`;
}

/** The error for a model that does not fit: memory needed, and what would make it fit. */
function noFitError(input: ResolvedInput, largest: Sized | undefined, maxModelLength: number): PlanError {
  const { cluster, facts, minConcurrentSequences: minSeq } = input;
  const totalGpus = cluster.gpusPerNode * cluster.maxNodes;
  if (!largest) {
    return new PlanError(
      `${facts.id}: no valid tensor/pipeline layout on ${cluster.maxNodes} node(s) of ${cluster.gpusPerNode} GPUs`,
      'Check the model config (attention heads, KV heads) or use nodes with a different GPU count.',
    );
  }
  const perGpu = requiredGpuMemoryGiB(largest.memory, minSeq) / input.gpuMemoryUtilization;
  const fixes: string[] = [];
  for (let nodes = cluster.maxNodes + 1; nodes <= cluster.maxNodes * 16 && nodes <= 64; nodes++) {
    const wider = { ...input, cluster: { ...cluster, maxNodes: nodes } };
    const fit = candidateLayouts(facts.config, cluster.gpusPerNode, nodes)
      .map((l) => sizeLayout(wider, l, maxModelLength))
      .find((s) => s.memory.concurrentSequences >= minSeq);
    if (fit) {
      fixes.push(`--max-nodes ${nodes}`);
      break;
    }
  }
  const kvPerToken = largest.memory.kvPerSequenceGiB / maxModelLength;
  const fittingLength = Math.floor(largest.memory.kvCacheGiB / minSeq / kvPerToken);
  if (fittingLength >= 2048) fixes.push(`--max-model-length ${fittingLength} (shorter generations)`);
  fixes.push(`GPUs with at least ${Math.ceil(perGpu)} GiB`);
  return new PlanError(
    `${facts.id} does not fit: on all ${totalGpus} GPUs (${layoutName(largest.layout)}) each GPU needs ${gib(perGpu)} (weights ${gib(largest.memory.weightsGiB)} + overhead ${gib(largest.memory.overheadGiB)} + KV cache for ${minSeq} sequences of ${n(maxModelLength)} tokens ${gib(minSeq * largest.memory.kvPerSequenceGiB)}, at gpu_memory_utilization ${input.gpuMemoryUtilization}) but has ${cluster.gpuMemoryGiB} GiB`,
    `Use ${fixes.join(', or ')}.`,
  );
}

function chooseLayout(
  input: ResolvedInput,
  maxModelLength: number,
  minGpusExclusive: number,
): { chosen: Sized; reasons: string[]; warnings: string[] } {
  const { facts, cluster, overrides } = input;
  const config = facts.config;
  const minSeq = input.minConcurrentSequences;
  const reasons: string[] = [];
  const warnings: string[] = [];
  if (overrides.tensorParallel !== undefined || overrides.pipelineParallel !== undefined) {
    const tp = overrides.tensorParallel ?? 1;
    const pp = overrides.pipelineParallel ?? 1;
    const problem = tensorParallelProblem(config, tp, cluster.gpusPerNode);
    if (problem)
      throw new PlanError(
        `tensor parallel ${tp} is invalid for ${facts.id}: ${problem}`,
        'Choose another --tensor-parallel size.',
      );
    if (pp > config.layers)
      throw new PlanError(
        `pipeline parallel ${pp} exceeds the ${config.layers} layers`,
        'Choose fewer stages.',
      );
    const nodes = Math.ceil((tp * pp) / cluster.gpusPerNode);
    if (nodes > cluster.maxNodes) {
      throw new PlanError(
        `TP ${tp} × PP ${pp} needs ${nodes} nodes, more than maxNodes ${cluster.maxNodes}`,
        'Raise --max-nodes or lower the forced sizes.',
      );
    }
    const chosen = sizeLayout(input, { tensorParallel: tp, pipelineParallel: pp, nodes }, maxModelLength);
    reasons.push(`${layoutName(chosen.layout)} forced by the caller: ${describeFit(chosen, maxModelLength)}`);
    if (chosen.memory.concurrentSequences < minSeq) {
      warnings.push(
        `forced ${layoutName(chosen.layout)} holds ${chosen.memory.concurrentSequences} full sequences, fewer than ${minSeq}: expect preemption${chosen.memory.concurrentSequences < 1 ? ' or an out-of-memory failure' : ''}`,
      );
    }
    return { chosen, reasons, warnings };
  }
  const sized = candidateLayouts(config, cluster.gpusPerNode, cluster.maxNodes)
    .filter((l) => l.tensorParallel * l.pipelineParallel > minGpusExclusive)
    .map((l) => sizeLayout(input, l, maxModelLength));
  const chosen = sized.find((s) => s.memory.concurrentSequences >= minSeq);
  if (!chosen) {
    const largest = [...sized].sort(
      (a, b) =>
        b.memory.kvCacheGiB / b.memory.kvPerSequenceGiB - a.memory.kvCacheGiB / a.memory.kvPerSequenceGiB,
    )[0];
    throw noFitError(input, largest, maxModelLength);
  }
  const gpus = chosen.layout.tensorParallel * chosen.layout.pipelineParallel;
  reasons.push(
    `${layoutName(chosen.layout)} (${gpus} GPU${gpus > 1 ? 's' : ''} per replica): the smallest valid layout whose KV cache holds at least ${minSeq} full sequences: ${describeFit(chosen, maxModelLength)}`,
  );
  // Why not fewer GPUs: the best smaller layout of each size, and the TP sizes vLLM would refuse.
  const smaller = sized.filter((s) => s.layout.tensorParallel * s.layout.pipelineParallel < gpus);
  const seenSizes = new Set<number>();
  for (const s of smaller) {
    const size = s.layout.tensorParallel * s.layout.pipelineParallel;
    if (seenSizes.has(size)) continue;
    seenSizes.add(size);
    reasons.push(`not ${layoutName(s.layout)}: ${describeFit(s, maxModelLength)} (need ${minSeq})`);
  }
  for (let tp = 2; tp < chosen.layout.tensorParallel; tp++) {
    const problem = tensorParallelProblem(config, tp, cluster.gpusPerNode);
    if (problem) reasons.push(`not TP ${tp}: ${problem}`);
  }
  return { chosen, reasons, warnings };
}

export interface ThroughputSettings {
  maxNumSeqs: number;
  maxNumBatchedTokens: number;
  reason: string;
}

/**
 * `max_num_seqs` and `max_num_batched_tokens` from the planned KV cache and the benchmarks' length
 * profile. A reasoning trace averages about half of `max_new_tokens` (docs/planner.md), so the cache
 * holds `kvCache / kv(prompt + max_new_tokens / 2)` sequences at once; more would only be preempted.
 * The ceiling is the 256 sequences whose sampler memory the overhead term reserves; the token budget
 * is the 8192-token profiling pass the activation term reserves (vLLM requires it ≥ max_num_seqs).
 */
export function throughputSettings(
  config: ModelFacts['config'],
  sized: { layout: ModelParallelLayout; memory: MemoryPerGpu },
  longestPrompt: number,
  maxNewTokens: number,
  maxModelLength: number,
): ThroughputSettings {
  const typical = Math.min(maxModelLength, longestPrompt + Math.ceil(maxNewTokens / 2));
  const perSequenceGiB = kvBytesPerSequencePerGpu(config, sized.layout, typical) / GiB;
  const fits =
    perSequenceGiB > 0
      ? Math.floor(Math.max(0, sized.memory.kvCacheGiB) / perSequenceGiB)
      : memoryModel.samplerSequences;
  const maxNumSeqs = Math.max(1, Math.min(memoryModel.samplerSequences, fits));
  const maxNumBatchedTokens = Math.max(memoryModel.activationTokens, maxNumSeqs);
  return {
    maxNumSeqs,
    maxNumBatchedTokens,
    reason: `max_num_seqs ${maxNumSeqs}: the KV cache holds ${fits} sequences of a typical ${n(typical)} tokens (prompt ${n(longestPrompt)} + half of max_new_tokens), capped at ${memoryModel.samplerSequences} (the sampler memory reserved); max_num_batched_tokens ${n(maxNumBatchedTokens)}: the prefill chunk whose activations the overhead term reserves (LightEval's defaults are 128 and 2,048)`,
  };
}

/** How many replicas (DP) fill the job's GPU budget, and the nodes they take. */
function replicas(
  input: ResolvedInput,
  budget: number,
  replicaGpus: number,
): { dataParallel: number; totalGpus: number; nodes: number; reason: string } {
  const { cluster } = input;
  const dataParallel = input.overrides.dataParallel ?? Math.max(1, Math.floor(budget / replicaGpus));
  const totalGpus = replicaGpus * dataParallel;
  const nodes = Math.ceil(totalGpus / cluster.gpusPerNode);
  if (nodes > cluster.maxNodes) {
    throw new PlanError(
      `${dataParallel} replicas of ${replicaGpus} GPUs need ${nodes} nodes, more than maxNodes ${cluster.maxNodes}`,
      'Lower --data-parallel or raise --max-nodes.',
    );
  }
  const reason =
    input.overrides.dataParallel !== undefined
      ? `DP ${dataParallel} as requested`
      : `DP ${dataParallel}: ${budget} GPUs for the job / ${replicaGpus} per replica`;
  return { dataParallel, totalGpus, nodes, reason };
}

function planJob(
  input: ResolvedInput,
  benchmarks: readonly Benchmark[],
  minGpusExclusive = 0,
  seed?: number,
): PlannedJob {
  const { facts, cluster } = input;
  const lengths = sequenceLengths(input, benchmarks);
  const { chosen, reasons, warnings } = chooseLayout(input, lengths.maxModelLength, minGpusExclusive);
  const { layout, memory } = chosen;
  const replicaGpus = layout.tensorParallel * layout.pipelineParallel;
  const budget = cluster.gpuBudgetPerJob ?? layout.nodes * cluster.gpusPerNode;
  if (budget < replicaGpus) {
    throw new PlanError(
      `one replica of ${facts.id} needs ${replicaGpus} GPUs (${layoutName(layout)}) but a job may use only ${budget}`,
      `Raise the GPU budget per job to at least ${replicaGpus}.`,
    );
  }
  const { dataParallel, totalGpus, nodes, reason } = replicas(input, budget, replicaGpus);
  reasons.push(reason);
  reasons.push(lengths.reason);
  const throughput = throughputSettings(
    facts.config,
    chosen,
    Math.max(...benchmarks.map((b) => b.maxPromptTokens)),
    lengths.maxNewTokens,
    lengths.maxModelLength,
  );
  reasons.push(throughput.reason);
  const commandInput = {
    ...commandInputFor(input, benchmarks, layout, dataParallel, lengths, throughput),
    ...(seed !== undefined && { seed }),
  };
  const routed = routeCommand(input, commandInput, nodes);
  const { command } = routed;
  reasons.push(routed.reason);
  const jobWarnings = [...lengths.warnings, ...warnings, ...routed.warnings, ...command.warnings];
  const settings = new Set(benchmarks.map((b) => `${b.temperature}/${b.topP}`));
  if (settings.size > 1) {
    jobWarnings.push(
      'benchmarks in this job differ in temperature/top_p; one job uses one setting: split them into separate jobs',
    );
  }
  const round = (x: number): number => Math.round(x * 100) / 100;
  return {
    benchmarks: benchmarks.map((b) => b.name),
    nodes,
    gpusPerNode: nodes > 1 ? Math.ceil(totalGpus / nodes) : totalGpus,
    tensorParallel: layout.tensorParallel,
    pipelineParallel: layout.pipelineParallel,
    dataParallel,
    maxModelLength: lengths.maxModelLength,
    maxNewTokens: lengths.maxNewTokens,
    gpuMemoryUtilization: input.gpuMemoryUtilization,
    memoryPerGpuGiB: {
      weights: round(memory.weightsGiB),
      kvCache: round(Math.max(0, memory.kvCacheGiB)),
      overhead: round(memory.overheadGiB),
      budget: round(memory.budgetGiB),
    },
    concurrentSequences: memory.concurrentSequences,
    maxNumSeqs: throughput.maxNumSeqs,
    maxNumBatchedTokens: throughput.maxNumBatchedTokens,
    lightevalModelArgs: command.modelArgs,
    lightevalArgv: command.argv,
    samples: command.samples,
    cost: jobCost(command.samples, lengths.maxNewTokens, facts.parameters),
    env: command.env,
    ...(seed !== undefined && { seed }),
    route: routed.route,
    routeReason: routed.reason,
    ...(routed.server && { server: routed.server }),
    reasons,
    warnings: jobWarnings,
  };
}

type CommandInput = Parameters<typeof buildLightevalArgs>[0];

function commandInputFor(
  input: ResolvedInput,
  benchmarks: readonly Benchmark[],
  layout: ModelParallelLayout,
  dataParallel: number,
  lengths: Lengths,
  throughput: ThroughputSettings,
): CommandInput {
  const { facts } = input;
  return {
    model: input.modelPath,
    revision: facts.source === 'hub' ? facts.revision : undefined,
    dtype: servingDtype(facts.config),
    tensorParallel: layout.tensorParallel,
    pipelineParallel: layout.pipelineParallel,
    dataParallel,
    maxModelLength: lengths.maxModelLength,
    gpuMemoryUtilization: input.gpuMemoryUtilization,
    maxNewTokens: lengths.maxNewTokens,
    temperature: benchmarks[0]?.temperature ?? 0.6,
    topP: benchmarks[0]?.topP ?? 0.95,
    benchmarks,
    lightevalVersion: input.lightevalVersion,
    outputDir: input.outputDir,
    maxNumSeqs: throughput.maxNumSeqs,
    maxNumBatchedTokens: throughput.maxNumBatchedTokens,
  };
}

/**
 * The job's route and the commands it runs: `lighteval vllm` (in-process and ray), or on the serve
 * route `vllm serve` plus `lighteval endpoint litellm` against it.
 */
function routeCommand(
  input: ResolvedInput,
  commandInput: CommandInput,
  nodes: number,
): {
  route: Route;
  reason: string;
  warnings: string[];
  command: Pick<LightevalCommand, 'modelArgs' | 'argv' | 'env' | 'samples' | 'warnings'>;
  server?: PlannedServer;
} {
  const choice = chooseRoute({
    requested: input.route,
    engine: input.multiNodeEngine,
    nodes,
    dataParallel: commandInput.dataParallel,
    lightevalVersion: input.lightevalVersion,
  });
  // Built for every route: it checks the model args and custom tasks the same way for all of them.
  const vllmCommand = buildLightevalArgs(commandInput);
  if (choice.route !== 'serve') return { ...choice, command: vllmCommand };
  const serve = buildServeCommand({
    ...commandInput,
    servePort: input.servePort,
    engine: input.multiNodeEngine,
    nodes,
  });
  return {
    ...choice,
    command: {
      modelArgs: serve.modelArgs,
      argv: serve.argv,
      env: {},
      samples: serve.samples,
      warnings: serve.warnings,
    },
    server: {
      argv: serve.serveArgv,
      servedModelName: serve.servedModelName,
      port: input.servePort,
      engine: input.multiNodeEngine,
      ...(serve.concurrency !== undefined && { concurrency: serve.concurrency }),
    },
  };
}

/**
 * After a GPU out-of-memory failure: the same job on the next larger valid model-parallel size
 * (our memory model was wrong for this model, so give each replica more GPUs). Undefined when no
 * larger layout exists within the cluster shape.
 */
export function nextLargerPlan(plan: EvalPlan, job: PlannedJob): PlannedJob | undefined {
  const benchmarks = plan.input.benchmarks.filter((b) => job.benchmarks.includes(b.name));
  const current = job.tensorParallel * job.pipelineParallel;
  const input: ResolvedInput = {
    ...plan.input,
    // Forced sizes caused the failure or are superseded; DP refills the budget.
    overrides:
      plan.input.overrides.maxModelLength !== undefined
        ? { maxModelLength: plan.input.overrides.maxModelLength }
        : {},
    // Any larger layout is better than the one that failed, even below the target concurrency.
    minConcurrentSequences: 1,
  };
  try {
    const next = planJob(input, benchmarks, current, job.seed);
    next.reasons.unshift(
      `re-planned after a GPU out-of-memory failure at TP ${job.tensorParallel} × PP ${job.pipelineParallel}`,
    );
    return next;
  } catch (error) {
    if (error instanceof PlanError) return undefined;
    throw error;
  }
}

export { GiB };
