import { renderBatchScript } from './batch-script';
import { RemoteCommandError, SubmitError } from './errors';
import { type JobSpec, scriptPath } from './job-spec';
import { type SlurmJobState, toJobState } from './job-state';
import { type Logger, stderrLogger } from './logger';
import { makeOwnedDirectory } from './owned-directory';
import { writeSecretsFile } from './secrets-file';
import {
  parseSacctFind,
  parseSbatchParsable,
  parseSqueue,
  SACCT_FIND_FIELDS,
  SQUEUE_FORMAT,
} from './slurm-output';
import type { Transport } from './transport';

export interface SubmittedJob {
  /** The job id (for an array, the array's id: its tasks are `jobId_N`). */
  jobId: string;
  /** Set when sbatch answered `jobid;cluster` (federated or multi-cluster setups). */
  cluster?: string;
  key: string;
  /** True when an earlier submission with the same key was found and reused. */
  reattached: boolean;
}

export interface FoundJob {
  jobId: string;
  /** Aggregate over array tasks. */
  state: SlurmJobState;
  source: 'squeue' | 'sacct';
}

export interface SubmitOptions {
  /** Look for an earlier job with the same key first (default true). Retries after a failure pass false. */
  reattach?: boolean;
  /** How far back accounting is searched for an earlier job with the key. Default 7 days. */
  lookbackHours?: number;
  logger?: Logger;
  /** Timeout for each Slurm command. Default 60 s. */
  commandTimeoutMs?: number;
  /** Earlier jobs already looked up with `findJobsByKeys` (skips the per-job lookup). */
  known?: ReadonlyMap<string, FoundJob>;
}

/**
 * Submits `spec` once. With `reattach` (the default), a job with the same key that is still alive or
 * has succeeded is returned instead, so re-running a workflow never submits twice; a key whose newest
 * job failed is submitted again.
 */
export async function submitJob(
  transport: Transport,
  spec: JobSpec,
  options: SubmitOptions = {},
): Promise<SubmittedJob> {
  const logger = options.logger ?? stderrLogger;
  const timeoutMs = options.commandTimeoutMs ?? 60_000;
  // Render first: an unsafe value is refused before anything touches the cluster.
  const script = renderBatchScript(spec);
  if (options.reattach ?? true) {
    const found = options.known ? options.known.get(spec.key) : await findJobByKey(transport, spec, options);
    if (found && found.state.class !== 'failed') {
      logger.info(
        `Reattaching to job ${found.jobId} (${found.state.state}) for key ${spec.key} instead of submitting again.`,
      );
      return { jobId: found.jobId, key: spec.key, reattached: true };
    }
  }
  // The job directory is ours alone (0700, checked when it exists): the secrets file and the script
  // in it are then safe from co-users on a shared filesystem.
  await makeOwnedDirectory(transport, spec.runDir, { reuse: true });
  await writeSecretsFile(transport, spec);
  const path = scriptPath(spec);
  await transport.writeFile(path, script, { mode: 0o600 });
  const result = await transport.exec(['sbatch', '--parsable', path], { timeoutMs });
  if (result.exitCode !== 0) {
    throw new SubmitError(
      `sbatch refused job ${spec.name}: ${result.stderr.trim() || `exit code ${result.exitCode}`}`,
      sbatchHint(result.stderr, spec),
    );
  }
  const { jobId, cluster } = parseSbatchParsable(result.stdout);
  logger.info(`Submitted job ${jobId} (${spec.name}).`);
  return cluster
    ? { jobId, cluster, key: spec.key, reattached: false }
    : { jobId, key: spec.key, reattached: false };
}

/**
 * The newest job carrying `spec.key`: first among jobs the controller still knows (`squeue --me`, which
 * shows comments), then in accounting over a recent window by name (comments are stored there only
 * with `AccountingStoreFlags=job_comment`, so a blank comment matches on the name alone).
 */
export async function findJobByKey(
  transport: Transport,
  spec: Pick<JobSpec, 'key' | 'name'>,
  options: Pick<SubmitOptions, 'lookbackHours' | 'logger' | 'commandTimeoutMs'> = {},
): Promise<FoundJob | undefined> {
  return (await findJobsByKeys(transport, [spec], options)).get(spec.key);
}

/** `findJobByKey` for many specs with one `squeue` and at most one `sacct`, whatever their number. */
export async function findJobsByKeys(
  transport: Transport,
  specs: ReadonlyArray<Pick<JobSpec, 'key' | 'name'>>,
  options: Pick<SubmitOptions, 'lookbackHours' | 'logger' | 'commandTimeoutMs'> = {},
): Promise<Map<string, FoundJob>> {
  const logger = options.logger ?? stderrLogger;
  const timeoutMs = options.commandTimeoutMs ?? 60_000;
  const found = new Map<string, FoundJob>();
  if (specs.length === 0) return found;
  const squeue = await transport.exec(['squeue', '--me', '-h', '-t', 'all', '-o', SQUEUE_FORMAT], {
    timeoutMs,
  });
  if (squeue.exitCode !== 0) {
    // Not knowing is not "absent": submitting now could double-submit.
    throw new RemoteCommandError(
      `squeue failed while looking for earlier jobs of this run: ${squeue.stderr.trim()}`,
      'The controller may be unreachable; try again when squeue answers.',
      squeue.exitCode,
      squeue.stderr,
    );
  }
  const live = parseSqueue(squeue.stdout);
  for (const spec of specs) {
    const newestLive = newest(groupByJob(live.filter((record) => record.comment === spec.key)));
    if (newestLive)
      found.set(spec.key, { jobId: newestLive[0], state: aggregateStates(newestLive[1]), source: 'squeue' });
  }
  const rest = specs.filter((spec) => !found.has(spec.key));
  if (rest.length === 0) return found;

  const hours = options.lookbackHours ?? 168;
  const names = [...new Set(rest.map((spec) => spec.name))];
  const sacct = await transport.exec(
    [
      'sacct',
      '-X',
      '-P',
      '-n',
      `--name=${names.join(',')}`,
      '-S',
      `now-${hours}hours`,
      '-E',
      'now',
      '-o',
      SACCT_FIND_FIELDS.join(','),
    ],
    { timeoutMs },
  );
  if (sacct.exitCode !== 0) {
    // Without accounting, squeue is all Slurm knows. A failing slurmdbd is another matter: a job that
    // completed and left squeue would look absent, and submitting now would run it twice.
    if (ACCOUNTING_DISABLED.test(sacct.stderr)) {
      logger.debug(`sacct is disabled (${sacct.stderr.trim()}); relying on squeue.`);
      return found;
    }
    throw new RemoteCommandError(
      `sacct failed while looking for earlier jobs of this run: ${sacct.stderr.trim() || `exit ${sacct.exitCode}`}`,
      'Accounting (slurmdbd) did not answer, so an earlier job of this run cannot be ruled out; nothing was submitted. Run again when sacct answers.',
      sacct.exitCode,
      sacct.stderr,
    );
  }
  const past = parseSacctFind(sacct.stdout);
  for (const spec of rest) {
    const matching = past.filter(
      (row) => row.name === spec.name && (row.comment === spec.key || row.comment === ''),
    );
    const newestPast = newest(groupByJob(matching));
    if (newestPast)
      found.set(spec.key, { jobId: newestPast[0], state: aggregateStates(newestPast[1]), source: 'sacct' });
  }
  return found;
}

/** What sacct prints on a cluster without accounting storage (not a failure: there is nothing to ask). */
const ACCOUNTING_DISABLED =
  /accounting storage is disabled|not running a supported accounting_storage plugin/i;

/** The job an id belongs to: `123_4` and `123_[5-9]` are tasks of array job `123`. */
export function baseJobId(jobId: string): string {
  return jobId.replace(/[_+].*$/, '');
}

function groupByJob<T extends { jobId: string; state: string }>(records: T[]): Map<string, SlurmJobState[]> {
  const groups = new Map<string, SlurmJobState[]>();
  for (const record of records) {
    const id = baseJobId(record.jobId);
    const states = groups.get(id) ?? [];
    states.push(toJobState(record));
    groups.set(id, states);
  }
  return groups;
}

function newest(groups: Map<string, SlurmJobState[]>): [string, SlurmJobState[]] | undefined {
  let best: [string, SlurmJobState[]] | undefined;
  for (const entry of groups) {
    if (!best || Number(entry[0]) > Number(best[0])) best = entry;
  }
  return best;
}

/**
 * One state for a job from the states of its array tasks: running while any task runs, succeeded when
 * all did, otherwise the first failure.
 */
export function aggregateStates(states: readonly SlurmJobState[]): SlurmJobState {
  const running =
    states.find((state) => state.class === 'running' && state.state === 'RUNNING') ??
    states.find((state) => state.class === 'running');
  if (running) return running;
  const failed =
    states.find((state) => state.class === 'failed' && !state.retryable) ??
    states.find((state) => state.class === 'failed');
  if (failed) return failed;
  const first = states[0];
  if (!first) throw new Error('aggregateStates needs at least one state');
  return first;
}

function sbatchHint(stderr: string, spec: JobSpec): string {
  // A GRES type no node has is refused as "Requested node configuration is not available" (Slurm 22.05+),
  // which names neither the GPU nor its type.
  if (spec.gpuType !== undefined && /node configuration is not available|gres|generic resource/i.test(stderr))
    return `No node of the partition offers ${spec.gpusPerNode ?? 1} GPUs of GRES type '${spec.gpuType}': \`scontrol show node\` lists each node's Gres=gpu[:TYPE]:N. Set gres-type to the type it names, or leave gres-type unset to ask for any GPU.`;
  if (/invalid partition/i.test(stderr)) return 'Check the partition name (`sinfo -s` lists them).';
  if (/invalid account|association/i.test(stderr))
    return 'Check the account (`sacctmgr show assoc user=$USER`).';
  if (/time limit/i.test(stderr))
    return 'The time limit exceeds the partition’s MaxTime; lower it or pick another partition.';
  if (/gres|generic resource/i.test(stderr))
    return 'The GPU request cannot be met by this partition; check gpus per node and the GPU type.';
  return 'Read sbatch’s message above; the rendered script is in the run directory for inspection.';
}
