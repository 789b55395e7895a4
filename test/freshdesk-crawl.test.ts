/**
 * The ticket crawl against the test server: the failure modes of peers' syncs (30-day window,
 * page 300, ties, drift while paging) each as a case. The property test
 * (freshdesk-crawl.property.test.ts) covers arbitrary interleavings.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FreshdeskClient } from '../lib/freshdesk/client';
import { TieBlockTooLargeError, crawlTickets, type TicketListFilter } from '../lib/freshdesk/ticket-crawl';
import type { FreshdeskApiTicket } from '../lib/ticket-snapshot';
import { FakeFreshdesk, seedAccount, type ServerTicket } from './freshdesk-server';

const SINCE = '2010-01-01T00:00:00Z';
const ALL_LISTS = (['default', 'spam', 'deleted'] as TicketListFilter[]).map((filter) => ({ filter, updatedSince: SINCE }));
let server: FakeFreshdesk;

afterEach(async () => {
  await server?.close();
});

async function crawlAll(options: { lists?: typeof ALL_LISTS; perPage?: number; pageCap?: number } = {}) {
  const client = new FreshdeskClient({ baseUrl: await server.start(), apiKey: 'test-key' });
  const latest = new Map<number, FreshdeskApiTicket>();
  const emittedTwice: number[] = [];
  const seenVersions = new Set<string>();
  const result = await crawlTickets({
    client,
    lists: options.lists ?? ALL_LISTS,
    perPage: options.perPage,
    pageCap: options.pageCap,
    onTickets: async (_filter, tickets) => {
      for (const t of tickets) {
        const version = `${t.id}@${t.updated_at}`;
        if (seenVersions.has(version)) emittedTwice.push(t.id);
        seenVersions.add(version);
        const had = latest.get(t.id);
        if (!had || had.updated_at <= t.updated_at) latest.set(t.id, t);
      }
    },
  });
  const wrong = [...server.truth()].filter(([id, truth]) => latest.get(id)?.updated_at !== truth.updated_at || (latest.get(id)?.deleted === true) !== truth.deleted).map(([id]) => id);
  return { result, latest, wrong, emittedTwice, client };
}

/** Ids of the tickets a page of the updated_at order holds right now. */
function pageIds(page: number, perPage: number, cursor = SINCE): number[] {
  const since = Date.parse(cursor);
  return [...server.tickets.values()]
    .filter((t) => !t.spam && !t.deleted && Date.parse(t.updated_at) >= since)
    .sort((a, b) => a.updated_at.localeCompare(b.updated_at) || (Math.imul(a.id ^ 0x5bd1e995, 0x9e3779b1) >>> 0) - (Math.imul(b.id ^ 0x5bd1e995, 0x9e3779b1) >>> 0))
    .slice((page - 1) * perPage, page * perPage)
    .map((t) => t.id);
}

/**
 * Before the first request for `page` of the ticket list (pages of 3), the first ticket of page 1
 * of the tie block at `blockSeconds` leaves it: one second later it gets `change`, then `after`
 * runs. Returns the departed ticket's id (0 until it departed).
 */
function departBeforePage(blockSeconds: number, page: number, change: Partial<ServerTicket>, after?: (s: FakeFreshdesk) => void): () => number {
  const blockSince = new Date(blockSeconds * 1000).toISOString().replace('.000Z', 'Z');
  let departed = 0;
  server.onRequest = (request, s) => {
    if (request.path !== '/api/v2/tickets' || request.query.get('page') !== String(page) || departed !== 0) return;
    departed = pageIds(1, 3, blockSince)[0];
    s.advance(1);
    s.update(departed, change);
    after?.(s);
  };
  return () => departed;
}

describe('crawlTickets', () => {
  it('lists all 35,000 tickets of an account (past the 300-page cap and the 30-day window) exactly once, at under 10.5 calls per 1,000', async () => {
    server = new FakeFreshdesk();
    seedAccount(server, { tickets: 35_000, spamShare: 0.02, deletedShare: 0.02 });
    const { result, wrong, emittedTwice } = await crawlAll();
    expect(wrong).toEqual([]);
    expect(emittedTwice).toEqual([]);
    expect(result.emitted).toBe(35_000);
    const pages = server.requests.map((r) => Number(new URLSearchParams(r.query).get('page')));
    expect(Math.max(...pages)).toBeLessThanOrEqual(300);
    expect(server.requests.every((r) => r.status === 200)).toBe(true);
    // Floor 10; + the cursor's second read again after each page; + one page after a tie block paged
    // by offset only when the page that leaves it begins past it (read on from the block's next second).
    expect(result.pages / 35).toBeLessThan(10.5);
  }, 60_000);

  it('pages through a tie block longer than a page instead of skipping it', async () => {
    server = new FakeFreshdesk();
    const t0 = server.clock - 10_000;
    for (let i = 0; i < 50; i++) server.addTicket({ created: t0 + i });
    // A bulk edit: 350 tickets with one updated_at, between the others.
    for (let i = 0; i < 350; i++) server.addTicket({ created: t0 + 100 + i, updated: t0 + 1000 });
    for (let i = 0; i < 50; i++) server.addTicket({ created: t0 + 2000 + i });
    const { result, wrong, emittedTwice } = await crawlAll({ lists: [ALL_LISTS[0]] });
    expect(wrong).toEqual([]);
    expect(emittedTwice).toEqual([]);
    expect(result.tiePages).toBeGreaterThanOrEqual(3);
    expect(result.tieRereads).toBe(0);
  });

  it('re-reads a tie block when a ticket already read there is updated while the block is paged, so the ticket that shifted forward is not skipped', async () => {
    server = new FakeFreshdesk();
    const t0 = server.clock - 10_000;
    for (let i = 0; i < 500; i++) server.addTicket({ created: t0 + i, updated: t0 + 1000 });
    let tiePagesServed = 0;
    server.onRequest = (request, s) => {
      if (request.path !== '/api/v2/tickets' || request.query.get('page') === '1') return;
      // Before page 3 of the block: five tickets of page 1 are updated (they leave the block).
      if (++tiePagesServed === 2) {
        s.advance(10);
        s.update(pageIds(1, 100).slice(0, 5), { status: 3 });
      }
    };
    const { result, wrong, emittedTwice } = await crawlAll({ lists: [ALL_LISTS[0]] });
    expect(wrong).toEqual([]);
    expect(emittedTwice).toEqual([]);
    expect(result.tieRereads).toBe(1);
  });

  // Pages of 3: tickets 1-3 alone at seconds 1-3, then a block of 6 at second 10, the end of
  // the list. Before the block's page 3 (offset 6), ticket X of its page 1 is updated, then 1-3
  // (a bulk edit, one second later): the list from second 10 is 5 block tickets, X, 1, 2, 3, so
  // page 3 is 1, 2, 3, beginning past the block, and X itself fell before the offset. Reading on
  // from page 3's last second would never list X again: the departure would go unseen and X
  // stay stale. Reading on from the second after the block lists it (and the block is re-read).
  it('reads on from the second after a tie block when the offset page that leaves it begins past it, so a ticket that left the block and was skipped is still seen', async () => {
    server = new FakeFreshdesk();
    const t0 = server.clock - 10_000;
    for (let i = 1; i <= 3; i++) server.addTicket({ id: i, created: t0 - 100 + i, updated: t0 + i });
    for (let i = 4; i <= 9; i++) server.addTicket({ id: i, created: t0 - 50 + i, updated: t0 + 10 });
    const departedId = departBeforePage(t0 + 10, 3, { status: 4 }, (s) => {
      s.advance(1);
      s.update([1, 2, 3], { priority: 3 });
    });
    const { result, wrong, emittedTwice } = await crawlAll({ lists: [ALL_LISTS[0]], perPage: 3 });
    expect(departedId()).toBeGreaterThan(3);
    expect(wrong).toEqual([]);
    expect(emittedTwice).toEqual([]);
    expect(result.tieRereads).toBe(1);
  });

  it('reads on from the second after a tie block when the list ends by offset past it, so a ticket that left the block is still seen', async () => {
    server = new FakeFreshdesk();
    const t0 = server.clock - 10_000;
    // A block of 6 at the end of the list, pages of 3: X of page 1 is updated before page 3 (offset
    // 6), so the list is 5 block tickets and X, and page 3 is empty: X is behind it.
    for (let i = 1; i <= 6; i++) server.addTicket({ id: i, created: t0 + i, updated: t0 + 10 });
    const departedId = departBeforePage(t0 + 10, 3, { status: 4 });
    const { result, wrong, emittedTwice } = await crawlAll({ lists: [ALL_LISTS[0]], perPage: 3 });
    expect(departedId()).toBeGreaterThan(0);
    expect(wrong).toEqual([]);
    expect(emittedTwice).toEqual([]);
    expect(result.tieRereads).toBe(1);
  });

  it('reads on from the last second of an offset page that leaves a tie block from inside it, with no extra page for the block', async () => {
    server = new FakeFreshdesk();
    const t0 = server.clock - 10_000;
    // 250 tickets at one second, then 150 at distinct seconds: pages 1-2 in the block, page 3 leaves it from inside.
    for (let i = 0; i < 250; i++) server.addTicket({ created: t0 + i, updated: t0 + 1000 });
    for (let i = 0; i < 150; i++) server.addTicket({ created: t0 + 300 + i, updated: t0 + 2000 + i });
    const points: string[] = [];
    const client = new FreshdeskClient({ baseUrl: await server.start(), apiKey: 'test-key' });
    const result = await crawlTickets({ client, lists: [ALL_LISTS[0]], onTickets: async () => {}, onSafePoint: async (_f, point) => void points.push(`${point.updatedSince} ${point.tieBlocks.join(',')}`) });
    const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
    expect(result.emitted).toBe(400);
    // From 2010: page 1 ends in the block; pages 1-3 at its second (page 3: 50 block tickets, then
    // seconds 2000-2049); on from second 2049 (not 1001): 2049-2148; then the end.
    expect(server.requests.map((r) => `${new URLSearchParams(r.query).get('updated_since')} ${new URLSearchParams(r.query).get('page')}`)).toEqual([
      `${SINCE} 1`,
      `${iso(t0 + 1000)} 1`,
      `${iso(t0 + 1000)} 2`,
      `${iso(t0 + 1000)} 3`,
      `${iso(t0 + 2049)} 1`,
      `${iso(t0 + 2148)} 1`,
    ]);
    expect(points).toContain(`${iso(t0 + 2049)} ${iso(t0 + 1000)}`);
  });

  it('the same drift makes plain offset paging skip tickets (the test server does shift pages)', async () => {
    server = new FakeFreshdesk();
    const t0 = server.clock - 10_000;
    for (let i = 0; i < 500; i++) server.addTicket({ created: t0 + i, updated: t0 + 1000 });
    const base = await server.start();
    const seen = new Set<number>();
    for (let page = 1; ; page++) {
      if (page === 3) {
        server.advance(10);
        server.update(pageIds(1, 100).slice(0, 5), { status: 3 });
      }
      const response = await fetch(`${base}/api/v2/tickets?updated_since=${SINCE}&order_by=updated_at&order_type=asc&per_page=100&page=${page}`, {
        headers: { Authorization: `Basic ${Buffer.from('test-key:X').toString('base64')}` },
      });
      const tickets = (await response.json()) as { id: number }[];
      for (const t of tickets) seen.add(t.id);
      if (tickets.length < 100) break;
    }
    expect(500 - seen.size).toBe(5);
  });

  it('catches a ticket that leaves a tie block of the default list for the spam list (one ledger across lists)', async () => {
    server = new FakeFreshdesk();
    const t0 = server.clock - 10_000;
    for (let i = 0; i < 300; i++) server.addTicket({ created: t0 + i, updated: t0 + 1000 });
    let served = 0;
    server.onRequest = (request, s) => {
      if (request.path === '/api/v2/tickets' && request.query.get('page') === '2' && ++served === 1) {
        s.advance(10);
        s.update(pageIds(1, 100).slice(0, 3), { spam: true });
      }
    };
    const { result, wrong } = await crawlAll();
    expect(wrong).toEqual([]);
    expect(result.tieRereads).toBeGreaterThanOrEqual(1);
  });

  it('catches a ticket that leaves a tie block of the default list for the spam list read before it (the sync\'s order), so the ticket it made skip is listed', async () => {
    server = new FakeFreshdesk();
    const t0 = server.clock - 10_000;
    // Pages of 3, a block of 4: one of page 1 marked spam before page 2 (offset 3) leaves 3, so
    // page 2 is empty and the 4th was never listed; only the spam list's tail shows the departure.
    for (let i = 1; i <= 4; i++) server.addTicket({ id: i, created: t0 + i, updated: t0 + 10 });
    const departedId = departBeforePage(t0 + 10, 2, { spam: true });
    const lists = (['spam', 'deleted', 'default'] as TicketListFilter[]).map((filter) => ({ filter, updatedSince: SINCE }));
    const { result, wrong, emittedTwice } = await crawlAll({ lists, perPage: 3 });
    expect(departedId()).toBeGreaterThan(0);
    expect(wrong).toEqual([]);
    expect(emittedTwice).toEqual([]);
    expect(result.tieRereads).toBe(1);
  });

  it('stops with a clear error when more tickets share one updated_at than the page cap lets it list', async () => {
    server = new FakeFreshdesk();
    for (let i = 0; i < 40; i++) server.addTicket({ created: server.clock - 5000 + i, updated: server.clock - 100 });
    const error = await crawlAll({ lists: [ALL_LISTS[0]], perPage: 10, pageCap: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TieBlockTooLargeError);
    expect((error as Error).message).toMatch(/More than 30 tickets share updated_at .* stops at page 3/);
  });

  it('rides out 5xx answers, dropped connections and a 429 in the middle of the crawl', async () => {
    server = new FakeFreshdesk();
    seedAccount(server, { tickets: 1500 });
    let listCalls = 0;
    server.onRequest = (request, s) => {
      if (request.path !== '/api/v2/tickets') return;
      listCalls++;
      if (listCalls === 3) s.failNext(2, 502);
      if (listCalls === 6) s.failNext(1, 0);
      if (listCalls === 9) s.failNext(1, 429);
    };
    const client = new FreshdeskClient({ baseUrl: await server.start(), apiKey: 'test-key', baseDelayMs: 1, defaultRetryAfterMs: 1 });
    const latest = new Map<number, string>();
    await crawlTickets({
      client,
      lists: ALL_LISTS,
      onTickets: async (_filter, tickets) => {
        for (const t of tickets) latest.set(t.id, t.updated_at);
      },
    });
    expect([...server.truth()].filter(([id, t]) => latest.get(id) !== t.updated_at)).toEqual([]);
    expect(client.stats).toMatchObject({ retries: 3, rateLimited: 1 });
  });

  it('marks tickets of the deleted list as deleted and hands them over once', async () => {
    server = new FakeFreshdesk();
    seedAccount(server, { tickets: 400, deletedShare: 0.2, spamShare: 0.1 });
    const { latest, wrong } = await crawlAll();
    expect(wrong).toEqual([]);
    const deleted = [...server.tickets.values()].filter((t) => t.deleted).map((t) => t.id);
    expect(deleted.length).toBeGreaterThan(40);
    expect(deleted.every((id) => latest.get(id)?.deleted === true)).toBe(true);
  });
});
