import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectJobFiles, createLocalTransport, type JobSpec, type Transport } from '../src/index';

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

const withoutFind = (inner: Transport): Transport => ({
  ...inner,
  exec: (argv, options) =>
    argv[0] === 'find'
      ? Promise.resolve({ stdout: '', stderr: 'find: unknown predicate -printf', exitCode: 1 })
      : inner.exec(argv, options),
});

describe('collectJobFiles', () => {
  it.each([
    ['with find', createLocalTransport()],
    ['with a directory walk where find cannot help', withoutFind(createLocalTransport())],
  ])('returns the newest results file per directory and the log tails (%s)', async (_, transport) => {
    const { spec, runDir } = runDirWithResults();
    const files = await collectJobFiles(transport, spec, '7', { tailLines: 3 });
    expect(files.resultFiles.map((f) => [f.path.slice(runDir.length), f.content])).toEqual([
      ['/out/results/org/model-a/results_2026-01-02T10-00-00.000000.json', '{"new":true}'],
      ['/out/results/org/model-b/results_2026-01-01T09-00-00.000000.json', '{"b":true}'],
    ]);
    expect(files.stdoutTail).toBe('out 7\nout 8\nout 9');
    expect(files.stderrTail).toBe('err 1\nerr 2\n');
    expect((await transport.exec(['test', '-e', join(runDir, '.secrets-k.env')])).exitCode).toBe(1);
  });

  it('returns nothing, without failing, for a job that never wrote its output directory or logs', async () => {
    const { spec } = runDirWithResults();
    const files = await collectJobFiles(
      createLocalTransport(),
      { ...spec, outputDir: `${spec.runDir}/missing` },
      '99',
    );
    expect(files).toEqual({ resultFiles: [], stdoutTail: '', stderrTail: '' });
  });
});
