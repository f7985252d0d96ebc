import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type HubRoute, sendJson } from './hub';

/**
 * Dataset-repo routes for the Hub emulator (`startHubEmulator({ extraRoutes: store.routes })`):
 * exactly the endpoints @huggingface/hub 2.17 calls for `createRepo`, `datasetInfo`, `commit`
 * (regular, non-LFS files), `listFiles` and `downloadFile` on a dataset:
 *
 * - `POST /api/repos/create` (`{name, organization, type: "dataset", visibility}`; 409 if it exists)
 * - `GET /api/datasets/{repo}/revision/{rev}` (`datasetInfo`; `sha` is the commit `rev` points at)
 * - `POST /api/datasets/{repo}/preupload/{rev}` (every file answered `uploadMode: "regular"`)
 * - `POST /api/datasets/{repo}/commit/{rev}` (NDJSON: a `header` line, then `file`/`deletedFile` lines)
 * - `GET /api/datasets/{repo}/tree/{rev}[/{path}]?recursive=…`
 * - `GET|HEAD /datasets/{repo}/resolve/{rev}/{path}` (with `Range`, as `downloadFile` asks first for `bytes=0-0`)
 *
 * Revisions are real: every commit keeps a snapshot, `rev` may be `main`, `HEAD` or a commit sha,
 * and `resolve` answers `X-Repo-Commit`. A new repo starts with one (empty) initial commit, as the
 * Hub's repos start with one (the real one also holds a `.gitattributes`, not emulated here).
 *
 * `parentCommit` in the commit header behaves as on the Hub: when it is not the branch's head the
 * commit is refused with 412 and `{"error": "A commit has happened since. Please refresh and try
 * again."}` (huggingface/huggingface_hub, tests/test_hf_api.py `test_create_commit_conflict`: status
 * 412 and that message; @huggingface/hub src/lib/commit.ts: "When committing on a branch: will make
 * sure that there were no intermediate commits"). A 7+ character prefix of the head counts as the
 * head (huggingface_hub `create_commit` docs: "Shorthands (7 first characters) are also supported").
 *
 * Model-repo pull requests (`commit({ isPullRequest: true })`, as for `.eval_results/*.yaml`):
 * `POST /api/models/{repo}/preupload/main?create_pr=1` and `POST /api/models/{repo}/commit/main?create_pr=1`,
 * answered with `pullRequestUrl` as the Hub does (@huggingface/hub src/lib/commit.ts reads
 * `json.pullRequestUrl`); recorded in `pullRequests`, never applied to a model's files.
 *
 * State lives in memory. `failNext(n, status, {retryAfter})` makes the next n requests to these
 * routes fail (e.g. 503, 429, optionally with a `Retry-After` header), `outage = true` fails them
 * all: how the Hub looks when it is down. `commitGate`, when set, is awaited by every commit request
 * after its body is read and before it is checked: tests use it to make two commits race.
 */

export interface DatasetCommit {
  repo: string;
  title: string;
  description: string;
  paths: string[];
  oid: string;
}

export interface DatasetRepoState {
  visibility: string | undefined;
  /** The files at the head of `main`. */
  files: Map<string, Buffer>;
  /** The commit `main` points at. */
  head: string;
  /** Every commit's files, by commit sha (the initial one included). */
  snapshots: Map<string, Map<string, Buffer>>;
}

export interface HubDatasetStore {
  routes: HubRoute[];
  repos: Map<string, DatasetRepoState>;
  /** Commits made through the commit endpoint (not the initial one), in order. */
  commits: DatasetCommit[];
  /** Every request these routes saw, including failed ones. */
  requests: { method: string; path: string; status: number }[];
  failNext(count: number, status: number, options?: { retryAfter?: string; path?: RegExp }): void;
  outage: boolean;
  commitGate?: (repo: string) => Promise<void>;
  /** Pull requests opened on model repos, in order. */
  pullRequests: {
    repo: string;
    title: string;
    description: string;
    files: Map<string, Buffer>;
    url: string;
  }[];
}

export const COMMIT_CONFLICT_MESSAGE = 'A commit has happened since. Please refresh and try again.';

const repoPart = '([\\w.-]+/[\\w.-]+)';

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export function createHubDatasetStore(options: { token?: string } = {}): HubDatasetStore {
  const repos: HubDatasetStore['repos'] = new Map();
  const commits: DatasetCommit[] = [];
  const requests: HubDatasetStore['requests'] = [];
  let failures: { count: number; status: number; retryAfter?: string; path?: RegExp } = {
    count: 0,
    status: 503,
  };

  const store: HubDatasetStore = {
    routes: [],
    repos,
    commits,
    requests,
    outage: false,
    pullRequests: [],
    failNext(count, status, options = {}) {
      failures = { count, status, ...options };
    },
  };

  /** Shared gate: faults, then auth. Returns false when it already answered. */
  const gate = (req: IncomingMessage, res: ServerResponse, needsAuth: boolean): boolean => {
    const entry = { method: req.method ?? 'GET', path: req.url ?? '/', status: 200 };
    requests.push(entry);
    const scheduled = failures.count > 0 && (!failures.path || failures.path.test(entry.path));
    if (store.outage || scheduled) {
      const status = store.outage ? 503 : failures.status;
      if (!store.outage) failures.count--;
      entry.status = status;
      const headers: Record<string, string> =
        !store.outage && failures.retryAfter !== undefined ? { 'Retry-After': failures.retryAfter } : {};
      sendJson(res, status, { error: status === 429 ? 'Too many requests' : 'Service unavailable' }, headers);
      return false;
    }
    const authorized = options.token === undefined || req.headers.authorization === `Bearer ${options.token}`;
    if (needsAuth && !authorized) {
      entry.status = 401;
      sendJson(res, 401, { error: 'Invalid credentials in Authorization header' });
      return false;
    }
    return true;
  };

  const openRepo = (res: ServerResponse, repo: string) => {
    const found = repos.get(repo);
    if (!found) sendJson(res, 404, { error: 'Repository not found' }, { 'X-Error-Code': 'RepoNotFound' });
    return found;
  };

  /** The commit a revision names: `main`/`HEAD`, or a commit sha (7+ character prefixes too). */
  const commitOf = (repo: DatasetRepoState, revision: string): string | undefined => {
    if (revision === 'main' || revision === 'HEAD') return repo.head;
    if (revision.length < 7) return undefined;
    return [...repo.snapshots.keys()].find((sha) => sha.startsWith(revision));
  };

  /** The files at `revision`; answers 404 RevisionNotFound (as the Hub does) and returns undefined when unknown. */
  const openRevision = (res: ServerResponse, repo: DatasetRepoState, revision: string) => {
    const sha = commitOf(repo, decodeURIComponent(revision));
    const files = sha === undefined ? undefined : repo.snapshots.get(sha);
    if (sha === undefined || !files) {
      sendJson(res, 404, { error: `Invalid rev id: ${revision}` }, { 'X-Error-Code': 'RevisionNotFound' });
      return undefined;
    }
    return { sha, files };
  };

  store.routes = [
    {
      method: 'POST',
      pattern: /^\/api\/repos\/create$/,
      async handle(req, res) {
        if (!gate(req, res, true)) return;
        const body = JSON.parse((await readBody(req)).toString('utf8')) as {
          name?: string;
          organization?: string;
          type?: string;
          visibility?: string;
        };
        if (body.type !== 'dataset') {
          sendJson(res, 400, { error: 'this emulator creates dataset repos only' });
          return;
        }
        const id = `${body.organization}/${body.name}`;
        if (repos.has(id)) {
          sendJson(res, 409, { error: 'You already created this dataset repo', url: `/datasets/${id}` });
          return;
        }
        const initial = createHash('sha1').update(`initial commit of ${id}`).digest('hex');
        const files = new Map<string, Buffer>();
        repos.set(id, {
          visibility: body.visibility,
          files,
          head: initial,
          snapshots: new Map([[initial, new Map(files)]]),
        });
        sendJson(res, 200, {
          url: `/datasets/${id}`,
          name: id,
          id: createHash('sha1').update(id).digest('hex').slice(0, 24),
        });
      },
    },
    {
      // datasetInfo(): GET /api/datasets/{repo}/revision/{rev}?expand=…
      method: 'GET',
      pattern: new RegExp(`^/api/datasets/${repoPart}/revision/([^/?]+)(?:\\?.*)?$`),
      handle(req, res, match) {
        if (!gate(req, res, false)) return;
        const id = match[1] ?? '';
        const repo = openRepo(res, id);
        if (!repo) return;
        const revision = openRevision(res, repo, match[2] ?? 'main');
        if (!revision) return;
        sendJson(res, 200, {
          _id: createHash('sha1').update(id).digest('hex').slice(0, 24),
          id,
          private: repo.visibility === 'private',
          gated: false,
          downloads: 0,
          likes: 0,
          lastModified: '2026-01-01T00:00:00.000Z',
          sha: revision.sha,
        });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/datasets/${repoPart}/preupload/([^/?]+)(?:\\?.*)?$`),
      async handle(req, res, match) {
        if (!gate(req, res, true)) return;
        if (!openRepo(res, match[1] ?? '')) return;
        const body = JSON.parse((await readBody(req)).toString('utf8')) as { files: { path: string }[] };
        sendJson(res, 200, {
          files: body.files.map((f) => ({ path: f.path, uploadMode: 'regular', shouldIgnore: false })),
        });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/datasets/${repoPart}/commit/([^/?]+)(?:\\?.*)?$`),
      async handle(req, res, match) {
        if (!gate(req, res, true)) return;
        // This request's log entry (taken before any await, while it is still the last one).
        const entry = requests.at(-1);
        const repoId = match[1] ?? '';
        const repo = openRepo(res, repoId);
        if (!repo) return;
        const lines = (await readBody(req))
          .toString('utf8')
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as { key: string; value: Record<string, string | undefined> });
        const header = lines.find((l) => l.key === 'header')?.value ?? {};
        await store.commitGate?.(repoId);
        if (decodeURIComponent(match[2] ?? 'main') !== 'main') {
          sendJson(res, 400, { error: 'this emulator commits to main only' });
          return;
        }
        const parent = header.parentCommit;
        if (parent !== undefined && commitOf(repo, parent) !== repo.head) {
          if (entry) entry.status = 412;
          sendJson(res, 412, { error: COMMIT_CONFLICT_MESSAGE });
          return;
        }
        const files = new Map(repo.files);
        const paths: string[] = [];
        for (const line of lines) {
          const path = line.value.path ?? '';
          if (line.key === 'file') {
            const content = Buffer.from(
              line.value.content ?? '',
              line.value.encoding === 'base64' ? 'base64' : 'utf8',
            );
            files.set(path, content);
            paths.push(path);
          } else if (line.key === 'deletedFile') {
            files.delete(path);
            paths.push(path);
          } else if (line.key === 'lfsFile') {
            sendJson(res, 400, { error: 'LFS uploads are not emulated (preupload answers "regular")' });
            return;
          }
        }
        const oid = createHash('sha1')
          .update(`${repoId}:${repo.head}:${commits.length}:${paths.join(',')}`)
          .digest('hex');
        repo.files.clear();
        for (const [path, content] of files) repo.files.set(path, content);
        repo.snapshots.set(oid, files);
        repo.head = oid;
        commits.push({
          repo: repoId,
          title: header.summary ?? '',
          description: header.description ?? '',
          paths,
          oid,
        });
        sendJson(res, 200, {
          commitOid: oid,
          commitUrl: `/datasets/${repoId}/commit/${oid}`,
          hookOutput: '',
        });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/api/datasets/${repoPart}/tree/([^/?]+)(?:/([^?]*))?(?:\\?(.*))?$`),
      handle(req, res, match) {
        if (!gate(req, res, false)) return;
        const repo = openRepo(res, match[1] ?? '');
        if (!repo) return;
        const revision = openRevision(res, repo, match[2] ?? 'main');
        if (!revision) return;
        const prefix = decodeURIComponent(match[3] ?? '').replace(/\/+$/, '');
        const recursive = new URLSearchParams(match[4] ?? '').get('recursive') === 'true';
        const under = [...revision.files.entries()].filter(
          ([p]) => prefix === '' || p.startsWith(`${prefix}/`),
        );
        if (prefix !== '' && under.length === 0) {
          sendJson(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
          return;
        }
        const entries = new Map<string, { type: string; path: string; size: number; oid: string }>();
        for (const [path, content] of under) {
          const rest = prefix === '' ? path : path.slice(prefix.length + 1);
          const parts = rest.split('/');
          if (recursive || parts.length === 1) {
            entries.set(path, {
              type: 'file',
              path,
              size: content.length,
              oid: createHash('sha1').update(content).digest('hex'),
            });
          }
          for (let depth = 1; depth < parts.length && (recursive || depth === 1); depth++) {
            const dir = [prefix, ...parts.slice(0, depth)].filter((p) => p !== '').join('/');
            entries.set(dir, {
              type: 'directory',
              path: dir,
              size: 0,
              oid: createHash('sha1').update(dir).digest('hex'),
            });
          }
        }
        sendJson(res, 200, [...entries.values()]);
      },
    },
    {
      method: 'GET|HEAD',
      pattern: new RegExp(`^/datasets/${repoPart}/resolve/([^/]+)/([^?]+)(?:\\?.*)?$`),
      handle(req, res, match) {
        if (!gate(req, res, false)) return;
        const repo = openRepo(res, match[1] ?? '');
        if (!repo) return;
        const revision = openRevision(res, repo, match[2] ?? 'main');
        if (!revision) return;
        const content = revision.files.get(decodeURIComponent(match[3] ?? ''));
        if (!content) {
          sendJson(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
          return;
        }
        const headers = {
          'Content-Type': 'application/octet-stream',
          ETag: `"${createHash('sha1').update(content).digest('hex')}"`,
          'X-Repo-Commit': revision.sha,
          'Accept-Ranges': 'bytes',
        };
        const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
        if (range && content.length > 0) {
          const start = Number(range[1]);
          const end = Math.min(range[2] ? Number(range[2]) : content.length - 1, content.length - 1);
          res.writeHead(206, { ...headers, 'Content-Range': `bytes ${start}-${end}/${content.length}` });
          res.end(req.method === 'HEAD' ? undefined : content.subarray(start, end + 1));
          return;
        }
        res.writeHead(200, { ...headers, 'Content-Length': String(content.length) });
        res.end(req.method === 'HEAD' ? undefined : content);
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/models/${repoPart}/preupload/main\\?create_pr=1$`),
      async handle(req, res) {
        if (!gate(req, res, true)) return;
        const body = JSON.parse((await readBody(req)).toString('utf8')) as { files: { path: string }[] };
        sendJson(res, 200, {
          files: body.files.map((f) => ({ path: f.path, uploadMode: 'regular', shouldIgnore: false })),
        });
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/api/models/${repoPart}/commit/main\\?create_pr=1$`),
      async handle(req, res, match) {
        if (!gate(req, res, true)) return;
        const repoId = match[1] ?? '';
        const lines = (await readBody(req))
          .toString('utf8')
          .split('\n')
          .filter((l) => l.trim() !== '')
          .map((l) => JSON.parse(l) as { key: string; value: Record<string, string | undefined> });
        const header = lines.find((l) => l.key === 'header')?.value ?? {};
        const files = new Map<string, Buffer>();
        for (const line of lines) {
          if (line.key !== 'file') continue;
          files.set(
            line.value.path ?? '',
            Buffer.from(line.value.content ?? '', line.value.encoding === 'base64' ? 'base64' : 'utf8'),
          );
        }
        const num = store.pullRequests.length + 1;
        const url = `https://huggingface.co/${repoId}/discussions/${num}`;
        store.pullRequests.push({
          repo: repoId,
          title: header.summary ?? '',
          description: header.description ?? '',
          files,
          url,
        });
        const oid = createHash('sha1').update(`${repoId}:pr:${num}`).digest('hex');
        sendJson(res, 200, {
          commitOid: oid,
          commitUrl: `/${repoId}/commit/${oid}`,
          pullRequestUrl: url,
          hookOutput: '',
        });
      },
    },
  ];
  return store;
}
