import { resolve } from 'node:path';
import type { Octokit } from '@octokit/rest';
import { parseConfigFile } from '../config';
import { decidePrEvaluation, headEvaluationOf, readHeadConfigText } from '../request/pr-head-config';
import {
  type ActionSettings,
  type ActionSettingsOutcome,
  type RunnerEvent,
  readActionSettings,
} from './action-settings';
import type { ActionEnvironment } from './environment';

/**
 * A PR evaluation evaluates what the PR says (README "What a PR evaluation evaluates"): when the
 * base branch's config file names the model, the head's config file is read through the contents
 * API (after the permission check), its model/revision/benchmarks/samples laid over the base file,
 * and `base-revision` becomes the base file's revision. Without a model change: nothing to evaluate.
 * Runs without a base config model (model from inputs) are unchanged.
 */
export async function settingsForPullRequest(
  runner: ActionEnvironment,
  event: RunnerEvent,
  settings: ActionSettings,
  octokit: Octokit | undefined,
): Promise<ActionSettingsOutcome> {
  const { resolved } = settings;
  const pr = resolved.request.pullRequest;
  const keep: ActionSettingsOutcome = { kind: 'run', settings };
  if (!pr || !octokit || !resolved.configFound) return keep;
  const workspace = runner.env.GITHUB_WORKSPACE ?? process.cwd();
  const baseText = runner.readFile(resolve(workspace, resolved.configPath));
  if (baseText === undefined) return keep;
  const base = parseConfigFile(baseText, resolved.configPath);
  if (!base.model) return keep;
  const text = await readHeadConfigText(octokit, pr, resolved.configPath);
  const head =
    text === undefined
      ? undefined
      : headEvaluationOf(text, `${resolved.configPath} at the PR head ${pr.headSha.slice(0, 12)}`);
  const decision = decidePrEvaluation({
    base,
    head,
    isFork: pr.isFork,
    eventName: event.eventName,
    allowForkPrs: resolved.allowForkPrs,
  });
  if (decision.kind === 'nothing') {
    return { kind: 'skip', reason: decision.reason };
  }
  const overlay = {
    model: decision.head.model,
    revision: decision.head.revision,
    ...(decision.head.benchmarks && { benchmarks: decision.head.benchmarks }),
    ...(decision.head.samples && { samples: decision.head.samples }),
  };
  return readActionSettings(runner, event, { configOverlay: overlay, baseRevision: decision.base.revision });
}
