import type { Logger } from '@model-eval/slurm';
import type { ResolvedSettings } from '../../config';
import {
  type BaselineRule,
  type HubClient,
  readBaselineResults,
  readSummary,
  resolveBaseline,
} from '../../hub';
import type { RunReport } from '../../report';
import { isReleaseRevision } from '../../request';
import type { BaselineSpec } from '../../request/eval-request';
import { readPerProblemScores } from '../../results';
import type { VarianceSource } from '../../run/precision';
import type { RunOutcome } from '../../run/run-evaluation';
import { compareWithBaseline, detectableChange } from '../../stats';

export function baselineRule(settings: ResolvedSettings): BaselineRule | undefined {
  return baselineRuleOf(settings.request.baseline, {
    // The base branch's configured revision when the PR's head config was read; else its branch name.
    baseRevision: settings.baseRevision ?? settings.request.pullRequest?.baseRef ?? 'main',
    isRelease: (revision) => isReleaseRevision(revision, settings.tagPattern, settings.tagRevision),
  });
}

/**
 * A baseline spec as a rule to resolve in the results repo. `base-revision` is the revision the
 * caller names (the pull request's base; `main` without one); `previous-tag` counts the revisions
 * `isRelease` accepts (the repository's tag-pattern in the action; the default otherwise).
 */
export function baselineRuleOf(
  spec: BaselineSpec,
  context: { baseRevision: string; isRelease?: (revision: string) => boolean },
): BaselineRule | undefined {
  switch (spec.kind) {
    case 'none':
      return undefined;
    case 'previous-tag':
      return { kind: 'previous-release', ...(context.isRelease && { isRelease: context.isRelease }) };
    case 'base-revision':
      return { kind: 'revision', revision: context.baseRevision };
    case 'fixed':
      return { kind: 'fixed', model: spec.model, revision: spec.revision };
  }
}

/** Reads the baseline from the results repo into `report.baseline`; a failure is a note, never fatal. */
export async function addBaseline(
  hub: HubClient,
  settings: ResolvedSettings,
  run: RunOutcome,
  report: RunReport,
  logger: Logger,
): Promise<void> {
  const rule = baselineRule(settings);
  if (!rule || !settings.resultsRepo) return;
  const current = { model: settings.request.model, revision: settings.request.revision };
  await addBaselineFrom(hub, { repo: settings.resultsRepo, rule, current }, run, report, logger);
}

/**
 * The baseline `rule` names in `repo`, compared with `run`'s results (paired per problem where both
 * have details), into `report.baseline`. Shared by the action and the CLI (`--results-repo`,
 * `--baseline`), so a terminal reproduces a pull request's table.
 */
export async function addBaselineFrom(
  hub: HubClient,
  where: { repo: string; rule: BaselineRule; current: { model: string; revision: string } },
  run: Pick<RunOutcome, 'results' | 'localResultsDir'>,
  report: RunReport,
  logger: Logger,
): Promise<void> {
  const { repo, rule, current } = where;
  try {
    const target = await resolveBaseline(hub, repo, rule, current);
    const baseline = target ? await readBaselineResults(hub, repo, target) : null;
    if (!baseline) {
      report.notes?.push(`No baseline results found in ${repo} for ${target?.label ?? 'the baseline rule'}.`);
      return;
    }
    const perProblem = await readPerProblemScores(run.localResultsDir, run.results);
    const scores = run.results.map((r) => ({ ...r, perProblem: perProblem.get(r.benchmark) ?? [] }));
    const base = baseline.rows.map((r) => ({ ...r, perProblem: baseline.perProblem.get(r.benchmark) ?? [] }));
    report.baseline = {
      label: baseline.label,
      values: Object.fromEntries(baseline.rows.map((r) => [r.benchmark, r.value])),
      comparison: compareWithBaseline(scores, base),
    };
  } catch (error) {
    const message = `The baseline could not be read: ${(error as Error).message}`;
    logger.warn(message);
    report.notes?.push(message);
  }
}

/** Earlier checkpoints of the same model from the summary, for the report's chart. */
export async function addCheckpointSeries(
  hub: HubClient,
  settings: ResolvedSettings,
  run: RunOutcome,
  report: RunReport,
  logger: Logger,
): Promise<void> {
  const step = settings.request.step;
  if (step === undefined || !settings.resultsRepo) return;
  try {
    const rows = (await readSummary(hub, settings.resultsRepo)).filter(
      (r) => r.model === settings.request.model && r.step !== null && r.simulated === run.report.simulated,
    );
    report.checkpointSeries = run.results.flatMap((result) => {
      const points = rows.flatMap((r) =>
        r.benchmark === result.benchmark && r.step !== null && r.score !== null
          ? [{ step: r.step, value: r.score }]
          : [],
      );
      if (result.value !== null) points.push({ step, value: result.value });
      points.sort((a, b) => a.step - b.step);
      return points.length > 1 ? [{ benchmark: result.benchmark, points }] : [];
    });
  } catch (error) {
    logger.warn(`The checkpoint series could not be read: ${(error as Error).message}`);
  }
}

/**
 * For `precision`: each benchmark's within-problem variance from the baseline's details, read
 * before planning (the samples are set from it). Nothing when there is no baseline rule, results
 * repo or details; a failure is logged and the stated assumption applies instead.
 */
export async function baselineVariances(
  hub: HubClient,
  settings: ResolvedSettings,
  logger: Logger,
): Promise<Map<string, VarianceSource>> {
  const variances = new Map<string, VarianceSource>();
  const rule = baselineRule(settings);
  if (!rule || !settings.resultsRepo || settings.precision === undefined) return variances;
  try {
    const target = await resolveBaseline(hub, settings.resultsRepo, rule, {
      model: settings.request.model,
      revision: settings.request.revision,
    });
    const baseline = target ? await readBaselineResults(hub, settings.resultsRepo, target) : null;
    for (const [benchmark, scores] of baseline?.perProblem ?? []) {
      const design = detectableChange(benchmark, scores);
      if (!design || !baseline) continue;
      variances.set(benchmark, {
        withinVariance: design.withinVariance,
        problems: design.problems,
        source: `baseline ${baseline.label} (${design.problems} problems × ${design.samples} samples)`,
      });
    }
  } catch (error) {
    logger.warn(
      `precision: the baseline could not be read (${(error as Error).message}); assuming the worst-case variance.`,
    );
  }
  return variances;
}
