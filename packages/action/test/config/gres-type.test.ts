import { readFileSync } from 'node:fs';
import { planEvaluation } from '@model-eval/planner';
import { renderBatchScript } from '@model-eval/slurm';
import { describe, expect, it } from 'vitest';
import { fixtureFacts } from '../../../planner/test/fixtures';
import { readActionSettings } from '../../src/action/action-settings';
import type { ActionEnvironment } from '../../src/action/environment';
import { type CliIo, parseCommandArgs, UsageError } from '../../src/cli/command';
import { runOptions, settingsFromArgs } from '../../src/cli/run-options';
import { parseConfigFile, SettingsError } from '../../src/config';
import { toJobSpec } from '../../src/run/job-specs';

const pushTag = JSON.parse(
  readFileSync(new URL('../../../../test/fixtures/events/push-tag.json', import.meta.url), 'utf8'),
);

const config = (cluster: string) => `model: deepseek-ai/DeepSeek-R1-Distill-Qwen-7B
benchmarks: [math_500]
cluster:
  gpus-per-node: 8
${cluster}`;

/** The action's own path from inputs and the config file to the `#SBATCH` GPU line of the first job. */
function gresLine(inputs: Record<string, string>, clusterYaml: string): string[] {
  const env: NodeJS.ProcessEnv = { GITHUB_EVENT_NAME: 'push', GITHUB_WORKSPACE: '/ws', GITHUB_RUN_ID: '7' };
  for (const [name, value] of Object.entries(inputs))
    env[`INPUT_${name.toUpperCase().replace(/-/g, '_')}`] = value;
  const runner = {
    env,
    core: { setSecret: () => {} },
    readFile: (path: string) => (path === '/ws/.github/model-eval.yml' ? config(clusterYaml) : undefined),
  } as unknown as ActionEnvironment;
  const outcome = readActionSettings(runner, { eventName: 'push', payload: pushTag, githubToken: '' });
  if (outcome.kind !== 'run') throw new Error(`expected a run: ${outcome.reason}`);
  const run = outcome.settings.run;
  const plan = planEvaluation({
    facts: fixtureFacts('deepseek-ai/DeepSeek-R1-Distill-Qwen-7B'),
    cluster: run.cluster,
    benchmarks: run.benchmarks,
  });
  const job = plan.jobs[0];
  if (!job) throw new Error('no job planned');
  return renderBatchScript(toJobSpec(job, 0, run))
    .split('\n')
    .filter((line) => /^#SBATCH --(gres|gpus)/.test(line));
}

describe('gres-type: from the settings to the #SBATCH line', () => {
  it('requests any GPU when no gres-type is set, even with a gpu-type', () => {
    expect(gresLine({}, '  gpu-type: h100\n')).toEqual(['#SBATCH --gres=gpu:8']);
    expect(gresLine({}, '  gpu-memory-gib: 80\n')).toEqual(['#SBATCH --gres=gpu:8']);
  });

  it("writes the cluster's own type name, from the config file or the input (the input wins)", () => {
    expect(gresLine({}, '  gpu-type: h100\n  gres-type: nvidia_h100_80gb_hbm3\n')).toEqual([
      '#SBATCH --gres=gpu:nvidia_h100_80gb_hbm3:8',
    ]);
    expect(gresLine({ 'gres-type': 'H100.sxm' }, '  gpu-type: h100\n  gres-type: h100\n')).toEqual([
      '#SBATCH --gres=gpu:H100.sxm:8',
    ]);
  });

  it("'auto' takes the gpu-type's usual name (an input gpu-type over the file's)", () => {
    expect(gresLine({}, '  gpu-type: a100-80\n  gres-type: auto\n')).toEqual(['#SBATCH --gres=gpu:a100:8']);
    expect(gresLine({ 'gpu-type': 'h200' }, '  gpu-type: a100-80\n  gres-type: auto\n')).toEqual([
      '#SBATCH --gres=gpu:h200:8',
    ]);
    expect(() => gresLine({}, '  gpu-memory-gib: 80\n  gres-type: auto\n')).toThrow(
      /gres-type is 'auto' but no gpu-type/,
    );
  });

  it('refuses a type name outside [A-Za-z0-9_.-] in the config file, the input and the CLI', () => {
    for (const bad of ['h100:2', 'h100,mps:1', 'a b', '$(id)', "h'1"]) {
      expect(() => parseConfigFile(`cluster:\n  gres-type: "${bad}"\n`), bad).toThrow(/gres-type/);
      let error: unknown;
      try {
        gresLine({ 'gres-type': bad }, '  gpu-memory-gib: 80\n');
      } catch (caught) {
        error = caught;
      }
      expect(error, bad).toBeInstanceOf(SettingsError);
      expect((error as Error).message).toMatch(/not a GRES type name/);
    }
  });
});

describe('--gres-type (CLI)', () => {
  const cli = (...argv: string[]) =>
    settingsFromArgs(
      parseCommandArgs({ name: 'run', summary: '', options: runOptions, run: async () => 0 }, [
        '--model',
        'm',
        ...argv,
      ]),
      { cwd: '/tmp', env: {}, stdout: () => {}, stderr: () => {} } satisfies CliIo,
    ).slurm.gresType;

  it('passes the type name on, resolves auto from --gpu-type, and refuses a bad name', () => {
    expect(cli()).toBeUndefined();
    expect(cli('--gres-type', 'h100')).toBe('h100');
    expect(cli('--gpu-type', 'a100-40', '--gres-type', 'auto')).toBe('a100');
    expect(() => cli('--gres-type', 'auto')).toThrow(UsageError);
    expect(() => cli('--gres-type', 'h100:8')).toThrow(/not a GRES type name/);
  });
});
