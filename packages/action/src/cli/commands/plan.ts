import { loadModelFacts, planEvaluation, planToJson, renderPlanText } from '@model-eval/planner';
import { routeInput } from '../../run/prepare';
import {
  type CommandSpec,
  integerOption,
  listOption,
  numberOption,
  type ParsedArgs,
  stringOption,
  UsageError,
} from '../command';
import { clusterShapeFromArgs, hubTimeoutFromArgs, multiNodeFromArgs, runOptions } from '../run-options';

export const planCommand: CommandSpec = {
  name: 'plan',
  summary: 'Size the GPUs and vLLM parallelism for a model (no cluster contact)',
  options: {
    ...pick(runOptions, [
      'model',
      'revision',
      'gpus-per-node',
      'gpu-memory-gib',
      'max-nodes',
      'benchmarks',
      'gpu-memory-utilization',
      'max-model-length',
      'lighteval-version',
      'route',
      'multi-node-engine',
      'serve-port',
      'hub-timeout',
    ]),
    json: { type: 'boolean', description: 'Print the plan as JSON on stdout' },
  },
  run: async (args: ParsedArgs, io) => {
    const model = stringOption(args, 'model');
    if (model === undefined) throw new UsageError('--model is required');
    const gpuMemoryUtilization = numberOption(args, 'gpu-memory-utilization', 0.05, 1);
    const maxModelLength = integerOption(args, 'max-model-length');
    // Without a cluster to ask, `auto` plans for the default release.
    const requested = stringOption(args, 'lighteval-version');
    const lightevalVersion = requested === 'auto' ? undefined : requested;
    const cluster = clusterShapeFromArgs(args);
    const benchmarks = listOption(args, 'benchmarks');
    const facts = await loadModelFacts({
      model,
      revision: stringOption(args, 'revision'),
      hubEndpoint: io.env.HF_ENDPOINT || undefined,
      token: io.env.HF_TOKEN || undefined,
      cwd: io.cwd,
      timeoutMs: hubTimeoutFromArgs(args),
    });
    const plan = planEvaluation({
      facts,
      cluster,
      benchmarks,
      gpuMemoryUtilization,
      maxModelLength,
      lightevalVersion,
      ...routeInput({ multiNode: multiNodeFromArgs(args) }),
    });
    io.stdout(
      args.values.json === true
        ? `${JSON.stringify(planToJson(plan), null, 2)}\n`
        : `${renderPlanText(plan)}\n`,
    );
    // A route that cannot work is a PlanError from the planner (exit 2, the reason on stderr), so a
    // script that gates on `plan` never goes on to a `run` that would be refused.
    return 0;
  },
};

function pick<T>(record: Record<string, T>, names: readonly string[]): Record<string, T> {
  return Object.fromEntries(names.flatMap((name) => (record[name] ? [[name, record[name]]] : [])));
}
