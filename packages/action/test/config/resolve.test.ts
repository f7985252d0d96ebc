import { readFileSync } from 'node:fs';
import { benchmarkCatalog } from '@model-eval/planner';
import { describe, expect, it } from 'vitest';
import {
  ConfigFileError,
  hubRepoIdProblem,
  hubRevisionProblem,
  type ResolvedSettings,
  readActionInputs,
  resolveSettings,
  SettingsError,
  type SettingsSources,
} from '../../src/config';

// biome-ignore lint/suspicious/noExplicitAny: fixtures are free-form JSON edited per test
type Payload = any;
const fixture = (name: string): Payload =>
  JSON.parse(readFileSync(new URL(`../../../../test/fixtures/events/${name}.json`, import.meta.url), 'utf8'));

const configText = `model: deepseek-ai/DeepSeek-R1-Distill-Qwen-7B
benchmarks: [aime24, math_500, {name: my_task, task: community|my_task, custom-tasks-path: tasks/my.py}]
cluster:
  host: login.example.org
  user: evalbot
  gpus-per-node: 8
  gpu-memory-gib: 80
  job-setup:
    - module load cuda
    - source ~/venv/bin/activate
lighteval-version: "0.10.0"
`;

function sources(overrides: Partial<SettingsSources> & { inputs?: Record<string, string> } = {}) {
  const masked: string[] = [];
  const { inputs = {}, ...rest } = overrides;
  const all: SettingsSources = {
    eventName: 'push',
    eventPayload: fixture('push-tag'),
    getInput: (name) => inputs[name] ?? '',
    setSecret: (value) => masked.push(value),
    readConfigFile: (path) => (path === '.github/model-eval.yml' ? configText : undefined),
    ...rest,
  };
  return { sources: all, masked };
}

function run(overrides: Parameters<typeof sources>[0] = {}): ResolvedSettings {
  const outcome = resolveSettings(sources(overrides).sources);
  if (outcome.kind !== 'run') throw new Error(`expected a run, got skip: ${outcome.reason}`);
  return outcome.settings;
}

function settingsError(overrides: Parameters<typeof sources>[0]): SettingsError {
  try {
    resolveSettings(sources(overrides).sources);
  } catch (error) {
    if (error instanceof SettingsError) return error;
    throw error;
  }
  throw new Error('expected a SettingsError');
}

describe('resolveSettings', () => {
  it('turns a release tag into a request from the config file, with the tag as revision', () => {
    const settings = run({ runUrl: 'https://github.com/o/r/actions/runs/1' });
    expect(settings.request).toMatchObject({
      trigger: 'release-tag',
      model: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
      revision: 'v1.2.0',
      benchmarks: ['aime24', 'math_500', 'my_task'],
      baseline: { kind: 'previous-tag' },
      runUrl: 'https://github.com/o/r/actions/runs/1',
    });
    expect(settings.benchmarks.map((b) => b.name)).toEqual(['aime24', 'math_500', 'my_task']);
    expect(settings.benchmarks[0]).toBe(benchmarkCatalog.find((b) => b.name === 'aime24'));
    expect(settings.benchmarks[2]).toMatchObject({
      suite: 'community',
      task: 'my_task',
      customTasksPath: 'tasks/my.py',
    });
    expect(settings.cluster).toEqual({
      host: 'login.example.org',
      user: 'evalbot',
      port: 22,
      gpusPerNode: 8,
      gpuMemoryGiB: 80,
      maxNodes: 1,
      remoteDir: 'model-eval',
      jobSetup: ['module load cuda', 'source ~/venv/bin/activate'],
      multiNode: {},
    });
    expect(settings.lightevalVersion).toBe('0.10.0');
    expect(settings).toMatchObject({
      wait: true,
      allowForkPrs: false,
      failOnRegression: false,
      configFound: true,
    });
    expect(settings.labels).toEqual({ trigger: 'evaluate', removeTriggerWhenDone: true });
  });

  it('lets inputs override the config file, and the event override both', () => {
    const settings = run({
      eventName: 'workflow_dispatch',
      eventPayload: fixture('workflow-dispatch'),
      inputs: {
        model: 'Qwen/Qwen3-8B',
        benchmarks: 'gpqa:diamond',
        'gpus-per-node': '4',
        'gpu-memory-gib': '40',
        'job-setup': 'module load cuda\n\nexport HF_HOME=/scratch/hf\n',
        wait: 'false',
        'time-limit': '1-00:00:00',
      },
    });
    // The dispatch inputs name the model and benchmarks; the action inputs only fill what they do not.
    expect(settings.request.model).toBe('deepseek-ai/DeepSeek-R1-Distill-Qwen-7B');
    expect(settings.request.benchmarks).toEqual(['aime24', 'math_500']);
    expect(settings.cluster).toMatchObject({
      gpusPerNode: 4,
      gpuMemoryGiB: 40,
      timeLimit: '1-00:00:00',
      jobSetup: ['module load cuda', 'export HF_HOME=/scratch/hf'],
    });
    expect(settings.wait).toBe(false);
  });

  it('skips events that are not triggers, still masking the secrets', () => {
    const { sources: s, masked } = sources({
      eventPayload: fixture('push-branch'),
      inputs: { 'hf-token': 'hf_secret' },
    });
    const outcome = resolveSettings(s);
    expect(outcome).toMatchObject({ kind: 'skip', reason: 'push to refs/heads/master is not a tag push' });
    expect(masked).toContain('hf_secret');
  });

  it('uses the configured trigger label (from the input) to read PR labels', () => {
    const payload = fixture('pull-request-target-labeled');
    payload.label.name = 'run-evals';
    payload.pull_request.labels = [{ name: 'run-evals' }, { name: 'run-evals:gpqa:diamond' }];
    const settings = run({
      eventName: 'pull_request_target',
      eventPayload: payload,
      inputs: { 'trigger-label': 'run-evals', 'done-label': 'evaluated' },
    });
    expect(settings.request.benchmarks).toEqual(['gpqa:diamond']);
    expect(settings.request.pullRequest?.number).toBe(2);
    expect(settings.request.revision).toBe('main');
    expect(settings.request.baseline).toEqual({ kind: 'none' });
    expect(settings.labels).toEqual({ trigger: 'run-evals', done: 'evaluated', removeTriggerWhenDone: true });
  });

  it('masks every secret at once, and each line of a multi-line key', () => {
    const key =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQyNTUxOQAAACD\n-----END OPENSSH PRIVATE KEY-----';
    const { sources: s, masked } = sources({
      inputs: {
        'ssh-private-key': key,
        'hf-token': 'hf_abc',
        'github-token': 'ghs_x',
        'ssh-known-hosts': 'h ssh-ed25519 AAAA',
      },
    });
    const outcome = resolveSettings(s);
    expect(masked).toEqual(
      expect.arrayContaining([key, 'b3BlbnNzaC1rZXktdjEAAAAA', 'QyNTUxOQAAACD', 'hf_abc', 'ghs_x']),
    );
    expect(masked).not.toContain('-----BEGIN OPENSSH PRIVATE KEY-----');
    if (outcome.kind !== 'run') throw new Error('expected a run');
    expect(outcome.settings.secrets.sshPrivateKey).toBe(`${key}\n`);
    expect(outcome.settings.secrets.hfToken).toBe('hf_abc');
  });

  it('rejects benchmarks outside the catalog and the declared custom tasks, with a suggestion', () => {
    const error = settingsError({ inputs: { benchmarks: 'aime_24' } });
    // The tag event carries no benchmarks, so the input applies and is checked.
    expect(error.message).toBe("unknown benchmark 'aime_24' (did you mean 'aime24'?)");
    expect(error.hint).toMatch(/my_task/);
  });

  it('validates model ids and revisions from any source against the Hub rules', () => {
    const payload = fixture('workflow-dispatch');
    payload.inputs.model = 'org/bad--name';
    expect(settingsError({ eventName: 'workflow_dispatch', eventPayload: payload }).message).toBe(
      "model 'org/bad--name' is not a valid Hub repo id: it must not contain '--' or '..'",
    );
    payload.inputs.model = 'org/ok';
    payload.inputs.revision = 'main; rm -rf /';
    expect(settingsError({ eventName: 'workflow_dispatch', eventPayload: payload }).message).toMatch(
      /^revision 'main; rm -rf \/' is not a valid Hub revision/,
    );
    payload.inputs.revision = 'main';
    payload.inputs.baseline = 'org/base@bad..ref';
    expect(settingsError({ eventName: 'workflow_dispatch', eventPayload: payload }).message).toMatch(
      /^baseline revision 'bad\.\.ref'/,
    );
  });

  it('needs a model and the GPU shape from somewhere, and says where to set them', () => {
    const noConfig = { readConfigFile: () => undefined };
    expect(settingsError(noConfig).message).toBe('no model to evaluate');
    const error = settingsError({ ...noConfig, inputs: { model: 'Qwen/Qwen3-8B' } });
    expect(error.message).toBe("the cluster's gpus per node is not set");
    expect(error.hint).toMatch(/cluster\.gpus-per-node.*'gpus-per-node' input/);
    const settings = run({
      ...noConfig,
      inputs: { model: 'Qwen/Qwen3-8B', 'gpus-per-node': '8', 'gpu-memory-gib': '80' },
    });
    expect(settings.configFound).toBe(false);
    expect(settings.cluster.host).toBeUndefined();
  });

  it('fails when an explicitly configured config path does not exist, and passes file errors through', () => {
    expect(settingsError({ inputs: { 'config-path': 'eval.yml' } }).message).toBe(
      'config file eval.yml does not exist',
    );
    const broken = settingsError({ readConfigFile: () => 'cluster:\n  gpus-per-node: eight\n' });
    expect(broken).toBeInstanceOf(ConfigFileError);
    expect(broken.message).toBe(
      '.github/model-eval.yml:2:18: cluster.gpus-per-node must be a whole number ≥ 1',
    );
  });

  it('rejects an unsupported LightEval version with the planner error', () => {
    expect(() => resolveSettings(sources({ inputs: { 'lighteval-version': 'latest' } }).sources)).toThrow(
      /latest/,
    );
  });
});

describe('readActionInputs', () => {
  it("treats '' as unset and types the rest strictly, naming the input on errors", () => {
    const inputs = (values: Record<string, string>) => readActionInputs((name) => values[name] ?? '');
    expect(inputs({})).toEqual({});
    expect(inputs({ 'ssh-port': '2222', 'allow-fork-prs': 'True' })).toEqual({
      sshPort: 2222,
      allowForkPrs: true,
    });
    expect(() => inputs({ 'gpus-per-node': 'eight' })).toThrow(
      "input 'gpus-per-node' is 'eight', which is not a whole number ≥ 1",
    );
    expect(() => inputs({ wait: 'yes' })).toThrow("input 'wait' is 'yes', which is not true or false");
    expect(() => inputs({ 'ssh-port': '70000' })).toThrow(/≤ 65535/);
    expect(() => inputs({ 'time-limit': '4 hours' })).toThrow(/Slurm time limit/);
  });
});

describe('Hub names', () => {
  it("follows huggingface_hub's validate_repo_id rules, with a required namespace", () => {
    for (const ok of [
      'deepseek-ai/DeepSeek-R1-Distill-Qwen-7B',
      'Qwen/Qwen2.5-Math-7B',
      'a/b',
      'org/_x.y-z',
    ]) {
      expect(hubRepoIdProblem(ok)).toBeUndefined();
    }
    expect(hubRepoIdProblem('gpt2')).toMatch(/namespace\/name/);
    expect(hubRepoIdProblem('datasets/org/name')).toMatch(/exactly one/);
    expect(hubRepoIdProblem('org/-name')).toMatch(/start or end/);
    expect(hubRepoIdProblem('org/name.')).toMatch(/start or end/);
    expect(hubRepoIdProblem('org/na..me')).toMatch(/'\.\.'/);
    expect(hubRepoIdProblem('org/name.git')).toMatch(/\.git/);
    expect(hubRepoIdProblem('org/name with space')).toMatch(/letters, digits/);
    expect(hubRepoIdProblem(`org/${'x'.repeat(96)}`)).toBeUndefined();
    expect(hubRepoIdProblem(`org/${'x'.repeat(97)}`)).toMatch(/longer than 96/);
  });

  it('accepts branches, tags, shas and PR refs; rejects what git would', () => {
    for (const ok of ['main', 'v1.2.0', 'refs/pr/3', 'a'.repeat(40), 'step-1200', 'feature/x']) {
      expect(hubRevisionProblem(ok)).toBeUndefined();
    }
    for (const bad of [
      '',
      'a b',
      'a..b',
      '-x',
      'x/',
      'x.lock',
      'a@{1}',
      'x:y',
      'a~1',
      '$(id)',
      'a;b',
      '.hidden',
    ]) {
      expect(hubRevisionProblem(bad)).toBeDefined();
    }
  });
});
