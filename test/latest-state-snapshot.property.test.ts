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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readLakeJsonSql, ticketEventsSelectList } from '../lib/engines/lake-scan';
import { installTrinoCompat } from '../lib/engines/trino-compat';
import { TICKET_EVENTS_TABLE } from '../lib/schema';
import { duckDbSnapshotTableSql, latestStateFromSnapshotSql, latestStateMergeSql, LATEST_STATE_SNAPSHOT_TABLE } from '../lib/snapshot/latest-state-merge';
import { LAKE_VIEWS, TICKET_HISTORY_VIEW, TICKET_LATEST_STATE_VIEW, ticketHistoryOfEventsSql } from '../lib/views';
import { deliveries, historyArbitrary, writeBatch, type GeneratedEvent } from './fixtures/random-ticket-history';

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
