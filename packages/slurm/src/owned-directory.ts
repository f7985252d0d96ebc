import { RemoteCommandError, UnsafeRemotePathError, type UnsafeRemotePathReason } from './errors';
import type { Transport } from './transport';

export interface OwnedDirectoryOptions {
  /**
   * Accept a directory that already exists if it is ours: owned by the account, a real directory (not
   * a symlink), mode exactly 0700. For reattaching to a run; a fresh run must not reuse anything.
   */
  reuse?: boolean;
}

export interface OwnedDirectory {
  path: string;
  /** False when `reuse` accepted an existing directory. */
  created: boolean;
}

/**
 * Creates `path` (and any missing parents) as a directory only the cluster account can enter, or
 * refuses. On a shared filesystem a co-user can pre-create a predictable run directory world-writable
 * and swap the secrets file while the job queues; `mkdir -p -m 700` neither fails nor fixes the mode
 * then. So: `mkdir` (no -p) must create the directory itself, and no existing parent may be
 * group/other-writable unless it is sticky (like /tmp: others may add entries there but cannot rename
 * or remove ours), else a co-user could rename our directory away and put theirs in its place.
 *
 * One remote command, the same on SSH and local transports; `stat -c` is GNU coreutils (every Linux
 * cluster).
 */
export async function makeOwnedDirectory(
  transport: Transport,
  path: string,
  options: OwnedDirectoryOptions = {},
): Promise<OwnedDirectory> {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (!path.startsWith('/') || path.split('/').includes('..') || /[\u0000-\u001f\u007f]/.test(path)) {
    throw new UnsafeRemotePathError(
      path,
      'not-a-directory',
      `The remote directory ${JSON.stringify(path)} must be an absolute path without ".." or control characters.`,
      'Give remote-dir as an absolute path on the cluster, e.g. /scratch/$USER/model-eval.',
    );
  }
  const result = await transport.exec([
    'sh',
    '-c',
    OWNED_DIRECTORY_SCRIPT,
    'model-eval-owned-dir',
    path,
    options.reuse ? 'reuse' : 'fresh',
  ]);
  const verdict = /^model-eval-owned-dir: (\S+)(?: (.*))?$/m.exec(result.stdout);
  if (result.exitCode === 0 && verdict?.[1] === 'created') return { path, created: true };
  if (result.exitCode === 0 && verdict?.[1] === 'reused') return { path, created: false };
  const reason = verdict?.[1];
  if (reason && isReason(reason)) throw refusal(path, reason, verdict?.[2] ?? '');
  throw new RemoteCommandError(
    `Could not create the directory ${path}: ${result.stderr.trim() || `exit ${result.exitCode}`}`,
    'Check that the parent directory exists or can be created by the cluster account.',
    result.exitCode,
    result.stderr,
  );
}

/**
 * An absolute form of a remote directory given relative to the cluster account's home (the action's
 * default `remote-dir: model-eval`, or a CLI default), resolved on the cluster itself: the runner's
 * own working directory means nothing there. Absolute paths come back unchanged.
 */
export async function resolveRemoteDirectory(transport: Transport, path: string): Promise<string> {
  if (path.startsWith('/')) return path;
  const result = await transport.exec(['sh', '-c', 'cd && pwd -P']);
  const home = result.stdout.trim();
  if (result.exitCode !== 0 || !home.startsWith('/')) {
    throw new RemoteCommandError(
      `Could not find the cluster account's home directory to place ${path} in: ${result.stderr.trim() || `exit ${result.exitCode}`}`,
      'Give remote-dir as an absolute path on the cluster.',
      result.exitCode,
      result.stderr,
    );
  }
  const relative = path.replace(/^\.\/+/, '').replace(/\/+$/, '');
  return relative === '' || relative === '.' ? home : `${home}/${relative}`;
}

// $1 = path, $2 = fresh|reuse. Prints one verdict line; exit 0 only for created/reused.
// `stat -c '%u %a %F'` does not follow symlinks (no -L), so a planted link is seen as a link.
const OWNED_DIRECTORY_SCRIPT = `
set -u
target=$1
mode=$2
me=$(id -u) || exit 70
verdict() { printf 'model-eval-owned-dir: %s\\n' "$*"; }
check_parent() {
  set -- $(stat -c '%u %a' -- "$1") "$1"
  owner=$1; perm=$2; dir=$3
  case $perm in ????) sticky=$(( (0$perm >> 9) & 1 )); perm=$(( 0$perm & 0777 )) ;; *) sticky=0; perm=$(( 0$perm )) ;; esac
  loose=$(( perm & 022 ))
  if [ -L "$dir" ]; then verdict symlink "$dir"; exit 1; fi
  if [ "$loose" -ne 0 ] && [ "$sticky" -eq 0 ]; then verdict writable-parent "$dir" "$owner" "$(printf %o "$perm")"; exit 1; fi
}
# Missing parents are created one by one with mode 0700; each existing one is checked.
parent=$(dirname -- "$target")
missing=
p=$parent
while [ ! -e "$p" ] && [ ! -L "$p" ]; do missing="$p
$missing"; p=$(dirname -- "$p"); done
q=$p
while :; do check_parent "$q"; [ "$q" = / ] && break; q=$(dirname -- "$q"); done
printf '%s' "$missing" | while IFS= read -r m; do
  [ -n "$m" ] || continue
  mkdir -m 700 -- "$m" 2>/dev/null || { check_parent "$m"; }
done || exit 1
if mkdir -m 700 -- "$target" 2>/dev/null; then verdict created; exit 0; fi
if [ -L "$target" ]; then verdict symlink "$target"; exit 1; fi
if [ ! -e "$target" ]; then echo "mkdir failed for $target" >&2; exit 71; fi
if [ ! -d "$target" ]; then verdict not-a-directory "$target"; exit 1; fi
set -- $(stat -c '%u %a' -- "$target")
if [ "$mode" != reuse ]; then verdict exists "$target" "$1" "$2"; exit 1; fi
if [ "$1" != "$me" ]; then verdict not-owned "$target" "$1" "$2"; exit 1; fi
if [ "$2" != 700 ]; then verdict loose-mode "$target" "$1" "$2"; exit 1; fi
verdict reused
`;

const REASONS: readonly UnsafeRemotePathReason[] = [
  'exists',
  'not-owned',
  'loose-mode',
  'writable-parent',
  'not-a-directory',
  'symlink',
];

function isReason(value: string): value is UnsafeRemotePathReason {
  return (REASONS as readonly string[]).includes(value);
}

function refusal(path: string, reason: UnsafeRemotePathReason, detail: string): UnsafeRemotePathError {
  const [where = path, owner, mode] = detail.split(' ');
  const who = owner === undefined ? '' : ` (owner uid ${owner}, mode ${mode})`;
  switch (reason) {
    case 'exists':
      return new UnsafeRemotePathError(
        path,
        reason,
        `The run directory ${where} already exists${who}; a fresh run only uses a directory it created itself.`,
        'Someone (maybe another user on the cluster) created it first. Inspect and remove it, or use a remote-dir only the cluster account can write (mode 0700).',
      );
    case 'not-owned':
      return new UnsafeRemotePathError(
        path,
        reason,
        `The directory ${where} is not owned by the cluster account${who}; nothing in it is read or run.`,
        'Another user created it. Ask them or your admin to remove it; do not reuse it.',
      );
    case 'loose-mode':
      return new UnsafeRemotePathError(
        path,
        reason,
        `The directory ${where} has mode ${mode}, not 0700; others could have changed the files in it, so it is not reused.`,
        'Check the files in it, then `chmod 700` it if you trust them, or start a new run.',
      );
    case 'writable-parent':
      return new UnsafeRemotePathError(
        path,
        reason,
        `The parent directory ${where}${who} can be written by other users, who could replace the run directory.`,
        'Use a remote-dir whose parents only the cluster account can write (e.g. chmod go-w, or a directory under the account’s home or scratch space).',
      );
    case 'symlink':
      return new UnsafeRemotePathError(
        path,
        reason,
        `${where} is a symbolic link; run directories are never reached through links.`,
        'Remove the link (someone may have planted it) or point remote-dir at the real directory.',
      );
    default:
      return new UnsafeRemotePathError(
        path,
        reason,
        `${where} exists and is not a directory.`,
        'Remove it or choose another remote-dir.',
      );
  }
}
