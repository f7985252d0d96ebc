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
            stderr: 'sacct: error: Socket timed out on send/recv operation',
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

  // The words sacct 22.05 prints when slurmdbd is stopped (seen on the test cluster).
  const DATABASE_DOWN = {
    stdout: '',
    stderr:
      'sacct: error: slurm_persist_conn_open_without_init: failed to open persistent connection to host:localhost:6819: Connection refused\nsacct: error: Sending PersistInit msg: Connection refused\nsacct: error: Problem talking to the database: Connection refused\n',
    exitCode: 1,
  };

  it('asks squeue for the poll when sacct cannot reach the database, says so, and returns to sacct', async () => {
    const events: WatchEvent[] = [];
    const cluster = scriptedCluster((argv, call) => {
      if (argv[0] === 'sacct')
        return call <= 3
          ? DATABASE_DOWN
          : ok('10|RUNNING|0:0|00:00:05|t|Unknown|n1|None\n11|COMPLETED|0:0|00:00:05|t|t|n1|None\n');
      return ok('10|RUNNING|None|0:03|t|t|n1|k|name\n11|COMPLETED|None|0:03|t|t|n1|k|name\n');
    });
    let polls = 0;
    const result = await watchJobs(cluster, {
      ...fast,
      jobIds: ['10', '11'],
      onEvent: (e) => events.push(e),
      until: () => ++polls >= 3,
    });
    expect(cluster.calls.map((c) => c[0])).toEqual(['sacct', 'squeue', 'sacct', 'squeue', 'sacct']);
    const changes = events.flatMap((e) => (e.type === 'source-changed' ? [[e.source, e.reason]] : []));
    expect(changes).toEqual([
      ['squeue', expect.stringContaining('Problem talking to the database')],
      ['sacct', 'sacct answers again; watching with sacct.'],
    ]);
    expect(events.some((e) => e.type === 'query-failed')).toBe(false);
    expect(result.get('11')?.state.class).toBe('succeeded');
  });

  it('a job that finished while slurmdbd is down is seen to end through squeue', async () => {
    const cluster = scriptedCluster((argv, call) => {
      if (argv[0] === 'sacct') return DATABASE_DOWN;
      return ok(call < 4 ? '10|RUNNING|None|0:03|t|t|n1|k|name\n' : '10|COMPLETED|None|0:09|t|t|n1|k|name\n');
    });
    const result = await watchJobs(cluster, { ...fast, jobIds: ['10'] });
    expect(result.get('10')?.state).toMatchObject({ class: 'succeeded', state: 'COMPLETED' });
  });

  it('a job that left squeue while sacct is down is unknown, waited for, then LOST and not retryable', async () => {
    let clock = 0;
    const cluster = scriptedCluster((argv, call) => {
      clock += 60_000;
      if (argv[0] === 'sacct') return DATABASE_DOWN;
      return ok(call <= 2 ? '10|RUNNING|None|0:03|t|t|n1|k|name\n' : '');
    });
    const states: string[] = [];
    const result = await watchJobs(cluster, {
      ...fast,
      jobIds: ['10'],
      now: () => clock,
      lostAfterMs: 5 * 60_000,
      onEvent: (e) => {
        if (e.type === 'state') states.push(`${e.state.state}:${'reason' in e.state ? e.state.reason : ''}`);
      },
    });
    expect(states[0]).toBe('RUNNING:');
    expect(states[1]).toMatch(/^UNRECOGNISED:StateUnknown/);
    expect(result.get('10')?.state).toMatchObject({ class: 'failed', state: 'LOST', retryable: false });
    expect(result.get('10')?.state).toMatchObject({ reason: expect.stringMatching(/not resubmitted/) });
  });
});
