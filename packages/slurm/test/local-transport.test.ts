import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLocalTransport, RemoteCommandError } from '../src/index';

describe('createLocalTransport', () => {
  const transport = createLocalTransport();

  it('runs argv without a shell and returns stdout, stderr and the exit code', async () => {
    const result = await transport.exec([
      'sh',
      '-c',
      'printf "%s" "$1"; echo err >&2; exit 3',
      'sh',
      '$(id); `id`',
    ]);
    expect(result).toEqual({ stdout: '$(id); `id`', stderr: 'err\n', exitCode: 3 });
  });

  it('feeds stdin', async () => {
    expect((await transport.exec(['bash', '-s'], { stdin: 'echo from-stdin\n' })).stdout).toBe(
      'from-stdin\n',
    );
  });

  it('kills a command that runs past its timeout', async () => {
    await expect(transport.exec(['sleep', '5'], { timeoutMs: 100 })).rejects.toThrow(RemoteCommandError);
  });

  it('kills a command when aborted', async () => {
    const controller = new AbortController();
    const running = transport.exec(['sleep', '5'], { signal: controller.signal });
    controller.abort(new Error('stop'));
    await expect(running).rejects.toThrow('stop');
  });

  it('writes files with the requested mode even when they existed, reads and lists them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-transport-'));
    const path = join(dir, 'secrets.env');
    await transport.writeFile(path, 'old', { mode: 0o644 });
    await transport.writeFile(path, 'export A=1\n', { mode: 0o600 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect((await transport.readFile(path)).toString()).toBe('export A=1\n');
    await transport.makeDirectory(join(dir, 'a/b'));
    const entries = await transport.listDirectory(dir);
    expect(entries.map((e) => [e.name, e.type]).sort()).toEqual([
      ['a', 'directory'],
      ['secrets.env', 'file'],
    ]);
  });
});
