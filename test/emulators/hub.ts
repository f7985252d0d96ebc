import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/**
 * A local stand-in for the Hugging Face Hub endpoints our code calls through @huggingface/hub,
 * reached via HF_ENDPOINT. Repositories are directories `modelsDir/ORG/NAME` (see
 * test/fixtures/models); `model-info.json` there holds what the model API returns (`safetensors`
 * counts, and `gated` to make the repo require `token`). Status codes and `X-Error-Code` headers
 * follow the real Hub: 401 for missing/gated repos without valid credentials (the Hub does not
 * reveal whether a private repo exists), 404 `EntryNotFound` for a missing file.
 */

export interface HubRoute {
  method: string;
  pattern: RegExp;
  handle(req: IncomingMessage, res: ServerResponse, match: RegExpExecArray): void | Promise<void>;
}

export interface HubEmulatorOptions {
  modelsDir: string;
  /** The one valid token (`hf_...`); gated repos need it. */
  token?: string;
  /** More routes (e.g. dataset uploads), tried before the built-in ones. */
  extraRoutes?: HubRoute[];
  /** Revisions (tags, branches) a repo has besides `main`: a release tag, a training-step branch. */
  revisions?: Record<string, string[]>;
  /**
   * Revisions still being uploaded, as a training job's push is: per repo, revision → how many
   * requests naming it are answered `RevisionNotFound` before it exists. Counted in requests, not
   * time, so a test of "waits for it" is deterministic.
   */
  delayedRevisions?: Record<string, Record<string, number>>;
}

export interface HubEmulator {
  url: string;
  requests: { method: string; path: string }[];
  /** Makes a revision exist from now on (a push that just finished). */
  addRevision(repo: string, revision: string): void;
  /**
   * A push to `revision` (default `main`): the name now points at a new commit, whose SHA is
   * returned; the old commit stays reachable by its SHA, as on the Hub.
   */
  pushCommit(repo: string, revision?: string): string;
  close(): Promise<void>;
}

const repoPart = '([\\w.-]+/[\\w.-]+)';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** The commit sha a repo reports: stable per repo so tests can pin it. */
export function fixtureSha(repo: string): string {
  return createHash('sha1').update(repo).digest('hex');
}

export async function startHubEmulator(options: HubEmulatorOptions): Promise<HubEmulator> {
  const requests: { method: string; path: string }[] = [];
  const revisions: Record<string, string[]> = Object.fromEntries(
    Object.entries(options.revisions ?? {}).map(([repo, list]) => [repo, [...list]]),
  );
  const pending: Record<string, Record<string, number>> = structuredClone(options.delayedRevisions ?? {});
  const addRevision = (repo: string, revision: string) => {
    revisions[repo] = [...(revisions[repo] ?? []), revision];
  };
  /** Per repo: revision name → the commit it points at now (names not listed point at fixtureSha). */
  const heads: Record<string, Record<string, string>> = {};
  const commits: Record<string, string[]> = {};
  const shaOf = (repo: string, revision: string): string => {
    if (revision === 'HEAD') return shaOf(repo, 'main');
    if ((commits[repo] ?? []).includes(revision)) return revision;
    return heads[repo]?.[revision] ?? fixtureSha(repo);
  };
  const pushCommit = (repo: string, revision = 'main'): string => {
    const sha = createHash('sha1')
      .update(`${repo}\u0000${revision}\u0000${(commits[repo] ?? []).length}`)
      .digest('hex');
    commits[repo] = [...(commits[repo] ?? []), fixtureSha(repo), sha];
    heads[repo] = { ...heads[repo], [revision]: sha };
    if (revision !== 'main' && !(revisions[repo] ?? []).includes(revision)) addRevision(repo, revision);
    return sha;
  };
  /** Counts down a delayed revision; it exists once its count is spent. */
  const revisionArrives = (repo: string, revision: string) => {
    const left = pending[repo]?.[revision];
    if (left === undefined) return;
    if (left <= 0) {
      delete pending[repo]?.[revision];
      addRevision(repo, revision);
    } else (pending[repo] as Record<string, number>)[revision] = left - 1;
  };

  const repoDir = (repo: string): string | undefined => {
    const dir = join(options.modelsDir, repo);
    return existsSync(dir) && statSync(dir).isDirectory() ? dir : undefined;
  };
  const readInfo = (dir: string): Record<string, unknown> => {
    const path = join(dir, 'model-info.json');
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : {};
  };
  const authenticated = (req: IncomingMessage): boolean =>
    options.token !== undefined && req.headers.authorization === `Bearer ${options.token}`;

  /** Repo-level access check shared by every endpoint; sends the error and returns undefined when denied. */
  const openRepo = (req: IncomingMessage, res: ServerResponse, repo: string, revision: string) => {
    const dir = repoDir(repo);
    const invalidToken = req.headers.authorization !== undefined && !authenticated(req);
    if (invalidToken) {
      sendJson(res, 401, { error: 'Invalid credentials in Authorization header' });
      return undefined;
    }
    if (!dir) {
      sendJson(
        res,
        authenticated(req) ? 404 : 401,
        { error: 'Repository not found' },
        { 'X-Error-Code': 'RepoNotFound' },
      );
      return undefined;
    }
    const info = readInfo(dir);
    if (info.gated && !authenticated(req)) {
      sendJson(
        res,
        401,
        {
          error: `Access to model ${repo} is restricted. You must have access to it and be authenticated to access it. Please log in.`,
        },
        { 'X-Error-Code': 'GatedRepo' },
      );
      return undefined;
    }
    revisionArrives(repo, revision);
    const known = ['main', 'HEAD', fixtureSha(repo), ...(commits[repo] ?? []), ...(revisions[repo] ?? [])];
    const sha = shaOf(repo, revision);
    if (!known.includes(revision)) {
      sendJson(res, 404, { error: `Invalid rev id: ${revision}` }, { 'X-Error-Code': 'RevisionNotFound' });
      return undefined;
    }
    return { dir, info, sha };
  };

  const builtIn: HubRoute[] = [
    {
      // modelInfo(): GET /api/models/{repo}/revision/{rev}?expand=...; without `expand` the Hub
      // answers the full info, `sha` included (huggingface_hub hf_api.py `model_info` reads it so).
      method: 'GET',
      pattern: new RegExp(`^/api/models/${repoPart}(?:/revision/([^/?]+))?(?:\\?(.*))?$`),
      handle(req, res, match) {
        const repo = match[1] ?? '';
        const repoOk = openRepo(req, res, repo, decodeURIComponent(match[2] ?? 'main'));
        if (!repoOk) return;
        const expand = new URLSearchParams(match[3] ?? '').getAll('expand');
        const body: Record<string, unknown> = {
          _id: repoOk.sha.slice(0, 24),
          id: repo,
          private: false,
          gated: repoOk.info.gated ?? false,
          downloads: 0,
          likes: 0,
          lastModified: '2025-01-20T00:00:00.000Z',
          pipeline_tag: 'text-generation',
        };
        if (expand.length === 0 || expand.includes('sha')) body.sha = repoOk.sha;
        if (expand.includes('safetensors') && repoOk.info.safetensors)
          body.safetensors = repoOk.info.safetensors;
        sendJson(res, 200, body);
      },
    },
    {
      // downloadFile() / fileExists(): GET (with Range) or HEAD /{repo}/resolve|raw/{rev}/{path}
      method: 'GET|HEAD',
      pattern: new RegExp(`^/${repoPart}/(?:resolve|raw)/([^/]+)/([^?]+)(?:\\?.*)?$`),
      handle(req, res, match) {
        const repo = match[1] ?? '';
        const repoOk = openRepo(req, res, repo, decodeURIComponent(match[2] ?? ''));
        if (!repoOk) return;
        const file = decodeURIComponent(match[3] ?? '');
        const path = join(repoOk.dir, file);
        if (
          file.includes('..') ||
          file === 'model-info.json' ||
          !existsSync(path) ||
          !statSync(path).isFile()
        ) {
          sendJson(res, 404, { error: 'Entry not found' }, { 'X-Error-Code': 'EntryNotFound' });
          return;
        }
        const content = readFileSync(path);
        const etag = `"${createHash('sha1').update(content).digest('hex')}"`;
        const headers: Record<string, string> = {
          'Content-Type': 'application/octet-stream',
          ETag: etag,
          'X-Repo-Commit': repoOk.sha,
          'Accept-Ranges': 'bytes',
        };
        const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
        if (range) {
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
  ];

  const routes = [...(options.extraRoutes ?? []), ...builtIn];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const method = req.method ?? 'GET';
    requests.push({ method, path });
    for (const route of routes) {
      if (!route.method.split('|').includes(method)) continue;
      const match = route.pattern.exec(path);
      if (!match) continue;
      Promise.resolve(route.handle(req, res, match)).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: String(error) });
        else res.end();
      });
      return;
    }
    sendJson(res, 404, { error: `no such endpoint: ${method} ${path}` });
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    addRevision,
    pushCommit,
    close: () =>
      new Promise<void>((resolveClose, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolveClose()));
      }),
  };
}
