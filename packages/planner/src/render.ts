import { costLine, type JobCost } from './cost';
import { formatCount } from './model-facts';
import type { EvalPlan, PlannedJob } from './plan';

/** The `model-eval plan --json` contract: other tools read exactly these keys. */
export interface PlanJson {
  model: {
    id: string;
    revision: string | null;
    source: 'hub' | 'local';
    architecture: string | null;
    parameters: number;
    parameterSource: string;
    weightBytes: number;
    maxPositions: number | null;
  };
  cluster: { gpusPerNode: number; gpuMemoryGiB: number; maxNodes: number };
  jobs: {
    benchmarks: string[];
    nodes: number;
    gpusPerNode: number;
    tensorParallel: number;
    pipelineParallel: number;
    dataParallel: number;
    maxModelLength: number;
    gpuMemoryUtilization: number;
    memoryPerGpuGiB: { weights: number; kvCache: number; overhead: number; budget: number };
    /** vLLM scheduler limits the plan sets (null for jobs planned before they existed). */
    maxNumSeqs: number | null;
    maxNumBatchedTokens: number | null;
    lightevalModelArgs: string;
    lightevalArgv: string[];
    /** Completions, tokens and GPU-hours at an assumed throughput: an ESTIMATE (cost.ts says whose). */
    estimatedCost: JobCost | null;
    /** in-process, ray or serve (in-process for jobs planned before routes existed). */
    route: 'in-process' | 'ray' | 'serve';
    routeReason: string | null;
    /** The serve route's `vllm serve` argv (without the per-node multi-node options), else null. */
    serveArgv: string[] | null;
    /** This job's sampling seed in a `seeds: N` run; null: LightEval's default (1234), not set. */
    seed: number | null;
  }[];
  reasons: string[];
  warnings: string[];
}

/** Job-level reasons and warnings are prefixed with the job's benchmarks when there are several jobs. */
function flatten(plan: EvalPlan, pick: (job: PlannedJob) => string[]): string[] {
  if (plan.jobs.length === 1) return plan.jobs.flatMap(pick);
  return plan.jobs.flatMap((job) => pick(job).map((line) => `[${job.benchmarks.join(',')}] ${line}`));
}

export function planToJson(plan: EvalPlan): PlanJson {
  const { model, cluster } = plan;
  return {
    model: {
      id: model.id,
      revision: model.revision ?? null,
      source: model.source,
      architecture: model.config.architecture ?? null,
      parameters: model.parameters,
      parameterSource: model.parameterSource,
      weightBytes: model.weightBytes,
      maxPositions: model.config.maxPositions ?? null,
    },
    cluster: {
      gpusPerNode: cluster.gpusPerNode,
      gpuMemoryGiB: cluster.gpuMemoryGiB,
      maxNodes: cluster.maxNodes,
    },
    jobs: plan.jobs.map((job) => ({
      benchmarks: [...job.benchmarks],
      nodes: job.nodes,
      gpusPerNode: job.gpusPerNode,
      tensorParallel: job.tensorParallel,
      pipelineParallel: job.pipelineParallel,
      dataParallel: job.dataParallel,
      maxModelLength: job.maxModelLength,
      gpuMemoryUtilization: job.gpuMemoryUtilization,
      memoryPerGpuGiB: { ...job.memoryPerGpuGiB },
      maxNumSeqs: job.maxNumSeqs ?? null,
      maxNumBatchedTokens: job.maxNumBatchedTokens ?? null,
      lightevalModelArgs: job.lightevalModelArgs,
      lightevalArgv: [...job.lightevalArgv],
      estimatedCost: job.cost ? { ...job.cost, uncounted: [...job.cost.uncounted] } : null,
      route: job.route ?? 'in-process',
      routeReason: job.routeReason ?? null,
      serveArgv: job.server ? [...job.server.argv] : null,
      seed: job.seed ?? null,
    })),
    reasons: flatten(plan, (job) => job.reasons),
    warnings: [...plan.warnings, ...flatten(plan, (job) => job.warnings)],
  };
}

const BAR_WIDTH = 40;

/** One GPU's memory as a bar: weights `#`, overhead `o`, KV cache `~`, unused up to 100 % `.`. */
export function memoryBar(job: PlannedJob, gpuMemoryGiB: number): string {
  const m = job.memoryPerGpuGiB;
  const cells = (gib: number): number => Math.max(0, Math.round((gib / gpuMemoryGiB) * BAR_WIDTH));
  const weights = cells(m.weights);
  const overhead = cells(m.overhead);
  const kv = Math.max(0, Math.min(BAR_WIDTH - weights - overhead, cells(m.kvCache)));
  return `[${'#'.repeat(weights)}${'o'.repeat(overhead)}${'~'.repeat(kv)}${'.'.repeat(Math.max(0, BAR_WIDTH - weights - overhead - kv))}]`;
}

/** Shell-readable rendering of an argv for display only (the runner passes the array itself). */
function displayArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Per benchmark what is drawn and what it costs, then the job's estimate (labelled as one). */
function samplesLines(job: PlannedJob): string[] {
  const n = (x: number) => x.toLocaleString('en-US');
  const lines = (job.samples ?? []).map(
    (s) =>
      `           ${s.benchmark}: ${s.problems !== undefined ? `${n(s.problems)} problems × ` : ''}${s.drawn} samples${s.drawn !== s.requested ? ` (${s.requested} asked)` : ''}${s.completions !== undefined ? ` = ${n(s.completions)} completions` : ''}`,
  );
  if (job.cost) lines.push(`           ${costLine(job.cost)}`);
  return lines.length > 0 ? [`  samples${lines[0]?.slice('  samples'.length) ?? ''}`, ...lines.slice(1)] : [];
}

/** With `seeds: N`: which seeds, and that every job below is one of N repeats. */
function seedsLine(plan: EvalPlan): string[] {
  const seeds = [...new Set(plan.jobs.flatMap((job) => (job.seed !== undefined ? [job.seed] : [])))];
  if (seeds.length === 0) return [];
  return [
    `Seeds    ${seeds.length} (${seeds.join(', ')}): each benchmark runs once per seed; the report merges them and shows the spread`,
  ];
}

export function renderPlanText(plan: EvalPlan): string {
  const { model, cluster } = plan;
  const lines: string[] = [];
  const source = model.parameterSource === 'estimate' ? 'ESTIMATE' : model.parameterSource;
  lines.push(
    `Model    ${model.id}${model.revision ? ` @ ${model.revision}` : ''} (${model.config.architecture ?? 'unknown architecture'})`,
    `         ${formatCount(model.parameters)} (${source}), weights ${(model.weightBytes / 1024 ** 3).toFixed(1)} GiB, ${model.config.maxPositions?.toLocaleString('en-US') ?? '?'} positions`,
    `Cluster  ${cluster.maxNodes} node(s) × ${cluster.gpusPerNode} GPUs × ${cluster.gpuMemoryGiB} GiB`,
    `LightEval ${plan.lightevalVersion}`,
    ...seedsLine(plan),
    '',
  );
  plan.jobs.forEach((job, i) => {
    const m = job.memoryPerGpuGiB;
    lines.push(
      `Job ${i + 1}: ${job.benchmarks.join(', ')}${job.seed !== undefined ? ` (seed ${job.seed})` : ''}`,
      `  layout   ${job.nodes} node(s) × ${job.gpusPerNode} GPUs = TP ${job.tensorParallel} × PP ${job.pipelineParallel} × DP ${job.dataParallel}`,
      `  route    ${job.route ?? 'in-process'}${job.routeReason ? ` (${job.routeReason.replace(/^route [a-z-]+(: | as requested)/, '').trim() || 'as requested'})` : ''}`,
      `  length   max_model_length ${job.maxModelLength.toLocaleString('en-US')}, max_new_tokens ${job.maxNewTokens.toLocaleString('en-US')}, gpu_memory_utilization ${job.gpuMemoryUtilization}`,
      ...(job.maxNumSeqs !== undefined
        ? [
            `  vLLM     max_num_seqs ${job.maxNumSeqs}, max_num_batched_tokens ${(job.maxNumBatchedTokens ?? 0).toLocaleString('en-US')}`,
          ]
        : []),
      `  per GPU  ${memoryBar(job, cluster.gpuMemoryGiB)} ${cluster.gpuMemoryGiB} GiB`,
      `           # weights ${m.weights.toFixed(1)}  o overhead ${m.overhead.toFixed(1)}  ~ KV cache ${m.kvCache.toFixed(1)} (${job.concurrentSequences} full sequences)  budget ${m.budget.toFixed(1)} GiB`,
      ...samplesLines(job),
      '  why',
      ...job.reasons.map((r) => `    - ${r}`),
    );
    if (job.warnings.length > 0) lines.push('  warnings', ...job.warnings.map((w) => `    ! ${w}`));
    if (Object.keys(job.env).length > 0) {
      lines.push(
        `  env      ${Object.entries(job.env)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ')}`,
      );
    }
    if (job.server) lines.push(`  server   ${displayArgv(job.server.argv)}`);
    lines.push(`  command  ${displayArgv(job.lightevalArgv)}`, '');
  });
  if (plan.warnings.length > 0) lines.push('Warnings', ...plan.warnings.map((w) => `  ! ${w}`), '');
  return `${lines.join('\n')}`;
}
