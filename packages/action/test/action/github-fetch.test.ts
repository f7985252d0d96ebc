import { createServer, type Socket } from 'node:net';
import { Octokit } from '@octokit/rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubFetch } from '../../src/action/github-fetch';

// A GitHub API (or GHES proxy) that accepts the connection and never answers must not hold the
// runner: the request fails after the deadline, and the error names the URL and the wait.
describe('githubFetch through Octokit', () => {
  const sockets: Socket[] = [];
  const silent = createServer((socket) => sockets.push(socket));
  let baseUrl = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it('fails a request that gets no answer within the timeout, naming what did not answer', async () => {
    const octokit = new Octokit({ baseUrl, request: { fetch: githubFetch(globalThis.fetch, 800) } });
    const started = Date.now();
    const error = await octokit.rest.repos.get({ owner: 'o', repo: 'r' }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(sockets.length).toBeGreaterThan(0);
    expect((error as Error).message).toBe(`the GitHub API did not answer ${baseUrl}/repos/o/r within 1 s`);
    expect(elapsed).toBeGreaterThanOrEqual(700);
    expect(elapsed).toBeLessThan(5000);
  });

  it('passes answers through unchanged', async () => {
    const answering = githubFetch(async () => new Response('{"ok":true}', { status: 200 }), 800);
    expect(await (await answering('http://example.invalid/x')).json()).toEqual({ ok: true });
  });
});
