/**
 * Reconciliation (`freshlake sync --check`): does the lake's latest state of each ticket match
 * Freshdesk's? The API side is the same crawl a sync makes (default, spam and deleted lists,
 * updated since the period's start), kept in memory instead of written; the lake side is
 * `ticket_latest_state` (one row per ticket, spam and deleted included) on any QueryEngine.
 *
 * Differences, as counts and ids:
 * - missing: Freshdesk lists the ticket, the lake has no row for it;
 * - stale: the lake's latest version is older than Freshdesk's (or, at the same updated_at, has
 *   another status, spam or deleted flag);
 * - wrongly open: of those, the lake counts the ticket as unresolved (status not Resolved/Closed,
 *   not spam, not deleted) while Freshdesk does not: it inflates the backlog;
 * - not in Freshdesk: the lake has a ticket (not marked deleted) updated in the period that no
 *   list returns (purged after deletion before a sync saw it, or from another account).
 * A normal sync repairs missing and stale tickets: the check says so.
 */
import { DONE_STATUSES } from '../freshdesk-codes';
import type { QueryEngine, RowValue } from '../engines/engine';
import type { FreshdeskApiTicket } from '../ticket-snapshot';
import { TICKET_LATEST_STATE_VIEW } from '../views';
import type { FreshdeskClient } from './client';
import { crawlTickets, isoSecond, updatedAtMs } from './ticket-crawl';
import { TICKET_LISTS } from './sync';

/** How many ids each difference lists (all are counted). */
export const MAX_LISTED_IDS = 100;

/** What the check compares of a ticket. */
export interface TicketState {
  readonly id: number;
  /** updated_at, epoch ms (second precision). */
  readonly updatedAtMs: number;
  readonly status: number | null;
  readonly spam: boolean;
  readonly deleted: boolean;
}

export interface TicketDifference {
  readonly count: number;
  /** The first MAX_LISTED_IDS ids, ascending. */
  readonly ids: readonly number[];
}

export interface ReconcileReport {
  /** Start of the period compared (tickets updated at or after it in Freshdesk). */
  readonly since: string;
  /** Tickets Freshdesk lists for the period (all three lists). */
  readonly apiTickets: number;
  /** Tickets in the lake updated in the period. */
  readonly lakeTickets: number;
  readonly matching: number;
  readonly missing: TicketDifference;
  readonly stale: TicketDifference;
  readonly wronglyOpen: TicketDifference;
  readonly notInFreshdesk: TicketDifference;
  /** True when nothing differs. */
  readonly inSync: boolean;
  readonly calls: number;
  readonly elapsedMs: number;
}

/** Unresolved in Freshdesk's sense: any status but Resolved/Closed, and neither spam nor deleted. */
export function isOpen(state: TicketState): boolean {
  return !state.spam && !state.deleted && state.status !== null && !DONE_STATUSES.includes(state.status);
}

function apiState(ticket: FreshdeskApiTicket): TicketState {
  return { id: ticket.id, updatedAtMs: updatedAtMs(ticket), status: typeof ticket.status === 'number' ? ticket.status : null, spam: ticket.spam === true, deleted: ticket.deleted === true };
}

/** Engine timestamp text (`YYYY-MM-DD HH:MM:SS.mmm`, UTC) to epoch ms, truncated to the second. */
function timestampMs(value: RowValue): number {
  const ms = Date.parse(`${String(value).replace(' ', 'T')}Z`);
  return Math.floor(ms / 1000) * 1000;
}

/** The lake's latest state of every ticket (ticket_latest_state: spam and deleted included). */
export async function readLakeStates(engine: QueryEngine, signal?: AbortSignal): Promise<Map<number, TicketState>> {
  const result = await engine.execute(`SELECT ticket_id, updated_at, status, spam, deleted FROM ${TICKET_LATEST_STATE_VIEW} WHERE ticket_id IS NOT NULL`, [], { signal });
  const states = new Map<number, TicketState>();
  for await (const page of result.pages) {
    for (const [id, updatedAt, status, spam, deleted] of page) {
      const ticketId = Number(id);
      states.set(ticketId, { id: ticketId, updatedAtMs: updatedAt === null ? -Infinity : timestampMs(updatedAt), status: status === null ? null : Number(status), spam: spam === true, deleted: deleted === true });
    }
  }
  return states;
}

function difference(ids: number[]): TicketDifference {
  ids.sort((a, b) => a - b);
  return { count: ids.length, ids: ids.slice(0, MAX_LISTED_IDS) };
}

/** Compares the two sides (pure: the test tables call it directly). */
export function compareStates(api: ReadonlyMap<number, TicketState>, lake: ReadonlyMap<number, TicketState>, sinceMs: number) {
  const missing: number[] = [];
  const stale: number[] = [];
  const wronglyOpen: number[] = [];
  const notInFreshdesk: number[] = [];
  let matching = 0;
  for (const [id, truth] of api) {
    const ours = lake.get(id);
    if (!ours) {
      missing.push(id);
      continue;
    }
    const differs = ours.updatedAtMs < truth.updatedAtMs || (ours.updatedAtMs === truth.updatedAtMs && (ours.status !== truth.status || ours.spam !== truth.spam || ours.deleted !== truth.deleted));
    if (!differs) {
      matching++;
      continue;
    }
    stale.push(id);
    if (isOpen(ours) && !isOpen(truth)) wronglyOpen.push(id);
  }
  let lakeTickets = 0;
  for (const [id, ours] of lake) {
    if (ours.updatedAtMs < sinceMs) continue;
    lakeTickets++;
    // A deleted ticket that Freshdesk has since purged is right in the lake as it is.
    if (!api.has(id) && !ours.deleted) notInFreshdesk.push(id);
  }
  return { matching, lakeTickets, missing: difference(missing), stale: difference(stale), wronglyOpen: difference(wronglyOpen), notInFreshdesk: difference(notInFreshdesk) };
}

export interface ReconcileOptions {
  readonly client: FreshdeskClient;
  /** ISO-8601 start of the period. */
  readonly since: string;
  /** The lake's latest states (readLakeStates over the local engine or Athena). */
  readonly lakeStates: () => Promise<ReadonlyMap<number, TicketState>>;
  readonly signal?: AbortSignal;
  readonly onProgress?: (tickets: number) => void;
}

export async function reconcile(options: ReconcileOptions): Promise<ReconcileReport> {
  const started = Date.now();
  const sinceMs = Math.floor(Date.parse(options.since) / 1000) * 1000;
  const since = isoSecond(sinceMs);
  const api = new Map<number, TicketState>();
  await crawlTickets({
    client: options.client,
    lists: TICKET_LISTS.map((filter) => ({ filter, updatedSince: since })),
    signal: options.signal,
    onTickets: async (_filter, tickets) => {
      for (const ticket of tickets) {
        const state = apiState(ticket);
        if ((api.get(ticket.id)?.updatedAtMs ?? -Infinity) <= state.updatedAtMs) api.set(ticket.id, state);
      }
      options.onProgress?.(api.size);
    },
  });
  const lake = await options.lakeStates();
  const compared = compareStates(api, lake, sinceMs);
  const inSync = compared.missing.count === 0 && compared.stale.count === 0 && compared.notInFreshdesk.count === 0;
  return { since, apiTickets: api.size, ...compared, inSync, calls: options.client.stats.calls, elapsedMs: Date.now() - started };
}
