import { type CommandSpec, formatFrom, formatOption } from '../command';
import { readDetachedRun, stateOption } from '../detached';
import { noUploadOption, resultsRepoFromArgs, resultsRepoOptions } from '../results-repo';
import { runOptions } from '../run-options';
import { runFromArgs } from './run';

/** Reopens a detached run: waits for its recorded jobs and reports; never submits (not even a failed job). */
export const collectCommand: CommandSpec = {
  name: 'collect',
  summary: 'Wait for a detached run, collect its results and report',
  options: { ...stateOption, ...resultsRepoOptions, ...noUploadOption, ...formatOption },
  run: async (args, io) => {
    const { runArgs, io: runIo } = await readDetachedRun(args, io, { name: 'collect', options: runOptions });
    // --format is how this terminal wants the report, not part of the recorded run.
    const resultsRepo = resultsRepoFromArgs(args);
    return runFromArgs(runArgs, runIo, {
      collectOnly: 'wait',
      format: formatFrom(args),
      ...(resultsRepo && { resultsRepo }),
    });
  },
};
