import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  collectJobFiles,
  createLocalTransport,
  type JobSpec,
  listTreeSafely,
  parseListing,
} from '../src/index';

function runDirWithResults(): { spec: JobSpec; runDir: string } {
  const runDir = mkdtempSync(join(tmpdir(), 'collect-'));
  const out = join(runDir, 'out');
  mkdirSync(join(out, 'results/org/model-a'), { recursive: true });
  mkdirSync(join(out, 'results/org/model-b'), { recursive: true });
  writeFileSync(join(out, 'results/org/model-a/results_2026-01-01T10-00-00.000000.json'), '{"old":true}');
  writeFileSync(join(out, 'results/org/model-a/results_2026-01-02T10-00-00.000000.json'), '{"new":true}');
  writeFileSync(join(out, 'results/org/model-b/results_2026-01-01T09-00-00.000000.json'), '{"b":true}');
  writeFileSync(join(out, 'results/org/model-b/details.parquet'), 'x');
  writeFileSync(join(runDir, 'slurm-7.out'), Array.from({ length: 10 }, (_, i) => `out ${i}`).join('\n'));
  writeFileSync(join(runDir, 'slurm-7.err'), 'err 1\nerr 2\n');
  writeFileSync(join(runDir, '.secrets-k.env'), "export T='x'\n", { mode: 0o600 });
  const spec: JobSpec = {
    name: 'n',
    key: 'k',
    runDir,
    outputDir: out,
    timeLimit: '5',
    command: ['true'],
    secrets: { T: 'x' },
  };
  return { spec, runDir };
}

describe('collectJobFiles', () => {
  it('returns the newest results file per directory and the log tails', async () => {
    const transport = createLocalTransport();
    const { spec, runDir } = runDirWithResults();
    const files = await collectJobFiles(transport, spec, '7', { tailLines: 3 });
    expect(files.resultFiles.map((f) => [f.path.slice(runDir.length), f.content])).toEqual([
      ['/out/results/org/model-a/results_2026-01-02T10-00-00.000000.json', '{"new":true}'],
      ['/out/results/org/model-b/results_2026-01-01T09-00-00.000000.json', '{"b":true}'],
    ]);
    expect(files.stdoutTail).toBe('out 7\nout 8\nout 9');
    expect(files.stderrTail).toBe('err 1\nerr 2\n');
    expect(files.skipped).toEqual([]);
    expect((await transport.exec(['test', '-e', join(runDir, '.secrets-k.env')])).exitCode).toBe(1);
  });

  it('returns nothing, without failing, for a job that never wrote its output directory or logs', async () => {
    const { spec } = runDirWithResults();
    const files = await collectJobFiles(
      createLocalTransport(),
      { ...spec, outputDir: `${spec.runDir}/missing` },
      '99',
    );
    expect(files).toEqual({ resultFiles: [], stdoutTail: '', stderrTail: '', skipped: [] });
  });

  it('follows no symlink: a linked results file, directory or output directory is skipped with a note', async () => {
    const { spec, runDir } = runDirWithResults();
    const secret = join(mkdtempSync(join(tmpdir(), 'victim-')), 'results_9999.json');
    writeFileSync(secret, '{"stolen":true}');
    symlinkSync(secret, join(runDir, 'out/results/org/model-b/results_9999.json'));
    symlinkSync(dirname(secret), join(runDir, 'out/results/evil'));
    const files = await collectJobFiles(createLocalTransport(), spec, '7');
    expect(files.resultFiles.map((f) => f.content)).toEqual(['{"new":true}', '{"b":true}']);
    expect(files.skipped.map((s) => [s.path.slice(runDir.length), s.reason]).sort()).toEqual([
      ['/out/results/evil', 'symbolic link (not followed)'],
      ['/out/results/org/model-b/results_9999.json', 'symbolic link (not followed)'],
    ]);

    rmSync(join(runDir, 'out'), { recursive: true });
    symlinkSync(dirname(secret), join(runDir, 'out'));
    const linked = await collectJobFiles(createLocalTransport(), spec, '7');
    expect(linked.resultFiles).toEqual([]);
    expect(linked.skipped[0]?.reason).toMatch(/itself is a symbolic link/);
  });

  it('notes a directory it cannot read and still returns the rest', async () => {
    const { runDir } = runDirWithResults();
    const locked = join(runDir, 'out/results/locked');
    mkdirSync(locked);
    const transport = createLocalTransport();
    // Root reads everything, so the account is played by nobody (uid 65534), who owns the tree.
    await transport.exec(['chown', '-R', '65534:65534', join(runDir, 'out')]);
    chmodSync(locked, 0o000);
    const asNobody: typeof transport = {
      ...transport,
      exec: (argv, options) =>
        argv[0] === 'sh' && argv[3] === 'model-eval-list'
          ? transport.exec(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...argv], options)
          : transport.exec(argv, options),
    };
    chmodSync(runDir, 0o755);
    const listing = await listTreeSafely(asNobody, join(runDir, 'out'), { maxDepth: 6 });
    expect(listing.skipped).toEqual([{ path: locked, reason: 'not readable by the cluster account' }]);
    expect(listing.entries.filter((e) => e.type === 'file')).toHaveLength(4);
  });

  it('skips files owned by another user', async () => {
    const { spec, runDir } = runDirWithResults();
    const planted = join(runDir, 'out/results/org/model-b/results_2030-01-01T00-00-00.000000.json');
    writeFileSync(planted, '{"planted":true}');
    chownSync(planted, 4242, 4242);
    const files = await collectJobFiles(createLocalTransport(), spec, '7');
    expect(files.resultFiles.map((f) => f.content)).toEqual(['{"new":true}', '{"b":true}']);
    expect(files.skipped).toEqual([{ path: planted, reason: 'owned by uid 4242, not the cluster account' }]);
  });

  it('skips a 600 MB sparse results file without reading it, and still returns the others', async () => {
    const { spec, runDir } = runDirWithResults();
    const huge = join(runDir, 'out/results/org/model-c/results_2026-01-01T00-00-00.000000.json');
    mkdirSync(dirname(huge), { recursive: true });
    writeFileSync(huge, '{');
    truncateSync(huge, 600 * 1024 * 1024); // sparse: free to make, 600 MB to read
    const files = await collectJobFiles(createLocalTransport(), spec, '7');
    expect(files.resultFiles).toHaveLength(2);
    expect(files.skipped).toEqual([{ path: huge, reason: '600.0 MiB, over the per-file limit of 64.0 MiB' }]);
  });

  it('applies count and total caps, and the per-file cap again at read time', async () => {
    const { spec } = runDirWithResults();
    const few = await collectJobFiles(createLocalTransport(), spec, '7', { limits: { maxFiles: 1 } });
    expect(few.resultFiles).toHaveLength(1);
    expect(few.skipped[0]?.reason).toBe('over the limit of 1 files');
    const transport = createLocalTransport();
    await expect(transport.readFile(join(spec.runDir, 'slurm-7.out'), { maxBytes: 10 })).rejects.toThrow(
      /over the limit of 10/,
    );
  });

  it('does not read a log the job replaced with a symlink', async () => {
    const { spec, runDir } = runDirWithResults();
    const key = join(mkdtempSync(join(tmpdir(), 'ssh-')), 'id_ed25519');
    writeFileSync(key, 'PRIVATE KEY');
    rmSync(join(runDir, 'slurm-7.err'));
    symlinkSync(key, join(runDir, 'slurm-7.err'));
    const files = await collectJobFiles(createLocalTransport(), spec, '7');
    expect(files.stderrTail).toBe('');
    expect(files.stdoutTail).toContain('out 9');
  });
});

describe('parseListing', () => {
  it('refuses names with "..", empty or "." parts, and hides what is under a refused directory', () => {
    const listing = parseListing('/r', '1000', [
      'd\t1000\t0\t1\t',
      'f\t1000\t5\t1\ta/../../etc/passwd',
      'f\t1000\t5\t1\ta//b',
      'd\t4242\t0\t1\tforeign',
      'f\t1000\t5\t1\tforeign/x.json',
      'f\t1000\t5\t1\tok.json',
      'p\t1000\t0\t1\tfifo',
    ]);
    expect(listing.entries.map((e) => e.relativePath)).toEqual(['ok.json']);
    expect(listing.skipped.map((s) => s.reason)).toEqual([
      'unsafe name',
      'unsafe name',
      'owned by uid 4242, not the cluster account',
      'not a regular file or directory',
    ]);
  });
});
