import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSshArgs, requireCluster } from '../support/cluster';

// The behaviours of the real loopback Slurm cluster (test/cluster/up.sh) that the product relies on.
// Slurm is driven with its own commands as local processes (these tests run as root on the node);
// jobs are submitted as the cluster user, over the pinned SSH login where the path matters.

const exec = promisify(execFile);
const cluster = requireCluster();

interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

async function run(command: string, args: readonly string[], input?: string): Promise<CommandResult> {
  const child = exec(command, [...args], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  try {
    const { stdout, stderr } = await child;
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; code?: number | string };
    return {
      stdout: failure.stdout ?? '',
      stderr: failure.stderr ?? '',
      code: typeof failure.code === 'number' ? failure.code : -1,
    };
  }
}

async function ok(command: string, args: readonly string[], input?: string): Promise<string> {
  const result = await run(command, args, input);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  }
  return result.stdout;
}

/** Submits as the cluster user (not root), from its work directory; returns the job id. */
async function submitAsUser(args: readonly string[]): Promise<string> {
  const out = await ok('runuser', [
    '-u',
    cluster.user,
    '--',
    'sbatch',
    '--parsable',
    `--chdir=${cluster.workDir}`,
    ...args,
  ]);
  const id = out.trim().split(';')[0] ?? '';
  // The node has few CPUs and other work may be queued on it: put this test's jobs first in line
  // (root may lower a job's nice value), so that they wait only for what they test.
  await ok('scontrol', ['update', `JobId=${id}`, 'Nice=-10000']);
  return id;
}

const sshArgs = (remoteCommand: string, knownHosts?: string) =>
  clusterSshArgs(cluster, remoteCommand, knownHosts);

interface JobInfo {
  state: string;
  reason: string;
  exitCode: string;
  restarts: number;
}

/** The job as slurmctld sees it (`scontrol show job`), or null once it has been purged (MinJobAge). */
async function showJob(id: string): Promise<JobInfo | null> {
  const result = await run('scontrol', ['show', 'job', '-o', id]);
  if (result.code !== 0) {
    if (/Invalid job id/i.test(result.stderr)) return null;
    throw new Error(`scontrol show job ${id} failed: ${result.stderr}`);
  }
  const field = (name: string) => new RegExp(`\\b${name}=(\\S*)`).exec(result.stdout)?.[1] ?? '';
  return {
    state: field('JobState'),
    reason: field('Reason'),
    exitCode: field('ExitCode'),
    restarts: Number(field('Restarts') || 0),
  };
}

async function waitForJob(
  id: string,
  done: (job: JobInfo) => boolean,
  timeoutMs: number,
  what: string,
): Promise<JobInfo> {
  const deadline = Date.now() + timeoutMs;
  let last: JobInfo | null = null;
  while (Date.now() < deadline) {
    last = await showJob(id);
    if (last && done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(
    `job ${id} did not become ${what} within ${timeoutMs} ms; last seen ${JSON.stringify(last)}`,
  );
}

const isFinal = (job: JobInfo) =>
  ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL'].includes(job.state);

async function sacctState(id: string): Promise<string> {
  return (await ok('sacct', ['-X', '-n', '-P', '-j', id, '-o', 'State,ExitCode'])).trim();
}

const submitted: string[] = [];
let timeoutJob = '';

beforeAll(async () => {
  // Started first so that its minute-long time limit runs out while the other tests run.
  timeoutJob = await submitAsUser([
    `--partition=${cluster.debugPartition}`,
    '--time=1',
    '--job-name=exceeds-time-limit',
    '--output=/dev/null',
    '--wrap=sleep 600',
  ]);
  submitted.push(timeoutJob);
});

afterAll(async () => {
  if (submitted.length > 0) await run('scancel', submitted);
});

describe('the test cluster', () => {
  it('shows its nodes, each with 8 GPUs, in a default gpu partition and a debug partition', async () => {
    const nodes = (await ok('sinfo', ['-h', '-N', '-o', '%N %P %G'])).trim().split('\n').sort();
    const expected = cluster.nodes.flatMap(({ name }) => [
      `${name} ${cluster.debugPartition} gpu:8`,
      `${name} ${cluster.partition}* gpu:8`,
    ]);
    expect(nodes).toEqual(expected.sort());
    const config = await ok('scontrol', ['show', 'config']);
    expect(config).toMatch(/MinJobAge\s*=\s*300 sec/);
    expect(config).toMatch(/JobRequeue\s*=\s*1/);
  });

  it('accepts an SSH login as the cluster user only with the pinned host key, and finds lighteval on its PATH', async () => {
    // LightEval's CLI has no --version (src/lighteval/__main__.py at every tag): find it on PATH instead.
    const out = await ok('ssh', sshArgs('squeue --noheader --format=%i >/dev/null && command -v lighteval'));
    expect(out.trim()).toMatch(/\/lighteval$/);
    // Without the pinned key (an empty known_hosts), strict checking refuses the server.
    const wrongKey = await run('ssh', sshArgs('true', '/dev/null'));
    expect(wrongKey.code).not.toBe(0);
    expect(wrongKey.stderr).toMatch(/Host key verification failed/);
  });
});

describe('Slurm job lifecycle on the test cluster', () => {
  it('runs a submitted job to COMPLETED with exit code 0 and its output in the work directory', async () => {
    const output = `${cluster.workDir}/completes-${Date.now()}.out`;
    const id = await submitAsUser([
      '--gres=gpu:2',
      `--output=${output}`,
      '--wrap=echo "gpus=$CUDA_VISIBLE_DEVICES"',
    ]);
    submitted.push(id);
    const job = await waitForJob(id, isFinal, 120_000, 'final');
    expect(job).toMatchObject({ state: 'COMPLETED', exitCode: '0:0' });
    // Slurm hands the job its two GPUs by index, as on a real GPU node.
    expect(readFileSync(output, 'utf8').trim()).toMatch(/^gpus=\d,\d$/);
    if (cluster.accounting) expect(await sacctState(id)).toBe('COMPLETED|0:0');
  });

  it('marks a job whose script exits non-zero FAILED with that exit code', async () => {
    const id = await submitAsUser(['--output=/dev/null', '--wrap=exit 3']);
    submitted.push(id);
    const job = await waitForJob(id, isFinal, 120_000, 'final');
    expect(job).toMatchObject({ state: 'FAILED', exitCode: '3:0' });
    if (cluster.accounting) expect(await sacctState(id)).toBe('FAILED|3:0');
  });

  it('cancels a running job with scancel', async () => {
    const id = await submitAsUser(['--output=/dev/null', '--wrap=sleep 300']);
    submitted.push(id);
    await waitForJob(id, (j) => j.state === 'RUNNING', 120_000, 'RUNNING');
    await ok('scancel', [id]);
    const job = await waitForJob(id, isFinal, 30_000, 'final');
    expect(job.state).toBe('CANCELLED');
  });

  it('keeps a job requeued with scontrol requeue alive (not final) and counts the restart', async () => {
    const id = await submitAsUser(['--requeue', '--output=/dev/null', '--wrap=sleep 300']);
    submitted.push(id);
    await waitForJob(id, (j) => j.state === 'RUNNING', 120_000, 'RUNNING');
    await ok('scontrol', ['requeue', id]);
    const job = await waitForJob(id, (j) => j.restarts === 1, 30_000, 'requeued');
    expect(['PENDING', 'REQUEUED', 'CONFIGURING', 'RUNNING', 'COMPLETING']).toContain(job.state);
    if (cluster.accounting) {
      // The interrupted run is kept in accounting as its own REQUEUED record.
      const history = await ok('sacct', ['-X', '-D', '-n', '-P', '-j', id, '-o', 'State']);
      expect(history.split('\n')).toContain('REQUEUED');
    }
    await ok('scancel', [id]);
  });

  it('leaves a job that asks for more GPUs than are free PENDING with reason Resources', async () => {
    // 6 of the 8 GPUs on every node: no node has 4 free.
    const holder = await submitAsUser([
      `--nodes=${cluster.nodes.length}`,
      '--gres=gpu:6',
      '--output=/dev/null',
      '--wrap=sleep 300',
    ]);
    submitted.push(holder);
    await waitForJob(holder, (j) => j.state === 'RUNNING', 120_000, 'RUNNING');
    const waiting = await submitAsUser(['--gres=gpu:4', '--output=/dev/null', '--wrap=true']);
    submitted.push(waiting);
    // The scheduler gives a reason once it has looked at the job.
    const job = await waitForJob(waiting, (j) => j.reason !== 'None', 30_000, 'given a pending reason');
    expect(job).toMatchObject({ state: 'PENDING', reason: 'Resources' });
    await ok('scancel', [holder, waiting]);
  });

  it('runs the LightEval stand-in in a batch job submitted over SSH, and fails a job with the KV-cache OOM', async () => {
    const outputDir = `${cluster.workDir}/standin-${Date.now()}`;
    const script = (env: string) => `#!/bin/bash
#SBATCH --gres=gpu:2
#SBATCH --output=${outputDir}/%j.log
${env}
lighteval vllm "model_name=org/model,revision=r1,tensor_parallel_size=2,max_model_length=4096" "math_500|0" --output-dir ${outputDir}
`;
    await ok('ssh', sshArgs(`mkdir -p ${outputDir}`));
    const good = (await ok('ssh', sshArgs('sbatch --parsable'), script(''))).trim();
    const oom = (
      await ok('ssh', sshArgs('sbatch --parsable'), script('export LIGHTEVAL_STANDIN_MIN_GPUS=4'))
    ).trim();
    submitted.push(good, oom);
    expect((await waitForJob(good, isFinal, 120_000, 'final')).state).toBe('COMPLETED');
    expect((await waitForJob(oom, isFinal, 120_000, 'final')).state).toBe('FAILED');
    const results = await ok('find', [`${outputDir}/results/org/model`, '-name', 'results_*.json']);
    const file = JSON.parse(readFileSync(results.trim(), 'utf8')) as {
      config_general: { simulated: boolean };
    };
    expect(file.config_general.simulated).toBe(true);
    expect(readFileSync(`${outputDir}/${oom}.log`, 'utf8')).toMatch(
      /KV cache is needed, which is larger than the available KV cache memory/,
    );
  });

  it('ends a job that outlives its time limit in TIMEOUT (debug partition, 1-minute limit)', async () => {
    // Slurm limits are whole minutes, checked about every 30 s: this takes 60-100 s from submission.
    const job = await waitForJob(timeoutJob, isFinal, 150_000, 'final');
    expect(job.state).toBe('TIMEOUT');
    if (cluster.accounting) expect(await sacctState(timeoutJob)).toMatch(/^TIMEOUT\|/);
  }, 170_000);

  it('finds a job purged from squeue/scontrol after MinJobAge through sacct (or sees sacct disabled)', async () => {
    if (!cluster.accounting) {
      const sacct = await run('sacct', ['-X', '-n']);
      expect(`${sacct.stdout}${sacct.stderr}`).toMatch(/accounting storage is disabled/i);
      return;
    }
    // The self-check job of up.sh finished at bring-up; slurmctld forgets it MinJobAge (300 s) later,
    // at its next purge pass. On a freshly started cluster this test waits out the rest of that time.
    const id = cluster.selfCheckJobId;
    expect(id, 'connection.json has no selfCheckJobId: re-run test/cluster/up.sh').toBeDefined();
    const jobId = id ?? '';
    const deadline = Date.now() + 420_000;
    while ((await showJob(jobId)) !== null) {
      if (Date.now() > deadline) throw new Error(`job ${jobId} still known to slurmctld after 7 minutes`);
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
    const queue = await ok('squeue', ['-h', '-t', 'all', '-o', '%i']);
    expect(queue.split('\n')).not.toContain(jobId);
    expect(await sacctState(jobId)).toBe('COMPLETED|0:0');
  }, 450_000);
});
