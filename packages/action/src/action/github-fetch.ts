/**
 * Per GitHub API request. Every call the action makes (permission, labels, comment, contents) is
 * small; 30 s without an answer is an API that is not answering, and the step must say so instead
 * of waiting until the job's time limit.
 */
export const GITHUB_API_TIMEOUT_MS = 30_000;

/** No answer from the GitHub API within the timeout. */
export class GitHubTimeoutError extends Error {
  override name = 'GitHubTimeoutError';
  constructor(
    readonly url: string,
    readonly timeoutMs: number,
  ) {
    super(`the GitHub API did not answer ${url} within ${Math.round(timeoutMs / 1000)} s`);
  }
}

/**
 * The `fetch` Octokit gets (`request.fetch`): a deadline on every request. Octokit turns any error
 * other than an AbortError into a RequestError keeping its message, so the URL and the wait survive.
 */
export function githubFetch(base: typeof fetch, timeoutMs = GITHUB_API_TIMEOUT_MS): typeof fetch {
  const wrapped = async (input: Parameters<typeof fetch>[0], init?: RequestInit): Promise<Response> => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    try {
      return await base(input, { ...init, signal });
    } catch (error) {
      if (timeout.aborted) throw new GitHubTimeoutError(url, timeoutMs);
      throw error;
    }
  };
  return wrapped as typeof fetch;
}
