import { connectSsh, createLocalTransport, type Logger } from '@model-eval/slurm';
import { createLocalExecutor, createSlurmExecutor, type Executor } from './executor';
import type { RunSettings } from './run-settings';

/** How to reach the cluster. Secrets (the private key) are held as values, never as command-line words. */
export type ClusterAccess = { executor: 'local' } | { executor: 'slurm'; ssh?: SshAccess };

export interface SshAccess {
  host: string;
  port: number;
  user: string;
  privateKey: string;
  passphrase?: string;
  /** known_hosts text (one or more lines); the line for this host is pinned. */
  knownHosts?: string;
  insecureAcceptAnyHostKey?: boolean;
}

export class HostKeyNotPinnedError extends Error {
  override name = 'HostKeyNotPinnedError';
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/**
 * The known_hosts line for `host`:`port` (OpenSSH writes `[host]:port` for non-22 ports). Hashed
 * entries (`|1|…`) cannot be matched without the salt, so a file of one line is taken as it is.
 */
export function pickKnownHostsLine(knownHosts: string, host: string, port: number): string {
  const lines = knownHosts
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const wanted = port === 22 ? [host, `[${host}]:22`] : [`[${host}]:${port}`];
  const matching = lines.filter((line) =>
    (line.split(/\s+/)[0] ?? '').split(',').some((h) => wanted.includes(h)),
  );
  const [only] = lines;
  if (matching[0]) return matching[0];
  if (lines.length === 1 && only) return only;
  throw new HostKeyNotPinnedError(
    `No known_hosts line pins the host key of ${wanted.join(' or ')} (${lines.length} line(s) given).`,
    `Add the login node's line, e.g. from 'ssh-keyscan -p ${port} ${host}' checked against the fingerprint your admins publish.`,
  );
}

export async function openExecutor(
  access: ClusterAccess,
  settings: Pick<RunSettings, 'pollIntervalMs' | 'pollIntervalCapMs'>,
  logger: Logger,
): Promise<Executor> {
  if (access.executor === 'local') return createLocalExecutor(createLocalTransport(), logger);
  const polling = {
    ...(settings.pollIntervalMs !== undefined && { pollIntervalMs: settings.pollIntervalMs }),
    ...(settings.pollIntervalCapMs !== undefined && { pollIntervalCapMs: settings.pollIntervalCapMs }),
  };
  if (!access.ssh) return createSlurmExecutor(createLocalTransport(), { logger, ...polling });
  const { ssh } = access;
  if (!ssh.knownHosts && !ssh.insecureAcceptAnyHostKey) {
    throw new HostKeyNotPinnedError(
      `Refusing to connect to ${ssh.host}: its SSH host key is not pinned.`,
      "Pass the login node's known_hosts line (input ssh-known-hosts / --ssh-known-hosts). For a throwaway cluster only, insecure-accept-any-host-key.",
    );
  }
  const transport = await connectSsh({
    host: ssh.host,
    port: ssh.port,
    username: ssh.user,
    privateKey: ssh.privateKey,
    ...(ssh.passphrase !== undefined && { passphrase: ssh.passphrase }),
    ...(ssh.knownHosts && { knownHostsLine: pickKnownHostsLine(ssh.knownHosts, ssh.host, ssh.port) }),
    ...(ssh.insecureAcceptAnyHostKey && { insecureAcceptAnyHostKey: true }),
    logger,
  });
  return createSlurmExecutor(transport, { logger, ...polling });
}
