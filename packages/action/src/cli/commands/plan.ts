import { loadModelFacts, planEvaluation, planToJson, renderPlanText } from '@model-eval/planner';
import {
  type CommandSpec,
  integerOption,
  listOption,
  numberOption,
  type ParsedArgs,
  stringOption,
  UsageError,
} from '../command';

export const planCommand: CommandSpec = {
  name: 'plan',
  summary: 'Size the GPUs and vLLM parallelism for a model (no cluster contact)',
  options: {
    model: { type: 'string', description: 'Hub model id or local directory (required)', valueName: 'id|dir' },
    revision: { type: 'string', description: 'Hub revision (branch, tag or commit)', valueName: 'rev' },
    'gpus-per-node': { type: 'string', description: 'GPUs per node (default 8)', valueName: 'N' },
    'gpu-memory-gib': { type: 'string', description: 'Memory per GPU in GiB (default 80)', valueName: 'G' },
    'max-nodes': { type: 'string', description: 'Most nodes one job may span (default 1)', valueName: 'K' },
    benchmarks: {
      type: 'string',
      description: 'Comma-separated benchmarks (default aime24,math_500,gpqa:diamond)',
      valueName: 'a,b',
    },
    'gpu-memory-utilization': {
      type: 'string',
      description: 'Fraction of GPU memory vLLM may use (default 0.9)',
      valueName: 'U',
    },
    'max-model-length': { type: 'string', description: 'Override max_model_length', valueName: 'L' },
    'lighteval-version': {
      type: 'string',
      description: 'Targeted LightEval version (default newest)',
      valueName: 'V',
    },
    json: { type: 'boolean', description: 'Print the plan as JSON on stdout' },
  },
  run: async (args: ParsedArgs, io) => {
    const model = stringOption(args, 'model');
    if (model === undefined) throw new UsageError('--model is required');
    const gpuMemoryUtilization = numberOption(args, 'gpu-memory-utilization', 0.05, 1);
    const maxModelLength = integerOption(args, 'max-model-length');
    const lightevalVersion = stringOption(args, 'lighteval-version');
    const cluster = {
      gpusPerNode: integerOption(args, 'gpus-per-node') ?? 8,
      gpuMemoryGiB: numberOption(args, 'gpu-memory-gib', 1, 4096) ?? 80,
      maxNodes: integerOption(args, 'max-nodes') ?? 1,
    };
    const benchmarks = listOption(args, 'benchmarks');
    const facts = await loadModelFacts({
      model,
      revision: stringOption(args, 'revision'),
      hubEndpoint: io.env.HF_ENDPOINT || undefined,
      token: io.env.HF_TOKEN || undefined,
      cwd: io.cwd,
    });
    const plan = planEvaluation({
      facts,
      cluster,
      benchmarks,
      gpuMemoryUtilization,
      maxModelLength,
      lightevalVersion,
    });
    io.stdout(
      args.values.json === true
        ? `${JSON.stringify(planToJson(plan), null, 2)}\n`
        : `${renderPlanText(plan)}\n`,
    );
    return 0;
  },
};
