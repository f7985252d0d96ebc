import { RemoteCommandError } from './errors';
import type { Transport } from './transport';

/** A regular file or directory under a listed root that passed every check. */
export interface ListedEntry {
  /** Relative to the root, `/`-separated, never empty, absolute, or containing `..`. */
  relativePath: string;
  /** The root joined with `relativePath`. */
  path: string;
  type: 'file' | 'directory';
  size: number;
  modifiedMs: number;
}

/** Something under the root that was not collected, and why (for the report). */
export interface SkippedEntry {
  path: string;
  reason: string;
}

export interface SafeListing {
  /** False when the root does not exist (a job that failed early): nothing to collect, no error. */
  exists: boolean;
  entries: ListedEntry[];
  skipped: SkippedEntry[];
}

/**
 * Lists the tree under `root` without trusting it. The job that wrote it runs the evaluated model's
 * code as the cluster account, and a co-user may have write access somewhere: so `find -P` never
 * follows a symlink (not even `root` itself), symlinks and special files are reported and skipped,
 * and so is anything not owned by the account (`id -u` in the same command). One remote command.
 */
export async function listTreeSafely(
  transport: Transport,
  root: string,
  options: { maxDepth: number },
): Promise<SafeListing> {
  const result = await transport.exec([
    'sh',
    '-c',
    // %y type without following links, %U owner uid, %s size, %T@ mtime, %P path below the root.
    'id -u || exit 70; exec find -P "$1" -maxdepth "$2" -printf "%y\\t%U\\t%s\\t%T@\\t%P\\0"',
    'model-eval-list',
    root,
    String(options.maxDepth),
  ]);
  if (
    result.exitCode !== 0 &&
    /No such file or directory/.test(result.stderr) &&
    result.stdout.indexOf('\0') < 0
  ) {
    return { exists: false, entries: [], skipped: [] };
  }
  const newline = result.stdout.indexOf('\n');
  // find goes on past a directory it cannot read (exit 1): what it listed is usable, and each
  // unreadable directory becomes a note instead of failing the whole collection.
  const unreadable = [...result.stderr.matchAll(/^find: ['‘](.*)['’]: Permission denied$/gm)].map(
    (m) => m[1] ?? '',
  );
  if (result.exitCode === 1 && newline >= 0 && unreadable.length > 0) {
    const me = result.stdout.slice(0, newline).trim();
    const listing = parseListing(
      root,
      me,
      result.stdout
        .slice(newline + 1)
        .split('\0')
        .filter(Boolean),
    );
    listing.skipped.push(
      ...unreadable.map((path) => ({ path, reason: 'not readable by the cluster account' })),
    );
    return listing;
  }
  if (result.exitCode !== 0) {
    throw new RemoteCommandError(
      `Could not list ${root} on the cluster: ${result.stderr.trim() || `exit ${result.exitCode}`}`,
      'Collection needs GNU find (with -printf) on the login node, and read access to the run directory.',
      result.exitCode,
      result.stderr,
    );
  }
  const me = result.stdout.slice(0, newline).trim();
  const records = result.stdout
    .slice(newline + 1)
    .split('\0')
    .filter(Boolean);
  return parseListing(root, me, records);
}

/** Pure part of `listTreeSafely`: turns find's records into checked entries and skip notes. */
export function parseListing(root: string, accountUid: string, records: readonly string[]): SafeListing {
  const base = root.replace(/\/+$/, '') || '/';
  const entries: ListedEntry[] = [];
  const skipped: SkippedEntry[] = [];
  for (const record of records) {
    const [type = '', owner = '', size = '', mtime = '', ...rest] = record.split('\t');
    const relativePath = rest.join('\t');
    const path = relativePath === '' ? base : `${base}/${relativePath}`;
    const skip = (reason: string) => skipped.push({ path, reason });
    if (relativePath === '') {
      if (type !== 'd') {
        skip(
          type === 'l'
            ? 'the directory itself is a symbolic link: nothing under it was read'
            : 'not a directory',
        );
        return { exists: true, entries: [], skipped };
      }
      if (owner !== accountUid) {
        skip(`owned by uid ${owner}, not the cluster account: nothing under it was read`);
        return { exists: true, entries: [], skipped };
      }
      continue;
    }
    const segments = relativePath.split('/');
    if (relativePath.startsWith('/') || segments.some((s) => s === '' || s === '.' || s === '..')) {
      skip('unsafe name');
      continue;
    }
    if (type === 'l') skip('symbolic link (not followed)');
    else if (type !== 'f' && type !== 'd') skip('not a regular file or directory');
    else if (owner !== accountUid) skip(`owned by uid ${owner}, not the cluster account`);
    else
      entries.push({
        relativePath,
        path,
        type: type === 'f' ? 'file' : 'directory',
        size: Number(size),
        modifiedMs: Math.round(Number(mtime) * 1000),
      });
  }
  // A directory we skipped hides everything below it, even if find listed it (it does not descend
  // into links, but an unowned directory's children are listed).
  const refusedDirs = skipped.map((s) => `${s.path}/`);
  return {
    exists: true,
    entries: entries.filter((e) => !refusedDirs.some((dir) => e.path.startsWith(dir))),
    skipped,
  };
}
