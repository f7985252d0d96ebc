import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { ResolvedSettings } from '../../config';
import {
  type EvalResultsPr,
  type HubClient,
  openEvalResultsPr,
  type ResultsUploadFile,
  type ResultsUploadOutcome,
  type SummaryRecord,
  type SummaryRunInput,
  summaryRecordsForRun,
  uploadResults,
  withFilePaths,
} from '../../hub';
import type { JobReport, RunReport } from '../../report';
import { detailsFileFor, findDetailsFiles, parseResultsFile, type ResultRow } from '../../results';
import type { RunOutcome } from '../../run/run-evaluation';
import type { RunSettings } from '../../run/run-settings';
import type { ActionEnvironment } from '../environment';

const COMMIT_SHA = /^[0-9a-f]{40}$/;

/** What an upload reads of the settings: the repo, and the step of a checkpoint evaluation. */
export type UploadSettings = { resultsRepo: string; request: Pick<ResolvedSettings['request'], 'step'> };

function gpuHours(job: JobReport): number | null {
  if (job.elapsedSeconds === null || job.elapsedSeconds === undefined) return null;
  return (job.layout.nodes * job.layout.gpusPerNode * job.elapsedSeconds) / 3600;
}

/** What the summary rows of this run say: the report (with its baseline) plus the run's identity. */
export function summaryInput(
  settings: Pick<UploadSettings, 'request'>,
  runSettings: RunSettings,
  run: RunOutcome,
  report: RunReport,
  extra: { runUrl: string | undefined; finishedAt: string; commitSha: string | null },
): SummaryRunInput {
  const revision = runSettings.revision ?? 'main';
  return {
    runId: runSettings.runId,
    model: runSettings.model,
    revision,
    // The commit pinned before planning first; LightEval's own `model_sha`, then a SHA revision, after.
    commitSha:
      report.commitSha ??
      runSettings.commitSha ??
      extra.commitSha ??
      (COMMIT_SHA.test(revision) ? revision : null),
    step: settings.request.step ?? null,
    finishedAt: extra.finishedAt,
    runUrl: extra.runUrl ?? null,
    simulated: runSettings.simulate,
    lightevalVersion: report.versions?.lighteval ?? run.lightevalVersion,
    vllmVersion: report.versions?.vllm ?? null,
    results: run.results,
    jobs: report.jobs.map((job) => ({ id: job.id, benchmarks: job.benchmarks, gpuHours: gpuHours(job) })),
    ...(report.baseline && { baseline: report.baseline }),
    statistics: report.results.flatMap((r) => (r.statistics ? [r.statistics] : [])),
    ...(report.benchmarkFacts && { benchmarkFacts: report.benchmarkFacts }),
  };
}

/** Uploads results, details, summary rows and the dataset card; the caller reports a failure. */
export async function uploadRun(
  hub: HubClient,
  settings: UploadSettings,
  runSettings: RunSettings,
  run: RunOutcome,
  report: RunReport,
  runUrl: string | undefined,
): Promise<ResultsUploadOutcome & { rows: SummaryRecord[] }> {
  const { files, commitSha } = await uploadFiles(run);
  const summary = summaryRecordsForRun(
    summaryInput(settings, runSettings, run, report, {
      runUrl,
      finishedAt: new Date().toISOString(),
      commitSha,
    }),
  );
  const upload = {
    repo: settings.resultsRepo,
    model: runSettings.model,
    revision: runSettings.revision ?? 'main',
    files,
    summary,
    ...(runUrl && { workflowRunUrl: runUrl }),
  };
  const outcome = await uploadResults(hub, upload);
  // The rows as committed (with their paths), for the model-card pull request.
  return { ...outcome, rows: withFilePaths(upload) };
}

/**
 * The upload, then (with `modelCardPr`) the model-card pull request. Returns the failure to fail the
 * step with, or null. An upload failure is also a report note; a pull-request failure is only a note
 * and a warning: the scores are in the results repo whatever the model repo says.
 */
export async function publishToHub(
  core: Pick<ActionEnvironment['core'], 'info' | 'warning' | 'error'>,
  hub: HubClient,
  settings: UploadSettings,
  runSettings: RunSettings,
  run: RunOutcome,
  report: RunReport,
  context: { runUrl: string | undefined; modelCardPr?: boolean },
): Promise<string | null> {
  let uploaded: Awaited<ReturnType<typeof uploadRun>>;
  try {
    uploaded = await uploadRun(hub, settings, runSettings, run, report, context.runUrl);
  } catch (error) {
    const message = `The results upload to ${settings.resultsRepo} failed: ${(error as Error).message}`;
    report.notes?.push(message);
    core.error(message);
    return `${message} The results files are kept in the run directory on the cluster and in ${run.localResultsDir} (saved as the workflow artifact).`;
  }
  report.links = { ...report.links, hubResults: uploaded.datasetUrl };
  core.info(
    uploaded.appendedRows === 0
      ? `The results were already in ${uploaded.datasetUrl} (an earlier attempt's commit had landed).`
      : `Uploaded ${uploaded.paths.length} file(s) to ${uploaded.commitUrl}${uploaded.conflicts > 0 ? ` after ${uploaded.conflicts} concurrent commit(s) landed first` : ''}.`,
  );
  // Not again when the rows were already there: that run opened its pull request.
  if (!context.modelCardPr || uploaded.appendedRows === 0) return null;
  try {
    const pr = await openModelCardPr(hub, runSettings, uploaded.rows, uploaded.datasetUrl);
    if (pr?.pullRequestUrl) {
      report.notes?.push(`Scores proposed for the model page: ${pr.pullRequestUrl}`);
      core.info(`Opened ${pr.pullRequestUrl} adding ${pr.files.join(', ')}.`);
    } else if (!pr) {
      core.info('No model-card pull request: no measured score of a benchmark with a Hub dataset.');
    }
  } catch (error) {
    const message = `The model-card pull request on ${runSettings.model} failed: ${(error as Error).message}`;
    report.notes?.push(message);
    core.warning(message);
  }
  return null;
}

/** The scores as a pull request on the model's Hub repo (`.eval_results/*.yaml`); null when nothing qualifies. */
export async function openModelCardPr(
  hub: HubClient,
  runSettings: RunSettings,
  rows: readonly SummaryRecord[],
  resultsDatasetUrl: string,
): Promise<EvalResultsPr | null> {
  return openEvalResultsPr(hub, { model: runSettings.model, rows, resultsDatasetUrl });
}

/**
 * One upload entry per benchmark and results file (a job's file holds all of its benchmarks), with
 * LightEval's per-problem details parquet when it saved one, so later baselines can be paired. (The
 * stand-in's JSON Lines details are not uploaded: the Hub layout holds LightEval's parquet.) Also
 * the model commit LightEval recorded (`config_general.model_sha`), for the summary.
 */
async function uploadFiles(
  run: RunOutcome,
): Promise<{ files: ResultsUploadFile[]; commitSha: string | null }> {
  // Per results file, the rows (or a seeds row's seed runs) it holds: every seed's file is uploaded.
  const byFile = new Map<string, Pick<ResultRow, 'benchmark' | 'task' | 'timestamp'>[]>();
  for (const row of run.results) {
    for (const part of row.seedRuns?.map((s) => ({ ...s, benchmark: row.benchmark })) ?? [row]) {
      byFile.set(part.file, [...(byFile.get(part.file) ?? []), part]);
    }
  }
  const detailsFiles = await findDetailsFiles(run.localResultsDir).catch(() => []);
  const files: ResultsUploadFile[] = [];
  let commitSha: string | null = null;
  for (const [file, rows] of byFile) {
    const resultsJson = await readFile(localCopyOf(run, file), 'utf8');
    try {
      const sha = parseResultsFile(resultsJson, file).modelSha;
      if (sha && COMMIT_SHA.test(sha)) commitSha ??= sha;
    } catch {
      // Already parsed once to get `rows`; a second failure only costs the commit SHA column.
    }
    for (const row of rows) {
      const details = detailsFileFor(detailsFiles, row);
      files.push({
        benchmark: row.benchmark,
        timestamp: row.timestamp,
        resultsJson,
        ...(details?.endsWith('.parquet') && { details: new Uint8Array(await readFile(details)) }),
      });
    }
  }
  return { files, commitSha };
}

function localCopyOf(run: RunOutcome, remotePath: string): string {
  const copy = run.localCopies.get(remotePath);
  if (!copy) throw new Error(`no local copy of ${basename(remotePath)}`);
  return copy;
}
