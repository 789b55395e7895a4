/**
 * A dimension snapshot as a lake object: the declared columns of each row (./tables.ts), one JSON
 * object per line, gzip'd. `encodeDimensionSnapshot` gives the key and the bytes (the scheduled
 * sync PUTs them to the bucket); `writeDimensionSnapshot` puts them in a local lake, replacing the
 * previous snapshot atomically (write a temporary file beside it, then rename over it).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { LAKE_OBJECT_EXTENSION } from '../lake-layout';
import { ColumnType } from '../schema';
import type { DimensionRow } from './rows';
import { DIMENSION_TABLES, DimensionColumn, DimensionName, DimensionTable, dimensionObjectKey, dimensionPrefix } from './tables';

/** A snapshot ready to store: where it goes and its gzip'd JSON lines. */
export interface EncodedDimensionSnapshot {
  readonly name: DimensionName;
  /** `dimensions/<name>/<name>.gz`, relative to the bucket or the lake directory. */
  readonly key: string;
  readonly body: Buffer;
  /** Rows written (after keeping one row per key). */
  readonly rows: number;
}

function valueOf(table: DimensionTable, column: DimensionColumn, row: DimensionRow, index: number): unknown {
  const value = row[column.name];
  if (value === undefined || value === null) return null;
  const where = () => `${table.name} row ${index + 1}, column ${column.name}`;
  if (column.jsonText) return typeof value === 'string' ? value : JSON.stringify(value);
  switch (column.type) {
    case ColumnType.BIGINT:
    case ColumnType.INT:
      if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
      throw new TypeError(`${where()}: expected an integer, got ${JSON.stringify(value)}`);
    case ColumnType.BOOLEAN:
      if (typeof value === 'boolean') return value;
      throw new TypeError(`${where()}: expected true or false, got ${JSON.stringify(value)}`);
    default:
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw new TypeError(`${where()}: expected text, got ${JSON.stringify(value)}`);
  }
}

/**
 * The rows of a table as stored: declared columns only, in table order, values checked against the
 * column types (JSON-text columns encoded), one row per key with the last one given winning.
 * @throws TypeError for a row without its key or a value of the wrong type
 */
export function dimensionSnapshotRows(name: DimensionName, rows: readonly DimensionRow[]): Record<string, unknown>[] {
  const table = DIMENSION_TABLES[name];
  const byKey = new Map<string, Record<string, unknown>>();
  rows.forEach((row, index) => {
    const stored: Record<string, unknown> = {};
    for (const column of table.columns) stored[column.name] = valueOf(table, column, row, index);
    const key = table.key.map((k) => stored[k]);
    if (key.some((k) => k === null)) throw new TypeError(`${name} row ${index + 1} has no ${table.key.join(', ')}: a dimension row needs its key`);
    byKey.set(JSON.stringify(key), stored);
  });
  return [...byKey.values()];
}

/** The key and gzip'd JSON lines of a table's snapshot. */
export function encodeDimensionSnapshot(name: DimensionName, rows: readonly DimensionRow[]): EncodedDimensionSnapshot {
  const stored = dimensionSnapshotRows(name, rows);
  const lines = stored.map((row) => `${JSON.stringify(row)}\n`).join('');
  return { name, key: dimensionObjectKey(name), body: gzipSync(lines), rows: stored.length };
}

/**
 * Writes a table's snapshot into a local lake (`<lakeDir>/dimensions/<name>/<name>.gz`), replacing
 * the previous one atomically: readers (the local engine) see the old snapshot or the new one.
 * Other `.gz` files in the table's folder (nothing writes them) are removed after the rename, so
 * the folder holds exactly one snapshot.
 * @returns the path written and the number of rows
 */
export function writeDimensionSnapshot(lakeDir: string, name: DimensionName, rows: readonly DimensionRow[]): { path: string; rows: number } {
  const encoded = encodeDimensionSnapshot(name, rows);
  const folder = join(resolve(lakeDir), dimensionPrefix(name));
  mkdirSync(folder, { recursive: true });
  const path = join(resolve(lakeDir), encoded.key);
  // Not *.gz, so a reader's glob never picks up a half-written file.
  const temporary = join(folder, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    writeFileSync(temporary, encoded.body);
    const fd = openSync(temporary, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  for (const entry of readdirSync(folder)) {
    if (entry.endsWith(LAKE_OBJECT_EXTENSION) && join(folder, entry) !== path) rmSync(join(folder, entry), { force: true });
  }
  return { path, rows: encoded.rows };
}

/** Writes several tables' snapshots (e.g. dimensionRowsFromApi's result) into a local lake, each replaced atomically. */
export function writeDimensionSnapshots(lakeDir: string, tables: Partial<Record<DimensionName, readonly DimensionRow[]>>): { name: DimensionName; rows: number }[] {
  return (Object.entries(tables) as [DimensionName, readonly DimensionRow[]][]).map(([name, rows]) => ({ name, rows: writeDimensionSnapshot(lakeDir, name, rows).rows }));
}

/** The rows of a table's snapshot in a local lake; undefined when none was written. */
export function readDimensionSnapshot(lakeDir: string, name: DimensionName): Record<string, unknown>[] | undefined {
  let body: Buffer;
  try {
    body = readFileSync(join(resolve(lakeDir), dimensionObjectKey(name)));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return gunzipSync(body)
    .toString('utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
