import type { PlannedJob } from '@model-eval/planner';
import { joinRemotePath, type Transport } from '@model-eval/slurm';
import { z } from 'zod';
import { runDirectory } from './job-specs';
import type { RunSettings } from './run-settings';

const plannedJobSchema = z.object({
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
  lightevalModelArgs: z.string(),
  lightevalArgv: z.array(z.string()).min(1),
  env: z.record(z.string(), z.string()),
  reasons: z.array(z.string()),
  warnings: z.array(z.string()),
}) satisfies z.ZodType<PlannedJob>;

const recordedJobSchema = z.object({
  index: z.number().int().nonnegative(),
  /** The layout in force: after an out-of-memory re-plan, the larger one. */
  planned: plannedJobSchema,
  /** Every Slurm job id submitted for this job, oldest first (attempts and re-plans). */
  jobIds: z.array(z.string()),
  oomEscalations: z.number().int().nonnegative(),
});

export const runStateSchema = z.object({
  version: z.literal(1),
  runId: z.string(),
  model: z.string(),
  revision: z.string().optional(),
  benchmarks: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
  jobs: z.array(recordedJobSchema),
});
export type RunState = z.infer<typeof runStateSchema>;
export type RecordedJob = z.infer<typeof recordedJobSchema>;

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
        hint: 'Move the file aside to start the run afresh (jobs already submitted are still found by their key).',
      },
    );
  }
  return parsed.data;
}

export async function writeRunState(transport: Transport, path: string, state: RunState): Promise<void> {
  await transport.writeFile(path, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isMissingFile(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  // Node's fs says ENOENT; ssh2's SFTP says code 2 (NO_SUCH_FILE).
  return e?.code === 'ENOENT' || e?.code === 2 || /no such file/i.test(String(e?.message ?? ''));
}
