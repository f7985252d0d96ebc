import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { openExecutor } from '../run/connection';
import { DetachNotSupportedError, type SlurmExecutor } from '../run/executor';
import type { RunSettings } from '../run/run-settings';
import { type RunState, readRunState, stateFilePath } from '../run/run-state';
import { type CliIo, type ParsedArgs, parseCommandArgs, stringOption, UsageError } from './command';
import { accessFromArgs, runOptions, settingsFromArgs, stderrLoggerFor } from './run-options';

/**
 * What `run --detach` leaves on this machine so `status`, `collect` and `cancel` can reopen the run:
 * the run's own command line (paths, never secrets: keys are files, tokens come from the environment)
 * with its run id pinned. The jobs' state lives in the run directory on the cluster.
 */
export const detachedRunSchema = z.object({
  version: z.literal(1),
  runId: z.string(),
  argv: z.array(z.string()),
  cwd: z.string(),
  submittedAt: z.string(),
});
export type DetachedRun = z.infer<typeof detachedRunSchema>;

export const stateOption = {
  state: { type: 'string', description: "The run's state file (written by run --detach)", valueName: 'PATH' },
} as const;

export async function writeDetachedRun(path: string, run: DetachedRun): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(run, null, 2)}\n`, { mode: 0o600 });
}

/** Reads `--state` and re-parses the run's command line with the run command's own rules. */
export async function readDetachedRun(
  args: ParsedArgs,
  io: CliIo,
  spec: { name: string; options: typeof runOptions },
): Promise<{ run: DetachedRun; runArgs: ParsedArgs; io: CliIo }> {
  const path = stringOption(args, 'state');
  if (!path) throw new UsageError('--state is required (the file run --detach wrote)');
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, path), 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --state ${path}: ${(error as Error).message}`);
  }
  let parsed: DetachedRun;
  try {
    parsed = detachedRunSchema.parse(JSON.parse(text));
  } catch {
    throw new UsageError(`--state ${path} is not a state file written by 'model-eval run --detach'`);
  }
  const runArgs = parseCommandArgs(
    { name: spec.name, summary: '', options: spec.options, run: async () => 0 },
    parsed.argv,
  );
  return { run: parsed, runArgs, io: { ...io, cwd: parsed.cwd } };
}

export class RunStateMissingError extends Error {
  override name = 'RunStateMissingError';
  readonly hint = 'Check that --state names the file of a run that was submitted (run --detach prints it).';
  constructor(runId: string, path: string) {
    super(`The run ${runId} has no state on the cluster (${path})`);
  }
}

/**
 * Opens a detached run for `status` and `cancel`: its settings, a connection to its cluster and its
 * recorded state there. The caller closes `executor.transport`.
 */
export async function openDetachedRun(
  args: ParsedArgs,
  io: CliIo,
  command: string,
): Promise<{ settings: RunSettings; executor: SlurmExecutor; state: RunState }> {
  const { runArgs, io: runIo } = await readDetachedRun(args, io, { name: command, options: runOptions });
  const settings = settingsFromArgs(runArgs, runIo);
  const executor = await openExecutor(
    accessFromArgs(runArgs, runIo),
    settings,
    stderrLoggerFor(io, settings.simulate),
  );
  try {
    if (executor.kind !== 'slurm') throw new DetachNotSupportedError();
    const state = await readRunState(executor.transport, stateFilePath(settings));
    if (!state) throw new RunStateMissingError(settings.runId, stateFilePath(settings));
    return { settings, executor, state };
  } catch (error) {
    await executor.transport.close();
    throw error;
  }
}
