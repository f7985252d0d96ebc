import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createLocalTransport,
  type JobSpec,
  makeOwnedDirectory,
  silentLogger,
  submitJob,
  watchJobs,
  writeSecretsFile,
} from '@model-eval/slurm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireCluster } from '../support/cluster';

// Finding: "the job sees the action's secrets". A runner on the login node (local transport) spawned
// sbatch with its whole environment, and sbatch's default --export=ALL handed it to the job. Here the
// test process plays the runner: it holds canary values under the names the runner uses, submits a
// real job on the real cluster through the local transport, and looks for every canary wherever the
// issue lists: the job's /proc/self/environ, `scontrol show job -d`, the stored batch script,
// `sacct -o SubmitLine`, the run directory and every log.
const cluster = requireCluster();
const stamp = `${process.pid}-${Date.now()}`;
const canary = (what: string) => `${what}-canary-${stamp}-7f3a`;
const RUNNER_SECRETS = {
  INPUT_GITHUB_TOKEN: canary('ghs'),
  GITHUB_TOKEN: canary('ghs2'),
  INPUT_SSH_PRIVATE_KEY: canary('sshkey'),
  INPUT_HF_TOKEN: canary('hf-input'),
  ACTIONS_RUNTIME_TOKEN: canary('runtime'),
};
// The one secret a job is meant to get, through the 0600 file only.
const HF_TOKEN = canary('hf');
const saved = { ...process.env };
const transport = createLocalTransport();
// The test runs as root on the cluster host (a runner on the login node); root's jobs run as root.
const runDir = join(mkdtempSync('/tmp/model-eval-security-'), 'run');

beforeAll(() => {
  Object.assign(process.env, RUNNER_SECRETS);
});
afterAll(() => {
  process.env = saved;
});

describe('secrets on a login-node runner', () => {
  let jobId = '';

  it('a real job sees none of the runner’s secrets, and the HF token only as HF_TOKEN', async () => {
    await makeOwnedDirectory(transport, runDir);
    const spec: JobSpec = {
      name: `security-env-${stamp}`,
      key: `security-env-${stamp}`,
      runDir,
      timeLimit: '2',
      partition: cluster.partition,
      gpusPerNode: 1,
      secrets: { HF_TOKEN },
      // The job's own process environment, as the evaluated model's code would read it.
      command: ['sh', '-c', 'tr "\\0" "\\n" < /proc/self/environ > job-environ.txt; env | sort'],
    };
    await writeSecretsFile(transport, spec);
    ({ jobId } = await submitJob(transport, spec, { logger: silentLogger, reattach: false }));
    const scontrol = await transport.exec(['scontrol', 'show', 'job', '-d', jobId]);
    const script = await transport.exec(['scontrol', 'write', 'batch_script', jobId, '-']);
    const states = await watchJobs(transport, {
      jobIds: [jobId],
      initialIntervalMs: 1000,
      maxIntervalMs: 2000,
      logger: silentLogger,
    });
    expect(states.get(jobId)?.state.class).toBe('succeeded');

    const environ = readFileSync(join(runDir, 'job-environ.txt'), 'utf8');
    const places: Record<string, string> = {
      'job environ': environ,
      'scontrol show job -d': scontrol.stdout,
      'stored batch script': script.stdout,
    };
    for (const name of readdirSync(runDir)) {
      if (name === 'job-environ.txt') continue;
      places[`run dir: ${name}`] = readFileSync(join(runDir, name), 'utf8');
    }
    for (const [place, text] of Object.entries(places)) {
      for (const [name, value] of Object.entries(RUNNER_SECRETS)) {
        expect(text.includes(value), `${name} found in ${place}`).toBe(false);
      }
      if (place !== 'job environ' && !place.endsWith('.out')) {
        expect(text.includes(HF_TOKEN), `HF token found in ${place}`).toBe(false);
      }
    }
    // The one secret meant for the job arrives, through the file.
    expect(environ).toContain(`HF_TOKEN=${HF_TOKEN}`);
    // The job's stdout is the env listing, which shows HF_TOKEN by design (the command printed it);
    // the runner's names never appear there.
    expect(Object.keys(places).some((p) => p.endsWith('.out'))).toBe(true);
    // The secrets file is gone once the job ended.
    expect(readdirSync(runDir).some((n) => n.startsWith('.secrets-'))).toBe(false);
  });

  it('accounting stores no secret in the submit line', async () => {
    expect(jobId).not.toBe('');
    // Accounting learns of the job a moment after it ends; ask until it has the submit line.
    let submitLine = '';
    for (let i = 0; i < 30 && submitLine === ''; i += 1) {
      submitLine = (
        await transport.exec(['sacct', '-X', '-n', '-P', '-o', 'SubmitLine%500', '-j', jobId])
      ).stdout.trim();
      if (submitLine === '') await new Promise((r) => setTimeout(r, 1000));
    }
    expect(submitLine).toContain('sbatch');
    for (const value of [...Object.values(RUNNER_SECRETS), HF_TOKEN]) expect(submitLine).not.toContain(value);
  });
});
