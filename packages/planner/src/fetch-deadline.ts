/** The URL a `fetch` input names, for messages. */
export function fetchInputUrl(input: Parameters<typeof fetch>[0]): string {
  if (typeof input === 'string') return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

/**
 * `base` with a deadline on every request (headers and body), so nothing waits on a service that
 * accepts the connection and never answers. A request the deadline ends throws `timeoutError(url,
 * ms)`, which names the service; a caller's own abort signal still works alongside.
 * Used for the Hub (planner and action) and the GitHub API, each with its own error.
 */
export function fetchWithDeadline(
  base: typeof fetch,
  timeoutMs: number,
  timeoutError: (url: string, timeoutMs: number) => Error,
): typeof fetch {
  const wrapped = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      return await base(input, { ...init, signal });
    } catch (error) {
      if (timeout.aborted) throw timeoutError(fetchInputUrl(input), timeoutMs);
      throw error;
    }
  };
  return wrapped as typeof fetch;
}
