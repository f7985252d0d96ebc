import { cancelRun } from '../../run/cancel-run';
import { toJobSpec } from '../../run/job-specs';
import type { CommandSpec } from '../command';
import { openDetachedRun, stateOption } from '../detached';
import { stderrLoggerFor } from '../run-options';

/** scancel every job of the run in one call: by recorded id, and by key for anything not recorded. */
export const cancelCommand: CommandSpec = {
  name: 'cancel',
  summary: 'Cancel every job of a run',
  options: stateOption,
  run: async (args, io) => {
    const { settings, executor, state } = await openDetachedRun(args, io, 'cancel');
    try {
      const jobIds = state.jobs.flatMap((job) => job.jobIds);
      await cancelRun(
        {
          executor,
          logger: stderrLoggerFor(io, settings.simulate),
          specFor: (job) => toJobSpec(job.planned, job.index, settings),
        },
        state.jobs,
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
