import {
  type LightevalVersion,
  lightevalAtLeast,
  parseLightevalVersion,
  taskSyntaxFor,
} from './lighteval-version';

/**
 * One benchmark as LightEval knows it, with the generation settings open-r1 publishes its scores
 * with (temperature 0.6, top_p 0.95, 32,768 new tokens), so our numbers are comparable with theirs.
 */
export interface Benchmark {
  /** Our name, as used in `--benchmarks` and in configs: `math_500`, `gpqa:diamond`, ... */
  name: string;
  /** The name readers know (the benchmark's published name), for reports: `MATH-500`. Custom tasks: `name`. */
  title?: string;
  /**
   * Which family of pass@1 metric names LightEval writes for it (`math_pass@1:4_samples`,
   * `gpqa_pass@k:k=1`, `codegen_pass@1:16`; see packages/action/src/results/headline-metric.ts).
   */
  metricFamily?: MetricFamily;
  /** LightEval suite in the oldest supported release: `lighteval` for the core tasks, `extended` for LiveCodeBench. */
  suite: string;
  /** Releases that registered the task under another suite, oldest first (see `suiteFor`). */
  suiteChanges?: readonly { since: readonly [major: number, minor: number, patch: number]; suite: string }[];
  /** LightEval task name (without suite or few-shot count). */
  task: string;
  /** Few-shot examples; all catalog tasks are zero-shot. */
  fewshot: number;
  /**
   * Generations per problem we ask for (pass@1 is averaged over them). Catalog defaults are open-r1's
   * (64 AIME, 4 MATH-500, 8 GPQA-Diamond, 16 LiveCodeBench: about 2,000 completions per benchmark, so
   * the spread across seeds is about a point); the config file's `samples` map overrides them.
   */
  samplesPerPrompt: number;
  /**
   * Problems in the evaluation split, for the plan's cost (completions = problems × samples). The
   * results' own counts (details rows) are what the report uses.
   */
  problems?: number;
  /**
   * Whether `task@n=N` makes LightEval 0.11+ draw N: only when one of the task's metrics is a
   * `SamplingMetric` (the registry sets `n` on metrics with `@` in their name, and
   * `LightevalTask.__init__` collects `num_samples()` from `SamplingMetric`s only;
   * huggingface/lighteval v0.11.0 src/lighteval/tasks/registry.py and tasks/lighteval_task.py).
   * LiveCodeBench's `codegen_pass@1:16` is a plain `SampleLevelMetric` there, so it draws one. Custom
   * tasks: assumed true.
   */
  drawsRequestedSamples?: boolean;
  /**
   * Up to 0.10 the task string cannot ask for a count: LightEval draws the largest count named by
   * the task's metrics (`extract_num_samples`, huggingface/lighteval v0.8.0 … v0.10.0
   * src/lighteval/tasks/lighteval_task.py). What each release's metric list gives, oldest first.
   */
  fixedSamples?: readonly {
    since: readonly [major: number, minor: number, patch: number];
    samples: number;
  }[];
  temperature: number;
  topP: number;
  maxNewTokens: number;
  /**
   * Longest prompt in tokens, chat template and instructions included, rounded up generously:
   * it sets `max_model_length` (prompt + max_new_tokens), and too small a value makes LightEval
   * truncate the prompt, which silently ruins the score.
   */
  maxPromptTokens: number;
  /**
   * The Hub dataset LightEval reads, per release (oldest first), for the report's record of what was
   * measured: LiveCodeBench moved from `livecodebench/` to `lighteval/code_generation_lite` in 0.11.
   * No catalog task sets `hf_revision` in any release, so LightEval reads the dataset's latest revision.
   */
  datasets?: readonly {
    since: readonly [major: number, minor: number, patch: number];
    repo: string;
    subset?: string;
  }[];
  /** For custom tasks: the `--custom-tasks` file path on the cluster. */
  customTasksPath?: string;
}

/** The metric-name families of LightEval's reasoning tasks (math: MATH-500 and AIME). */
export type MetricFamily = 'math' | 'gpqa' | 'codegen';

const openR1Generation = { temperature: 0.6, topP: 0.95, maxNewTokens: 32_768 } as const;

/**
 * A catalog entry: everything a consumer needs is here (task string, samples, prompt length, the
 * report's title, the metric family, the dataset), so adding a benchmark is one entry in this list;
 * packages/action/test/catalog-consumers.test.ts checks every consumer against every entry.
 */
export type CatalogBenchmark = Benchmark &
  Required<Pick<Benchmark, 'title' | 'metricFamily' | 'problems' | 'datasets'>>;

export const benchmarkCatalog: readonly CatalogBenchmark[] = [
  {
    name: 'math_500',
    title: 'MATH-500',
    metricFamily: 'math',
    suite: 'lighteval',
    task: 'math_500',
    fewshot: 0,
    samplesPerPrompt: 4,
    ...openR1Generation,
    problems: 500,
    // 0.8: `extractive_match` only (1); 0.9–0.10: math_pass@1:1_samples … :4_samples (fact table).
    fixedSamples: [
      { since: [0, 8, 0], samples: 1 },
      { since: [0, 9, 0], samples: 4 },
    ],
    datasets: [{ since: [0, 8, 0], repo: 'HuggingFaceH4/MATH-500' }],
    maxPromptTokens: 1_024,
  },
  {
    name: 'aime24',
    title: 'AIME 2024',
    metricFamily: 'math',
    suite: 'lighteval',
    task: 'aime24',
    fewshot: 0,
    samplesPerPrompt: 64,
    ...openR1Generation,
    problems: 30,
    fixedSamples: [
      { since: [0, 8, 0], samples: 1 },
      { since: [0, 9, 0], samples: 64 },
    ],
    datasets: [{ since: [0, 8, 0], repo: 'HuggingFaceH4/aime_2024' }],
    maxPromptTokens: 1_024,
  },
  {
    name: 'aime25',
    title: 'AIME 2025',
    metricFamily: 'math',
    suite: 'lighteval',
    task: 'aime25',
    fewshot: 0,
    samplesPerPrompt: 64,
    ...openR1Generation,
    problems: 30,
    fixedSamples: [
      { since: [0, 8, 0], samples: 1 },
      { since: [0, 9, 0], samples: 64 },
    ],
    datasets: [{ since: [0, 8, 0], repo: 'yentinglin/aime_2025' }],
    maxPromptTokens: 1_024,
  },
  {
    name: 'gpqa:diamond',
    title: 'GPQA-Diamond',
    metricFamily: 'gpqa',
    suite: 'lighteval',
    task: 'gpqa:diamond',
    fewshot: 0,
    samplesPerPrompt: 8,
    ...openR1Generation,
    problems: 198,
    fixedSamples: [
      { since: [0, 8, 0], samples: 1 },
      { since: [0, 9, 0], samples: 8 },
    ],
    datasets: [{ since: [0, 8, 0], repo: 'Idavidrein/gpqa', subset: 'gpqa_diamond' }],
    maxPromptTokens: 2_048,
  },
  {
    name: 'lcb:codegeneration',
    title: 'LiveCodeBench',
    metricFamily: 'codegen',
    suite: 'extended',
    // 0.12.0 moved it to src/lighteval/tasks/tasks/lcb/main.py with suite=["lighteval"] (huggingface/lighteval
    // v0.12.0); from 0.12.1 the suite is no longer part of the task string.
    suiteChanges: [{ since: [0, 12, 0], suite: 'lighteval' }],
    task: 'lcb:codegeneration',
    fewshot: 0,
    samplesPerPrompt: 16,
    ...openR1Generation,
    // LiveCodeBench statements carry examples and starter code: the longest prompts of the set.
    problems: 167,
    // v4_v5: the problems added between release_v4 (713) and release_v5 (880), as LiveCodeBench's
    // release notes count them (quoted in NVIDIA-NeMo/Evaluator docs/_resources/harnesses_autogen/livecodebench.md).
    // `codegen_pass@1:16` makes 0.8–0.10 draw 16; from 0.11 it is not a SamplingMetric (see drawsRequestedSamples).
    fixedSamples: [{ since: [0, 8, 0], samples: 16 }],
    drawsRequestedSamples: false,
    datasets: [
      { since: [0, 8, 0], repo: 'livecodebench/code_generation_lite', subset: 'v4_v5' },
      { since: [0, 11, 0], repo: 'lighteval/code_generation_lite', subset: 'v4_v5' },
    ],
    maxPromptTokens: 4_096,
  },
];

export const defaultBenchmarkNames: readonly string[] = ['aime24', 'math_500', 'gpqa:diamond'];

export class UnknownBenchmarkError extends Error {
  override name = 'UnknownBenchmarkError';
  readonly hint: string;
  constructor(readonly benchmark: string) {
    super(`unknown benchmark '${benchmark}'`);
    this.hint = `Known benchmarks: ${benchmarkCatalog.map((b) => b.name).join(', ')}; custom tasks go in the config file.`;
  }
}

/** The catalog entry of that name, or undefined (a custom task, or a name from an older record). */
export function findBenchmark(name: string): Benchmark | undefined {
  return benchmarkCatalog.find((b) => b.name === name);
}

export function getBenchmark(name: string): Benchmark {
  const benchmark = benchmarkCatalog.find((b) => b.name === name);
  if (!benchmark) throw new UnknownBenchmarkError(name);
  return benchmark;
}

/** The suite a release registers the benchmark under (only task strings before 0.12.1 name it). */
export function suiteFor(benchmark: Benchmark, version: LightevalVersion): string {
  let suite = benchmark.suite;
  for (const change of benchmark.suiteChanges ?? []) {
    if (lightevalAtLeast(version, ...change.since)) suite = change.suite;
  }
  return suite;
}

/** What a benchmark's score measured, for the report, the outputs and the Hub rows. */
export interface BenchmarkIdentity {
  benchmark: string;
  dataset?: string;
  /** The dataset config: `gpqa_diamond`, or LiveCodeBench's release window `v4_v5`. */
  subset?: string;
  /** Null: LightEval does not pin the dataset revision (`hf_revision` unset), it reads the latest. */
  revision: null;
}

/** The dataset (and subset / release window) a release evaluates a benchmark on. */
export function benchmarkIdentity(
  benchmark: Benchmark,
  version: string | LightevalVersion,
): BenchmarkIdentity {
  const parsed = typeof version === 'string' ? parseLightevalVersion(version) : version;
  let found: NonNullable<Benchmark['datasets']>[number] | undefined;
  for (const entry of benchmark.datasets ?? []) if (lightevalAtLeast(parsed, ...entry.since)) found = entry;
  return {
    benchmark: benchmark.name,
    ...(found && { dataset: found.repo }),
    ...(found?.subset !== undefined && { subset: found.subset }),
    revision: null,
  };
}

/** How many samples a release will really draw for a benchmark, and how the command line asks for them. */
export interface SamplesPlan {
  benchmark: string;
  /** What the configuration asked for. */
  requested: number;
  /** What this LightEval release will draw per problem. */
  drawn: number;
  /** `@n=N` appended to the task name (0.11+), or '' when the release cannot be asked. */
  suffix: string;
  /** Set when `drawn` differs from `requested`: why, and what to do. */
  warning?: string;
}

/**
 * The samples a release draws for a benchmark: from 0.11 `task@n=N` sets `n` on the task's sampling
 * metrics (registry.py at v0.11.0 … v0.13.0), where the task has one; up to 0.10 the metric list
 * fixes the count. The metric name in the results keeps saying `n=1` either way, so the report reads
 * the count that ran from the details, never from the name.
 */
export function samplesPlanFor(benchmark: Benchmark, version: string | LightevalVersion): SamplesPlan {
  const parsed = typeof version === 'string' ? parseLightevalVersion(version) : version;
  const requested = benchmark.samplesPerPrompt;
  const plan = (drawn: number, suffix: string, why: string): SamplesPlan => ({
    benchmark: benchmark.name,
    requested,
    drawn,
    suffix,
    ...(drawn !== requested && {
      warning: `${benchmark.name}: ${requested} samples per problem asked, LightEval ${parsed.text} draws ${drawn} (${why}); scores are pass@1 over ${drawn}.`,
    }),
  });
  if (lightevalAtLeast(parsed, 0, 11)) {
    if (benchmark.drawsRequestedSamples === false) {
      return plan(
        1,
        '',
        'its metric is not a sampling metric from 0.11 on, so `@n=` cannot raise it; use LightEval ≤ 0.10 for 16',
      );
    }
    return plan(requested, requested > 1 ? `@n=${requested}` : '', '');
  }
  let fixed: number | undefined;
  for (const step of benchmark.fixedSamples ?? []) {
    if (lightevalAtLeast(parsed, ...step.since)) fixed = step.samples;
  }
  // A custom task on ≤ 0.10: its own metric names decide; we cannot know them, so we trust the config.
  if (fixed === undefined) return plan(requested, '', '');
  return plan(fixed, '', "up to 0.10 the task's metric list fixes the count; from 0.11 `@n=` sets it");
}

/**
 * The task string LightEval expects for one benchmark: `lighteval|math_500|0|0` (≤ 0.10),
 * `lighteval|math_500@n=4|0` (0.11.0–0.12.0), `math_500@n=4|0` (≥ 0.12.1). Accepts a version string or a parsed one.
 */
export function lightevalTaskString(benchmark: Benchmark, version: string | LightevalVersion): string {
  const parsed = typeof version === 'string' ? parseLightevalVersion(version) : version;
  const task = `${benchmark.task}${samplesPlanFor(benchmark, parsed).suffix}`;
  switch (taskSyntaxFor(parsed)) {
    case 'suite-task-fewshot-truncate':
      return `${suiteFor(benchmark, parsed)}|${task}|${benchmark.fewshot}|0`;
    case 'suite-task-fewshot':
      return `${suiteFor(benchmark, parsed)}|${task}|${benchmark.fewshot}`;
    case 'task-fewshot':
      return `${task}|${benchmark.fewshot}`;
  }
}
