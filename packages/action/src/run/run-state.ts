import { randomBytes } from 'node:crypto';
import type { PlannedJob } from '@model-eval/planner';
import { joinRemotePath, type Transport } from '@model-eval/slurm';
import { z } from 'zod';
import { runDirectory } from './job-specs';
import type { RunDefinition } from './run-definition';
import type { RunSettings } from './run-settings';

export const plannedJobSchema = z.object({
  benchmarks: z.array(z.string()),
  nodes: z.number().int().positive(),
  gpusPerNode: z.number().int().positive(),
  tensorParallel: z.number().int().positive(),
  pipelineParallel: z.number().int().positive(),
  dataParallel: z.number().int().positive(),
  maxModelLength: z.number().int().positive(),
  maxNewTokens: z.number().int().positive(),
  gpuMemoryUtilization: z.number(),
  memoryPerGpuGiB: z.object({
    weights: z.number(),
    kvCache: z.number(),
    overhead: z.number(),
    budget: z.number(),
  }),
  concurrentSequences: z.number(),
  maxNumSeqs: z.number().int().positive().optional(),
  maxNumBatchedTokens: z.number().int().positive().optional(),
  samples: z
    .array(
      z.object({
        benchmark: z.string(),
        requested: z.number().int().positive(),
        drawn: z.number().int().positive(),
        suffix: z.string(),
        warning: z.string().optional(),
        problems: z.number().int().nonnegative().optional(),
        completions: z.number().int().nonnegative().optional(),
        estimatedTokens: z.number().nonnegative().optional(),
        maxTokens: z.number().nonnegative().optional(),
      }),
    )
    .optional(),
  lightevalModelArgs: z.string(),
  lightevalArgv: z.array(z.string()).min(1),
  env: z.record(z.string(), z.string()),
  // The plan's estimate (absent in state written before it existed).
  cost: z
    .object({
      completions: z.number(),
      estimatedTokens: z.number(),
      estimatedOutputTokens: z.number(),
      assumedTokensPerSecondPerGpu: z.number(),
      estimatedGpuHours: z.number(),
      uncounted: z.array(z.string()),
    })
    .optional(),
  // A seed job of a `seeds: N` run (absent: LightEval's default seed, and state written before seeds).
  seed: z.number().int().nonnegative().optional(),
  // Absent in state written before routes existed: those jobs ran in-process.
  route: z.enum(['in-process', 'ray', 'serve']).optional(),
  routeReason: z.string().optional(),
  server: z
    .object({
      argv: z.array(z.string()).min(1),
      servedModelName: z.string(),
      port: z.number().int().min(1).max(65_535),
      engine: z.enum(['ray', 'mp']),
      concurrency: z.number().int().positive().optional(),
    })
    .optional(),
  reasons: z.array(z.string()),
  warnings: z.array(z.string()),
}) satisfies z.ZodType<PlannedJob>;

/** One earlier layout of a job that ran out of GPU memory, kept so the report can show every attempt. */
const supersededLayoutSchema = z.object({
  planned: plannedJobSchema,
  /** The job that ran out of memory at this layout. */
  jobId: z.string(),
});

const recordedJobSchema = z.object({
  index: z.number().int().nonnegative(),
  /** The layout in force: after an out-of-memory re-plan, the larger one. */
  planned: plannedJobSchema,
  /** Every Slurm job id submitted for this job, oldest first (attempts and re-plans). */
  jobIds: z.array(z.string()),
  oomEscalations: z.number().int().nonnegative(),
  /** Layouts this job ran out of GPU memory at, oldest first (absent in version-1 files). */
  superseded: z.array(supersededLayoutSchema).default([]),
});

const runDefinitionSchema = z.object({
  model: z.string(),
  revision: z.string(),
  commitSha: z.string().optional(),
  benchmarks: z.array(z.string()),
  customTasks: z.string(),
  cluster: z.string(),
  lightevalVersion: z.string(),
  maxModelLength: z.string(),
  gpuMemoryUtilization: z.string(),
  jobPerBenchmark: z.boolean(),
  slurm: z.string(),
  remoteDir: z.string(),
  simulate: z.boolean(),
  samples: z.string().optional(),
  precision: z.string().optional(),
  maxGpuHours: z.string().optional(),
  seeds: z.number().int().min(1).optional(),
  multiNode: z.string().optional(),
}) satisfies z.ZodType<RunDefinition>;

const stateFields = {
  runId: z.string(),
  model: z.string(),
  revision: z.string().optional(),
  /** The commit the revision was pinned to before planning; reopening reads it here, never the Hub. */
  commitSha: z.string().optional(),
  benchmarks: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  jobs: z.array(recordedJobSchema),
};

/**
 * Version 2 adds what reopening needs without calling the Hub or planning again (the LightEval
 * release the plan targeted) and the definition the run was made from. Version-1 files (written
 * before) are still read; they carry neither, so their definition is not checked.
 */
export const runStateSchema = z.union([
  z.object({
    version: z.literal(2),
    ...stateFields,
    definition: runDefinitionSchema,
    lightevalVersion: z.string(),
  }),
  z.object({ version: z.literal(1), ...stateFields }),
]);
export type RunState = z.infer<typeof runStateSchema>;
export type RecordedJob = RunState['jobs'][number];

export function stateFilePath(settings: Pick<RunSettings, 'remoteDir' | 'runId'>): string {
  return joinRemotePath(runDirectory(settings), 'state.json');
}

/** The run's recorded state, or undefined for a new run. A corrupt file is an error, never ignored. */
export async function readRunState(transport: Transport, path: string): Promise<RunState | undefined> {
  let text: string;
  try {
    text = (await transport.readFile(path)).toString('utf8');
  } catch (error) {
    if (isMissingFile(error)) return undefined;
    throw error;
  }
  const parsed = runStateSchema.safeParse(safeJson(text));
  if (!parsed.success) {
    throw Object.assign(
      new Error(`The run state file ${path} is not valid: ${z.prettifyError(parsed.error)}`),
      {
        hint: 'Inspect the file; to start the run afresh use another run id (its recorded jobs are not reused then).',
      },
    );
  }
  return parsed.data;
}

/**
 * Written to a temporary name and renamed over the old file, so a reader (another runner, a
 * collector) never sees half a state file.
 */
export async function writeRunState(transport: Transport, path: string, state: RunState): Promise<void> {
  const temporary = `${path}.write-${randomBytes(6).toString('hex')}`;
  await transport.writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
  const moved = await transport.exec(['mv', '-f', '--', temporary, path]);
  if (moved.exitCode !== 0) throw new Error(`could not write the run state ${path}: ${moved.stderr.trim()}`);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isMissingFile(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  // Node's fs says ENOENT; ssh2's SFTP says code 2 (NO_SUCH_FILE).
  return e?.code === 'ENOENT' || e?.code === 2 || /no such file/i.test(String(e?.message ?? ''));
}
