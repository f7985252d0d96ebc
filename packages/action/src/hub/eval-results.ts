import { type CommitOperation, commit } from '@huggingface/hub';
import { stringify } from 'yaml';
import { type HubClient, writeParams } from './client';
import { pathSegment } from './paths';
import { withHubRetries } from './retry';
import type { SummaryRecord } from './summary-table';

/**
 * Scores on the model's Hub page, as a pull request on the model repo (`model-card: pr`).
 *
 * Format: the Hub's `.eval_results/*.yaml` files, which "automatically appear on the model page and
 * the benchmark dataset's leaderboard" (huggingface/huggingface_hub v1.28.0,
 * src/huggingface_hub/_eval_results.py `EvalResultEntry`, `eval_result_entries_to_yaml`; spec
 * huggingface/hub-docs eval_results.yaml). Each file is a list of
 * `{dataset: {id, task_id}, value, date, source: {url, name}, notes}`. The legacy `model-index` in
 * README.md (`EvalResult`, same release, repocard_data.py) is not written: editing a user's model card
 * text is riskier than adding files a reviewer can read and merge.
 */

/** Benchmark → the Hub dataset LightEval evaluates it on (lighteval v0.13.0, src/lighteval/tasks/tasks: `hf_repo`, `hf_subset`). */
export const BENCHMARK_DATASETS: Readonly<Record<string, { id: string; taskId: string }>> = {
  math_500: { id: 'HuggingFaceH4/MATH-500', taskId: 'default' },
  aime24: { id: 'HuggingFaceH4/aime_2024', taskId: 'default' },
  aime25: { id: 'yentinglin/aime_2025', taskId: 'default' },
  'gpqa:diamond': { id: 'Idavidrein/gpqa', taskId: 'gpqa_diamond' },
  'lcb:codegeneration': { id: 'lighteval/code_generation_lite', taskId: 'v4_v5' },
};

export interface EvalResultsFile {
  path: string;
  content: string;
}

/**
 * The `.eval_results/{benchmark}.yaml` files for a run's rows. Simulated rows, rows without a score
 * and benchmarks without a known Hub dataset are left out: a model page shows measurements only.
 */
export function evalResultsFiles(
  rows: readonly SummaryRecord[],
  source: { url: string; name: string },
): EvalResultsFile[] {
  return rows.flatMap((row) => {
    const dataset = BENCHMARK_DATASETS[row.benchmark];
    if (!dataset || row.simulated || row.score === null) return [];
    const notes = [
      row.metric && `metric ${row.metric}`,
      row.samples !== null && `${row.samples} sample(s) per problem`,
      row.lighteval_version && `LightEval ${row.lighteval_version}`,
      row.vllm_version && `vLLM ${row.vllm_version}`,
      `revision ${row.revision}${row.commit_sha && row.commit_sha !== row.revision ? ` (${row.commit_sha})` : ''}`,
    ].filter((n): n is string => typeof n === 'string' && n !== '');
    const entry = {
      dataset: { id: dataset.id, task_id: dataset.taskId },
      value: row.score,
      date: row.finished_at,
      source: { url: row.run_url ?? source.url, name: source.name },
      notes: notes.join('; '),
    };
    return [{ path: `.eval_results/${pathSegment(row.benchmark)}.yaml`, content: stringify([entry]) }];
  });
}

export interface EvalResultsPr {
  pullRequestUrl: string | null;
  files: string[];
}

/** Opens a pull request on `model` adding the files; null when no row qualifies (nothing is opened). */
export async function openEvalResultsPr(
  client: HubClient,
  options: { model: string; rows: readonly SummaryRecord[]; resultsDatasetUrl: string },
): Promise<EvalResultsPr | null> {
  const files = evalResultsFiles(options.rows, { url: options.resultsDatasetUrl, name: 'model-eval-action' });
  if (files.length === 0) return null;
  const revision = options.rows[0]?.revision ?? 'main';
  const operations: CommitOperation[] = files.map((f) => ({
    operation: 'addOrUpdate',
    path: f.path,
    content: new Blob([f.content]),
  }));
  const outcome = await withHubRetries(
    `the evaluation-results pull request on ${options.model}`,
    client.retry,
    () =>
      commit({
        ...writeParams(client, options.model),
        repo: { type: 'model', name: options.model },
        isPullRequest: true,
        title: `Add evaluation results for ${revision}`,
        description: [
          `Scores of ${options.model}@${revision} measured by model-eval-action (vLLM + LightEval on Slurm).`,
          `All results and per-problem details: ${options.resultsDatasetUrl}`,
        ].join('\n\n'),
        operations,
      }),
  );
  return { pullRequestUrl: outcome?.pullRequestUrl ?? null, files: files.map((f) => f.path) };
}
