import { findBenchmark } from '@model-eval/planner';

/**
 * Names a reader knows. Catalog names (`math_500`, `gpqa:diamond`) are LightEval's task names; the
 * report shows the benchmark's published name, and keeps the LightEval name and metric in the run
 * facts for whoever reproduces the number. Unknown (custom) tasks keep their own name.
 */
export function benchmarkTitle(benchmark: string): string {
  return findBenchmark(benchmark)?.title ?? benchmark;
}

/** A Hub id (`org/name`). Anything else is a model directory on the cluster or the runner. */
export const HUB_ID = /^[\w.-]+\/[\w.-]+$/;

/**
 * A model directory shows as its last two path parts (`…/org/name`): the absolute path of a
 * temporary or scratch directory says nothing to a reviewer and leaks the runner's layout.
 */
export function modelTitle(model: string): string {
  if (HUB_ID.test(model)) return model;
  const parts = model.split(/[\\/]+/).filter((p) => p !== '' && p !== '.' && p !== '..');
  if (parts.length === 0) return model;
  const tail = parts.slice(-2).join('/');
  return parts.length > 2 || model.startsWith('/') ? `…/${tail}` : tail;
}
