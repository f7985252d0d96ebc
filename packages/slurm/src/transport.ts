/**
 * How the package reaches a cluster: run a command, move files. Everything above this interface is
 * the same whether the runner talks SSH to a login node or sits on one (local child processes).
 */
export interface Transport {
  /** `ssh` or `local`; for logs only. */
  readonly kind: 'ssh' | 'local';
  /**
   * Runs `argv` (never through a local shell; over SSH the words are quoted for the remote login
   * shell). A non-zero exit is an answer, not an error: it is returned. Rejects only when the command
   * could not run or be waited for (connection lost, timeout, aborted).
   */
  exec(argv: readonly string[], options?: ExecOptions): Promise<CommandResult>;
  /**
   * Reads a whole file. With `maxBytes`, a file larger than that rejects with
   * `UnsafeRemotePathError` ('too-large') before it is read; with `refuseSymlink`, a symlink or
   * anything that is not a regular file rejects ('symlink' / 'not-regular') instead of being followed.
   */
  readFile(path: string, options?: ReadFileOptions): Promise<Buffer>;
  /**
   * Creates or replaces `path` with `mode` applied before any content is written. With `exclusive`
   * the call fails if `path` exists in any form (O_EXCL), so a file planted there is never reused.
   */
  writeFile(path: string, data: string | Buffer, options?: WriteFileOptions): Promise<void>;
  /** Entries directly inside `dir` (not recursive); missing `dir` rejects. */
  listDirectory(dir: string): Promise<RemoteFileEntry[]>;
  /** Creates `dir` and its parents; an existing directory is fine. */
  makeDirectory(dir: string, options?: { mode?: number }): Promise<void>;
  /** Releases the connection; further calls reject. */
  close(): Promise<void>;
}

export interface ReadFileOptions {
  maxBytes?: number;
  refuseSymlink?: boolean;
}

export interface WriteFileOptions {
  mode?: number;
  exclusive?: boolean;
}

export interface ExecOptions {
  /** Written to the command's standard input, then closed (e.g. a script for `bash -s`). */
  stdin?: string | Buffer;
  /** Kills the command after this long and rejects with a timeout error. */
  timeoutMs?: number;
  /** Aborting kills the command and rejects. */
  signal?: AbortSignal;
}

export interface CommandResult {
  stdout: string;
  stderr: string;
  /** Null when the command died from a signal. */
  exitCode: number | null;
}

export interface RemoteFileEntry {
  name: string;
  /** `dir` joined with `name`. */
  path: string;
  type: 'file' | 'directory' | 'other';
  size: number;
  /** Modification time, milliseconds since the epoch. */
  modifiedMs: number;
}

/** Joins remote POSIX paths without touching the local platform's separator rules. */
export function joinRemotePath(dir: string, name: string): string {
  return dir.endsWith('/') ? `${dir}${name}` : `${dir}/${name}`;
}
