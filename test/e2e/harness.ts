import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { EMULATOR_INSTALLATION_TOKEN, type GitHubEmulator, startGitHubEmulator } from '../emulators/github';
import { type HubEmulator, startHubEmulator } from '../emulators/hub';
import { createHubDatasetStore, type HubDatasetStore } from '../emulators/hub-datasets';
import { type ClusterConnection, requireCluster } from '../support/cluster';
import { type ActionRun, repoRoot, runBundledAction } from '../support/run-action';
import { sacctJobsOfRun } from '../support/slurm-admin';

export { sacctJobsOfRun };

export const HF_TOKEN = 'hf_e2eTokenForTheEmulator';
export const RESULTS_REPO = 'acme/eval-results';

export interface E2eWorld {
  cluster: ClusterConnection;
  github: GitHubEmulator;
  hub: HubEmulator;
  datasets: HubDatasetStore;
  close(): Promise<void>;
}

/**
 * The bundled action against the real cluster (over its sshd), a GitHub API emulator and a Hub
 * emulator that serves the fixture models, including the checkpoint model of the dispatch payload.
 */
export async function startWorld(): Promise<E2eWorld> {
  const cluster = requireCluster();
  // The tests run what users run: dist/, rebuilt from the sources now.
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  const modelsDir = mkdtempSync(join(tmpdir(), 'e2e-models-'));
  cpSync(join(repoRoot, 'test/fixtures/models'), modelsDir, { recursive: true });
  mkdirSync(join(modelsDir, 'my-org'), { recursive: true });
  cpSync(join(modelsDir, 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B'), join(modelsDir, 'my-org/qwen-7b-grpo'), {
    recursive: true,
  });
  const datasets = createHubDatasetStore({ token: HF_TOKEN });
  const hub = await startHubEmulator({
    modelsDir,
    token: HF_TOKEN,
    extraRoutes: datasets.routes,
    revisions: {
      'my-org/qwen-7b-grpo': ['step-1200'],
      'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B': ['v1.2.0'],
    },
  });
  const github = await startGitHubEmulator();
  return {
    cluster,
    github,
    hub,
    datasets,
    close: async () => {
      await Promise.all([github.close(), hub.close()]);
    },
  };
}

/**
 * Registers the world an e2e file shares: started before its tests, with `writers` holding write
 * permission on the GitHub emulator's repositories, and closed after them. Read it inside tests.
 */
export function useWorld(writers: readonly string[] = []): () => E2eWorld {
  let world: E2eWorld | undefined;
  beforeAll(async () => {
    world = await startWorld();
    for (const login of writers) world.github.setPermission(login, 'write');
  });
  afterAll(async () => {
    await world?.close();
  });
  return () => {
    if (!world) throw new Error('the e2e world is started in beforeAll; use it inside a test');
    return world;
  };
}

export function eventFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/events', `${name}.json`), 'utf8'));
}

let runCounter = 0;

export interface E2eRunOptions {
  eventName: string;
  event: unknown;
  inputs?: Record<string, string>;
  env?: Record<string, string>;
  /** Lines of the config file `.github/model-eval.yml` in the workspace. */
  configFile?: string;
  onStart?: Parameters<typeof runBundledAction>[0]['onStart'];
}

/** Inputs of a workflow that evaluates on the test cluster, simulated (no GPU here). */
export function clusterInputs(world: E2eWorld, remoteDir: string): Record<string, string> {
  return {
    'ssh-host': world.cluster.host,
    'ssh-port': String(world.cluster.port),
    'ssh-user': world.cluster.user,
    'ssh-private-key': readFileSync(world.cluster.privateKeyPath, 'utf8'),
    'ssh-known-hosts': world.cluster.knownHostsLine,
    'github-token': EMULATOR_INSTALLATION_TOKEN,
    'hf-token': HF_TOKEN,
    'gpus-per-node': '8',
    'gpu-memory-gib': '80',
    partition: world.cluster.partition,
    'time-limit': '00:05:00',
    'remote-dir': remoteDir,
    simulate: 'true',
    'setup-node': 'false',
  };
}

export async function runAction(
  world: E2eWorld,
  options: E2eRunOptions & { runId?: string },
): Promise<ActionRun> {
  runCounter += 1;
  const workspace = mkdtempSync(join(tmpdir(), 'e2e-workspace-'));
  if (options.configFile !== undefined) {
    mkdirSync(join(workspace, '.github'), { recursive: true });
    writeFileSync(join(workspace, '.github/model-eval.yml'), options.configFile);
  }
  return runBundledAction({
    eventName: options.eventName,
    event: options.event,
    inputs: options.inputs ?? {},
    env: {
      GITHUB_API_URL: world.github.url,
      HF_ENDPOINT: world.hub.url,
      GITHUB_WORKSPACE: workspace,
      GITHUB_RUN_ID: options.runId ?? `${Date.now()}${runCounter}`,
      MODEL_EVAL_POLL_INTERVAL_MS: '1000',
      ...options.env,
    },
    ...(options.onStart && { onStart: options.onStart }),
  });
}

export function squeueJobsOfRun(runId: string): string[] {
  const out = execFileSync('squeue', ['-h', '-a', '-o', '%i|%j'], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.split('|')[1]?.startsWith(runId))
    .map((line) => line.split('|')[0] ?? '');
}

export function uniqueRemoteDir(world: E2eWorld): string {
  return `${world.cluster.workDir}/e2e-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
}

/** Accounting records a job's end a moment after squeue forgets it: wait for `count` records. */
export async function waitForSacct(runId: string, count: number, timeoutMs = 20_000) {
  const until = Date.now() + timeoutMs;
  let jobs = sacctJobsOfRun(runId);
  while ((jobs.length < count || jobs.some((j) => /PENDING|RUNNING/.test(j.state))) && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    jobs = sacctJobsOfRun(runId);
  }
  return jobs;
}
