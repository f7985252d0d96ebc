import { UnsafeRemotePathError } from './errors';
import type { ReadFileOptions } from './transport';

// One place for the rules every transport applies when it reads a file back from the cluster
// (local or over SFTP): no symbolic links, regular files only, and never more than maxBytes in memory
// even when the file grows between the size check and the read.

export function symlinkRefused(path: string): UnsafeRemotePathError {
  return new UnsafeRemotePathError(
    path,
    'symlink',
    `${path} is a symbolic link; it is not followed.`,
    'Results and logs are read only from regular files the job wrote; remove the link.',
  );
}

export function tooLarge(path: string, size: number, maxBytes: number): UnsafeRemotePathError {
  return new UnsafeRemotePathError(
    path,
    'too-large',
    `${path} is ${size} bytes, over the limit of ${maxBytes}; it was not read.`,
    'Raise the collection limit if the file is genuine LightEval output.',
  );
}

/** An open file as a transport sees it: its fstat facts and a positional read. */
export interface OpenFile {
  size: number;
  isFile: boolean;
  /** Reads up to `length` bytes at `position` into a new buffer; 0 bytes read means end of file. */
  read(length: number, position: number): Promise<Buffer>;
}

/** Reads an already opened file under the options' rules, in chunks of `chunkBytes`. */
export async function readOpenFileBounded(
  path: string,
  file: OpenFile,
  options: ReadFileOptions,
  chunkBytes: number,
): Promise<Buffer> {
  if (options.refuseSymlink && !file.isFile) {
    throw new UnsafeRemotePathError(
      path,
      'not-regular',
      `${path} is not a regular file.`,
      'Only regular files are read back from the cluster.',
    );
  }
  if (options.maxBytes !== undefined && file.size > options.maxBytes) {
    throw tooLarge(path, file.size, options.maxBytes);
  }
  // Read at most maxBytes + 1 even if the file grew after fstat, so memory stays bounded.
  const limit = options.maxBytes === undefined ? Number.POSITIVE_INFINITY : options.maxBytes + 1;
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const size = Math.min(chunkBytes, limit - total);
    if (size <= 0) break;
    const chunk = await file.read(size, total);
    if (chunk.length === 0) break;
    chunks.push(chunk);
    total += chunk.length;
  }
  if (options.maxBytes !== undefined && total > options.maxBytes) {
    throw tooLarge(path, total, options.maxBytes);
  }
  return Buffer.concat(chunks);
}
