/**
 * A small stateful emulator of the GitHub REST API endpoints the action calls, for tests.
 *
 *   const github = await startGitHubEmulator();
 *   const octokit = new Octokit({ auth: EMULATOR_INSTALLATION_TOKEN, baseUrl: github.url });
 *   // or, for the bundled action: GITHUB_API_URL=github.url, INPUT_GITHUB-TOKEN=EMULATOR_INSTALLATION_TOKEN
 *   github.setPermission('octocat', 'write');
 *   github.addComment('octo-org/models', 7, 'an older comment', 'someone');
 *   ... run the code under test ...
 *   expect(github.state.violations).toEqual([]);   // every request/response matched GitHub's OpenAPI
 *   expect(github.state.calls.map((c) => `${c.method} ${c.path}`)).toContain('POST /repos/...');
 *   await github.close();
 *
 * Endpoints (anything else is a 404 and a recorded violation):
 *   GET    /user                                              the token's user (403 for installation
 *                                                             tokens, exactly as GitHub answers GITHUB_TOKEN)
 *   GET    /repos/{o}/{r}/collaborators/{u}/permission        from setPermission (default: options.defaultPermission)
 *   GET    /repos/{o}/{r}/issues/{n}/comments                 paginated: per_page (≤100, default 30), page, Link header
 *   POST   /repos/{o}/{r}/issues/{n}/comments                 author = the token's login
 *   PATCH  /repos/{o}/{r}/issues/comments/{id}
 *   DELETE /repos/{o}/{r}/issues/comments/{id}
 *   POST   /repos/{o}/{r}/issues/{n}/labels                   {labels: [...]} or [...]; returns all labels
 *   DELETE /repos/{o}/{r}/issues/{n}/labels/{name}            404 "Label does not exist" when absent
 *   POST   /repos/{o}/{r}/dispatches                          204; recorded in state.dispatches (422 past
 *                                                             10 client_payload properties, as GitHub documents)
 *
 * Fault injection, for clients that must survive GitHub's bad days:
 *   github.injectFaults('POST /repos/{owner}/{repo}/dispatches', [
 *     { status: 503, headers: { 'retry-after': '1' } },   // answered instead of the real handler, once
 *     { hang: true },                                      // never answered (until close())
 *   ]);
 * Each matching request (by OpenAPI route template) takes the next fault; when none is left the
 * endpoint behaves normally. Injected answers are deliberate, so they are not checked against the
 * description.
 *
 * Every request needs `Authorization: token|Bearer <token>` with a known token (401 otherwise, as on
 * GitHub). Each request and response is checked against GitHub's OpenAPI description from
 * @octokit/openapi (operation exists, required body fields, documented status, required response
 * properties and basic types); problems go to `state.violations` instead of failing the request, so
 * tests can assert there are none.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

export type PermissionLevel = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

/** An installation token (what GITHUB_TOKEN is) for `github-actions[bot]`, accepted by default. */
export const EMULATOR_INSTALLATION_TOKEN = 'ghs_emulatedInstallationToken000000000000';
/** A personal access token for `emulated-user`, accepted by default. */
export const EMULATOR_USER_TOKEN = 'ghp_emulatedUserToken00000000000000000000';

export interface TokenOwner {
  login: string;
  /** Installation tokens act as a bot and cannot read GET /user; user tokens can. */
  kind: 'installation' | 'user';
}

export interface GitHubEmulatorOptions {
  /** Accepted tokens; defaults to the two EMULATOR_* tokens above. */
  tokens?: Record<string, TokenOwner>;
  /** Permission of users without setPermission; GitHub reports `read` for a public repo. */
  defaultPermission?: PermissionLevel;
}

export interface EmulatedComment {
  id: number;
  body: string;
  login: string;
  createdAt: string;
  updatedAt: string;
}

export interface RecordedCall {
  method: string;
  /** Path without the query string, e.g. `/repos/o/r/issues/7/comments`. */
  path: string;
  query: Record<string, string>;
  /** 0 for a request an injected `hang` fault left unanswered. */
  status: number;
  requestBody: unknown;
}

/** One `repository_dispatch` event as GitHub would deliver it. */
export interface EmulatedDispatch {
  repository: string;
  eventType: string;
  clientPayload: Record<string, unknown>;
  /** Login of the token that sent it (the event's `sender`). */
  login: string;
}

/** What an injected fault makes the next matching request get instead of the real answer. */
export type EmulatedFault =
  | { status: number; message?: string; headers?: Record<string, string> }
  | { hang: true };

export interface GitHubEmulatorState {
  /** Accepted `POST /repos/{o}/{r}/dispatches`, oldest first. */
  dispatches: EmulatedDispatch[];
  /** Comments per issue, keyed `owner/repo#number`, oldest first. */
  comments: Map<string, EmulatedComment[]>;
  /** Label names per issue, keyed `owner/repo#number`. */
  labels: Map<string, string[]>;
  /** Permission per login (`setPermission`). */
  permissions: Map<string, PermissionLevel>;
  calls: RecordedCall[];
  /** Repository files served by `GET /repos/{o}/{r}/contents/{path}`, keyed `owner/repo@ref:path`. */
  files: Map<string, string>;
  /** Disagreements with GitHub's OpenAPI description, one line each. Tests assert this is empty. */
  violations: string[];
}

export interface GitHubEmulator {
  url: string;
  state: GitHubEmulatorState;
  setPermission(login: string, level: PermissionLevel): void;
  /** Seeds a comment (e.g. 150 of them to exercise pagination); returns its id. */
  addComment(repoFullName: string, issueNumber: number, body: string, login: string): number;
  /** Puts a file at `ref` (a branch name or commit sha) for the contents endpoint. */
  setFile(repoFullName: string, ref: string, path: string, text: string): void;
  /** The comments of one issue, oldest first. */
  commentsOf(repoFullName: string, issueNumber: number): EmulatedComment[];
  labelsOf(repoFullName: string, issueNumber: number): string[];
  /** Queues faults for a route such as `POST /repos/{owner}/{repo}/dispatches` (see the file comment). */
  injectFaults(route: string, faults: EmulatedFault[]): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// GitHub's OpenAPI description and a light structural check against it
// ---------------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface Schema {
  $ref?: string;
  type?: string | string[];
  nullable?: boolean;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: Json[];
}
interface Operation {
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: Schema }> }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; responses?: Record<string, unknown> };
  'x-webhooks'?: Record<string, Record<string, Operation>>;
}

let cachedDocument: OpenApiDocument | undefined;

/** GitHub's description of api.github.com, from the @octokit/openapi package (parsed once). */
export function loadGitHubOpenApi(): OpenApiDocument {
  if (!cachedDocument) {
    const file = fileURLToPath(
      new URL('../../node_modules/@octokit/openapi/generated/api.github.com.json', import.meta.url),
    );
    cachedDocument = JSON.parse(readFileSync(file, 'utf8')) as OpenApiDocument;
  }
  return cachedDocument;
}

function resolve<T extends object>(doc: OpenApiDocument, value: T): T {
  let current: unknown = value;
  for (let hops = 0; hops < 10 && current && typeof current === 'object' && '$ref' in current; hops++) {
    const ref = (current as { $ref: string }).$ref;
    current = ref
      .slice(2)
      .split('/')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], doc);
  }
  return current as T;
}

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}

/**
 * Structural problems of `value` against `schema`: required properties, basic types, enums,
 * nullability, all/any/oneOf (any branch passing is enough). Depth-limited: a light check.
 */
export function schemaViolations(
  doc: OpenApiDocument,
  schemaOrRef: Schema,
  value: unknown,
  where: string,
  depth = 0,
): string[] {
  const schema = resolve(doc, schemaOrRef);
  if (depth > 8) return [];
  if (value === null) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const branches = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
    const nullable =
      schema.nullable ||
      types.includes('null') ||
      branches.some((b) => schemaViolations(doc, b, null, where, depth + 1).length === 0);
    return nullable || (!schema.type && !schema.properties && branches.length === 0)
      ? []
      : [`${where}: is null`];
  }
  const problems: string[] = [];
  for (const part of schema.allOf ?? [])
    problems.push(...schemaViolations(doc, part, value, where, depth + 1));
  const alternatives = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  if (alternatives.length > 0) {
    const results = alternatives.map((b) => schemaViolations(doc, b, value, where, depth + 1));
    if (!results.some((r) => r.length === 0)) {
      problems.push(
        `${where}: matches none of ${alternatives.length} alternatives (${results[0]?.[0] ?? ''})`,
      );
    }
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeMatches(t, value))) {
      return [
        ...problems,
        `${where}: expected ${types.join('|')}, got ${JSON.stringify(value)?.slice(0, 60)}`,
      ];
    }
  }
  if (schema.enum && !schema.enum.includes(value as Json)) {
    problems.push(`${where}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (typeMatches('object', value) && (schema.properties || schema.required)) {
    const object = value as Record<string, unknown>;
    for (const key of schema.required ?? []) {
      if (!(key in object)) problems.push(`${where}: missing required property '${key}'`);
    }
    for (const [key, propertySchema] of Object.entries(schema.properties ?? {})) {
      if (key in object && object[key] !== undefined) {
        problems.push(...schemaViolations(doc, propertySchema, object[key], `${where}.${key}`, depth + 1));
      }
    }
  }
  if (Array.isArray(value) && schema.items) {
    // The first few items are enough to catch a wrongly shaped list.
    value.slice(0, 3).forEach((item, i) => {
      problems.push(...schemaViolations(doc, schema.items as Schema, item, `${where}[${i}]`, depth + 1));
    });
  }
  return problems;
}

interface MatchedOperation {
  template: string;
  operation: Operation;
  params: Record<string, string>;
}

/** Finds the documented operation for a concrete path; literal segments beat parameters. */
export function findOperation(
  doc: OpenApiDocument,
  method: string,
  path: string,
): MatchedOperation | undefined {
  const segments = path.split('/').slice(1);
  let best: (MatchedOperation & { literals: number }) | undefined;
  for (const [template, operations] of Object.entries(doc.paths)) {
    const operation = operations[method.toLowerCase()];
    if (!operation) continue;
    const parts = template.split('/').slice(1);
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let literals = 0;
    const matches = parts.every((part, i) => {
      const segment = segments[i] as string;
      if (part.startsWith('{') && part.endsWith('}')) {
        params[part.slice(1, -1)] = decodeURIComponent(segment);
        return segment.length > 0;
      }
      literals++;
      return part === segment;
    });
    if (matches && (!best || literals > best.literals)) best = { template, operation, params, literals };
  }
  return best && { template: best.template, operation: best.operation, params: best.params };
}

// ---------------------------------------------------------------------------------------------
// The emulator
// ---------------------------------------------------------------------------------------------

class HttpProblem {
  constructor(
    readonly status: number,
    readonly message: string,
  ) {}
}

const ROLE_TO_PERMISSION: Record<PermissionLevel, string> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none',
};

export async function startGitHubEmulator(options: GitHubEmulatorOptions = {}): Promise<GitHubEmulator> {
  const doc = loadGitHubOpenApi();
  const tokens: Record<string, TokenOwner> = options.tokens ?? {
    [EMULATOR_INSTALLATION_TOKEN]: { login: 'github-actions[bot]', kind: 'installation' },
    [EMULATOR_USER_TOKEN]: { login: 'emulated-user', kind: 'user' },
  };
  const defaultPermission = options.defaultPermission ?? 'read';
  const state: GitHubEmulatorState = {
    dispatches: [],
    comments: new Map(),
    labels: new Map(),
    permissions: new Map(),
    calls: [],
    files: new Map(),
    violations: [],
  };
  const faults = new Map<string, EmulatedFault[]>();
  let nextId = 1_000_001;
  const userIds = new Map<string, number>();
  let baseUrl = '';

  const issueKey = (repoFullName: string, issueNumber: number) => `${repoFullName}#${issueNumber}`;
  const userId = (login: string) => {
    if (!userIds.has(login)) userIds.set(login, 9_000 + userIds.size);
    return userIds.get(login) as number;
  };
  const simpleUser = (login: string) => {
    const id = userId(login);
    const api = `${baseUrl}/users/${encodeURIComponent(login)}`;
    return {
      login,
      id,
      node_id: `U_emulated${id}`,
      avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
      gravatar_id: '',
      url: api,
      html_url: `https://github.com/${login}`,
      followers_url: `${api}/followers`,
      following_url: `${api}/following{/other_user}`,
      gists_url: `${api}/gists{/gist_id}`,
      starred_url: `${api}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/subscriptions`,
      organizations_url: `${api}/orgs`,
      repos_url: `${api}/repos`,
      events_url: `${api}/events{/privacy}`,
      received_events_url: `${api}/received_events`,
      type: login.endsWith('[bot]') ? 'Bot' : 'User',
      user_view_type: 'public',
      site_admin: false,
    };
  };
  const commentJson = (repoFullName: string, issueNumber: number, comment: EmulatedComment) => ({
    id: comment.id,
    node_id: `IC_emulated${comment.id}`,
    url: `${baseUrl}/repos/${repoFullName}/issues/comments/${comment.id}`,
    html_url: `https://github.com/${repoFullName}/pull/${issueNumber}#issuecomment-${comment.id}`,
    issue_url: `${baseUrl}/repos/${repoFullName}/issues/${issueNumber}`,
    body: comment.body,
    user: simpleUser(comment.login),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    author_association: comment.login.endsWith('[bot]') ? 'NONE' : 'MEMBER',
  });
  const labelJson = (repoFullName: string, name: string) => {
    // Stable ids per name, so repeated reads agree.
    let hash = 0;
    for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
    return {
      id: hash,
      node_id: `LA_emulated${hash}`,
      url: `${baseUrl}/repos/${repoFullName}/labels/${encodeURIComponent(name)}`,
      name,
      description: null,
      color: 'ededed',
      default: false,
    };
  };
  // Comments are looked up by id across all issues, as GitHub's /issues/comments/{id} does.
  const findComment = (repoFullName: string, id: number) => {
    for (const [key, comments] of state.comments) {
      if (!key.startsWith(`${repoFullName}#`)) continue;
      const index = comments.findIndex((c) => c.id === id);
      if (index >= 0) {
        return { comments, index, issueNumber: Number(key.slice(repoFullName.length + 1)) };
      }
    }
    throw new HttpProblem(404, 'Not Found');
  };
  const addComment = (repoFullName: string, issueNumber: number, body: string, login: string) => {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const comment = { id: nextId++, body, login, createdAt: now, updatedAt: now };
    const key = issueKey(repoFullName, issueNumber);
    state.comments.set(key, [...(state.comments.get(key) ?? []), comment]);
    return comment;
  };

  interface Handled {
    status: number;
    body?: unknown;
    headers?: Record<string, string>;
  }

  const handle = (
    method: string,
    template: string,
    params: Record<string, string>,
    query: URLSearchParams,
    requestBody: unknown,
    caller: TokenOwner,
    path: string,
  ): Handled => {
    const repo = `${params.owner}/${params.repo}`;
    const route = `${method} ${template}`;
    switch (route) {
      case 'GET /user':
        if (caller.kind === 'installation')
          throw new HttpProblem(403, 'Resource not accessible by integration');
        return {
          status: 200,
          body: {
            ...simpleUser(caller.login),
            name: null,
            company: null,
            blog: '',
            location: null,
            email: null,
            hireable: null,
            bio: null,
            public_repos: 0,
            public_gists: 0,
            followers: 0,
            following: 0,
            created_at: '2020-01-01T00:00:00Z',
            updated_at: '2020-01-01T00:00:00Z',
          },
        };
      // A file's contents (the `content-file` schema): base64 in `content`, as GitHub sends it.
      case 'GET /repos/{owner}/{repo}/contents/{path}': {
        const ref = query.get('ref') ?? 'main';
        const filePath = params.path as string;
        const text = state.files.get(`${repo}@${ref}:${filePath}`);
        if (text === undefined) throw new HttpProblem(404, 'Not Found');
        const bytes = Buffer.from(text, 'utf8');
        const sha = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
        const api = `${baseUrl}/repos/${repo}/contents/${filePath}?ref=${ref}`;
        const html = `https://github.com/${repo}/blob/${ref}/${filePath}`;
        const git = `${baseUrl}/repos/${repo}/git/blobs/${sha}`;
        return {
          status: 200,
          body: {
            type: 'file',
            encoding: 'base64',
            size: bytes.length,
            name: filePath.split('/').at(-1),
            path: filePath,
            content: bytes.toString('base64').replace(/.{60}/g, '$&\n'),
            sha,
            url: api,
            git_url: git,
            html_url: html,
            download_url: `https://raw.githubusercontent.com/${repo}/${ref}/${filePath}`,
            _links: { self: api, git, html },
          },
        };
      }
      case 'GET /repos/{owner}/{repo}/collaborators/{username}/permission': {
        const login = params.username as string;
        const level = state.permissions.get(login) ?? defaultPermission;
        return {
          status: 200,
          body: {
            permission: ROLE_TO_PERMISSION[level],
            role_name: level,
            user: { ...simpleUser(login), role_name: level },
          },
        };
      }
      case 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        const issueNumber = Number(params.issue_number);
        const all = state.comments.get(issueKey(repo, issueNumber)) ?? [];
        const perPage = Math.min(100, Math.max(1, Number(query.get('per_page') ?? 30) || 30));
        const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
        const lastPage = Math.max(1, Math.ceil(all.length / perPage));
        const pageUrl = (n: number) => {
          const q = new URLSearchParams(query);
          q.set('per_page', String(perPage));
          q.set('page', String(n));
          return `<${baseUrl}${path}?${q.toString()}>`;
        };
        const links: string[] = [];
        if (page < lastPage)
          links.push(`${pageUrl(page + 1)}; rel="next"`, `${pageUrl(lastPage)}; rel="last"`);
        if (page > 1) links.push(`${pageUrl(page - 1)}; rel="prev"`, `${pageUrl(1)}; rel="first"`);
        return {
          status: 200,
          body: all.slice((page - 1) * perPage, page * perPage).map((c) => commentJson(repo, issueNumber, c)),
          headers: links.length > 0 ? { link: links.join(', ') } : {},
        };
      }
      case 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': {
        const body = (requestBody as { body?: unknown } | undefined)?.body;
        if (typeof body !== 'string') throw new HttpProblem(422, 'Invalid request: body is required');
        if (body.length > 65_536)
          throw new HttpProblem(422, 'Body is too long (maximum is 65536 characters)');
        const issueNumber = Number(params.issue_number);
        const comment = addComment(repo, issueNumber, body, caller.login);
        return { status: 201, body: commentJson(repo, issueNumber, comment) };
      }
      case 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': {
        const body = (requestBody as { body?: unknown } | undefined)?.body;
        if (typeof body !== 'string') throw new HttpProblem(422, 'Invalid request: body is required');
        if (body.length > 65_536)
          throw new HttpProblem(422, 'Body is too long (maximum is 65536 characters)');
        const found = findComment(repo, Number(params.comment_id));
        const comment = found.comments[found.index] as EmulatedComment;
        comment.body = body;
        comment.updatedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
        return { status: 200, body: commentJson(repo, found.issueNumber, comment) };
      }
      case 'DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}': {
        const found = findComment(repo, Number(params.comment_id));
        found.comments.splice(found.index, 1);
        return { status: 204 };
      }
      case 'POST /repos/{owner}/{repo}/issues/{issue_number}/labels': {
        const raw = Array.isArray(requestBody) ? requestBody : (requestBody as { labels?: unknown })?.labels;
        if (!Array.isArray(raw) || raw.length === 0) throw new HttpProblem(422, 'Invalid request: labels');
        const names = raw.map((l) => (typeof l === 'string' ? l : ((l as { name?: string }).name ?? '')));
        const key = issueKey(repo, Number(params.issue_number));
        const labels = [...new Set([...(state.labels.get(key) ?? []), ...names])];
        state.labels.set(key, labels);
        return { status: 200, body: labels.map((name) => labelJson(repo, name)) };
      }
      case 'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}': {
        const key = issueKey(repo, Number(params.issue_number));
        const labels = state.labels.get(key) ?? [];
        if (!labels.includes(params.name as string)) throw new HttpProblem(404, 'Label does not exist');
        const remaining = labels.filter((l) => l !== params.name);
        state.labels.set(key, remaining);
        return { status: 200, body: remaining.map((name) => labelJson(repo, name)) };
      }
      case 'POST /repos/{owner}/{repo}/dispatches': {
        const body = (requestBody ?? {}) as { event_type?: unknown; client_payload?: unknown };
        if (
          typeof body.event_type !== 'string' ||
          body.event_type.length === 0 ||
          body.event_type.length > 100
        )
          throw new HttpProblem(422, 'Invalid request: event_type must be 1 to 100 characters');
        const payload = (body.client_payload ?? {}) as Record<string, unknown>;
        if (typeof payload !== 'object' || Array.isArray(payload) || payload === null)
          throw new HttpProblem(422, 'Invalid request: client_payload is not an object');
        if (Object.keys(payload).length > 10)
          throw new HttpProblem(422, 'Invalid request: client_payload has more than 10 top-level properties');
        state.dispatches.push({
          repository: repo,
          eventType: body.event_type,
          clientPayload: payload,
          login: caller.login,
        });
        return { status: 204 };
      }
      default:
        state.violations.push(`${method} ${path}: documented by GitHub but not emulated`);
        throw new HttpProblem(404, 'Not Found');
    }
  };

  const checkResponse = (where: string, operation: Operation, status: number, body: unknown) => {
    const documented = operation.responses[String(status)] ?? operation.responses.default;
    if (!documented) {
      // GitHub answers 401 (bad credentials) and 404 (no such resource, or no access to it) on every
      // endpoint without listing them everywhere in the description.
      if (status !== 401 && status !== 404)
        state.violations.push(`${where}: response status ${status} is not documented`);
      return;
    }
    const response = resolve(doc, documented);
    const schema = response.content?.['application/json']?.schema;
    if (schema && body !== undefined) {
      state.violations.push(...schemaViolations(doc, schema, body, `${where} response ${status}`));
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const url = new URL(req.url ?? '/', baseUrl);
      const path = url.pathname;
      const where = `${method} ${path}`;
      const text = Buffer.concat(chunks).toString('utf8');
      let requestBody: unknown;
      const send = (result: Handled) => {
        state.calls.push({
          method,
          path,
          query: Object.fromEntries(url.searchParams),
          status: result.status,
          requestBody,
        });
        const headers: Record<string, string> = { ...result.headers };
        if (result.body !== undefined) headers['content-type'] = 'application/json; charset=utf-8';
        res.writeHead(result.status, headers);
        res.end(result.body === undefined ? undefined : JSON.stringify(result.body));
      };
      const problemBody = (message: string, status: number) => ({
        message,
        documentation_url: 'https://docs.github.com/rest',
        status: String(status),
      });

      try {
        requestBody = text === '' ? undefined : JSON.parse(text);
      } catch {
        state.violations.push(`${where}: request body is not JSON`);
        send({ status: 400, body: problemBody('Problems parsing JSON', 400) });
        return;
      }
      const matched = findOperation(doc, method, path);
      if (!matched) {
        state.violations.push(`${where}: no such operation in GitHub's API description`);
        send({ status: 404, body: problemBody('Not Found', 404) });
        return;
      }
      const { operation, template, params } = matched;
      const requestSchema = operation.requestBody?.content?.['application/json']?.schema;
      if (operation.requestBody?.required && requestBody === undefined) {
        state.violations.push(`${where}: request body is required`);
      } else if (requestSchema && requestBody !== undefined) {
        state.violations.push(...schemaViolations(doc, requestSchema, requestBody, `${where} request body`));
      }

      const authorization = req.headers.authorization ?? '';
      const token = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization)?.[1];
      const caller = token ? tokens[token] : undefined;
      let result: Handled;
      if (!authorization) {
        result = { status: 401, body: problemBody('Requires authentication', 401) };
      } else if (!caller) {
        result = { status: 401, body: problemBody('Bad credentials', 401) };
      } else if (faults.get(`${method} ${template}`)?.length) {
        const fault = faults.get(`${method} ${template}`)?.shift() as EmulatedFault;
        if ('hang' in fault) {
          // Recorded, never answered: the client's timeout is what is under test. close() ends it.
          state.calls.push({
            method,
            path,
            query: Object.fromEntries(url.searchParams),
            status: 0,
            requestBody,
          });
          return;
        }
        send({
          status: fault.status,
          body: problemBody(fault.message ?? `Injected fault ${fault.status}`, fault.status),
          ...(fault.headers && { headers: fault.headers }),
        });
        return;
      } else {
        try {
          result = handle(method, template, params, url.searchParams, requestBody, caller, path);
        } catch (error) {
          if (!(error instanceof HttpProblem)) throw error;
          result = { status: error.status, body: problemBody(error.message, error.status) };
        }
      }
      checkResponse(where, operation, result.status, result.body);
      send(result);
    });
  });

  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    state,
    setPermission(login, level) {
      state.permissions.set(login, level);
    },
    addComment(repoFullName, issueNumber, body, login) {
      return addComment(repoFullName, issueNumber, body, login).id;
    },
    setFile(repoFullName, ref, path, text) {
      state.files.set(`${repoFullName}@${ref}:${path}`, text);
    },
    commentsOf(repoFullName, issueNumber) {
      return state.comments.get(issueKey(repoFullName, issueNumber)) ?? [];
    },
    labelsOf(repoFullName, issueNumber) {
      return state.labels.get(issueKey(repoFullName, issueNumber)) ?? [];
    },
    injectFaults(route, queued) {
      faults.set(route, [...(faults.get(route) ?? []), ...queued]);
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolveClose, reject) =>
        server.close((error) => (error ? reject(error) : resolveClose())),
      );
    },
  };
}
