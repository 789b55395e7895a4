/**
 * The latest-state snapshot: a table with one row per ticket in its latest state (the columns of
 * the `ticket_latest_state` view, lib/views.ts), kept up to date by ONE `MERGE INTO` statement
 * that both engines run: DuckDB against a table in the local event cache, Athena against an
 * Iceberg table in the stack's Glue database.
 *
 * - The MERGE's source is the latest state per ticket of the events that arrived after the
 *   snapshot's watermark (lib/views `latestStateOfHistorySql` over those events: the view's own
 *   SELECT, so deduplicated and one row per ticket; Athena fails a MERGE in which one target row
 *   matches several source rows).
 * - A source row replaces the snapshot's row only when it is NEWER in the view's order (greatest
 *   updated_at, then event time, then event id; NULLs last): a late or out-of-order event never
 *   overwrites a newer state, and merging the same events again changes nothing.
 * - `ticket_latest_state` then reads the snapshot plus the events after the watermark
 *   (`latestStateFromSnapshotSql`), so its answers equal the full recomputation over the whole lake
 *   whatever the snapshot has merged so far: the latest of (latest of A) and (latest of B) is the
 *   latest of A and B.
 *
 * Where the watermark lives and why: see lib/snapshot/README.md. In short, it is on ARRIVAL (which
 * lake objects the snapshot has merged), never on event time: an event can arrive long after its
 * time (a replay from the EventBridge archive, a retry, an API snapshot of an old ticket) and lands
 * in an old `dt` partition, where a watermark on event time would never look again.
 */
import type { ColumnDefinition } from '../schema';
import { LAKE_VIEWS, LATEST_STATE_RECENCY, TICKET_LATEST_STATE_VIEW, castTypeName, latestStateOfHistorySql } from '../views';

/** The snapshot table's name, the same on both engines (Glue table / cache table). */
export const LATEST_STATE_SNAPSHOT_TABLE = 'ticket_latest_state_snapshot';

/** The snapshot's columns: exactly the `ticket_latest_state` view's (names, types, comments). */
export function latestStateSnapshotColumns(): readonly ColumnDefinition[] {
  const view = LAKE_VIEWS.find((v) => v.name === TICKET_LATEST_STATE_VIEW);
  if (!view) throw new Error(`lib/views defines no ${TICKET_LATEST_STATE_VIEW} view.`);
  return view.columns;
}

/** The join key: one snapshot row per ticket. */
const TICKET_KEY = 'ticket_id';

/**
 * `s` comes before `t` in the view's order (each key DESC NULLS LAST): the condition under which a
 * merged row replaces the snapshot's. Equal keys are not newer, so re-merging is a no-op. Written
 * with IS [NOT] NULL / IS NOT DISTINCT FROM and a final coalesce, so it is true or false, never
 * NULL, and means the same on Trino and DuckDB.
 */
export function isNewerSql(s: string, t: string, keys: readonly string[] = LATEST_STATE_RECENCY): string {
  const level = (rest: readonly string[]): string => {
    const [key, ...more] = rest;
    const a = `${s}.${key}`;
    const b = `${t}.${key}`;
    const here = `(${a} IS NOT NULL AND ${b} IS NULL) OR ${a} > ${b}`;
    return more.length === 0 ? `(${here})` : `(${here} OR (${a} IS NOT DISTINCT FROM ${b} AND ${level(more)}))`;
  };
  return `coalesce(${level(keys)}, false)`;
}

/**
 * THE statement that brings the snapshot up to date: merges the latest state per ticket of
 * `deltaHistory` (a relation with the `ticket_history` columns: the events after the watermark)
 * into `target`.
 * @param target the snapshot table, e.g. `freshlake_cache.ticket_latest_state_snapshot` or `ticket_latest_state_snapshot`
 * @param deltaHistory a relation or parenthesised subquery with the ticket_history columns
 */
export function latestStateMergeSql(target: string, deltaHistory: string): string {
  const columns = latestStateSnapshotColumns().map((c) => c.name);
  const updated = columns.filter((c) => c !== TICKET_KEY);
  return [
    `MERGE INTO ${target} AS t`,
    `USING (\n${latestStateOfHistorySql(deltaHistory)}\n) AS s`,
    `ON t.${TICKET_KEY} = s.${TICKET_KEY}`,
    `WHEN MATCHED AND ${isNewerSql('s', 't')} THEN UPDATE SET`,
    updated.map((c) => `  ${c} = s.${c}`).join(',\n'),
    'WHEN NOT MATCHED THEN INSERT',
    `  (${columns.join(', ')})`,
    `  VALUES (${columns.map((c) => `s.${c}`).join(', ')})`,
  ].join('\n');
}

/**
 * The `ticket_latest_state` view read from the snapshot: the snapshot's rows that no newer event
 * after the watermark supersedes, plus the latest state of the events after the watermark where it
 * is newer than the snapshot's row (or the ticket is new). Exactly one row per ticket, the newest
 * in the view's order, as the full recomputation gives; written as two outer joins rather than a
 * window over the whole snapshot, so a question's filters reach the snapshot's scan and nothing
 * is sorted. Primitive columns are cast to the declared types (the Iceberg table stores
 * microsecond timestamps; the view declares Trino's timestamp(3)). The delta appears in both
 * branches, so Athena reads the few raw partitions after the watermark twice (about 1.3 MB on the
 * bench lakes): the price of filters that still reach the snapshot's scan, which a FULL JOIN with a
 * CASE per column would stop.
 * @param snapshot the snapshot table
 * @param deltaHistory the events after the watermark, with the ticket_history columns
 */
export function latestStateFromSnapshotSql(snapshot: string, deltaHistory: string): string {
  const columns = latestStateSnapshotColumns();
  const fromSnapshot = columns.map((c) => (c.type.isPrimitive ? `CAST(s.${c.name} AS ${castTypeName(c.type)}) AS ${c.name}` : `s.${c.name}`));
  const fromDelta = columns.map((c) => `d.${c.name}`);
  const delta = `(\n${latestStateOfHistorySql(deltaHistory)}\n)`;
  return [
    `SELECT ${fromSnapshot.join(', ')}`,
    `FROM ${snapshot} s LEFT JOIN ${delta} d ON d.${TICKET_KEY} = s.${TICKET_KEY}`,
    `WHERE d.${TICKET_KEY} IS NULL OR NOT ${isNewerSql('d', 's')}`,
    'UNION ALL',
    `SELECT ${fromDelta.join(', ')}`,
    `FROM ${delta} d LEFT JOIN ${snapshot} s ON s.${TICKET_KEY} = d.${TICKET_KEY}`,
    `WHERE s.${TICKET_KEY} IS NULL OR ${isNewerSql('d', 's')}`,
  ].join('\n');
}

/** DuckDB: the snapshot table in a schema-qualified name (the local event cache). */
export function duckDbSnapshotTableSql(table: string): string {
  const columns = latestStateSnapshotColumns().map((c) => `${c.name} ${c.type.duckDb}`);
  return `CREATE TABLE IF NOT EXISTS ${table} (${columns.join(', ')})`;
}

/** Athena: the Iceberg table of the snapshot (Parquet, zstd), created once by the maintenance run. */
export function athenaSnapshotTableSql(props: { readonly database: string; readonly location: string }): string {
  const columns = latestStateSnapshotColumns().map((c) => `  ${c.name} ${c.type.hive} COMMENT '${c.comment.replace(/'/g, "''")}'`);
  return [
    `CREATE TABLE IF NOT EXISTS \`${props.database}\`.\`${LATEST_STATE_SNAPSHOT_TABLE}\` (`,
    columns.join(',\n'),
    ')',
    `LOCATION '${props.location.replace(/'/g, "''")}'`,
    "TBLPROPERTIES ('table_type' = 'ICEBERG', 'format' = 'parquet', 'write_compression' = 'zstd')",
  ].join('\n');
}

/** Athena: compacts the small files every hourly MERGE writes (Iceberg bin packing). */
export function athenaOptimizeSql(database: string): string {
  return `OPTIMIZE "${database}"."${LATEST_STATE_SNAPSHOT_TABLE}" REWRITE DATA USING BIN_PACK`;
}

/** Athena: expires old Iceberg snapshots and removes orphan files (table properties set the ages). */
export function athenaVacuumSql(database: string): string {
  return `VACUUM "${database}"."${LATEST_STATE_SNAPSHOT_TABLE}"`;
}
