import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubEmulator, startHubEmulator } from '../../../../test/emulators/hub';
import { createHubDatasetStore, type HubDatasetStore } from '../../../../test/emulators/hub-datasets';
import { runCliCaptured } from '../../../../test/support/cli';

// `--results-repo` and `--baseline` mean what the action inputs mean, through the action's code:
// `run` uploads and compares, `results` compares a local results directory, so a pull request's
// table can be reproduced from a terminal.
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const modelsDir = path.join(root, 'test/fixtures/models');
const TOKEN = 'hf_cli_write_token';
const MODEL = 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B';
const REPO = 'my-org/evals';

let hub: HubEmulator;
let store: HubDatasetStore;
beforeAll(async () => {
  store = createHubDatasetStore({ token: TOKEN });
  hub = await startHubEmulator({
    modelsDir,
    token: TOKEN,
    extraRoutes: store.routes,
    revisions: { [MODEL]: ['pr-head'] },
  });
});
afterAll(async () => {
  await hub.close();
});

function run(extra: string[]) {
  const work = mkdtempSync(path.join(tmpdir(), 'model-eval-results-repo-'));
  const argv = ['run', '--model', MODEL, '--executor', 'local', '--simulate', '--benchmarks', 'math_500'];
  argv.push('--remote-dir', path.join(work, 'runs'), '--results-repo', REPO, ...extra);
  const env = { HF_ENDPOINT: hub.url, HF_TOKEN: TOKEN, LIGHTEVAL_STANDIN_MODELS_DIR: modelsDir };
  return runCliCaptured(argv, { env, cwd: work }).then((result) => ({ ...result, work }));
}

/** The table rows of a text report, from the header on (the part a reviewer compares). */
const table = (text: string) => {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('Benchmark'));
  return lines.slice(start, start + 2);
};

// Each `run` is a whole local simulated evaluation (a few seconds on 2 cores).
describe('run/results --results-repo --baseline', { timeout: 60_000 }, () => {
  let baselineRun: Awaited<ReturnType<typeof run>>;
  let headRun: Awaited<ReturnType<typeof run>>;

  it('run --results-repo uploads the results, as the action does', async () => {
    baselineRun = await run([]);
    expect(baselineRun.stderr).not.toMatch(/warning: (?!SIMULATED: the LightEval stand-in)/);
    expect(baselineRun.code).toBe(0);
    expect(store.commits).toHaveLength(1);
    const paths = [...(store.repos.get(REPO)?.files.keys() ?? [])];
    expect(paths).toContain('summary.parquet');
    expect(paths.some((p) => p.startsWith('deepseek-ai/DeepSeek-R1-Distill-Qwen-7B/main/math_500/'))).toBe(
      true,
    );
  });

  it('run --baseline base-revision compares with the model at main from the results repo', async () => {
    const commitsBefore = store.commits.length;
    headRun = await run(['--revision', 'pr-head', '--baseline', 'base-revision', '--no-upload']);
    expect(headRun.code).toBe(0);
    expect(headRun.stderr).toContain(`Reading the baseline (base-revision) from ${REPO}.`);
    const [header, row] = table(headRun.stdout);
    expect(header).toMatch(
      /^Benchmark +Problems × samples +Score ± 95% CI +Baseline \(main\) +Δ \[95% CI\] +Verdict +Smallest detectable Δ$/,
    );
    expect(row).toMatch(
      /^MATH-500 +500 × 4 +\d+\.\d \[\d+\.\d, \d+\.\d\] +\d+\.\d +[+−]?\d+\.\d \[[−+\d.]+, [−+\d.]+\] +\S.* ±\d+\.\d$/,
    );
    expect(store.commits.length).toBe(commitsBefore); // --no-upload
  });

  it('results DIR --results-repo --baseline reproduces the same table from the local files', async () => {
    const dir = path.join(headRun.work, 'model-eval-output');
    const args = ['results', dir, '--results-repo', REPO, '--baseline', 'base-revision'];
    const reproduced = await runCliCaptured([...args, '--model', MODEL, '--revision', 'pr-head'], {
      env: { HF_ENDPOINT: hub.url },
    });
    expect(reproduced.code).toBe(0);
    expect(table(reproduced.stdout)).toEqual(table(headRun.stdout));
    const json = await runCliCaptured([...args, '--model', MODEL, '--format', 'json'], {
      env: { HF_ENDPOINT: hub.url },
    });
    const parsed = JSON.parse(json.stdout) as { baseline: { label: string } | null; verdict: string };
    expect(parsed.baseline?.label).toBe('main');
  });

  it('a baseline the repo does not hold is a note, not a failure', async () => {
    const dir = path.join(headRun.work, 'model-eval-output');
    const { code, stdout } = await runCliCaptured(
      ['results', dir, '--results-repo', REPO, '--baseline', 'other-org/other-model@v1', '--model', MODEL],
      { env: { HF_ENDPOINT: hub.url } },
    );
    expect(code).toBe(0);
    expect(stdout).toContain(`No baseline results found in ${REPO} for other-org/other-model@v1.`);
  });

  it('refuses flags that cannot work, before touching anything', async () => {
    const cases: Array<[string[], string]> = [
      [['results', '.', '--baseline', 'previous-tag'], '--baseline needs --results-repo'],
      [
        ['results', '.', '--results-repo', REPO, '--baseline', 'latest'],
        "baseline 'latest' is not a baseline rule",
      ],
      [['results', '.', '--results-repo', 'not a repo'], "--results-repo 'not a repo' is not a Hub repo id"],
      [['results', '.', '--model', MODEL], '--model and --revision go with --results-repo'],
      [
        ['run', '--model', MODEL, '--executor', 'slurm', '--detach', '--results-repo', REPO],
        'pass --results-repo (and --baseline) to `model-eval collect`',
      ],
    ];
    for (const [argv, message] of cases) {
      const { code, stderr } = await runCliCaptured(argv, { env: {} });
      expect([code, stderr], argv.join(' ')).toEqual([2, expect.stringContaining(message)]);
    }
  });
});
