import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper, type Stats } from 'ssh2';
import { backoffDelay, sleep } from './backoff';
import {
  HostKeyMismatchError,
  KnownHostsLineError,
  RemoteCommandError,
  SshConnectError,
  UnsafeRemotePathError,
} from './errors';
import {
  hostKeyAlgorithmsFor,
  openSshFingerprint,
  type PinnedHostKey,
  parseKnownHostsLine,
} from './known-hosts';
import { timeoutError, tooLarge } from './local-transport';
import { type Logger, stderrLogger } from './logger';
import { shellJoin } from './shell-quote';
import type { CommandResult, ExecOptions, ReadFileOptions, RemoteFileEntry, Transport } from './transport';
import { joinRemotePath } from './transport';

/** One SSH server to log in to: the login node, or the bastion in front of it. */
export interface SshEndpoint {
  host: string;
  port?: number;
  username: string;
  /** PEM/OpenSSH private key text; never a path, so the action can pass a masked secret through. */
  privateKey?: string | Buffer;
  passphrase?: string;
  /** The pinned host key as one `known_hosts` line. Required unless `insecureAcceptAnyHostKey`. */
  knownHostsLine?: string;
  /**
   * Accept whatever host key the server shows. For throwaway clusters only: it is logged as a warning
   * on every connection, never the default, and never implied by a missing `knownHostsLine`.
   */
  insecureAcceptAnyHostKey?: boolean;
  /** ssh-agent socket; defaults to `SSH_AUTH_SOCK` when set. `false` turns the agent off. */
  agent?: string | false;
}

export interface SshOptions extends SshEndpoint {
  /** `ProxyJump`: reach `host` through this bastion (a channel opened with `forwardOut`). */
  jumpHost?: SshEndpoint;
  /** Gives up on one connection attempt after this long. Default 20 s. */
  connectTimeoutMs?: number;
  /** Keepalive probes, so a dead connection is noticed (ssh2 leaves them off). Default 15 s × 4. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Connection attempts after a drop (and for the first connection) before giving up. Default 6. */
  connectAttempts?: number;
  reconnectBackoff?: { initialMs: number; maxMs: number };
  /** sshd allows 10 sessions per connection by default (MaxSessions); stay under it. Default 8. */
  maxConcurrentChannels?: number;
  logger?: Logger;
}

export interface SshTransport extends Transport {
  readonly kind: 'ssh';
  /** TCP connections opened to the login node so far (1 unless it dropped and was reopened). */
  readonly connectionsOpened: number;
}

interface LiveConnection {
  client: Client;
  jump: Client | undefined;
  sftp: Promise<SFTPWrapper> | undefined;
  closed: boolean;
}

/**
 * Opens one SSH connection (through a bastion if asked) and returns a Transport that multiplexes every
 * command over it as exec channels and every file operation over one SFTP session. A dropped
 * connection is reopened, with backoff, by the next call; a call in flight when it drops rejects, and
 * the caller decides whether repeating it is safe.
 */
export async function connectSsh(options: SshOptions): Promise<SshTransport> {
  const logger = options.logger ?? stderrLogger;
  const pinned = pinnedKeyOf(options, logger);
  const jumpPinned = options.jumpHost ? pinnedKeyOf(options.jumpHost, logger) : undefined;
  const attempts = options.connectAttempts ?? 6;
  const backoff = {
    factor: 2,
    jitter: 0.2,
    ...(options.reconnectBackoff ?? { initialMs: 1000, maxMs: 30_000 }),
  };
  const channels = createSemaphore(options.maxConcurrentChannels ?? 8);
  let connectionsOpened = 0;
  let current: Promise<LiveConnection> | undefined;
  let closedByUser = false;

  const endpointConfig = (
    endpoint: SshEndpoint,
    pin: PinnedHostKey | undefined,
    onMismatch: (e: HostKeyMismatchError) => void,
  ): ConnectConfig => {
    const agent = endpoint.agent === false ? undefined : (endpoint.agent ?? process.env.SSH_AUTH_SOCK);
    const config: ConnectConfig = {
      host: endpoint.host,
      port: endpoint.port ?? 22,
      username: endpoint.username,
      readyTimeout: options.connectTimeoutMs ?? 20_000,
      keepaliveInterval: options.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: options.keepaliveCountMax ?? 4,
      hostVerifier: (key: Buffer) => {
        if (!pin) return true; // insecureAcceptAnyHostKey, warned about in pinnedKeyOf
        const actual = openSshFingerprint(key);
        if (actual === pin.fingerprint) return true;
        onMismatch(
          new HostKeyMismatchError(`${endpoint.host}:${endpoint.port ?? 22}`, pin.fingerprint, actual),
        );
        return false;
      },
    };
    if (pin) {
      // Ask for the pinned key's algorithm, else a server with several host keys may show another one.
      config.algorithms = {
        serverHostKey: hostKeyAlgorithmsFor(pin.keyType) as NonNullable<
          ConnectConfig['algorithms']
        >['serverHostKey'],
      };
    }
    if (endpoint.privateKey !== undefined) config.privateKey = endpoint.privateKey;
    if (endpoint.passphrase !== undefined) config.passphrase = endpoint.passphrase;
    if (agent) config.agent = agent;
    return config;
  };

  const openClient = (endpoint: SshEndpoint, pin: PinnedHostKey | undefined, sock?: ClientChannel) =>
    new Promise<Client>((resolve, reject) => {
      const client = new Client();
      let mismatch: HostKeyMismatchError | undefined;
      let ready = false;
      client.on('ready', () => {
        ready = true;
        resolve(client);
      });
      client.on('error', (error: Error & { level?: string }) => {
        if (ready) {
          logger.warn(`SSH connection to ${endpoint.host} failed: ${error.message}`);
          return;
        }
        client.end();
        reject(mismatch ?? connectError(endpoint, error));
      });
      const config = endpointConfig(endpoint, pin, (e) => {
        mismatch = e;
      });
      if (sock) config.sock = sock;
      client.connect(config);
    });

  const openConnection = async (): Promise<LiveConnection> => {
    let jump: Client | undefined;
    let sock: ClientChannel | undefined;
    if (options.jumpHost) {
      const jumpHost = options.jumpHost;
      jump = await openClient(jumpHost, jumpPinned);
      const via = jump;
      sock = await new Promise<ClientChannel>((resolve, reject) =>
        via.forwardOut('127.0.0.1', 0, options.host, options.port ?? 22, (error, stream) =>
          error
            ? reject(
                new SshConnectError(
                  `The jump host ${jumpHost.host} could not open a connection to ${options.host}:${options.port ?? 22}: ${error.message}`,
                  'Check that the login node is reachable from the bastion and that the bastion allows TCP forwarding (AllowTcpForwarding).',
                  { cause: error },
                ),
              )
            : resolve(stream),
        ),
      ).catch((error: unknown) => {
        via.end();
        throw error;
      });
    }
    const client = await openClient(options, pinned, sock).catch((error: unknown) => {
      jump?.end();
      throw error;
    });
    connectionsOpened += 1;
    const live: LiveConnection = { client, jump, sftp: undefined, closed: false };
    client.on('close', () => {
      live.closed = true;
      jump?.end();
      if (!closedByUser)
        logger.warn(`SSH connection to ${options.host} closed; the next command reconnects.`);
    });
    return live;
  };

  const connectWithRetry = async (): Promise<LiveConnection> => {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await openConnection();
      } catch (error) {
        const permanent =
          error instanceof HostKeyMismatchError ||
          (error instanceof SshConnectError && error.permanent) ||
          attempt + 1 >= attempts;
        if (permanent || closedByUser) throw error;
        const delay = backoffDelay(backoff, attempt);
        logger.warn(
          `SSH connection attempt ${attempt + 1} to ${options.host} failed (${(error as Error).message}); retrying in ${(delay / 1000).toFixed(1)} s.`,
        );
        await sleep(delay);
      }
    }
  };

  const connection = async (): Promise<LiveConnection> => {
    if (closedByUser) throw new Error('The SSH transport was closed.');
    const pending = current;
    if (pending) {
      const live = await pending.catch(() => undefined);
      if (live && !live.closed) return live;
      // Many calls notice the same drop: the first one reconnects, the others wait for it.
      if (current !== pending) return connection();
    }
    current = connectWithRetry();
    return current;
  };

  const sftpOf = async (): Promise<SFTPWrapper> => {
    const live = await connection();
    live.sftp ??= new Promise<SFTPWrapper>((resolve, reject) =>
      live.client.sftp((error, sftp) => (error ? reject(error) : resolve(sftp))),
    );
    const pending = live.sftp;
    pending.catch(() => {
      if (live.sftp === pending) live.sftp = undefined;
    });
    return pending;
  };

  const execOnce = (live: LiveConnection, argv: readonly string[], execOptions: ExecOptions) =>
    new Promise<CommandResult>((resolve, reject) => {
      live.client.exec(shellJoin(argv), (error, stream) => {
        if (error) {
          reject(lostConnection(options.host, argv, error));
          return;
        }
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        let exit: { code: number | null } | undefined;
        let settled = false;
        const finish = (outcome: () => void) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          execOptions.signal?.removeEventListener('abort', onAbort);
          outcome();
        };
        const kill = () => {
          try {
            stream.signal('KILL');
          } catch {
            // Not every server honours signal requests; closing the channel still ends the session.
          }
          stream.close();
        };
        const timer =
          execOptions.timeoutMs === undefined
            ? undefined
            : setTimeout(() => {
                kill();
                finish(() => reject(timeoutError(argv, execOptions.timeoutMs ?? 0)));
              }, execOptions.timeoutMs);
        const onAbort = () => {
          kill();
          finish(() => reject(execOptions.signal?.reason ?? new Error('aborted')));
        };
        if (execOptions.signal?.aborted) {
          onAbort();
          return;
        }
        execOptions.signal?.addEventListener('abort', onAbort, { once: true });
        stream.on('data', (chunk: Buffer) => stdout.push(chunk));
        stream.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
        stream.on('exit', (code: number | null) => {
          exit = { code: typeof code === 'number' ? code : null };
        });
        stream.on('close', () =>
          finish(() => {
            // A channel that closes without an exit status went down with the connection.
            if (!exit && live.closed) {
              reject(lostConnection(options.host, argv));
              return;
            }
            resolve({
              stdout: Buffer.concat(stdout).toString('utf8'),
              stderr: Buffer.concat(stderr).toString('utf8'),
              exitCode: exit?.code ?? null,
            });
          }),
        );
        stream.end(execOptions.stdin ?? '');
      });
    });

  const withSftp = async <T>(operation: (sftp: SFTPWrapper) => Promise<T>): Promise<T> => {
    await channels.acquire();
    try {
      return await operation(await sftpOf());
    } finally {
      channels.release();
    }
  };

  // Connect now, so a wrong host key or key is reported at once, not at the first command.
  current = connectWithRetry();
  await current;

  const exec = async (argv: readonly string[], execOptions?: ExecOptions): Promise<CommandResult> => {
    await channels.acquire();
    try {
      return await execOnce(await connection(), argv, execOptions ?? {});
    } finally {
      channels.release();
    }
  };

  return {
    kind: 'ssh',
    get connectionsOpened() {
      return connectionsOpened;
    },
    exec,
    readFile(path, readOptions) {
      if (!readOptions?.maxBytes && !readOptions?.refuseSymlink) {
        return withSftp(
          (sftp) =>
            new Promise<Buffer>((resolve, reject) =>
              sftp.readFile(path, (error, data) =>
                error ? reject(sftpError('read', path, error)) : resolve(data),
              ),
            ),
        );
      }
      return withSftp((sftp) => readViaSftp(sftp, path, readOptions));
    },
    writeFile(path, data, writeOptions) {
      const mode = writeOptions?.mode ?? 0o644;
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      return withSftp((sftp) => writeViaSftp(sftp, path, bytes, mode, writeOptions?.exclusive ?? false));
    },
    listDirectory(dir) {
      return withSftp(
        (sftp) =>
          new Promise<RemoteFileEntry[]>((resolve, reject) =>
            sftp.readdir(dir, (error, list) => {
              if (error) {
                reject(sftpError('list', dir, error));
                return;
              }
              resolve(
                list.map((entry) => ({
                  name: entry.filename,
                  path: joinRemotePath(dir, entry.filename),
                  type: entry.attrs.isFile() ? 'file' : entry.attrs.isDirectory() ? 'directory' : 'other',
                  size: entry.attrs.size,
                  modifiedMs: entry.attrs.mtime * 1000,
                })),
              );
            }),
          ),
      );
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
    async close() {
      closedByUser = true;
      const live = await current?.catch(() => undefined);
      live?.client.end();
      live?.jump?.end();
    },
  };
}

function pinnedKeyOf(endpoint: SshEndpoint, logger: Logger): PinnedHostKey | undefined {
  if (endpoint.insecureAcceptAnyHostKey) {
    logger.warn(
      `INSECURE: the host key of ${endpoint.host} is NOT verified (insecure-accept-any-host-key). Anyone on the network path can impersonate the cluster and read the credentials sent to it. Use this only for throwaway test clusters.`,
    );
    return undefined;
  }
  if (!endpoint.knownHostsLine) {
    throw new KnownHostsLineError(
      `No pinned host key was given for ${endpoint.host}.`,
      `Pass the server's known_hosts line (from \`ssh-keyscan -p ${endpoint.port ?? 22} ${endpoint.host}\`, checked against a fingerprint from your admin).`,
    );
  }
  return parseKnownHostsLine(endpoint.knownHostsLine);
}

function connectError(endpoint: SshEndpoint, error: Error & { level?: string }): SshConnectError {
  const where = `${endpoint.username}@${endpoint.host}:${endpoint.port ?? 22}`;
  if (error.level === 'client-authentication') {
    const e = new SshConnectError(
      `SSH authentication as ${where} was refused (${error.message}).`,
      'Check the private key (and its passphrase) and that its public key is in the user’s ~/.ssh/authorized_keys on the cluster.',
      { cause: error },
    );
    e.permanent = true;
    return e;
  }
  if (error.level === 'client-timeout') {
    return new SshConnectError(
      `SSH connection to ${where} timed out before login finished.`,
      'Check the host and port, firewalls between the runner and the login node, and the connect timeout.',
      { cause: error },
    );
  }
  return new SshConnectError(
    `SSH connection to ${where} failed: ${error.message}`,
    'Check the host, port and network path (or jump host) to the login node.',
    { cause: error },
  );
}

function lostConnection(host: string, argv: readonly string[], cause?: Error): RemoteCommandError {
  return new RemoteCommandError(
    `The SSH connection to ${host} was lost while running ${argv[0] ?? 'a command'}${cause ? `: ${cause.message}` : ''}.`,
    'The connection is reopened on the next command; repeat the command if it is safe to do so.',
    null,
    '',
    { cause },
  );
}

function sftpError(what: 'read' | 'list' | 'write', path: string, error: Error): RemoteCommandError {
  return new RemoteCommandError(
    `Could not ${what} ${path} over SFTP: ${error.message}`,
    'Check that the path exists and is accessible to the SSH user (and that sshd enables the sftp subsystem).',
    null,
    '',
    { cause: error },
  );
}

async function readViaSftp(sftp: SFTPWrapper, path: string, options: ReadFileOptions): Promise<Buffer> {
  const call = <T>(start: (callback: (error: Error | undefined | null, value: T) => void) => void) =>
    new Promise<T>((resolve, reject) =>
      start((error, value) => (error ? reject(sftpError('read', path, error)) : resolve(value))),
    );
  // SFTP has no O_NOFOLLOW: lstat the name first, then check the opened file itself (fstat) and read
  // no more than the limit, so a file that grows or is swapped after the lstat still cannot cost more.
  if (options.refuseSymlink) {
    const linkStats = await call<Stats>((cb) => sftp.lstat(path, cb));
    if (linkStats.isSymbolicLink()) {
      throw new UnsafeRemotePathError(
        path,
        'symlink',
        `${path} is a symbolic link; it is not followed.`,
        'Results and logs are read only from regular files the job wrote; remove the link.',
      );
    }
  }
  const handle = await call<Buffer>((cb) => sftp.open(path, 'r', cb));
  try {
    const info = await call<Stats>((cb) => sftp.fstat(handle, cb));
    if (options.refuseSymlink && !info.isFile()) {
      throw new UnsafeRemotePathError(
        path,
        'not-regular',
        `${path} is not a regular file.`,
        'Only regular files are read back from the cluster.',
      );
    }
    if (options.maxBytes !== undefined && info.size > options.maxBytes) {
      throw tooLarge(path, info.size, options.maxBytes);
    }
    const limit = options.maxBytes === undefined ? Number.POSITIVE_INFINITY : options.maxBytes + 1;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const size = Math.min(32 * 1024, limit - total);
      if (size <= 0) break;
      const buffer = Buffer.alloc(size);
      const bytesRead = await call<number>((cb) =>
        sftp.read(handle, buffer, 0, size, total, (error, n) => cb(error, n)),
      );
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
    }
    if (options.maxBytes !== undefined && total > options.maxBytes) {
      throw tooLarge(path, total, options.maxBytes);
    }
    return Buffer.concat(chunks);
  } finally {
    await call<void>((cb) => sftp.close(handle, (error) => cb(error, undefined)));
  }
}

async function writeViaSftp(
  sftp: SFTPWrapper,
  path: string,
  data: Buffer,
  mode: number,
  exclusive: boolean,
): Promise<void> {
  const call = <T>(start: (callback: (error: Error | undefined | null, value: T) => void) => void) =>
    new Promise<T>((resolve, reject) =>
      start((error, value) => (error ? reject(sftpError('write', path, error)) : resolve(value))),
    );
  // Created with `mode`, then chmod in case it existed: a secrets file must never be readable by others.
  // 'wx' is SSH_FXF_CREAT|SSH_FXF_EXCL: refuses an existing file or symlink planted at `path`.
  const handle = await call<Buffer>((cb) => sftp.open(path, exclusive ? 'wx' : 'w', mode, cb));
  try {
    await call<void>((cb) => sftp.fchmod(handle, mode, (error) => cb(error, undefined)));
    const chunk = 32 * 1024;
    for (let offset = 0; offset < data.length; offset += chunk) {
      const length = Math.min(chunk, data.length - offset);
      await call<void>((cb) =>
        sftp.write(handle, data, offset, length, offset, (error) => cb(error, undefined)),
      );
    }
  } finally {
    await call<void>((cb) => sftp.close(handle, (error) => cb(error, undefined)));
  }
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
