/**
 * The latest-state snapshot and the deduplicated history on the local engine, kept inside the
 * event cache's DuckDB file (lib/engines/event-cache) and brought up to date in the same
 * transaction that loads new lake files, so their cost follows the new files, not the lake:
 *
 * - `history`: the `ticket_history` rows (one per distinct event id, lib/views
 *   `ticketHistoryOfEventsSql`) with the id of the lake file that brought each. New files add only
 *   the events whose (dt, id) the table does not hold yet; rows stay in `dt` order, so DuckDB's zone
 *   maps keep a `dt` filter cheap. Transition questions read it instead of de-duplicating the lake.
 * - `ticket_latest_state_snapshot`: one row per ticket, updated by THE MERGE of
 *   lib/snapshot/latest-state-merge from the history rows of the new files.
 * - The watermark is the highest lake file id merged (meta `snapshot_watermark_file_id`): file ids
 *   only grow, and a file's id says when it ARRIVED in the cache, whatever its `dt`, so a late event
 *   in an old partition is merged like any other (see lib/snapshot/README.md).
 *
 * When files disappear or change (the cache drops their events), both tables are rebuilt from the
 * cached events: rare (lake files are immutable), and the only way to take an event back out of a
 * latest state.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { LAKE_VIEWS, TICKET_HISTORY_VIEW, TICKET_LATEST_STATE_VIEW, ticketHistoryOfEventsSql } from '../views';
import {
  LATEST_STATE_SNAPSHOT_TABLE,
  duckDbSnapshotTableSql,
  latestStateFromSnapshotSql,
  latestStateMergeSql,
  latestStateSnapshotColumns,
} from './latest-state-merge';

/** The deduplicated history table in the cache. */
export const LOCAL_HISTORY_TABLE = 'history';
/** Meta key of the watermark: the highest lake file id whose events the snapshot has merged. */
export const SNAPSHOT_WATERMARK_KEY = 'snapshot_watermark_file_id';

export interface LocalSnapshotTables {
  /** The attached cache catalog, e.g. `freshlake_cache`. */
  readonly catalog: string;
  /** The cached events table (ticket_events columns + the file id). */
  readonly eventsTable: string;
  /** The meta table (key, value). */
  readonly metaTable: string;
  /** The file id column of the events table (also carried by the history table). */
  readonly fileIdColumn: string;
}

function historyColumnNames(): string[] {
  const view = LAKE_VIEWS.find((v) => v.name === TICKET_HISTORY_VIEW);
  if (!view) throw new Error(`lib/views defines no ${TICKET_HISTORY_VIEW} view.`);
  return view.columns.map((c) => c.name);
}

/** What the tables' shape depends on: part of the cache's layout version (a change rebuilds it). */
export function localSnapshotLayout(): string {
  return JSON.stringify([ticketHistoryOfEventsSql('e', ['f']), latestStateMergeSql('t', 'h'), latestStateSnapshotColumns().map((c) => [c.name, c.type.duckDb])]);
}

/** Creates the (empty) history and snapshot tables next to a newly created events table. */
export async function createLocalSnapshotTables(connection: DuckDBConnection, t: LocalSnapshotTables): Promise<void> {
  const c = t.catalog;
  await connection.run(
    `CREATE TABLE ${c}.${LOCAL_HISTORY_TABLE} AS SELECT * FROM (${ticketHistoryOfEventsSql(`${c}.${t.eventsTable}`, [t.fileIdColumn])}) LIMIT 0`,
  );
  await connection.run(duckDbSnapshotTableSql(`${c}.${LATEST_STATE_SNAPSHOT_TABLE}`));
}

export interface LocalSnapshotUpdate {
  /** History rows added (new distinct events). */
  readonly historyRows: number;
  /** Whether both tables were rebuilt from every cached event. */
  readonly rebuilt: boolean;
  readonly watermarkFileId: bigint;
}

/**
 * Adds the events of the files with id >= `fromFileId` to the history and merges them into the
 * snapshot; with `rebuild`, recomputes both from every cached event. Runs inside the caller's
 * transaction (the one that loaded the files).
 */
export async function updateLocalSnapshot(
  connection: DuckDBConnection,
  t: LocalSnapshotTables,
  options: { readonly fromFileId: bigint; readonly rebuild: boolean },
): Promise<LocalSnapshotUpdate> {
  const c = t.catalog;
  const history = `${c}.${LOCAL_HISTORY_TABLE}`;
  const fileId = t.fileIdColumn;
  const from = options.rebuild ? 0n : options.fromFileId;
  if (options.rebuild) {
    await connection.run(`DELETE FROM ${history}`);
    await connection.run(`DELETE FROM ${c}.${LATEST_STATE_SNAPSHOT_TABLE}`);
  }
  const newEvents = `(SELECT * FROM ${c}.${t.eventsTable} WHERE ${fileId} >= ${from})`;
  // The first copy of an event id wins: a copy in a later file (a redelivery) adds nothing.
  const inserted = await connection.run(
    `INSERT INTO ${history} SELECT n.* FROM (${ticketHistoryOfEventsSql(newEvents, [fileId])}) AS n ` +
      `WHERE NOT EXISTS (SELECT 1 FROM ${history} AS h WHERE h.dt = n.dt AND h.event_id = n.event_id AND h.${fileId} < ${from}) ` +
      `ORDER BY n.dt, n.${fileId}`,
  );
  const historyRows = Number(inserted.rowsChanged);
  if (historyRows > 0) {
    await connection.run(latestStateMergeSql(`${c}.${LATEST_STATE_SNAPSHOT_TABLE}`, historyAfterSql(t, from - 1n)));
  }
  const max = await connection.runAndReadAll(`SELECT coalesce(max(${fileId}), 0) FROM ${c}.${t.eventsTable}`);
  const watermarkFileId = BigInt(max.getRows()[0][0] as bigint);
  await connection.run(`DELETE FROM ${c}.${t.metaTable} WHERE key = '${SNAPSHOT_WATERMARK_KEY}'`);
  await connection.run(`INSERT INTO ${c}.${t.metaTable} VALUES ('${SNAPSHOT_WATERMARK_KEY}', '${watermarkFileId}')`);
  return { historyRows, rebuilt: options.rebuild, watermarkFileId };
}

/** History rows that arrived after a watermark, with the ticket_history columns. */
function historyAfterSql(t: LocalSnapshotTables, watermarkFileId: bigint): string {
  return `(SELECT ${historyColumnNames().join(', ')} FROM ${t.catalog}.${LOCAL_HISTORY_TABLE} WHERE ${t.fileIdColumn} > ${watermarkFileId})`;
}

/**
 * The views that read the cache's history and snapshot instead of recomputing them: `ticket_history`
 * from the history table, `ticket_latest_state` from the snapshot plus the history after the
 * watermark (the same SQL as on Athena). Every other view of lib/views stays as defined.
 */
export function localSnapshotViews(t: LocalSnapshotTables, watermarkFileId: bigint): ReadonlyMap<string, string> {
  return new Map([
    [TICKET_HISTORY_VIEW, `SELECT ${historyColumnNames().join(', ')} FROM ${t.catalog}.${LOCAL_HISTORY_TABLE}`],
    [TICKET_LATEST_STATE_VIEW, latestStateFromSnapshotSql(`${t.catalog}.${LATEST_STATE_SNAPSHOT_TABLE}`, historyAfterSql(t, watermarkFileId))],
  ]);
}
