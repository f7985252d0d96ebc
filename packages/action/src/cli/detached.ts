import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { type CliIo, type ParsedArgs, parseCommandArgs, stringOption, UsageError } from './command';
import type { runOptions } from './run-options';

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
