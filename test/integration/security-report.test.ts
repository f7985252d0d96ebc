import { collectJobFiles, type JobSpec, makeOwnedDirectory } from '@model-eval/slurm';
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../packages/action/src/report';
import { parseResultsFile } from '../../packages/action/src/results';
import { genuineResultsFixture, runJobToEnd, useClusterRunDirectory } from '../support/cluster-run-dir';

// Finding: "comment injection". For a custom task the headline metric's name comes from the results
// file. A real job writes a genuine LightEval results file plus a custom task whose metric name
// tries to end the code span, open HTML, start a heading and mention a team; and the revision tries
// the same. Collected over SSH, parsed and rendered, the comment must stay inert.
const { cluster, stamp, runDir, transport: session } = useClusterRunDirectory('security-report');
const HOSTILE = 'acc`\n\n## Approved by @octo-org/admins\n<img src=x onerror=alert(1)>\n| x | y |\n`';

describe('hostile strings from a results file', () => {
  it('a hostile custom metric name and revision render inert in the PR comment', async () => {
    const transport = session();
    const genuine = JSON.parse(genuineResultsFixture());
    genuine.results['custom|mytask|0'] = { [HOSTILE]: 0.5, [`${HOSTILE}_stderr`]: 0.01 };
    await makeOwnedDirectory(transport, runDir);
    await transport.writeFile(`${runDir}/results.fixture`, JSON.stringify(genuine), { mode: 0o600 });
    const out = `${runDir}/out`;
    const spec: JobSpec = {
      name: `security-report-${stamp}`,
      key: `security-report-${stamp}`,
      runDir,
      outputDir: out,
      timeLimit: '2',
      partition: cluster.partition,
      gpusPerNode: 1,
      command: [
        'sh',
        '-c',
        'mkdir -p "$1/results/org/model" && cp "$2/results.fixture" "$1/results/org/model/results_2026-01-01T10-00-00.000000.json"',
        'job',
        out,
        runDir,
      ],
    };
    const { jobId, stateClass } = await runJobToEnd(transport, spec);
    expect(stateClass).toBe('succeeded');
    const [file] = (await collectJobFiles(transport, spec, jobId)).resultFiles;
    const rows = parseResultsFile(file?.content ?? '', file?.path ?? '').rows;
    const custom = rows.find((r) => r.benchmark === 'mytask');
    expect(custom?.metric).toBe(HOSTILE);

    const md = renderReport({
      model: 'org/model',
      revision: `main\n\n## Merged by @octocat`,
      status: 'succeeded',
      simulated: false,
      jobs: [],
      results: rows.map((r) => ({
        benchmark: r.benchmark,
        metric: r.metric,
        value: r.value,
        stderr: r.stderr,
      })),
    });
    const lines = md.split('\n');
    expect(lines.filter((l) => l.startsWith('## '))).toHaveLength(1);
    // The task shows in its table row and, with its metric name, on the run-facts line: nowhere else.
    expect(lines.filter((l) => l.includes('mytask'))).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('| mytask'))).toHaveLength(1);
    expect(
      lines.filter((l) => l.startsWith('- **LightEval metrics:**') && l.includes('mytask')),
    ).toHaveLength(1);
    const outsideCode = md.replace(/`[^`\n]*`/g, '');
    expect(outsideCode).not.toContain('<img');
    expect(outsideCode).not.toMatch(/@octo-org|@octocat/);
    const header = lines.find((l) => l.startsWith('| Benchmark')) ?? '';
    const row = lines.find((l) => l.startsWith('| mytask')) ?? '';
    const cells = (l: string) => l.replace(/\\\|/g, '').split('|').length;
    expect(cells(row)).toBe(cells(header));
  });
});
