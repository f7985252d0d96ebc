import { randomBytes } from 'node:crypto';
import { applyLimits, type CollectLimits, RESULTS_LIMITS } from './collect-limits';
import { RemoteCommandError, UnsafeRemotePathError } from './errors';
import { type JobSpec, logPaths, secretsPath } from './job-spec';
import { type ListedEntry, listTreeSafely, type SkippedEntry } from './safe-listing';
import type { Transport } from './transport';

export interface CollectedFile {
  path: string;
  modifiedMs: number;
  content: string;
}

export interface CollectedJobFiles {
  /** The newest `results_*.json` of each directory under the output directory (one per task/model). */
  resultFiles: CollectedFile[];
  /** Last lines of the job's stdout and stderr ('' when the file does not exist). */
  stdoutTail: string;
  stderrTail: string;
  /**
   * What was found but not read, and why (symlink, not owned by the account, over a size or count
   * limit). The report must say so: a skipped file is a missing result, not a silent one.
   */
  skipped: SkippedEntry[];
}

export interface CollectOptions {
  /** Lines of each log to return. Default 100. */
  tailLines?: number;
  /** Which files count as results. Default LightEval-style `results_*.json`. */
  resultsFilePattern?: RegExp;
  /** Directories deeper than this under the output directory are not searched. Default 10: results/[openai/]<model name>/ where a model directory's relative path can be several levels. */
  maxDepth?: number;
  /** Delete the secrets file if the job left it behind (killed by a signal). Default true. */
  scrubSecrets?: boolean;
  /** Size and count caps for the results files read. Default `RESULTS_LIMITS`. */
  limits?: Partial<CollectLimits>;
}

/**
 * Reads what a finished job left: its result files and the tails of its logs. For an array job pass a
 * task id (`123_4`) to get that task's logs. The output directory is untrusted (the evaluated model's
 * code wrote it): listed with `listTreeSafely`, capped by `limits`, read without following links.
 */
export async function collectJobFiles(
  transport: Transport,
  spec: JobSpec,
  jobId: string,
  options: CollectOptions = {},
): Promise<CollectedJobFiles> {
  const pattern = options.resultsFilePattern ?? /^results_.*\.json$/;
  const limits = { ...RESULTS_LIMITS, ...options.limits };
  const scrub =
    (options.scrubSecrets ?? true) && spec.secrets && Object.keys(spec.secrets).length > 0
      ? transport.exec(['rm', '-f', '--', secretsPath(spec)])
      : Promise.resolve(undefined);
  const [listing, tails] = await Promise.all([
    listTreeSafely(transport, spec.outputDir ?? spec.runDir, { maxDepth: (options.maxDepth ?? 10) + 1 }),
    // The tail only decorates a missing-results note here: an unreadable log leaves it empty.
    readLogTails(transport, spec, jobId, options.tailLines ?? 100).catch(() => ({
      stdoutTail: '',
      stderrTail: '',
    })),
  ]);
  const newestPerDirectory = new Map<string, ListedEntry>();
  for (const file of listing.entries) {
    if (file.type !== 'file') continue;
    const slash = file.path.lastIndexOf('/');
    if (!pattern.test(file.path.slice(slash + 1))) continue;
    const dir = file.path.slice(0, slash);
    const current = newestPerDirectory.get(dir);
    if (!current || isNewer(file, current)) newestPerDirectory.set(dir, file);
  }
  const candidates = [...newestPerDirectory.values()].sort((a, b) => a.path.localeCompare(b.path));
  const { accepted, skipped: overLimit } = applyLimits(candidates, limits);
  // Every refused entry is reported, not only results files: a link or a foreign file in a job's
  // output is a sign of tampering that the reader of the report should see.
  const skipped = [...listing.skipped, ...overLimit];
  const resultFiles: CollectedFile[] = [];
  for (const file of accepted) {
    try {
      const content = await transport.readFile(file.path, {
        maxBytes: limits.maxFileBytes,
        refuseSymlink: true,
      });
      resultFiles.push({ path: file.path, modifiedMs: file.modifiedMs, content: content.toString('utf8') });
    } catch (error) {
      // Changed between the listing and the read (grew, became a link): skipped, said so.
      if (!(error instanceof UnsafeRemotePathError)) throw error;
      skipped.push({ path: file.path, reason: error.message });
    }
  }
  await scrub;
  return { resultFiles, ...tails, skipped };
}

/** The last `lines` lines of a job's stdout and stderr, read with one command. */
export async function readLogTails(
  transport: Transport,
  spec: JobSpec,
  jobId: string,
  lines: number,
): Promise<{ stdoutTail: string; stderrTail: string }> {
  const paths = logPaths(spec, jobId);
  // A random separator line cannot occur in the logs by accident. A log the job replaced with a
  // symlink (to ~/.ssh/id_ed25519, say) is not read: its tail would land in the PR comment.
  const separator = `--model-eval-${randomBytes(12).toString('hex')}--`;
  const result = await transport.exec([
    'sh',
    '-c',
    'safe_tail() { if [ -f "$2" ] && [ ! -L "$2" ]; then tail -c 1048576 -- "$2" | tail -n "$1"; fi; }; safe_tail "$1" "$2" 2>/dev/null; printf "\\n%s\\n" "$4"; safe_tail "$1" "$3" 2>/dev/null; true',
    'sh',
    String(lines),
    paths.stdout,
    paths.stderr,
    separator,
  ]);
  const at = result.stdout.indexOf(`\n${separator}\n`);
  // A failed or cut-off read is not an empty log (a GPU OOM would then pass for a plain failure).
  if (result.exitCode !== 0 || at < 0) {
    throw new RemoteCommandError(
      `reading the logs of job ${jobId} failed (exit ${result.exitCode}${at < 0 ? ', output cut off' : ''}): ${result.stderr.trim()}`,
      'Usually a dropped connection; the read is retried.',
      result.exitCode,
      result.stderr,
    );
  }
  return {
    stdoutTail: result.stdout.slice(0, at),
    stderrTail: result.stdout.slice(at + separator.length + 2),
  };
}

// LightEval names results by timestamp (results_2025-01-31T12-00-00.000000.json), so the name orders
// them even when clocks or copies disturb modification times; mtime breaks ties for other names.
function isNewer(a: ListedEntry, b: ListedEntry): boolean {
  const nameA = a.path.slice(a.path.lastIndexOf('/') + 1);
  const nameB = b.path.slice(b.path.lastIndexOf('/') + 1);
  if (nameA !== nameB) return nameA > nameB;
  return a.modifiedMs > b.modifiedMs;
}
