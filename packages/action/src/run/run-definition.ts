import { createHash } from 'node:crypto';
import type { RunSettings } from './run-settings';

/**
 * Everything that defines a run's jobs, and nothing else (no secrets, no polling intervals): two runs
 * with the same definition would submit the same jobs. Recorded in the run state, so reattaching to
 * state written for another definition is refused instead of silently mixing two runs.
 */
export interface RunDefinition {
  model: string;
  revision: string;
  /** The commit the revision was pinned to; absent for a model directory (and in older records). */
  commitSha?: string;
  benchmarks: string[];
  /** Custom task declarations, as given (they change the LightEval command). */
  customTasks: string;
  cluster: string;
  lightevalVersion: string;
  maxModelLength: string;
  gpuMemoryUtilization: string;
  jobPerBenchmark: boolean;
  slurm: string;
  remoteDir: string;
  simulate: boolean;
  /** Samples per problem by benchmark, when the settings carry benchmark definitions (they change the command). */
  samples?: string;
  /** `precision` (fraction) and `max-gpu-hours`, when set: they decide the sample counts. */
  precision?: string;
  maxGpuHours?: string;
  /** Sampling seeds per benchmark, when more than one (each is a job more). */
  seeds?: number;
  /** Route and multi-node settings (absent in definitions recorded before they existed). */
  multiNode?: string;
}

export function runDefinition(settings: RunSettings): RunDefinition {
  const custom = (settings.benchmarkDefinitions ?? []).filter((b) => b.customTasksPath !== undefined);
  const { setup, ...directives } = settings.slurm;
  return {
    model: settings.model,
    revision: settings.revision ?? 'main',
    ...(settings.commitSha !== undefined && { commitSha: settings.commitSha }),
    benchmarks: [...settings.benchmarks],
    customTasks: custom.length > 0 ? JSON.stringify(custom) : '',
    cluster: JSON.stringify(settings.cluster),
    lightevalVersion: settings.lightevalVersion ?? 'default',
    maxModelLength: String(settings.maxModelLength ?? 'auto'),
    gpuMemoryUtilization: String(settings.gpuMemoryUtilization ?? 'auto'),
    jobPerBenchmark: settings.jobPerBenchmark ?? false,
    slurm: JSON.stringify({ ...sortedKeys(directives), setup }),
    remoteDir: settings.remoteDir,
    simulate: settings.simulate,
    ...(settings.benchmarkDefinitions && {
      samples: JSON.stringify(
        Object.fromEntries(settings.benchmarkDefinitions.map((b) => [b.name, b.samplesPerPrompt])),
      ),
    }),
    ...(settings.precision !== undefined && { precision: String(settings.precision) }),
    ...(settings.maxGpuHours !== undefined && { maxGpuHours: String(settings.maxGpuHours) }),
    ...(settings.seeds !== undefined && settings.seeds > 1 && { seeds: settings.seeds }),
    // Only when set, so the definition (and the derived run id) of a run without them is unchanged.
    ...(settings.multiNode && Object.keys(settings.multiNode).length > 0
      ? { multiNode: JSON.stringify(sortedKeys(settings.multiNode)) }
      : {}),
  };
}

/** A short, stable hash of a definition (key order fixed by `runDefinition`). */
export function definitionHash(definition: RunDefinition): string {
  return createHash('sha256').update(JSON.stringify(definition)).digest('hex').slice(0, 12);
}

/** The fields in which two definitions differ, each as `name: recorded → given`, for error messages. */
export function definitionDifferences(recorded: RunDefinition, given: RunDefinition): string[] {
  const differences: string[] = [];
  for (const key of Object.keys(given) as (keyof RunDefinition)[]) {
    const a = JSON.stringify(recorded[key]);
    const b = JSON.stringify(given[key]);
    if (a !== b) differences.push(`${key}: ${a} → ${b}`);
  }
  return differences;
}

function sortedKeys<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b))) as T;
}
