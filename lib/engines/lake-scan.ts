/**
 * The SQL that reads the lake's JSON files into `ticket_events` rows: ONE read_json call (columns
 * from lib/schema, never auto-detected) shared by the direct view and the event cache's loader, so
 * a cached row is exactly the row a direct read gives.
 */
import { join, resolve } from 'node:path';
import { EVENTS_PREFIX, LAKE_OBJECT_EXTENSION, PARTITION_KEY } from '../lake-layout';
import { PARTITION_COLUMN, TICKET_EVENTS_TABLE, TICKET_EVENT_COLUMNS, duckDbReadJsonColumns, quoteDuckDbIdentifier } from '../schema';

/** The glob of every event file of the lake: `<lake>/events/dt=<day>/<name>.gz` (the bucket's layout). */
export function lakeEventFilesGlob(lakeDir: string): string {
  return join(resolve(lakeDir), EVENTS_PREFIX, `${PARTITION_KEY}=*`, `*${LAKE_OBJECT_EXTENSION}`);
}

/** The read_json named arguments, after the file argument. Part of the event cache's version. */
export function lakeReadJsonOptions(): string[] {
  return [
    `columns = ${duckDbReadJsonColumns()}`,
    "format = 'newline_delimited'",
    "compression = 'gzip'",
    // dt comes from the directory name, as on Athena (partition projection); VARCHAR like the Glue
    // partition column, instead of DuckDB's guess (DATE), so `dt = '2026-11-27'` compares strings.
    'hive_partitioning = true',
    `hive_types = {${sqlString(PARTITION_KEY)}: 'VARCHAR'}`,
    // A line that is not JSON, or a value that does not fit its column, becomes NULLs instead of
    // failing the query (Athena: ignore.malformed.json). ticket_history drops rows without a ticket id.
    'ignore_errors = true',
  ];
}

/**
 * A read_json call over a glob or a list of event files (absolute paths under `events/dt=.../`).
 * @param extraOptions more named arguments, e.g. `filename = true` for the cache loader
 */
export function readLakeJsonSql(files: string | readonly string[], extraOptions: readonly string[] = []): string {
  const source = typeof files === 'string' ? sqlString(files) : `[${files.map(sqlString).join(', ')}]`;
  return `read_json(${[source, ...lakeReadJsonOptions(), ...extraOptions].join(', ')})`;
}

/** The `read_json` call that reads the whole lake. */
export function lakeReadJsonSql(lakeDir: string): string {
  return readLakeJsonSql(lakeEventFilesGlob(lakeDir));
}

/** read_json's output as `ticket_events` columns, in table order: JSON key -> column name, then dt. */
export function ticketEventsSelectList(qualifier?: string): string {
  const q = qualifier ? `${qualifier}.` : '';
  const columns = TICKET_EVENT_COLUMNS.map((c) =>
    c.jsonKey ? `${q}${quoteDuckDbIdentifier(c.jsonKey)} AS ${quoteDuckDbIdentifier(c.name)}` : `${q}${quoteDuckDbIdentifier(c.name)}`,
  );
  return [...columns, `${q}${quoteDuckDbIdentifier(PARTITION_COLUMN.name)}`].join(', ');
}

/**
 * `CREATE VIEW ticket_events` over the lake files directly (no cache).
 * @param files the files to read when they are not the whole lake glob (unreadable objects left
 *   out, repaired copies in place of objects with bad text: lib/engines/lake-files)
 */
export function ticketEventsViewSql(lakeDir: string, hasFiles: boolean, files?: readonly string[]): string {
  const partition = quoteDuckDbIdentifier(PARTITION_COLUMN.name);
  if (!hasFiles) {
    // read_json fails on a glob that matches nothing, so an empty lake gets an empty view with
    // the same column names and types: queries run and return no rows.
    const nulls = TICKET_EVENT_COLUMNS.map((c) => `CAST(NULL AS ${c.type.duckDb}) AS ${quoteDuckDbIdentifier(c.name)}`);
    return `CREATE OR REPLACE VIEW ${TICKET_EVENTS_TABLE} AS SELECT ${nulls.join(', ')}, CAST(NULL AS VARCHAR) AS ${partition} WHERE false`;
  }
  return `CREATE OR REPLACE VIEW ${TICKET_EVENTS_TABLE} AS SELECT ${ticketEventsSelectList()} FROM ${files ? readLakeJsonSql(files) : lakeReadJsonSql(lakeDir)}`;
}

export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
