import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_RETRY,
  HubBusyError,
  HubTimeoutError,
  hubFetch,
  isTransient,
  parseRetryAfter,
  retryDelayMs,
} from '../../src/hub';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('Retry-After (RFC 9110 §10.2.3)', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delta-seconds and HTTP-dates; a past date is 0; junk or absence is null', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('the wait is the longer of the backoff and what the Hub asked', () => {
    const busy = new HubBusyError('u', 429, 45_000, '');
    expect(retryDelayMs(DEFAULT_RETRY, 1, busy, 0.5)).toBe(45_000);
    expect(retryDelayMs(DEFAULT_RETRY, 1, new HubBusyError('u', 429, 0, ''), 0.5)).toBe(2_000);
    expect(retryDelayMs(DEFAULT_RETRY, 3, new Error('x'), 0.5)).toBe(8_000);
  });
});

describe('the fetch every Hub call goes through', () => {
  it('gives up on a Hub that accepts the connection and never answers, as a transient error', async () => {
    const url = await serve(() => {
      /* never answers */
    });
    const fetchWithTimeout = hubFetch(fetch, { timeoutMs: 200 });
    const error = await fetchWithTimeout(`${url}/api/datasets/o/r`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HubTimeoutError);
    expect(isTransient(error)).toBe(true);
  });

  it('turns 429/503 with Retry-After into HubBusyError; other answers pass through untouched', async () => {
    const url = await serve((req, res) => {
      if (req.url === '/busy') {
        res.writeHead(429, { 'Retry-After': '7', 'Content-Type': 'application/json' });
        res.end('{"error":"Too many requests"}');
      } else if (req.url === '/plain-503') {
        res.writeHead(503);
        res.end();
      } else {
        res.writeHead(200);
        res.end('ok');
      }
    });
    const wrapped = hubFetch(fetch, { timeoutMs: 5_000 });
    const busy = await wrapped(`${url}/busy`).catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(HubBusyError);
    expect((busy as HubBusyError).retryAfterMs).toBe(7_000);
    expect((busy as HubBusyError).statusCode).toBe(429);
    expect((await wrapped(`${url}/plain-503`)).status).toBe(503);
    expect(await (await wrapped(`${url}/ok`)).text()).toBe('ok');
  });

  it("keeps the caller's own abort signal working", async () => {
    const url = await serve(() => {});
    const controller = new AbortController();
    const pending = hubFetch(fetch, { timeoutMs: 60_000 })(url, { signal: controller.signal });
    controller.abort();
    const error = await pending.catch((e: unknown) => e);
    expect((error as Error).name).toBe('AbortError');
    expect(error).not.toBeInstanceOf(HubTimeoutError);
  });
});
