import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_USER_TOKEN, type EmulatedDispatch } from '../emulators/github';
import { type HubEmulator, startHubEmulator } from '../emulators/hub';
import { repoRoot } from '../support/run-action';
import {
  clusterInputs,
  type E2eWorld,
  eventFixture,
  HF_TOKEN,
  runAction,
  startWorld,
  uniqueRemoteDir,
} from './harness';

const MODEL = 'my-org/qwen-7b-grpo';
const EVENT_REPO = 'octo-org/octo-repo';

let world: E2eWorld;
let hub: HubEmulator;
beforeAll(async () => {
  world = await startWorld();
  // A Hub of our own: the checkpoint branches below are still "uploading" when the event arrives.
  const modelsDir = mkdtempSync(join(tmpdir(), 'e2e-checkpoint-models-'));
  mkdirSync(join(modelsDir, MODEL), { recursive: true });
  cpSync(
    join(repoRoot, 'test/fixtures/models/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B'),
    join(modelsDir, MODEL),
    {
      recursive: true,
    },
  );
  hub = await startHubEmulator({
    modelsDir,
    token: HF_TOKEN,
    // step-1300 exists from the third request naming it on: two checks of the action find nothing.
    delayedRevisions: { [MODEL]: { 'step-1300': 2 } },
  });
});
afterAll(async () => {
  await Promise.all([world?.close(), hub?.close()]);
});

/**
 * The training side, for real: python3 runs integrations/python/model_eval_callback.py's callback
 * through one save on rank 0 against the GitHub emulator, which records the dispatch it received.
 */
async function dispatchFromTraining(step: number): Promise<EmulatedDispatch> {
  const before = world.github.state.dispatches.length;
  const script = [
    'import sys, types',
    'from model_eval_callback import EvaluateCheckpointCallback',
    'callback = EvaluateCheckpointCallback(repo=sys.argv[1], model=sys.argv[2], token=sys.argv[3],',
    '    api_url=sys.argv[4], benchmarks=["math_500"], fatal=True)',
    'state = types.SimpleNamespace(global_step=int(sys.argv[5]), is_world_process_zero=True)',
    'callback.on_save(types.SimpleNamespace(), state, None)',
    'callback.on_train_end(types.SimpleNamespace(), state, None)',
    'print(callback.outcomes)',
  ].join('\n');
  // Asynchronously: the emulator answering it runs in this process.
  const { stdout: out } = await promisify(execFile)(
    'python3',
    ['-c', script, EVENT_REPO, MODEL, EMULATOR_USER_TOKEN, world.github.url, String(step)],
    { env: { ...process.env, PYTHONPATH: join(repoRoot, 'integrations/python') }, encoding: 'utf8' },
  );
  expect(out).toContain('ok=True');
  const sent = world.github.state.dispatches.slice(before);
  expect(sent).toHaveLength(1);
  return sent[0] as EmulatedDispatch;
}

/** The webhook payload GitHub delivers for that dispatch (shape of the fixture, fields from it). */
function repositoryDispatchEvent(dispatch: EmulatedDispatch): Record<string, unknown> {
  const event = eventFixture('repository-dispatch-checkpoint');
  return {
    ...event,
    action: dispatch.eventType,
    client_payload: dispatch.clientPayload,
    sender: { ...(event.sender as Record<string, unknown>), login: dispatch.login },
  };
}

describe('a checkpoint dispatched by the Python training callback', () => {
  it('is evaluated by the bundled action, which waits for the revision still being uploaded', async () => {
    const dispatch = await dispatchFromTraining(1300);
    expect(dispatch).toEqual({
      repository: EVENT_REPO,
      eventType: 'evaluate-checkpoint',
      clientPayload: { model: MODEL, revision: 'step-1300', step: 1300, benchmarks: ['math_500'] },
      login: 'emulated-user',
    });
    world.github.setPermission(dispatch.login, 'write');
    const run = await runAction(world, {
      eventName: 'repository_dispatch',
      event: repositoryDispatchEvent(dispatch),
      inputs: { ...clusterInputs(world, uniqueRemoteDir(world)), 'revision-wait-minutes': '5' },
      env: { HF_ENDPOINT: hub.url },
    });
    expect(run.outputs.status, run.stdout).toBe('succeeded');
    const waits = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('Waiting for my-org/qwen-7b-grpo@step-1300'));
    expect(waits, run.stdout).toHaveLength(2);
    expect(waits[0]).toMatch(/not on the Hub yet; next check in 1 s \(5 min left of 5 min\)/);
    expect(run.stdout).toMatch(/my-org\/qwen-7b-grpo@step-1300 is on the Hub after \d+ s \(3 checks\)/);
    expect(run.stdout).toContain('Evaluating my-org/qwen-7b-grpo@step-1300 on math_500');
    const results = JSON.parse(run.outputs.results ?? '[]') as { benchmark: string }[];
    expect(results.map((r) => r.benchmark)).toEqual(['math_500']);
    expect(run.summary).toContain('SIMULATED');
  });

  it('fails, saying so, when the revision never appears, before anything reaches the cluster', async () => {
    const dispatch = await dispatchFromTraining(1400);
    world.github.setPermission(dispatch.login, 'write');
    const run = await runAction(world, {
      eventName: 'repository_dispatch',
      event: repositoryDispatchEvent(dispatch),
      // Nothing listens on port 1: had the action gone on to SSH, the error would be another one.
      inputs: {
        ...clusterInputs(world, uniqueRemoteDir(world)),
        'ssh-port': '1',
        'revision-wait-minutes': '0',
      },
      env: { HF_ENDPOINT: hub.url },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('failed');
    expect(run.stdout).toMatch(
      /::error::my-org\/qwen-7b-grpo@step-1400 did not appear on the Hub within 0 s \(last check: not on the Hub yet\)\. Check that the training job pushed this revision.*revision-wait-minutes/,
    );
  });

  it("matched GitHub's OpenAPI description, the Python module's dispatches included", () => {
    expect(world.github.state.calls.filter((c) => c.path === `/repos/${EVENT_REPO}/dispatches`)).toHaveLength(
      2,
    );
    expect(world.github.state.violations).toEqual([]);
  });
});
