import type { Logger, Transport } from '@model-eval/slurm';
import { runDirectory } from './job-specs';
import type { PreparedRun } from './prepare';
import { definitionDifferences, definitionHash, runDefinition } from './run-definition';
import { withRunLock } from './run-lock';
import type { RunMode } from './run-mode';
import type { RunSettings } from './run-settings';
import { type RunState, readRunState, stateFilePath, writeRunState } from './run-state';

/**
 * The run's state on the cluster, and the only writer of `state.json`. Every change happens under
 * the run's lock on a fresh read of the file, so runners of one run id at once (a re-run while the
 * first still runs, a collector) see each other's submissions instead of overwriting them.
 */
export interface RunRecord {
  readonly path: string;
  /** True when an earlier runner had recorded this run (this one reattaches). */
  readonly reattaching: boolean;
  /** The state as last read or written by this runner. */
  current(): RunState;
  /** Applies `change` to the freshest state under the lock, writes it, and returns what it returned. */
  update<T>(change: (state: RunState) => Promise<T>): Promise<T>;
}

export interface RunRecordOptions {
  logger: Logger;
  now: () => number;
  signal?: AbortSignal;
}

export class RunDefinitionMismatchError extends Error {
  override name = 'RunDefinitionMismatchError';
  readonly kind = 'bad-input' as const;
  readonly hint =
    'Use another run id for a different evaluation, or repeat the inputs the run was started with.';
  constructor(runId: string, recordedHash: string, givenHash: string, differences: string[]) {
    super(
      `Run ${runId} was recorded for another definition (${recordedHash}) than the one given (${givenHash}): ${differences.join('; ')}`,
    );
  }
}

/** Opens (or, for a run that may submit, creates) the run's record. */
export async function openRunRecord(
  transport: Transport,
  settings: RunSettings,
  prepared: PreparedRun,
  mode: RunMode,
  options: RunRecordOptions,
): Promise<RunRecord> {
  const path = stateFilePath(settings);
  const runDir = runDirectory(settings);
  const lock = { logger: options.logger, ...(options.signal && { signal: options.signal }) };
  const stamp = () => new Date(options.now()).toISOString();
  const definition = runDefinition(settings);

  const openUnderLock = async () => {
    const recorded = await readRunState(transport, path);
    if (recorded) {
      if (recorded.version === 2) {
        const differences = definitionDifferences(recorded.definition, definition);
        if (differences.length > 0) {
          throw new RunDefinitionMismatchError(
            settings.runId,
            definitionHash(recorded.definition),
            definitionHash(definition),
            differences,
          );
        }
      }
      return { state: recorded, reattaching: true };
    }
    const state: RunState = {
      version: 2,
      runId: settings.runId,
      model: settings.model,
      ...(settings.revision !== undefined && { revision: settings.revision }),
      ...(settings.commitSha !== undefined && { commitSha: settings.commitSha }),
      benchmarks: prepared.jobs.flatMap((job) => job.benchmarks),
      definition,
      lightevalVersion: prepared.lightevalVersion,
      createdAt: stamp(),
      updatedAt: stamp(),
      jobs: prepared.jobs.map((planned, index) => ({
        index,
        planned,
        jobIds: [],
        oomEscalations: 0,
        superseded: [],
      })),
    };
    // Written before anything is submitted: a job sbatch accepts is then always findable by a re-run.
    await writeRunState(transport, path, state);
    return { state, reattaching: false };
  };
  // Reopening only reads: it was prepared from the recorded state and never writes it.
  const opened =
    mode.kind === 'reopen' && prepared.recorded
      ? { state: prepared.recorded, reattaching: true }
      : await withRunLock(transport, runDir, lock, openUnderLock);

  let state = opened.state;
  return {
    path,
    reattaching: opened.reattaching,
    current: () => state,
    update: (change) =>
      withRunLock(transport, runDir, lock, async () => {
        const fresh = (await readRunState(transport, path)) ?? state;
        try {
          return await change(fresh);
        } finally {
          // Also when `change` failed halfway: a job it did submit must be on record.
          fresh.updatedAt = stamp();
          await writeRunState(transport, path, fresh);
          state = fresh;
        }
      }),
  };
}
