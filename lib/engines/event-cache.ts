/**
 * The local engine's event cache: the lake's parsed events in a DuckDB database file inside the
 * lake, `<lake>/.cache/ticket_events.duckdb`, so a question over an unchanged lake does not parse
 * every gzip'd JSON line again (a year of a busy helpdesk is ~10 s of parsing per question; the
 * cached table serves the same rows without it). The lake globs (`events/dt=...`) never see it.
 *
 * - Incremental: a bookkeeping table lists every loaded file (path relative to the lake, size,
 *   mtime), and each cached row carries the id of its file. Opening loads only the files not listed
 *   yet, and deletes the rows of files that disappeared or changed (reloading the changed ones), in
 *   one transaction. Lake files are immutable once written (ingest and Firehose write whole objects
 *   under unique names), so the common case loads nothing. That common case is every question's
 *   start-up, so it reads one small row: a digest of the file list (path, size, mtime) written with
 *   the bookkeeping, compared with the digest of the lake's objects as listed.
 * - Same rows as a direct read: they come from the same read_json call (lib/engines/lake-scan), and
 *   the cache's layout version is a hash of that call's options (the schema's columns included) and
 *   of the cached table's columns, so a schema change rebuilds the cache instead of serving old rows.
 *   Rows are stored in `dt` order, so DuckDB's zone maps skip the row groups a `dt` filter excludes.
 * - Concurrency: DuckDB locks the file across processes (one writer, or any number of readers). The
 *   cache is updated under the write lock, then attached read-only for the queries, so several
 *   freshlake processes can query the same lake at once. An engine that cannot get the write lock
 *   uses the cache read-only if it is current, else reads the lake directly.
 *   POSIX record locks belong to the process: DuckDB cannot see a second attach from the same
 *   process, and closing it would release the first one's lock, so engines of one process that open
 *   the same lake take turns through a registry here.
 * - Never fails a query: when the cache cannot be used (locked, lake directory not writable, I/O
 *   error), the engine reads the lake directly, as without the cache, and says why once. A file that
 *   DuckDB cannot open as a database (corrupt, truncated, other storage version) is deleted and
 *   rebuilt: it is only a cache.
 *
 * This module loads no DuckDB code itself (the connection is passed in), so the CLI can read the
 * opt-out settings without loading the native module.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { PARTITION_COLUMN, TICKET_EVENTS_TABLE, TICKET_EVENT_COLUMNS, quoteDuckDbIdentifier } from '../schema';
import { LATEST_STATE_SNAPSHOT_TABLE } from '../snapshot/latest-state-merge';
import {
  LOCAL_HISTORY_TABLE,
  SNAPSHOT_WATERMARK_KEY,
  createLocalSnapshotTables,
  localSnapshotLayout,
  localSnapshotViews,
  updateLocalSnapshot,
  type LocalSnapshotTables,
} from '../snapshot/local-snapshot';
import { byPath, isSortedByPath, type LakeObject } from './lake-files';
import { lakeReadJsonOptions, readLakeJsonSql, sqlString, ticketEventsSelectList } from './lake-scan';

import { EVENT_CACHE_ENV, eventCacheEnabled } from './event-cache-switch';

export { EVENT_CACHE_ENV, eventCacheEnabled };
/** The cache's directory inside the lake (hidden: outside `events/`, and a dot name). */
export const EVENT_CACHE_DIR = '.cache';
export const EVENT_CACHE_FILE = `${TICKET_EVENTS_TABLE}.duckdb`;
/** The name the cache database is attached under in the engine's DuckDB instance. */
export const EVENT_CACHE_CATALOG = 'freshlake_cache';
/** Cached rows: the `ticket_events` columns, then the id of the file they came from. */
export const EVENT_CACHE_EVENTS_TABLE = 'events';
/** Bookkeeping: one row per loaded lake file (file_id, path relative to the lake, size_bytes, mtime_ns). */
export const EVENT_CACHE_FILES_TABLE = 'files';
export const EVENT_CACHE_META_TABLE = 'meta';
const LAYOUT_VERSION_KEY = 'layout_version';
/** Meta key of the digest of the files table (lakeFilesDigest). */
const FILES_DIGEST_KEY = 'lake_files_digest';
const FILE_ID_COLUMN = 'lake_file_id';
/** The snapshot's tables sit beside the events in the cache (lib/snapshot/local-snapshot). */
const SNAPSHOT_TABLES: LocalSnapshotTables = {
  catalog: EVENT_CACHE_CATALOG,
  eventsTable: EVENT_CACHE_EVENTS_TABLE,
  metaTable: EVENT_CACHE_META_TABLE,
  fileIdColumn: FILE_ID_COLUMN,
};

/**
 * Bump when the cache's own tables (or how rows are loaded) change in a way the hash below cannot
 * see; schema and read_json changes are covered by the hash.
 */
// 2: objects with text that is not valid UTF-8 are loaded from repaired copies (their rows were all-NULL).
const CACHE_LAYOUT_REVISION = 2;
/** Files per INSERT statement: keeps the SQL text (the file list) bounded on lakes with many objects. */
const FILES_PER_LOAD = 1000;

/** What the engine did with the cache when it opened. */
export type EventCacheState =
  | {
      readonly mode: 'cached';
      /** The cache database file. */
      readonly file: string;
      /** Lake files loaded into the cache by this open (new or changed). */
      readonly filesLoaded: number;
      /** Files whose rows were deleted by this open (gone or changed). */
      readonly filesRemoved: number;
      /** Why the cache was built from scratch by this open, if it was (corrupt file, layout change). */
      readonly rebuilt?: string;
      /** Time spent bringing the cache up to date, ms. */
      readonly updateMs: number;
    }
  | { readonly mode: 'off' }
  | {
      readonly mode: 'fallback';
      /** Why the cache is not used; the engine reads the lake files directly. */
      readonly reason: string;
    };

/** An opened cache: the relation `ticket_events` reads from (none on fallback), and the release. */
export interface EventCacheHandle {
  readonly state: EventCacheState;
  /** `freshlake_cache.events`, or undefined when the engine must read the lake directly. */
  readonly relation?: string;
  /**
   * Views that read the cache's deduplicated history and latest-state snapshot (lib/snapshot/local-snapshot)
   * instead of recomputing them, by view name; none on fallback.
   */
  readonly snapshotViews?: ReadonlyMap<string, string>;
  /** Lets another engine of this process use the cache; call when the engine closes. */
  release(): void;
}

/** One event file of the lake, as lib/engines/lake-files lists it and the cache's bookkeeping compares it. */
export type LakeFile = Pick<LakeObject, 'path' | 'absolutePath' | 'readPath' | 'size' | 'mtimeNs'>;

interface LoadedFile {
  readonly fileId: bigint;
  readonly path: string;
  readonly size: bigint;
  readonly mtimeNs: bigint;
}

/** The cache cannot be used this time; the reason is shown to the user. */
class CacheUnavailable extends Error {}

/** Caches of this process that an open engine holds (by real lake path). */
const heldInThisProcess = new Set<string>();

export function eventCachePath(lakeDir: string): string {
  return join(resolve(lakeDir), EVENT_CACHE_DIR, EVENT_CACHE_FILE);
}

/** The cached table's columns: `ticket_events`'s (same names and types), then the file id. */
function eventsTableColumnsSql(): string {
  const columns = [...TICKET_EVENT_COLUMNS, PARTITION_COLUMN].map((c) => `${quoteDuckDbIdentifier(c.name)} ${c.type.duckDb}`);
  return [...columns, `${quoteDuckDbIdentifier(FILE_ID_COLUMN)} BIGINT`].join(', ');
}

/**
 * The layout version stored in the cache: a hash of the read_json options (which include the
 * schema's columns, duckDbReadJsonColumns()) and of the cached table's columns. Any change there
 * makes every existing cache rebuild itself on the next open.
 */
export function eventCacheVersion(): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([CACHE_LAYOUT_REVISION, lakeReadJsonOptions(), eventsTableColumnsSql(), localSnapshotLayout()]))
    .digest('hex');
  return `${CACHE_LAYOUT_REVISION}-${hash.slice(0, 16)}`;
}

/** `CREATE VIEW ticket_events` over the cached table: the same columns, in the same order, as the direct view. */
export function cachedTicketEventsViewSql(relation: string): string {
  const columns = [...TICKET_EVENT_COLUMNS, PARTITION_COLUMN].map((c) => quoteDuckDbIdentifier(c.name));
  return `CREATE OR REPLACE VIEW ${TICKET_EVENTS_TABLE} AS SELECT ${columns.join(', ')} FROM ${relation}`;
}

/**
 * Brings the lake's cache up to date and attaches it read-only, or says why the engine must read
 * the lake directly. Never throws.
 * @param lakeFiles the lake's readable event files, as lib/engines/lake-files lists them
 * @param onStatus gets one line when files are loaded or the cache is not used
 */
export async function openEventCache(
  connection: DuckDBConnection,
  lakeDir: string,
  lakeFiles: readonly LakeFile[],
  onStatus?: (message: string) => void,
): Promise<EventCacheHandle> {
  const lake = resolve(lakeDir);
  const cacheFile = eventCachePath(lake);
  const fallback = (reason: string): EventCacheHandle => {
    onStatus?.(`Local cache not used (${reason}): reading the lake files directly.`);
    return { state: { mode: 'fallback', reason }, release() {} };
  };
  let key: string;
  try {
    key = realpathSync(lake);
  } catch (error) {
    return fallback(describe(error));
  }
  if (heldInThisProcess.has(key)) return fallback('another local engine of this process holds it');
  heldInThisProcess.add(key);
  const release = () => heldInThisProcess.delete(key);
  let attached = false;
  try {
    const started = performance.now();
    const digest = lakeFilesDigest(lakeFiles);
    const served = (update: UpdateResult | undefined, meta: ReadonlyMap<string, string>): EventCacheHandle => cachedHandle(cacheFile, update, meta, started, release);
    // The common case, an unchanged lake: a read-only attach and the bookkeeping answer it, without
    // the write lock, a transaction or the checkpoint of a detach (a third of an open on a big lake).
    if (existsSync(cacheFile)) {
      try {
        await connection.run(`ATTACH ${sqlString(cacheFile)} AS ${EVENT_CACHE_CATALOG} (READ_ONLY)`);
        attached = true;
        const meta = await readMeta(connection);
        if (isCurrent(meta, digest)) return served(undefined, meta);
      } catch {
        // Locked, unreadable or another layout: the update below deals with it.
      }
      if (attached) await connection.run(`DETACH ${EVENT_CACHE_CATALOG}`).catch(() => undefined);
      attached = false;
    }
    let update: UpdateResult | undefined;
    let updateProblem: string | undefined;
    try {
      update = await updateEventCache(connection, cacheFile, lakeFiles, digest, onStatus);
    } catch (error) {
      if (!(error instanceof CacheUnavailable)) throw error;
      // Another process may hold the write lock, or the lake may be read-only: a current cache
      // can still be read.
      updateProblem = error.message;
    }
    try {
      await connection.run(`ATTACH ${sqlString(cacheFile)} AS ${EVENT_CACHE_CATALOG} (READ_ONLY)`);
      attached = true;
    } catch (error) {
      throw new CacheUnavailable(updateProblem ?? attachProblem(error) ?? describe(error));
    }
    // Another process may have changed it between the update and this attach, or (when the update
    // could not run) it may be out of date: serve it only if it holds exactly the lake's files.
    const meta = await readMeta(connection);
    if (!isCurrent(meta, digest)) throw new CacheUnavailable(updateProblem ?? 'it changed while opening');
    return served(update, meta);
  } catch (error) {
    if (attached) await connection.run(`DETACH ${EVENT_CACHE_CATALOG}`).catch(() => undefined);
    release();
    return fallback(error instanceof CacheUnavailable ? error.message : describe(error));
  }
}

/**
 * True when a query failed because the attached cache file is damaged: a block fails DuckDB's
 * checksum. Opening cannot see damage inside data blocks (ATTACH reads only the headers and the
 * catalog), it shows when a query reads those blocks; the engine then discards the cache
 * (discardDamagedEventCache) and answers from the lake files (issue 8 item 9).
 */
export function isEventCacheDamage(error: unknown): boolean {
  return /Corrupt database file|does not match stored checksum/i.test(describe(error));
}

/**
 * Deletes a damaged cache file and its WAL, so the next open builds it again: it is only a cache.
 * @returns why it could not be deleted, or undefined
 */
export function discardDamagedEventCache(lakeDir: string): string | undefined {
  const cacheFile = eventCachePath(lakeDir);
  try {
    rmSync(cacheFile, { force: true });
    rmSync(`${cacheFile}.wal`, { force: true });
    return undefined;
  } catch (error) {
    return describe(error);
  }
}

/** The handle of a cache attached read-only and found current. */
function cachedHandle(cacheFile: string, update: UpdateResult | undefined, meta: ReadonlyMap<string, string>, started: number, release: () => void): EventCacheHandle {
  const watermark = meta.get(SNAPSHOT_WATERMARK_KEY);
  if (watermark === undefined) throw new CacheUnavailable('it has no snapshot watermark');
  return {
    state: {
      mode: 'cached',
      file: cacheFile,
      filesLoaded: update?.filesLoaded ?? 0,
      filesRemoved: update?.filesRemoved ?? 0,
      rebuilt: update?.rebuilt,
      updateMs: Math.round(performance.now() - started),
    },
    relation: `${EVENT_CACHE_CATALOG}.${EVENT_CACHE_EVENTS_TABLE}`,
    snapshotViews: localSnapshotViews(SNAPSHOT_TABLES, BigInt(watermark)),
    release,
  };
}

/**
 * A digest of the files the cache must hold, as the bookkeeping compares them (path, size, mtime):
 * stored with the bookkeeping, so an open of an unchanged lake compares one value.
 */
export function lakeFilesDigest(files: readonly LakeFile[]): string {
  const hash = createHash('sha256');
  const sorted = isSortedByPath(files) ? files : [...files].sort(byPath);
  for (const f of sorted) hash.update(`${f.path}\0${f.size}\0${f.mtimeNs}\n`);
  return hash.digest('hex');
}

interface UpdateResult {
  readonly filesLoaded: number;
  readonly filesRemoved: number;
  readonly rebuilt?: string;
}

/**
 * Attaches the cache for writing and syncs it with the lake; a cache DuckDB cannot read is deleted
 * and built again (once).
 * @throws CacheUnavailable when it cannot be written (locked, not writable) or the lake cannot be read
 */
async function updateEventCache(
  connection: DuckDBConnection,
  cacheFile: string,
  files: readonly LakeFile[],
  digest: string,
  onStatus?: (message: string) => void,
): Promise<UpdateResult> {
  try {
    mkdirSync(dirname(cacheFile), { recursive: true });
  } catch (error) {
    throw new CacheUnavailable(`cannot create ${dirname(cacheFile)}: ${describe(error)}`);
  }
  let rebuilt: string | undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      try {
        await connection.run(`ATTACH ${sqlString(cacheFile)} AS ${EVENT_CACHE_CATALOG}`);
      } catch (error) {
        const problem = attachProblem(error);
        if (problem) throw new CacheUnavailable(problem);
        throw error;
      }
      try {
        const result = await syncEventCache(connection, files, digest, onStatus);
        return { ...result, rebuilt: rebuilt ?? result.rebuilt };
      } finally {
        // Detaching checkpoints: the file is complete when the read-only attach opens it.
        await connection.run(`DETACH ${EVENT_CACHE_CATALOG}`).catch(() => undefined);
      }
    } catch (error) {
      if (error instanceof CacheUnavailable || attempt > 1 || !existsSync(cacheFile)) {
        throw error instanceof CacheUnavailable ? error : new CacheUnavailable(describe(error));
      }
      rebuilt = `the cache file could not be read (${describe(error)})`;
      onStatus?.(`Local cache ${cacheFile} could not be read: deleting and rebuilding it.`);
      try {
        rmSync(cacheFile, { force: true });
        rmSync(`${cacheFile}.wal`, { force: true });
      } catch (removeError) {
        throw new CacheUnavailable(`cannot delete the unreadable ${cacheFile}: ${describe(removeError)}`);
      }
    }
  }
}

/** Loads new and changed files, deletes the rows of gone and changed ones, in one transaction. */
async function syncEventCache(connection: DuckDBConnection, files: readonly LakeFile[], digest: string, onStatus?: (message: string) => void): Promise<UpdateResult> {
  const c = EVENT_CACHE_CATALOG;
  const version = eventCacheVersion();
  await connection.run('BEGIN TRANSACTION');
  try {
    let rebuilt: string | undefined;
    const stored = await storedVersion(connection);
    if (stored !== version) {
      if (stored !== undefined) rebuilt = `layout version ${stored} is not ${version}`;
      for (const table of [EVENT_CACHE_EVENTS_TABLE, EVENT_CACHE_FILES_TABLE, EVENT_CACHE_META_TABLE, LOCAL_HISTORY_TABLE, LATEST_STATE_SNAPSHOT_TABLE]) {
        await connection.run(`DROP TABLE IF EXISTS ${c}.${table}`);
      }
      await connection.run(`CREATE TABLE ${c}.${EVENT_CACHE_META_TABLE} (key VARCHAR, value VARCHAR)`);
      await connection.run(`INSERT INTO ${c}.${EVENT_CACHE_META_TABLE} VALUES (${sqlString(LAYOUT_VERSION_KEY)}, ${sqlString(version)})`);
      await connection.run(`CREATE TABLE ${c}.${EVENT_CACHE_FILES_TABLE} (file_id BIGINT, path VARCHAR, size_bytes BIGINT, mtime_ns BIGINT, loaded_at TIMESTAMPTZ)`);
      await connection.run(`CREATE TABLE ${c}.${EVENT_CACHE_EVENTS_TABLE} (${eventsTableColumnsSql()})`);
      await createLocalSnapshotTables(connection, SNAPSHOT_TABLES);
    }
    const loaded = await loadedFiles(connection, c);
    const inLake = new Map(files.map((f) => [f.path, f]));
    const stale = loaded.filter((l) => !sameFile(inLake.get(l.path), l));
    const loadedByPath = new Map(loaded.map((l) => [l.path, l]));
    const toLoad = files.filter((f) => !sameFile(f, loadedByPath.get(f.path)));

    for (const ids of chunks(stale.map((f) => f.fileId), FILES_PER_LOAD)) {
      const list = ids.join(', ');
      await connection.run(`DELETE FROM ${c}.${EVENT_CACHE_EVENTS_TABLE} WHERE ${quoteDuckDbIdentifier(FILE_ID_COLUMN)} IN (${list})`);
      await connection.run(`DELETE FROM ${c}.${EVENT_CACHE_FILES_TABLE} WHERE file_id IN (${list})`);
    }
    if (toLoad.length > 0) {
      onStatus?.(`Local cache: loading ${toLoad.length} new or changed lake file${toLoad.length === 1 ? '' : 's'} (later runs load only new files) ...`);
    }
    // Ids are never reused, so a file's rows can always be told apart from an earlier version's.
    let nextId = loaded.reduce((max, f) => (f.fileId > max ? f.fileId : max), 0n) + 1n;
    const firstNewFileId = nextId;
    // Sorted by path = by day: together with ORDER BY dt, rows land in dt order across loads too
    // in the common case (new files are for recent days).
    const ordered = [...toLoad].sort(byPath);
    for (const batch of chunks(ordered, FILES_PER_LOAD)) {
      const ids = batch.map(() => nextId++);
      const rows = batch.map((f, i) => `(${ids[i]}, ${sqlString(f.path)}, ${f.size}, ${f.mtimeNs}, current_timestamp)`);
      await connection.run(`INSERT INTO ${c}.${EVENT_CACHE_FILES_TABLE} VALUES ${rows.join(', ')}`);
      const fileIds = batch.map((f, i) => `(${sqlString(f.readPath)}, ${ids[i]})`);
      const read = readLakeJsonSql(
        batch.map((f) => f.readPath),
        ['filename = true'],
      );
      try {
        await connection.run(
          `INSERT INTO ${c}.${EVENT_CACHE_EVENTS_TABLE} SELECT ${ticketEventsSelectList('r')}, f.file_id ` +
            `FROM ${read} AS r JOIN (VALUES ${fileIds.join(', ')}) AS f(filename, file_id) ON r.filename = f.filename ` +
            `ORDER BY r.${quoteDuckDbIdentifier(PARTITION_COLUMN.name)}, f.file_id`,
        );
      } catch (error) {
        // Most likely a lake file (not the cache) is unreadable: keep the cache, read directly, and
        // let the direct read report the problem as it would without a cache.
        throw new CacheUnavailable(`loading lake files failed: ${describe(error)}`);
      }
    }
    // The history and the snapshot follow in the same transaction: the new files' events, or (when
    // files went away or changed, whose events may be in them) everything again.
    if (toLoad.length > 0 || stale.length > 0 || stored !== version) {
      await updateLocalSnapshot(connection, SNAPSHOT_TABLES, { fromFileId: firstNewFileId, rebuild: stale.length > 0 });
    }
    // The files table now holds exactly `files`.
    await connection.run(`DELETE FROM ${c}.${EVENT_CACHE_META_TABLE} WHERE key = ${sqlString(FILES_DIGEST_KEY)}`);
    await connection.run(`INSERT INTO ${c}.${EVENT_CACHE_META_TABLE} VALUES (${sqlString(FILES_DIGEST_KEY)}, ${sqlString(digest)})`);
    await connection.run('COMMIT');
    return { filesLoaded: toLoad.length, filesRemoved: stale.length, rebuilt };
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function sameFile(a: { size: bigint; mtimeNs: bigint } | undefined, b: { size: bigint; mtimeNs: bigint } | undefined): boolean {
  return a !== undefined && b !== undefined && a.size === b.size && a.mtimeNs === b.mtimeNs;
}

/** The layout version of the attached cache, or undefined for a new (empty) database. */
async function storedVersion(connection: DuckDBConnection): Promise<string | undefined> {
  const tables = await connection.runAndReadAll(
    `SELECT count(*) FROM duckdb_tables() WHERE database_name = ${sqlString(EVENT_CACHE_CATALOG)} AND table_name = ${sqlString(EVENT_CACHE_META_TABLE)}`,
  );
  if (Number(tables.getRows()[0][0]) === 0) return undefined;
  const rows = await connection.runAndReadAll(`SELECT value FROM ${EVENT_CACHE_CATALOG}.${EVENT_CACHE_META_TABLE} WHERE key = ${sqlString(LAYOUT_VERSION_KEY)}`);
  return rows.getRows().map((r) => String(r[0]))[0] ?? '';
}

async function loadedFiles(connection: DuckDBConnection, catalog: string): Promise<LoadedFile[]> {
  const reader = await connection.runAndReadAll(`SELECT file_id, path, size_bytes, mtime_ns FROM ${catalog}.${EVENT_CACHE_FILES_TABLE}`);
  return reader.getRows().map(([fileId, path, size, mtimeNs]) => ({
    fileId: BigInt(fileId as bigint),
    path: String(path),
    size: BigInt(size as bigint),
    mtimeNs: BigInt(mtimeNs as bigint),
  }));
}

/** The attached cache's meta table (layout version, files digest, snapshot watermark). */
async function readMeta(connection: DuckDBConnection): Promise<Map<string, string>> {
  const rows = await connection.runAndReadAll(`SELECT key, value FROM ${EVENT_CACHE_CATALOG}.${EVENT_CACHE_META_TABLE}`);
  return new Map(rows.getRows().map(([key, value]) => [String(key), String(value)]));
}

/** True when the cache has this engine's layout and holds exactly the files of this digest, unchanged. */
function isCurrent(meta: ReadonlyMap<string, string>, digest: string): boolean {
  return meta.get(LAYOUT_VERSION_KEY) === eventCacheVersion() && meta.get(FILES_DIGEST_KEY) === digest;
}

/** A reason to read the lake directly when ATTACH fails for locking or permissions; undefined for anything else (a bad file). */
function attachProblem(error: unknown): string | undefined {
  const message = describe(error);
  if (/Could not set lock|Conflicting lock/i.test(message)) return 'another process is using it';
  if (/permission denied|read-only file system|EACCES|EROFS/i.test(message)) return `not writable: ${message}`;
  return undefined;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** First line of an error message (DuckDB adds the SQL and a caret on later lines). */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0].trim();
}
