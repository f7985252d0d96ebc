import { openExecutor } from '../../run/connection';
import { toJobSpec } from '../../run/job-specs';
import { readRunState, stateFilePath } from '../../run/run-state';
import type { CommandSpec } from '../command';
import { readDetachedRun, stateOption } from '../detached';
import { accessFromArgs, runOptions, settingsFromArgs, stderrLoggerFor } from '../run-options';

/** scancel every job of the run in one call: by recorded id, and by key for anything not recorded. */
export const cancelCommand: CommandSpec = {
  name: 'cancel',
  summary: 'Cancel every job of a run',
  options: stateOption,
  run: async (args, io) => {
    const { runArgs, io: runIo } = await readDetachedRun(args, io, { name: 'cancel', options: runOptions });
    const settings = settingsFromArgs(runArgs, runIo);
    const logger = stderrLoggerFor(io, settings.simulate);
    const executor = await openExecutor(accessFromArgs(runArgs, runIo), settings, logger);
    try {
      const state = await readRunState(executor.transport, stateFilePath(settings));
      if (!state) {
        io.stderr(
          `model-eval cancel: the run ${settings.runId} has no state on the cluster (${stateFilePath(settings)}).\n`,
        );
        return 1;
      }
      const jobIds = state.jobs.flatMap((job) => job.jobIds);
      await executor.cancel(
        jobIds,
        state.jobs.map((job) => toJobSpec(job.planned, job.index, settings)),
      );
      io.stdout(
        `Cancelled run ${settings.runId}: job(s) ${jobIds.join(', ') || 'none recorded'} and any job with its keys.\n`,
      );
      return 0;
    } finally {
      await executor.transport.close();
    }
  },
};
