import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalTransport } from '@model-eval/slurm';
import { describe, expect, it } from 'vitest';
import { copyRemoteTree, localTargetUnder } from '../../src/run/copy-remote';

function detailsTree() {
  const remote = mkdtempSync(join(tmpdir(), 'details-'));
  mkdirSync(join(remote, 'org/model/2026'), { recursive: true });
  writeFileSync(join(remote, 'org/model/2026/details_aime24.parquet'), 'PAR1');
  const local = join(mkdtempSync(join(tmpdir(), 'local-')), 'details');
  return { remote, local };
}

describe('copyRemoteTree', () => {
  it('copies regular files under the same relative paths', async () => {
    const { remote, local } = detailsTree();
    const { copied, skipped } = await copyRemoteTree(createLocalTransport(), remote, local);
    expect(copied).toEqual([join(local, 'org/model/2026/details_aime24.parquet')]);
    expect(skipped).toEqual([]);
  });

  it('copies nothing from a details directory that is a symlink (e.g. to ~/.ssh)', async () => {
    const { local } = detailsTree();
    const ssh = mkdtempSync(join(tmpdir(), 'ssh-'));
    writeFileSync(join(ssh, 'id_ed25519'), 'PRIVATE');
    const run = mkdtempSync(join(tmpdir(), 'run-'));
    symlinkSync(ssh, join(run, 'details'));
    const { copied, skipped } = await copyRemoteTree(createLocalTransport(), join(run, 'details'), local);
    expect(copied).toEqual([]);
    expect(existsSync(local)).toBe(false);
    expect(skipped[0]?.reason).toMatch(/symbolic link/);
  });

  it('skips linked files inside the tree and files over the caps, saying why', async () => {
    const { remote, local } = detailsTree();
    symlinkSync('/etc/passwd', join(remote, 'org/passwd.parquet'));
    writeFileSync(join(remote, 'org/big.parquet'), Buffer.alloc(2048));
    const { copied, skipped } = await copyRemoteTree(createLocalTransport(), remote, local, 4, {
      maxFileBytes: 1024,
    });
    expect(copied).toHaveLength(1);
    expect(readdirSync(join(local, 'org')).sort()).toEqual(['model']);
    expect(skipped.map((s) => s.reason).sort()).toEqual([
      '2.0 KiB, over the per-file limit of 1.0 KiB',
      'symbolic link (not followed)',
    ]);
  });

  it('never resolves a remote name to a local path outside the target directory', () => {
    expect(localTargetUnder('/results', '../x')).toBeUndefined();
    expect(localTargetUnder('/results', 'a/../../x')).toBeUndefined();
    expect(localTargetUnder('/results', '/etc/passwd')).toBeUndefined();
    expect(localTargetUnder('/results', 'a\\..\\x')).toBeUndefined();
    expect(localTargetUnder('/results', 'a/b.json')).toBe('/results/a/b.json');
  });
});
