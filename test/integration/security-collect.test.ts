import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectJobFiles, type JobSpec, makeOwnedDirectory } from '@model-eval/slurm';
import { describe, expect, it } from 'vitest';
import { parseResultsFile } from '../../packages/action/src/results';
import { copyRemoteTree } from '../../packages/action/src/run/copy-remote';
import { genuineResultsFixture, runJobToEnd, useClusterRunDirectory } from '../support/cluster-run-dir';

// Findings: "collection follows symlinks" and "results are read without limits". A real job on the
// real cluster plays the evaluated model's code: it writes one genuine results file, then turns its
// details directory into a link to the account's ~/.ssh, links a results file to another run's
// secrets, names a details file with `..\..`, and leaves a sparse 600 MB results file. Collection
// over SSH must bring back the genuine results only, copy nothing from outside, and say what it
// skipped and why.
const { cluster, stamp, runDir, transport: session } = useClusterRunDirectory('security-collect');
const out = `${runDir}/lighteval-results`;
const model = 'org/model';
const fixture = genuineResultsFixture();

describe('collecting what a hostile job left', () => {
  it('copies nothing outside the output directory and skips the 600 MB results file with a note', async () => {
    const transport = session();
    await makeOwnedDirectory(transport, runDir);
    // Something worth stealing, outside the job's output directory.
    await transport.exec([
      'sh',
      '-c',
      `mkdir -p "$1/other-run" && echo STOLEN-${stamp} > "$1/other-run/.secrets-x.env"`,
      'sh',
      runDir,
    ]);
    const script = [
      'set -e',
      `r="$1/results/${model}"; mkdir -p "$r" "$1/results/org/huge" "$1/results/org/linked"`,
      // The genuine results, as LightEval writes them.
      'cat > "$r/results_2026-01-01T10-00-00.000000.json"',
      // Details: a link to ~/.ssh instead of a directory.
      'ln -s "$HOME/.ssh" "$1/details"',
      // A results file that is a link to another run's secrets.
      `ln -s "$2/other-run/.secrets-x.env" "$1/results/org/linked/results_2026-01-01T10-00-00.000000.json"`,
      // 600 MB for free.
      'truncate -s 600M "$1/results/org/huge/results_2026-01-01T10-00-00.000000.json"',
    ].join('\n');
    const spec: JobSpec = {
      name: `security-collect-${stamp}`,
      key: `security-collect-${stamp}`,
      runDir,
      outputDir: out,
      timeLimit: '2',
      partition: cluster.partition,
      gpusPerNode: 1,
      // The genuine results reach the job through a file in the run directory, on its stdin.
      command: ['sh', '-c', `exec < "$2/results.fixture"\n${script}\n`, 'job', out, runDir],
    };
    await transport.writeFile(`${runDir}/results.fixture`, fixture, { mode: 0o600 });
    const { jobId, stateClass } = await runJobToEnd(transport, spec);
    expect(stateClass).toBe('succeeded');

    const memoryBefore = process.memoryUsage().rss;
    const files = await collectJobFiles(transport, spec, jobId);
    expect(files.resultFiles.map((f) => f.path)).toEqual([
      `${out}/results/${model}/results_2026-01-01T10-00-00.000000.json`,
    ]);
    expect(files.resultFiles[0]?.content).toBe(fixture);
    expect(parseResultsFile(fixture, files.resultFiles[0]?.path ?? '').rows.length).toBeGreaterThan(0);
    const reasons = Object.fromEntries(files.skipped.map((s) => [s.path.slice(out.length), s.reason]));
    expect(reasons).toEqual({
      '/details': 'symbolic link (not followed)',
      '/results/org/linked/results_2026-01-01T10-00-00.000000.json': 'symbolic link (not followed)',
      '/results/org/huge/results_2026-01-01T10-00-00.000000.json':
        '600.0 MiB, over the per-file limit of 64.0 MiB',
    });
    for (const file of files.resultFiles) expect(file.content).not.toContain(`STOLEN-${stamp}`);
    // The 600 MB were never read: memory did not grow by anything like it.
    expect(process.memoryUsage().rss - memoryBefore).toBeLessThan(100 * 1024 * 1024);

    // The details "directory" is a link to ~/.ssh: nothing is copied, nothing is created locally.
    const local = join(mkdtempSync(join(tmpdir(), 'security-local-')), 'results');
    const details = await copyRemoteTree(transport, `${out}/details`, join(local, 'details'));
    expect(details.copied).toEqual([]);
    expect(details.skipped.map((s) => s.reason)).toEqual([
      'the directory itself is a symbolic link: nothing under it was read',
    ]);
    expect(existsSync(join(local, 'details'))).toBe(false);
  });

  it('a details file named with ..\\.. is not written outside the local results directory', async () => {
    const transport = session();
    const tree = `${runDir}/details-dots`;
    await transport.exec([
      'sh',
      '-c',
      'mkdir -p "$1/org" && echo x > "$1/org/..\\..\\..\\escaped" && echo ok > "$1/org/fine.parquet"',
      'sh',
      tree,
    ]);
    const parent = mkdtempSync(join(tmpdir(), 'security-dots-'));
    const local = join(parent, 'results', 'details');
    const copied = await copyRemoteTree(transport, tree, local);
    expect(copied.copied).toEqual([join(local, 'org/fine.parquet')]);
    expect(copied.skipped).toEqual([
      {
        path: `${tree}/org/..\\..\\..\\escaped`,
        reason: 'its name would write outside the local results directory',
      },
    ]);
    expect(readdirSync(parent)).toEqual(['results']);
  });
});
