import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type SshEndpoint, type SshOptions, silentLogger } from '@model-eval/slurm';
import { z } from 'zod';

/** Written by test/cluster/up.sh: how tests reach the real loopback Slurm cluster. */
export const clusterConnectionSchema = z.object({
  host: z.string(),
  port: z.number().int(),
  user: z.string(),
  /** Private key of `user` (root-readable; tests run as root). */
  privateKeyPath: z.string(),
  /** One OpenSSH known_hosts line pinning sshd's host key, e.g. `[127.0.0.1]:2222 ssh-ed25519 AAAA…`. */
  knownHostsLine: z.string(),
  /** OpenSSH's `SHA256:…` fingerprint of that key. */
  hostKeyFingerprint: z.string(),
  /** Default partition (8 GPU GRES) and the small one with a short MaxTime. */
  partition: z.string(),
  debugPartition: z.string(),
  /** False when the cluster was started without slurmdbd (`sacct` unavailable). */
  accounting: z.boolean(),
  /** Directory holding the LightEval stand-in as `lighteval`, readable by `user`. */
  lightevalBinDir: z.string(),
  /** A directory `user` owns where tests may create run directories. */
  workDir: z.string(),
  /** Id of the job up.sh's self-check ran (finished at bring-up): lets tests see a job older than MinJobAge. */
  selfCheckJobId: z.string().optional(),
  /**
   * The compute nodes: each a slurmd in its own network namespace (and hostname), `address` its
   * only non-loopback IPv4 address, on `networkInterface`; the nodes reach each other over TCP.
   */
  nodes: z.array(z.object({ name: z.string(), address: z.string() })).min(2),
  /** The interface name inside every node (what NCCL_SOCKET_IFNAME / GLOO_SOCKET_IFNAME would name). */
  networkInterface: z.string(),
  /** The controller host's address on the nodes' network (slurmctld, slurmdbd and sshd listen there). */
  controllerAddress: z.string(),
});
export type ClusterConnection = z.infer<typeof clusterConnectionSchema>;

export const clusterConnectionPath = fileURLToPath(
  new URL('../cluster/.state/connection.json', import.meta.url),
);

/**
 * The cluster's connection details. Integration tests call this first: when the cluster is not up,
 * it throws (the test fails loudly) rather than skipping, so a missing cluster never passes as green.
 */
export function requireCluster(): ClusterConnection {
  if (!existsSync(clusterConnectionPath)) {
    throw new Error(
      `The test cluster is not up: ${clusterConnectionPath} is missing. Start it with 'sudo bash test/cluster/up.sh' (Debian/Ubuntu, root).`,
    );
  }
  return clusterConnectionSchema.parse(JSON.parse(readFileSync(clusterConnectionPath, 'utf8')));
}

/** The test cluster's login as one SSH endpoint (also a jump host): its user, its host key pinned. */
export function clusterSshEndpoint(cluster: ClusterConnection): SshEndpoint {
  return {
    host: cluster.host,
    port: cluster.port,
    username: cluster.user,
    privateKey: readFileSync(cluster.privateKeyPath),
    knownHostsLine: cluster.knownHostsLine,
    agent: false,
  };
}

/** ssh2 options that log in to the test cluster as its user, with its host key pinned. */
export function clusterSshOptions(cluster: ClusterConnection): SshOptions {
  return { ...clusterSshEndpoint(cluster), logger: silentLogger };
}

/**
 * OpenSSH's argv for `remoteCommand` as the cluster user, the host key checked strictly against
 * `knownHosts` (default: the pinned key the cluster wrote beside the user's private key).
 */
export function clusterSshArgs(
  cluster: ClusterConnection,
  remoteCommand: string,
  knownHosts = cluster.privateKeyPath.replace(/[^/]+$/, 'known_hosts'),
): string[] {
  return [
    '-i',
    cluster.privateKeyPath,
    '-p',
    String(cluster.port),
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    `${cluster.user}@${cluster.host}`,
    remoteCommand,
  ];
}
