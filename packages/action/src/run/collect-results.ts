import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { collectJobFiles, type JobSpec, joinRemotePath, type Transport } from '@model-eval/slurm';
import {
  mergeSeedRows,
  type ProblemScore,
  parseResultsFile,
  type ResultRow,
  readPerProblemScores,
  type SeededRow,
  samplesThatRan,
} from '../results';
import { copyRemoteTree } from './copy-remote';
import { type JobVersionsRecord, parseJobVersionsRecord } from './preflight';
import type { FinishedJob } from './run-report';

export interface CollectedResults {
  results: ResultRow[];
  /** Directory on this machine holding the collected results files (and details). */
  localResultsDir: string;
  /** Results file on the cluster → its copy on this machine. */
  localCopies: Map<string, string>;
  notes: string[];
  /** What the first succeeded job recorded it really ran (LightEval, vLLM, GPU), when it did. */
  ran?: JobVersionsRecord;
  /** Per benchmark, the per-problem scores the details hold (empty when none were read). */
  perProblem: Map<string, ProblemScore[]>;
}

/**
 * Copies each succeeded job's results (and details) to this machine, then parses them. A local copy
 * is written before parsing, so whatever happens next (a parse error, a Hub outage) the file is kept.
 */
export async function collectResults(
  transport: Transport,
  finished: FinishedJob[],
  where: { runDir: string; localDir: string; lightevalVersion: string },
): Promise<CollectedResults> {
  const localResultsDir = join(where.localDir, 'results');
  const collected: CollectedResults = {
    results: [],
    localResultsDir,
    localCopies: new Map(),
    notes: [],
    perProblem: new Map(),
  };
  const localOf = (remote: string) =>
    join(localResultsDir, remote.slice(where.runDir.length).replace(/^\/+/, ''));
  const seeded: SeededRow[] = [];
  for (const job of [...finished].sort((a, b) => a.index - b.index)) {
    if (job.outcome.state.class !== 'succeeded') continue;
    const files = await collectJobFiles(transport, job.spec, job.outcome.jobId);
    for (const skipped of files.skipped) collected.notes.push(`Skipped ${skipped.path}: ${skipped.reason}`);
    if (files.resultFiles.length === 0) {
      collected.notes.push(
        `Job ${job.outcome.jobId} completed but wrote no results file under ${job.spec.outputDir}.`,
      );
      job.outcome = { ...job.outcome, logTail: `${files.stdoutTail}${files.stderrTail}` };
      continue;
    }
    collected.ran ??= (await readVersionsRecord(transport, job.spec)) ?? undefined;
    const details = joinRemotePath(outputDirOf(job.spec), 'details');
    try {
      const copied = await copyRemoteTree(transport, details, localOf(details));
      for (const skipped of copied.skipped)
        collected.notes.push(`Skipped ${skipped.path}: ${skipped.reason}`);
    } catch (error) {
      // Without details the comparison with the baseline can only be unpaired: say so, never silently.
      collected.notes.push(
        `The details of job ${job.outcome.jobId} could not be copied (${(error as Error).message}); comparisons with the baseline are unpaired.`,
      );
    }
    for (const file of files.resultFiles) {
      const localPath = localOf(file.path);
      await mkdir(dirname(localPath), { recursive: true });
      await writeFile(localPath, file.content);
      collected.localCopies.set(file.path, localPath);
      // The file does not record LightEval's version; the plan targeted this one.
      const parsed = parseResultsFile(file.content, file.path, { lightevalVersion: where.lightevalVersion });
      for (const row of parsed.rows.filter((r) => job.planned.benchmarks.includes(r.benchmark))) {
        seeded.push({ row, ...(job.planned.seed !== undefined && { seed: job.planned.seed }) });
      }
    }
  }
  collected.results = mergeSeedRows(seeded);
  for (const row of collected.results) {
    const missing = missingSeeds(row, finished);
    if (missing.length > 0)
      row.notes.push(
        `seed(s) ${missing.join(', ')} did not finish: merged over ${row.seedRuns?.length ?? 1} seed(s)`,
      );
  }
  await countWhatRan(collected);
  return collected;
}

/**
 * The samples each benchmark really drew, from its details (rows per problem), replacing what the
 * metric name says: from LightEval 0.11 a name keeps saying `n=1` whatever was drawn. A seeds run's
 * row counts every seed's generations; each of its seed runs, its own.
 */
export async function countWhatRan(
  collected: Pick<CollectedResults, 'results' | 'localResultsDir'> &
    Partial<Pick<CollectedResults, 'perProblem'>>,
): Promise<void> {
  if (collected.results.length === 0) return;
  const perProblem = await readPerProblemScores(collected.localResultsDir, collected.results).catch(
    () => new Map<string, ProblemScore[]>(),
  );
  collected.perProblem = perProblem;
  for (const row of collected.results) {
    const { seedRuns, ...single } = row;
    for (const run of seedRuns ?? []) {
      const own = await readPerProblemScores(collected.localResultsDir, [{ ...single, ...run }]).catch(
        () => new Map<string, ProblemScore[]>(),
      );
      const seedRan = samplesThatRan(own.get(row.benchmark) ?? []);
      if (seedRan) run.samples = seedRan.samples;
    }
    const ran = samplesThatRan(perProblem.get(row.benchmark) ?? []);
    if (!ran) continue;
    row.samples = ran.samples;
    row.problems ??= ran.problems;
  }
}

/** The seeds planned for a row's benchmark whose jobs did not succeed (their numbers are not in it). */
function missingSeeds(row: ResultRow, finished: readonly FinishedJob[]): number[] {
  const merged = new Set((row.seedRuns ?? []).map((s) => s.seed));
  return finished.flatMap(({ planned }) =>
    planned.benchmarks.includes(row.benchmark) && planned.seed !== undefined && !merged.has(planned.seed)
      ? [planned.seed]
      : [],
  );
}

/**
 * The job's own record of what it ran (written by its preflight lines), read as untrusted output:
 * small, never through a link. Absent or unreadable: the report keeps the plan's belief.
 */
async function readVersionsRecord(transport: Transport, spec: JobSpec): Promise<JobVersionsRecord | null> {
  const read = (name: string) =>
    transport
      .readFile(joinRemotePath(spec.runDir, name), { maxBytes: 4096, refuseSymlink: true })
      .then((buffer) => buffer.toString('utf8'))
      .catch(() => '');
  const [versions, gpu] = await Promise.all([read('model-eval-versions.json'), read('model-eval-gpu.txt')]);
  return versions ? parseJobVersionsRecord(versions, gpu) : null;
}

function outputDirOf(spec: JobSpec): string {
  return spec.outputDir ?? spec.runDir;
}
