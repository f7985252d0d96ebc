import type { ModelConfig } from './model-config';

/** One way to split a model: TP GPUs per stage (inside a node), PP stages (possibly across nodes). */
export interface ModelParallelLayout {
  tensorParallel: number;
  pipelineParallel: number;
  /** Nodes one model replica spans. */
  nodes: number;
}

const shapesCache = new WeakMap<ModelConfig, { kvCounts: number[]; denseWidths: number[] }>();

/** The distinct per-layer KV head counts and dense MLP widths (computed once per config: plans ask often). */
function shardedShapes(config: ModelConfig): { kvCounts: number[]; denseWidths: number[] } {
  let shapes = shapesCache.get(config);
  if (!shapes) {
    shapes = {
      kvCounts: [...new Set(config.layerSpecs.flatMap((l) => (l.kvHeads > 0 ? [l.kvHeads] : [])))],
      denseWidths: [...new Set(config.layerSpecs.flatMap((l) => (l.mlp === 'dense' ? [l.mlpWidth] : [])))],
    };
    shapesCache.set(config, shapes);
  }
  return shapes;
}

/**
 * Why a TP size is invalid for this model, or undefined when vLLM accepts it. The rules are vLLM's
 * sharding constraints: heads split evenly, KV heads split or are replicated whole, every sharded
 * MLP (and FP8 block) splits evenly, and the vocabulary (padded to a multiple of 64) splits evenly.
 */
export function tensorParallelProblem(
  config: ModelConfig,
  tp: number,
  gpusPerNode: number,
): string | undefined {
  if (tp > gpusPerNode) return `TP ${tp} exceeds the ${gpusPerNode} GPUs of a node (TP needs NVLink)`;
  if (config.attentionHeads % tp !== 0)
    return `${config.attentionHeads} attention heads do not split into ${tp} equal parts`;
  // NAS models vary the KV heads per layer: every attention layer must shard.
  const { kvCounts, denseWidths } = shardedShapes(config);
  for (const kv of kvCounts.length > 0 ? kvCounts : [config.kvHeads]) {
    if (kv % tp !== 0 && tp % kv !== 0) return `${kv} KV heads and TP ${tp} do not divide one another`;
  }
  if (64 % tp !== 0) return `the vocabulary (padded to a multiple of 64) does not split ${tp} ways`;
  const q = config.quantization;
  const blockN = q?.weightBlockSize?.[0];
  // Row-parallel layers (o_proj, down_proj) split their input: each shard must hold whole groups.
  const groupSize =
    q && /awq|gptq|compressed-tensors/.test(q.method) && (q.bits ?? 16) < 8 ? q.groupSize : undefined;
  const shardedWidths: [string, number | undefined][] = [
    ...denseWidths.map((w): [string, number] => ['intermediate_size', w]),
    ['expert intermediate size', config.moe?.expertIntermediateSize],
  ];
  for (const [name, width] of shardedWidths) {
    if (width === undefined) continue;
    if (width % tp !== 0) return `${name} ${width} does not split into ${tp} equal parts`;
    if (blockN !== undefined && (width / tp) % blockN !== 0)
      return `${name} ${width} / TP ${tp} is not a whole number of ${blockN}-wide FP8 blocks`;
    if (groupSize !== undefined && (width / tp) % groupSize !== 0)
      return `${name} ${width} / TP ${tp} is not a whole number of ${groupSize}-input quantization groups (${q?.method})`;
  }
  const attentionWidth = config.attentionHeads * config.headDim;
  if (groupSize !== undefined && !config.mla && (attentionWidth / tp) % groupSize !== 0)
    return `o_proj input ${attentionWidth} / TP ${tp} is not a whole number of ${groupSize}-input quantization groups (${q?.method})`;
  return undefined;
}

export function validTensorParallelSizes(config: ModelConfig, gpusPerNode: number): number[] {
  const sizes: number[] = [];
  for (let tp = 1; tp <= gpusPerNode; tp++) {
    if (tensorParallelProblem(config, tp, gpusPerNode) === undefined) sizes.push(tp);
  }
  return sizes;
}

/**
 * Every valid layout up to `maxNodes`, in the order we try them (vLLM's advice: TP inside a node,
 * PP across nodes): pure TP on one node first, then TP × PP on one node (only useful when the head
 * count rules out a larger TP), then layouts spanning nodes; fewest GPUs first within each group.
 * A multi-node layout puts whole stages on each node, so PP must be a multiple of the node count.
 */
export function candidateLayouts(
  config: ModelConfig,
  gpusPerNode: number,
  maxNodes: number,
): ModelParallelLayout[] {
  const layouts: ModelParallelLayout[] = [];
  const maxGpus = gpusPerNode * maxNodes;
  const tpSizes = validTensorParallelSizes(config, gpusPerNode);
  // Across nodes, vLLM's recipe: the largest TP that fits in a node, one or more stages per node.
  const largestTp = Math.max(...tpSizes);
  for (const tp of tpSizes) {
    for (let pp = 1; pp <= config.layers && tp * pp <= maxGpus; pp++) {
      const nodes = Math.ceil((tp * pp) / gpusPerNode);
      if (nodes > 1 && (tp !== largestTp || pp % nodes !== 0 || tp * (pp / nodes) > gpusPerNode)) continue;
      layouts.push({ tensorParallel: tp, pipelineParallel: pp, nodes });
    }
  }
  const group = (l: ModelParallelLayout): number => (l.nodes > 1 ? 2 : l.pipelineParallel > 1 ? 1 : 0);
  return layouts.sort(
    (a, b) =>
      group(a) - group(b) ||
      a.tensorParallel * a.pipelineParallel - b.tensorParallel * b.pipelineParallel ||
      a.pipelineParallel - b.pipelineParallel,
  );
}
