import { HubApiError } from '@huggingface/hub';
import { HubRequestError, HubUnavailableError } from './errors';

export interface RetryPolicy {
  /** Total attempts, first included. */
  attempts: number;
  /** Delay before the second attempt; doubles each time, with ±25% jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Injected so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 2_000, maxDelayMs: 60_000 };

/** 429 and 5xx are the Hub being busy or down; a network error (fetch's TypeError) too. */
export function isTransient(error: unknown): boolean {
  if (error instanceof HubApiError) return error.statusCode === 429 || error.statusCode >= 500;
  return error instanceof TypeError || (error as { code?: unknown } | null)?.code === 'ECONNREFUSED';
}

export async function withHubRetries<T>(
  operation: string,
  policy: RetryPolicy,
  run: () => Promise<T>,
): Promise<T> {
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  let lastError: unknown;
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isTransient(error)) {
        throw new HubRequestError(
          operation,
          error instanceof HubApiError ? error.statusCode : undefined,
          error,
        );
      }
      lastError = error;
      if (attempt < policy.attempts) {
        const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
        await sleep(delay * (0.75 + Math.random() * 0.5));
      }
    }
  }
  throw new HubUnavailableError(operation, policy.attempts, lastError);
}
