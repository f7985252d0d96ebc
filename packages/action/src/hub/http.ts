import { fetchInputUrl, fetchWithDeadline } from '@model-eval/planner';
/**
 * The one `fetch` every Hub call goes through (passed to @huggingface/hub as its `fetch`):
 *
 * - a timeout on every request, so a Hub that accepts the connection and never answers cannot hold
 *   the runner until the job's 360-minute limit;
 * - a 429 or 503 that carries `Retry-After` becomes a `HubBusyError` that says how long the Hub
 *   asked us to wait. @huggingface/hub turns an error response into a `HubApiError` that keeps the
 *   status but drops the headers (src/error.ts `createApiError`), so the header must be read here.
 */

/** The Hub answered 429/503 with `Retry-After`: retry no sooner than `retryAfterMs`. */
export class HubBusyError extends Error {
  override name = 'HubBusyError';
  constructor(
    readonly url: string,
    readonly statusCode: number,
    readonly retryAfterMs: number,
    body: string,
  ) {
    super(
      `HTTP ${statusCode} from ${url}, Retry-After ${Math.ceil(retryAfterMs / 1000)} s${body ? `: ${body.slice(0, 200)}` : ''}`,
    );
  }
}

/** No answer within the timeout. Transient: the request is retried like a 5xx. */
export class HubTimeoutError extends Error {
  override name = 'HubTimeoutError';
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`no answer from ${url} within ${Number((timeoutMs / 1000).toFixed(1))} s`);
  }
}

/**
 * `Retry-After` as milliseconds from `now`: delta-seconds or an HTTP-date (RFC 9110 §10.2.3); null
 * when absent or unreadable. A date in the past is 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export function hubFetch(
  base: typeof fetch,
  options: { timeoutMs: number; now?: () => number },
): typeof fetch {
  const now = options.now ?? Date.now;
  const withDeadline = fetchWithDeadline(base, options.timeoutMs, (url, ms) => new HubTimeoutError(url, ms));
  const wrapped = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    const response = await withDeadline(input, init);
    if (response.status === 429 || response.status === 503) {
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now());
      if (retryAfterMs !== null) {
        const body = await response.text().catch(() => '');
        throw new HubBusyError(fetchInputUrl(input), response.status, retryAfterMs, body);
      }
    }
    return response;
  };
  return wrapped as typeof fetch;
}
