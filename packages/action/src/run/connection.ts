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
  /** known_hosts text (one or more lines); the entries for this host and port are pinned. */
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
    // Read as OpenSSH reads it: this host's entries (hashed too), several keys, @revoked refused.
    ...(ssh.knownHosts && { knownHosts: ssh.knownHosts }),
    ...(ssh.insecureAcceptAnyHostKey && { insecureAcceptAnyHostKey: true }),
    logger,
  });
  return createSlurmExecutor(transport, { logger, ...polling });
}
