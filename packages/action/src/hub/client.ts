import type { RepoDesignation } from '@huggingface/hub';
import { MissingHubTokenError } from './errors';
import { DEFAULT_RETRY, type RetryPolicy } from './retry';

/** How to reach the Hub: everything injected, so tests point it at the emulator. */
export interface HubClient {
  /** `HF_ENDPOINT`, else `https://huggingface.co`. */
  hubUrl: string;
  accessToken?: string;
  fetch?: typeof fetch;
  retry: RetryPolicy;
}

export function hubClientFromEnv(
  env: NodeJS.ProcessEnv,
  options: { accessToken?: string; fetch?: typeof fetch; retry?: RetryPolicy } = {},
): HubClient {
  return {
    hubUrl: (env.HF_ENDPOINT || 'https://huggingface.co').replace(/\/+$/, ''),
    accessToken: options.accessToken,
    fetch: options.fetch,
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
  fetch?: typeof fetch;
} {
  return {
    hubUrl: client.hubUrl,
    ...(client.accessToken ? { accessToken: client.accessToken } : {}),
    ...(client.fetch ? { fetch: client.fetch } : {}),
  };
}

/** Like `callParams`, for calls that write: a token is required. */
export function writeParams(
  client: HubClient,
  repo: string,
): { hubUrl: string; accessToken: string; fetch?: typeof fetch } {
  if (!client.accessToken) throw new MissingHubTokenError(repo);
  return { ...callParams(client), accessToken: client.accessToken };
}
