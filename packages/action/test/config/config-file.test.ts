import { describe, expect, it } from 'vitest';
import { ConfigFileError, closestName, parseConfigFile } from '../../src/config';

function issuesOf(text: string): string[] {
  try {
    parseConfigFile(text, 'model-eval.yml');
  } catch (error) {
    if (error instanceof ConfigFileError) return error.message.split('\n');
    throw error;
  }
  throw new Error('expected a ConfigFileError');
}

const valid = `# evaluation settings
model: deepseek-ai/DeepSeek-R1-Distill-Qwen-7B
benchmarks:
  - aime24
  - name: my_task
    task: community|my_task
    custom-tasks-path: tasks/my_task.py
cluster:
  host: login.example.org
  user: evalbot
  partition: gpu
  time-limit: "04:00:00"
  gpus-per-node: 8
  gpu-memory-gib: 80
  job-setup: |
    module load cuda/12.4
    source ~/venv/bin/activate
lighteval-version: "0.10"
baseline:
  fixed: deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B@main
labels:
  trigger: evaluate
  remove-when-done: false
tags:
  pattern: "v*"
allow-fork-prs: false
`;

describe('parseConfigFile', () => {
  it('reads a complete file', () => {
    const config = parseConfigFile(valid);
    expect(config.model).toBe('deepseek-ai/DeepSeek-R1-Distill-Qwen-7B');
    expect(config.cluster?.['gpus-per-node']).toBe(8);
    expect(config.cluster?.['time-limit']).toBe('04:00:00');
    expect(config['lighteval-version']).toBe('0.10');
    expect(config.baseline).toEqual({ fixed: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B@main' });
    expect(config.benchmarks?.[1]).toMatchObject({
      name: 'my_task',
      'custom-tasks-path': 'tasks/my_task.py',
    });
  });

  it('treats an empty file as no settings', () => {
    expect(parseConfigFile('# nothing yet\n')).toEqual({});
  });

  it('reports a wrong value at its line and column', () => {
    const text = valid.replace('gpus-per-node: 8', 'gpus-per-node: 8.5');
    expect(issuesOf(text)).toEqual([
      'model-eval.yml:13:18: cluster.gpus-per-node must be a whole number ≥ 1',
    ]);
  });

  it('reports an unknown key at the key, with a did-you-mean', () => {
    const text = valid.replace('gpu-memory-gib: 80', 'gpu_memory_gb: 80');
    expect(issuesOf(text)).toEqual([
      "model-eval.yml:14:3: cluster.gpu_memory_gb is not a known key (did you mean 'gpu-memory-gib'?)",
    ]);
  });

  it('lists the known keys when nothing is close', () => {
    const [issue] = issuesOf('model: a/b\nflavour: vanilla\n');
    expect(issue).toMatch(/^model-eval\.yml:2:1: flavour is not a known key \(known here: model, revision, /);
  });

  it('catches YAML reading an unquoted version as a number', () => {
    const text = valid.replace('lighteval-version: "0.10"', 'lighteval-version: 0.10');
    expect(issuesOf(text)).toEqual([
      "model-eval.yml:18:20: lighteval-version must be a string (quote values such as '0.10' that YAML would read as numbers)",
    ]);
  });

  it('reports the real problem inside a custom task rather than "no alternative matched"', () => {
    const text = valid.replace('custom-tasks-path:', 'custom-task-path:');
    expect(issuesOf(text)).toEqual([
      'model-eval.yml:5:5: benchmarks[1].custom-tasks-path is required',
      "model-eval.yml:7:5: benchmarks[1].custom-task-path is not a known key (did you mean 'custom-tasks-path'?)",
    ]);
  });

  it('refuses secrets in the committed file and names the input to use', () => {
    const [issue] = issuesOf(`${valid}hf-token: hf_abc\n`);
    expect(issue).toBe(
      "model-eval.yml:27:1: hf-token is a secret and must not be in the config file (it is committed): pass it as the 'hf-token' input from a repository secret",
    );
    expect(issuesOf(valid.replace('user: evalbot', 'user: evalbot\n  ssh-private-key: x'))[0]).toMatch(
      /^model-eval\.yml:11:3: cluster\.ssh-private-key is a secret .* 'ssh-private-key' input/,
    );
  });

  it('calls keys named like Object.prototype members unknown, not secrets', () => {
    for (const key of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const [issue] = issuesOf(`${valid}${key}: 1\n`);
      expect(issue).toMatch(new RegExp(`^model-eval\\.yml:27:1: ${key} is not a known key`));
      expect(issue).not.toContain('native code');
    }
  });

  it('reports every problem at once, in line order', () => {
    const text = 'wait: yes\ncluster:\n  port: 70000\n  max-nodes: 0\nbaseline: latest\n';
    expect(issuesOf(text)).toEqual([
      'model-eval.yml:1:7: wait must be true or false',
      'model-eval.yml:3:9: cluster.port must be a port number (1–65535)',
      'model-eval.yml:4:14: cluster.max-nodes must be a whole number ≥ 1',
      "model-eval.yml:5:11: baseline must be previous-tag, base-revision, none, or {fixed: 'namespace/name@revision'}",
    ]);
  });

  it('reports YAML syntax errors and duplicate keys with their line', () => {
    expect(issuesOf('model: a/b\nmodel: c/d\n')).toEqual(['model-eval.yml:2:1: Map keys must be unique']);
    const [syntax] = issuesOf('cluster:\n  host: [a, b\n');
    expect(syntax).toMatch(/^model-eval\.yml:\d+:\d+: /);
  });

  it('rejects a file that is not a mapping, and a section that is not one', () => {
    expect(issuesOf('- aime24\n')).toEqual([
      'model-eval.yml:1:1: the config file must be a mapping of settings (key: value lines)',
    ]);
    expect(issuesOf('cluster: 8\n')).toEqual([
      'model-eval.yml:1:10: cluster must be a mapping (indented key: value lines)',
    ]);
  });

  it('checks Slurm time limits', () => {
    expect(parseConfigFile('cluster:\n  time-limit: 90\n').cluster?.['time-limit']).toBe('90');
    expect(parseConfigFile('cluster:\n  time-limit: 1-12:00:00\n').cluster?.['time-limit']).toBe(
      '1-12:00:00',
    );
    expect(issuesOf('cluster:\n  time-limit: 4h\n')[0]).toMatch(
      /^model-eval\.yml:2:15: cluster\.time-limit must be a Slurm/,
    );
  });
});

describe('closestName', () => {
  it('suggests across spelling conventions and small typos, not for unrelated words', () => {
    expect(closestName('gpusPerNode', ['gpus-per-node', 'max-nodes'])).toBe('gpus-per-node');
    expect(closestName('partiton', ['partition', 'account'])).toBe('partition');
    expect(closestName('flavour', ['partition', 'account'])).toBeUndefined();
  });
});
