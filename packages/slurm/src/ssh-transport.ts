import type { SFTPWrapper } from 'ssh2';
import { RemoteCommandError } from './errors';
import { openSshConnector, type SshOptions } from './ssh-connection';
import { execOnChannel } from './ssh-exec';
import { listViaSftp, readViaSftp, readWholeFile, writeViaSftp } from './ssh-sftp';
import type { CommandResult, ExecOptions, Transport } from './transport';

export type { SshEndpoint, SshOptions } from './ssh-connection';

export interface SshTransport extends Transport {
  readonly kind: 'ssh';
  /** TCP connections opened to the login node so far (1 unless it dropped and was reopened). */
  readonly connectionsOpened: number;
}

/**
 * Opens one SSH connection (through a bastion if asked) and returns a Transport that multiplexes every
 * command over it as exec channels and every file operation over one SFTP session. A dropped
 * connection is reopened, with backoff, by the next call; a call in flight when it drops rejects, and
 * the caller decides whether repeating it is safe. The parts: `ssh-connection.ts` (connect, pin,
 * reconnect), `ssh-exec.ts` (one command on a channel), `ssh-sftp.ts` (files).
 */
export async function connectSsh(options: SshOptions): Promise<SshTransport> {
  const connector = await openSshConnector(options);
  const channels = createSemaphore(options.maxConcurrentChannels ?? 8);

  const sftpTimeoutMs = options.sftpTimeoutMs ?? DEFAULT_SFTP_TIMEOUT_MS;
  const withSftp = async <T>(what: string, operation: (sftp: SFTPWrapper) => Promise<T>): Promise<T> => {
    await channels.acquire();
    try {
      return await withDeadline((async () => operation(await connector.sftp()))(), sftpTimeoutMs, () =>
        sftpTimeoutError(options.host, what, sftpTimeoutMs),
      );
    } finally {
      channels.release();
    }
  };

  const commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  const exec = async (argv: readonly string[], execOptions?: ExecOptions): Promise<CommandResult> => {
    await channels.acquire();
    try {
      // Every command has a deadline: the caller's, else the transport's default.
      const withTimeout = { timeoutMs: commandTimeoutMs, ...execOptions };
      return await execOnChannel(await connector.connection(), options.host, argv, withTimeout);
    } finally {
      channels.release();
    }
  };

  return {
    kind: 'ssh',
    get connectionsOpened() {
      return connector.connectionsOpened;
    },
    exec,
    readFile(path, readOptions) {
      if (!readOptions?.maxBytes && !readOptions?.refuseSymlink) {
        return withSftp(`reading ${path}`, (sftp) => readWholeFile(sftp, path));
      }
      return withSftp(`reading ${path}`, (sftp) => readViaSftp(sftp, path, readOptions));
    },
    writeFile(path, data, writeOptions) {
      const mode = writeOptions?.mode ?? 0o644;
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      return withSftp(`writing ${path}`, (sftp) =>
        writeViaSftp(sftp, path, bytes, mode, writeOptions?.exclusive ?? false),
      );
    },
    listDirectory(dir) {
      return withSftp(`listing ${dir}`, (sftp) => listViaSftp(sftp, dir));
    },
    async makeDirectory(dir, dirOptions) {
      const mode = (dirOptions?.mode ?? 0o755).toString(8);
      const result = await exec(['mkdir', '-p', '-m', mode, '--', dir]);
      if (result.exitCode !== 0) {
        throw new RemoteCommandError(
          `Could not create ${dir} on ${options.host}: ${result.stderr.trim()}`,
          'Check that the remote directory is writable by the SSH user.',
          result.exitCode,
          result.stderr,
        );
      }
    },
    close() {
      return connector.close();
    },
  };
}

export const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;
export const DEFAULT_SFTP_TIMEOUT_MS = 300_000;

function sftpTimeoutError(host: string, what: string, timeoutMs: number): RemoteCommandError {
  return new RemoteCommandError(
    `SFTP ${what} on ${host} did not finish within ${Math.round(timeoutMs / 1000)} s.`,
    'The login node or its file system is not answering; check it (and the network path) and retry.',
    null,
    '',
  );
}

/** `work`, or the deadline's error if it has not settled by then (the timer never outlives it). */
export function withDeadline<T>(work: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), timeoutMs);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function createSemaphore(limit: number) {
  let active = 0;
  const waiting: Array<() => void> = [];
  return {
    async acquire() {
      if (active < limit) {
        active += 1;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    release() {
      const next = waiting.shift();
      if (next) next();
      else active -= 1;
    },
  };
}
