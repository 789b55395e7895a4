/**
 * The sync core: Freshdesk API -> ticket snapshots + dimension snapshots + checkpoint, through a
 * sink. It has no CLI and no file-system dependency: `freshlake sync` plugs the local lake or
 * Firehose sinks (./lake-sink, ./firehose-sink), the scheduled Lambda plugs bucket and Firehose
 * sinks of its own, and the same code decides what is fetched and when the checkpoint moves.
 *
 * One run:
 * 1. Dimensions (agents, groups, ticket fields, business hours, SLA policies) are fetched whole
 *    (they are small) and handed over as rows (lib/dimensions). An endpoint the plan lacks (403)
 *    is skipped and reported; its previous snapshot stays.
 * 2. The default, spam and deleted ticket lists are crawled from the checkpoint (minus the
 *    overlap) or from `since` on a first sync (./ticket-crawl). New versions go to the sink;
 *    every `checkpointEveryTickets` tickets (or `checkpointEveryMs`), at a safe point, the sink is
 *    flushed and then the checkpoint written, so a kill loses nothing.
 * 3. At the end: flush, final checkpoint (with the overlap window's versions), summary.
 */
import type { DimensionName, DimensionRow } from '../dimensions';
import { dimensionRowsFromApi, type FreshdeskDimensionObjects } from '../dimensions';
import { RemoteError, UsageError } from '../errors';
import type { FreshdeskApiTicket } from '../ticket-snapshot';
import { FreshdeskAccessError, FreshdeskClient, type ClientStats, type FreshdeskClientConfig } from './client';
import { CHECKPOINT_VERSION, DEFAULT_OVERLAP_SECONDS, crawlStart, knownVersions, type ListCheckpoint, type SyncCheckpoint } from './checkpoint';
import { crawlTickets, isoSecond, updatedAtMs, type TicketCrawlStats, type TicketListFilter } from './ticket-crawl';

/** Where a first sync starts by default: before any Freshdesk account existed, i.e. everything. */
export const FULL_HISTORY_SINCE = '2010-01-01T00:00:00Z';


/**
 * The lists, in crawl order. The default list goes last: it is where tickets change all the time,
 * and a change made while the small spam and deleted lists are read is then still seen.
 */
export const TICKET_LISTS: readonly TicketListFilter[] = ['spam', 'deleted', 'default'];

/**
 * Where a sync writes. Implementations: LocalLakeSink (./lake-sink), FirehoseSink
 * (./firehose-sink); the scheduled Lambda (owner: sync-model) implements it over Firehose + S3.
 */
export interface SyncSink {
  /**
   * Ticket versions as the API listed them (deleted ones with `deleted: true`). The sink turns
   * each into its lake record (ticketSnapshotRecord of lib/ticket-snapshot) and may buffer them.
   */
  writeTickets(tickets: readonly FreshdeskApiTicket[]): Promise<void>;
  /** Resolves once every ticket handed over so far is durable (the checkpoint follows it). */
  flush(): Promise<void>;
  /** Replaces one dimension table's snapshot (lib/dimensions rows). */
  writeDimension(name: DimensionName, rows: readonly DimensionRow[]): Promise<void>;
  readCheckpoint(): Promise<SyncCheckpoint | undefined>;
  /** Stores the checkpoint durably (replacing the previous one). */
  writeCheckpoint(checkpoint: SyncCheckpoint): Promise<void>;
}

export interface SyncProgress {
  readonly list: TicketListFilter | 'dimensions';
  /** New ticket versions handed to the sink so far. */
  readonly tickets: number;
  readonly calls: number;
  readonly rateLimited: number;
  readonly rateLimitWaitMs: number;
  readonly elapsedMs: number;
}

export interface SyncOptions {
  /** The API client, or its configuration. */
  readonly client: FreshdeskClient | FreshdeskClientConfig;
  readonly sink: SyncSink;
  /**
   * ISO-8601 start of a first sync. With a checkpoint, the sync starts at the earlier of the two
   * (so a later --since can never leave a gap). @default FULL_HISTORY_SINCE
   */
  readonly since?: string;
  /** @default DEFAULT_OVERLAP_SECONDS */
  readonly overlapSeconds?: number;
  /** @default all three lists */
  readonly lists?: readonly TicketListFilter[];
  /** @default true */
  readonly dimensions?: boolean;
  /** `include=` of the ticket list. @default ['stats'] */
  readonly include?: readonly string[];
  /** Tickets per list request; only tests use smaller pages. @default TICKETS_PER_PAGE (the API's maximum) */
  readonly perPage?: number;
  /** @default 5,000 */
  readonly checkpointEveryTickets?: number;
  /** @default 30,000 ms */
  readonly checkpointEveryMs?: number;
  /** About every progressIntervalMs (and at each phase). */
  readonly onProgress?: (progress: SyncProgress) => void;
  /** @default 250 */
  readonly progressIntervalMs?: number;
  readonly signal?: AbortSignal;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export interface DimensionResult {
  readonly name: DimensionName;
  readonly rows: number;
}

export interface SyncSummary {
  /** The API origin synced. */
  readonly account: string;
  readonly firstSync: boolean;
  readonly tickets: {
    /** Versions of tickets created since the previous sync (all of them on a first sync). */
    readonly new: number;
    /** Newer versions of tickets the lake already had. */
    readonly changed: number;
    /** Versions listed again (the overlap) that the lake already had: not written again. */
    readonly unchanged: number;
    /** Versions written, per list. */
    readonly byList: Readonly<Record<TicketListFilter, number>>;
  };
  readonly lists: readonly { readonly filter: TicketListFilter; readonly from: string; readonly nextUpdatedSince: string }[];
  readonly dimensions: readonly DimensionResult[];
  /** Dimensions not synced, with why (403: the plan lacks the endpoint). */
  readonly skippedDimensions: readonly { readonly name: string; readonly reason: string }[];
  readonly crawl: TicketCrawlStats;
  readonly calls: number;
  readonly retries: number;
  readonly rateLimited: number;
  readonly rateLimitWaitMs: number;
  readonly checkpointsWritten: number;
  readonly elapsedMs: number;
}

interface DimensionEndpoint {
  readonly key: keyof FreshdeskDimensionObjects;
  readonly path: string;
  readonly paged: boolean;
}

const DIMENSION_ENDPOINTS: readonly DimensionEndpoint[] = [
  { key: 'agents', path: 'agents', paged: true },
  { key: 'groups', path: 'groups', paged: true },
  { key: 'ticketFields', path: 'ticket_fields', paged: false },
  { key: 'businessHours', path: 'business_hours', paged: true },
  { key: 'slaPolicies', path: 'sla_policies', paged: false },
];

/** A guard against a server that links to itself forever. */
const MAX_DIMENSION_PAGES = 1000;

async function fetchDimension(client: FreshdeskClient, endpoint: DimensionEndpoint): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (let page = 1; page <= MAX_DIMENSION_PAGES; page++) {
    const response = await client.get<unknown>(endpoint.path, endpoint.paged ? { per_page: 100, page } : {});
    const body = response.body;
    if (!Array.isArray(body)) throw new RemoteError(`Freshdesk answered GET /api/v2/${endpoint.path} with something other than a JSON array; check that --url points at the Freshdesk API.`);
    rows.push(...(body as Record<string, unknown>[]));
    if (!endpoint.paged || body.length < 100 || !response.nextPage) break;
  }
  return rows;
}

/** Runs one sync (see the module comment). */
export async function runSync(options: SyncOptions): Promise<SyncSummary> {
  const started = Date.now();
  const now = options.now ?? (() => new Date());
  const client = options.client instanceof FreshdeskClient ? options.client : new FreshdeskClient({ ...options.client, signal: options.client.signal ?? options.signal });
  const account = new URL(client.baseUrl).origin;
  const { sink } = options;
  const overlap = options.overlapSeconds ?? DEFAULT_OVERLAP_SECONDS;
  const since = options.since ?? FULL_HISTORY_SINCE;
  if (!Number.isFinite(Date.parse(since))) throw new UsageError(`--since "${since}" is not a date: use e.g. 2024-01-01 or 2024-01-01T00:00:00Z.`);
  const sinceIso = isoSecond(Date.parse(since));
  const previous = await sink.readCheckpoint();
  if (previous && previous.account !== account) {
    throw new UsageError(`This lake is synced from ${previous.account}, not ${account}: use another --lake for another account (or delete its sync checkpoint to start over).`);
  }
  const stats = client.stats;
  const progressInterval = options.progressIntervalMs ?? 250;
  let lastProgress = 0;
  let phase: SyncProgress['list'] = 'dimensions';
  let ticketsWritten = 0;
  const report = (force = false) => {
    if (!options.onProgress) return;
    const t = Date.now();
    if (!force && t - lastProgress < progressInterval) return;
    lastProgress = t;
    options.onProgress({ list: phase, tickets: ticketsWritten, calls: stats.calls, rateLimited: stats.rateLimited, rateLimitWaitMs: stats.rateLimitWaitMs, elapsedMs: t - started });
  };

  // 1. Dimensions.
  const dimensions: DimensionResult[] = [];
  const skippedDimensions: { name: string; reason: string }[] = [];
  if (options.dimensions ?? true) {
    report(true);
    const objects: { -readonly [K in keyof FreshdeskDimensionObjects]: FreshdeskDimensionObjects[K] } = {};
    for (const endpoint of DIMENSION_ENDPOINTS) {
      try {
        objects[endpoint.key] = await fetchDimension(client, endpoint);
      } catch (error) {
        if (error instanceof FreshdeskAccessError && error.status === 403) {
          skippedDimensions.push({ name: endpoint.path, reason: '403: not on this plan, or the key lacks the permission' });
          continue;
        }
        throw error;
      }
      report();
    }
    const rows = dimensionRowsFromApi(objects);
    for (const [name, tableRows] of Object.entries(rows) as [DimensionName, DimensionRow[]][]) {
      await sink.writeDimension(name, tableRows);
      dimensions.push({ name, rows: tableRows.length });
    }
  }

  // 2. Ticket lists.
  const lists = options.lists ?? TICKET_LISTS;
  const listState: Partial<Record<TicketListFilter, ListCheckpoint>> = { ...(previous?.lists ?? {}) };
  const starts = new Map<TicketListFilter, string>();
  for (const filter of lists) {
    const fromCheckpoint = crawlStart(previous?.lists[filter], sinceIso, overlap);
    // A --since earlier than the checkpoint re-syncs that period; a later one cannot skip a gap.
    starts.set(filter, Date.parse(sinceIso) < Date.parse(fromCheckpoint) && options.since !== undefined ? sinceIso : fromCheckpoint);
  }
  const known = knownVersions(previous);
  // "New" = created after the previous sync, on the account's clock: the latest point any list
  // reached (minus the overlap). Everything is new on a first sync.
  const previousSyncMs = Math.max(-Infinity, ...Object.values(previous?.lists ?? {}).map((l) => Date.parse(l!.updatedSince) - overlap * 1000));
  const byList: Record<TicketListFilter, number> = { default: 0, spam: 0, deleted: 0 };
  // Versions near each list's cursor, for the final checkpoint's overlap window: pruned at every
  // safe point to the window behind the cursor, so memory stays small however long the history.
  const emittedByList: Record<TicketListFilter, Map<number, number>> = { default: new Map(), spam: new Map(), deleted: new Map() };
  const pruneBehind = (filter: TicketListFilter, updatedSince: string) => {
    const keepFrom = Date.parse(updatedSince) - overlap * 1000;
    for (const [id, ms] of emittedByList[filter]) if (ms < keepFrom) emittedByList[filter].delete(id);
  };
  let newTickets = 0;
  let changedTickets = 0;
  let checkpointsWritten = 0;
  let sinceCheckpoint = 0;
  let lastCheckpointAt = Date.now();
  const everyTickets = options.checkpointEveryTickets ?? 5000;
  const everyMs = options.checkpointEveryMs ?? 30_000;

  let sinkFailed = false;
  const writeCheckpoint = async (completed: boolean) => {
    try {
      await sink.flush();
    } catch (error) {
      // Records before this point may not be durable: the checkpoint must not move past them.
      sinkFailed = true;
      throw error;
    }
    const checkpoint: SyncCheckpoint = {
      version: CHECKPOINT_VERSION,
      account,
      lists: { ...listState },
      ...(completed ? { completedAt: now().toISOString() } : previous?.completedAt ? { completedAt: previous.completedAt } : {}),
      writtenAt: now().toISOString(),
    };
    await sink.writeCheckpoint(checkpoint);
    checkpointsWritten++;
    sinceCheckpoint = 0;
    lastCheckpointAt = Date.now();
  };

  let crawl: Awaited<ReturnType<typeof crawlTickets>>;
  try {
    crawl = await crawlTickets({
      client,
      lists: lists.map((filter) => ({ filter, updatedSince: starts.get(filter)!, recheckTieBlocks: previous?.lists[filter]?.tieBlocks })),
      include: options.include,
      perPage: options.perPage,
      known,
      signal: options.signal,
      onTickets: async (filter, tickets) => {
        phase = filter;
        for (const ticket of tickets) {
          const createdMs = Date.parse(String(ticket.created_at));
          if (!(createdMs < previousSyncMs)) newTickets++;
          else changedTickets++;
          emittedByList[filter].set(ticket.id, updatedAtMs(ticket));
        }
        await sink.writeTickets(tickets);
        ticketsWritten += tickets.length;
        byList[filter] += tickets.length;
        sinceCheckpoint += tickets.length;
        report();
      },
      onSafePoint: async (filter, point) => {
        if (emittedByList[filter].size > 10_000) pruneBehind(filter, point.updatedSince);
        listState[filter] = point.tieBlocks.length > 0 ? { updatedSince: point.updatedSince, tieBlocks: point.tieBlocks } : { updatedSince: point.updatedSince };
        if (sinceCheckpoint > 0 && (sinceCheckpoint >= everyTickets || Date.now() - lastCheckpointAt >= everyMs)) await writeCheckpoint(false);
      },
      onPage: () => report(),
    });
  } catch (error) {
    // Interrupted or failed: keep what was read up to the last safe point, so the next run resumes there.
    if (sinceCheckpoint > 0 && !sinkFailed) await writeCheckpoint(false).catch(() => undefined);
    throw error;
  }

  // 3. Final checkpoint: each list's next start, with the versions inside the overlap window.
  for (const result of crawl.lists) {
    const windowStart = Date.parse(result.nextUpdatedSince) - overlap * 1000;
    const recent = new Map<number, number>();
    for (const [id, updatedAt] of previous?.lists[result.filter]?.recent ?? []) {
      const ms = Date.parse(updatedAt);
      if (ms >= windowStart && (crawl.emittedVersions.get(id) ?? -Infinity) <= ms) recent.set(id, ms);
    }
    for (const [id, ms] of emittedByList[result.filter]) if (ms >= windowStart && crawl.emittedVersions.get(id) === ms) recent.set(id, ms);
    listState[result.filter] = { updatedSince: result.nextUpdatedSince, recent: [...recent].map(([id, ms]) => [id, isoSecond(ms)] as const) };
  }
  await writeCheckpoint(true);
  report(true);
  return summarize();

  function summarize(): SyncSummary {
    const clientStats: ClientStats = stats;
    return {
      account,
      firstSync: previous === undefined,
      tickets: { new: newTickets, changed: changedTickets, unchanged: crawl.unchanged, byList },
      lists: crawl.lists.map((l) => ({ filter: l.filter, from: starts.get(l.filter)!, nextUpdatedSince: l.nextUpdatedSince })),
      dimensions,
      skippedDimensions,
      crawl: { emitted: crawl.emitted, unchanged: crawl.unchanged, repeated: crawl.repeated, superseded: crawl.superseded, pages: crawl.pages, tiePages: crawl.tiePages, tieRereads: crawl.tieRereads, settleRounds: crawl.settleRounds },
      calls: clientStats.calls,
      retries: clientStats.retries,
      rateLimited: clientStats.rateLimited,
      rateLimitWaitMs: clientStats.rateLimitWaitMs,
      checkpointsWritten,
      elapsedMs: Date.now() - started,
    };
  }
}
