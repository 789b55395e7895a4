/**
 * The ticket crawl: every ticket version in `GET /api/v2/tickets` updated since a point in time,
 * exactly once, whatever the account's size and whatever changes while it runs.
 *
 * The list is live and offset-paged, so positions are never trusted:
 *
 * 1. Every request is `updated_since=<cursor>&order_by=updated_at&order_type=asc&per_page=100`,
 *    and after each page the crawl restarts at page 1 with the cursor = the page's last
 *    `updated_at` (updated_since is inclusive). A ticket updated meanwhile moves to the end and
 *    is seen again with its new version; tickets shifting forward cannot fall between two pages,
 *    because the next request starts from a time, not from an offset. The page cap (400 beyond
 *    page 300) is never reached, and the 30-day default window never applies.
 * 2. A restart returns the cursor's second again: versions already emitted (same id, same or
 *    older updated_at) are dropped, so nothing is duplicated.
 * 3. A page made only of the cursor's second is a tie block at least a page long (a bulk edit):
 *    there the crawl must page by offset (page 2, 3, ... at the same cursor). If a ticket of that
 *    block that was already read is updated while the block is paged, it leaves the block and
 *    the tickets behind it shift forward: one may be skipped. Where the offset page that leaves
 *    the block (or ends the list) begins matters:
 *    - inside the block: whatever was skipped has the block's updated_at, and every ticket after
 *      the block is on that page or at/after its last updated_at (a change moves a ticket to the
 *      end, at the clock's second), so the crawl reads on from that page's last updated_at like
 *      after any page (and stops there if the page was short: the rest of the list was on it);
 *    - past the block: the first tickets after the block may have been skipped too, and so may
 *      the departed tickets themselves (few tickets behind the block, later changes filling the
 *      page: nothing would show the departure), so the crawl reads on from the block's next second.
 *    Either way every departure is detected (the departed ticket comes back later in the crawl
 *    with a newer updated_at), and the block is then read again before the crawl ends, until a
 *    pass finds nothing new.
 * 4. A tie block longer than 300 pages (30,000 tickets with one updated_at) cannot be paged past
 *    with the list API alone: the crawl stops with TieBlockTooLargeError rather than skip them.
 * 5. The default, spam and deleted lists are crawled one after another with one ledger of
 *    versions, because a ticket marked spam or deleted moves from one list to another (and leaves
 *    a tie block as surely as an update does). Such a departure into a list already read shows
 *    only in that list's tail: so after the first pass, the lists before the last one that paged
 *    a tie block by offset are read again from their cursors, once (a call each if nothing moved).
 *    When some tie block needs a second read, every list's tail is read again afterwards, until a
 *    round finds nothing new. Updates made before a list's last request are in that request's
 *    answer (it starts from a time, not an offset).
 *
 * `onSafePoint(point)` says "a crawl started at updated_since = point.updatedSince that first
 * re-reads the tie blocks point.tieBlocks loses nothing": the cursor, plus the blocks paged by
 * offset whose departures cannot be ruled out before the crawl ends. The caller writes it as the
 * checkpoint once the tickets handed over so far are durable; a resumed crawl gets the blocks
 * back as `recheckTieBlocks` (a skipped ticket is still in its block, or, if it changed since,
 * at the end of the list, after the cursor).
 */
import { RemoteError } from '../errors';
import type { FreshdeskApiTicket } from '../ticket-snapshot';
import type { FreshdeskClient } from './client';

/** Freshdesk's largest page. */
export const TICKETS_PER_PAGE = 100;
/** Pages beyond this answer 400 ("You cannot access tickets beyond the 300th page"). */
export const TICKET_PAGE_CAP = 300;

/** Which list: the default one (neither spam nor deleted), `filter=spam`, or `filter=deleted`. */
export type TicketListFilter = 'default' | 'spam' | 'deleted';

/** More tickets share one updated_at than the API can page through. */
export class TieBlockTooLargeError extends RemoteError {}

export interface TicketListSpec {
  readonly filter: TicketListFilter;
  /** ISO-8601; the crawl lists tickets updated at or after this second. */
  readonly updatedSince: string;
  /** Tie blocks (ISO-8601 seconds) an interrupted crawl paged by offset: read again by this one. */
  readonly recheckTieBlocks?: readonly string[];
}

/** A resumable point of one list. */
export interface SafePoint {
  readonly updatedSince: string;
  /** Tie blocks to read again when resuming from this point (ISO-8601 seconds). */
  readonly tieBlocks: readonly string[];
}

export interface TicketCrawlOptions {
  readonly client: FreshdeskClient;
  readonly lists: readonly TicketListSpec[];
  /** `include=` values. @default ['stats'] */
  readonly include?: readonly string[];
  /** @default TICKETS_PER_PAGE */
  readonly perPage?: number;
  /** @default TICKET_PAGE_CAP */
  readonly pageCap?: number;
  /**
   * Versions the caller already has (e.g. the checkpoint's overlap window): id -> updated_at ms.
   * They count as repeated and are not handed over again.
   */
  readonly known?: ReadonlyMap<number, number>;
  /** New ticket versions, in the order read. The crawl waits for it (backpressure). */
  readonly onTickets: (filter: TicketListFilter, tickets: readonly FreshdeskApiTicket[]) => Promise<void>;
  /** A resumable point of one list (see the module comment); called after onTickets of that page resolved. */
  readonly onSafePoint?: (filter: TicketListFilter, point: SafePoint) => Promise<void>;
  /** After every list request. */
  readonly onPage?: (stats: Readonly<TicketCrawlStats>) => void;
  readonly signal?: AbortSignal;
}

export interface TicketCrawlStats {
  /** Ticket versions handed to onTickets. */
  emitted: number;
  /** Versions listed again that the caller already had (`known`: the checkpoint's overlap). */
  unchanged: number;
  /** Versions this crawl listed twice (a restart re-reads the cursor's second). */
  repeated: number;
  /** Versions older than one already emitted for the same ticket (read again after it changed). */
  superseded: number;
  /** List requests answered. */
  pages: number;
  /** Pages read by offset inside a tie block. */
  tiePages: number;
  /** Tie blocks read a second time after a ticket left them while they were paged. */
  tieRereads: number;
  /** Settle rounds (tails read again after tie blocks were re-read). */
  settleRounds: number;
}

export interface TicketListResult {
  readonly filter: TicketListFilter;
  /** Where the next crawl of this list can start (before any overlap). */
  readonly nextUpdatedSince: string;
  /** Latest updated_at listed, when any ticket was. */
  readonly maxUpdatedAt?: string;
}

export interface TicketCrawlResult extends TicketCrawlStats {
  readonly lists: readonly TicketListResult[];
  /** Versions emitted, id -> updated_at ms. */
  readonly emittedVersions: ReadonlyMap<number, number>;
}

/** Second-precision ISO form the API expects in updated_since. */
export function isoSecond(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** A ticket's updated_at in ms, truncated to the second (the API's precision). */
export function updatedAtMs(ticket: FreshdeskApiTicket): number {
  const ms = Date.parse(ticket.updated_at);
  if (!Number.isFinite(ms)) throw new RemoteError(`Freshdesk listed ticket ${ticket.id} with an unreadable updated_at; the sync cannot order it.`);
  return Math.floor(ms / 1000) * 1000;
}

const MAX_SETTLE_ROUNDS = 50;

interface BlockRef {
  readonly list: ListCrawler;
  readonly blockMs: number;
}

/** What the lists share: the latest version emitted per ticket, and the tie block each was read in. */
class VersionLedger {
  readonly emitted = new Map<number, number>();
  readonly blockOf = new Map<number, BlockRef>();
  readonly stats: TicketCrawlStats = { emitted: 0, unchanged: 0, repeated: 0, superseded: 0, pages: 0, tiePages: 0, tieRereads: 0, settleRounds: 0 };
  constructor(readonly known: ReadonlyMap<number, number>) {}
}

class ListCrawler {
  cursorMs: number;
  maxSeen = -Infinity;
  /** Tie blocks paged by offset (updated_at ms); kept until the crawl ends. */
  readonly tieBlocks = new Set<number>();
  /** Tie blocks a ticket left after it was read there: they need a second read. */
  readonly dirtyBlocks = new Set<number>();
  readonly startMs: number;

  constructor(
    readonly spec: TicketListSpec,
    private readonly ledger: VersionLedger,
    private readonly options: TicketCrawlOptions,
    private readonly perPage: number,
    private readonly pageCap: number,
  ) {
    const ms = Date.parse(spec.updatedSince);
    if (!Number.isFinite(ms)) throw new RemoteError(`"${spec.updatedSince}" is not an ISO-8601 time.`);
    this.startMs = Math.floor(ms / 1000) * 1000;
    this.cursorMs = this.startMs;
    for (const block of spec.recheckTieBlocks ?? []) {
      const blockMs = Math.floor(Date.parse(block) / 1000) * 1000;
      if (!Number.isFinite(blockMs)) continue;
      this.tieBlocks.add(blockMs);
      this.dirtyBlocks.add(blockMs);
    }
  }

  private async listPage(cursorMs: number, page: number): Promise<FreshdeskApiTicket[]> {
    const { signal, client, include } = this.options;
    if (signal?.aborted) throw signal.reason;
    const response = await client.get<unknown>('tickets', {
      updated_since: isoSecond(cursorMs),
      order_by: 'updated_at',
      order_type: 'asc',
      per_page: this.perPage,
      page,
      include: (include ?? ['stats']).join(',') || undefined,
      filter: this.spec.filter === 'default' ? undefined : this.spec.filter,
    });
    this.ledger.stats.pages++;
    if (!Array.isArray(response.body)) throw new RemoteError('Freshdesk answered the ticket list with something other than a JSON array; check that --url points at the Freshdesk API.');
    return response.body as FreshdeskApiTicket[];
  }

  /** Hands over the versions that are new; returns how many were. */
  private async take(tickets: readonly FreshdeskApiTicket[]): Promise<number> {
    const { ledger } = this;
    const fresh: FreshdeskApiTicket[] = [];
    for (const ticket of tickets) {
      const at = updatedAtMs(ticket);
      if (at > this.maxSeen) this.maxSeen = at;
      const emitted = ledger.emitted.get(ticket.id);
      const had = emitted ?? ledger.known.get(ticket.id);
      if (had !== undefined && had >= at) {
        if (had > at) ledger.stats.superseded++;
        else if (emitted === undefined) ledger.stats.unchanged++;
        else ledger.stats.repeated++;
        continue;
      }
      // A ticket read in a tie block that comes back newer left that block: the tickets behind
      // it shifted forward, and one may have fallen between two of the block's pages.
      const block = ledger.blockOf.get(ticket.id);
      if (block !== undefined && at > block.blockMs) {
        block.list.dirtyBlocks.add(block.blockMs);
        ledger.blockOf.delete(ticket.id);
      }
      ledger.emitted.set(ticket.id, at);
      fresh.push(this.spec.filter === 'deleted' && ticket.deleted === undefined ? { ...ticket, deleted: true } : ticket);
    }
    if (fresh.length > 0) {
      ledger.stats.emitted += fresh.length;
      await this.options.onTickets(this.spec.filter, fresh);
    }
    return fresh.length;
  }

  private noteBlockMembers(tickets: readonly FreshdeskApiTicket[], blockMs: number): void {
    this.tieBlocks.add(blockMs);
    for (const t of tickets) if (updatedAtMs(t) === blockMs) this.ledger.blockOf.set(t.id, { list: this, blockMs });
  }

  /** The cursor and the tie blocks that may still need a second read. */
  async safePoint(): Promise<void> {
    const tieBlocks = [...this.tieBlocks].sort((a, b) => a - b).map(isoSecond);
    await this.options.onSafePoint?.(this.spec.filter, { updatedSince: isoSecond(this.cursorMs), tieBlocks });
  }

  /** Reads from the cursor to the end of the list; returns how many new versions it read. */
  async readForward(): Promise<number> {
    let page = 1;
    let fresh = 0;
    for (;;) {
      const tickets = await this.listPage(this.cursorMs, page);
      fresh += await this.take(tickets);
      if (page > 1) {
        this.ledger.stats.tiePages++;
        this.noteBlockMembers(tickets, this.cursorMs);
      }
      this.options.onPage?.(this.ledger.stats);
      // An offset page (page > 1) that begins inside the tie block: whatever it skipped is in the
      // block (re-read if dirty); every ticket behind the block is on it or after its last second.
      const beginsInBlock = tickets.length > 0 && updatedAtMs(tickets[0]) === this.cursorMs;
      if (tickets.length < this.perPage) {
        if (page === 1) return fresh;
        if (beginsInBlock) {
          // The rest of the list, a ticket that left the block before this request included.
          this.cursorMs = Math.max(updatedAtMs(tickets[tickets.length - 1]), this.cursorMs + 1000);
          return fresh;
        }
        // The list ended by offset past the block: tickets that left the block meanwhile moved
        // to the end, which may now lie before this offset. Read on from a time instead.
        this.cursorMs += 1000;
        page = 1;
        continue;
      }
      const lastMs = updatedAtMs(tickets[tickets.length - 1]);
      if (lastMs > this.cursorMs) {
        // Restart from a time, never trust page N+1. An offset page that begins past the block
        // may have skipped tickets *after* it: when tickets left the block meanwhile, everything
        // behind them shifted forward, the first tickets after the block (or the departed ones
        // themselves, at the end of a short list) before this offset. Re-reading the block only
        // lists its own second, so read on from the second after the block in that case.
        this.cursorMs = page > 1 && !beginsInBlock ? this.cursorMs + 1000 : lastMs;
        page = 1;
        await this.safePoint();
        continue;
      }
      // The whole page is the cursor's second: a tie block at least a page long, paged by offset.
      if (page === 1) this.noteBlockMembers(tickets, this.cursorMs);
      if (page >= this.pageCap) {
        throw new TieBlockTooLargeError(
          `More than ${(this.pageCap * this.perPage).toLocaleString('en-US')} tickets share updated_at ${isoSecond(this.cursorMs)} (one bulk change): the ticket list stops at page ${this.pageCap}, so the rest of that second cannot be listed. Tickets before it are synced; "freshlake sync --since ${isoSecond(this.cursorMs + 1000)}" syncs what follows.`,
        );
      }
      page++;
    }
  }

  /** Reads the dirty tie blocks again by offset, each from its first page until it ends. */
  async rereadDirtyBlocks(): Promise<number> {
    let fresh = 0;
    for (const blockMs of [...this.dirtyBlocks].sort((a, b) => a - b)) {
      this.dirtyBlocks.delete(blockMs);
      this.ledger.stats.tieRereads++;
      for (let page = 1; page <= this.pageCap; page++) {
        const tickets = await this.listPage(blockMs, page);
        // Newer versions are the tails' business (read after this).
        const inBlock = tickets.filter((t) => updatedAtMs(t) === blockMs);
        fresh += await this.take(inBlock);
        this.noteBlockMembers(inBlock, blockMs);
        this.options.onPage?.(this.ledger.stats);
        if (tickets.length < this.perPage || updatedAtMs(tickets[tickets.length - 1]) > blockMs) break;
      }
    }
    return fresh;
  }

  result(): TicketListResult {
    const next = Number.isFinite(this.maxSeen) ? Math.max(this.maxSeen, this.startMs) : this.startMs;
    return { filter: this.spec.filter, nextUpdatedSince: isoSecond(next), maxUpdatedAt: Number.isFinite(this.maxSeen) ? isoSecond(this.maxSeen) : undefined };
  }

  /** At the end: every block read clean; the next crawl starts at the latest updated_at listed. */
  async finish(): Promise<void> {
    this.tieBlocks.clear();
    this.cursorMs = Math.max(this.cursorMs, Number.isFinite(this.maxSeen) ? this.maxSeen : this.startMs);
    await this.safePoint();
  }
}

/** Crawls the ticket lists (see the module comment). */
export async function crawlTickets(options: TicketCrawlOptions): Promise<TicketCrawlResult> {
  const perPage = options.perPage ?? TICKETS_PER_PAGE;
  const pageCap = options.pageCap ?? TICKET_PAGE_CAP;
  const ledger = new VersionLedger(options.known ?? new Map());
  const crawlers = options.lists.map((spec) => new ListCrawler(spec, ledger, options, perPage, pageCap));
  for (const crawler of crawlers) await crawler.readForward();
  // A ticket that left a tie block for a list already read (spam, deleted, restored) shows only in
  // that list's tail: read the tails of the lists before the last one that paged a block once
  // (unless a block is dirty already: settling reads every tail after the re-reads).
  const lastPaged = crawlers.reduce((last, c, i) => (c.tieBlocks.size > 0 ? i : last), -1);
  if (!crawlers.some((c) => c.dirtyBlocks.size > 0)) for (const crawler of crawlers.slice(0, Math.max(lastPaged, 0))) await crawler.readForward();
  // Settle: tie blocks that lost a ticket are read again, then every tail, until nothing is dirty.
  while (crawlers.some((c) => c.dirtyBlocks.size > 0)) {
    if (ledger.stats.settleRounds >= MAX_SETTLE_ROUNDS) {
      throw new RemoteError(`The ticket lists kept changing during ${MAX_SETTLE_ROUNDS} rounds of re-reads; run the same command again (it resumes from the checkpoint).`);
    }
    ledger.stats.settleRounds++;
    for (const crawler of crawlers) await crawler.rereadDirtyBlocks();
    for (const crawler of crawlers) await crawler.readForward();
  }
  for (const crawler of crawlers) await crawler.finish();
  return { ...ledger.stats, lists: crawlers.map((c) => c.result()), emittedVersions: ledger.emitted };
}
