import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { getBenchmark, planEvaluation } from '@model-eval/planner';
import { describe, expect, it } from 'vitest';
import { fixtureFacts } from '../../packages/planner/test/fixtures';

// `pnpm bench:throughput` needs a GPU and cannot run here; what can be checked here is that it
// refuses clearly without one, and that it compares LightEval's defaults with what the planner plans.

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = `${root}node_modules/.bin/tsx`;
const model = './test/fixtures/models/deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B';

function bench(args: string[], env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(tsx, ['bench/throughput.ts', ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('pnpm bench:throughput', () => {
  it('exits 2 with a message naming the missing GPU when nvidia-smi is not there', () => {
    // PATH without nvidia-smi: tsx is called by its path and finds node through process.execPath's directory.
    const run = bench(['--model', model], {
      ...process.env,
      PATH: `${process.execPath.replace(/\/node$/, '')}`,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/needs an NVIDIA GPU and finds none: nvidia-smi not found/);
    expect(run.stderr).toMatch(/Run it on a GPU node/);
    expect(run.stdout).toBe('');
  }, 30_000);

  it("compares LightEval's defaults with the planner's values for one GPU (dry run)", () => {
    const run = bench(['--dry-run', '--gpu-memory-gib', '79.1', '--model', model]);
    expect(run.status, run.stderr).toBe(0);
    const summary = JSON.parse(run.stdout) as {
      maxModelLength: number;
      lightevalDefaults: { maxNumSeqs: number; maxNumBatchedTokens: number };
      planned: { maxNumSeqs: number; maxNumBatchedTokens: number };
      command: string[];
    };
    const job = planEvaluation({
      facts: fixtureFacts('deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B'),
      cluster: { gpusPerNode: 1, gpuMemoryGiB: 79.1, maxNodes: 1 },
      benchmarks: [getBenchmark('math_500')],
    }).jobs[0];
    // LightEval's VLLMModelConfig defaults (lighteval v0.13.0 src/lighteval/models/vllm/vllm_model.py).
    expect(summary.lightevalDefaults).toEqual({ maxNumSeqs: 128, maxNumBatchedTokens: 2048 });
    expect(summary.planned).toEqual({
      maxNumSeqs: job?.maxNumSeqs,
      maxNumBatchedTokens: job?.maxNumBatchedTokens,
    });
    expect(summary.maxModelLength).toBe(job?.maxModelLength);
    expect(summary.command).toContain('--setting=128,2048');
    expect(summary.command).toContain(`--setting=${job?.maxNumSeqs},${job?.maxNumBatchedTokens}`);
  }, 30_000);

  // CI machines and this one have no GPU; on a GPU node with vLLM this test is not meaningful.
  it('bench/throughput.py itself refuses to run without a GPU (or without torch/vLLM), exit 2', () => {
    const run = spawnSync('python3', ['bench/throughput.py', '--model', 'm', '--max-model-len', '4096'], {
      cwd: root,
      encoding: 'utf8',
    });
    if (run.error) throw run.error;
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/not installed|no CUDA GPU is visible/);
  });
});
