import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModelFacts } from '@model-eval/planner';
import { createLocalTransport, type Logger } from '@model-eval/slurm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureSha, type HubEmulator, startHubEmulator } from '../../../../test/emulators/hub';
import { hubClientFromEnv, RevisionResolveError, resolveRevisionSha } from '../../src/hub';
import { createLocalExecutor } from '../../src/run/executor';
import { runDirectory } from '../../src/run/job-specs';
import { NO_SHA_FOR_DIRECTORY, pinRevision } from '../../src/run/pin-revision';
import { prepareReopenedRun } from '../../src/run/prepare';
import { definitionDifferences, definitionHash, runDefinition } from '../../src/run/run-definition';
import { runEvaluation } from '../../src/run/run-evaluation';
import { deriveRunId } from '../../src/run/run-id';
import { buildReport } from '../../src/run/run-report';
import type { RunSettings } from '../../src/run/run-settings';
import { runStateSchema, stateFilePath } from '../../src/run/run-state';
import { findStandinScript } from '../../src/run/standin';

const modelsDir = fileURLToPath(new URL('../../../../test/fixtures/models', import.meta.url));
const MODEL = 'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B';
const quiet: Logger = { debug: () => {}, info: () => {}, warn: () => {} };

let hub: HubEmulator;
beforeAll(async () => {
  hub = await startHubEmulator({ modelsDir });
});
afterAll(async () => {
  await hub.close();
});

const client = () =>
  hubClientFromEnv(
    { HF_ENDPOINT: hub.url },
    { retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } },
  );
const resolve = (model: string, revision: string) => resolveRevisionSha(client(), model, revision);

function settingsFor(remoteDir: string, model = MODEL): RunSettings {
  const settings: RunSettings = {
    model,
    revision: 'main',
    benchmarks: ['math_500'],
    cluster: { gpusPerNode: 8, gpuMemoryGiB: 80, maxNodes: 1 },
    slurm: { timeLimit: '00:10:00', setup: [] },
    remoteDir,
    runId: '',
    runIdPrefix: ['org/repo', '42'],
    simulate: true,
    maxOomEscalations: 0,
  };
  settings.runId = deriveRunId([...(settings.runIdPrefix ?? []), definitionHash(runDefinition(settings))]);
  return settings;
}

/** LightEval's `cache_dir` as the job resolves it: relative to the job's directory (its cwd). */
function cacheDirOf(argv: readonly string[], jobDir: string): string {
  const modelArgs = argv[2] ?? '';
  const cache = /(?:^|,)cache_dir=([^,]+)/.exec(modelArgs)?.[1];
  if (!cache) throw new Error(`no cache_dir in ${modelArgs}`);
  return cache.startsWith('/') ? cache : join(jobDir, cache);
}

describe('the revision is pinned to a commit on the Hub before planning', () => {
  it('resolves main to the commit the Hub names (GET /api/models/{repo}/revision/{rev}), and refuses an unknown revision', async () => {
    expect(await resolve(MODEL, 'main')).toBe(fixtureSha(MODEL));
    expect(hub.requests.at(-1)?.path).toBe(`/api/models/${MODEL}/revision/main`);
    await expect(resolve(MODEL, 'no-such-branch')).rejects.toThrow(RevisionResolveError);
    await expect(resolve(MODEL, 'no-such-branch')).rejects.toThrow(/HTTP 404.*Invalid rev id/);
    // One path segment, as huggingface_hub's quote(revision, safe='') sends it.
    await expect(resolve(MODEL, 'refs/pr/1')).rejects.toThrow(/HTTP 404/);
    expect(hub.requests.at(-1)?.path).toBe(`/api/models/${MODEL}/revision/refs%2Fpr%2F1`);
  });

  it('a model directory has no SHA, and says so', async () => {
    const settings = settingsFor('/tmp/x', '/shared/models/my-checkpoint');
    const pinned = await pinRevision(settings, () => Promise.reject(new Error('must not ask the Hub')));
    expect(pinned.settings.commitSha).toBeUndefined();
    expect(pinned.line).toContain(NO_SHA_FOR_DIRECTORY);
    expect(pinned.settings.runId).toBe(settings.runId);
    // A path that reads like org/name but exists is a directory too, as the planner decides.
    const lookalike = await pinRevision(
      settingsFor('/tmp/x', 'models/ckpt'),
      () => Promise.reject(new Error('must not ask the Hub')),
      (model) => model === 'models/ckpt',
    );
    expect(lookalike.settings.commitSha).toBeUndefined();
  });

  it('evaluating main again after main moved: a new SHA, a new run id and definition, a new LightEval cache; reopening reads the recorded SHA', async () => {
    const remoteDir = join(mkdtempSync(join(tmpdir(), 'pin-')), 'runs');
    const deps = {
      executor: createLocalExecutor(createLocalTransport(), quiet),
      loadFacts: loadModelFacts,
      logger: quiet,
      localDir: join(remoteDir, '..', 'local'),
      standinScript: findStandinScript() ?? '',
      hubEndpoint: hub.url,
    };
    const before = (await pinRevision(settingsFor(remoteDir), resolve)).settings;
    expect(before.commitSha).toBe(fixtureSha(MODEL));
    const first = await runEvaluation(before, deps);
    expect(first.status).toBe('succeeded');

    const moved = hub.pushCommit(MODEL, 'main');
    expect(moved).not.toBe(fixtureSha(MODEL));
    const after = (await pinRevision(settingsFor(remoteDir), resolve)).settings;
    expect(after.commitSha).toBe(moved);
    expect(after.runId).not.toBe(before.runId);
    expect(definitionDifferences(runDefinition(before), runDefinition(after))).toEqual([
      `commitSha: "${fixtureSha(MODEL)}" → "${moved}"`,
    ]);
    const second = await runEvaluation(after, { ...deps, localDir: join(remoteDir, '..', 'local2') });
    expect(second.status).toBe('succeeded');

    const argvOf = (s: RunSettings) => {
      const state = runStateSchema.parse(JSON.parse(readFileSync(stateFilePath(s), 'utf8')));
      const job = state.jobs[0];
      if (!job) throw new Error('no job recorded');
      return {
        state,
        argv: job.planned.lightevalArgv,
        jobDir: join(
          runDirectory(s),
          `${s.runId}-j0-tp${job.planned.tensorParallel}pp${job.planned.pipelineParallel}`,
        ),
      };
    };
    const a = argvOf(before);
    const b = argvOf(after);
    // LightEval is given the commit, never the branch name.
    expect(a.argv[2]).toContain(`revision=${fixtureSha(MODEL)}`);
    expect(b.argv[2]).toContain(`revision=${moved}`);
    expect(a.argv[2]).not.toContain('revision=main');
    expect(a.state).toMatchObject({ revision: 'main', commitSha: fixtureSha(MODEL) });
    expect(b.state).toMatchObject({ revision: 'main', commitSha: moved });
    expect(cacheDirOf(a.argv, a.jobDir)).not.toBe(cacheDirOf(b.argv, b.jobDir));
    expect(cacheDirOf(b.argv, b.jobDir).startsWith(`${runDirectory(after)}/`)).toBe(true);
    expect(first.report).toMatchObject({ revision: 'main', commitSha: fixtureSha(MODEL) });
    expect(second.report).toMatchObject({ revision: 'main', commitSha: moved });

    // Reopening the first run: its recorded SHA, with the Hub not asked at all.
    const asked = hub.requests.length;
    const reopenSettings = { ...settingsFor(remoteDir), runId: before.runId };
    const reopened = await prepareReopenedRun(reopenSettings, createLocalTransport());
    const recorded = reopened.recorded;
    if (!recorded) throw new Error('nothing recorded');
    const report = buildReport({
      settings: reopenSettings,
      state: recorded,
      lightevalVersion: reopened.lightevalVersion,
      progress: { startedAt: 0, live: new Map(), notes: [] },
      finished: [],
      results: [],
      status: 'running',
      at: 0,
    });
    expect(report.commitSha).toBe(fixtureSha(MODEL));
    expect(hub.requests.length).toBe(asked);
  }, 60_000);
});
