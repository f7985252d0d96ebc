import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getBenchmark, loadModelFacts, planEvaluation } from '@model-eval/planner';

// `pnpm bench:throughput`: on a GPU node, plans one job for a small model on one GPU and measures
// output tokens/s with LightEval's scheduler defaults (max_num_seqs=128, max_num_batched_tokens=2048,
// VLLMModelConfig at lighteval v0.9.0 … v0.13.0) against the planned values, via bench/throughput.py.
// Without an NVIDIA GPU it exits 2 with a message; `--dry-run` prints the plan and the command only.

const NO_GPU = 2;
const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B' },
    benchmark: { type: 'string', default: 'math_500' },
    'gpu-memory-gib': { type: 'string' },
    'max-new-tokens': { type: 'string' },
    prompts: { type: 'string', default: '64' },
    samples: { type: 'string' },
    python: { type: 'string', default: 'python3' },
    'dry-run': { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  process.stderr.write(`bench:throughput: ${message}\n`);
  process.exit(NO_GPU);
}

/** Memory of GPU 0 as nvidia-smi reports it (MiB / 1024), or a clear failure when there is none. */
function detectGpuMemoryGiB(): number {
  const smi = spawnSync('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits'], {
    encoding: 'utf8',
  });
  const first = smi.status === 0 ? smi.stdout.trim().split('\n')[0] : undefined;
  const mib = first ? Number(first.split(',').at(-1)) : Number.NaN;
  if (!Number.isFinite(mib) || mib <= 0) {
    const why = smi.error
      ? `nvidia-smi not found (${smi.error.message})`
      : `nvidia-smi failed: ${smi.stderr.trim()}`;
    fail(
      `this benchmark needs an NVIDIA GPU and finds none: ${why}. Run it on a GPU node, e.g. srun --gres=gpu:1 pnpm bench:throughput.`,
    );
  }
  process.stderr.write(`bench:throughput: GPU 0 is ${first?.split(',')[0]?.trim()} (${mib} MiB)\n`);
  return mib / 1024;
}

async function main(): Promise<void> {
  const dryRun = values['dry-run'] === true;
  const given = values['gpu-memory-gib'] === undefined ? undefined : Number(values['gpu-memory-gib']);
  if (dryRun && given === undefined) fail('--dry-run needs --gpu-memory-gib (no GPU is asked).');
  const gpuMemoryGiB = given ?? detectGpuMemoryGiB();
  const catalog = getBenchmark(values.benchmark ?? 'math_500');
  const maxNewTokens =
    values['max-new-tokens'] === undefined ? catalog.maxNewTokens : Number(values['max-new-tokens']);
  const benchmark = {
    ...catalog,
    maxNewTokens,
    ...(values.samples !== undefined && { samplesPerPrompt: Number(values.samples) }),
  };
  const facts = await loadModelFacts({ model: values.model ?? '' });
  const plan = planEvaluation({
    facts,
    cluster: { gpusPerNode: 1, gpuMemoryGiB, maxNodes: 1 },
    benchmarks: [benchmark],
  });
  const job = plan.jobs[0];
  if (!job || job.tensorParallel * job.pipelineParallel !== 1)
    fail(
      `${values.model} does not fit one GPU of ${gpuMemoryGiB.toFixed(1)} GiB: pick a smaller model (--model).`,
    );
  if (job.maxNumSeqs === undefined || job.maxNumBatchedTokens === undefined)
    fail('the plan sets no scheduler values (LightEval < 0.9 has no such keys).');
  const argv = [
    fileURLToPath(new URL('./throughput.py', import.meta.url)),
    `--model=${values.model}`,
    `--max-model-len=${job.maxModelLength}`,
    `--gpu-memory-utilization=${job.gpuMemoryUtilization}`,
    `--max-new-tokens=${maxNewTokens}`,
    `--prompts=${values.prompts}`,
    `--samples=${benchmark.samplesPerPrompt}`,
    '--setting=128,2048',
    `--setting=${job.maxNumSeqs},${job.maxNumBatchedTokens}`,
  ];
  const summary = {
    model: values.model,
    benchmark: benchmark.name,
    gpuMemoryGiB,
    maxModelLength: job.maxModelLength,
    lightevalDefaults: { maxNumSeqs: 128, maxNumBatchedTokens: 2048 },
    planned: { maxNumSeqs: job.maxNumSeqs, maxNumBatchedTokens: job.maxNumBatchedTokens },
    command: [values.python, ...argv],
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  if (dryRun) return;
  const run = spawnSync(values.python ?? 'python3', argv, { stdio: 'inherit' });
  if (run.error) fail(`cannot run ${values.python}: ${run.error.message}`);
  process.exit(run.status ?? 1);
}

await main();
