import type { ListedEntry, SkippedEntry } from './safe-listing';

/**
 * How much a run may bring back from the cluster. A job's output is written by code we did not write:
 * a sparse 600 MB results file costs nothing to make and, read whole, most of a GB of the runner's
 * memory and then V8's string-length error. Defaults fit real LightEval output with a wide margin:
 * a results JSON is a few hundred KB even for many tasks; a details parquet of 64 samples × 30
 * problems of long reasoning is a few hundred MB.
 */
export interface CollectLimits {
  /** Largest single file read. */
  maxFileBytes: number;
  /** Bytes read in total (per call: one job's results, or one details tree). */
  maxTotalBytes: number;
  /** Files read in total. */
  maxFiles: number;
}

export const RESULTS_LIMITS: CollectLimits = {
  maxFileBytes: 64 * 1024 * 1024,
  maxTotalBytes: 256 * 1024 * 1024,
  maxFiles: 1000,
};

export const DETAILS_LIMITS: CollectLimits = {
  maxFileBytes: 1024 * 1024 * 1024,
  maxTotalBytes: 4 * 1024 * 1024 * 1024,
  maxFiles: 10_000,
};

/** Which of `files` (in order) fit the limits; the rest are skipped with the limit they hit. */
export function applyLimits(
  files: readonly ListedEntry[],
  limits: CollectLimits,
): { accepted: ListedEntry[]; skipped: SkippedEntry[] } {
  const accepted: ListedEntry[] = [];
  const skipped: SkippedEntry[] = [];
  let total = 0;
  for (const file of files) {
    if (file.size > limits.maxFileBytes) {
      skipped.push({
        path: file.path,
        reason: `${formatBytes(file.size)}, over the per-file limit of ${formatBytes(limits.maxFileBytes)}`,
      });
    } else if (accepted.length >= limits.maxFiles) {
      skipped.push({ path: file.path, reason: `over the limit of ${limits.maxFiles} files` });
    } else if (total + file.size > limits.maxTotalBytes) {
      skipped.push({
        path: file.path,
        reason: `would pass the total limit of ${formatBytes(limits.maxTotalBytes)}`,
      });
    } else {
      accepted.push(file);
      total += file.size;
    }
  }
  return { accepted, skipped };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
