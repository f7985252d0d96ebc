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
  /** LightEval suite in the oldest supported release: `lighteval` for the core tasks, `extended` for LiveCodeBench. */
  suite: string;
  /** Releases that registered the task under another suite, oldest first (see `suiteFor`). */
  suiteChanges?: readonly { since: readonly [major: number, minor: number, patch: number]; suite: string }[];
  /** LightEval task name (without suite or few-shot count). */
  task: string;
  /** Few-shot examples; all catalog tasks are zero-shot. */
  fewshot: number;
  /** Generations per prompt (pass@1 is averaged over them). */
  samplesPerPrompt: number;
  temperature: number;
  topP: number;
  maxNewTokens: number;
  /**
   * Longest prompt in tokens, chat template and instructions included, rounded up generously:
   * it sets `max_model_length` (prompt + max_new_tokens), and too small a value makes LightEval
   * truncate the prompt, which silently ruins the score.
   */
  maxPromptTokens: number;
  /** For custom tasks: the `--custom-tasks` file path on the cluster. */
  customTasksPath?: string;
}

const openR1Generation = { temperature: 0.6, topP: 0.95, maxNewTokens: 32_768 } as const;

export const benchmarkCatalog: readonly Benchmark[] = [
  {
    name: 'math_500',
    suite: 'lighteval',
    task: 'math_500',
    fewshot: 0,
    samplesPerPrompt: 4,
    ...openR1Generation,
    maxPromptTokens: 1_024,
  },
  {
    name: 'aime24',
    suite: 'lighteval',
    task: 'aime24',
    fewshot: 0,
    samplesPerPrompt: 64,
    ...openR1Generation,
    maxPromptTokens: 1_024,
  },
  {
    name: 'aime25',
    suite: 'lighteval',
    task: 'aime25',
    fewshot: 0,
    samplesPerPrompt: 64,
    ...openR1Generation,
    maxPromptTokens: 1_024,
  },
  {
    name: 'gpqa:diamond',
    suite: 'lighteval',
    task: 'gpqa:diamond',
    fewshot: 0,
    samplesPerPrompt: 8,
    ...openR1Generation,
    maxPromptTokens: 2_048,
  },
  {
    name: 'lcb:codegeneration',
    suite: 'extended',
    // 0.12.0 moved it to src/lighteval/tasks/tasks/lcb/main.py with suite=["lighteval"] (huggingface/lighteval
    // v0.12.0); from 0.12.1 the suite is no longer part of the task string.
    suiteChanges: [{ since: [0, 12, 0], suite: 'lighteval' }],
    task: 'lcb:codegeneration',
    fewshot: 0,
    samplesPerPrompt: 16,
    ...openR1Generation,
    // LiveCodeBench statements carry examples and starter code: the longest prompts of the set.
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

/**
 * The task string LightEval expects for one benchmark: `lighteval|math_500|0|0` (≤ 0.10),
 * `lighteval|math_500|0` (0.11.0–0.12.0), `math_500|0` (≥ 0.12.1). Accepts a version string or a parsed one.
 */
export function lightevalTaskString(benchmark: Benchmark, version: string | LightevalVersion): string {
  const parsed = typeof version === 'string' ? parseLightevalVersion(version) : version;
  switch (taskSyntaxFor(parsed)) {
    case 'suite-task-fewshot-truncate':
      return `${suiteFor(benchmark, parsed)}|${benchmark.task}|${benchmark.fewshot}|0`;
    case 'suite-task-fewshot':
      return `${suiteFor(benchmark, parsed)}|${benchmark.task}|${benchmark.fewshot}`;
    case 'task-fewshot':
      return `${benchmark.task}|${benchmark.fewshot}`;
  }
}
