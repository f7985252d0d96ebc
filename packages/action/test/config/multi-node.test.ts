import { readFileSync } from 'node:fs';
import { planEvaluation } from '@model-eval/planner';
import { describe, expect, it } from 'vitest';
import {
  ConfigFileError,
  parseConfigFile,
  readActionInputs,
  resolveSettings,
  SettingsError,
} from '../../src/config';
import { multiNodeSpec, toJobSpec } from '../../src/run/job-specs';
import type { RunSettings } from '../../src/run/run-settings';

const multiNodeConfig = `model: org/model
cluster:
  gpus-per-node: 8
  gpu-memory-gib: 80
  max-nodes: 2
  network-interface: ib0
  ray-port: 6380
  serve-port: 8100
  join-timeout: 120
  serve-timeout: 900
  extra-environment:
    NCCL_IB_HCA: mlx5
    NCCL_DEBUG: INFO
route: serve
multi-node-engine: mp
`;

function issuesOf(text: string): string {
  try {
    parseConfigFile(text, 'model-eval.yml');
  } catch (error) {
    if (error instanceof ConfigFileError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigFileError');
}

const dispatch = JSON.parse(
  readFileSync(new URL('../../../../test/fixtures/events/push-tag.json', import.meta.url), 'utf8'),
);

function resolveWith(config: string, inputs: Record<string, string> = {}) {
  const outcome = resolveSettings({
    eventName: 'push',
    eventPayload: dispatch,
    getInput: (name) => inputs[name] ?? '',
    setSecret: () => {},
    readConfigFile: (path) => (path === '.github/model-eval.yml' ? config : undefined),
  });
  if (outcome.kind !== 'run') throw new Error('expected a run');
  return outcome.settings;
}

describe('multi-node settings', () => {
  it('config keys resolve with inputs over the file, unset ones absent (defaults apply later)', () => {
    expect(resolveWith(multiNodeConfig).cluster.multiNode).toEqual({
      route: 'serve',
      engine: 'mp',
      networkInterface: 'ib0',
      rayPort: 6380,
      servePort: 8100,
      joinTimeoutSeconds: 120,
      serveTimeoutSeconds: 900,
      extraEnvironment: { NCCL_IB_HCA: 'mlx5', NCCL_DEBUG: 'INFO' },
    });
    const overridden = resolveWith(multiNodeConfig, {
      route: 'ray',
      'ray-port': '7000',
      'extra-environment': 'NCCL_DEBUG=WARN\n\nNCCL_P2P_LEVEL=NVL',
    }).cluster.multiNode;
    expect(overridden).toMatchObject({
      route: 'ray',
      rayPort: 7000,
      extraEnvironment: { NCCL_DEBUG: 'WARN', NCCL_P2P_LEVEL: 'NVL' },
    });
    expect(
      resolveWith('model: org/model\ncluster: {gpus-per-node: 8, gpu-memory-gib: 80}\n').cluster.multiNode,
    ).toEqual({});
  });

  it('the config file refuses wrong values with their line, and misspelt keys with a suggestion', () => {
    const bad = issuesOf(
      'route: sideways\nmulti-node-engine: mpi\ncluster:\n  ray-port: 70000\n  network-interface: "ib0,eth0"\n  join-timeout: 1.5\n  extra-environment:\n    HF_TOKEN: hf_x\n    model_eval_secrets: /tmp/x\n',
    );
    expect(bad).toMatch(/:1:8: route must be one of auto, in-process, ray, serve/);
    expect(bad).toMatch(/:2:20: multi-node-engine must be one of ray, mp/);
    expect(bad).toMatch(/:4:13: cluster\.ray-port must be a port number/);
    expect(bad).toMatch(/cluster\.network-interface must be one network interface name/);
    expect(bad).toMatch(/cluster\.join-timeout must be a whole number of seconds/);
    expect(bad).toMatch(/:8:15: cluster\.extra-environment\.HF_TOKEN is a secret/);
    expect(bad).toMatch(/extra-environment\.model_eval_secrets is reserved/);
    expect(issuesOf('cluster:\n  serve-prot: 8000\n')).toMatch(/did you mean 'serve-port'/);
  });

  it('action inputs are checked with messages naming the input', () => {
    const inputs = (values: Record<string, string>) => () => readActionInputs((name) => values[name] ?? '');
    expect(inputs({ route: 'fast' })).toThrow(SettingsError);
    expect(inputs({ route: 'fast' })).toThrow(/input 'route' is 'fast'/);
    expect(inputs({ 'serve-port': '0' })).toThrow(/input 'serve-port'/);
    expect(inputs({ 'network-interface': 'eth0; reboot' })).toThrow(/input 'network-interface'/);
    expect(inputs({ 'extra-environment': 'JUST_A_NAME' })).toThrow(/NAME=value/);
    expect(inputs({ 'extra-environment': 'SLURM_JOB_ID=1' })).toThrow(/set by Slurm/);
    expect(
      readActionInputs((name) => ({ 'multi-node-engine': 'mp', 'join-timeout': '30' })[name] ?? ''),
    ).toMatchObject({
      multiNodeEngine: 'mp',
      joinTimeout: 30,
    });
  });
});

describe('multi-node job specs', () => {
  const base: RunSettings = {
    model: 'org/model',
    benchmarks: [],
    cluster: { gpusPerNode: 8, gpuMemoryGiB: 24, maxNodes: 2 },
    slurm: { setup: [] },
    remoteDir: '/scratch/runs',
    runId: 'run-1',
    simulate: false,
    maxOomEscalations: 2,
  };

  it('in-process jobs have no multi-node part; ray and serve get the settings or their defaults', async () => {
    const { fixtureFacts } = await import('../../../planner/test/fixtures');
    const model = fixtureFacts('deepseek-ai/DeepSeek-R1-Distill-Llama-70B');
    const one = planEvaluation({ facts: model, cluster: { gpusPerNode: 8, gpuMemoryGiB: 80, maxNodes: 1 } });
    expect(one.jobs[0] && multiNodeSpec(one.jobs[0], base)).toBeUndefined();
    const ray = planEvaluation({ facts: model, cluster: base.cluster }).jobs[0];
    if (!ray) throw new Error('no job');
    expect(multiNodeSpec(ray, base)).toEqual({ route: 'ray', rendezvousPort: 6379, joinTimeoutSeconds: 600 });
    const serve = planEvaluation({ facts: model, cluster: base.cluster, route: 'serve', servePort: 8100 })
      .jobs[0];
    if (!serve) throw new Error('no job');
    const settings: RunSettings = {
      ...base,
      multiNode: {
        networkInterface: 'ib0',
        serveTimeoutSeconds: 60,
        extraEnvironment: { NCCL_DEBUG: 'INFO' },
      },
    };
    const spec = toJobSpec(serve, 0, settings);
    expect(spec.nodes).toBe(2);
    expect(spec.multiNode).toMatchObject({
      route: 'serve',
      networkInterface: 'ib0',
      serve: { port: 8100, engine: 'ray', timeoutSeconds: 60, servedModelName: model.id },
    });
    expect(spec.multiNode?.serve?.argv.slice(0, 2)).toEqual(['vllm', 'serve']);
    expect(spec.environment).toMatchObject({ NCCL_DEBUG: 'INFO' });
    expect(spec.command.slice(0, 3)).toEqual(['lighteval', 'endpoint', 'litellm']);
  });
});
