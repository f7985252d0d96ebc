import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir } from 'node:fs/promises';
import { type OpenFile, readOpenFileBounded, symlinkRefused } from './bounded-read';
import { scrubbedEnvironment } from './environment';
import { RemoteCommandError } from './errors';
import {
  type CommandResult,
  type ExecOptions,
  joinRemotePath,
  type ReadFileOptions,
  type RemoteFileEntry,
  type Transport,
} from './transport';

/**
 * Runs Slurm commands as child processes of this one: for runners that sit on a login node, and for
 * the embedded local default. `argv` goes to `spawn` directly, so no local shell ever parses it.
 */
export function createLocalTransport(): Transport {
  let closed = false;
  const assertOpen = () => {
    if (closed) throw new Error('The local transport was closed.');
  };
  return {
    kind: 'local',
    exec(argv, options) {
      assertOpen();
      return runChild(argv, options ?? {});
    },
    async readFile(path, options) {
      assertOpen();
      return readLocalFile(path, options ?? {});
    },
    async writeFile(path, data, options) {
      assertOpen();
      // Open with the mode so a secrets file is never briefly world-readable, and chmod in case it
      // already existed with a looser mode (open's mode applies only on creation). `wx` is O_EXCL:
      // it refuses an existing file and a symlink alike.
      const mode = options?.mode ?? 0o644;
      const handle = await open(path, options?.exclusive ? 'wx' : 'w', mode);
      try {
        await handle.chmod(mode);
        await handle.writeFile(data);
      } finally {
        await handle.close();
      }
    },
    async listDirectory(dir) {
      assertOpen();
      const names = await readdir(dir);
      const entries: RemoteFileEntry[] = [];
      for (const name of names) {
        const path = joinRemotePath(dir, name);
        // lstat, as SFTP's readdir does: a symlink is 'other', never the thing it points at.
        const info = await lstat(path).catch(() => undefined);
        if (!info) continue; // removed between readdir and stat
        entries.push({
          name,
          path,
          type: info.isFile() ? 'file' : info.isDirectory() ? 'directory' : 'other',
          size: info.size,
          modifiedMs: info.mtimeMs,
        });
      }
      return entries;
    },
    async makeDirectory(dir, options) {
      assertOpen();
      await mkdir(dir, { recursive: true, mode: options?.mode ?? 0o755 });
    },
    async close() {
      closed = true;
    },
  };
}

function runChild(argv: readonly string[], options: ExecOptions): Promise<CommandResult> {
  const [command, ...args] = argv;
  if (command === undefined) return Promise.reject(new Error('exec needs at least a command name.'));
  return new Promise((resolve, reject) => {
    // Never the runner's own environment: it holds the action's secrets (see environment.ts).
    const child = spawn(command, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: scrubbedEnvironment(process.env),
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            child.kill('SIGKILL');
            finish(() => reject(timeoutError(argv, options.timeoutMs ?? 0)));
          }, options.timeoutMs);
    const onAbort = () => {
      child.kill('SIGKILL');
      finish(() => reject(options.signal?.reason ?? new Error('aborted')));
    };
    if (options.signal?.aborted) {
      onAbort();
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', (error) =>
      finish(() =>
        reject(
          new RemoteCommandError(
            `Could not start ${command}: ${error.message}`,
            `Check that ${command} is installed and on PATH for the user running the action.`,
            null,
            '',
            { cause: error },
          ),
        ),
      ),
    );
    child.on('close', (code) =>
      finish(() =>
        resolve({
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
          exitCode: code,
        }),
      ),
    );
    // A command that never reads stdin closes the pipe early; that is not our failure.
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
  });
}

async function readLocalFile(path: string, options: ReadFileOptions): Promise<Buffer> {
  // O_NOFOLLOW makes open fail on a symlink, so what we check (fstat of the open file) is what we read.
  const flags = constants.O_RDONLY | (options.refuseSymlink ? constants.O_NOFOLLOW : 0);
  const handle = await open(path, flags).catch((error: NodeJS.ErrnoException) => {
    if (options.refuseSymlink && error.code === 'ELOOP') throw symlinkRefused(path);
    throw error;
  });
  try {
    const info = await handle.stat();
    const file: OpenFile = {
      size: info.size,
      isFile: info.isFile(),
      read: async (length, position) => {
        const { bytesRead, buffer } = await handle.read(Buffer.alloc(length), 0, length, position);
        return buffer.subarray(0, bytesRead);
      },
    };
    return await readOpenFileBounded(path, file, options, 1 << 20);
  } finally {
    await handle.close();
  }
}

export function timeoutError(argv: readonly string[], timeoutMs: number, host?: string): RemoteCommandError {
  return new RemoteCommandError(
    `${argv[0] ?? 'command'}${host ? ` on ${host}` : ''} did not finish within ${Math.round(timeoutMs / 1000)} s.`,
    'The cluster may be overloaded or the controller unreachable; the call is retried where that is safe.',
    null,
    '',
  );
}
