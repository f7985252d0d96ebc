import {
  type JobSpec,
  silentLogger,
  submitJob,
  type Transport,
  type WatchEvent,
  watchJobs,
} from '@model-eval/slurm';
import { beforeAll, describe, expect, it } from 'vitest';
import { useClusterRunDirectory } from '../support/cluster-run-dir';

// Finding: "watching stalls while accounting is down". slurmdbd itself is shared by every test and
// not ours to stop, so the outage is made where it matters, on the login node: sacct runs with a
// copy of slurm.conf whose AccountingStoragePort points nowhere, so it fails exactly as it does with
// slurmdbd stopped ("Problem talking to the database: Connection refused"), while squeue and scontrol
// reach the real slurmctld. A real job completes during the outage; the watch must see it end.
const { cluster, stamp, runDir, transport } = useClusterRunDirectory('security-dbd');
const deadConf = `${runDir}/slurm-accounting-unreachable.conf`;

/** The login node as it is while slurmdbd is unreachable: only sacct is affected. */
function accountingDown(inner: Transport): Transport & { sacctFailures: number } {
  const wrapped = {
    ...inner,
    kind: inner.kind,
    sacctFailures: 0,
    async exec(argv: readonly string[], options?: Parameters<Transport['exec']>[1]) {
      if (argv[0] !== 'sacct') return inner.exec(argv, options);
      const result = await inner.exec(['env', `SLURM_CONF=${deadConf}`, ...argv], options);
      if (result.exitCode !== 0) wrapped.sacctFailures += 1;
      return result;
    },
  };
  return wrapped;
}

beforeAll(async () => {
  await transport().exec(['mkdir', '-p', '-m', '700', runDir]);
  const made = await transport().exec([
    'sh',
    '-c',
    'sed "s/^AccountingStoragePort=.*/AccountingStoragePort=9/" /etc/slurm/slurm.conf > "$1"',
    'sh',
    deadConf,
  ]);
  expect(made.exitCode).toBe(0);
});

describe('watching while accounting is unreachable', () => {
  it('sacct really fails the way it does with slurmdbd stopped', async () => {
    const result = await accountingDown(transport()).exec(['sacct', '-X', '-n', '-j', '1']);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('Problem talking to the database');
  });

  it('a job that completes during the outage is seen to end, through squeue, and the watch says why', async () => {
    const spec: JobSpec = {
      name: stamp,
      key: stamp,
      runDir,
      timeLimit: '2',
      partition: cluster.partition,
      gpusPerNode: 1,
      command: ['sh', '-c', 'sleep 3; echo done'],
    };
    const { jobId } = await submitJob(transport(), spec, { logger: silentLogger, reattach: false });
    const down = accountingDown(transport());
    const events: WatchEvent[] = [];
    const states = await watchJobs(down, {
      jobIds: [jobId],
      initialIntervalMs: 1000,
      maxIntervalMs: 2000,
      logger: silentLogger,
      onEvent: (e) => events.push(e),
    });
    expect(states.get(jobId)?.state).toMatchObject({ class: 'succeeded', state: 'COMPLETED' });
    expect(down.sacctFailures).toBeGreaterThan(0);
    const switched = events.find((e) => e.type === 'source-changed');
    expect(switched).toMatchObject({
      source: 'squeue',
      reason: expect.stringContaining('Problem talking to the database'),
    });
    expect(events.some((e) => e.type === 'query-failed')).toBe(false);
  });
});
