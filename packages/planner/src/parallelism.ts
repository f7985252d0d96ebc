import type { ModelConfig } from './model-config';

/** One way to split a model: TP GPUs per stage (inside a node), PP stages (possibly across nodes). */
export interface ModelParallelLayout {
  tensorParallel: number;
  pipelineParallel: number;
  /** Nodes one model replica spans. */
  nodes: number;
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
  if (config.kvHeads % tp !== 0 && tp % config.kvHeads !== 0)
    return `${config.kvHeads} KV heads and TP ${tp} do not divide one another`;
  if (64 % tp !== 0) return `the vocabulary (padded to a multiple of 64) does not split ${tp} ways`;
  const blockN = config.quantization?.weightBlockSize?.[0];
  const shardedWidths: [string, number | undefined][] = [
    ['intermediate_size', config.moe && config.moe.denseLayers === 0 ? undefined : config.intermediateSize],
    ['expert intermediate size', config.moe?.expertIntermediateSize],
  ];
  for (const [name, width] of shardedWidths) {
    if (width === undefined) continue;
    if (width % tp !== 0) return `${name} ${width} does not split into ${tp} equal parts`;
    if (blockN !== undefined && (width / tp) % blockN !== 0)
      return `${name} ${width} / TP ${tp} is not a whole number of ${blockN}-wide FP8 blocks`;
  }
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

/** Layers on the largest pipeline stage (vLLM gives earlier stages the remainder). */
export function layersOnLargestStage(config: ModelConfig, pipelineParallel: number): number {
  return Math.ceil(config.layers / pipelineParallel);
}
