import type { Octokit } from '@octokit/rest';
import { type ConfigFile, hubRepoIdProblem, hubRevisionProblem, parseConfigFile } from '../config';
import type { PullRequestRef } from './eval-request';

/**
 * What a pull request evaluation evaluates (README "What a PR evaluation evaluates"): the model,
 * revision, benchmarks and samples of the PR's head configuration file, read through the contents
 * API as data (never checked out, never executed), validated as the base file is. Everything else
 * (cluster, secrets, results repo, permissions, custom tasks) comes from the base branch only. The
 * baseline `base-revision` is what the base branch's file names.
 */
export const HEAD_CONFIG_KEYS = ['model', 'revision', 'benchmarks', 'samples'] as const;

export interface HeadEvaluation {
  model: string;
  revision: string;
  /** Catalog benchmark names from the head file; undefined: the base's selection. */
  benchmarks?: string[];
  samples?: Record<string, number>;
}

export type PrEvaluationDecision =
  | {
      kind: 'evaluate';
      head: HeadEvaluation;
      base: { model: string; revision: string };
    }
  | { kind: 'nothing'; reason: string };

export class HeadConfigError extends Error {
  override name = 'HeadConfigError';
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

/**
 * The head file's text at the PR's head commit, from the head repository (a fork's own), or
 * undefined when the head has no such file. Only the contents API: nothing of the head is run.
 */
export async function readHeadConfigText(
  octokit: Octokit,
  pr: Pick<PullRequestRef, 'headRepo' | 'headSha'>,
  path: string,
): Promise<string | undefined> {
  if (!pr.headRepo) return undefined; // a deleted fork: nothing to read
  const [owner = '', repo = ''] = pr.headRepo.split('/');
  try {
    const response = await octokit.rest.repos.getContent({ owner, repo, path, ref: pr.headSha });
    const data = response.data as { type?: string; encoding?: string; content?: string; size?: number };
    if (data.type !== 'file' || data.encoding !== 'base64' || typeof data.content !== 'string') {
      throw new HeadConfigError(
        `${path} at the PR head ${pr.headSha.slice(0, 12)} is not a file`,
        'The configuration file must be a regular file in the repository.',
      );
    }
    if ((data.size ?? 0) > 64 * 1024) {
      throw new HeadConfigError(
        `${path} at the PR head is ${data.size} bytes, over the 64 KiB a configuration file may have`,
        'Keep the configuration file small; it holds a few settings.',
      );
    }
    return Buffer.from(data.content.replace(/\n/g, ''), 'base64').toString('utf8');
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}

/** The four keys the head may set, validated (the whole file by the config schema, names as Hub names). */
export function headEvaluationOf(text: string, where: string): Partial<HeadEvaluation> {
  const head = parseConfigFile(text, where);
  const picked: Partial<HeadEvaluation> = {};
  if (head.model !== undefined) {
    const problem = hubRepoIdProblem(head.model);
    if (problem)
      throw new HeadConfigError(
        `${where}: model '${head.model}' ${problem}`,
        'Name a Hub model id (org/name).',
      );
    picked.model = head.model;
  }
  if (head.revision !== undefined) {
    const problem = hubRevisionProblem(head.revision);
    if (problem)
      throw new HeadConfigError(
        `${where}: revision '${head.revision}' ${problem}`,
        'Name a branch, tag or commit of the model.',
      );
    picked.revision = head.revision;
  }
  if (head.benchmarks !== undefined) {
    // A custom task is code (a Python file LightEval imports): only the base branch may add one.
    const custom = head.benchmarks.find((b) => typeof b !== 'string');
    if (custom) {
      throw new HeadConfigError(
        `${where}: custom task '${(custom as { name: string }).name}' in a pull request's configuration`,
        'A PR may choose catalog benchmarks (or custom tasks already on the base branch) by name; custom tasks are added on the base branch.',
      );
    }
    picked.benchmarks = (head.benchmarks as string[]).filter((b) => b.length > 0);
    // The names are checked against the catalog and the base's custom tasks where settings resolve.
  }
  if (head.samples !== undefined) picked.samples = head.samples;
  return picked;
}

/**
 * Decides what the PR evaluates. A fork's head file is used on `pull_request_target` only with
 * `allow-fork-prs` (otherwise the base file alone decides, and so nothing changed); a head that
 * names the same model and revision as the base is "nothing to evaluate".
 */
export function decidePrEvaluation(input: {
  base: ConfigFile;
  head: Partial<HeadEvaluation> | undefined;
  isFork: boolean;
  eventName: string;
  allowForkPrs: boolean;
  defaultRevision?: string;
}): PrEvaluationDecision {
  const defaultRevision = input.defaultRevision ?? 'main';
  const baseModel = input.base.model;
  if (!baseModel) {
    return { kind: 'nothing', reason: "the base branch's configuration names no model" };
  }
  const base = { model: baseModel, revision: input.base.revision ?? defaultRevision };
  const forkBlocked = input.isFork && input.eventName === 'pull_request_target' && !input.allowForkPrs;
  if (forkBlocked || !input.head) {
    return {
      kind: 'nothing',
      reason: forkBlocked
        ? "the PR comes from a fork and allow-fork-prs is off: its configuration is not read, and the base branch's model is not a change to evaluate"
        : 'the PR has no configuration file at its head',
    };
  }
  const head: HeadEvaluation = {
    model: input.head.model ?? base.model,
    revision: input.head.revision ?? (input.head.model ? defaultRevision : base.revision),
    ...(input.head.benchmarks && { benchmarks: input.head.benchmarks }),
    ...(input.head.samples && { samples: input.head.samples }),
  };
  // Benchmarks or samples alone are not a model change: the base branch's run already covers it.
  if (head.model === base.model && head.revision === base.revision) {
    return {
      kind: 'nothing',
      reason: `the PR does not change the model: its configuration names ${base.model}@${base.revision}, as the base branch does`,
    };
  }
  return { kind: 'evaluate', head, base };
}
