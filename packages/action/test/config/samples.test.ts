import { readFileSync } from 'node:fs';
import { getBenchmark } from '@model-eval/planner';
import { describe, expect, it } from 'vitest';
import { resolveSettings, SettingsError, type SettingsSources } from '../../src/config';

const pushTag: unknown = JSON.parse(
  readFileSync(new URL('../../../../test/fixtures/events/push-tag.json', import.meta.url), 'utf8'),
);

function resolve(configText: string) {
  const sources: SettingsSources = {
    eventName: 'push',
    eventPayload: pushTag,
    getInput: () => '',
    setSecret: () => {},
    readConfigFile: (path) => (path === '.github/model-eval.yml' ? configText : undefined),
  };
  const outcome = resolveSettings(sources);
  if (outcome.kind !== 'run') throw new Error(`expected a run, got skip: ${outcome.reason}`);
  return outcome.settings;
}

const base = `model: deepseek-ai/DeepSeek-R1-Distill-Qwen-7B
benchmarks: [aime24, math_500, lcb:codegeneration, {name: my_task, task: community|my_task, custom-tasks-path: tasks/my.py, samples: 2}]
cluster:
  gpus-per-node: 8
  gpu-memory-gib: 80
`;

describe("the config file's samples map", () => {
  it("keeps open-r1's defaults without it", () => {
    const settings = resolve(base);
    expect(settings.benchmarks.map((b) => [b.name, b.samplesPerPrompt])).toEqual([
      ['aime24', getBenchmark('aime24').samplesPerPrompt],
      ['math_500', 4],
      ['lcb:codegeneration', 16],
      ['my_task', 2],
    ]);
  });

  it('overrides per benchmark, custom tasks included, leaving the catalog itself alone', () => {
    const settings = resolve(`${base}samples: {aime24: 32, my_task: 8}\n`);
    expect(settings.benchmarks.map((b) => [b.name, b.samplesPerPrompt])).toEqual([
      ['aime24', 32],
      ['math_500', 4],
      ['lcb:codegeneration', 16],
      ['my_task', 8],
    ]);
    expect(getBenchmark('aime24').samplesPerPrompt).toBe(64);
  });

  it('refuses an unknown benchmark name with a suggestion, and counts below 1', () => {
    expect(() => resolve(`${base}samples: {aime42: 32}\n`)).toThrow(SettingsError);
    expect(() => resolve(`${base}samples: {aime42: 32}\n`)).toThrow(/did you mean 'aime24'/);
    expect(() => resolve(`${base}samples: {aime24: 0}\n`)).toThrow(/whole number ≥ 1/);
  });
});

describe('seeds', () => {
  const withInput = (configText: string, seeds: string) =>
    resolveSettings({
      eventName: 'push',
      eventPayload: pushTag,
      getInput: (name) => (name === 'seeds' ? seeds : ''),
      setSecret: () => {},
      readConfigFile: (path) => (path === '.github/model-eval.yml' ? configText : undefined),
    });

  it('come from the config file or the input (the input wins); one seed is the default and left out', () => {
    expect(resolve(base).seeds).toBeUndefined();
    expect(resolve(`${base}seeds: 1\n`).seeds).toBeUndefined();
    expect(resolve(`${base}seeds: 3\n`).seeds).toBe(3);
    const outcome = withInput(`${base}seeds: 3\n`, '5');
    expect(outcome.kind === 'run' && outcome.settings.seeds).toBe(5);
  });

  it('refuse counts outside 1 to 16, naming the setting', () => {
    expect(() => resolve(`${base}seeds: 0\n`)).toThrow(/seeds.*whole number ≥ 1/s);
    expect(() => resolve(`${base}seeds: 17\n`)).toThrow(/at most 16 seeds/);
    expect(() => resolve(`${base}seeds: 2.5\n`)).toThrow(SettingsError);
    expect(() => withInput(base, '17')).toThrow(/seeds/);
    expect(() => withInput(base, 'three')).toThrow(/whole number/);
  });
});

describe('samples per problem have a ceiling', () => {
  it('refuses more than 1,024 per problem, in the map and on a custom task (a PR head may set them)', () => {
    expect(resolve(`${base}samples: {aime24: 1024}\n`).benchmarks[0]?.samplesPerPrompt).toBe(1024);
    expect(() => resolve(`${base}samples: {aime24: 1025}\n`)).toThrow(/at most 1024 samples per problem/);
    expect(() => resolve(base.replace('samples: 2}', 'samples: 5000}'))).toThrow(/at most 1024/);
  });
});
