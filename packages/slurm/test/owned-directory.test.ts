import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createLocalTransport,
  makeOwnedDirectory,
  resolveRemoteDirectory,
  UnsafeRemotePathError,
  writeSecretsFile,
} from '../src/index';

// Runs the real script through the real shell and filesystem. A "co-user" is simulated by chown to
// another uid (the tests run as root, as the cluster tests do).
const transport = createLocalTransport();
const base = () => {
  const dir = mkdtempSync(join(tmpdir(), 'owned-'));
  chmodSync(dir, 0o700);
  return dir;
};
const CO_USER_UID = 4242;

async function refusal(path: string, reuse = false): Promise<UnsafeRemotePathError> {
  const error = await makeOwnedDirectory(transport, path, { reuse }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UnsafeRemotePathError);
  return error as UnsafeRemotePathError;
}

describe('makeOwnedDirectory', () => {
  it('creates the directory and its missing parents with mode 0700', async () => {
    const path = join(base(), 'a', 'b', 'run');
    expect(await makeOwnedDirectory(transport, path)).toEqual({ path, created: true });
    expect(lstatSync(path).mode & 0o777).toBe(0o700);
    expect(lstatSync(join(path, '..')).mode & 0o777).toBe(0o700);
  });

  it('refuses a directory that already exists, even an owned 0700 one, for a fresh run', async () => {
    const path = join(base(), 'run');
    mkdirSync(path, { mode: 0o700 });
    const error = await refusal(path);
    expect(error.reason).toBe('exists');
    expect(error.message).toContain('already exists');
  });

  it('refuses a world-writable directory a co-user pre-created, also when reattaching', async () => {
    const path = join(base(), 'run');
    mkdirSync(path);
    chmodSync(path, 0o777);
    chownSync(path, CO_USER_UID, CO_USER_UID);
    expect((await refusal(path)).reason).toBe('exists');
    const error = await refusal(path, true);
    expect(error.reason).toBe('not-owned');
    expect(error.message).toContain(`uid ${CO_USER_UID}`);
    expect(error.hint).toMatch(/another user/i);
  });

  it('reattaches to its own 0700 directory, but not to one whose mode was loosened', async () => {
    const path = join(base(), 'run');
    await makeOwnedDirectory(transport, path);
    expect(await makeOwnedDirectory(transport, path, { reuse: true })).toEqual({ path, created: false });
    chmodSync(path, 0o770);
    expect((await refusal(path, true)).reason).toBe('loose-mode');
  });

  it('refuses a symlink at the path instead of following it', async () => {
    const root = base();
    mkdirSync(join(root, 'elsewhere'), { mode: 0o700 });
    symlinkSync(join(root, 'elsewhere'), join(root, 'run'));
    expect((await refusal(join(root, 'run'), true)).reason).toBe('symlink');
  });

  it('refuses a group/other-writable parent the account owns, and a non-sticky one of another user', async () => {
    const root = base();
    chmodSync(root, 0o770);
    expect((await refusal(join(root, 'run'))).reason).toBe('writable-parent');
    const shared = join(base(), 'shared');
    mkdirSync(shared);
    chownSync(shared, CO_USER_UID, CO_USER_UID);
    chmodSync(shared, 0o777);
    expect((await refusal(join(shared, 'run'))).reason).toBe('writable-parent');
  });

  it('accepts a sticky world-writable parent of another user (like /tmp)', async () => {
    const shared = join(base(), 'scratch');
    mkdirSync(shared);
    chownSync(shared, CO_USER_UID, CO_USER_UID);
    chmodSync(shared, 0o1777);
    const path = join(shared, 'run');
    expect((await makeOwnedDirectory(transport, path)).created).toBe(true);
  });

  it('refuses relative paths and ".."', async () => {
    expect((await refusal('work/run')).reason).toBe('not-a-directory');
    expect((await refusal('/tmp/../etc/run')).reason).toBe('not-a-directory');
    expect((await refusal('/tmp/a\n/run')).reason).toBe('not-a-directory');
  });
});

describe('resolveRemoteDirectory', () => {
  it('places a relative remote dir under the account’s home on the cluster, not the runner’s cwd', async () => {
    const home = (await transport.exec(['sh', '-c', 'cd && pwd -P'])).stdout.trim();
    expect(await resolveRemoteDirectory(transport, 'model-eval')).toBe(`${home}/model-eval`);
    expect(await resolveRemoteDirectory(transport, './runs/')).toBe(`${home}/runs`);
    expect(await resolveRemoteDirectory(transport, '/scratch/x')).toBe('/scratch/x');
  });
});

describe('writeSecretsFile', () => {
  it('replaces a planted symlink instead of writing through it, with mode 0600', async () => {
    const dir = join(base(), 'run');
    await makeOwnedDirectory(transport, dir);
    const victim = join(base(), 'victim');
    writeFileSync(victim, 'untouched');
    symlinkSync(victim, join(dir, '.secrets-k1.env'));
    await writeSecretsFile(transport, { runDir: dir, key: 'k1', secrets: { HF_TOKEN: 'hf_x' } });
    const info = lstatSync(join(dir, '.secrets-k1.env'));
    expect(info.isFile()).toBe(true);
    expect(info.mode & 0o777).toBe(0o600);
    expect((await transport.readFile(victim)).toString()).toBe('untouched');
  });

  it('refuses to write into a run directory others could write (not 0700)', async () => {
    const dir = join(base(), 'run');
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    const error = await writeSecretsFile(transport, { runDir: dir, key: 'k', secrets: { A: '1' } }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnsafeRemotePathError);
    expect((error as UnsafeRemotePathError).reason).toBe('loose-mode');
  });

  it('creates exclusively: writeFile with exclusive refuses an existing file', async () => {
    const dir = base();
    writeFileSync(join(dir, 'f'), 'x');
    await expect(transport.writeFile(join(dir, 'f'), 'y', { exclusive: true })).rejects.toThrow(/EEXIST/);
  });
});
