import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigFile, type ResolvedSettings, resolveSettings } from '../../src/config';

// examples/model-eval.yml is what users copy: it must parse as it stands, resolve into settings for a
// real event, and its commented-out alternatives must be valid too once uncommented.

const examplePath = new URL('../../../../examples/model-eval.yml', import.meta.url);
const exampleText = readFileSync(examplePath, 'utf8');

const event = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../../test/fixtures/events/${name}.json`, import.meta.url), 'utf8'));

function resolveWith(configText: string, eventName: string, eventFixture: string): ResolvedSettings {
  const outcome = resolveSettings({
    eventName,
    eventPayload: event(eventFixture),
    getInput: () => '',
    setSecret: () => {},
    readConfigFile: (path) => (path === '.github/model-eval.yml' ? configText : undefined),
  });
  if (outcome.kind !== 'run') throw new Error(`expected a run, got a skip: ${outcome.reason}`);
  return outcome.settings;
}

/** Removes the `# ` in front of the lines of one commented-out block, keeping their indentation. */
function uncomment(text: string, firstLine: RegExp, blockLine: RegExp): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => firstLine.test(line));
  if (start === -1) throw new Error(`no line matches ${firstLine}`);
  for (let i = start; i < lines.length && (i === start || blockLine.test(lines[i] ?? '')); i++) {
    lines[i] = (lines[i] ?? '').replace(/^(\s*)# ?/, '$1');
  }
  return lines.join('\n');
}

describe('examples/model-eval.yml', () => {
  it('parses with every documented section', () => {
    const config = parseConfigFile(exampleText, 'examples/model-eval.yml');
    expect(Object.keys(config).sort()).toEqual(
      [
        'allow-fork-prs',
        'baseline',
        'benchmarks',
        'cluster',
        'fail-on-regression',
        'labels',
        'lighteval-version',
        'model',
        'results-repo',
        'revision',
        'tags',
        'wait',
      ].sort(),
    );
    expect(config.cluster).toMatchObject({
      'gpus-per-node': 8,
      'gpu-memory-gib': 80,
      'time-limit': '12:00:00',
    });
    expect(config['lighteval-version']).toBe('0.13.0');
  });

  it('resolves into a run for a release tag: the tag is the revision, the previous release the baseline', () => {
    const settings = resolveWith(exampleText, 'push', 'push-tag');
    expect(settings.request).toMatchObject({
      trigger: 'release-tag',
      model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
      benchmarks: ['aime24', 'math_500', 'gpqa:diamond'],
      baseline: { kind: 'previous-tag' },
    });
    expect(settings.request.revision).toBe(settings.request.tag);
    expect(settings.cluster).toEqual({
      host: 'login.cluster.example.org',
      port: 22,
      user: 'evalbot',
      partition: 'gpu',
      account: 'research',
      timeLimit: '12:00:00',
      gpusPerNode: 8,
      gpuMemoryGiB: 80,
      maxNodes: 1,
      remoteDir: '/shared/model-eval/runs',
      jobSetup: ['module load cuda/12.4', 'source /shared/envs/lighteval/bin/activate'],
      multiNode: {},
    });
    expect(settings.resultsRepo).toBe('my-org/model-evals');
    expect(settings.labels).toEqual({ trigger: 'evaluate', done: 'evaluated', removeTriggerWhenDone: true });
    expect(settings.tagPattern).toBe('v*');
  });

  it('lets a repository_dispatch checkpoint override the model and revision it names', () => {
    const payload = event('repository-dispatch-checkpoint') as { client_payload: { model: string } };
    const settings = resolveWith(exampleText, 'repository_dispatch', 'repository-dispatch-checkpoint');
    expect(settings.request.trigger).toBe('checkpoint');
    expect(settings.request.model).toBe(payload.client_payload.model);
  });

  it('accepts the commented-out custom task once uncommented', () => {
    const text = uncomment(exampleText, /^\s*# - name: my_reasoning_task/, /^\s*#\s{3}[a-z-]+:/);
    const settings = resolveWith(text, 'push', 'push-tag');
    expect(settings.request.benchmarks).toEqual(['aime24', 'math_500', 'gpqa:diamond', 'my_reasoning_task']);
    expect(settings.benchmarks[3]).toMatchObject({
      suite: 'community',
      task: 'my_reasoning_task',
      customTasksPath: '/shared/evals/my_tasks.py',
      fewshot: 0,
      maxPromptTokens: 2048,
      maxNewTokens: 32768,
      samplesPerPrompt: 1,
    });
  });

  it('accepts the commented-out fixed baseline once uncommented in place of previous-tag', () => {
    const withoutRule = exampleText.replace(/^baseline: previous-tag\n/m, '');
    const text = uncomment(withoutRule, /^# baseline:$/, /^#\s{3}fixed:/);
    const settings = resolveWith(text, 'push', 'push-tag');
    expect(settings.request.baseline).toEqual({
      kind: 'fixed',
      model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
      revision: 'main',
    });
  });
});
