import {
  isLocalPath,
  loadModelFacts,
  MAX_SEEDS,
  planEvaluation,
  planToJson,
  renderPlanText,
} from '@model-eval/planner';
import { DEFAULT_RETRY, hubClientFromEnv, resolveRevisionSha } from '../../hub';
import { HUB_ID } from '../../report/names';
import { routeInput } from '../../run/prepare';
import {
  type CliIo,
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
      'job-per-benchmark',
      'seeds',
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
    const seeds = integerOption(args, 'seeds', { min: 1, max: MAX_SEEDS });
    const timeoutMs = hubTimeoutFromArgs(args);
    // As `run` does: the revision pinned to its commit first, so the plan shows what would be loaded.
    const revision = await pinnedRevision(model, stringOption(args, 'revision'), io, timeoutMs);
    const facts = await loadModelFacts({
      model,
      revision,
      hubEndpoint: io.env.HF_ENDPOINT || undefined,
      token: io.env.HF_TOKEN || undefined,
      cwd: io.cwd,
      timeoutMs,
    });
    const plan = planEvaluation({
      facts,
      cluster,
      benchmarks,
      gpuMemoryUtilization,
      maxModelLength,
      lightevalVersion,
      ...(args.values['job-per-benchmark'] === true && { jobPerBenchmark: true }),
      ...(seeds !== undefined && { seeds }),
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

/**
 * The commit `model@revision` names on the Hub now (its line on stderr), as `run` pins it; a model
 * directory keeps its revision (it has no commit).
 */
async function pinnedRevision(
  model: string,
  revision: string | undefined,
  io: CliIo,
  timeoutMs: number | undefined,
): Promise<string | undefined> {
  if (!HUB_ID.test(model) || isLocalPath(model, io.cwd)) return revision;
  const hub = hubClientFromEnv(io.env, {
    ...(io.env.HF_TOKEN && { accessToken: io.env.HF_TOKEN }),
    ...(timeoutMs !== undefined && { timeoutMs }),
    // A command at a terminal: one retry, soon, then the error (a run retries longer).
    retry: { ...DEFAULT_RETRY, attempts: 2, baseDelayMs: 500 },
  });
  const sha = await resolveRevisionSha(hub, model, revision ?? 'main');
  io.stderr(`${model}@${revision ?? 'main'} is commit ${sha} on the Hub; the plan is for that commit.\n`);
  return sha;
}

function pick<T>(record: Record<string, T>, names: readonly string[]): Record<string, T> {
  return Object.fromEntries(names.flatMap((name) => (record[name] ? [[name, record[name]]] : [])));
}
