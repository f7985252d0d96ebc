import { fetchWithDeadline } from '@model-eval/planner';

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
  return fetchWithDeadline(base, timeoutMs, (url, ms) => new GitHubTimeoutError(url, ms));
}
