import { benchmarkCatalog } from '@model-eval/planner';
import { ResultsFileError } from './errors';
import { pickHeadlineMetric } from './headline-metric';
import { parsePythonJson } from './python-json';
import { type ResultsFileJson, resultsFileSchema, taskConfigDocCountsSchema } from './schema';
import type { SeedRun } from './seeds';
import { parseTaskKey, type TaskKey } from './task-key';

/** One benchmark's headline score from one LightEval results file. */
export interface ResultRow {
  /** Catalog name (`math_500`, `gpqa:diamond`, …), or the LightEval task name for a custom task. */
  benchmark: string;
  /** The key in the results file (`lighteval|math_500|0`, `math_500|0`). */
  task: string;
  /** The LightEval metric name the value was read from (`pass@k:k=1&n=1`, `extractive_match`, …). */
  metric: string;
  /** Fraction in [0, 1]; null when LightEval wrote NaN or no value (see `note`). */
  value: number | null;
  /** LightEval's standard error of `value`; null when missing or NaN. */
  stderr: number | null;
  /** Generations per problem behind the estimate (LightEval's "samples"), when known. */
  samples: number | null;
  /** Problems scored (`effective_num_docs`), when the file says. */
  problems: number | null;
  /** The version the caller ran, or the releases the file's format implies (`>=0.12.1`, `0.12.0`, `0.11.0`, `<=0.10`). */
  lightevalVersion: string;
  /** Why a value is missing or doubtful, for the report. */
  notes: string[];
  /** The results file (path as given) and its timestamp (`2025-03-01T12-34-56.123456`). */
  file: string;
  timestamp: string;
  /**
   * A `seeds: N` run: each seed's own score, file and timestamp (`mergeSeedRows`); the row's value
   * is their mean and `samples` counts the generations of all seeds. Absent for a single run.
   */
  seedRuns?: SeedRun[];
}

export interface ParsedResultsFile {
  file: string;
  timestamp: string;
  modelName: string | null;
  modelSha: string | null;
  /** `total_evaluation_time_secondes`, which LightEval writes as a string. */
  evaluationSeconds: number | null;
  lightevalSha: string | null;
  /** Written by the LightEval stand-in (`--simulate`), never by LightEval. */
  simulated: boolean;
  /** The per-request sampling seed the run set (`seeds: N` jobs do), null when it set none. */
  samplingSeed: number | null;
  rows: ResultRow[];
}

const RESULTS_FILE_NAME = /^results_(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(?:\.\d+)?)\.json$/;

/** The timestamp LightEval puts in a results file name, or null when the name is not `results_{ts}.json`. */
export function resultsFileTimestamp(fileName: string): string | null {
  return RESULTS_FILE_NAME.exec(fileName)?.[1] ?? null;
}

/** Orders LightEval timestamps; `isoformat()` drops `.ffffff` when it is zero, so compare as numbers. */
export function compareTimestamps(a: string, b: string): number {
  const key = (ts: string) => {
    const [whole = '', fraction = ''] = ts.split('.');
    return [...whole.split(/[-T]/).map(Number), Number(`0.${fraction || '0'}`)];
  };
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < Math.max(ka.length, kb.length); i++) {
    const d = (ka[i] ?? 0) - (kb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The releases a file's format implies (facts: test/fixtures/lighteval-facts/releases.json): keys
 * `task|fewshot` from 0.12.1; metric names built as `name_with_k&n` only in 0.11.0 and as
 * `name:k=1&n=1` from 0.12.0; `versions` is filled up to 0.10 and empty from 0.11.
 */
function inferLightevalVersion(tasks: TaskKey[], metricNames: string[], versionsFilled: boolean): string {
  if (tasks.some((t) => t.style === 'task-fewshot')) return '>=0.12.1';
  if (metricNames.some((m) => /@[a-z]_with_/.test(m))) return '0.11.0';
  if (metricNames.some((m) => /@[a-z]:[a-z]=/.test(m))) return '0.12.0';
  if (tasks.length > 0 && !versionsFilled) return '0.11.0-0.12.0';
  return '<=0.10';
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function documentCount(json: ResultsFileJson, task: TaskKey): number | null {
  // config_tasks is keyed without the few-shot count in ≤ 0.12 (`lighteval|math_500`) and with it later.
  const candidates = [task.key, task.suite ? `${task.suite}|${task.task}` : task.task, task.task];
  for (const name of candidates) {
    const parsed = taskConfigDocCountsSchema.safeParse(json.config_tasks?.[name]);
    if (parsed.success) {
      const count = parsed.data.effective_num_docs ?? parsed.data.original_num_docs;
      if (typeof count === 'number') return count;
    }
  }
  return null;
}

/**
 * Parses one results file's text. `file` names it in errors; the timestamp comes from its name.
 * `lightevalVersion`, when the caller knows which version ran, is reported instead of the inferred range.
 */
export function parseResultsFile(
  text: string,
  file: string,
  options: { lightevalVersion?: string } = {},
): ParsedResultsFile {
  const baseName = file.split('/').pop() ?? file;
  const timestamp = resultsFileTimestamp(baseName);
  if (timestamp === null) {
    throw new ResultsFileError(file, 'the name is not results_{YYYY-MM-DDTHH-MM-SS.ffffff}.json');
  }
  let raw: unknown;
  try {
    raw = parsePythonJson(text);
  } catch (error) {
    throw new ResultsFileError(file, `not valid JSON (${(error as Error).message})`);
  }
  const parsed = resultsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'top level';
    throw new ResultsFileError(file, `unexpected shape at ${where}: ${issue?.message ?? 'invalid'}`);
  }
  const json = parsed.data;
  const taskKeys = Object.keys(json.results)
    .map(parseTaskKey)
    .filter((t): t is TaskKey => t !== null);
  const allMetricNames = Object.values(json.results).flatMap((m) => Object.keys(m));
  const lightevalVersion =
    options.lightevalVersion ??
    inferLightevalVersion(taskKeys, allMetricNames, Object.keys(json.versions).length > 0);

  const rows = taskKeys.map((task) => resultRow(json, task, { lightevalVersion, file, timestamp }));

  const seconds = json.config_general.total_evaluation_time_secondes;
  const evaluationSeconds = seconds === null || seconds === undefined ? null : finiteOrNull(Number(seconds));
  return {
    file,
    timestamp,
    modelName: json.config_general.model_name ?? null,
    modelSha: json.config_general.model_sha ?? null,
    evaluationSeconds,
    lightevalSha: json.config_general.lighteval_sha ?? null,
    simulated: json.config_general.simulated === true,
    samplingSeed:
      json.config_general.model_config?.generation_parameters?.seed ??
      json.config_general.generation_parameters?.seed ??
      null,
    rows,
  };
}

/** One task's row: its headline pass@1 metric, value and stderr, with notes on anything missing. */
function resultRow(
  json: ResultsFileJson,
  task: TaskKey,
  where: { lightevalVersion: string; file: string; timestamp: string },
): ResultRow {
  const metrics = json.results[task.key] ?? {};
  const names = Object.keys(metrics).filter((name) => !name.endsWith('_stderr'));
  const benchmark = benchmarkCatalog.find((b) => b.task === task.task)?.name ?? task.task;
  const headline = pickHeadlineMetric(benchmark, names);
  const base = { benchmark, task: task.key, problems: documentCount(json, task), ...where };
  if (headline === null) {
    return {
      ...base,
      metric: '',
      value: null,
      stderr: null,
      samples: null,
      notes: [`no pass@1 metric this action knows (found: ${names.join(', ') || 'none'}): no score`],
    };
  }
  const notes: string[] = [];
  const rawValue = metrics[headline.metric];
  const value = finiteOrNull(rawValue);
  if (value === null) {
    notes.push(
      typeof rawValue === 'number'
        ? `LightEval reported ${String(rawValue)} for ${headline.metric}: no score`
        : `no numeric value for ${headline.metric}: no score`,
    );
  }
  const rawStderr = metrics[`${headline.metric}_stderr`];
  const stderr = finiteOrNull(rawStderr);
  if (value !== null && stderr === null) {
    notes.push(
      rawStderr === undefined
        ? `no standard error for ${headline.metric}`
        : `standard error for ${headline.metric} is ${String(rawStderr)}`,
    );
  }
  return { ...base, metric: headline.metric, value, stderr, samples: headline.samples, notes };
}
