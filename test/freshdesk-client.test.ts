import { afterEach, describe, expect, it } from 'vitest';
import { FreshdeskAccessError, FreshdeskApiError, FreshdeskClient, domainBaseUrl, nextPageLink } from '../lib/freshdesk/client';
import { FakeFreshdesk, PAGE_CAP_MESSAGE } from './freshdesk-server';

const KEY = 'sEcReT-kEy-123';
let server: FakeFreshdesk;

afterEach(async () => {
  await server?.close();
});

/** A client whose waits are recorded instead of slept (the rate-limit clock still moves). */
function clientFor(baseUrl: string, overrides: Partial<ConstructorParameters<typeof FreshdeskClient>[0]> = {}) {
  const waits: number[] = [];
  const client = new FreshdeskClient({
    baseUrl,
    apiKey: KEY,
    sleep: async (ms) => {
      waits.push(ms);
    },
    random: () => 0.5,
    ...overrides,
  });
  return { client, waits };
}

describe('FreshdeskClient', () => {
  it('sends the key as HTTP Basic <key>:X and reads the JSON body and the Link header', async () => {
    server = new FakeFreshdesk({ apiKey: KEY });
    for (let i = 0; i < 3; i++) server.agents.push({ id: i + 1, contact: { name: `A${i}`, email: 'a@example.com' }, type: 'support_agent', available: true });
    const { client } = clientFor(await server.start());
    const page = await client.get<unknown[]>('agents', { per_page: 2, page: 1 });
    expect(page.body).toHaveLength(2);
    expect(page.nextPage).toMatch(/page=2/);
    const last = await client.get<unknown[]>(page.nextPage!);
    expect(last.body).toHaveLength(1);
    expect(last.nextPage).toBeUndefined();
    expect(client.stats.calls).toBe(2);
  });

  it('turns a wrong key into one line about the key, without the key in it, and does not retry', async () => {
    server = new FakeFreshdesk({ apiKey: 'the-right-key' });
    const { client } = clientFor(await server.start());
    const error = await client.get('tickets').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FreshdeskAccessError);
    expect((error as Error).message).toMatch(/refused the API key \(401/);
    expect((error as Error).message).not.toContain(KEY);
    expect(JSON.stringify(client)).not.toContain(KEY);
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect(client.stats.calls).toBe(1);
  });

  it('reports a 403 as the plan or the permission lacking the feature', async () => {
    server = new FakeFreshdesk({ apiKey: KEY, planLacks: ['sla_policies'] });
    const { client } = clientFor(await server.start());
    const error = await client.get('sla_policies').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FreshdeskAccessError);
    expect((error as FreshdeskAccessError).status).toBe(403);
    expect((error as Error).message).toMatch(/plan lacks this feature/);
  });

  it('waits Retry-After seconds on 429 and then succeeds', async () => {
    server = new FakeFreshdesk({ apiKey: KEY, rateLimit: { perWindow: 2, windowMs: 60_000 } });
    const waits: number[] = [];
    const client = new FreshdeskClient({
      baseUrl: await server.start(),
      apiKey: KEY,
      // While the client waits, the window passes (the limit is lifted).
      sleep: async (ms) => {
        waits.push(ms);
        server.rateLimit = undefined;
      },
    });
    // Another client of the account used the budget up; this one has seen no X-RateLimit headers yet.
    const other = new FreshdeskClient({ baseUrl: client.baseUrl, apiKey: KEY, sleep: async () => {} });
    await other.get('ticket_fields');
    await other.get('ticket_fields');
    await client.get('ticket_fields');
    expect(client.stats.rateLimited).toBe(1);
    expect(waits).toEqual([60_000]);
    expect(client.stats.rateLimitWaitMs).toBe(60_000);
    expect(server.requests.map((r) => r.status)).toEqual([200, 200, 429, 200]);
  });

  it('at the reserve, waits until the oldest call the window counts has left it (no 429 at all)', async () => {
    server = new FakeFreshdesk({ apiKey: KEY, rateLimit: { perWindow: 10, windowMs: 60_000 } });
    let now = 0;
    const { client, waits } = clientFor(await server.start(), {
      now: () => now,
      sleep: async (ms) => {
        waits.push(ms);
        now += ms;
      },
    });
    for (let i = 0; i < 10; i++) {
      await client.get('ticket_fields');
      now += 1000;
    }
    // Remaining 9..0; the reserve is 1 (10 %). The 10th call (9 used, remaining 1) waits until the
    // first call (t = 0) has left the 60 s window, plus the 250 ms margin: from t = 9 s, 51.25 s.
    expect(waits).toEqual([51_250]);
    expect(client.stats.rateLimited).toBe(0);
  });

  it('paces by calls when a call costs several credits (includes), and a crawl at the limit gets no 429', async () => {
    server = new FakeFreshdesk({ apiKey: KEY, rateLimit: { perWindow: 30, windowMs: 600 }, creditsPerInclude: 2 });
    const client = new FreshdeskClient({ baseUrl: await server.start(), apiKey: KEY, rateLimitWindowMs: 600 });
    const started = Date.now();
    // 40 calls at 3 credits each: 10 fit in a window, so at least 3 more windows pass.
    for (let i = 0; i < 40; i++) await client.get('tickets', { include: 'stats' });
    expect(client.stats.rateLimited).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3 * 600);
  });

  it('retries 5xx answers and dropped connections with backoff, then gives up with one line', async () => {
    server = new FakeFreshdesk({ apiKey: KEY });
    const { client, waits } = clientFor(await server.start(), { maxAttempts: 4, baseDelayMs: 100 });
    server.failNext(1, 503);
    server.failNext(1, 0);
    await expect(client.get('ticket_fields')).resolves.toMatchObject({ status: 200 });
    expect(client.stats.retries).toBe(2);
    expect(waits).toEqual([50, 100]);
    server.failNext(4, 500);
    const error = await client.get('ticket_fields').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FreshdeskApiError);
    expect((error as Error).message).toMatch(/answered 500 to GET \/api\/v2\/ticket_fields 4 times/);
  });

  it('times out a request that never gets an answer and retries it', async () => {
    server = new FakeFreshdesk({ apiKey: KEY });
    const { client } = clientFor(await server.start(), { timeoutMs: 200 });
    server.hangNext(1);
    await expect(client.get('ticket_fields')).resolves.toMatchObject({ status: 200 });
    expect(client.stats.retries).toBe(1);
  });

  it('gives the API\'s own message for a 400, e.g. the page cap', async () => {
    server = new FakeFreshdesk({ apiKey: KEY });
    const { client } = clientFor(await server.start());
    const error = await client.get('tickets', { page: 301, per_page: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FreshdeskApiError);
    expect((error as FreshdeskApiError).apiMessage).toBe(PAGE_CAP_MESSAGE);
    expect(client.stats.retries).toBe(0);
  });

  it('never sends the key to another host, whatever a link says', async () => {
    server = new FakeFreshdesk({ apiKey: KEY });
    const { client } = clientFor(await server.start());
    await expect(client.get('https://elsewhere.example.com/api/v2/tickets')).rejects.toThrow(/only sent to http:\/\/127\.0\.0\.1/);
    expect(client.stats.calls).toBe(0);
  });

  it('stops waiting when the signal aborts (Ctrl-C)', async () => {
    server = new FakeFreshdesk({ apiKey: KEY, rateLimit: { perWindow: 1, windowMs: 60_000 } });
    const controller = new AbortController();
    const client = new FreshdeskClient({ baseUrl: await server.start(), apiKey: KEY, signal: controller.signal });
    await client.get('ticket_fields');
    const pending = client.get('ticket_fields');
    setTimeout(() => controller.abort(new Error('interrupted')), 100);
    await expect(pending).rejects.toThrow('interrupted');
  });

  it.each([
    ['acme', 'https://acme.freshdesk.com'],
    ['acme.freshdesk.com', 'https://acme.freshdesk.com'],
    ['https://acme.freshdesk.com/', 'https://acme.freshdesk.com'],
  ])('builds the base URL of --domain %s', (domain, url) => {
    expect(domainBaseUrl(domain)).toBe(url);
  });

  it('rejects a domain that is not a Freshdesk account name, and a key in the URL', () => {
    expect(() => domainBaseUrl('acme/../evil')).toThrow(/not a Freshdesk domain/);
    expect(() => new FreshdeskClient({ baseUrl: 'https://key:X@acme.freshdesk.com', apiKey: KEY })).toThrow(/not in the URL/);
    expect(() => new FreshdeskClient({ baseUrl: 'https://acme.freshdesk.com', apiKey: '' })).toThrow(/FRESHDESK_API_KEY/);
  });

  it('parses the next link among several', () => {
    expect(nextPageLink('<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next"')).toBe('https://a/x?page=3');
    expect(nextPageLink(null)).toBeUndefined();
  });
});
