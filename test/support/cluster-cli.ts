import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliCaptured } from './cli';
import { type ClusterConnection, requireCluster } from './cluster';
import { repoRoot } from './run-action';

/** A small local model every CLI-on-the-cluster test evaluates (config.json only; the stand-in reads it). */
export const localTestModel = './test/fixtures/models/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B';

export interface RunArgsOptions {
  model?: string;
  remoteDir?: string;
  /** The job's setup line (how a test switches the LightEval stand-in's behaviour). */
  setup?: string;
  benchmarks?: string;
}

/**
 * What a test that drives `model-eval` against the real cluster over SSH needs: the cluster, a local
 * work directory with a known_hosts file pinning the cluster's sshd, the CLI (with HF_TOKEN cleared),
 * and the argv of a simulated `run` on the cluster. `prefix` keeps each file's remote directories apart.
 */
export function clusterCli(prefix: string) {
  const cluster: ClusterConnection = requireCluster();
  const work = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const knownHosts = join(work, 'known_hosts');
  writeFileSync(knownHosts, `${cluster.knownHostsLine}\n`);
  const cli = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
    runCliCaptured(argv, { env: { ...process.env, HF_TOKEN: '', ...env }, cwd: repoRoot });
  const runArgs = (runId: string, options: RunArgsOptions = {}): string[] => [
    'run',
    ...['--model', options.model ?? localTestModel],
    ...['--benchmarks', options.benchmarks ?? 'math_500'],
    ...['--executor', 'slurm', '--simulate'],
    ...['--ssh-host', cluster.host, '--ssh-port', String(cluster.port), '--ssh-user', cluster.user],
    ...['--ssh-key', cluster.privateKeyPath, '--ssh-known-hosts', knownHosts],
    ...['--remote-dir', options.remoteDir ?? `${cluster.workDir}/${prefix}-${runId}`],
    ...['--time', '00:05:00', '--poll-interval', '1'],
    ...['--job-setup', options.setup ?? 'export LIGHTEVAL_STANDIN_SLEEP=1'],
    ...['--run-id', runId],
  ];
  return { cluster, work, knownHosts, cli, runArgs };
}
