import { pollJobStates } from '@model-eval/slurm';
import { openExecutor } from '../../run/connection';
import { formatSeconds } from '../../run/run-evaluation';
import { readRunState, stateFilePath } from '../../run/run-state';
import type { CommandSpec } from '../command';
import { readDetachedRun, stateOption } from '../detached';
import { accessFromArgs, runOptions, settingsFromArgs, stderrLoggerFor } from '../run-options';

/** One status query for all jobs of a detached run; prints a line per job. Exit 0 while all is well. */
export const statusCommand: CommandSpec = {
  name: 'status',
  summary: 'Show the state of a detached run',
  options: { ...stateOption, json: { type: 'boolean', description: 'Print the states as JSON' } },
  run: async (args, io) => {
    const { runArgs, io: runIo } = await readDetachedRun(args, io, { name: 'status', options: runOptions });
    const settings = settingsFromArgs(runArgs, runIo);
    const logger = stderrLoggerFor(io, settings.simulate);
    const executor = await openExecutor(accessFromArgs(runArgs, runIo), settings, logger);
    try {
      const state = await readRunState(executor.transport, stateFilePath(settings));
      if (!state) {
        io.stderr(
          `model-eval status: the run ${settings.runId} has no state on the cluster (${stateFilePath(settings)}).\n`,
        );
        return 1;
      }
      const latest = state.jobs.map((job) => ({ job, id: job.jobIds.at(-1) }));
      const snapshots = await pollJobStates(
        executor.transport,
        latest.flatMap((l) => (l.id ? [l.id] : [])),
        { logger },
      );
      const rows = latest.map(({ job, id }) => {
        const snapshot = id ? snapshots.get(id) : undefined;
        const s = snapshot?.state;
        return {
          id: id ?? null,
          benchmarks: job.planned.benchmarks,
          state: s?.state ?? 'NOT SUBMITTED',
          reason: s && 'reason' in s ? (s.reason ?? null) : null,
          elapsedSeconds: s?.elapsedSeconds ?? null,
        };
      });
      if (args.values.json === true) {
        io.stdout(`${JSON.stringify({ runId: settings.runId, jobs: rows }, null, 2)}\n`);
      } else {
        for (const row of rows) {
          const elapsed = row.elapsedSeconds === null ? '' : `, elapsed ${formatSeconds(row.elapsedSeconds)}`;
          io.stdout(
            `${row.id ?? '—'}  ${row.state}${row.reason ? ` (${row.reason})` : ''}${elapsed}  ${row.benchmarks.join(', ')}\n`,
          );
        }
      }
      return rows.some((r) =>
        /FAILED|CANCELLED|TIMEOUT|OUT_OF_MEMORY|NODE_FAIL|BOOT_FAIL|DEADLINE|LOST/.test(r.state),
      )
        ? 1
        : 0;
    } finally {
      await executor.transport.close();
    }
  },
};
