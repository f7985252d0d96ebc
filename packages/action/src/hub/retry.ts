import { HubApiError } from '@huggingface/hub';
import { HubRequestError, HubUnavailableError } from './errors';
import { HubBusyError, HubTimeoutError } from './http';

export interface RetryPolicy {
  /** Total attempts, first included. */
  attempts: number;
  /** Delay before the second attempt; doubles each time, with ±25% jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * The longest `Retry-After` honoured. The Hub asking for longer is taken as "down for now": we stop
   * rather than hold the runner (the results stay in the artifact and on the cluster).
   */
  maxRetryAfterMs: number;
  /** Injected so tests do not wait. */
  sleep?: (ms: number) => Promise<void>;
  /** Told before each retry (what failed, the attempt, the wait), so a retry is never silent. */
  onRetry?: (message: string) => void;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 5,
  baseDelayMs: 2_000,
  maxDelayMs: 60_000,
  maxRetryAfterMs: 300_000,
};

/** 429 and 5xx are the Hub being busy or down; a timeout or a network error (fetch's TypeError) too. */
export function isTransient(error: unknown): boolean {
  if (error instanceof HubBusyError || error instanceof HubTimeoutError) return true;
  // The timeout's signal also aborts a body still being read after the headers came: a DOMException.
  if ((error as { name?: unknown } | null)?.name === 'TimeoutError') return true;
  if (error instanceof HubApiError) return error.statusCode === 429 || error.statusCode >= 500;
  return error instanceof TypeError || (error as { code?: unknown } | null)?.code === 'ECONNREFUSED';
}

/** The wait before attempt `attempt + 1`: the backoff, or longer when the Hub said `Retry-After`. */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  error: unknown,
  random = Math.random(),
): number {
  const backoff =
    Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)) * (0.75 + random * 0.5);
  return error instanceof HubBusyError ? Math.max(error.retryAfterMs, backoff) : backoff;
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
      if (error instanceof HubBusyError && error.retryAfterMs > policy.maxRetryAfterMs) {
        throw new HubUnavailableError(operation, attempt, error);
      }
      if (attempt < policy.attempts) {
        const delay = retryDelayMs(policy, attempt, error);
        const status = error instanceof HubApiError ? `HTTP ${error.statusCode}: ` : '';
        policy.onRetry?.(
          `Hub: ${operation} failed (${status}${(error as Error).message}); retry ${attempt} of ${policy.attempts - 1} in ${(delay / 1000).toFixed(1)} s.`,
        );
        await sleep(delay);
      }
    }
  }
  throw new HubUnavailableError(operation, policy.attempts, lastError);
}
