/**
 * The latest-state snapshot answers exactly what the full recomputation answers, for random event
 * histories: duplicate deliveries (same id, possibly in a later file), out-of-order updates (an
 * older updated_at arriving after a newer one), ties on updated_at and event time (the event id
 * decides), late arrivals (an event with an old `dt` in a file that arrives after the snapshot was
 * taken), API ticket snapshots (freshlake.ticketSnapshot, with `deleted` and `stats`), spam.
 *
 * Each history is delivered in arrival batches: batch b is written as new files (one per `dt` its
 * events fall on) after batch b-1 was merged.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readLakeJsonSql, ticketEventsSelectList } from '../lib/engines/lake-scan';
import { installTrinoCompat } from '../lib/engines/trino-compat';
import { eventsPartitionPrefix } from '../lib/lake-layout';
import { TICKET_EVENTS_TABLE } from '../lib/schema';
import { duckDbSnapshotTableSql, latestStateFromSnapshotSql, latestStateMergeSql, LATEST_STATE_SNAPSHOT_TABLE } from '../lib/snapshot/latest-state-merge';
import { TICKET_SNAPSHOT_DETAIL_TYPE } from '../lib/ticket-snapshot';
import { LAKE_VIEWS, TICKET_HISTORY_VIEW, TICKET_LATEST_STATE_VIEW, ticketHistoryOfEventsSql } from '../lib/views';

const BASE = Date.parse('2026-11-24T22:00:00Z');
const MINUTE = 60_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

interface GeneratedEvent {
  readonly ticket: number;
  readonly kind: 'onTicketCreate' | 'onTicketUpdate' | typeof TICKET_SNAPSHOT_DETAIL_TYPE;
  /** Minutes after BASE; null: the payload has no updated_at. A small range, so ties happen. */
  readonly updatedMinute: number | null;
  /** Event time, minutes after BASE: spans 3 UTC days, so several dt partitions. */
  readonly timeMinute: number;
  readonly status: number;
  readonly priority: number;
  readonly responder: number | null;
  readonly spam: boolean;
  readonly deleted: boolean;
  /** Arrival batch: independent of the event's time, so old-dt events arrive late. */
  readonly batch: number;
}

const eventArbitrary: fc.Arbitrary<GeneratedEvent> = fc.record({
  ticket: fc.integer({ min: 1, max: 6 }),
  kind: fc.constantFrom('onTicketCreate' as const, 'onTicketUpdate' as const, TICKET_SNAPSHOT_DETAIL_TYPE),
  updatedMinute: fc.option(fc.integer({ min: 0, max: 12 }).map((m) => m * 211), { nil: null, freq: 8 }),
  timeMinute: fc.integer({ min: 0, max: 14 }).map((m) => m * 211),
  status: fc.constantFrom(2, 3, 4, 5, 6),
  priority: fc.integer({ min: 1, max: 4 }),
  responder: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
  spam: fc.boolean(),
  deleted: fc.boolean(),
  batch: fc.integer({ min: 0, max: 3 }),
});

/** Events, then redeliveries of some of them (same id and bytes) in a random batch. */
const historyArbitrary = fc
  .array(eventArbitrary, { minLength: 1, maxLength: 40 })
  .chain((events) =>
    fc.tuple(fc.constant(events), fc.array(fc.tuple(fc.nat({ max: events.length - 1 }), fc.integer({ min: 0, max: 3 })), { maxLength: 8 })),
  );

function eventJson(event: GeneratedEvent, index: number): string {
  const snapshot = event.kind === TICKET_SNAPSHOT_DETAIL_TYPE;
  const updatedAt = event.updatedMinute === null ? undefined : iso(BASE + event.updatedMinute * MINUTE);
  const ticket: Record<string, unknown> = {
    id: event.ticket,
    subject: `Ticket ${event.ticket} v${index}`,
    status: event.status,
    priority: event.priority,
    source: 1,
    type: 'Question',
    group_id: 7,
    responder_id: event.responder,
    requester_id: 100 + event.ticket,
    created_at: iso(BASE),
    updated_at: updatedAt,
    spam: event.spam,
    tags: [`t${index % 3}`],
  };
  if (snapshot) {
    ticket.deleted = event.deleted;
    ticket.stats = { first_responded_at: iso(BASE + 5 * MINUTE), resolved_at: event.status === 4 ? updatedAt : null };
  }
  return JSON.stringify({
    version: '0',
    id: snapshot ? `snapshot-${event.ticket}-${updatedAt ?? 'none'}-${index}` : `event-${index}`,
    'detail-type': event.kind,
    source: 'aws.partner/freshworks.com/1342406/freshdesk',
    account: '111122223333',
    time: iso(BASE + event.timeMinute * MINUTE),
    region: 'us-east-1',
    resources: [],
    detail: { ticket, requester: { id: 100 + event.ticket } },
  });
}

interface Delivery {
  readonly json: string;
  readonly day: string;
  readonly batch: number;
}

function deliveries(events: readonly GeneratedEvent[], redeliveries: readonly (readonly [number, number])[]): Delivery[] {
  const day = (e: GeneratedEvent) => iso(BASE + e.timeMinute * MINUTE).slice(0, 10);
  const out = events.map((e, i) => ({ json: eventJson(e, i), day: day(e), batch: e.batch }));
  for (const [index, batch] of redeliveries) out.push({ ...out[index], batch });
  return out;
}

/** Writes batch b's events as one gzip'd file per dt partition: `events/dt=<day>/batch-<b>.gz`. */
function writeBatch(lakeDir: string, all: readonly Delivery[], batch: number): string[] {
  const byDay = new Map<string, string[]>();
  for (const d of all.filter((x) => x.batch === batch)) byDay.set(d.day, [...(byDay.get(d.day) ?? []), d.json]);
  return [...byDay].map(([day, lines]) => {
    const dir = join(lakeDir, eventsPartitionPrefix(day));
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `batch-${batch}.gz`);
    writeFileSync(file, gzipSync(`${lines.join('\n')}\n`));
    return file;
  });
}

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

async function rows(connection: DuckDBConnection, sql: string): Promise<unknown[]> {
  const reader = await connection.runAndReadAll(`SELECT * FROM (${sql}) ORDER BY ticket_id`);
  return reader.getRowObjectsJson();
}

/** An in-memory DuckDB with the Trino shims, `ticket_events` over the given files, and the two views. */
async function openLake(files: readonly string[]): Promise<{ connection: DuckDBConnection; close(): void }> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  await installTrinoCompat(connection);
  await connection.run(
    `CREATE TABLE arrived AS SELECT ${ticketEventsSelectList('r')}, CAST(regexp_extract(r.filename, 'batch-(\\d+)', 1) AS INTEGER) AS batch ` +
      `FROM ${readLakeJsonSql(files, ['filename = true'])} AS r`,
  );
  await connection.run(`CREATE VIEW ${TICKET_EVENTS_TABLE} AS SELECT * EXCLUDE (batch) FROM arrived`);
  for (const view of LAKE_VIEWS.filter((v) => [TICKET_HISTORY_VIEW, TICKET_LATEST_STATE_VIEW].includes(v.name))) {
    await connection.run(`CREATE VIEW ${view.name} AS ${view.sql}`);
  }
  return { connection, close: () => instance.closeSync() };
}

/** ticket_history of the events that arrived in a range of batches. */
const historyOfBatches = (condition: string) => `(${ticketHistoryOfEventsSql(`(SELECT * EXCLUDE (batch) FROM arrived WHERE ${condition})`)})`;

describe('the latest-state MERGE and the view read from the snapshot', () => {
  it('equal the full recomputation after every arrival batch, and re-merging (old or new events) changes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(historyArbitrary, fc.integer({ min: 0, max: 4 }), async ([events, redeliveries], split) => {
        const root = mkdtempSync(join(tmpdir(), 'freshlake-merge-'));
        roots.push(root);
        const all = deliveries(events, redeliveries);
        const files = [0, 1, 2, 3].flatMap((b) => writeBatch(root, all, b));
        const lake = await openLake(files);
        const c = lake.connection;
        try {
          const snapshot = LATEST_STATE_SNAPSHOT_TABLE;
          await c.run(duckDbSnapshotTableSql(snapshot));
          const full = await rows(c, `SELECT * FROM ${TICKET_LATEST_STATE_VIEW}`);
          // The snapshot has merged the batches before `split`; the view adds the rest.
          await c.run(latestStateMergeSql(snapshot, historyOfBatches(`batch < ${split}`)));
          expect(await rows(c, latestStateFromSnapshotSql(snapshot, historyOfBatches(`batch >= ${split}`)))).toEqual(full);
          // Merging the rest brings the snapshot itself to the full answer ...
          await c.run(latestStateMergeSql(snapshot, historyOfBatches(`batch >= ${split}`)));
          expect(await rows(c, `SELECT * FROM ${snapshot}`)).toEqual(full);
          expect(await rows(c, latestStateFromSnapshotSql(snapshot, historyOfBatches('false')))).toEqual(full);
          // ... and merging any events again, older ones included, changes nothing.
          await c.run(latestStateMergeSql(snapshot, historyOfBatches('true')));
          await c.run(latestStateMergeSql(snapshot, historyOfBatches(`batch < ${split}`)));
          expect(await rows(c, `SELECT * FROM ${snapshot}`)).toEqual(full);
        } finally {
          lake.close();
          rmSync(root, { recursive: true, force: true });
        }
      }),
      { numRuns: 25, interruptAfterTimeLimit: 45_000, markInterruptAsFailure: true },
    );
  });

  it('never lets an older state overwrite a newer one, whatever arrives later', async () => {
    const root = mkdtempSync(join(tmpdir(), 'freshlake-merge-'));
    roots.push(root);
    const base: Omit<GeneratedEvent, 'updatedMinute' | 'timeMinute' | 'status' | 'batch'> = {
      ticket: 1, kind: 'onTicketUpdate', priority: 2, responder: null, spam: false, deleted: false,
    };
    const all = deliveries(
      [
        { ...base, updatedMinute: 600, timeMinute: 600, status: 4, batch: 0 },
        // Arrives later, updated earlier (an out-of-order update, in an older dt partition).
        { ...base, updatedMinute: 100, timeMinute: 100, status: 2, batch: 1 },
        // Same updated_at as the newest, later event time: wins the tie.
        { ...base, updatedMinute: 600, timeMinute: 800, status: 5, batch: 2 },
      ],
      [],
    );
    const files = [0, 1, 2].flatMap((b) => writeBatch(root, all, b));
    const lake = await openLake(files);
    try {
      const c = lake.connection;
      await c.run(duckDbSnapshotTableSql(LATEST_STATE_SNAPSHOT_TABLE));
      const status = async () => (await rows(c, `SELECT ticket_id, status FROM ${LATEST_STATE_SNAPSHOT_TABLE}`)).map((r) => (r as { status: number }).status);
      await c.run(latestStateMergeSql(LATEST_STATE_SNAPSHOT_TABLE, historyOfBatches('batch = 0')));
      expect(await status()).toEqual([4]);
      await c.run(latestStateMergeSql(LATEST_STATE_SNAPSHOT_TABLE, historyOfBatches('batch = 1')));
      expect(await status()).toEqual([4]);
      await c.run(latestStateMergeSql(LATEST_STATE_SNAPSHOT_TABLE, historyOfBatches('batch = 2')));
      expect(await status()).toEqual([5]);
    } finally {
      lake.close();
    }
  });
});
