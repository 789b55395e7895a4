/**
 * The test server itself behaves as the facts page (../shared/docs/freshdesk-api.md) says the
 * Freshdesk API does: the sync's tests are only as good as this.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FakeFreshdesk, PAGE_CAP_MESSAGE } from './freshdesk-server';

let server: FakeFreshdesk;
let base: string;
const auth = { Authorization: `Basic ${Buffer.from('test-key:X').toString('base64')}` };
const DAY = 86_400;

async function get(path: string, headers: Record<string, string> = auth) {
  const response = await fetch(`${base}${path}`, { headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

async function start(options: ConstructorParameters<typeof FakeFreshdesk>[0] = {}) {
  server = new FakeFreshdesk(options);
  return server;
}

afterEach(async () => {
  await server?.close();
});

describe('Freshdesk test server', () => {
  it('lists only tickets created in the last 30 days without updated_since', async () => {
    await start();
    server.addTicket({ id: 1, created: server.clock - 40 * DAY, updated: server.clock - DAY });
    server.addTicket({ id: 2, created: server.clock - 10 * DAY });
    base = await server.start();
    expect((await get('/api/v2/tickets')).body.map((t: any) => t.id)).toEqual([2]);
    expect((await get('/api/v2/tickets?updated_since=2010-01-01T00:00:00Z')).body.map((t: any) => t.id).sort()).toEqual([1, 2]);
  });

  it('answers pages beyond 300 with 400 and Freshdesk\'s message; page 300 may still link to 301', async () => {
    await start();
    for (let i = 0; i < 301; i++) server.addTicket({ created: server.clock - 1000 + i });
    base = await server.start();
    const cap = await get('/api/v2/tickets?updated_since=2010-01-01T00:00:00Z&per_page=1&page=301');
    expect(cap.status).toBe(400);
    expect(cap.body.errors[0].message).toBe(PAGE_CAP_MESSAGE);
    const last = await get('/api/v2/tickets?updated_since=2010-01-01T00:00:00Z&per_page=1&page=300');
    expect(last.status).toBe(200);
    expect(last.headers.get('link')).toMatch(/page=301>; rel="next"/);
  });

  it('caps per_page at 100 and links to the next page only from a full page', async () => {
    await start();
    for (let i = 0; i < 5; i++) server.addTicket({ created: server.clock - 100 + i });
    base = await server.start();
    expect((await get('/api/v2/tickets?per_page=101')).status).toBe(400);
    expect((await get('/api/v2/tickets?per_page=5')).headers.get('link')).toMatch(/rel="next"/);
    expect((await get('/api/v2/tickets?per_page=6')).headers.get('link')).toBeNull();
  });

  it('orders by updated_at ascending with ties in an order that is not the id order', async () => {
    await start();
    for (let i = 1; i <= 20; i++) server.addTicket({ id: i, created: server.clock - 100, updated: server.clock - 50 });
    base = await server.start();
    const ids = (await get('/api/v2/tickets?updated_since=2010-01-01T00:00:00Z&order_by=updated_at&order_type=asc&per_page=100')).body.map((t: any) => t.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(ids).not.toEqual([...ids].sort((a, b) => a - b));
  });

  it('moves an updated ticket to the end of the list, shifting the others forward (drift)', async () => {
    await start();
    for (let i = 1; i <= 4; i++) server.addTicket({ id: i, created: server.clock - 100 + i });
    base = await server.start();
    const q = '/api/v2/tickets?updated_since=2010-01-01T00:00:00Z&order_by=updated_at&order_type=asc&per_page=2';
    expect((await get(`${q}&page=1`)).body.map((t: any) => t.id)).toEqual([1, 2]);
    server.update(1, { status: 3 });
    // Offset paging now skips ticket 3: it moved to page 1.
    expect((await get(`${q}&page=2`)).body.map((t: any) => t.id)).toEqual([4, 1]);
  });

  it('keeps spam and deleted tickets out of the default list and serves them with filter=spam / filter=deleted', async () => {
    await start();
    server.addTicket({ id: 1 });
    server.addTicket({ id: 2, spam: true });
    server.addTicket({ id: 3, deleted: true });
    base = await server.start();
    const since = 'updated_since=2010-01-01T00:00:00Z';
    expect((await get(`/api/v2/tickets?${since}`)).body.map((t: any) => t.id)).toEqual([1]);
    expect((await get(`/api/v2/tickets?${since}&filter=spam`)).body.map((t: any) => [t.id, t.spam])).toEqual([[2, true]]);
    expect((await get(`/api/v2/tickets?${since}&filter=deleted`)).body.map((t: any) => [t.id, t.deleted])).toEqual([[3, true]]);
    expect((await get(`/api/v2/tickets?${since}`)).body[0]).not.toHaveProperty('stats');
    expect((await get(`/api/v2/tickets?${since}&include=stats`)).body[0].stats).toHaveProperty('first_responded_at');
  });

  it('answers a wrong key with 401 invalid_credentials and a missing feature with 403', async () => {
    await start({ planLacks: ['sla_policies'] });
    base = await server.start();
    const wrong = await get('/api/v2/tickets', { Authorization: `Basic ${Buffer.from('nope:X').toString('base64')}` });
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('invalid_credentials');
    expect((await get('/api/v2/sla_policies')).status).toBe(403);
    expect((await get('/api/v2/ticket_fields')).body.find((f: any) => f.name === 'status').choices['6'][0]).toBe('Waiting on Customer');
  });

  it('limits calls per window with X-RateLimit headers and 429 + Retry-After', async () => {
    await start({ rateLimit: { perWindow: 2, windowMs: 60_000 } });
    base = await server.start();
    const first = await get('/api/v2/groups');
    expect(first.headers.get('x-ratelimit-total')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(first.headers.get('x-ratelimit-used-currentrequest')).toBe('1');
    await get('/api/v2/groups');
    const limited = await get('/api/v2/groups');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
