import { escapeTerminal } from '../../report/escape';
import { formatSeconds } from '../../run/run-report';
import type { CommandSpec } from '../command';
import { openDetachedRun, stateOption } from '../detached';

/**
 * One status query for all jobs of a detached run; prints a line per job. Exit 0 while every job
 * runs or has succeeded, 1 when one has failed (by its state's class, as the watch reads it).
 */
export const statusCommand: CommandSpec = {
  name: 'status',
  summary: 'Show the state of a detached run',
  options: { ...stateOption, json: { type: 'boolean', description: 'Print the states as JSON' } },
  run: async (args, io) => {
    const { settings, executor, state } = await openDetachedRun(args, io, 'status');
    try {
      const latest = state.jobs.map((job) => ({ job, id: job.jobIds.at(-1) }));
      const states = await executor.poll(latest.flatMap((l) => (l.id ? [l.id] : [])));
      const rows = latest.map(({ job, id }) => {
        const s = id ? states.get(id) : undefined;
        return {
          id: id ?? null,
          benchmarks: job.planned.benchmarks,
          state: s?.state ?? 'NOT SUBMITTED',
          class: s?.class ?? 'not-submitted',
          reason: s && 'reason' in s ? (s.reason ?? null) : null,
          elapsedSeconds: s?.elapsedSeconds ?? null,
        };
      });
      if (args.values.json === true) {
        io.stdout(`${JSON.stringify({ runId: settings.runId, jobs: rows }, null, 2)}\n`);
      } else {
        for (const row of rows) {
          const elapsed = row.elapsedSeconds === null ? '' : `, elapsed ${formatSeconds(row.elapsedSeconds)}`;
          // State and reason come from the cluster: no escape sequence reaches the terminal.
          const line = `${row.id ?? '—'}  ${row.state}${row.reason ? ` (${row.reason})` : ''}${elapsed}  ${row.benchmarks.join(', ')}`;
          io.stdout(`${escapeTerminal(line, { oneLine: true })}\n`);
        }
      }
      return rows.some((r) => r.class === 'failed') ? 1 : 0;
    } finally {
      await executor.transport.close();
    }
  },
};
