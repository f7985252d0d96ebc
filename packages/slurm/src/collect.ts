import { randomBytes } from 'node:crypto';
import { type JobSpec, logPaths, secretsPath } from './job-spec';
import type { RemoteFileEntry, Transport } from './transport';

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
}

export interface CollectOptions {
  /** Lines of each log to return. Default 100. */
  tailLines?: number;
  /** Which files count as results. Default LightEval-style `results_*.json`. */
  resultsFilePattern?: RegExp;
  /** Directories deeper than this under the output directory are not searched. Default 6. */
  maxDepth?: number;
  /** Delete the secrets file if the job left it behind (killed by a signal). Default true. */
  scrubSecrets?: boolean;
}

/**
 * Reads what a finished job left: its result files and the tails of its logs. For an array job pass a
 * task id (`123_4`) to get that task's logs.
 */
export async function collectJobFiles(
  transport: Transport,
  spec: JobSpec,
  jobId: string,
  options: CollectOptions = {},
): Promise<CollectedJobFiles> {
  const pattern = options.resultsFilePattern ?? /^results_.*\.json$/;
  const scrub =
    (options.scrubSecrets ?? true) && spec.secrets && Object.keys(spec.secrets).length > 0
      ? transport.exec(['rm', '-f', '--', secretsPath(spec)])
      : Promise.resolve(undefined);
  const [files, tails] = await Promise.all([
    findFiles(transport, spec.outputDir ?? spec.runDir, pattern, options.maxDepth ?? 6),
    readLogTails(transport, spec, jobId, options.tailLines ?? 100),
  ]);
  const newestPerDirectory = new Map<string, RemoteFileEntry>();
  for (const file of files) {
    const dir = file.path.slice(0, file.path.lastIndexOf('/'));
    const current = newestPerDirectory.get(dir);
    if (!current || isNewer(file, current)) newestPerDirectory.set(dir, file);
  }
  const resultFiles = await Promise.all(
    [...newestPerDirectory.values()]
      .sort((a, b) => a.path.localeCompare(b.path))
      .map(async (file) => ({
        path: file.path,
        modifiedMs: file.modifiedMs,
        content: (await transport.readFile(file.path)).toString('utf8'),
      })),
  );
  await scrub;
  return { resultFiles, ...tails };
}

/** The last `lines` lines of a job's stdout and stderr, read with one command. */
export async function readLogTails(
  transport: Transport,
  spec: JobSpec,
  jobId: string,
  lines: number,
): Promise<{ stdoutTail: string; stderrTail: string }> {
  const paths = logPaths(spec, jobId);
  // A random separator line cannot occur in the logs by accident.
  const separator = `--model-eval-${randomBytes(12).toString('hex')}--`;
  const result = await transport.exec([
    'sh',
    '-c',
    'tail -n "$1" -- "$2" 2>/dev/null; printf "\\n%s\\n" "$4"; tail -n "$1" -- "$3" 2>/dev/null; true',
    'sh',
    String(lines),
    paths.stdout,
    paths.stderr,
    separator,
  ]);
  const at = result.stdout.indexOf(`\n${separator}\n`);
  if (result.exitCode !== 0 || at < 0) return { stdoutTail: '', stderrTail: '' };
  return {
    stdoutTail: result.stdout.slice(0, at),
    stderrTail: result.stdout.slice(at + separator.length + 2),
  };
}

// LightEval names results by timestamp (results_2025-01-31T12-00-00.000000.json), so the name orders
// them even when clocks or copies disturb modification times; mtime breaks ties for other names.
function isNewer(a: RemoteFileEntry, b: RemoteFileEntry): boolean {
  if (a.name !== b.name) return a.name > b.name;
  return a.modifiedMs > b.modifiedMs;
}

async function findFiles(
  transport: Transport,
  dir: string,
  pattern: RegExp,
  maxDepth: number,
): Promise<RemoteFileEntry[]> {
  // One `find` instead of a directory listing per level; GNU find's -printf is on every Linux cluster,
  // and where it is not, the SFTP walk below gives the same answer.
  const listing = await transport
    .exec(['find', dir, '-maxdepth', String(maxDepth + 1), '-type', 'f', '-printf', '%T@\\t%s\\t%p\\0'])
    .catch(() => undefined);
  if (listing && listing.exitCode === 0) {
    return listing.stdout
      .split('\0')
      .filter(Boolean)
      .flatMap((line) => {
        const [mtime = '', size = '', ...rest] = line.split('\t');
        const path = rest.join('\t');
        const name = path.slice(path.lastIndexOf('/') + 1);
        if (!pattern.test(name)) return [];
        return [
          {
            name,
            path,
            type: 'file' as const,
            size: Number(size),
            modifiedMs: Math.round(Number(mtime) * 1000),
          },
        ];
      });
  }
  if (listing && /No such file or directory/.test(listing.stderr)) return [];
  return walkFiles(transport, dir, pattern, maxDepth);
}

async function walkFiles(
  transport: Transport,
  dir: string,
  pattern: RegExp,
  maxDepth: number,
): Promise<RemoteFileEntry[]> {
  const found: RemoteFileEntry[] = [];
  const walk = async (current: string, depth: number): Promise<void> => {
    let entries: RemoteFileEntry[];
    try {
      entries = await transport.listDirectory(current);
    } catch {
      // A job that failed early may not have created its output directory: nothing to collect.
      return;
    }
    const subdirectories: Promise<void>[] = [];
    for (const entry of entries) {
      if (entry.type === 'file' && pattern.test(entry.name)) found.push(entry);
      else if (entry.type === 'directory' && depth < maxDepth)
        subdirectories.push(walk(entry.path, depth + 1));
    }
    await Promise.all(subdirectories);
  };
  await walk(dir, 0);
  return found;
}
