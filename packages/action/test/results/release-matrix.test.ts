import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchmarkCatalog, loadModelFacts } from '@model-eval/planner';
import { createLocalTransport, type Logger } from '@model-eval/slurm';
import { describe, expect, it } from 'vitest';
import { release, releaseVersions } from '../../../../test/fixtures/lighteval-facts/facts';
import { runCliCaptured } from '../../../../test/support/cli';
import { benchmarkTitle } from '../../src/report';
import { createLocalExecutor } from '../../src/run/executor';
import { runEvaluation } from '../../src/run/run-evaluation';
import type { RunSettings } from '../../src/run/run-settings';
import { findStandinScript } from '../../src/run/standin';

// Every LightEval release × all five benchmarks, the whole way: plan → job script → the stand-in
// imitating that release (told by the job) → collect → parse. A release whose command line, task
// strings or metric names the product gets wrong ends here without a score.

const modelDir = fileURLToPath(
  new URL('../../../../test/fixtures/models/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', import.meta.url),
);
const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {} };

describe.each(releaseVersions)('--simulate --lighteval-version %s, local executor', (version) => {
  it('every benchmark gets a score, read from the metric that release writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), `matrix-${version}-`));
    const settings: RunSettings = {
      model: modelDir,
      benchmarks: benchmarkCatalog.map((b) => b.name),
      cluster: { gpusPerNode: 8, gpuMemoryGiB: 80, maxNodes: 1 },
      slurm: { timeLimit: '00:10:00', setup: [] },
      remoteDir: join(dir, 'runs'),
      runId: `matrix-${version.replaceAll('.', '-')}`,
      simulate: true,
      maxOomEscalations: 0,
      lightevalVersion: version,
    };
    const outcome = await runEvaluation(settings, {
      executor: createLocalExecutor(createLocalTransport(), quiet),
      loadFacts: loadModelFacts,
      logger: quiet,
      localDir: join(dir, 'local'),
      standinScript: findStandinScript() ?? '',
    });
    expect(outcome.status).toBe('succeeded');
    const facts = release(version);
    const rows = [...outcome.results].sort((a, b) => a.benchmark.localeCompare(b.benchmark));
    expect(rows.map((r) => r.benchmark)).toEqual(benchmarkCatalog.map((b) => b.name).sort());
    for (const row of rows) {
      expect([row.benchmark, row.value === null]).toEqual([row.benchmark, false]);
      expect(facts.benchmarks[row.benchmark]?.value.metricNames).toContain(row.metric);
      expect(row.lightevalVersion).toBe(version);
    }
    // The job told the stand-in which release to imitate, and its results file says so.
    const files = readdirSync(outcome.localResultsDir ?? '', { recursive: true, encoding: 'utf8' }).filter(
      (f) => /results_[^/]*\.json$/.test(f),
    );
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const json = JSON.parse(readFileSync(join(outcome.localResultsDir ?? '', file), 'utf8'));
      expect(json.config_general.simulated_by).toBe(`lighteval stand-in imitating LightEval ${version}`);
    }
  });
});

describe('model-eval run --simulate --executor local --lighteval-version X (the CLI a user types)', () => {
  it.each(releaseVersions)('%s: exit 0 and a score for every benchmark', async (version) => {
    const dir = mkdtempSync(join(tmpdir(), `cli-matrix-${version}-`));
    const run = await runCliCaptured(
      [
        'run',
        '--model',
        modelDir,
        '--benchmarks',
        benchmarkCatalog.map((b) => b.name).join(','),
        '--executor',
        'local',
        '--simulate',
        '--lighteval-version',
        version,
        '--remote-dir',
        join(dir, 'runs'),
      ],
      { env: { ...process.env, HF_TOKEN: '' }, cwd: dir },
    );
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    // The terminal report: one row per benchmark (by its readable name), none without a score.
    for (const b of benchmarkCatalog) expect(run.stdout).toContain(benchmarkTitle(b.name));
    expect(run.stdout).not.toMatch(/no score/);
    expect(run.stdout).toContain('SIMULATED');
  });
});
