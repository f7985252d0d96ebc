import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModelFacts, planEvaluation } from '@model-eval/planner';
import { createLocalTransport, type Logger } from '@model-eval/slurm';
import { describe, expect, it } from 'vitest';
import { createLocalExecutor } from '../../src/run/executor';
import { decideAfterOutOfMemory } from '../../src/run/out-of-memory';
import { definitionDifferences, definitionHash, runDefinition } from '../../src/run/run-definition';
import { runEvaluation } from '../../src/run/run-evaluation';
import { RunLockTimeoutError, withRunLock } from '../../src/run/run-lock';
import type { RunSettings } from '../../src/run/run-settings';
import { runStateSchema, stateFilePath } from '../../src/run/run-state';
import { findStandinScript } from '../../src/run/standin';

const modelDir = fileURLToPath(
  new URL('../../../../test/fixtures/models/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', import.meta.url),
);
const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {} };

function settingsFor(overrides: Partial<RunSettings> = {}): RunSettings {
  const dir = mkdtempSync(join(tmpdir(), 'run-stages-'));
  return {
    model: modelDir,
    benchmarks: ['math_500'],
    cluster: { gpusPerNode: 8, gpuMemoryGiB: 80, maxNodes: 1 },
    slurm: { timeLimit: '00:10:00', setup: [] },
    remoteDir: join(dir, 'runs'),
    runId: 'stages',
    simulate: true,
    maxOomEscalations: 2,
    ...overrides,
  };
}

describe('the run lock serializes runners of one run id', () => {
  it('lets one critical section run at a time, in arrival order, and releases on failure', async () => {
    const transport = createLocalTransport();
    const runDir = mkdtempSync(join(tmpdir(), 'lock-'));
    const events: string[] = [];
    const section = (name: string, fail = false) =>
      withRunLock(transport, runDir, { logger: quiet, pollMs: 20 }, async () => {
        events.push(`${name} in`);
        await new Promise((resolve) => setTimeout(resolve, 80));
        events.push(`${name} out`);
        if (fail) throw new Error(`${name} failed`);
      });
    const results = await Promise.allSettled([section('a', true), section('b'), section('c')]);
    const why = JSON.stringify({
      events,
      results: results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')),
    });
    expect(
      results.map((r) => r.status),
      why,
    ).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    // Never two "in" without an "out" between them.
    expect(events, why).toHaveLength(6);
    for (let i = 0; i < events.length; i += 2) {
      expect(events[i]?.endsWith(' in'), why).toBe(true);
      expect(events[i + 1], why).toBe(events[i]?.replace(' in', ' out'));
    }
  });

  it('waits no longer than told for a live holder, and names it', async () => {
    const transport = createLocalTransport();
    const runDir = mkdtempSync(join(tmpdir(), 'lock-'));
    let release: () => void = () => {};
    const held = withRunLock(
      transport,
      runDir,
      { logger: quiet },
      () => new Promise<void>((r) => (release = r)),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await expect(
      withRunLock(transport, runDir, { logger: quiet, waitMs: 200, pollMs: 20 }, async () => {}),
    ).rejects.toThrow(RunLockTimeoutError);
    release();
    await held;
  });

  it('takes over a lock whose holder died inside the critical section', async () => {
    const transport = createLocalTransport();
    const runDir = mkdtempSync(join(tmpdir(), 'lock-'));
    // A holder that died after mkdir: the lock directory stays, with its owner line from long ago.
    await transport.exec(['mkdir', join(runDir, 'state.lock')]);
    await transport.writeFile(join(runDir, 'state.lock', 'owner'), `${Date.now() - 3_600_000} gone pid 1\n`);
    const warnings: string[] = [];
    const ran = await withRunLock(
      transport,
      runDir,
      { logger: { ...quiet, warn: (m) => warnings.push(m) }, staleMs: 60_000 },
      async () => 'ran',
    );
    expect(ran).toBe('ran');
    expect(warnings.join('\n')).toMatch(/stale run lock \(gone pid 1\)/);
  });
});

describe('the run definition', () => {
  it('changes with what defines the jobs, not with secrets or polling', () => {
    const base = settingsFor();
    const same = { ...base, hfToken: 'hf_secret', pollIntervalMs: 10, runId: 'other' };
    expect(definitionHash(runDefinition(same))).toBe(definitionHash(runDefinition(base)));
    for (const changed of [
      { ...base, lightevalVersion: '0.10.0' },
      { ...base, revision: 'step-100' },
      { ...base, remoteDir: '/elsewhere' },
      { ...base, cluster: { ...base.cluster, gpuMemoryGiB: 40 } },
      { ...base, slurm: { ...base.slurm, partition: 'debug' } },
    ]) {
      expect(definitionHash(runDefinition(changed))).not.toBe(definitionHash(runDefinition(base)));
    }
    expect(
      definitionDifferences(runDefinition(base), runDefinition({ ...base, lightevalVersion: '0.10.0' })),
    ).toEqual(['lightevalVersion: "default" → "0.10.0"']);
  });

  it('a run id recorded for another definition is refused with both named, and nothing runs', async () => {
    const settings = settingsFor();
    const logger = quiet;
    const deps = {
      executor: createLocalExecutor(createLocalTransport(), logger),
      loadFacts: loadModelFacts,
      logger,
      localDir: join(settings.remoteDir, '..', 'local'),
      standinScript: findStandinScript() ?? '',
    };
    const first = await runEvaluation(settings, deps);
    expect(first.status).toBe('succeeded');
    await expect(runEvaluation({ ...settings, maxModelLength: 8192 }, deps)).rejects.toThrow(
      /recorded for another definition \([0-9a-f]{12}\) than the one given \([0-9a-f]{12}\): maxModelLength: "auto" → "8192"/,
    );
    const state = runStateSchema.parse(JSON.parse(readFileSync(stateFilePath(settings), 'utf8')));
    expect(state.jobs[0]?.jobIds).toHaveLength(1);
  });
});

describe('re-planning after GPU out-of-memory', () => {
  it('takes the next larger layout until the re-plans are used up', async () => {
    const facts = await loadModelFacts({ model: modelDir });
    const plan = planEvaluation({
      facts,
      cluster: { gpusPerNode: 8, gpuMemoryGiB: 80, maxNodes: 1 },
      benchmarks: ['math_500'],
    });
    const planned = plan.jobs[0];
    if (!planned) throw new Error('no job planned');
    const limits = { maxOomEscalations: 1, maxNodes: 1 };
    const first = decideAfterOutOfMemory(plan, { planned, oomEscalations: 0 }, '41', limits);
    expect(first.kind).toBe('replan');
    if (first.kind !== 'replan') return;
    expect(first.larger.tensorParallel * first.larger.pipelineParallel).toBeGreaterThan(
      planned.tensorParallel * planned.pipelineParallel,
    );
    expect(first.note).toMatch(
      /^Job 41 \(math_500\) ran out of GPU memory at 1×8 GPUs, TP 1 .* re-planned to/,
    );
    const second = decideAfterOutOfMemory(plan, { planned: first.larger, oomEscalations: 1 }, '42', limits);
    expect(second).toEqual({
      kind: 'give-up',
      note: expect.stringMatching(/no larger layout is allowed \(max 1 re-plans, 1 node\(s\)\)/),
    });
  });
});
