import { describe, expect, it } from 'vitest';
import {
  buildLightevalArgs,
  type ClusterShape,
  getBenchmark,
  nextLargerPlan,
  PlanError,
  parseModelConfig,
  planEvaluation,
  planToJson,
  renderPlanText,
  tensorParallelProblem,
  validTensorParallelSizes,
} from '../src/index';
import { fixtureFacts, fixtureModels, readFixtureJson } from './fixtures';

const h100: ClusterShape = { gpusPerNode: 8, gpuMemoryGiB: 80, maxNodes: 1 };
const a100_40: ClusterShape = { gpusPerNode: 8, gpuMemoryGiB: 40, maxNodes: 1 };

const layout = (id: string, cluster: ClusterShape) => {
  const job = planEvaluation({ facts: fixtureFacts(id), cluster }).jobs[0];
  if (!job) throw new Error('no job');
  return `TP ${job.tensorParallel} PP ${job.pipelineParallel} DP ${job.dataParallel}`;
};

describe('plans for every fixture model (default benchmarks, 1 node)', () => {
  // Pinned so that a change to the memory model shows up here as a reviewed diff.
  it.each([
    ['deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B', 'TP 1 PP 1 DP 8', 'TP 1 PP 1 DP 8'],
    ['deepseek-ai/DeepSeek-R1-Distill-Qwen-7B', 'TP 1 PP 1 DP 8', 'TP 1 PP 1 DP 8'],
    ['deepseek-ai/DeepSeek-R1-Distill-Qwen-14B', 'TP 1 PP 1 DP 8', 'TP 2 PP 1 DP 4'],
    ['deepseek-ai/DeepSeek-R1-Distill-Qwen-32B', 'TP 2 PP 1 DP 4', 'TP 4 PP 1 DP 2'],
    ['deepseek-ai/DeepSeek-R1-Distill-Llama-8B', 'TP 1 PP 1 DP 8', 'TP 1 PP 1 DP 8'],
    ['deepseek-ai/DeepSeek-R1-Distill-Llama-70B', 'TP 4 PP 1 DP 2', 'TP 8 PP 1 DP 1'],
    ['Qwen/Qwen2.5-Math-7B', 'TP 1 PP 1 DP 8', 'TP 1 PP 1 DP 8'],
    ['Qwen/Qwen3-8B', 'TP 1 PP 1 DP 8', 'TP 2 PP 1 DP 4'],
    ['mistralai/Mixtral-8x7B-v0.1', 'TP 2 PP 1 DP 4', 'TP 4 PP 1 DP 2'],
  ])('%s: 8×80 GiB → %s, 8×40 GiB → %s', (id, on80, on40) => {
    expect(layout(id, h100)).toBe(on80);
    expect(layout(id, a100_40)).toBe(on40);
  });

  it('every plan leaves each GPU within its budget with room for at least 4 full sequences', () => {
    for (const id of fixtureModels) {
      for (const cluster of [h100, a100_40]) {
        for (const job of planEvaluation({ facts: fixtureFacts(id), cluster }).jobs) {
          const m = job.memoryPerGpuGiB;
          expect(m.weights + m.overhead + m.kvCache).toBeCloseTo(m.budget, 1);
          expect(job.concurrentSequences).toBeGreaterThanOrEqual(4);
          expect(job.tensorParallel * job.pipelineParallel * job.dataParallel).toBeLessThanOrEqual(8);
        }
      }
    }
  });
});

describe('why the plans are what they are', () => {
  it('R1-Distill-Qwen-32B gets TP 2 on 80 GiB: one GPU holds the 61 GiB of weights but not one full sequence', () => {
    const job = planEvaluation({
      facts: fixtureFacts('deepseek-ai/DeepSeek-R1-Distill-Qwen-32B'),
      cluster: h100,
    }).jobs[0];
    expect(job?.memoryPerGpuGiB.weights).toBeCloseTo(30.51, 1);
    expect(job?.reasons.join('\n')).toMatch(/not TP 1 × PP 1: weights 61\.0 GiB .* so [01] fit/);
    expect(job?.concurrentSequences).toBeGreaterThanOrEqual(4);
  });

  it('R1-Distill-Llama-70B gets TP 4 on 80 GiB (open-r1 would use 8), and the reasons say why not 2', () => {
    const job = planEvaluation({
      facts: fixtureFacts('deepseek-ai/DeepSeek-R1-Distill-Llama-70B'),
      cluster: h100,
    }).jobs[0];
    expect(job?.tensorParallel).toBe(4);
    expect(job?.reasons.join('\n')).toMatch(/not TP 2 × PP 1: weights 65\.7 GiB/);
    expect(job?.reasons.join('\n')).toMatch(/not TP 3: 64 attention heads do not split into 3/);
  });

  it('Qwen2.5-Math-7B is capped at its 4,096 positions and warns that scores are not comparable', () => {
    const job = planEvaluation({ facts: fixtureFacts('Qwen/Qwen2.5-Math-7B'), cluster: h100 }).jobs[0];
    expect(job?.maxModelLength).toBe(4096);
    expect(job?.maxNewTokens).toBe(4096 - getBenchmark('gpqa:diamond').maxPromptTokens);
    expect(job?.lightevalModelArgs).toContain('max_new_tokens:2048');
    expect(job?.warnings.join(' ')).toMatch(/NOT comparable with full-length runs/);
  });

  it('Mixtral: TP must split the 14,336-wide experts, the 32 heads and the 8 KV heads', () => {
    const config = fixtureFacts('mistralai/Mixtral-8x7B-v0.1').config;
    expect(config.moe).toMatchObject({ experts: 8, expertsPerToken: 2, expertIntermediateSize: 14336 });
    expect(validTensorParallelSizes(config, 8)).toEqual([1, 2, 4, 8]);
    if (!config.moe) throw new Error('Mixtral is a mixture of experts');
    const odd = { ...config, moe: { ...config.moe, expertIntermediateSize: 14336 + 2 } };
    expect(tensorParallelProblem(odd, 4, 8)).toMatch(/expert intermediate size 14338 does not split into 4/);
  });

  it('FP8 block-quantized experts must split into whole 128-wide blocks', () => {
    const config = parseModelConfig({
      model_type: 'deepseek_v3',
      num_hidden_layers: 4,
      num_attention_heads: 16,
      hidden_size: 2048,
      intermediate_size: 10944,
      moe_intermediate_size: 1408,
      n_routed_experts: 64,
      vocab_size: 102400,
      kv_lora_rank: 512,
      qk_rope_head_dim: 64,
      quantization_config: { quant_method: 'fp8', weight_block_size: [128, 128] },
    });
    // 1408 / 2 = 704 is not a multiple of 128.
    expect(tensorParallelProblem(config, 2, 8)).toMatch(/FP8 blocks/);
  });

  it('KV heads and TP must divide one another; TP stays within a node', () => {
    const config = fixtureFacts('deepseek-ai/DeepSeek-R1-Distill-Qwen-7B').config; // 28 heads, 4 KV heads
    expect(validTensorParallelSizes(config, 8)).toEqual([1, 2, 4]);
    expect(tensorParallelProblem(config, 7, 8)).toMatch(/KV heads/);
    expect(tensorParallelProblem(config, 4, 2)).toMatch(/exceeds the 2 GPUs of a node/);
  });

  it('MLA caches one latent per token, not split by TP', () => {
    const config = parseModelConfig(readFixtureJson('Qwen/Qwen3-8B', 'config.json'));
    const mla = {
      ...config,
      mla: { kvLoraRank: 512, qLoraRank: undefined, qkRopeHeadDim: 64, qkNopeHeadDim: 128, vHeadDim: 128 },
    };
    const facts = { ...fixtureFacts('Qwen/Qwen3-8B'), config: mla };
    const tp1 = planEvaluation({ facts, cluster: h100, tensorParallel: 1 }).jobs[0];
    const tp2 = planEvaluation({ facts, cluster: h100, tensorParallel: 2 }).jobs[0];
    const perSeq = (j: typeof tp1) =>
      j ? j.memoryPerGpuGiB.kvCache / Math.max(1, j.concurrentSequences) : 0;
    expect(perSeq(tp1)).toBeGreaterThan(0);
    // Same KV per sequence on each GPU: more GPUs only help through the freed weight memory.
    expect(tp2?.concurrentSequences).toBeGreaterThan(tp1?.concurrentSequences ?? 0);
  });

  it('spans nodes with pipeline parallel when one node is not enough', () => {
    const facts = fixtureFacts('deepseek-ai/DeepSeek-R1-Distill-Llama-70B');
    const job = planEvaluation({ facts, cluster: { gpusPerNode: 8, gpuMemoryGiB: 24, maxNodes: 2 } }).jobs[0];
    expect(job).toMatchObject({ nodes: 2, tensorParallel: 8, pipelineParallel: 2 });
  });
});

describe('no fit', () => {
  it('says how much memory each GPU needs and what would make it fit', () => {
    const facts = fixtureFacts('deepseek-ai/DeepSeek-R1-Distill-Llama-70B');
    const error = (() => {
      try {
        planEvaluation({ facts, cluster: { gpusPerNode: 8, gpuMemoryGiB: 24, maxNodes: 1 } });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(PlanError);
    expect((error as PlanError).message).toMatch(
      /does not fit: on all 8 GPUs .* each GPU needs \d+\.\d GiB .* but has 24 GiB/,
    );
    expect((error as PlanError).hint).toMatch(/--max-nodes 2/);
  });
});

describe('jobs and overrides', () => {
  const facts = fixtureFacts('deepseek-ai/DeepSeek-R1-Distill-Qwen-7B');

  it('puts all benchmarks in one job by default and splits on request', () => {
    expect(planEvaluation({ facts, cluster: h100 }).jobs.map((j) => j.benchmarks)).toEqual([
      ['aime24', 'math_500', 'gpqa:diamond'],
    ]);
    const split = planEvaluation({
      facts,
      cluster: h100,
      benchmarks: ['aime24', 'lcb:codegeneration'],
      jobPerBenchmark: true,
    });
    expect(split.jobs.map((j) => [j.benchmarks, j.maxModelLength])).toEqual([
      [['aime24'], 1024 + 32768],
      [['lcb:codegeneration'], 4096 + 32768],
    ]);
  });

  it('honours a GPU budget per job when filling data parallel', () => {
    const job = planEvaluation({ facts, cluster: { ...h100, gpuBudgetPerJob: 3 } }).jobs[0];
    expect([job?.tensorParallel, job?.dataParallel, job?.gpusPerNode]).toEqual([1, 3, 3]);
  });

  it('rejects a max model length beyond the model positions and an unknown benchmark', () => {
    expect(() =>
      planEvaluation({ facts: fixtureFacts('Qwen/Qwen2.5-Math-7B'), cluster: h100, maxModelLength: 8192 }),
    ).toThrow(/exceeds the model's 4,096 positions/);
    expect(() => planEvaluation({ facts, cluster: h100, benchmarks: ['mmlu'] })).toThrow(
      /unknown benchmark 'mmlu'/,
    );
  });

  it('nextLargerPlan moves to the next valid model-parallel size after an OOM, then runs out', () => {
    const plan = planEvaluation({
      facts: fixtureFacts('deepseek-ai/DeepSeek-R1-Distill-Qwen-32B'),
      cluster: h100,
    });
    const first = plan.jobs[0];
    if (!first) throw new Error('no job');
    const second = nextLargerPlan(plan, first);
    expect([second?.tensorParallel, second?.dataParallel]).toEqual([4, 2]);
    expect(second?.reasons[0]).toMatch(/out-of-memory failure at TP 2 × PP 1/);
    const third = second && nextLargerPlan(plan, second);
    expect(third?.tensorParallel).toBe(8);
    expect(third && nextLargerPlan(plan, third)).toBeUndefined();
  });
});

describe('LightEval command per version', () => {
  const base = {
    model: 'org/model',
    revision: 'abc123',
    dtype: 'bfloat16',
    tensorParallel: 2,
    pipelineParallel: 1,
    dataParallel: 4,
    maxModelLength: 33792,
    gpuMemoryUtilization: 0.9,
    maxNewTokens: 32768,
    temperature: 0.6,
    topP: 0.95,
    benchmarks: [getBenchmark('aime24'), getBenchmark('math_500')],
    outputDir: '/scratch/out',
  };

  it('0.8: pretrained=, 4-part tasks, --use-chat-template', () => {
    const cmd = buildLightevalArgs({ ...base, lightevalVersion: '0.8.1' });
    expect(cmd.modelArgs.startsWith('pretrained=org/model,revision=abc123,')).toBe(true);
    expect(cmd.argv).toEqual([
      'lighteval',
      'vllm',
      cmd.modelArgs,
      'lighteval|aime24|0|0,lighteval|math_500|0|0',
      '--output-dir',
      '/scratch/out',
      '--save-details',
      '--use-chat-template',
    ]);
  });

  it('0.10: model_name=, still the 4-part task and --use-chat-template', () => {
    const cmd = buildLightevalArgs({ ...base, lightevalVersion: '0.10.0' });
    expect(cmd.modelArgs).toBe(
      'model_name=org/model,revision=abc123,dtype=bfloat16,tensor_parallel_size=2,pipeline_parallel_size=1,data_parallel_size=4,max_model_length=33792,gpu_memory_utilization=0.9,generation_parameters={max_new_tokens:32768,temperature:0.6,top_p:0.95}',
    );
    expect(cmd.argv).toContain('--use-chat-template');
  });

  it('0.11–0.12: 3-part tasks asking for the samples, no --use-chat-template; 0.13: task@n=N|fewshot', () => {
    expect(buildLightevalArgs({ ...base, lightevalVersion: '0.12.0' }).argv.slice(3)).toEqual([
      'lighteval|aime24@n=64|0,lighteval|math_500@n=4|0',
      '--output-dir',
      '/scratch/out',
      '--save-details',
    ]);
    expect(buildLightevalArgs({ ...base, lightevalVersion: '0.13.0' }).argv[3]).toBe(
      'aime24@n=64|0,math_500@n=4|0',
    );
  });

  it('asks for spawned workers with data parallel, and passes --custom-tasks for custom benchmarks', () => {
    expect(buildLightevalArgs({ ...base, lightevalVersion: '0.13.0' }).env).toEqual({
      VLLM_WORKER_MULTIPROC_METHOD: 'spawn',
    });
    const custom = {
      ...getBenchmark('aime24'),
      name: 'mine',
      suite: 'custom',
      task: 'mine',
      customTasksPath: '/shared/tasks.py',
    };
    const cmd = buildLightevalArgs({
      ...base,
      dataParallel: 1,
      benchmarks: [custom],
      lightevalVersion: '0.12.0',
    });
    expect(cmd.argv.slice(-2)).toEqual(['--custom-tasks', '/shared/tasks.py']);
    expect(cmd.env).toEqual({});
  });

  it('refuses a model path that would break the comma-separated model args', () => {
    expect(() => buildLightevalArgs({ ...base, model: '/ckpt/a,b', lightevalVersion: '0.13.0' })).toThrow(
      PlanError,
    );
  });
});

describe('rendering', () => {
  it('the JSON contract has exactly the documented job keys', () => {
    const json = planToJson(planEvaluation({ facts: fixtureFacts('Qwen/Qwen3-8B'), cluster: h100 }));
    expect(Object.keys(json)).toEqual(['model', 'cluster', 'jobs', 'reasons', 'warnings']);
    expect(Object.keys(json.jobs[0] ?? {})).toEqual([
      'benchmarks',
      'nodes',
      'gpusPerNode',
      'tensorParallel',
      'pipelineParallel',
      'dataParallel',
      'maxModelLength',
      'gpuMemoryUtilization',
      'memoryPerGpuGiB',
      'maxNumSeqs',
      'maxNumBatchedTokens',
      'lightevalModelArgs',
      'lightevalArgv',
      'estimatedCost',
      'route',
      'routeReason',
      'serveArgv',
      'seed',
    ]);
    expect(json.cluster).toEqual({ gpusPerNode: 8, gpuMemoryGiB: 80, maxNodes: 1 });
  });

  it('the text shows the layout, a memory bar, reasons and warnings', () => {
    const text = renderPlanText(
      planEvaluation({ facts: fixtureFacts('Qwen/Qwen2.5-Math-7B'), cluster: h100 }),
    );
    expect(text).toMatch(/TP 1 × PP 1 × DP 8/);
    expect(text).toMatch(/\[#+o*~+\.*\] 80 GiB/);
    expect(text).toMatch(/! max_new_tokens capped at 2,048/);
  });
});
