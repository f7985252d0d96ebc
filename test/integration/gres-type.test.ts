import {
  connectSsh,
  type JobSpec,
  pollJobStates,
  type SshTransport,
  SubmitError,
  silentLogger,
  submitJob,
} from '@model-eval/slurm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSshOptions, requireCluster } from '../support/cluster';

// A typed GPU request against the test cluster, whose gres.conf names no GPU type (`Gres=gpu:8`):
// the real sbatch refuses `--gres=gpu:h100:1`, and the user reads its words plus what to change.
const cluster = requireCluster();
const stamp = `${process.pid}-${Date.now()}`;
const runDir = `${cluster.workDir}/gres-type-${stamp}`;
let transport: SshTransport;

const spec = (name: string, extra: Partial<JobSpec>): JobSpec => ({
  name: `${name}-${stamp}`,
  key: `${name}-${stamp}`,
  runDir,
  timeLimit: '2',
  partition: cluster.partition,
  gpusPerNode: 1,
  command: ['true'],
  ...extra,
});

beforeAll(async () => {
  transport = await connectSsh(clusterSshOptions(cluster));
});

afterAll(async () => {
  await transport?.exec(['rm', '-rf', '--', runDir]);
  await transport?.close();
});

describe('gres-type on a cluster without typed GPUs', () => {
  it("is refused by sbatch, with sbatch's message and a hint naming gres-type", async () => {
    const error = await submitJob(transport, spec('typed', { gpuType: 'h100' }), {
      logger: silentLogger,
      reattach: false,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SubmitError);
    const { message, hint } = error as SubmitError;
    // Slurm's own words (sbatch: error: Batch job submission failed: Requested node configuration is not available).
    expect(message).toMatch(/sbatch refused job typed-.*: .*Requested node configuration is not available/);
    expect(hint).toMatch(/GRES type 'h100'/);
    expect(hint).toMatch(/scontrol show node/);
    expect(hint).toMatch(/gres-type/);
    // The script that was refused asked for exactly that.
    const script = await transport.readFile(`${runDir}/typed-${stamp}.sbatch`);
    expect(script.toString()).toContain('#SBATCH --gres=gpu:h100:1\n');
  });

  it('the same job without a type is accepted (so the refusal above is the type, not the job)', async () => {
    const submitted = await submitJob(transport, spec('untyped', {}), {
      logger: silentLogger,
      reattach: false,
    });
    expect(submitted.jobId).toMatch(/^\d+$/);
    const states = await pollJobStates(transport, [submitted.jobId], { logger: silentLogger });
    expect(states.get(submitted.jobId)).toBeDefined();
    await transport.exec(['scancel', submitted.jobId]);
  });
});
