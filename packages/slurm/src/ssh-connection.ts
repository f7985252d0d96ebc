import { Client, type ClientChannel, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { backoffDelay, sleep } from './backoff';
import { HostKeyMismatchError, HostKeyRevokedError, KnownHostsLineError, SshConnectError } from './errors';
import {
  type HostKeyPins,
  hostKeyAlgorithmsFor,
  openSshFingerprint,
  parseKnownHostsLine,
  requireHostKeys,
} from './known-hosts';
import { type Logger, stderrLogger } from './logger';

/** One SSH server to log in to: the login node, or the bastion in front of it. */
export interface SshEndpoint {
  host: string;
  port?: number;
  username: string;
  /** PEM/OpenSSH private key text; never a path, so the action can pass a masked secret through. */
  privateKey?: string | Buffer;
  passphrase?: string;
  /** The pinned host key as one `known_hosts` line, its host field not matched. */
  knownHostsLine?: string;
  /**
   * A known_hosts file's text, read as OpenSSH reads it: the entries for `host` (`[host]:port` off
   * port 22; hashed, patterns, several keys, `@revoked`). This or `knownHostsLine` is required
   * unless `insecureAcceptAnyHostKey`.
   */
  knownHosts?: string;
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
  /**
   * A remote command called without its own `timeoutMs` is killed after this long (no call waits on
   * a silent login node forever). Default 120 s: every such command is a quick file or Slurm call.
   */
  commandTimeoutMs?: number;
  /** The same for one SFTP operation (a bounded read or write of a run file). Default 300 s. */
  sftpTimeoutMs?: number;
  /** sshd allows 10 sessions per connection by default (MaxSessions); stay under it. Default 8. */
  maxConcurrentChannels?: number;
  logger?: Logger;
}

/** One open SSH connection (and its bastion), with its SFTP session once asked for. */
export interface LiveConnection {
  client: Client;
  jump: Client | undefined;
  sftp: Promise<SFTPWrapper> | undefined;
  closed: boolean;
}

/** The connection side of the SSH transport: open, pin, keep alive, reopen after a drop. */
export interface SshConnector {
  /** The live connection, reopened (with backoff) if it dropped. */
  connection(): Promise<LiveConnection>;
  /** The connection's one SFTP session. */
  sftp(): Promise<SFTPWrapper>;
  readonly connectionsOpened: number;
  close(): Promise<void>;
}

/**
 * Opens one SSH connection (through a bastion if asked) and keeps it: a dropped connection is
 * reopened by the next call, with backoff; a wrong host key is never retried.
 */
export async function openSshConnector(options: SshOptions): Promise<SshConnector> {
  const logger = options.logger ?? stderrLogger;
  const pinned = pinnedKeyOf(options, logger);
  const jumpPinned = options.jumpHost ? pinnedKeyOf(options.jumpHost, logger) : undefined;
  let connectionsOpened = 0;
  let current: Promise<LiveConnection> | undefined;

  const state = { closedByUser: false };
  const openConnection = async (): Promise<LiveConnection> => {
    const live = await openLiveConnection(options, logger, { pinned, jumpPinned }, state);
    connectionsOpened += 1;
    return live;
  };
  const connectWithRetry = () => retryConnect(options, logger, openConnection, state);

  const connection = async (): Promise<LiveConnection> => {
    if (state.closedByUser) throw new Error('The SSH transport was closed.');
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

  // Connect now, so a wrong host key or key is reported at once, not at the first command.
  current = connectWithRetry();
  await current;

  return {
    connection,
    sftp: sftpOf,
    get connectionsOpened() {
      return connectionsOpened;
    },
    async close() {
      state.closedByUser = true;
      const live = await current?.catch(() => undefined);
      live?.client.end();
      live?.jump?.end();
    },
  };
}

/** One connection (through the bastion when there is one) that marks itself closed when it drops. */
async function openLiveConnection(
  options: SshOptions,
  logger: Logger,
  pins: { pinned: HostKeyPins | undefined; jumpPinned: HostKeyPins | undefined },
  state: { closedByUser: boolean },
): Promise<LiveConnection> {
  let jump: Client | undefined;
  let sock: ClientChannel | undefined;
  if (options.jumpHost) {
    jump = await openClient(options, logger, options.jumpHost, pins.jumpPinned);
    sock = await forwardThroughJump(options, jump, options.jumpHost);
  }
  const client = await openClient(options, logger, options, pins.pinned, sock).catch((error: unknown) => {
    jump?.end();
    throw error;
  });
  const live: LiveConnection = { client, jump, sftp: undefined, closed: false };
  client.on('close', () => {
    live.closed = true;
    jump?.end();
    if (!state.closedByUser)
      logger.warn(`SSH connection to ${options.host} closed; the next command reconnects.`);
  });
  return live;
}

/** Opens with backoff; a wrong host key, a refused key or the last attempt fails at once. */
async function retryConnect(
  options: SshOptions,
  logger: Logger,
  open: () => Promise<LiveConnection>,
  state: { closedByUser: boolean },
): Promise<LiveConnection> {
  const attempts = options.connectAttempts ?? 6;
  const backoff = {
    factor: 2,
    jitter: 0.2,
    ...(options.reconnectBackoff ?? { initialMs: 1000, maxMs: 30_000 }),
  };
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await open();
    } catch (error) {
      const permanent =
        error instanceof HostKeyMismatchError ||
        error instanceof HostKeyRevokedError ||
        (error instanceof SshConnectError && error.permanent) ||
        attempt + 1 >= attempts;
      if (permanent || state.closedByUser) throw error;
      const delay = backoffDelay(backoff, attempt);
      logger.warn(
        `SSH connection attempt ${attempt + 1} to ${options.host} failed (${(error as Error).message}); retrying in ${(delay / 1000).toFixed(1)} s.`,
      );
      await sleep(delay);
    }
  }
}

/** ssh2's settings for one endpoint: timeouts, keepalive, and the pinned host key's check. */
function endpointConfig(
  options: SshOptions,
  endpoint: SshEndpoint,
  pin: HostKeyPins | undefined,
  onMismatch: (e: HostKeyMismatchError | HostKeyRevokedError) => void,
): ConnectConfig {
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
      const where = `${endpoint.host}:${endpoint.port ?? 22}`;
      // A revoked key is refused even when it is also pinned (OpenSSH checks revocation first).
      if (pin.revoked.some((k) => k.fingerprint === actual)) {
        onMismatch(new HostKeyRevokedError(where, actual));
        return false;
      }
      if (pin.keys.some((k) => k.fingerprint === actual)) return true;
      const expected = [...new Set(pin.keys.map((k) => k.fingerprint))].join(' or ');
      onMismatch(new HostKeyMismatchError(where, expected, actual));
      return false;
    },
  };
  if (pin) {
    // Ask only for the pinned keys' algorithms, else a server with several host keys may show another.
    const types = [...new Set(pin.keys.map((k) => k.keyType))];
    config.algorithms = {
      serverHostKey: types.flatMap(hostKeyAlgorithmsFor) as NonNullable<
        ConnectConfig['algorithms']
      >['serverHostKey'],
    };
  }
  if (endpoint.privateKey !== undefined) config.privateKey = endpoint.privateKey;
  if (endpoint.passphrase !== undefined) config.passphrase = endpoint.passphrase;
  if (agent) config.agent = agent;
  return config;
}

/** One authenticated client; a host key mismatch rejects with HostKeyMismatchError, never retried. */
function openClient(
  options: SshOptions,
  logger: Logger,
  endpoint: SshEndpoint,
  pin: HostKeyPins | undefined,
  sock?: ClientChannel,
): Promise<Client> {
  return new Promise<Client>((resolve, reject) => {
    const client = new Client();
    let mismatch: HostKeyMismatchError | HostKeyRevokedError | undefined;
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
    const config = endpointConfig(options, endpoint, pin, (e) => {
      mismatch = e;
    });
    if (sock) config.sock = sock;
    client.connect(config);
  });
}

/** A channel from the bastion to the login node, for the real connection to run through. */
function forwardThroughJump(
  options: SshOptions,
  jump: Client,
  jumpHost: SshEndpoint,
): Promise<ClientChannel> {
  return new Promise<ClientChannel>((resolve, reject) =>
    jump.forwardOut('127.0.0.1', 0, options.host, options.port ?? 22, (error, stream) =>
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
    jump.end();
    throw error;
  });
}

function pinnedKeyOf(endpoint: SshEndpoint, logger: Logger): HostKeyPins | undefined {
  if (endpoint.insecureAcceptAnyHostKey) {
    logger.warn(
      `INSECURE: the host key of ${endpoint.host} is NOT verified (insecure-accept-any-host-key). Anyone on the network path can impersonate the cluster and read the credentials sent to it. Use this only for throwaway test clusters.`,
    );
    return undefined;
  }
  if (endpoint.knownHosts) {
    const pins = requireHostKeys(endpoint.knownHosts, endpoint.host, endpoint.port ?? 22);
    if (pins.certAuthorities > 0) {
      logger.warn(
        `known_hosts: ${pins.certAuthorities} @cert-authority line(s) for ${endpoint.host} ignored (host certificates are not supported); the host's own pinned key(s) are checked.`,
      );
    }
    return pins;
  }
  if (!endpoint.knownHostsLine) {
    throw new KnownHostsLineError(
      `No pinned host key was given for ${endpoint.host}.`,
      `Pass the server's known_hosts line (from \`ssh-keyscan -p ${endpoint.port ?? 22} ${endpoint.host}\`, checked against a fingerprint from your admin).`,
    );
  }
  return { keys: [parseKnownHostsLine(endpoint.knownHostsLine)], revoked: [], certAuthorities: 0 };
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
