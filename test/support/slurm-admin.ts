import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * What a cluster admin does to the real test cluster, for tests of how a run behaves through it:
 * stop and start accounting (slurmdbd), and shorten how long finished jobs stay in squeue.
 * Root only, like the cluster itself; every change is undone by the caller's `finally`.
 */
const common = fileURLToPath(new URL('../cluster/common.sh', import.meta.url));
const pidFile = fileURLToPath(new URL('../cluster/.state/pids/slurmdbd.pid', import.meta.url));
const SLURM_CONF = '/etc/slurm/slurm.conf';

export function stopAccounting(): void {
  const [pid] = readFileSync(pidFile, 'utf8').trim().split(/\s+/);
  execFileSync('kill', ['-TERM', String(pid)]);
  waitUntil('slurmdbd stopped', 30_000, () => !alive(Number(pid)));
}

/** Starts slurmdbd the way up.sh does (same log, same pid file), and waits until it answers. */
export function startAccounting(): void {
  execFileSync(
    'bash',
    [
      '-c',
      `source ${JSON.stringify(common)}; start_daemon slurmdbd /usr/sbin/slurmdbd -D; wait_for "slurmdbd answers" 60 sacctmgr -n list cluster`,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

/** Runs `body` with MinJobAge at `seconds`, so finished jobs leave squeue within a minute. */
export async function withMinJobAge<T>(seconds: number, body: () => Promise<T>): Promise<T> {
  const original = readFileSync(SLURM_CONF, 'utf8');
  if (!/^MinJobAge=\d+$/m.test(original)) throw new Error(`${SLURM_CONF} sets no MinJobAge line`);
  writeFileSync(SLURM_CONF, original.replace(/^MinJobAge=\d+$/m, `MinJobAge=${seconds}`));
  execFileSync('scontrol', ['reconfigure']);
  try {
    return await body();
  } finally {
    writeFileSync(SLURM_CONF, original);
    execFileSync('scontrol', ['reconfigure']);
  }
}

/** True while squeue (the controller) still knows the job; squeue refuses the id once it is purged. */
export function inSqueue(jobId: string): boolean {
  const result = spawnSync('squeue', ['-h', '-t', 'all', '-j', jobId, '-o', '%i'], { encoding: 'utf8' });
  if (result.status !== 0 && /invalid job id/i.test(result.stderr)) return false;
  if (result.status !== 0) throw new Error(`squeue failed: ${result.stderr.trim()}`);
  return result.stdout.trim() !== '';
}

/** Slurm jobs whose name (= idempotency key) starts with the run's id, as accounting sees them. */
export function sacctJobsOfRun(runId: string): { id: string; name: string; state: string }[] {
  const out = execFileSync(
    'sacct',
    ['-X', '-P', '-n', '-a', '-S', 'now-1hour', '-o', 'JobID,JobName%200,State'],
    {
      encoding: 'utf8',
    },
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', name = '', state = ''] = line.split('|');
      return { id, name, state };
    })
    .filter((job) => job.name.startsWith(runId));
}

/** Jobs accounting knows by this name prefix (the run id), oldest first. */
export const sacctJobsNamed = sacctJobsOfRun;

export async function waitUntilAsync(what: string, timeoutMs: number, check: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function waitUntil(what: string, timeoutMs: number, check: () => boolean): void {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    execFileSync('sleep', ['0.2']);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
