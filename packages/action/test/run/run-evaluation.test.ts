import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModelFacts } from '@model-eval/planner';
import { createLocalTransport, type Logger } from '@model-eval/slurm';
import { describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report';
import { createLocalExecutor } from '../../src/run/executor';
import { runEvaluation } from '../../src/run/run-evaluation';
import type { RunSettings } from '../../src/run/run-settings';
import { runStateSchema, stateFilePath } from '../../src/run/run-state';
import { findStandinScript } from '../../src/run/standin';

const modelDir = fileURLToPath(
  new URL('../../../../test/fixtures/models/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', import.meta.url),
);

const otherModelDir = fileURLToPath(
  new URL('../../../../test/fixtures/models/deepseek-ai/DeepSeek-R1-Distill-Llama-8B', import.meta.url),
);

function settingsFor(overrides: Partial<RunSettings> = {}): RunSettings {
  const dir = mkdtempSync(join(tmpdir(), 'run-eval-'));
  return {
    model: modelDir,
    benchmarks: ['aime24', 'math_500'],
    cluster: { gpusPerNode: 8, gpuMemoryGiB: 80, maxNodes: 1 },
    slurm: { timeLimit: '00:10:00', setup: [] },
    remoteDir: join(dir, 'runs'),
    runId: 'test-run',
    simulate: true,
    maxOomEscalations: 2,
    ...overrides,
  };
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, debug: () => {}, info: (m) => lines.push(m), warn: (m) => lines.push(`warn: ${m}`) };
}

async function run(settings: RunSettings) {
  const logger = recordingLogger();
  const outcome = await runEvaluation(settings, {
    executor: createLocalExecutor(createLocalTransport(), logger),
    loadFacts: loadModelFacts,
    logger,
    localDir: join(settings.remoteDir, '..', 'local'),
    standinScript: findStandinScript() ?? '',
  });
  const state = runStateSchema.parse(JSON.parse(readFileSync(stateFilePath(settings), 'utf8')));
  return { outcome, logger, state };
}

describe('runEvaluation with the local executor and the LightEval stand-in', () => {
  it('plans, runs the job script, collects the results files and reports them as SIMULATED', async () => {
    const { outcome, state } = await run(settingsFor());
    expect(outcome.status).toBe('succeeded');
    expect(outcome.results.map((r) => r.benchmark).sort()).toEqual(['aime24', 'math_500']);
    // The samples that really ran, counted from the details (open-r1's 64 for AIME, 4 for MATH-500).
    expect(Object.fromEntries(outcome.results.map((r) => [r.benchmark, [r.problems, r.samples]]))).toEqual({
      aime24: [30, 64],
      math_500: [500, 4],
    });
    for (const row of outcome.results) {
      expect(row.value).toBeGreaterThanOrEqual(0.1);
      expect(row.value).toBeLessThanOrEqual(0.9);
    }
    expect(state.jobs).toHaveLength(1);
    expect(state.jobs[0]?.jobIds).toEqual([outcome.jobs[0]?.outcome.jobId]);
    const markdown = renderReport(outcome.report);
    // One banner and a title marker, not a marker on every row.
    expect(markdown).toMatch(/^## 🧪 SIMULATED · /m);
    expect(markdown).toContain('> **SIMULATED**');
    expect(markdown.split('\n').filter((l) => /^\| (AIME 2024|MATH\\-500) \|/.test(l))).toHaveLength(2);
    // The results file is kept on this machine whatever happens next.
    expect(outcome.localResultsDir).toContain('local');
  });

  it('gives the same scores for the same model, and other scores for another model', async () => {
    const first = await run(settingsFor({ benchmarks: ['math_500'] }));
    const again = await run(settingsFor({ benchmarks: ['math_500'] }));
    const other = await run(settingsFor({ benchmarks: ['math_500'], model: otherModelDir }));
    expect(again.outcome.results[0]?.value).toBe(first.outcome.results[0]?.value);
    expect(other.outcome.results[0]?.value).not.toBe(first.outcome.results[0]?.value);
  });

  it('re-plans with the next larger layout after a GPU out-of-memory failure and succeeds', async () => {
    const { outcome, state } = await run(
      settingsFor({ slurm: { timeLimit: '00:10:00', setup: ['export LIGHTEVAL_STANDIN_MIN_GPUS=2'] } }),
    );
    expect(outcome.status).toBe('succeeded');
    expect(outcome.jobs[0]?.planned.tensorParallel).toBe(2);
    expect(outcome.jobs[0]?.oomEscalations).toBe(1);
    expect(state.jobs[0]?.jobIds).toHaveLength(2);
    expect(state.jobs[0]?.planned.tensorParallel).toBe(2);
    expect(outcome.report.notes?.join('\n')).toMatch(/ran out of GPU memory at .*TP 1.*re-planned to .*TP 2/);
  });

  it('stops re-planning at the limit and reports the out-of-memory failure with its log', async () => {
    const { outcome } = await run(
      settingsFor({
        maxOomEscalations: 0,
        slurm: { timeLimit: '00:10:00', setup: ['export LIGHTEVAL_STANDIN_FAULT=oom-cuda'] },
      }),
    );
    expect(outcome.status).toBe('failed');
    expect(outcome.jobs[0]?.outcome.failure).toBe('gpu-oom');
    expect(outcome.report.jobs[0]?.reason).toMatch(/GPU out of memory/);
    expect(outcome.report.jobs[0]?.logTail).toMatch(/CUDA out of memory/);
  });

  it('reports a crashed job as failed with the tail of its log, and no results', async () => {
    const { outcome } = await run(
      settingsFor({ slurm: { timeLimit: '00:10:00', setup: ['export LIGHTEVAL_STANDIN_FAULT=crash'] } }),
    );
    expect(outcome.status).toBe('failed');
    expect(outcome.results).toEqual([]);
    expect(outcome.jobs[0]?.outcome.failure).not.toBe('gpu-oom');
    expect(outcome.report.jobs[0]?.logTail).toMatch(/Traceback/);
  });
});

describe('runEvaluation refuses what it cannot run', () => {
  it('the local executor refuses a job on the ray route (it has no allocation to span)', async () => {
    const settings = settingsFor({
      model: fileURLToPath(
        new URL(
          '../../../../test/fixtures/models/deepseek-ai/DeepSeek-R1-Distill-Llama-70B',
          import.meta.url,
        ),
      ),
      cluster: { gpusPerNode: 2, gpuMemoryGiB: 40, maxNodes: 4 },
    });
    await expect(run(settings)).rejects.toThrow(
      /runs on the ray route over \d node\(s\), which needs Slurm's srun/,
    );
  });

  it('a multi-node plan forced in-process is refused before anything is submitted', async () => {
    const settings = settingsFor({
      model: fileURLToPath(
        new URL(
          '../../../../test/fixtures/models/deepseek-ai/DeepSeek-R1-Distill-Llama-70B',
          import.meta.url,
        ),
      ),
      cluster: { gpusPerNode: 2, gpuMemoryGiB: 40, maxNodes: 4 },
      multiNode: { route: 'in-process' },
    });
    await expect(run(settings)).rejects.toThrow(/route in-process cannot run a job on \d nodes/);
    expect(existsSync(stateFilePath(settings))).toBe(false);
  });
});
