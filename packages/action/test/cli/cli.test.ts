import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCliCaptured } from '../../../../test/support/cli';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const models = path.join(root, 'test/fixtures/models');
const results = path.join(root, 'test/fixtures/lighteval-results/v0.13');
const packageVersion = (
  JSON.parse(readFileSync(path.join(root, 'packages/action/package.json'), 'utf8')) as { version: string }
).version;

const cli = (argv: string[], cwd = models) => runCliCaptured(argv, { cwd });

describe('model-eval talks like a CLI', () => {
  it('--version prints the package version and exits 0', async () => {
    for (const flag of ['--version', '-V']) {
      expect(await cli([flag])).toEqual({ code: 0, stdout: `model-eval ${packageVersion}\n`, stderr: '' });
    }
    expect((await cli(['--help'])).stdout).toContain('--version');
  });

  it('a mistyped command gets a suggestion, exit 2', async () => {
    const { code, stdout, stderr } = await cli(['plna']);
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toBe(
      "model-eval: unknown command 'plna' (did you mean 'plan'?)\nRun 'model-eval --help' for the commands.\n",
    );
    // Nothing close: the list of commands instead of a guess.
    const far = await cli(['frobnicate']);
    expect(far.code).toBe(2);
    expect(far.stderr).not.toContain('did you mean');
    expect(far.stderr).toContain('Commands:');
  });

  it('a mistyped flag gets a suggestion instead of node’s raw parseArgs text, exit 2', async () => {
    const { code, stderr } = await cli(['plan', '--modle', './Qwen/Qwen3-8B']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      "model-eval plan: unknown option --modle (did you mean --model?)\nRun 'model-eval plan --help' for usage.\n",
    );
    expect((await cli(['run', '--simlate'])).stderr).toContain(
      'unknown option --simlate (did you mean --simulate?)',
    );
    expect((await cli(['results', results, '--fromat', 'json'])).stderr).toContain(
      '(did you mean --format?)',
    );
    expect((await cli(['plan', '--model'])).stderr).toContain('model-eval plan: --model needs a value');
    expect((await cli(['plan', '--zzzzzzzz'])).stderr).toMatch(/unknown option --zzzzzzzz\n/);
  });

  it('--format is checked, with a suggestion', async () => {
    const { code, stderr } = await cli(['results', results, '--format', 'markdwn']);
    expect(code).toBe(2);
    expect(stderr).toContain(
      "--format must be text, markdown or json, got 'markdwn' (did you mean markdown?)",
    );
    expect((await cli(['results', results, '--format', 'text', '--json'])).code).toBe(2);
  });

  it('plan shows the route of a multi-node plan, and exits 2 for a route that cannot span nodes', async () => {
    const multi = [
      'plan',
      '--model',
      './deepseek-ai/DeepSeek-R1-Distill-Llama-70B',
      '--gpu-memory-gib',
      '24',
    ];
    const { code, stdout } = await cli([...multi, '--max-nodes', '4']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/layout +2 node\(s\) × 8 GPUs = TP 8 × PP 2 × DP 1/);
    // LightEval 0.13.0 (the default) pins vLLM <0.10.2, which falls back to Ray by itself.
    expect(stdout).toMatch(/route +ray \(2 nodes, and LightEval 0\.13\.0 pins vllm>=0\.10\.0,<0\.10\.2/);
    const served = await cli([...multi, '--max-nodes', '4', '--route', 'serve', '--serve-port', '8100']);
    expect(served.code).toBe(0);
    expect(served.stdout).toMatch(/server +vllm serve .*--pipeline-parallel-size 2 .*--port 8100/);
    expect(served.stdout).toMatch(/command +lighteval endpoint litellm /);
    const refused = await cli([...multi, '--max-nodes', '4', '--route', 'in-process']);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trimEnd().split('\n')[0]).toMatch(
      /^model-eval plan: route in-process cannot run a job on 2 nodes/,
    );
    expect((await cli([...multi, '--route', 'sideways'])).stderr).toMatch(
      /--route must be one of auto, in-process, ray, serve/,
    );
    // The same model on one node of 40 GiB GPUs is a plan run accepts.
    const fits = await cli([
      'plan',
      '--model',
      './deepseek-ai/DeepSeek-R1-Distill-Llama-70B',
      '--gpu-memory-gib',
      '40',
    ]);
    expect(fits.code).toBe(0);
  });
});

describe('results --format', () => {
  it('text (the default): aligned columns, no markdown escapes', async () => {
    const { code, stdout } = await cli(['results', results]);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/\\_|\\-|\|/);
    const [header, ...rows] = stdout.split('\n').slice(0, 5);
    const scoreColumn = header?.indexOf('score ± 95% CI');
    for (const row of rows)
      expect(row.indexOf(row.includes('no score') ? 'no score' : ' ± ') >= (scoreColumn ?? 0)).toBe(true);
    expect(stdout).toMatch(/^math_500 +pass@k:k=1&n=1 +84\.0 ± 3\.2/m);
  });

  it('markdown: a GitHub table with readable names', async () => {
    const { code, stdout } = await cli(['results', results, '--format', 'markdown']);
    expect(code).toBe(0);
    expect(stdout).toContain(
      '| Benchmark | Problems × samples | Score ± 95% CI | LightEval metric | LightEval |',
    );
    expect(stdout).toMatch(/^\| MATH\\-500 \| 500 × 1 \| 84\.0 ± 3\.2 \| `pass@k:k=1&n=1` \|/m);
    expect(stdout).toContain('- AIME 2024: LightEval reported NaN');
  });

  it('json: the same document as --json', async () => {
    const viaFormat = await cli(['results', results, '--format', 'json']);
    const viaJson = await cli(['results', results, '--json']);
    expect(viaFormat.code).toBe(0);
    expect(JSON.parse(viaFormat.stdout)).toEqual(JSON.parse(viaJson.stdout));
  });
});

describe('run --format (through demo: a local simulated run)', () => {
  it('text: the verdict first, aligned tables, no markdown', async () => {
    const { code, stdout } = await cli(['demo'], root);
    expect(code).toBe(0);
    const report = stdout.slice(stdout.indexOf('SIMULATED · '));
    expect(report).toMatch(
      /^SIMULATED · ✅ 3 of 3 benchmarks scored, no baseline to compare with — …\/deepseek-ai\/DeepSeek-R1-Distill-Qwen-7B @ main\n/,
    );
    expect(report).toMatch(/^Benchmark +Problems × samples +Score ± 95% CI +Smallest detectable Δ$/m);
    // 4 samples per problem: counted from the details the stand-in wrote, not from the metric name.
    // The details were read: a Wilson interval over the problems and a detectable change.
    expect(report).toMatch(/^MATH-500 +500 × 4 +\d+\.\d \[\d+\.\d, \d+\.\d\] +±\d+\.\d$/m);
    expect(report).not.toMatch(/\\[_\-(]|^\||<details>|##/m);
    // Aligned: every row's score starts in the header's score column.
    const lines = report.split('\n');
    const header = lines.find((l) => l.startsWith('Benchmark')) ?? '';
    for (const name of ['AIME 2024', 'MATH-500', 'GPQA-Diamond']) {
      const row = lines.find((l) => l.startsWith(name)) ?? '';
      expect(row.search(/\d+\.\d \[/), row).toBe(header.indexOf('Score'));
      expect(row.search(/±\d+\.\d$/), row).toBe(header.indexOf('Smallest detectable'));
    }
  });

  const localRun = (format: string) => {
    const work = mkdtempSync(path.join(tmpdir(), 'model-eval-cli-format-'));
    return cli(
      [
        'run',
        '--model',
        path.join(models, 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B'),
        '--executor',
        'local',
        '--simulate',
        '--benchmarks',
        'math_500',
        '--remote-dir',
        path.join(work, 'runs'),
        '--format',
        format,
      ],
      work,
    );
  };

  it('json: one JSON document on stdout (the plan goes to stderr), with the verdict', async () => {
    const { code, stdout, stderr } = await localRun('json');
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as {
      status: string;
      simulated: boolean;
      verdict: string;
      results: { benchmark: string }[];
    };
    expect(parsed).toMatchObject({ status: 'succeeded', simulated: true });
    expect(parsed.verdict).toBe('✅ 1 of 1 benchmark scored, no baseline to compare with');
    expect(parsed.results.map((r) => r.benchmark)).toEqual(['math_500']);
    expect(stderr).toContain('layout   1 node(s)');
  });

  it('markdown: the PR comment as GitHub gets it', async () => {
    const { code, stdout } = await localRun('markdown');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^## 🧪 SIMULATED · ✅ 1 of 1 benchmark scored/m);
    expect(stdout).toMatch(/^\| MATH\\-500 \| 500 × 4 \| \d+\.\d \\\[\d+\.\d, \d+\.\d\\\] \| ±\d+\.\d \|$/m);
  });
});
