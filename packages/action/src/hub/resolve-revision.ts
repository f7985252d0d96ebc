import { z } from 'zod';
import type { HubClient } from './client';
import { withHubRetries } from './retry';

/**
 * The commit a revision names now. Branch and tag names move (a push to `main`, a re-tag), so the
 * run pins the commit before planning and gives LightEval the SHA, never the name: the weights it
 * loads, the config the planner read and the recorded identity are then one commit.
 *
 * The endpoint is the one huggingface_hub's `HfApi.model_info(repo_id, revision=...)` calls:
 * `GET {endpoint}/api/models/{repo_id}/revision/{quote(revision, safe='')}`, whose JSON carries `sha`
 * (`ModelInfo.sha`: "repo SHA at this particular revision"; huggingface/huggingface_hub
 * src/huggingface_hub/hf_api.py `model_info`). The revision is one path segment, so `refs/pr/1`
 * travels as `refs%2Fpr%2F1`, as `quote(..., safe='')` sends it.
 */
export const COMMIT_SHA = /^[0-9a-f]{40}$/;

const revisionInfoSchema = z.object({ sha: z.string().regex(COMMIT_SHA) }).loose();

export class RevisionResolveError extends Error {
  override name = 'RevisionResolveError';
  readonly kind = 'bad-input' as const;
  readonly hint: string;
  constructor(model: string, revision: string, status: number | undefined, detail: string) {
    super(
      `${model}@${revision} could not be resolved to a commit on the Hub${status ? ` (HTTP ${status})` : ''}: ${detail}`,
    );
    this.hint =
      status === 401 || status === 403
        ? 'Pass a Hugging Face token with read access (hf-token / HF_TOKEN); gated models also need their terms accepted.'
        : /no answer from /.test(detail)
          ? 'The Hub (or HF_ENDPOINT) accepted the connection but sent nothing: retry later, check HF_ENDPOINT, or raise the timeout (--hub-timeout).'
          : 'Check the model id and revision (a branch, tag or commit of the model repo), and HF_ENDPOINT if you use a mirror.';
  }
}

export function revisionUrl(hubUrl: string, model: string, revision: string): string {
  return `${hubUrl}/api/models/${model}/revision/${encodeURIComponent(revision)}`;
}

/** Resolves `model@revision` to its 40-hex commit SHA; transient Hub errors are retried. */
export async function resolveRevisionSha(
  client: HubClient,
  model: string,
  revision: string,
): Promise<string> {
  const url = revisionUrl(client.hubUrl, model, revision);
  const headers: Record<string, string> = client.accessToken
    ? { Authorization: `Bearer ${client.accessToken}` }
    : {};
  const response = await withHubRetries(`resolving ${model}@${revision}`, client.retry, async () => {
    const answer = await client.fetch(url, { headers });
    // 429 / 5xx are the Hub's trouble: thrown as a transient error so the retry policy applies.
    if (answer.status === 429 || answer.status >= 500) {
      throw Object.assign(new TypeError(`HTTP ${answer.status} from ${url}`), { status: answer.status });
    }
    return answer;
  }).catch((error: unknown) => {
    throw new RevisionResolveError(model, revision, undefined, (error as Error).message);
  });
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const message = (body as { error?: unknown } | undefined)?.error;
    throw new RevisionResolveError(
      model,
      revision,
      response.status,
      typeof message === 'string' ? message.slice(0, 200) : 'the Hub refused',
    );
  }
  const parsed = revisionInfoSchema.safeParse(body);
  if (!parsed.success) {
    throw new RevisionResolveError(model, revision, response.status, 'the answer carries no 40-hex sha');
  }
  return parsed.data.sha;
}
