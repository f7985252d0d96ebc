import { readFile } from 'node:fs/promises';
import { connectSsh, joinRemotePath, type SshTransport, shellQuote } from '@model-eval/slurm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PreflightError, preflight } from '../../packages/action/src/run/preflight';
import { findStandinScript } from '../../packages/action/src/run/standin';
import { clusterSshOptions, requireCluster } from '../support/cluster';

// Preflight against the real test cluster over SSH, as the cluster user: the job's setup lines run in
// the login shell there. The LightEval they put first on the PATH is this checkout's stand-in (as
// --simulate installs it), imitating the release the setup exports: the cluster "has" that release.

const cluster = requireCluster();
let transport: SshTransport;
let binDir: string;

beforeAll(async () => {
  transport = await connectSsh(clusterSshOptions(cluster));
  binDir = joinRemotePath(cluster.workDir, `preflight-${process.pid}-${Date.now()}/bin`);
  await transport.makeDirectory(binDir);
  await transport.writeFile(joinRemotePath(binDir, 'lighteval'), await readFile(findStandinScript() ?? ''), {
    mode: 0o755,
  });
});
afterAll(async () => {
  await transport?.exec(['rm', '-rf', '--', binDir.replace(/\/bin$/, '')]);
  await transport?.close();
});

const installed = (version: string) => [
  `export PATH=${shellQuote(binDir)}:"$PATH"`,
  `export LIGHTEVAL_STANDIN_VERSION=${version}`,
];

describe('preflight on the test cluster', () => {
  it('auto takes the release the job environment has, and reports the versions it would run', async () => {
    const report = await preflight(transport, installed('0.10.0'), { lightevalVersion: 'auto' });
    expect(report).toMatchObject({
      lightevalVersion: '0.10.0',
      lightevalPath: `${binDir}/lighteval`,
      simulated: true,
      versions: { lighteval: '0.10.0', vllm: '0.8.4' },
    });
    expect((await preflight(transport, installed('0.12.1'))).lightevalVersion).toBe('0.12.1');
  });

  it('refuses an explicit lighteval-version that disagrees with the installed one, naming both', async () => {
    const error = await preflight(transport, installed('0.12.0'), { lightevalVersion: '0.13.0' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PreflightError);
    expect((error as PreflightError).message).toMatch(
      /lighteval-version is 0\.13\.0, .*LightEval 0\.12\.0 installed/,
    );
  });

  it('a job environment without lighteval is refused with a message naming job-setup', async () => {
    // A setup that replaces PATH (as a wrong `module purge` or venv activation would) loses the install.
    const setup = [`export PATH=${shellQuote('/usr/bin:/bin')}`];
    const error = await preflight(transport, setup, { lightevalVersion: 'auto' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreflightError);
    expect((error as PreflightError).message).toContain('`lighteval` is not on the PATH');
    expect((error as PreflightError).hint).toContain('job-setup: |');
  });
});
