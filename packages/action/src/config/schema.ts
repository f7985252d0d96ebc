import { getGpuType, gpuTypeNames, MAX_SEEDS } from '@model-eval/planner';
import { GRES_TYPE_PATTERN } from '@model-eval/slurm';
import { z } from 'zod';
import { AUTO_GRES_TYPE } from './gres-type';
import {
  engineSchema,
  extraEnvironmentSchema,
  networkInterfaceSchema,
  portSchema,
  routeSchema,
  secondsSchema,
} from './multi-node';

// The shape of `.github/model-eval.yml`. Keys are kebab-case like action inputs; every object is
// strict so a misspelt key is an error with its line, not a silently ignored setting.

const wholeNumber = (min: number) => {
  const error = `must be a whole number ≥ ${min}`;
  return z.int({ error }).min(min, { error });
};

/**
 * Samples per problem: open-r1's largest is 64 (AIME). A pull request's head configuration may set
 * these (request/pr-head-config.ts), so a count is capped here, not only by `max-gpu-hours` when set:
 * 1,024 on AIME's 30 problems is already 30,720 completions.
 */
export const MAX_SAMPLES_PER_PROBLEM = 1024;
const samplesPerProblem = wholeNumber(1).max(MAX_SAMPLES_PER_PROBLEM, {
  error: `must be at most ${MAX_SAMPLES_PER_PROBLEM} samples per problem`,
});

// YAML reads `0.10` as the number 0.1 and `1.0` as 1: version and revision fields must be strings.
const text = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'is required'
        : "must be a string (quote values such as '0.10' that YAML would read as numbers)",
  })
  .trim()
  .min(1, { error: 'must not be empty' });

const flag = z.boolean({ error: 'must be true or false' });
const mapping = { error: 'must be a mapping (indented key: value lines)' };

/** Slurm `--time` formats: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S. A bare number means minutes. */
export const slurmTimePattern = /^(\d+(:\d{1,2}){0,2}|\d+-\d+(:\d{1,2}){0,2})$/;
const slurmTime = z
  .union([z.int().min(1), z.string().trim()], {
    error: "must be a Slurm time limit such as '04:00:00', '1-12:00:00' or minutes",
  })
  .transform((v) => String(v))
  .refine((v) => slurmTimePattern.test(v), {
    error: "must be a Slurm time limit such as '04:00:00', '1-12:00:00' or minutes",
  });

export const customTaskSchema = z.strictObject(
  {
    name: text,
    /** LightEval task as `suite|task` (the few-shot count comes from `fewshot`). */
    task: text.refine((t) => /^[^|\s]+(\|[^|\s]+)?$/.test(t), {
      error: "must be 'suite|task' or 'task' (the few-shot count goes in 'fewshot')",
    }),
    'custom-tasks-path': text,
    fewshot: wholeNumber(0).optional(),
    'max-prompt-tokens': wholeNumber(1).optional(),
    'max-new-tokens': wholeNumber(1).optional(),
    samples: samplesPerProblem.optional(),
  },
  mapping,
);

export const benchmarkEntrySchema = z.union([text, customTaskSchema], {
  error: 'must be a catalog benchmark name or a custom task {name, task, custom-tasks-path}',
});

export const clusterSchema = z.strictObject(
  {
    host: text.optional(),
    port: wholeNumber(1).max(65_535, { error: 'must be a port number (1–65535)' }).optional(),
    user: text.optional(),
    partition: text.optional(),
    account: text.optional(),
    qos: text.optional(),
    'time-limit': slurmTime.optional(),
    'gpus-per-node': wholeNumber(1).optional(),
    'gpu-memory-gib': z
      .number({ error: 'must be a number of GiB > 0' })
      .positive({ error: 'must be a number of GiB > 0' })
      .optional(),
    /** A known GPU model (h100, h200, a100-80, …): sets gpu-memory-gib to what the device reports. */
    'gpu-type': z
      .enum(gpuTypeNames() as [string, ...string[]], { error: `must be one of ${gpuTypeNames().join(', ')}` })
      .optional(),
    /**
     * The cluster's GRES type name for its GPUs (`--gres=gpu:TYPE:N`), or `auto` for the gpu-type's
     * usual name; absent: any GPU (`--gres=gpu:N`).
     */
    'gres-type': text
      .refine((v) => v === AUTO_GRES_TYPE || GRES_TYPE_PATTERN.test(v), {
        error: "must be 'auto' or a GRES type name (letters, digits, '_', '.', '-')",
      })
      .optional(),
    'max-nodes': wholeNumber(1).optional(),
    'remote-dir': text.optional(),
    /** Shell lines run before the evaluation in each job (module loads, venv activation). */
    'job-setup': z
      .union([z.string(), z.array(z.string())], { error: 'must be a string or a list of lines' })
      .optional(),
    /** Multi-node jobs: the NIC for NCCL/Gloo and each node's VLLM_HOST_IP. */
    'network-interface': networkInterfaceSchema.optional(),
    /** Ray's port on the job's first node (default 6379; vLLM's --master-port for the mp engine). */
    'ray-port': portSchema.optional(),
    /** vllm serve's port on the first node's loopback (serve route; default 8000). */
    'serve-port': portSchema.optional(),
    /** Seconds for every node's GPUs to join Ray (default 600). */
    'join-timeout': secondsSchema.optional(),
    /** Seconds for vllm serve to load the model and answer (default 1800). */
    'serve-timeout': secondsSchema.optional(),
    /** Variables exported in every job (all nodes): NCCL_IB_HCA, NCCL_DEBUG, … */
    'extra-environment': extraEnvironmentSchema.optional(),
  },
  mapping,
);

const baselineWords = ['previous-tag', 'base-revision', 'none'] as const;
export const baselineSchema = z.union([z.enum(baselineWords), z.strictObject({ fixed: text })], {
  error: "must be previous-tag, base-revision, none, or {fixed: 'namespace/name@revision'}",
});

export const labelsSchema = z.strictObject(
  {
    trigger: text.optional(),
    done: text.optional(),
    'remove-when-done': flag.optional(),
  },
  mapping,
);

export const tagsSchema = z.strictObject(
  {
    pattern: text.optional(),
    /** `{tag}` and `{version}` (the tag without a leading v) are replaced. */
    revision: text.optional(),
  },
  mapping,
);

export const configFileSchema = z.strictObject(
  {
    model: text.optional(),
    revision: text.optional(),
    benchmarks: z.array(benchmarkEntrySchema, { error: 'must be a list' }).min(1).optional(),
    // An explicit gpu-memory-gib wins; otherwise the gpu-type's reported memory fills it.
    cluster: clusterSchema
      .transform((c) =>
        c['gpu-type'] !== undefined && c['gpu-memory-gib'] === undefined
          ? { ...c, 'gpu-memory-gib': getGpuType(c['gpu-type']).memoryGiB }
          : c,
      )
      .optional(),
    /**
     * Samples per problem by benchmark name (`{aime24: 32}`), over the catalog's open-r1 defaults
     * (64 AIME, 4 MATH-500, 8 GPQA-Diamond, 16 LiveCodeBench).
     */
    samples: z
      .record(z.string(), samplesPerProblem, { error: 'must be a mapping of benchmark: samples per problem' })
      .optional(),
    /** Target smallest detectable change in percentage points (`2`): sets the sample counts (docs/statistics.md). */
    precision: z
      .number({ error: 'must be a number of percentage points, e.g. 2' })
      .positive({ error: 'must be a number of percentage points > 0' })
      .lt(100, { error: 'must be below 100 percentage points' })
      .optional(),
    /**
     * Sampling seeds per benchmark (1 to 16, default 1): each benchmark runs once per seed (1234,
     * 1235, …) and the report merges them and shows the spread across seeds (docs/statistics.md).
     */
    seeds: wholeNumber(1)
      .max(MAX_SEEDS, { error: `must be at most ${MAX_SEEDS} seeds` })
      .optional(),
    /** Budget for the plan's estimated GPU-hours: above it the run is refused (or precision counts capped). */
    'max-gpu-hours': z
      .number({ error: 'must be a number of GPU-hours > 0' })
      .positive({ error: 'must be a number of GPU-hours > 0' })
      .optional(),
    'lighteval-version': text.optional(),
    /** auto (default), in-process, ray or serve: how jobs run their engine (see the README). */
    route: routeSchema.optional(),
    /** ray (default) or mp: what vllm serve spans nodes with on the serve route. */
    'multi-node-engine': engineSchema.optional(),
    'results-repo': text.optional(),
    baseline: baselineSchema.optional(),
    labels: labelsSchema.optional(),
    tags: tagsSchema.optional(),
    'allow-fork-prs': flag.optional(),
    wait: flag.optional(),
    'fail-on-regression': flag.optional(),
  },
  { error: 'the config file must be a mapping of settings (key: value lines)' },
);

export type ConfigFile = z.infer<typeof configFileSchema>;
export type CustomTaskEntry = z.infer<typeof customTaskSchema>;

/** Known keys per object path (`*` for list items), for did-you-mean suggestions on unknown keys. */
export const knownKeysByPath: Record<string, readonly string[]> = {
  '': Object.keys(configFileSchema.shape),
  cluster: Object.keys(clusterSchema.shape),
  labels: Object.keys(labelsSchema.shape),
  tags: Object.keys(tagsSchema.shape),
  baseline: ['fixed'],
  'benchmarks.*': Object.keys(customTaskSchema.shape),
};

/** Keys people reach for that must never be in a committed file. */
export const secretKeyNames: Record<string, string> = {
  'ssh-private-key': 'ssh-private-key',
  'private-key': 'ssh-private-key',
  key: 'ssh-private-key',
  'ssh-key': 'ssh-private-key',
  password: 'ssh-private-key',
  'ssh-known-hosts': 'ssh-known-hosts',
  'known-hosts': 'ssh-known-hosts',
  'hf-token': 'hf-token',
  token: 'hf-token',
  'github-token': 'github-token',
};
