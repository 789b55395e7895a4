/**
 * A ticket version read from the Freshdesk API (`GET /api/v2/tickets?include=stats`), as a lake
 * record: the same partner-event envelope Freshdesk's EventBridge app delivers, with a detail-type
 * of its own, so the table, the views and the saved queries read events and snapshots alike.
 *
 * - `time` is the ticket's `updated_at`: the snapshot lands in that day's partition, and the latest
 *   state (greatest updated_at) is whichever is newer, event or snapshot.
 * - `id` is derived from ticket id + `updated_at` (+ a spam/deleted mark): syncing the same version
 *   again writes the same id, which the views' dedupe removes, so re-syncing never duplicates.
 * - `detail.ticket` is the API ticket, with `stats` and `deleted` (lib/schema.ts). `detail.requester`
 *   carries the requester's id only: a sync never copies contact details into the lake.
 *
 * This module has no dependencies: the scheduled sync Lambda bundles it.
 */

/** `detail-type` of a ticket snapshot read from the API; partner events have `onTicket...`. */
export const TICKET_SNAPSHOT_DETAIL_TYPE = 'freshlake.ticketSnapshot';

/** `stats` of a ticket listed with `include=stats`: ISO-8601 UTC strings or null. */
export interface FreshdeskTicketStats {
  readonly agent_responded_at?: string | null;
  readonly requester_responded_at?: string | null;
  readonly first_responded_at?: string | null;
  readonly status_updated_at?: string | null;
  readonly reopened_at?: string | null;
  readonly resolved_at?: string | null;
  readonly closed_at?: string | null;
  readonly pending_since?: string | null;
}

/** A ticket as `GET /api/v2/tickets` lists it. Only `id` and `updated_at` are required here. */
export interface FreshdeskApiTicket {
  readonly id: number;
  readonly updated_at: string;
  readonly created_at?: string;
  readonly status?: number;
  readonly priority?: number;
  readonly source?: number;
  readonly group_id?: number | null;
  readonly responder_id?: number | null;
  readonly requester_id?: number | null;
  readonly spam?: boolean;
  /** Present (true) on tickets listed with `filter=deleted`. */
  readonly deleted?: boolean;
  readonly stats?: FreshdeskTicketStats | null;
  readonly [field: string]: unknown;
}

export interface TicketSnapshotOptions {
  /** Partner event source name of the stack (locally: the lake's or generator's source). */
  readonly source: string;
  /** AWS account id for the envelope. @default '' (unknown, e.g. a local lake) */
  readonly account?: string;
  /** AWS region for the envelope. @default '' */
  readonly region?: string;
}

/** The lake record of one ticket version. */
export interface TicketSnapshotRecord {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': typeof TICKET_SNAPSHOT_DETAIL_TYPE;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: {
    readonly ticket: Record<string, unknown>;
    readonly requester?: { readonly id: number };
  };
}

/**
 * Keys an API ticket may carry that never go into the lake: `requester` (with `include=requester`:
 * name, email, phone) is contact data the lake does not keep; the id stays in `requester_id`.
 */
const DROPPED_TICKET_KEYS: ReadonlySet<string> = new Set(['requester']);

/** Second-precision ISO-8601 UTC as the API writes it, with an optional fraction or offset. */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * The snapshot's event id: the same ticket version always gets the same id. A spam or deleted
 * version gets a suffix, so that if marking or deleting a ticket left its updated_at unchanged, the
 * two versions are still two rows (the views deduplicate by id) and the latest state, which orders
 * ties by event id, ends with the spam/deleted one ("...-deleted" sorts after "...").
 */
export function ticketSnapshotId(ticketId: number, updatedAt: string, flags: { readonly spam?: boolean; readonly deleted?: boolean } = {}): string {
  return `snapshot-${ticketId}-${updatedAt}${flags.spam === true ? '-spam' : ''}${flags.deleted === true ? '-deleted' : ''}`;
}

/** True for a record built by ticketSnapshotRecord (or any record of that detail-type). */
export function isTicketSnapshot(record: { readonly 'detail-type'?: unknown }): boolean {
  return record['detail-type'] === TICKET_SNAPSHOT_DETAIL_TYPE;
}

/**
 * Builds the lake record of one API ticket version.
 * @throws TypeError when the ticket has no positive integer `id` or no ISO-8601 `updated_at`:
 *   such a record could be neither deduplicated nor partitioned, so the caller must not write it.
 */
export function ticketSnapshotRecord(apiTicket: FreshdeskApiTicket, options: TicketSnapshotOptions): TicketSnapshotRecord {
  const { id, updated_at: updatedAt } = apiTicket;
  if (!Number.isSafeInteger(id) || id <= 0) {
    throw new TypeError(`Freshdesk ticket without a positive integer id (got ${JSON.stringify(id)}): cannot build its snapshot`);
  }
  if (typeof updatedAt !== 'string' || !ISO_DATE_TIME.test(updatedAt) || Number.isNaN(Date.parse(updatedAt))) {
    throw new TypeError(`Freshdesk ticket ${id} has no ISO-8601 updated_at (got ${JSON.stringify(updatedAt)}): cannot build its snapshot`);
  }
  const ticket: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(apiTicket)) {
    if (!DROPPED_TICKET_KEYS.has(key)) ticket[key] = value;
  }
  // The default list omits `deleted`; only filter=deleted marks it. Written explicitly so every
  // snapshot says whether the ticket is deleted and the views need no NULL reasoning for snapshots.
  ticket.deleted = apiTicket.deleted === true;
  const requesterId = apiTicket.requester_id;
  return {
    version: '0',
    id: ticketSnapshotId(id, updatedAt, { spam: apiTicket.spam, deleted: apiTicket.deleted }),
    'detail-type': TICKET_SNAPSHOT_DETAIL_TYPE,
    source: options.source,
    account: options.account ?? '',
    time: updatedAt,
    region: options.region ?? '',
    resources: [],
    detail: typeof requesterId === 'number' ? { ticket, requester: { id: requesterId } } : { ticket },
  };
}
