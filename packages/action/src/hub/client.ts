import type { RepoDesignation } from '@huggingface/hub';
import { MissingHubTokenError } from './errors';
import { hubFetch } from './http';
import { DEFAULT_RETRY, type RetryPolicy } from './retry';

/** How to reach the Hub: everything injected, so tests point it at the emulator. */
export interface HubClient {
  /** `HF_ENDPOINT`, else `https://huggingface.co`. */
  hubUrl: string;
  accessToken?: string;
  /** Already wrapped by `hubFetch` (timeout, `Retry-After`): every call goes through it. */
  fetch: typeof fetch;
  retry: RetryPolicy;
}

/**
 * Per request. A results commit carries the details parquet in its body, a few MB at most, which the
 * Hub takes in seconds; a minute without an answer is a Hub that is not answering.
 */
export const DEFAULT_HUB_TIMEOUT_MS = 60_000;

export function hubClientFromEnv(
  env: NodeJS.ProcessEnv,
  options: { accessToken?: string; fetch?: typeof fetch; retry?: RetryPolicy; timeoutMs?: number } = {},
): HubClient {
  return {
    hubUrl: (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, ''),
    accessToken: options.accessToken,
    fetch: hubFetch(options.fetch ?? globalThis.fetch, {
      timeoutMs: options.timeoutMs ?? DEFAULT_HUB_TIMEOUT_MS,
    }),
    retry: options.retry ?? DEFAULT_RETRY,
  };
}

export function datasetRepo(name: string): RepoDesignation {
  return { type: 'dataset', name };
}

/** The parameters every @huggingface/hub call takes from the client. */
export function callParams(client: HubClient): {
  hubUrl: string;
  accessToken?: string;
  fetch: typeof fetch;
} {
  return {
    hubUrl: client.hubUrl,
    ...(client.accessToken ? { accessToken: client.accessToken } : {}),
    fetch: client.fetch,
  };
}

/** Like `callParams`, for calls that write: a token is required. */
export function writeParams(
  client: HubClient,
  repo: string,
): { hubUrl: string; accessToken: string; fetch: typeof fetch } {
  if (!client.accessToken) throw new MissingHubTokenError(repo);
  return { ...callParams(client), accessToken: client.accessToken };
}
