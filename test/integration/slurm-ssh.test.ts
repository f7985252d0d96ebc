import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  connectSsh,
  HostKeyMismatchError,
  HostKeyRevokedError,
  type Logger,
  type SshOptions,
  silentLogger,
  submitJob,
  type WatchEvent,
  watchJobs,
} from '@model-eval/slurm';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterSshEndpoint, clusterSshOptions, requireCluster } from '../support/cluster';

// The SSH transport against the test cluster's real sshd: host key pinning, one multiplexed
// connection, SFTP, and surviving a dropped connection in the middle of a watch.
const cluster = requireCluster();
const base: SshOptions = clusterSshOptions(cluster);
const runDir = `${cluster.workDir}/slurm-ssh-${process.pid}-${Date.now()}`;
const opened: Array<{ close(): Promise<void> }> = [];
const connect = async (options: Partial<SshOptions> = {}) => {
  const transport = await connectSsh({ ...base, ...options });
  opened.push(transport);
  return transport;
};
afterAll(async () => {
  await Promise.all(opened.map((t) => t.close()));
});

function otherHostKeyLine(): string {
  const dir = mkdtempSync(join(tmpdir(), 'other-host-key-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'key')]);
  return `[${cluster.host}]:${cluster.port} ${readFileSync(join(dir, 'key.pub'), 'utf8').trim()}`;
}

describe('SSH transport against the real sshd', () => {
  it('accepts the pinned host key and runs many commands over one connection', async () => {
    const transport = await connect();
    const results = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        transport.exec(['sh', '-c', 'echo "$1 $(id -un)"', 'sh', String(i)]),
      ),
    );
    expect(results.map((r) => r.stdout)).toEqual(results.map((_, i) => `${i} ${cluster.user}\n`));
    expect(transport.connectionsOpened).toBe(1);
  });

  it('refuses a host key that is not the pinned one, showing both fingerprints', async () => {
    const wrongLine = otherHostKeyLine();
    const attempt = connect({ knownHostsLine: wrongLine });
    await expect(attempt).rejects.toBeInstanceOf(HostKeyMismatchError);
    const error = (await attempt.catch((e: unknown) => e)) as HostKeyMismatchError;
    expect(error.message).toContain(cluster.hostKeyFingerprint);
    expect(error.actualFingerprint).toBe(cluster.hostKeyFingerprint);
    expect(error.expectedFingerprint).not.toBe(cluster.hostKeyFingerprint);
    expect(error.message).toContain(error.expectedFingerprint);
    expect(error.hint).toMatch(/known_hosts/);
  });

  // The Debian/Ubuntu default (HashKnownHosts yes): a file hashed by the real `ssh-keygen -H`, with
  // entries for other hosts and a second, unrelated key for this one, passes the real sshd.
  it('accepts a hashed known_hosts file (ssh-keygen -H) with several entries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hashed-known-hosts-'));
    const file = join(dir, 'known_hosts');
    const other = otherHostKeyLine().split(' ').slice(1).join(' ');
    writeFileSync(
      file,
      `elsewhere.example.org ${other}\n${cluster.knownHostsLine}\n[${cluster.host}]:${cluster.port} ${other}\n`,
    );
    execFileSync('ssh-keygen', ['-q', '-H', '-f', file], { stdio: 'ignore' });
    const knownHosts = readFileSync(file, 'utf8');
    expect(knownHosts).not.toContain(cluster.host);
    const transport = await connect({ knownHostsLine: undefined, knownHosts });
    expect((await transport.exec(['true'])).exitCode).toBe(0);
  });

  it('refuses the server key when the known_hosts file marks it @revoked', async () => {
    const [, ...key] = cluster.knownHostsLine.split(' ');
    const knownHosts = `@revoked [${cluster.host}]:${cluster.port} ${key.join(' ')}\n${cluster.knownHostsLine}\n`;
    const attempt = connect({ knownHostsLine: undefined, knownHosts });
    await expect(attempt).rejects.toBeInstanceOf(HostKeyRevokedError);
    await expect(attempt).rejects.toThrow(cluster.hostKeyFingerprint);
  });

  it('connects without verification only when told to, and says so loudly', async () => {
    const warnings: string[] = [];
    const logger: Logger = { ...silentLogger, warn: (m) => warnings.push(m) };
    const transport = await connect({
      knownHostsLine: otherHostKeyLine(),
      insecureAcceptAnyHostKey: true,
      logger,
    });
    expect((await transport.exec(['true'])).exitCode).toBe(0);
    expect(warnings.join('\n')).toMatch(/INSECURE.*NOT verified/);
  });

  it('reaches the login node through a jump host (the same sshd acting as bastion)', async () => {
    const transport = await connect({
      jumpHost: clusterSshEndpoint(cluster),
    });
    expect((await transport.exec(['sinfo', '-h', '-o', '%P'])).stdout).toContain(cluster.partition);
    expect(transport.connectionsOpened).toBe(1);
  });

  it('refuses a bastion whose host key is not the pinned one (so the bastion really is in the path)', async () => {
    const attempt = connect({
      jumpHost: { ...clusterSshEndpoint(cluster), knownHostsLine: otherHostKeyLine() },
    });
    await expect(attempt).rejects.toBeInstanceOf(HostKeyMismatchError);
  });

  it('writes files over SFTP with the requested mode, lists and reads them', async () => {
    const transport = await connect();
    await transport.makeDirectory(runDir, { mode: 0o700 });
    await transport.writeFile(`${runDir}/secret.env`, 'export TOKEN=x\n', { mode: 0o600 });
    const mode = await transport.exec(['stat', '-c', '%a', `${runDir}/secret.env`]);
    expect(mode.stdout.trim()).toBe('600');
    expect((await transport.readFile(`${runDir}/secret.env`)).toString()).toBe('export TOKEN=x\n');
    expect((await transport.listDirectory(runDir)).map((e) => e.name)).toEqual(['secret.env']);
  });

  it('reconnects after the session’s sshd is killed mid-watch, and the watch finishes correctly', async () => {
    const transport = await connect({ reconnectBackoff: { initialMs: 200, maxMs: 1000 } });
    const { jobId } = await submitJob(
      transport,
      {
        name: `drop-${Date.now()}`,
        key: `drop-${process.pid}-${Date.now()}`,
        runDir,
        timeLimit: '5',
        command: ['sleep', '6'],
      },
      { logger: silentLogger },
    );
    // The shell's parent is this session's unprivileged sshd; its parent is the privileged monitor.
    const sessionSshd = Number((await transport.exec(['sh', '-c', 'echo $PPID'])).stdout.trim());
    const monitor = Number(
      execFileSync('ps', ['-o', 'ppid=', '-p', String(sessionSshd)], { encoding: 'utf8' }).trim(),
    );
    expect(execFileSync('ps', ['-o', 'args=', '-p', String(sessionSshd)], { encoding: 'utf8' })).toMatch(
      /^sshd: /,
    );

    const events: WatchEvent[] = [];
    let killed = false;
    const final = await watchJobs(transport, {
      jobIds: [jobId],
      initialIntervalMs: 500,
      maxIntervalMs: 1000,
      logger: silentLogger,
      onEvent: (event) => {
        events.push(event);
        if (!killed && event.type === 'poll') {
          killed = true;
          killConnection(sessionSshd, monitor);
        }
      },
    });
    expect(killed).toBe(true);
    expect(final.get(jobId)?.state.class).toBe('succeeded');
    expect(transport.connectionsOpened).toBe(2);
  });

  it('reopens the connection once when many commands notice the same drop', async () => {
    const transport = await connect({ reconnectBackoff: { initialMs: 200, maxMs: 1000 } });
    const sessionSshd = Number((await transport.exec(['sh', '-c', 'echo $PPID'])).stdout.trim());
    const monitor = Number(
      execFileSync('ps', ['-o', 'ppid=', '-p', String(sessionSshd)], { encoding: 'utf8' }).trim(),
    );
    const inFlight = Promise.allSettled(Array.from({ length: 6 }, () => transport.exec(['sleep', '2'])));
    await new Promise((resolve) => setTimeout(resolve, 300));
    killConnection(sessionSshd, monitor);
    const interrupted = await inFlight;
    expect(interrupted.every((r) => r.status === 'rejected')).toBe(true);
    const after = await Promise.all(Array.from({ length: 12 }, () => transport.exec(['true'])));
    expect(after.every((r) => r.exitCode === 0)).toBe(true);
    expect(transport.connectionsOpened).toBe(2);
  });
});

/**
 * Drops one SSH connection the hard way: SIGKILL to the session's sshd and its privileged monitor.
 * Whichever dies first may take the other with it, so a process already gone (ESRCH) is fine.
 */
function killConnection(...pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
}
