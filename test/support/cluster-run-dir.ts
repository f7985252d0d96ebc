import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  connectSsh,
  type JobSpec,
  type SshTransport,
  silentLogger,
  submitJob,
  type Transport,
  watchJobs,
} from '@model-eval/slurm';
import { afterAll, beforeAll } from 'vitest';
import { type ClusterConnection, clusterSshOptions, requireCluster } from './cluster';

/** What an SSH-side integration test works with: the cluster, a unique run directory and its session. */
export interface ClusterRunDirectory {
  cluster: ClusterConnection;
  /** Unique per test file run: `${name}-${pid}-${time}`. */
  stamp: string;
  /** `${workDir}/${stamp}`; not created (tests create it with makeOwnedDirectory, which is under test). */
  runDir: string;
  /** The SSH session opened in beforeAll; read it inside tests, not at module load. */
  transport: () => SshTransport;
}

/**
 * Registers the setup every SSH-side security test shares: fail loudly without a cluster, log in over
 * SSH with the host key pinned before the tests, and remove the run directory and log out after them.
 */
export function useClusterRunDirectory(name: string): ClusterRunDirectory {
  const cluster = requireCluster();
  const stamp = `${name}-${process.pid}-${Date.now()}`;
  const runDir = `${cluster.workDir}/${stamp}`;
  let session: SshTransport | undefined;
  beforeAll(async () => {
    session = await connectSsh(clusterSshOptions(cluster));
  });
  afterAll(async () => {
    await session?.exec(['rm', '-rf', '--', runDir]);
    await session?.close();
  });
  const transport = () => {
    if (!session) throw new Error('the SSH session is opened in beforeAll; use it inside a test');
    return session;
  };
  return { cluster, stamp, runDir, transport };
}

const resultsFixtureDir = join(import.meta.dirname, '../fixtures/lighteval-results/v0.13');

/** The text of a genuine LightEval 0.13 results file from the fixtures. */
export function genuineResultsFixture(): string {
  const name = readdirSync(resultsFixtureDir, { recursive: true })
    .map(String)
    .find((n) => /results_.*\.json$/.test(n));
  if (!name) throw new Error(`no LightEval results fixture under ${resultsFixtureDir}`);
  return readFileSync(join(resultsFixtureDir, name), 'utf8');
}

/**
 * Submits a job (no reattach) and follows it to its end; returns its id and final state class.
 * `afterSubmit` runs once the job id is known, before the wait (e.g. to move the job up the queue).
 */
export async function runJobToEnd(
  transport: Transport,
  spec: JobSpec,
  options: { afterSubmit?: (jobId: string) => Promise<unknown> } = {},
): Promise<{ jobId: string; stateClass: string | undefined }> {
  const { jobId } = await submitJob(transport, spec, { logger: silentLogger, reattach: false });
  await options.afterSubmit?.(jobId);
  const states = await watchJobs(transport, {
    jobIds: [jobId],
    initialIntervalMs: 1000,
    maxIntervalMs: 2000,
    logger: silentLogger,
  });
  return { jobId, stateClass: states.get(jobId)?.state.class };
}
