import { describe, expect, it } from 'vitest';
import { type CommandResult, silentLogger, type Transport, type WatchEvent, watchJobs } from '../src/index';

/** A cluster that answers status commands from a script of replies, recording every command. */
function scriptedCluster(
  reply: (argv: readonly string[], call: number) => CommandResult,
): Transport & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    kind: 'local',
    calls,
    async exec(argv) {
      calls.push([...argv]);
      return reply(argv, calls.length);
    },
    readFile: () => Promise.reject(new Error('not used')),
    writeFile: () => Promise.reject(new Error('not used')),
    listDirectory: () => Promise.reject(new Error('not used')),
    makeDirectory: () => Promise.reject(new Error('not used')),
    close: async () => {},
  };
}

const ok = (stdout: string): CommandResult => ({ stdout, stderr: '', exitCode: 0 });
const fast = { initialIntervalMs: 1, maxIntervalMs: 5, logger: silentLogger };

describe('watchJobs', () => {
  it('asks about all jobs with one sacct per poll until every job is final', async () => {
    const cluster = scriptedCluster((_, call) =>
      call < 3
        ? ok(
            '10|RUNNING|0:0|00:00:05|t|Unknown|n1|None\n11|PENDING|0:0|00:00:00|Unknown|Unknown|None assigned|Priority\n',
          )
        : ok('10|COMPLETED|0:0|00:00:09|t|t|n1|None\n11|FAILED|2:0|00:00:01|t|t|n1|NonZeroExitCode\n'),
    );
    const result = await watchJobs(cluster, { ...fast, jobIds: ['10', '11'] });
    expect(cluster.calls.length).toBe(3);
    for (const call of cluster.calls) {
      expect(call.slice(0, 6)).toEqual([
        'sacct',
        '-X',
        '-P',
        '-n',
        '-o',
        'JobID,State,ExitCode,Elapsed,Start,End,NodeList,Reason',
      ]);
      expect(call.slice(-2)).toEqual(['-j', '10,11']);
    }
    expect(result.get('10')?.state.class).toBe('succeeded');
    expect(result.get('11')?.state).toMatchObject({ class: 'failed', state: 'FAILED', exitCode: 2 });
  });

  it('treats a failed status query as a hiccup: logs it, retries, and the jobs are unaffected', async () => {
    const events: WatchEvent[] = [];
    const cluster = scriptedCluster((_, call) =>
      call === 1
        ? {
            stdout: '',
            stderr: 'sacct: error: Problem talking to the database: Connection refused',
            exitCode: 1,
          }
        : ok('10|COMPLETED|0:0|00:00:09|t|t|n1|None\n'),
    );
    const result = await watchJobs(cluster, { ...fast, jobIds: ['10'], onEvent: (e) => events.push(e) });
    expect(events.map((e) => e.type)).toEqual(['query-failed', 'state']);
    expect(result.get('10')?.state.class).toBe('succeeded');
  });

  it('emits state changes with the queue reason', async () => {
    const events: WatchEvent[] = [];
    const replies = [
      '10|PENDING|0:0|00:00:00|Unknown|Unknown|None assigned|Resources\n',
      '10|PENDING|0:0|00:00:00|Unknown|Unknown|None assigned|Resources\n',
      '10|RUNNING|0:0|00:00:01|t|Unknown|n1|None\n',
      '10|COMPLETED|0:0|00:00:02|t|t|n1|None\n',
    ];
    const cluster = scriptedCluster((_, call) => ok(replies[call - 1] ?? ''));
    await watchJobs(cluster, { ...fast, jobIds: ['10'], onEvent: (e) => events.push(e) });
    const states = events.flatMap((e) =>
      e.type === 'state' ? [[e.state.state, 'reason' in e.state ? e.state.reason : undefined]] : [],
    );
    expect(states).toEqual([
      ['PENDING', 'Resources'],
      ['RUNNING', undefined],
      ['COMPLETED', undefined],
    ]);
  });

  it('switches to squeue and scontrol for good when accounting is disabled', async () => {
    const cluster = scriptedCluster((argv) => {
      if (argv[0] === 'sacct')
        return { stdout: '', stderr: 'Slurm accounting storage is disabled', exitCode: 1 };
      if (argv[0] === 'squeue')
        return ok('10|FAILED|NonZeroExitCode|0:03|t|t|n1|k|name\n99|RUNNING|None|0:03|t|t|n1|k|other\n');
      return ok(
        'JobId=10 JobName=name JobState=FAILED Reason=NonZeroExitCode ExitCode=4:0 RunTime=00:00:03\n',
      );
    });
    const result = await watchJobs(cluster, { ...fast, jobIds: ['10'] });
    expect(cluster.calls.map((c) => c[0])).toEqual(['sacct', 'squeue', 'scontrol']);
    expect(result.get('10')?.state).toMatchObject({ class: 'failed', exitCode: 4 });
    expect(result.size).toBe(1);
  });

  it('aggregates array tasks into one job', async () => {
    const replies = [
      '20_0|COMPLETED|0:0|00:00:01|t|t|n1|None\n20_[1-3%2]|PENDING|0:0|00:00:00|Unknown|Unknown|None assigned|JobArrayTaskLimit\n',
      '20_0|COMPLETED|0:0|00:00:01|t|t|n1|None\n20_1|COMPLETED|0:0|00:00:01|t|t|n1|None\n20_2|NODE_FAIL|0:0|00:00:01|t|t|n1|None\n20_3|COMPLETED|0:0|00:00:01|t|t|n1|None\n',
    ];
    const cluster = scriptedCluster((_, call) => ok(replies[call - 1] ?? ''));
    const result = await watchJobs(cluster, { ...fast, jobIds: ['20'] });
    expect(result.get('20')?.state).toMatchObject({ class: 'failed', state: 'NODE_FAIL', retryable: true });
    expect([...(result.get('20')?.tasks.keys() ?? [])]).toEqual(['20_0', '20_1', '20_2', '20_3']);
  });
});
