import type { Octokit } from '@octokit/rest';

export interface StickyCommentOptions {
  owner: string;
  repo: string;
  issueNumber: number;
  /** Hidden HTML comment identifying this report (see `reportMarker`); must appear in `body`. */
  marker: string;
  body: string;
  /**
   * Logins that count as "us" when GET /user is not allowed: installation tokens of GitHub Apps,
   * GITHUB_TOKEN included, get 403 there. Defaults to `github-actions[bot]`, the GITHUB_TOKEN author.
   */
  appLogins?: readonly string[];
}

export interface StickyCommentResult {
  commentId: number;
  url: string;
  action: 'created' | 'updated' | 'unchanged';
}

interface IssueComment {
  id: number;
  html_url: string;
  body?: string | null;
  created_at: string;
  user: { login: string } | null;
}

function hasStatus(error: unknown, ...statuses: number[]): boolean {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && statuses.includes(status);
}

/** Who the token is. A user/PAT token answers GET /user; an App installation token is refused (403). */
async function ownLogins(octokit: Octokit, appLogins: readonly string[]): Promise<readonly string[]> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return [data.login];
  } catch (error) {
    if (hasStatus(error, 401, 403, 404)) return appLogins;
    throw error;
  }
}

/** Oldest first: creation time, then id (ids grow with time on GitHub). */
function byAge(a: IssueComment, b: IssueComment): number {
  return a.created_at.localeCompare(b.created_at) || a.id - b.id;
}

async function ourComments(
  octokit: Octokit,
  options: StickyCommentOptions,
  logins: readonly string[],
): Promise<IssueComment[]> {
  // All pages: a busy PR has more than one page of comments, and ours may be on any of them.
  const comments = (await octokit.paginate(octokit.rest.issues.listComments, {
    owner: options.owner,
    repo: options.repo,
    issue_number: options.issueNumber,
    per_page: 100,
  })) as IssueComment[];
  return comments
    .filter(
      (c) => c.user !== null && logins.includes(c.user.login) && (c.body ?? '').includes(options.marker),
    )
    .sort(byAge);
}

/**
 * Creates the report comment once and updates it in place afterwards. Ours = carries the marker and
 * was written by the token's own login, so a quote of the marker by someone else is never edited.
 *
 * Two runs racing on the same PR may both find nothing and both create. After creating, the
 * comments are listed again: if an older one with the marker exists, ours is deleted and the oldest
 * gets our body, so both runs converge on one comment. Duplicates left by an earlier race are
 * removed the same way on the next update.
 */
export async function upsertStickyComment(
  octokit: Octokit,
  options: StickyCommentOptions,
): Promise<StickyCommentResult> {
  if (!options.body.includes(options.marker)) {
    throw new Error('the comment body must contain the marker, or the next run cannot find it');
  }
  const { owner, repo, issueNumber, body } = options;
  const logins = await ownLogins(octokit, options.appLogins ?? ['github-actions[bot]']);
  const existing = await ourComments(octokit, options, logins);

  const keepOldest = async (comments: IssueComment[], action: StickyCommentResult['action']) => {
    const [oldest, ...duplicates] = comments;
    if (!oldest) throw new Error('no comment to keep');
    for (const duplicate of duplicates) {
      try {
        await octokit.rest.issues.deleteComment({ owner, repo, comment_id: duplicate.id });
      } catch (error) {
        // The other run may have deleted it already.
        if (!hasStatus(error, 404)) throw error;
      }
    }
    if (oldest.body === body)
      return { commentId: oldest.id, url: oldest.html_url, action: 'unchanged' as const };
    const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: oldest.id, body });
    return { commentId: data.id, url: data.html_url, action };
  };

  if (existing.length > 0) return keepOldest(existing, 'updated');

  const { data: created } = await octokit.rest.issues.createComment({
    owner,
    repo,
    issue_number: issueNumber,
    body,
  });
  const recheck = await ourComments(octokit, options, logins);
  const oldest = recheck[0];
  if (!oldest || oldest.id === created.id) {
    return { commentId: created.id, url: created.html_url, action: 'created' };
  }
  // Another run created its comment first: ours goes, the oldest carries our (newer) body.
  try {
    await octokit.rest.issues.deleteComment({ owner, repo, comment_id: created.id });
  } catch (error) {
    if (!hasStatus(error, 404)) throw error;
  }
  const { data } = await octokit.rest.issues.updateComment({ owner, repo, comment_id: oldest.id, body });
  return { commentId: data.id, url: data.html_url, action: 'updated' };
}
