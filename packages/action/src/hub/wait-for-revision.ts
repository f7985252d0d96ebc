import { fileExists, HubApiError, modelInfo } from '@huggingface/hub';
import { z } from 'zod';
import { callParams, type HubClient, hubClientFromEnv } from './client';
import { isTransient } from './retry';

/**
 * A checkpoint dispatch can arrive before its upload is done: a training callback dispatches when
 * the save starts its push. open-r1's `push_to_hub_revision` (src/open_r1/utils/hub.py) even creates
 * the branch at the repository's initial commit before uploading, so the branch exists for a while
 * without a config.json. The revision counts as there once it resolves *and* holds the files the
 * planner reads first.
 */
export interface RevisionWaitOptions {
  model: string;
  revision: string;
  /** Give up after this long (0: check once). */
  timeoutMs: number;
  /** Delay before the second check; grows by half each time up to `maxIntervalMs`. */
  intervalMs?: number;
  maxIntervalMs?: number;
  /** Each Hub request gives up after this long (a hung Hub counts as a miss); default 30 s. */
  requestTimeoutMs?: number;
  /** Files the revision must hold; default `config.json`. */
  requiredFiles?: string[];
  /** One progress line per check that did not find it. */
  log: (line: string) => void;
  /** Injected so tests do not wait; must honour `signal`. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  signal?: AbortSignal;
}

export interface RevisionFound {
  /** The commit the revision resolved to, when the Hub said. */
  sha?: string;
  /** Checks made, the successful one included. */
  checks: number;
  waitedMs: number;
}

/** The revision did not appear (or not completely) within the wait. */
export class RevisionNeverAppearedError extends Error {
  override name = 'RevisionNeverAppearedError';
  readonly hint: string;
  constructor(
    readonly model: string,
    readonly revision: string,
    readonly waitedMs: number,
    lastState: string,
  ) {
    super(
      `${model}@${revision} did not appear on the Hub within ${formatDuration(waitedMs)} (last check: ${lastState})`,
    );
    this.hint =
      'Check that the training job pushed this revision (the branch name must match the revision in the dispatch, e.g. the callback’s revision template) and that its upload finished; if uploads take longer, raise the revision-wait-minutes input.';
  }
}

/** The workflow was cancelled during the wait: nothing was planned or submitted. */
export class RevisionWaitCancelledError extends Error {
  override name = 'RevisionWaitCancelledError';
  readonly hint = 'Nothing reached the cluster; dispatch the checkpoint again to evaluate it.';
  constructor(model: string, revision: string, waitedMs: number) {
    super(
      `cancelled after waiting ${formatDuration(waitedMs)} for ${model}@${revision} to appear on the Hub`,
    );
  }
}

/** The Hub refused to show the repository: waiting cannot fix a token problem. */
export class RevisionAccessError extends Error {
  override name = 'RevisionAccessError';
  readonly hint: string;
  constructor(
    readonly model: string,
    readonly status: number,
    hasToken: boolean,
  ) {
    super(`no access to ${model} on the Hub (HTTP ${status}): the repository is private, gated or missing`);
    this.hint = hasToken
      ? 'The hf-token input was sent but does not grant read access to this repository: use a token of an account (or organization) that can read it.'
      : 'Pass a Hugging Face token with read access as the hf-token input: a private repository answers 401 without one.';
  }
}

const modelInfoSchema = z.object({ sha: z.string().optional() }).loose();

type Check = { kind: 'present'; sha?: string } | { kind: 'absent'; state: string };

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  return seconds % 60 === 0 ? `${minutes} min` : `${minutes} min ${seconds % 60} s`;
}

const abortableSleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

async function checkOnce(client: HubClient, options: RevisionWaitOptions): Promise<Check> {
  const { model, revision } = options;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const baseFetch = client.fetch ?? fetch;
  // fetch has no timeout of its own: without one, a Hub that accepts and never answers would hold
  // the wait past its deadline.
  const timedFetch: typeof fetch = (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return baseFetch(input, { ...init, signal });
  };
  const params = { ...callParams(client), fetch: timedFetch };
  try {
    const info = modelInfoSchema.parse(
      await modelInfo({ name: model, revision, additionalFields: ['sha'], ...params }),
    );
    for (const path of options.requiredFiles ?? ['config.json']) {
      if (!(await fileExists({ repo: { type: 'model', name: model }, path, revision, ...params }))) {
        return { kind: 'absent', state: `the revision exists but has no ${path} yet (upload in progress?)` };
      }
    }
    return info.sha ? { kind: 'present', sha: info.sha } : { kind: 'present' };
  } catch (error) {
    if (error instanceof HubApiError && error.statusCode === 404) {
      return { kind: 'absent', state: 'not on the Hub yet' };
    }
    if (error instanceof HubApiError && (error.statusCode === 401 || error.statusCode === 403)) {
      throw new RevisionAccessError(model, error.statusCode, Boolean(client.accessToken));
    }
    if ((error as Error | null)?.name === 'TimeoutError') {
      return { kind: 'absent', state: `the Hub did not answer within ${formatDuration(timeoutMs)}` };
    }
    if (isTransient(error)) {
      const status = error instanceof HubApiError ? `HTTP ${error.statusCode}` : (error as Error).message;
      return { kind: 'absent', state: `the Hub did not answer (${status})` };
    }
    throw error;
  }
}

/**
 * Waits until `model@revision` exists on the Hub with its config, checking with a growing interval
 * and logging each miss; bounded by `timeoutMs`. A transient Hub error counts as a miss; an access
 * error (401/403) fails at once; an abort (the workflow cancelled) ends the wait with
 * RevisionWaitCancelledError.
 */
export async function waitForRevision(
  client: HubClient,
  options: RevisionWaitOptions,
): Promise<RevisionFound> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  const maxInterval = options.maxIntervalMs ?? 60_000;
  let interval = Math.min(options.intervalMs ?? 15_000, maxInterval);
  const started = now();
  const deadline = started + Math.max(0, options.timeoutMs);
  for (let checks = 1; ; checks++) {
    const check = await checkOnce(client, options);
    const elapsed = now() - started;
    if (check.kind === 'present') {
      if (checks > 1) {
        options.log(
          `${options.model}@${options.revision} is on the Hub after ${formatDuration(elapsed)} (${checks} checks).`,
        );
      }
      return { ...(check.sha && { sha: check.sha }), checks, waitedMs: elapsed };
    }
    const left = deadline - now();
    if (left <= 0) {
      throw new RevisionNeverAppearedError(options.model, options.revision, elapsed, check.state);
    }
    const delay = Math.min(interval, left);
    options.log(
      `Waiting for ${options.model}@${options.revision}: ${check.state}; next check in ${formatDuration(delay)} (${formatDuration(left)} left of ${formatDuration(options.timeoutMs)}).`,
    );
    await sleep(delay, options.signal);
    if (options.signal?.aborted) {
      throw new RevisionWaitCancelledError(options.model, options.revision, now() - started);
    }
    interval = Math.min(maxInterval, Math.round(interval * 1.5));
  }
}

/** What the action knows when a checkpoint event arrives. */
export interface CheckpointRevision {
  model: string;
  revision: string;
  hfToken?: string;
  /** The `revision-wait-minutes` input (0: check once). */
  waitMinutes: number;
  /** First interval between checks; the tests' MODEL_EVAL_POLL_INTERVAL_MS shortens it. */
  intervalMs?: number;
}

/**
 * The action's wait for a dispatched checkpoint: the Hub from `HF_ENDPOINT`, the run's HF token,
 * one progress line per miss. Throws RevisionNeverAppearedError / RevisionAccessError (with hints).
 */
export function waitForCheckpointRevision(
  env: NodeJS.ProcessEnv,
  checkpoint: CheckpointRevision,
  log: (line: string) => void,
  signal?: AbortSignal,
): Promise<RevisionFound> {
  const client = hubClientFromEnv(env, checkpoint.hfToken ? { accessToken: checkpoint.hfToken } : {});
  return waitForRevision(client, {
    model: checkpoint.model,
    revision: checkpoint.revision,
    timeoutMs: checkpoint.waitMinutes * 60_000,
    ...(checkpoint.intervalMs !== undefined && { intervalMs: checkpoint.intervalMs }),
    log,
    ...(signal && { signal }),
  });
}
