import { hostname } from 'node:os';
import { joinRemotePath, type Logger, sleep, type Transport } from '@model-eval/slurm';

export interface RunLockOptions {
  logger: Logger;
  /** Give up waiting for another holder after this long. Default 10 min. */
  waitMs?: number;
  /**
   * A lock older than this is taken as left behind by a runner that died inside the critical section
   * (which only reads the state and runs sbatch: seconds). Default 5 min.
   */
  staleMs?: number;
  pollMs?: number;
  now?: () => number;
  signal?: AbortSignal;
}

export class RunLockTimeoutError extends Error {
  override name = 'RunLockTimeoutError';
  readonly kind = 'environment' as const;
  readonly hint: string;
  constructor(lockPath: string, holder: string) {
    super(`Another runner holds the lock of this run (${lockPath}, ${holder}) and did not release it`);
    this.hint = `If no other runner of this run id is alive, remove ${lockPath} on the cluster and run again.`;
  }
}

/**
 * Runs `critical` holding the run's lock on the cluster: a directory created with `mkdir`, which is
 * atomic on every POSIX file system (NFS and Lustre included), unlike `flock` on some network file
 * systems. Two runs of one id at once (a re-run while the first still runs, two collectors) thus read
 * the state and submit one after the other, never both.
 */
export async function withRunLock<T>(
  transport: Transport,
  runDir: string,
  options: RunLockOptions,
  critical: () => Promise<T>,
): Promise<T> {
  const lockPath = joinRemotePath(runDir, 'state.lock');
  const now = options.now ?? Date.now;
  const deadline = now() + (options.waitMs ?? 600_000);
  const staleMs = options.staleMs ?? 300_000;
  const owner = `${hostname()} pid ${process.pid} since ${new Date(now()).toISOString()}`;
  let told = false;
  // A holder that died between mkdir and writing its name leaves a lock without one: aged from here.
  let ownerlessSince: number | undefined;
  for (;;) {
    const made = await transport.exec(['mkdir', '-m', '700', '--', lockPath]);
    if (made.exitCode === 0) break;
    const holder = await lockHolder(transport, lockPath);
    ownerlessSince = holder ? undefined : (ownerlessSince ?? now());
    const since = holder?.since ?? ownerlessSince ?? now();
    if (now() - since > staleMs) {
      options.logger.warn(
        `Removing a stale run lock (${holder?.text ?? lockPath}): its holder did not finish in time.`,
      );
      await transport.exec(['rm', '-rf', '--', lockPath]);
      continue;
    }
    if (now() > deadline) throw new RunLockTimeoutError(lockPath, holder?.text ?? 'holder unknown');
    if (!told) {
      options.logger.info(
        `Waiting for another runner of this run to finish submitting (${holder?.text ?? lockPath}).`,
      );
      told = true;
    }
    await sleep(options.pollMs ?? 1000, options.signal);
  }
  try {
    await transport.writeFile(joinRemotePath(lockPath, 'owner'), `${now()} ${owner}\n`, { mode: 0o600 });
    return await critical();
  } finally {
    await transport.exec(['rm', '-rf', '--', lockPath]);
  }
}

async function lockHolder(
  transport: Transport,
  lockPath: string,
): Promise<{ since: number; text: string } | undefined> {
  try {
    const line = (await transport.readFile(joinRemotePath(lockPath, 'owner'))).toString('utf8').trim();
    const [since, ...rest] = line.split(' ');
    const at = Number(since);
    return Number.isFinite(at) ? { since: at, text: rest.join(' ') } : undefined;
  } catch {
    // Created but not yet written (or just removed): the holder is seconds old.
    return undefined;
  }
}
