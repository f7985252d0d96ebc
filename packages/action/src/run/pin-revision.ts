import { HUB_ID } from '../report/names';
import { definitionHash, runDefinition } from './run-definition';
import { deriveRunId } from './run-id';
import type { RunSettings } from './run-settings';

/** Resolves `model@revision` to a commit SHA on the Hub (`resolveRevisionSha` with a client). */
export type ResolveRevision = (model: string, revision: string) => Promise<string>;

/** What pinning did, for the log and the report. */
export interface PinnedRevision {
  settings: RunSettings;
  /** One line: `main → 3f2a…` or why there is no SHA. */
  line: string;
}

/** A model directory is not a Hub repository: it has no commit to pin. */
export const NO_SHA_FOR_DIRECTORY =
  'a model directory has no Hub commit SHA: the run records the path only, so a re-evaluation of the same path after its files changed is not told apart';

/**
 * The settings with the revision pinned to `sha` (pure): the SHA joins the run definition, so a
 * derived run id changes when the branch moved, and with it the run directory and LightEval's
 * prediction cache inside it (which LightEval keys by model name and revision *string*).
 */
export function withCommitSha(settings: RunSettings, sha: string): RunSettings {
  return rederiveRunId({ ...settings, commitSha: sha });
}

/** A derived run id again from the settings as they are now (a given run id is kept). */
export function rederiveRunId(settings: RunSettings): RunSettings {
  if (!settings.runIdPrefix) return settings;
  return {
    ...settings,
    runId: deriveRunId([...settings.runIdPrefix, definitionHash(runDefinition(settings))]),
  };
}

/**
 * Pins the revision before planning (a fresh run only: reopening reads the SHA recorded in the run
 * state and never calls the Hub). A revision that already is a 40-hex SHA is still resolved: the
 * Hub confirms it exists, and a short SHA becomes the full one.
 */
export async function pinRevision(
  settings: RunSettings,
  resolve: ResolveRevision,
  /** As the planner decides: an existing path is a directory even when it reads like `org/name`. */
  isDirectory: (model: string) => boolean = () => false,
): Promise<PinnedRevision> {
  if (!HUB_ID.test(settings.model) || isDirectory(settings.model)) {
    return { settings: rederiveRunId(settings), line: `${settings.model}: ${NO_SHA_FOR_DIRECTORY}.` };
  }
  const revision = settings.revision ?? 'main';
  const sha = await resolve(settings.model, revision);
  return {
    settings: withCommitSha(settings, sha),
    line: `${settings.model}@${revision} is commit ${sha} on the Hub; LightEval loads that commit.`,
  };
}
