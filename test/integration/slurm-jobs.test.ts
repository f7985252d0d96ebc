import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  cancelJobs,
  classifyFailure,
  collectJobFiles,
  connectSsh,
  type JobSpec,
  pollJobStates,
  type SlurmJobState,
  type SshTransport,
  secretsPath,
  silentLogger,
  submitJob,
  superviseJobs,
  type Transport,
  watchJobs,
} from '@model-eval/slurm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSshOptions, requireCluster } from '../support/cluster';

// Submitting, watching, cancelling and collecting real jobs on the test cluster, over real SSH.
const cluster = requireCluster();
const stamp = `${process.pid}-${Date.now()}`;
const runDir = `${cluster.workDir}/slurm-jobs-${stamp}`;
const fast = { initialIntervalMs: 1000, maxIntervalMs: 2000, logger: silentLogger };
let transport: SshTransport;
let timeoutJob: { spec: JobSpec; jobId: string };

const spec = (name: string, command: string[], extra: Partial<JobSpec> = {}): JobSpec => ({
  name: `${name}-${stamp}`,
  key: `${name}-${stamp}`,
  runDir,
  timeLimit: '5',
  partition: cluster.partition,
  gpusPerNode: 1,
  command,
  ...extra,
});

/** Records the first word of every command, to check what the watch asked the cluster. */
function recording(inner: Transport): Transport & { commands: string[] } {
  const commands: string[] = [];
  return {
    ...inner,
    kind: inner.kind,
    commands,
    exec(argv, options) {
      commands.push(argv[0] ?? '');
      return inner.exec(argv, options);
    },
  };
}

const squeueIds = async () =>
  (await transport.exec(['squeue', '--me', '-h', '-o', '%i|%k'])).stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('|'));

beforeAll(async () => {
  transport = await connectSsh(clusterSshOptions(cluster));
  // The time limit is in minutes and Slurm enforces it on its own schedule: start this one first, the
  // other tests run while it waits to be killed.
  const timeoutSpec = spec('timeout', ['sleep', '600'], {
    timeLimit: '1',
    partition: cluster.debugPartition,
  });
  timeoutJob = {
    spec: timeoutSpec,
    jobId: (await submitJob(transport, timeoutSpec, { logger: silentLogger })).jobId,
  };
});

afterAll(async () => {
  // Leave nothing of this file's jobs behind, whatever failed.
  const keys = (await squeueIds()).map(([, key]) => key ?? '').filter((key) => key.endsWith(stamp));
  await cancelJobs(transport, { jobIds: [], keys });
  await transport.close();
});

describe('jobs on the real cluster', () => {
  it('submits, completes and collects a LightEval stand-in run, keeping the secret out of sight', async () => {
    const token = `hf_${stamp}'$(touch /tmp/pwned)`;
    const outputDir = `${runDir}/out-complete`;
    const job = spec(
      'complete',
      [
        'bash',
        '-c',
        'printf "%s" "$HF_TOKEN" | sha256sum; exec lighteval vllm "$1" "$2" --output-dir "$3"',
        'job',
        'model_name=org/model,max_model_length=4096',
        'math_500|0',
        outputDir,
      ],
      { secrets: { HF_TOKEN: token }, outputDir },
    );
    const { jobId, reattached } = await submitJob(transport, job, { logger: silentLogger });
    expect(reattached).toBe(false);
    const shown = await transport.exec(['scontrol', 'show', 'job', jobId]);
    expect(shown.stdout).toContain(`Comment=${job.key}`);
    expect(shown.stdout).not.toContain(token);
    const script = await transport.readFile(`${runDir}/${job.name}.sbatch`);
    expect(script.toString()).not.toContain(`hf_${stamp}`);

    const final = await watchJobs(transport, { ...fast, jobIds: [jobId] });
    expect(final.get(jobId)?.state.class).toBe('succeeded');
    const files = await collectJobFiles(transport, job, jobId);
    expect(files.resultFiles).toHaveLength(1);
    expect(files.resultFiles[0]?.path).toMatch(/\/results\/org\/model\/results_[^/]+\.json$/);
    expect(JSON.parse(files.resultFiles[0]?.content ?? '{}')).toHaveProperty('results');
    expect(files.stdoutTail).toContain(createHash('sha256').update(token).digest('hex'));
    expect(files.stdoutTail).toContain('SIMULATED');
    // The job's trap removed the secrets file when it ended.
    expect((await transport.exec(['test', '-e', secretsPath(job)])).exitCode).toBe(1);
  });

  it('reattaches to the live job instead of submitting the same key twice', async () => {
    const job = spec('idempotent', ['sleep', '30']);
    const first = await submitJob(transport, job, { logger: silentLogger });
    const second = await submitJob(transport, job, { logger: silentLogger });
    expect(second).toMatchObject({ jobId: first.jobId, reattached: true });
    expect((await squeueIds()).filter(([, key]) => key === job.key)).toHaveLength(1);
    await cancelJobs(transport, { jobIds: [first.jobId] });
  });

  it('reports a failing job with its exit code and the tail of its log', async () => {
    const job = spec('failing', [
      'bash',
      '-c',
      'echo starting; echo "KeyError: max_model_length" >&2; exit 3',
    ]);
    const { jobId } = await submitJob(transport, job, { logger: silentLogger });
    const state = (await watchJobs(transport, { ...fast, jobIds: [jobId] })).get(jobId)?.state;
    expect(state).toMatchObject({ class: 'failed', state: 'FAILED', exitCode: 3, retryable: false });
    const files = await collectJobFiles(transport, job, jobId, { tailLines: 5 });
    expect(files.stdoutTail).toBe('starting\n');
    expect(files.stderrTail).toContain('KeyError: max_model_length');
    expect(classifyFailure(state as Extract<SlurmJobState, { class: 'failed' }>, files.stderrTail)).toBe(
      'failed',
    );
  });

  it.each(['oom-kv', 'oom-cuda'])('classifies a stand-in run failing with %s as gpu-oom', async (fault) => {
    const job = spec(
      `gpu-${fault}`,
      ['lighteval', 'vllm', 'model_name=org/model,max_model_length=4096', 'math_500|0'],
      {
        environment: { LIGHTEVAL_STANDIN_FAULT: fault },
        outputDir: `${runDir}/out-${fault}`,
      },
    );
    const { outcomes } = await superviseJobs(transport, [job], fast);
    expect(outcomes[0]).toMatchObject({ failure: 'gpu-oom', state: { class: 'failed', state: 'FAILED' } });
    expect(outcomes[0]?.attempts).toHaveLength(1);
  });

  it('keeps a job running through `scontrol requeue`', async () => {
    const job = spec('requeue', ['sleep', '60']);
    const { jobId } = await submitJob(transport, job, { logger: silentLogger });
    await watchJobs(transport, {
      ...fast,
      jobIds: [jobId],
      until: (s) => s.get(jobId)?.state.state === 'RUNNING',
    });
    const requeue = await transport.exec(['scontrol', 'requeue', jobId]);
    expect(requeue.stderr).toBe('');
    const seen: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const state = (await pollJobStates(transport, [jobId], { logger: silentLogger })).get(jobId)?.state;
      expect(state?.class).toBe('running');
      seen.push(state?.state ?? '');
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(seen.some((s) => s === 'PENDING' || s === 'REQUEUED' || s === 'RUNNING')).toBe(true);
    await cancelJobs(transport, { jobIds: [jobId] });
  });

  it('watches with squeue and scontrol when accounting is not used', async () => {
    const ok = spec('fallback-ok', ['true']);
    const bad = spec('fallback-bad', ['bash', '-c', 'exit 5']);
    const ids = [
      (await submitJob(transport, ok, { logger: silentLogger })).jobId,
      (await submitJob(transport, bad, { logger: silentLogger })).jobId,
    ];
    const recorder = recording(transport);
    const final = await watchJobs(recorder, { ...fast, jobIds: ids, source: 'squeue' });
    expect(final.get(ids[0] ?? '')?.state.class).toBe('succeeded');
    expect(final.get(ids[1] ?? '')?.state).toMatchObject({ class: 'failed', state: 'FAILED', exitCode: 5 });
    expect(new Set(recorder.commands)).toEqual(new Set(['squeue', 'scontrol']));
  });

  it('cancels every job of a run from a SIGINT handler within the grace period', async () => {
    const specs = [
      spec('cancel-a', ['sleep', '120']),
      spec('cancel-array', ['sleep', '120'], { array: { indices: '0-20', throttle: 2 } }),
      spec('cancel-unrecorded', ['sleep', '120'], { secrets: { HF_TOKEN: 'x' } }),
    ];
    const fixture = fileURLToPath(
      new URL('../../packages/slurm/test/fixtures/cancel-on-signal.ts', import.meta.url),
    );
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fixture, JSON.stringify(cluster), JSON.stringify(specs)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const lines = createInterface({ input: child.stdout });
    const messages: Array<Record<string, unknown>> = [];
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      lines.on('line', (line) => {
        messages.push(JSON.parse(line) as Record<string, unknown>);
        if (messages.length === 1) resolve();
      }),
    );
    expect(messages[0]?.ready).toBe(true);
    const keys = new Set(specs.map((s) => s.key));
    expect((await squeueIds()).filter(([, key]) => keys.has(key ?? ''))).not.toHaveLength(0);
    const signalledAt = Date.now();
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(Date.now() - signalledAt).toBeLessThan(7500);
    const cancelled = (messages[1]?.cancelled ?? []) as string[];
    expect(cancelled).toHaveLength(3);
    // Cancelled jobs may linger briefly as COMPLETING; none may stay pending or running.
    await watchJobs(transport, { ...fast, jobIds: cancelled, source: 'squeue' });
    const live = (await transport.exec(['squeue', '--me', '-h', '-t', 'PD,R,CG,S', '-o', '%k'])).stdout.split(
      '\n',
    );
    expect(live.filter((key) => keys.has(key))).toEqual([]);
    expect((await transport.exec(['test', '-e', secretsPath(specs[2] as JobSpec)])).exitCode).toBe(1);
  });

  it('sees a job that outlives its time limit end as TIMEOUT', async () => {
    const state = (
      await watchJobs(transport, { ...fast, maxIntervalMs: 5000, jobIds: [timeoutJob.jobId] })
    ).get(timeoutJob.jobId)?.state;
    expect(state).toMatchObject({ class: 'failed', state: 'TIMEOUT', retryable: false });
    expect(classifyFailure(state as Extract<SlurmJobState, { class: 'failed' }>)).toBe('timeout');
  });
});
