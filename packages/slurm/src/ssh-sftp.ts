import type { SFTPWrapper, Stats } from 'ssh2';
import { type OpenFile, readOpenFileBounded, symlinkRefused } from './bounded-read';
import { RemoteCommandError } from './errors';
import { joinRemotePath, type ReadFileOptions, type RemoteFileEntry } from './transport';

/** Reads a whole file over SFTP (no limits: for files we wrote ourselves). */
export function readWholeFile(sftp: SFTPWrapper, path: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) =>
    sftp.readFile(path, (error, data) => (error ? reject(sftpError('read', path, error)) : resolve(data))),
  );
}

/** Entries directly inside `dir`; SFTP's readdir reports links as links (not files). */
export function listViaSftp(sftp: SFTPWrapper, dir: string): Promise<RemoteFileEntry[]> {
  return new Promise<RemoteFileEntry[]>((resolve, reject) =>
    sftp.readdir(dir, (error, list) => {
      if (error) {
        reject(sftpError('list', dir, error));
        return;
      }
      resolve(
        list.map((entry) => ({
          name: entry.filename,
          path: joinRemotePath(dir, entry.filename),
          type: entry.attrs.isFile() ? 'file' : entry.attrs.isDirectory() ? 'directory' : 'other',
          size: entry.attrs.size,
          modifiedMs: entry.attrs.mtime * 1000,
        })),
      );
    }),
  );
}

export function sftpError(what: 'read' | 'list' | 'write', path: string, error: Error): RemoteCommandError {
  return new RemoteCommandError(
    `Could not ${what} ${path} over SFTP: ${error.message}`,
    'Check that the path exists and is accessible to the SSH user (and that sshd enables the sftp subsystem).',
    null,
    '',
    { cause: error },
  );
}

export async function readViaSftp(
  sftp: SFTPWrapper,
  path: string,
  options: ReadFileOptions,
): Promise<Buffer> {
  const call = <T>(start: (callback: (error: Error | undefined | null, value: T) => void) => void) =>
    new Promise<T>((resolve, reject) =>
      start((error, value) => (error ? reject(sftpError('read', path, error)) : resolve(value))),
    );
  // SFTP has no O_NOFOLLOW: lstat the name first, then check the opened file itself (fstat) and read
  // no more than the limit, so a file that grows or is swapped after the lstat still cannot cost more.
  if (options.refuseSymlink) {
    const linkStats = await call<Stats>((cb) => sftp.lstat(path, cb));
    if (linkStats.isSymbolicLink()) throw symlinkRefused(path);
  }
  const handle = await call<Buffer>((cb) => sftp.open(path, 'r', cb));
  try {
    const info = await call<Stats>((cb) => sftp.fstat(handle, cb));
    const file: OpenFile = {
      size: info.size,
      isFile: info.isFile(),
      read: async (length, position) => {
        const buffer = Buffer.alloc(length);
        const bytesRead = await call<number>((cb) =>
          sftp.read(handle, buffer, 0, length, position, (error, n) => cb(error, n)),
        );
        return buffer.subarray(0, bytesRead);
      },
    };
    return await readOpenFileBounded(path, file, options, 32 * 1024);
  } finally {
    await call<void>((cb) => sftp.close(handle, (error) => cb(error, undefined)));
  }
}

export async function writeViaSftp(
  sftp: SFTPWrapper,
  path: string,
  data: Buffer,
  mode: number,
  exclusive: boolean,
): Promise<void> {
  const call = <T>(start: (callback: (error: Error | undefined | null, value: T) => void) => void) =>
    new Promise<T>((resolve, reject) =>
      start((error, value) => (error ? reject(sftpError('write', path, error)) : resolve(value))),
    );
  // Created with `mode`, then chmod in case it existed: a secrets file must never be readable by others.
  // 'wx' is SSH_FXF_CREAT|SSH_FXF_EXCL: refuses an existing file or symlink planted at `path`.
  const handle = await call<Buffer>((cb) => sftp.open(path, exclusive ? 'wx' : 'w', mode, cb));
  try {
    await call<void>((cb) => sftp.fchmod(handle, mode, (error) => cb(error, undefined)));
    const chunk = 32 * 1024;
    for (let offset = 0; offset < data.length; offset += chunk) {
      const length = Math.min(chunk, data.length - offset);
      await call<void>((cb) =>
        sftp.write(handle, data, offset, length, offset, (error) => cb(error, undefined)),
      );
    }
  } finally {
    await call<void>((cb) => sftp.close(handle, (error) => cb(error, undefined)));
  }
}
