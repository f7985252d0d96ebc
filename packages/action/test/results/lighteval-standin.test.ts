import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { benchmarkCatalog, buildLightevalArgs } from '@model-eval/planner';
import { describe, expect, it } from 'vitest';
import {
  collectResults,
  detailsFileFor,
  findDetailsFiles,
  readDetailsFile,
  readPerProblemScores,
  samplesThatRan,
} from '../../src/results';

const STANDIN = path.resolve(__dirname, '../../../../test/fixtures/lighteval/lighteval');
const run = promisify(execFile);

/** Runs the LightEval stand-in with the command line the planner builds for that version. */
async function runStandin(
  version: string,
  benchmarks: string[],
  samples: Record<string, number> = {},
): Promise<{ dir: string; command: ReturnType<typeof buildLightevalArgs> }> {
  const outputDir = await mkdtemp(path.join(tmpdir(), `standin-${version}-`));
  const command = buildLightevalArgs({
    model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B',
    revision: 'main',
    dtype: 'bfloat16',
    tensorParallel: 1,
    pipelineParallel: 1,
    dataParallel: 1,
    maxModelLength: 33_792,
    gpuMemoryUtilization: 0.9,
    maxNewTokens: 32_768,
    temperature: 0.6,
    topP: 0.95,
    benchmarks: benchmarkCatalog
      .filter((b) => benchmarks.includes(b.name))
      .map((b) => ({ ...b, samplesPerPrompt: samples[b.name] ?? b.samplesPerPrompt })),
    lightevalVersion: version,
    outputDir,
  });
  await run(STANDIN, command.argv.slice(1), {
    env: { ...process.env, ...command.env, LIGHTEVAL_STANDIN_VERSION: version },
  });
  return { dir: outputDir, command };
}

describe('results written by the LightEval stand-in', () => {
  it.each([
    ['0.8.0', '<=0.10'],
    ['0.9.0', '<=0.10'],
    ['0.9.1', '<=0.10'],
    ['0.9.2', '<=0.10'],
    ['0.10.0', '<=0.10'],
    ['0.11.0', '0.11.0'],
    ['0.12.0', '0.12.0'],
    ['0.12.1', '>=0.12.1'],
    ['0.12.2', '>=0.12.1'],
    ['0.13.0', '>=0.12.1'],
  ])('LightEval %s: every benchmark parses to a score, marked simulated', async (version, inferred) => {
    const names = benchmarkCatalog.map((b) => b.name);
    const { dir } = await runStandin(version, names);
    const { rows, files } = await collectResults(dir);
    expect(rows.map((r) => r.benchmark).sort()).toEqual([...names].sort());
    for (const row of rows) {
      expect(row.value, `${version} ${row.benchmark}`).toBeGreaterThanOrEqual(0);
      expect(row.value).toBeLessThanOrEqual(1);
      expect(row.stderr).not.toBeNull();
      expect(row.metric).not.toBe('');
      expect(row.lightevalVersion).toBe(inferred);
    }
    expect(files.every((f) => f.simulated)).toBe(true);
    expect(files[0]?.evaluationSeconds).toBeGreaterThanOrEqual(0);

    const math = rows.find((r) => r.benchmark === 'math_500');
    const details = detailsFileFor(await findDetailsFiles(dir), math ?? { task: '', timestamp: '' });
    expect(details).toBeDefined();
    const scores = await readDetailsFile(details as string, math?.metric ?? '');
    expect(scores.length).toBe(math?.problems);
    // The per-problem mean is the headline score, up to the rounding of correct counts.
    const mean = scores.reduce((s, p) => s + p.score, 0) / scores.length;
    expect(Math.abs(mean - (math?.value ?? -1))).toBeLessThanOrEqual(1 / scores.length);
    const perProblem = await readPerProblemScores(dir, rows);
    expect([...perProblem.keys()].sort()).toEqual([...names].sort());
    expect(perProblem.get('math_500')).toEqual(scores);
  });

  it.each(['0.8.0', '0.9.0', '0.10.0', '0.11.0', '0.12.0', '0.12.1', '0.13.0'])(
    'LightEval %s: each problem got the samples the plan says the release draws, counted from the details',
    async (version) => {
      const names = benchmarkCatalog.map((b) => b.name);
      const { dir, command } = await runStandin(version, names, { aime24: 8, math_500: 2 });
      const { rows } = await collectResults(dir);
      const perProblem = await readPerProblemScores(dir, rows);
      for (const planned of command.samples) {
        const scores = perProblem.get(planned.benchmark) ?? [];
        const ran = samplesThatRan(scores);
        expect({ benchmark: planned.benchmark, ran: ran?.samples, min: ran?.minSamples }).toEqual({
          benchmark: planned.benchmark,
          ran: planned.drawn,
          min: planned.drawn,
        });
        // Problems differ: with several samples some problems are partly solved.
        if (planned.drawn >= 4) expect(scores.some((p) => p.score > 0 && p.score < 1)).toBe(true);
        const row = rows.find((r) => r.benchmark === planned.benchmark);
        const mean = scores.reduce((sum, p) => sum + p.score, 0) / scores.length;
        expect(Math.abs(mean - (row?.value ?? -1))).toBeLessThanOrEqual(1 / (scores.length * planned.drawn));
      }
      // From 0.11 the configured counts are drawn; up to 0.10 the release's own (64 for AIME on 0.9+).
      const aime = command.samples.find((s) => s.benchmark === 'aime24');
      const upTo010 = ['0.8.0', '0.9.0', '0.10.0'].includes(version);
      expect(aime?.drawn).toBe(upTo010 ? (version === '0.8.0' ? 1 : 64) : 8);
    },
  );
});
