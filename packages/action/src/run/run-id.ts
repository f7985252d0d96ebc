import { createHash } from 'node:crypto';

/**
 * A run id safe as a directory name, a Slurm job name and a `--comment`: a readable prefix and a hash
 * of everything that makes the run what it is, so the same inputs always give the same id.
 */
export function deriveRunId(parts: readonly string[], prefix = 'me'): string {
  const hash = createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 12);
  return `${prefix}-${hash}`;
}

/**
 * The idempotency key of one job attempt: the run, the job's place in it, and its layout; a seed
 * job of a `seeds: N` run also names its seed, so `squeue` tells the repeats apart.
 */
export function jobKey(
  runId: string,
  jobIndex: number,
  layout: { tensorParallel: number; pipelineParallel: number; seed?: number },
) {
  const seed = layout.seed !== undefined ? `-s${layout.seed}` : '';
  return `${runId}-j${jobIndex}-tp${layout.tensorParallel}pp${layout.pipelineParallel}${seed}`;
}
