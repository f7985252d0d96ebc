import { type CommitOperation, commit } from '@huggingface/hub';
import {
  benchmarkIdentity,
  DEFAULT_LIGHTEVAL_VERSION,
  findBenchmark,
  type LightevalVersion,
  parseLightevalVersion,
} from '@model-eval/planner';
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

/**
 * The Hub dataset (`id`) and config (`taskId`; `default` without one) LightEval evaluated a catalog
 * benchmark on, in the release that ran (the catalog's `datasets`, read from LightEval's task
 * definitions: `hf_repo`, `hf_subset`); the default release when the row does not say. Custom tasks: none.
 */
export function benchmarkDataset(
  benchmark: string,
  lightevalVersion: string | null | undefined,
): { id: string; taskId: string } | undefined {
  const entry = findBenchmark(benchmark);
  if (!entry) return undefined;
  let version: LightevalVersion;
  try {
    version = parseLightevalVersion(lightevalVersion ?? DEFAULT_LIGHTEVAL_VERSION);
  } catch {
    version = parseLightevalVersion(DEFAULT_LIGHTEVAL_VERSION);
  }
  const identity = benchmarkIdentity(entry, version);
  return identity.dataset === undefined
    ? undefined
    : { id: identity.dataset, taskId: identity.subset ?? 'default' };
}

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
    const dataset = benchmarkDataset(row.benchmark, row.lighteval_version);
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
