import { describe, expect, it } from 'vitest';
import type { ActionEnvironment } from '../../src/action/environment';
import { setOutputs } from '../../src/action/publish/outputs';
import type { RunOutcome } from '../../src/run/run-evaluation';
import type { RunSettings } from '../../src/run/run-settings';

function outputsOf(commitSha: string | null | undefined, settingsSha?: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const core = {
    setOutput: (name: string, value: string) => (outputs[name] = value),
  } as unknown as ActionEnvironment['core'];
  const run = {
    results: [],
    report: {
      model: 'o/m',
      revision: 'main',
      commitSha,
      status: 'succeeded',
      simulated: true,
      jobs: [],
      results: [],
    },
  } as unknown as RunOutcome;
  const settings = { runId: 'me-1', ...(settingsSha && { commitSha: settingsSha }) } as RunSettings;
  setOutputs(core, settings, run, { reportPath: '/r.md', localDir: '/d' });
  return outputs;
}

describe('the revision outputs', () => {
  it('the asked revision and the commit it was pinned to; empty for a model directory', () => {
    const sha = 'ad9f0ae0864d7fbcd1cd905e3c6c5b069cc8b562';
    expect(outputsOf(sha)).toMatchObject({ revision: 'main', 'commit-sha': sha, 'run-id': 'me-1' });
    expect(outputsOf(undefined, sha)['commit-sha']).toBe(sha);
    expect(outputsOf(null)['commit-sha']).toBe('');
  });
});
