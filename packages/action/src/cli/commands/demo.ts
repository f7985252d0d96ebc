import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepositoryRoot } from '../../run/standin';
import { type CommandSpec, parseCommandArgs, UsageError } from '../command';
import { runCommand, runFromArgs } from './run';

export const DEMO_MODEL = 'test/fixtures/models/deepseek-ai/DeepSeek-R1-Distill-Qwen-7B';

/**
 * The embedded default: the whole pipeline (plan → job script → run → results → report) on this
 * machine, with no cluster, GPU or network. The job script runs as a child process and the LightEval
 * stand-in replaces lighteval, so every score is SIMULATED and says so.
 */
export const demoCommand: CommandSpec = {
  name: 'demo',
  summary: 'Run the embedded default: a simulated evaluation of a bundled model, no cluster or network',
  options: {},
  run: async (_args, io) => {
    const root = findRepositoryRoot();
    if (!root) throw new UsageError('the demo needs a repository checkout (its bundled model configs)');
    const workDir = mkdtempSync(join(tmpdir(), 'model-eval-demo-'));
    io.stderr(`Demo: simulated evaluation of ${DEMO_MODEL} on this machine (work directory ${workDir}).\n`);
    const argv = [
      '--model',
      join(root, DEMO_MODEL),
      '--executor',
      'local',
      '--simulate',
      '--remote-dir',
      join(workDir, 'runs'),
      '--results-json',
      join(workDir, 'results.json'),
      '--report-md',
      join(workDir, 'report.md'),
    ];
    return runFromArgs(parseCommandArgs(runCommand, argv), { ...io, cwd: workDir });
  },
};
