import type { Logger } from '@model-eval/slurm';
import type { Octokit } from '@octokit/rest';
import type { ResolvedSettings } from '../../config';
import type { RunOutcome } from '../../run/run-evaluation';

/** Removes the trigger label (so it can be added again) and adds the done label; failures are warnings. */
export async function updateLabels(
  octokit: Octokit | undefined,
  settings: ResolvedSettings,
  status: RunOutcome['status'],
  logger: Logger,
): Promise<void> {
  const pr = settings.request.pullRequest;
  if (!octokit || !pr || settings.request.trigger !== 'pr-label' || status === 'submitted') return;
  const { owner, name } = settings.request.repository;
  try {
    if (settings.labels.removeTriggerWhenDone && pr.labels.includes(settings.labels.trigger)) {
      await octokit.rest.issues.removeLabel({
        owner,
        repo: name,
        issue_number: pr.number,
        name: settings.labels.trigger,
      });
    }
    if (settings.labels.done) {
      await octokit.rest.issues.addLabels({
        owner,
        repo: name,
        issue_number: pr.number,
        labels: [settings.labels.done],
      });
    }
  } catch (error) {
    logger.warn(`Could not update the PR's labels: ${(error as Error).message}`);
  }
}
