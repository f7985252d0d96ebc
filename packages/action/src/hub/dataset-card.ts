import { parse, stringify } from 'yaml';
import { SUMMARY_PATH } from './paths';
import type { SummaryRecord } from './summary-table';

/**
 * The results dataset's card (`README.md`). Its YAML `configs:` tell the Hub's viewer and
 * `datasets.load_dataset` what the data files are (Hub docs, "Manual Configuration": `config_name`,
 * `data_files` with `split` and `path`, `default: true`); without it the viewer picks the most common
 * file type, here the details parquet, and never shows the summary.
 *
 * - `summary` (default): `summary.parquet`, one row per run × benchmark.
 * - `details_{benchmark}`: LightEval's per-problem details, split `latest` (the newest run) plus one
 *   split per run. One split per run, not all runs in one, because the details' columns differ by
 *   LightEval version (flat up to 0.10, `doc`/`model_response`/`metric` from 0.11) and a split must
 *   have one schema. Names follow LightEval's own cards (src/lighteval/logging/evaluation_tracker.py
 *   `recreate_metadata_card` at v0.13.0: config names are the task with `\W` replaced by `_`, a split
 *   per evaluation date plus `latest`).
 *
 * Written from the summary rows alone (they name every file), so every `path` is a file the same
 * commit keeps. What the user wrote is kept: other YAML keys, their own configs, and the text
 * outside the generated block.
 */

export const CARD_PATH = 'README.md';
const BEGIN = '<!-- model-eval-action:begin (generated on each upload; edit outside this block) -->';
const END = '<!-- model-eval-action:end -->';
/** Splits per details config besides `latest`: the newest runs. Older runs stay in the repo and the summary. */
export const MAX_RUN_SPLITS = 50;

export interface CardConfig {
  config_name: string;
  default?: boolean;
  data_files: { split: string; path: string }[];
}

/** Split names must match `^\w+(\.\w+)*$` (huggingface/datasets 5.0.1, src/datasets/naming.py `_split_re`). */
export function splitName(text: string): string {
  const name = text.replace(/\W+/g, '_').replace(/^_+|_+$/g, '');
  return name === '' ? 'run' : name;
}

function newestFirst(a: SummaryRecord, b: SummaryRecord): number {
  return b.finished_at.localeCompare(a.finished_at) || b.results_file.localeCompare(a.results_file);
}

function timestampOf(path: string): string {
  return /_(\d{4}-\d{2}-\d{2}T[\d-]+(?:\.\d+)?)\.parquet$/.exec(path)?.[1] ?? '';
}

/** The configs this action owns, from the summary rows. */
export function cardConfigs(rows: readonly SummaryRecord[]): CardConfig[] {
  const configs: CardConfig[] = [
    { config_name: 'summary', default: true, data_files: [{ split: 'train', path: SUMMARY_PATH }] },
  ];
  const byBenchmark = new Map<string, SummaryRecord[]>();
  for (const row of rows) {
    if (!row.details_file) continue;
    byBenchmark.set(row.benchmark, [...(byBenchmark.get(row.benchmark) ?? []), row]);
  }
  for (const benchmark of [...byBenchmark.keys()].sort()) {
    const runs = (byBenchmark.get(benchmark) ?? []).sort(newestFirst);
    const seenFiles = new Set<string>();
    const usedNames = new Set(['latest']);
    const dataFiles: CardConfig['data_files'] = [];
    for (const row of runs) {
      const path = row.details_file ?? '';
      if (seenFiles.has(path)) continue;
      seenFiles.add(path);
      if (dataFiles.length === 0) dataFiles.push({ split: 'latest', path });
      if (dataFiles.length > MAX_RUN_SPLITS) break;
      let name = splitName(`${row.model.replace('/', '__')}__${row.revision}__${timestampOf(path)}`);
      for (let n = 2; usedNames.has(name); n++) name = `${splitName(name)}_${n}`;
      usedNames.add(name);
      dataFiles.push({ split: name, path });
    }
    configs.push({ config_name: `details_${splitName(benchmark)}`, data_files: dataFiles });
  }
  return configs;
}

const ours = (name: unknown): boolean =>
  name === 'summary' || (typeof name === 'string' && name.startsWith('details_'));

function splitCard(text: string): { yaml: string; body: string } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/.exec(text);
  return match ? { yaml: match[1] ?? '', body: text.slice(match[0].length) } : { yaml: '', body: text };
}

const percent = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(1)}%`);
const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function generatedBlock(repo: string, rows: readonly SummaryRecord[]): string {
  const latest = new Map<string, SummaryRecord>();
  for (const row of [...rows].sort(newestFirst)) {
    const key = `${row.model}\u0000${row.benchmark}`;
    if (!latest.has(key)) latest.set(key, row);
  }
  const table = [...latest.values()]
    .sort((a, b) => a.model.localeCompare(b.model) || a.benchmark.localeCompare(b.benchmark))
    .map(
      (r) =>
        `| ${cell(r.model)} | ${cell(r.revision)} | ${cell(r.benchmark)} | ${percent(r.score)}${r.simulated ? ' (simulated)' : ''} | ${cell(r.finished_at)} |`,
    );
  return [
    BEGIN,
    '',
    'Evaluation results written by model-eval-action (vLLM + LightEval on Slurm, from GitHub Actions).',
    '',
    '- `summary.parquet` (config `summary`, the default): one row per run × benchmark with the score, its 95% interval, the baseline comparison, versions, GPU-hours and the workflow run.',
    "- `{org}/{model}/{revision}/{benchmark}/results_{timestamp}.json`: LightEval's results file, unchanged.",
    "- `{org}/{model}/{revision}/{benchmark}/details_{timestamp}.parquet`: LightEval's per-problem details (configs `details_{benchmark}`, one split per run, `latest` first).",
    '',
    '```python',
    'from datasets import load_dataset',
    `summary = load_dataset(${JSON.stringify(repo)}, "summary", split="train")`,
    '```',
    '',
    '### Latest score per model and benchmark',
    '',
    '| Model | Revision | Benchmark | Score | Finished |',
    '| --- | --- | --- | --- | --- |',
    ...table,
    '',
    END,
  ].join('\n');
}

/** The card after an upload whose summary holds `rows`: `existing` (null when there is none) updated. */
export function renderDatasetCard(
  existing: string | null,
  repo: string,
  rows: readonly SummaryRecord[],
): string {
  const { yaml, body } = splitCard(existing ?? '');
  const parsed: unknown = yaml.trim() === '' ? {} : parse(yaml);
  const metadata: Record<string, unknown> =
    parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? { ...(parsed as Record<string, unknown>) }
      : {};
  const theirs = Array.isArray(metadata.configs)
    ? (metadata.configs as unknown[]).filter(
        (c): c is Record<string, unknown> =>
          !!c && typeof c === 'object' && !ours((c as Record<string, unknown>).config_name),
      )
    : [];
  // Another config marked default would fight ours: the summary is the table worth opening first.
  const kept = theirs.map(({ default: _default, ...rest }) => rest);
  metadata.configs = [...cardConfigs(rows), ...kept];
  const block = generatedBlock(repo, rows);
  const start = body.indexOf(BEGIN);
  const end = body.indexOf(END);
  const newBody =
    start >= 0 && end > start
      ? `${body.slice(0, start)}${block}${body.slice(end + END.length)}`
      : body.trim() === ''
        ? `# ${repo}\n\n${block}\n`
        : `${body.replace(/\s*$/, '')}\n\n${block}\n`;
  return `---\n${stringify(metadata).replace(/\s*$/, '')}\n---\n\n${newBody.replace(/^\s+/, '')}`;
}
