/**
 * A Freshdesk-API-v2-compatible server for tests and benchmarks, on 127.0.0.1 (no network). It
 * behaves as ../shared/docs/freshdesk-api.md describes, including the parts that break peers' syncs:
 *
 * - `GET /api/v2/tickets`: without `updated_since` only tickets created in the last 30 days (of the
 *   server's clock); `updated_since` (inclusive, second precision) with `order_by` created_at |
 *   updated_at | due_by | status and `order_type` asc | desc; `per_page` at most 100 (default 30);
 *   pages beyond 300 answer 400 with Freshdesk's exact message (page 300 still links to 301);
 *   `Link: <...>; rel="next"` on every full page; `filter=spam` / `filter=deleted` (deleted tickets
 *   carry `deleted: true`; the default list has neither); `include=stats,requester,description`.
 * - Ties: tickets sharing one `updated_at` come in a stable order that is NOT the id order
 *   (`tieOrder: 'scrambled'`, the default), so a crawl cannot lean on ids within a tie.
 * - Drift: `onRequest` runs before each request is answered, so a test can update tickets between
 *   the pages of a crawl; an update sets `updated_at` to the server clock, moving the ticket to the
 *   end of the updated_at order (and shifting every ticket behind its old position forward).
 * - Rate limit: a sliding window of `rateLimit.perWindow` credits per `rateLimit.windowMs` (invalid
 *   requests count too; a call costs 1 credit + `creditsPerInclude` per include= value); every
 *   answer carries X-RateLimit-Total / -Remaining / -Used-CurrentRequest; over the limit, 429
 *   with Retry-After in whole seconds.
 * - Failures: `failNext(n, status)` answers the next n requests with a 5xx (or drops the
 *   connection with status 0); `hangNext(n)` never answers them.
 * - Auth: a wrong key is 401 `invalid_credentials`; endpoints in `planLacks` are 403.
 * - `GET /api/v2/agents`, `/groups` (paged), `/ticket_fields`, `/business_hours`, `/sla_policies`.
 *
 * The server's clock (`clock`, epoch seconds) only moves when a test moves it (advance / updates).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DimensionName, DimensionRow } from '../lib/dimensions';
import { DONE_STATUSES } from '../lib/freshdesk-codes';
import type { SyncCheckpoint } from '../lib/freshdesk/checkpoint';
import type { SyncSink } from '../lib/freshdesk/sync';
import { SeededRandom } from '../lib/local/seeded-random';
import type { FreshdeskApiTicket } from '../lib/ticket-snapshot';

export const PAGE_CAP_MESSAGE = 'You cannot access tickets beyond the 300th page. Please provide a smaller page number.';
export const MAX_PAGE = 300;
export const MAX_PER_PAGE = 100;
const DEFAULT_PER_PAGE = 30;
const DAY_SECONDS = 86_400;

export interface ServerTicket {
  id: number;
  subject: string;
  status: number;
  priority: number;
  source: number;
  type: string | null;
  group_id: number | null;
  responder_id: number | null;
  requester_id: number;
  company_id: number | null;
  spam: boolean;
  /** Server-side only: listed with filter=deleted (and then as `deleted: true`). */
  deleted: boolean;
  tags: string[];
  custom_fields: Record<string, unknown>;
  is_escalated: boolean;
  fr_escalated: boolean;
  due_by: string;
  fr_due_by: string;
  created_at: string;
  updated_at: string;
  stats: Record<string, string | null>;
  description_text: string;
  requester: { id: number; name: string; email: string };
}

export interface RequestInfo {
  readonly path: string;
  readonly query: URLSearchParams;
  /** 1 for the first request the server sees. */
  readonly number: number;
}

export interface RequestLogEntry {
  readonly path: string;
  readonly query: string;
  readonly status: number;
}

export interface FakeFreshdeskOptions {
  /** @default 'test-key' */
  readonly apiKey?: string;
  /** Server clock at start, epoch seconds. @default 2026-11-27T12:00:00Z */
  readonly clock?: number;
  /** Calls allowed per window (sliding). @default none */
  readonly rateLimit?: { readonly perWindow: number; readonly windowMs?: number };
  /** Endpoint names the plan lacks (403), e.g. 'sla_policies'. */
  readonly planLacks?: readonly string[];
  /** Extra rate-limit credits per include= value. @default 0 */
  readonly creditsPerInclude?: number;
  /** Order of tickets that share the sort key. @default 'scrambled' */
  readonly tieOrder?: 'id' | 'scrambled';
  /** Runs before each request is answered (drift, injected failures). */
  readonly onRequest?: (request: RequestInfo, server: FakeFreshdesk) => void;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
const seconds = (text: string) => Math.floor(Date.parse(text) / 1000);

/** A stable order for ties that is not the id order (a multiplicative hash of the id). */
const scrambled = (id: number) => Math.imul(id ^ 0x5bd1e995, 0x9e3779b1) >>> 0;

export class FakeFreshdesk {
  readonly tickets = new Map<number, ServerTicket>();
  readonly agents: { id: number; contact: { name: string; email: string }; type: string; available: boolean }[] = [];
  readonly groups: { id: number; name: string; description: string; business_hour_id: number | null }[] = [];
  ticketFields: Record<string, unknown>[] = defaultTicketFields();
  readonly businessHours: Record<string, unknown>[] = [{ id: 1, name: 'Default', is_default: true, time_zone: 'UTC', business_hours: {} }];
  readonly slaPolicies: Record<string, unknown>[] = [{ id: 1, name: 'Default SLA Policy', is_default: true, sla_target: { priority_4: { respond_within: 3600, resolve_within: 14400 } } }];
  readonly requests: RequestLogEntry[] = [];
  clock: number;
  onRequest?: (request: RequestInfo, server: FakeFreshdesk) => void;
  rateLimit?: { perWindow: number; windowMs: number };
  /** Set by GET /__test/drift?on=0: onRequest is not called. */
  driftPaused = false;
  planLacks: Set<string>;
  readonly apiKey: string;
  private readonly tieOrder: 'id' | 'scrambled';
  private server?: Server;
  private baseUrl = '';
  private requestCount = 0;
  private callTimes: number[] = [];
  private currentCost = 1;
  /** Extra rate-limit credits per `include=` value (the facts page: 2 each, unconfirmed). */
  creditsPerInclude: number;
  private failures: { status: number }[] = [];
  private hangs = 0;
  private readonly hung: ServerResponse[] = [];
  private version = 0;
  private readonly sorted = new Map<string, { version: number; tickets: ServerTicket[] }>();
  private nextId = 1;

  constructor(options: FakeFreshdeskOptions = {}) {
    this.apiKey = options.apiKey ?? 'test-key';
    this.clock = options.clock ?? seconds('2026-11-27T12:00:00Z');
    this.rateLimit = options.rateLimit ? { perWindow: options.rateLimit.perWindow, windowMs: options.rateLimit.windowMs ?? 60_000 } : undefined;
    this.planLacks = new Set(options.planLacks ?? []);
    this.tieOrder = options.tieOrder ?? 'scrambled';
    this.creditsPerInclude = options.creditsPerInclude ?? 0;
    this.onRequest = options.onRequest;
  }

  /** Starts listening on 127.0.0.1 (a free port) and resolves to the base URL. */
  async start(): Promise<string> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.baseUrl = `http://127.0.0.1:${port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    for (const res of this.hung.splice(0)) res.destroy();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** Ticket list requests answered so far (what a crawl cost). */
  get ticketListCalls(): number {
    return this.requests.filter((r) => r.path === '/api/v2/tickets').length;
  }

  /** Answers the next n requests with `status` (0: drop the connection). */
  failNext(n: number, status = 503): void {
    for (let i = 0; i < n; i++) this.failures.push({ status });
  }

  /** Never answers the next n requests (the client's time-out must fire). */
  hangNext(n: number): void {
    this.hangs += n;
  }

  advance(secondsToAdd: number): void {
    this.clock += secondsToAdd;
  }

  // ---- data ----

  /** Adds a ticket created (and last updated) at the given times, epoch seconds. */
  addTicket(fields: Partial<ServerTicket> & { created?: number; updated?: number } = {}): ServerTicket {
    const id = fields.id ?? this.nextId;
    this.nextId = Math.max(this.nextId, id + 1);
    const created = fields.created ?? this.clock;
    const updated = fields.updated ?? created;
    const { created: _c, updated: _u, ...rest } = fields;
    const ticket: ServerTicket = {
      id,
      subject: `Ticket ${id}`,
      status: 2,
      priority: 1,
      source: 1,
      type: 'Question',
      group_id: null,
      responder_id: null,
      requester_id: 50_000 + (id % 997),
      company_id: null,
      spam: false,
      deleted: false,
      tags: [],
      custom_fields: {},
      is_escalated: false,
      fr_escalated: false,
      due_by: iso(created + 3 * DAY_SECONDS),
      fr_due_by: iso(created + DAY_SECONDS),
      created_at: iso(created),
      updated_at: iso(updated),
      stats: { agent_responded_at: null, requester_responded_at: null, first_responded_at: null, status_updated_at: iso(created), reopened_at: null, resolved_at: null, closed_at: null, pending_since: null },
      description_text: `Description of ticket ${id}`,
      requester: { id: 50_000 + (id % 997), name: `Requester ${id % 997}`, email: `requester${id % 997}@example.com` },
      ...rest,
    };
    this.tickets.set(id, ticket);
    this.version++;
    return ticket;
  }

  /** Changes tickets as one (bulk) action: they all get updated_at = the clock (a tie). */
  update(ids: number | readonly number[], changes: Partial<ServerTicket> = {}): void {
    const list = typeof ids === 'number' ? [ids] : ids;
    for (const id of list) {
      const ticket = this.tickets.get(id);
      if (!ticket) throw new Error(`no ticket ${id}`);
      const before = ticket.status;
      Object.assign(ticket, changes);
      ticket.updated_at = iso(this.clock);
      if (changes.status !== undefined && changes.status !== before) {
        ticket.stats = { ...ticket.stats, status_updated_at: ticket.updated_at };
        if (changes.status === 4) ticket.stats.resolved_at = ticket.updated_at;
        if (changes.status === 5) ticket.stats.closed_at = ticket.updated_at;
        if (changes.status === 2 && (before === 4 || before === 5)) ticket.stats.reopened_at = ticket.updated_at;
      }
    }
    this.version++;
  }

  /** The state a sync must end with: id -> the ticket as the API would list it (with deleted). */
  truth(): Map<number, { updated_at: string; status: number; spam: boolean; deleted: boolean; responder_id: number | null }> {
    const truth = new Map<number, { updated_at: string; status: number; spam: boolean; deleted: boolean; responder_id: number | null }>();
    for (const t of this.tickets.values()) truth.set(t.id, { updated_at: t.updated_at, status: t.status, spam: t.spam, deleted: t.deleted, responder_id: t.responder_id });
    return truth;
  }

  /**
   * Ids the ticket list (`filter` as in the query: '', 'spam' or 'deleted'; updated_at asc) holds
   * right now from `updatedSince` on, in its order: what pages 1, 2, ... would answer. Lets a test
   * change a ticket an offset page already listed (a departure from a tie block while it is paged).
   */
  listedIds(filter: string, updatedSince: string): number[] {
    const since = Math.floor(Date.parse(updatedSince) / 1000);
    return this.sortedTickets(filter, 'updated_at', 'asc')
      .filter((t) => seconds(t.updated_at) >= since)
      .map((t) => t.id);
  }

  // ---- HTTP ----

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const number = ++this.requestCount;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ path: url.pathname, query: url.search, status });
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...this.rateLimitHeaders(), ...headers });
      res.end(JSON.stringify(body));
    };
    if (this.hangs > 0) {
      this.hangs--;
      this.requests.push({ path: url.pathname, query: url.search, status: 0 });
      this.hung.push(res);
      return;
    }
    const failure = this.failures.shift();
    if (failure) {
      if (failure.status === 0) {
        this.requests.push({ path: url.pathname, query: url.search, status: 0 });
        req.socket.destroy();
        return;
      }
      send(failure.status, { code: 'internal_error', message: 'Injected failure' });
      return;
    }
    // Invalid requests count against the limit too.
    if (this.rateLimit) {
      const now = performance.now();
      const windowStart = now - this.rateLimit.windowMs;
      while (this.callTimes.length > 0 && this.callTimes[0] <= windowStart) this.callTimes.shift();
      const includes = (url.searchParams.get('include') ?? '').split(',').filter((i) => i.length > 0).length;
      this.currentCost = 1 + includes * this.creditsPerInclude;
      if (this.callTimes.length + this.currentCost > this.rateLimit.perWindow) {
        const retryAfter = Math.max(1, Math.ceil((this.callTimes[0] + this.rateLimit.windowMs - now) / 1000));
        send(429, { message: 'You have exceeded the limit of requests per minute' }, { 'Retry-After': String(retryAfter) });
        return;
      }
      // One entry per credit: a call with includes uses more of the budget.
      for (let i = 0; i < this.currentCost; i++) this.callTimes.push(now);
    }
    const expected = `Basic ${Buffer.from(`${this.apiKey}:X`).toString('base64')}`;
    if (req.headers.authorization !== expected) {
      send(401, { code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' });
      return;
    }
    if (req.method !== 'GET') {
      send(405, { message: 'Only GET is implemented by the test server' });
      return;
    }
    if (url.pathname === '/__test/drift') {
      // Not Freshdesk: stops (on=0) or restarts the command line's drift, to compare a sync by hand.
      this.driftPaused = url.searchParams.get('on') === '0';
      send(200, { drift: !this.driftPaused });
      return;
    }
    if (url.pathname === '/__test/truth') {
      // Not Freshdesk: what the server holds, for checking a sync run by hand (see serveFromCommandLine).
      const listed = [...this.tickets.values()].filter((t) => !t.spam && !t.deleted);
      const open = listed.filter((t) => !DONE_STATUSES.includes(t.status));
      send(200, {
        tickets: this.tickets.size,
        spam: [...this.tickets.values()].filter((t) => t.spam && !t.deleted).length,
        deleted: [...this.tickets.values()].filter((t) => t.deleted).length,
        backlog: open.length,
        urgentUnassigned: open.filter((t) => t.priority === 4 && t.responder_id === null).length,
        requests: this.requests.length,
      });
      return;
    }
    const endpoint = url.pathname.replace(/^\/api\/v2\//, '');
    if (this.planLacks.has(endpoint)) {
      send(403, { code: 'access_denied', message: 'You are not authorized to perform this action.' });
      return;
    }
    if (!this.driftPaused) this.onRequest?.({ path: url.pathname, query: url.searchParams, number }, this);
    try {
      switch (endpoint) {
        case 'tickets':
          return this.listTickets(url, send);
        case 'agents':
          return this.listPaged(url, this.agents, send);
        case 'groups':
          return this.listPaged(url, this.groups, send);
        case 'business_hours':
          return this.listPaged(url, this.businessHours, send);
        case 'sla_policies':
          return send(200, this.slaPolicies);
        case 'ticket_fields':
          return send(200, this.ticketFields);
        default:
          return send(404, { code: 'not_found', message: `No route ${url.pathname}` });
      }
    } catch (error) {
      send(400, { description: 'Validation failed', errors: [{ field: 'query', message: (error as Error).message, code: 'invalid_value' }] });
    }
  }

  private rateLimitHeaders(): Record<string, string> {
    if (!this.rateLimit) return { 'X-RateLimit-Total': '1000000', 'X-RateLimit-Remaining': '999999', 'X-RateLimit-Used-CurrentRequest': '1' };
    return {
      'X-RateLimit-Total': String(this.rateLimit.perWindow),
      'X-RateLimit-Remaining': String(Math.max(0, this.rateLimit.perWindow - this.callTimes.length)),
      'X-RateLimit-Used-CurrentRequest': String(this.currentCost),
    };
  }

  private paging(url: URL): { page: number; perPage: number } | { error: unknown } {
    const page = url.searchParams.has('page') ? Number(url.searchParams.get('page')) : 1;
    const perPage = url.searchParams.has('per_page') ? Number(url.searchParams.get('per_page')) : DEFAULT_PER_PAGE;
    if (!Number.isInteger(page) || page < 1) return { error: { description: 'Validation failed', errors: [{ field: 'page', message: 'It should be a Positive Number', code: 'invalid_value' }] } };
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) {
      return { error: { description: 'Validation failed', errors: [{ field: 'per_page', message: `It should be a Positive Number less than or equal to ${MAX_PER_PAGE}`, code: 'invalid_value' }] } };
    }
    return { page, perPage };
  }

  private linkHeader(url: URL, page: number, full: boolean): Record<string, string> {
    if (!full) return {};
    const next = new URL(url.toString());
    next.searchParams.set('page', String(page + 1));
    return { Link: `<${next.toString()}>; rel="next"` };
  }

  private listPaged(url: URL, items: readonly unknown[], send: (status: number, body: unknown, headers?: Record<string, string>) => void): void {
    const paging = this.paging(url);
    if ('error' in paging) return send(400, paging.error);
    const start = (paging.page - 1) * paging.perPage;
    const page = items.slice(start, start + paging.perPage);
    send(200, page, this.linkHeader(url, paging.page, page.length === paging.perPage));
  }

  private listTickets(url: URL, send: (status: number, body: unknown, headers?: Record<string, string>) => void): void {
    const q = url.searchParams;
    const paging = this.paging(url);
    if ('error' in paging) return send(400, paging.error);
    if (paging.page > MAX_PAGE) return send(400, { description: 'Validation failed', errors: [{ field: 'page', message: PAGE_CAP_MESSAGE, code: 'invalid_value' }] });
    const filter = q.get('filter') ?? '';
    if (!['', 'spam', 'deleted'].includes(filter)) throw new Error(`filter ${filter} is not implemented by the test server`);
    const orderBy = q.get('order_by') ?? 'created_at';
    const orderType = q.get('order_type') ?? 'desc';
    if (!['created_at', 'updated_at', 'due_by', 'status'].includes(orderBy)) throw new Error(`It should be one of these values: 'created_at,due_by,updated_at,status'`);
    if (!['asc', 'desc'].includes(orderType)) throw new Error(`It should be one of these values: 'asc,desc'`);
    const includes = new Set((q.get('include') ?? '').split(',').filter((s) => s.length > 0));
    for (const inc of includes) if (!['stats', 'requester', 'description'].includes(inc)) throw new Error(`include ${inc} is not valid`);
    let list = this.sortedTickets(filter, orderBy, orderType);
    const since = q.get('updated_since');
    if (since !== null) {
      const sinceMs = Date.parse(since);
      if (!Number.isFinite(sinceMs)) throw new Error('updated_since: It should be in the \'yyyy-mm-ddThh:mm:ssZ\' format');
      const sinceSeconds = Math.floor(sinceMs / 1000);
      if (orderBy === 'updated_at' && orderType === 'asc') {
        // Binary search: the list is sorted by updated_at.
        let lo = 0;
        let hi = list.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (seconds(list[mid].updated_at) < sinceSeconds) lo = mid + 1;
          else hi = mid;
        }
        list = list.slice(lo);
      } else {
        list = list.filter((t) => seconds(t.updated_at) >= sinceSeconds);
      }
    } else {
      // Without updated_since: only tickets created in the last 30 days.
      const from = this.clock - 30 * DAY_SECONDS;
      list = list.filter((t) => seconds(t.created_at) >= from);
    }
    const start = (paging.page - 1) * paging.perPage;
    const page = list.slice(start, start + paging.perPage).map((t) => this.asListed(t, includes, filter === 'deleted'));
    send(200, page, this.linkHeader(url, paging.page, page.length === paging.perPage));
  }

  private sortedTickets(filter: string, orderBy: string, orderType: string): ServerTicket[] {
    const key = `${filter}|${orderBy}|${orderType}`;
    const cached = this.sorted.get(key);
    if (cached && cached.version === this.version) return cached.tickets;
    const keep = filter === 'deleted' ? (t: ServerTicket) => t.deleted : filter === 'spam' ? (t: ServerTicket) => t.spam && !t.deleted : (t: ServerTicket) => !t.spam && !t.deleted;
    const sortKey = (t: ServerTicket): number | string => (orderBy === 'status' ? t.status : (t as unknown as Record<string, string>)[orderBy]);
    const tie = this.tieOrder === 'id' ? (t: ServerTicket) => t.id : (t: ServerTicket) => scrambled(t.id);
    const sign = orderType === 'asc' ? 1 : -1;
    const tickets = [...this.tickets.values()].filter(keep).sort((a, b) => {
      const ka = sortKey(a);
      const kb = sortKey(b);
      if (ka < kb) return -sign;
      if (ka > kb) return sign;
      return tie(a) - tie(b);
    });
    this.sorted.set(key, { version: this.version, tickets });
    return tickets;
  }

  private asListed(t: ServerTicket, includes: ReadonlySet<string>, deleted: boolean): Record<string, unknown> {
    const { stats, description_text, requester, deleted: _deleted, ...fields } = t;
    const listed: Record<string, unknown> = { ...fields, tags: [...t.tags], custom_fields: { ...t.custom_fields } };
    if (deleted) listed.deleted = true;
    if (includes.has('stats')) listed.stats = { ...stats };
    if (includes.has('requester')) listed.requester = { ...requester, mobile: null, phone: null };
    if (includes.has('description')) {
      listed.description = `<div>${description_text}</div>`;
      listed.description_text = description_text;
    }
    return listed;
  }
}

function defaultTicketFields(): Record<string, unknown>[] {
  return [
    {
      id: 1,
      name: 'status',
      label: 'Status',
      type: 'default_status',
      default: true,
      choices: {
        '2': ['Open', 'Being Processed'],
        '3': ['Pending', 'Awaiting your Reply'],
        '4': ['Resolved', 'This ticket has been Resolved'],
        '5': ['Closed', 'This ticket has been Closed'],
        '6': ['Waiting on Customer', 'Awaiting your Reply'],
        '7': ['Waiting on Third Party', 'Being Processed'],
      },
    },
    { id: 2, name: 'priority', label: 'Priority', type: 'default_priority', default: true, choices: { Low: 1, Medium: 2, High: 3, Urgent: 4 } },
    { id: 3, name: 'source', label: 'Source', type: 'default_source', default: true, choices: { Email: 1, Portal: 2, Phone: 3, Chat: 7, 'Feedback Widget': 9, 'Outbound Email': 10 } },
    { id: 4, name: 'cf_order_number', label: 'Order number', type: 'custom_text', default: false },
  ];
}

export interface SeedAccountOptions {
  readonly tickets: number;
  readonly seed?: string;
  /** First created_at, epoch seconds. @default two years before the server clock */
  readonly from?: number;
  /** Share of tickets in bulk edits (tie blocks). @default 0.1 */
  readonly tieShare?: number;
  /** Size range of a tie block. @default [2, 250] */
  readonly tieSize?: readonly [number, number];
  /** @default 0.02 */
  readonly spamShare?: number;
  /** @default 0.02 */
  readonly deletedShare?: number;
  readonly agents?: number;
  readonly groups?: number;
}

/**
 * Fills the server with an account's history: tickets created over the period, most updated once
 * at a second of their own, some in bulk edits that give many tickets one updated_at, some spam
 * or deleted; plus agents and groups the tickets refer to.
 */
/**
 * Changes the account while a sync lists it: every third ticket-list request, two seconds on, one
 * ticket is deleted, marked spam, resolved or reopened, or 150 get a bulk edit (a tie block that
 * moves). The drift of the sync benchmark's done-when case and of `--drift` below.
 */
export function driftWhileListing(server: FakeFreshdesk): void {
  let calls = 0;
  const n = server.tickets.size;
  server.onRequest = (request, s) => {
    if (request.path !== '/api/v2/tickets' || ++calls % 3 !== 0) return;
    s.advance(2);
    const id = 1 + ((calls * 7919) % n);
    if (calls % 15 === 0) s.update(id, { deleted: true });
    else if (calls % 9 === 0) s.update(id, { spam: true });
    else if (calls % 21 === 0) s.update(Array.from({ length: 150 }, (_, i) => 1 + ((id + i) % n)), { priority: 4, responder_id: null });
    else s.update(id, { status: calls % 2 === 0 ? 4 : 2 });
  };
}

/**
 * Ids whose latest state in a local lake (ticket_latest_state: updated_at, status, spam, deleted)
 * differs from the server's, and -1 when the lake holds another number of tickets.
 */
export async function lakeDifferences(lakeDir: string, server: FakeFreshdesk): Promise<number[]> {
  // Loaded here: the server also runs alone (serveFromCommandLine), without DuckDB.
  const { LocalEngine } = await import('../lib/engines/local-engine');
  const { readLakeStates } = await import('../lib/freshdesk/reconcile');
  const engine = await LocalEngine.open({ lakeDir, cache: false });
  try {
    const lake = await readLakeStates(engine);
    const wrong: number[] = [];
    for (const [id, truth] of server.truth()) {
      const ours = lake.get(id);
      if (!ours || ours.updatedAtMs !== Date.parse(truth.updated_at) || ours.status !== truth.status || ours.spam !== truth.spam || ours.deleted !== truth.deleted) wrong.push(id);
    }
    if (lake.size !== server.tickets.size) wrong.push(-1);
    return wrong;
  } finally {
    await engine.close();
  }
}

export function seedAccount(server: FakeFreshdesk, options: SeedAccountOptions): void {
  const random = new SeededRandom(options.seed ?? 'freshdesk-account');
  const agents = options.agents ?? 12;
  const groups = options.groups ?? 4;
  for (let g = 1; g <= groups; g++) server.groups.push({ id: 90_000 + g, name: `Group ${g}`, description: `Support group ${g}`, business_hour_id: 1 });
  for (let a = 1; a <= agents; a++) server.agents.push({ id: 23_000_000 + a, contact: { name: `Agent ${a}`, email: `agent${a}@example.com` }, type: 'support_agent', available: true });
  const to = server.clock - 60;
  const from = options.from ?? to - 2 * 365 * DAY_SECONDS;
  const span = to - from;
  const n = options.tickets;
  const tieShare = options.tieShare ?? 0.1;
  const [tieMin, tieMax] = options.tieSize ?? [2, 250];
  const created: number[] = [];
  for (let i = 0; i < n; i++) created.push(from + Math.floor((span * i) / n));
  const firstId = server.tickets.size + 1;
  for (let i = 0; i < n; i++) {
    const c = created[i];
    const status = random.weighted([[2, 3], [3, 1], [4, 3], [5, 4], [6, 1], [7, 0.5]] as const);
    server.addTicket({
      id: firstId + i,
      created: c,
      updated: Math.min(to, c + random.int(60, 5 * DAY_SECONDS)),
      status,
      priority: random.int(1, 4),
      source: random.pick([1, 2, 3, 7]),
      group_id: random.chance(0.9) ? 90_000 + random.int(1, groups) : null,
      responder_id: random.chance(0.8) ? 23_000_000 + random.int(1, agents) : null,
      spam: random.chance(options.spamShare ?? 0.02),
      deleted: random.chance(options.deletedShare ?? 0.02),
    });
  }
  // Bulk edits: blocks of tickets moved to one updated_at.
  let tied = 0;
  while (tied < n * tieShare) {
    const size = Math.min(n, random.int(tieMin, tieMax));
    const start = firstId + random.int(0, Math.max(0, n - size));
    const at = Math.min(to, seconds(server.tickets.get(start + size - 1)!.created_at) + random.int(60, 10 * DAY_SECONDS));
    const ids: number[] = [];
    for (let id = start; id < start + size && id < firstId + n; id++) if (seconds(server.tickets.get(id)!.created_at) <= at) ids.push(id);
    const saved = server.clock;
    server.clock = at;
    server.update(ids, { tags: ['bulk'] });
    server.clock = saved;
    tied += ids.length;
  }
}

/**
 * A sync sink that keeps everything in memory, for tests and benchmarks of the crawl and the
 * sync core: the latest version per ticket (ordered as the views order it: updated_at, then the
 * spam/deleted version), the dimensions, the checkpoint. `killAfterWrites` kills the "process" at
 * that writeTickets call: it and every later call throw 'killed' (a dead process writes nothing
 * more, not even a last checkpoint); restart() then drops what was buffered and not flushed.
 */
export class MemorySyncSink implements SyncSink {
  /** Versions made durable by flush(). */
  readonly durable = new Map<number, FreshdeskApiTicket>();
  readonly dimensions = new Map<string, readonly DimensionRow[]>();
  checkpoint: SyncCheckpoint | undefined;
  checkpointsWritten = 0;
  ticketWrites = 0;
  versionsWritten = 0;
  killAfterWrites?: number;
  private killed = false;
  private pending: FreshdeskApiTicket[] = [];

  async writeTickets(tickets: readonly FreshdeskApiTicket[]): Promise<void> {
    this.ticketWrites++;
    if (this.killAfterWrites !== undefined && this.ticketWrites >= this.killAfterWrites) this.killed = true;
    this.throwIfKilled();
    this.versionsWritten += tickets.length;
    this.pending.push(...tickets.map((t) => ({ ...t })));
  }

  /** The process starts again: buffered records are gone, durable ones and the checkpoint stay. */
  restart(): void {
    this.killed = false;
    this.killAfterWrites = undefined;
    this.pending = [];
  }

  async flush(): Promise<void> {
    this.throwIfKilled();
    for (const ticket of this.pending) {
      const had = this.durable.get(ticket.id);
      if (!had || latestOrder(ticket) >= latestOrder(had)) this.durable.set(ticket.id, ticket);
    }
    this.pending = [];
  }

  private throwIfKilled(): void {
    if (this.killed) throw new Error('killed');
  }

  async writeDimension(name: DimensionName, rows: readonly DimensionRow[]): Promise<void> {
    this.throwIfKilled();
    this.dimensions.set(name, rows);
  }

  async readCheckpoint(): Promise<SyncCheckpoint | undefined> {
    return this.checkpoint;
  }

  async writeCheckpoint(checkpoint: SyncCheckpoint): Promise<void> {
    this.throwIfKilled();
    this.checkpoint = JSON.parse(JSON.stringify(checkpoint)) as SyncCheckpoint;
    this.checkpointsWritten++;
  }

  /** Ids whose durable latest state differs from the server's (or is missing). */
  differences(server: FakeFreshdesk): number[] {
    const wrong: number[] = [];
    for (const [id, truth] of server.truth()) {
      const ours = this.durable.get(id);
      if (!ours || ours.updated_at !== truth.updated_at || ours.status !== truth.status || (ours.deleted === true) !== truth.deleted || ours.spam !== truth.spam) wrong.push(id);
    }
    return wrong;
  }
}

/** The views' order for one ticket's versions: updated_at, then the spam/deleted version last. */
function latestOrder(ticket: FreshdeskApiTicket): string {
  return `${ticket.updated_at}|${ticket.spam === true ? 1 : 0}${ticket.deleted === true ? 1 : 0}`;
}

/**
 * `npx tsx test/freshdesk-server.ts [tickets] [calls-per-window] [window-ms] [--drift]`: serves a
 * seeded account on 127.0.0.1 (API key "test-key") until Ctrl-C, to run `freshlake sync` against by
 * hand. With --drift, tickets change while a sync pages (GET /__test/drift?on=0 pauses that).
 * GET /__test/truth gives the counts a synced lake must show (both need the API key, like the API).
 */
async function serveFromCommandLine(args: readonly string[]): Promise<void> {
  const [tickets = '32000', perWindow, windowMs] = args.filter((a) => !a.startsWith('--'));
  const server = new FakeFreshdesk({ rateLimit: perWindow ? { perWindow: Number(perWindow), windowMs: Number(windowMs ?? 60_000) } : undefined });
  seedAccount(server, { tickets: Number(tickets) });
  if (args.includes('--drift')) driftWhileListing(server);
  const url = await server.start();
  process.stdout.write(`${url}\n`);
  process.on('SIGINT', () => void server.close().then(() => process.exit(0)));
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

if (require.main === module) void serveFromCommandLine(process.argv.slice(2));
