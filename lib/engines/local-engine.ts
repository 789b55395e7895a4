/**
 * The embedded query engine: DuckDB (@duckdb/node-api) over a local lake with the bucket's layout
 * (`events/dt=YYYY-MM-DD/*.gz`). It exposes the same relations as Athena (`ticket_events` with the
 * columns of lib/schema, then the views of lib/views) and speaks Trino through lib/engines/trino-compat,
 * so a saved query runs unchanged on either engine. `ticket_events` reads the lake's parsed events
 * from the incremental cache in `<lake>/.cache` (lib/engines/event-cache), or, with the cache off or
 * unusable, the gzip'd JSON files directly (lib/engines/lake-scan): the same rows either way.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DuckDBConnection,
  DuckDBMaterializedResult,
  DuckDBInstance,
  DuckDBPreparedStatement,
  DuckDBType,
  DuckDBTypeId,
  DuckDBValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBArrayValue,
  DuckDBStructValue,
  DuckDBMapValue,
  DuckDBTimestampValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
} from '@duckdb/node-api';
import { InputError, QueryError, UsageError } from '../errors';
import { EVENTS_PREFIX } from '../lake-layout';
import type { BoundParameter } from '../saved-queries';
import { LAKE_VIEWS } from '../views';
import type { QueryEngine, QueryOptions, QueryResult, ResultColumn, RowValue } from './engine';
import {
  EVENT_CACHE_CATALOG,
  cachedTicketEventsViewSql,
  discardDamagedEventCache,
  eventCacheEnabled,
  eventCachePath,
  isEventCacheDamage,
  openEventCache,
  type EventCacheHandle,
  type EventCacheState,
} from './event-cache';
import { LOCAL_DIMENSION_RELATIONS, dimensionViewSql, hasDimensionFiles } from './dimension-scan';
import { checkLakeObjects, type LakeObjects } from './lake-files';
import { sqlString, ticketEventsViewSql } from './lake-scan';
import { SANDBOX_INSTANCE_OPTIONS, confineToDirectories, refuseUnlessQuery, refuseUnlessQueryType } from './sandbox';
import { installTrinoCompat } from './trino-compat';

export { lakeReadJsonSql, ticketEventsViewSql } from './lake-scan';

export interface LocalEngineProps {
  /** The lake directory: holds `events/dt=YYYY-MM-DD/*.gz` (the bucket's layout). */
  readonly lakeDir: string;
  /**
   * DuckDB worker threads.
   * @default DuckDB's default (one per core)
   */
  readonly threads?: number;
  /**
   * How often progress is reported to `onProgress` while a query runs, ms.
   * @default 1000
   */
  readonly progressIntervalMs?: number;
  /**
   * Keep the lake's parsed events in `<lakeDir>/.cache/ticket_events.duckdb` and read them from
   * there (lib/engines/event-cache): opening loads only files added (or changed) since the last
   * open, so repeated questions do not parse the gzip'd JSON again. Results are the same either way;
   * when the cache cannot be used (locked, read-only lake, ...) the engine reads the files directly.
   * @default true, unless the environment sets FRESHLAKE_CACHE=0
   */
  readonly cache?: boolean;
  /**
   * Gets one-line notes about the cache: files being loaded into it, or why it is not used.
   * @default none
   */
  readonly onStatus?: (message: string) => void;
  /**
   * With the cache: answer `ticket_history` from the cache's deduplicated history table and
   * `ticket_latest_state` from its latest-state snapshot (lib/snapshot), both kept up to date as
   * files arrive, instead of recomputing them from every event. The answers are the same.
   * @default true, unless the environment sets FRESHLAKE_SNAPSHOT=0
   */
  readonly snapshot?: boolean;
  /**
   * DuckDB's memory limit for questions answered from the snapshot (its buffer manager; sorts,
   * joins and windows spill to a temporary directory beyond it). The default keeps every saved
   * question under 400 MB of resident memory on a 3 M-event lake (`npm run bench --
   * queries-snapshot`). Without the snapshot (no cache, `snapshot: false`) DuckDB's own default
   * applies: the full recomputation needs the memory.
   * @default DEFAULT_MEMORY_LIMIT ('200MB')
   */
  readonly memoryLimit?: string;
  /**
   * Gets one line per lake object that cannot be read (empty, not gzip, truncated, a link out of
   * the lake): it is left out of every answer. The CLI always prints these on stderr.
   * @default none
   */
  readonly onWarning?: (message: string) => void;
}

/** DuckDB memory limit of a local engine's questions (LocalEngineProps.memoryLimit). */
export const DEFAULT_MEMORY_LIMIT = '200MB';

/** False when the environment turns the latest-state snapshot off (`FRESHLAKE_SNAPSHOT=0`, `false`, `off` or `no`). */
export function snapshotEnabled(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return !/^(0|false|off|no)$/i.test((env.FRESHLAKE_SNAPSHOT ?? '').trim());
}

/** Connections kept with progress tracking on (the CLI runs one query at a time). */
const PROGRESS_CONNECTIONS = 2;

export class LocalEngine implements QueryEngine {
  /**
   * Opens the lake: checks it exists, installs the Trino compatibility layer, brings the event
   * cache up to date (unless `cache: false`), and creates `ticket_events` and the lake views. The
   * engine sees the lake's files as they were when it opened: files added later are seen by a
   * newly opened engine.
   * @throws InputError when `<lakeDir>/events` does not exist.
   */
  static async open(props: LocalEngineProps): Promise<LocalEngine> {
    const eventsDir = join(resolve(props.lakeDir), EVENTS_PREFIX);
    if (!existsSync(eventsDir) || !statSync(eventsDir).isDirectory()) {
      throw new InputError(
        `No local lake at ${resolve(props.lakeDir)} (no ${EVENTS_PREFIX} directory): run "freshlake ingest" or "npm start" to make one, or pass --lake <dir>.`,
      );
    }
    const options: Record<string, string> = { ...SANDBOX_INSTANCE_OPTIONS };
    if (props.threads !== undefined) options.threads = String(props.threads);
    const useCache = props.cache ?? eventCacheEnabled();
    // DuckDB starts on a worker thread while this one lists and checks the lake (both are a good
    // part of a question's start-up).
    const creating = DuckDBInstance.create(':memory:', options);
    let lakeObjects: LakeObjects;
    try {
      // Objects with bad text are read through repaired copies, unreadable ones are left out and
      // named, so one damaged object never fails a query (lib/engines/lake-files).
      lakeObjects = await checkLakeObjects(props.lakeDir, { remember: useCache });
    } catch (error) {
      void creating.then((instance) => instance.closeSync(), () => undefined);
      throw new QueryError(`Could not open the local lake: ${firstLine(error)}`, { cause: error });
    }
    const instance = await creating;
    const setup = await instance.connect();
    let cache: EventCacheHandle | undefined;
    let directViewSql: string;
    let temporaryDirectory: string | undefined;
    const progressConnections: DuckDBConnection[] = [];
    try {
      await installTrinoCompat(setup);
      for (const object of lakeObjects.unreadable) {
        props.onWarning?.(`Lake object ${object.path} cannot be read (${object.problem!.detail}): left out of the answers; "freshlake check --lake" lists the damaged objects.`);
      }
      const readable = lakeObjects.readable;
      const asGlob = readable.length === lakeObjects.objects.length && readable.every((o) => o.readPath === o.absolutePath);
      directViewSql = ticketEventsViewSql(props.lakeDir, readable.length > 0, asGlob ? undefined : readable.map((o) => o.readPath));
      if (useCache) cache = await openEventCache(setup, props.lakeDir, readable, props.onStatus);
      const snapshotViews = (props.snapshot ?? snapshotEnabled()) ? cache?.snapshotViews : undefined;
      // One statement list, run at once: `ticket_events`, then the dimension relations (the lake
      // views join them; empty ones when nothing is synced), then the lake views.
      await setup.run(
        [
          cache?.relation ? cachedTicketEventsViewSql(cache.relation) : directViewSql,
          ...LOCAL_DIMENSION_RELATIONS.map((name) => dimensionViewSql(props.lakeDir, name, hasDimensionFiles(props.lakeDir, name))),
          ...LAKE_VIEWS.map((view) => `CREATE OR REPLACE VIEW ${view.name} AS ${snapshotViews?.get(view.name) ?? view.sql}`),
        ].join(';\n'),
      );
      // Progress needs session settings, and no setting can change once the instance is confined.
      for (let i = 0; i < PROGRESS_CONNECTIONS; i++) {
        const connection = await instance.connect();
        // DuckDB tracks progress only with its progress bar on; never let it print to the terminal.
        await connection.run('SET enable_progress_bar = true');
        await connection.run('SET enable_progress_bar_print = false');
        progressConnections.push(connection);
      }
      // Questions over the snapshot run within a memory bound, spilling to the engine's temporary
      // directory beyond it. Not the full recomputation (no cache or no snapshot): ranking every
      // event's full payload fails under such a bound where DuckDB cannot spill it. The cache
      // update above ran unbounded too (a one-time build of a big lake is faster so).
      if (snapshotViews) await setup.run(`SET memory_limit = ${sqlString(props.memoryLimit ?? DEFAULT_MEMORY_LIMIT)}`);
      // Last: from here on the SQL run reads the lake and nothing else (lib/engines/sandbox).
      temporaryDirectory = mkdtempSync(join(tmpdir(), 'freshlake-duckdb-'));
      await confineToDirectories(setup, [props.lakeDir, ...lakeObjects.extraReadDirectories], temporaryDirectory);
    } catch (error) {
      cache?.release();
      lakeObjects.dispose();
      for (const connection of progressConnections) connection.closeSync();
      instance.closeSync();
      if (temporaryDirectory) rmSync(temporaryDirectory, { recursive: true, force: true });
      throw new QueryError(`Could not open the local lake: ${firstLine(error)}`, { cause: error });
    } finally {
      setup.closeSync();
    }
    return new LocalEngine(instance, props, directViewSql, cache ?? { state: { mode: 'off' }, release() {} }, lakeObjects, progressConnections, temporaryDirectory);
  }

  private closed = false;
  private readonly progressIntervalMs: number;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly props: LocalEngineProps,
    /** `CREATE VIEW ticket_events` over the lake files: what a damaged cache is replaced with. */
    private readonly directViewSql: string,
    private eventCache: EventCacheHandle,
    private readonly lakeObjects: LakeObjects,
    /** Connections with DuckDB's progress tracking on, for queries that report progress. */
    private readonly progressConnections: DuckDBConnection[],
    /** DuckDB's spill directory, the engine's own. */
    private readonly temporaryDirectory: string,
  ) {
    this.progressIntervalMs = props.progressIntervalMs ?? 1000;
  }

  /** Whether queries read the event cache, and what opening did to it. */
  get cache(): EventCacheState {
    return this.eventCache.state;
  }

  async execute(sql: string, values: readonly BoundParameter[], options: QueryOptions = {}): Promise<QueryResult> {
    if (this.closed) throw new QueryError('The local engine is closed.');
    // DuckDB's interrupt only stops a query that is running: an abort before or between the steps
    // below is checked explicitly.
    const throwIfAborted = () => {
      if (options.signal?.aborted) throw new QueryError('Query cancelled.');
    };
    throwIfAborted();
    const started = performance.now();
    let finished: number | undefined;
    // One connection per query: interrupting it stops this query only, and its result stream
    // cannot be invalidated by another query. A query that reports progress borrows one of the
    // connections set up for it (when all are busy, it runs without progress).
    const borrowed = options.onProgress ? this.progressConnections.pop() : undefined;
    const connection = borrowed ?? (await this.instance.connect());
    const watched = borrowed ? options : { ...options, onProgress: undefined };
    const stopWatching = watchQuery(connection, watched, this.progressIntervalMs);
    const finish = () => {
      if (finished !== undefined) return;
      finished = performance.now();
      stopWatching();
      if (borrowed && !this.closed) this.progressConnections.push(borrowed);
      else connection.closeSync();
    };
    // The whole answer is computed before any row is handed out (a materialized result, held by
    // DuckDB's buffer manager): DuckDB's streaming fetch ends a stream that failed half-way exactly
    // like a finished one (the C API returns no chunk for both, and node-api cannot ask why), so a
    // streamed answer could silently lose its last rows. Computed first, every error is an error,
    // and a damaged cache found while computing it is replaced before any row is out.
    const start = async (): Promise<DuckDBMaterializedResult> => {
      const parsedAsQuery = await refuseUnlessQuery(connection, sql);
      const prepared = await connection.prepare(sql);
      refuseUnlessQueryType(prepared, parsedAsQuery);
      bindParameters(prepared, values);
      throwIfAborted();
      return prepared.run();
    };
    let result: DuckDBMaterializedResult;
    try {
      try {
        result = await start();
      } catch (error) {
        if (!(await this.replaceDamagedCache(error))) throw error;
        result = await start();
      }
    } catch (error) {
      finish();
      throw queryError(error, options.signal);
    }
    const types = result.columnTypes();
    const columns: ResultColumn[] = result.columnNames().map((name, i) => ({ name, type: trinoTypeName(types[i]) }));
    async function* pages(): AsyncGenerator<RowValue[][]> {
      try {
        for (let i = 0; i < result.chunkCount; i++) {
          throwIfAborted();
          const chunk = result.getChunk(i);
          if (chunk.rowCount > 0) yield chunk.getRows().map((row) => row.map((value, column) => normalizeValue(value, types[column])));
        }
      } finally {
        finish();
      }
    }
    return {
      columns,
      pages: pages(),
      statistics: {
        engine: 'local',
        get elapsedMs() {
          return Math.round((finished ?? performance.now()) - started);
        },
      },
    };
  }

  /**
   * When a query failed on a damaged cache file (a data block failing its checksum, which opening
   * cannot see), points `ticket_events` at the lake files, deletes the cache so the next open builds
   * it again, and says so once. Returns whether it did: the query can then be run again.
   */
  private async replaceDamagedCache(error: unknown): Promise<boolean> {
    if (!this.eventCache.relation || !isEventCacheDamage(error)) return false;
    const reason = `the cache file is damaged (${firstLine(error)})`;
    const connection = await this.instance.connect();
    try {
      await connection.run(this.directViewSql);
      for (const view of LAKE_VIEWS) await connection.run(`CREATE OR REPLACE VIEW ${view.name} AS ${view.sql}`);
      // Views bind ticket_events when a query runs: from here on every query reads the lake files.
      await connection.run(`DETACH ${EVENT_CACHE_CATALOG}`).catch(() => undefined);
    } finally {
      connection.closeSync();
    }
    const notDeleted = discardDamagedEventCache(this.props.lakeDir);
    this.eventCache.release();
    this.eventCache = { state: { mode: 'fallback', reason }, release() {} };
    this.props.onStatus?.(
      notDeleted
        ? `Local cache ${eventCachePath(this.props.lakeDir)} is damaged (${firstLine(error)}) and could not be deleted (${notDeleted}): reading the lake files directly; delete it to rebuild it.`
        : `Local cache ${eventCachePath(this.props.lakeDir)} is damaged (${firstLine(error)}): deleted it, reading the lake files directly; the next run rebuilds it.`,
    );
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const connection of this.progressConnections.splice(0)) connection.closeSync();
    this.instance.closeSync();
    this.eventCache.release();
    this.lakeObjects.dispose();
    rmSync(this.temporaryDirectory, { recursive: true, force: true });
  }
}

/** Binds one value per `?`: integers as BIGINT (Trino's integer literal type), everything else as text. */
function bindParameters(prepared: DuckDBPreparedStatement, values: readonly BoundParameter[]): void {
  if (prepared.parameterCount !== values.length) {
    throw new UsageError(`The SQL has ${prepared.parameterCount} ? placeholder(s) but ${values.length} value(s) were given.`);
  }
  values.forEach((parameter, i) => {
    if (parameter.type === 'integer') prepared.bindBigInt(i + 1, BigInt(parameter.value));
    else prepared.bindVarchar(i + 1, String(parameter.value));
  });
}

/** Interrupts the query on abort, and reports progress while it runs. Returns the cleanup. */
function watchQuery(connection: DuckDBConnection, options: QueryOptions, intervalMs: number): () => void {
  const { signal, onProgress } = options;
  const onAbort = () => connection.interrupt();
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  if (onProgress) {
    let reported = -1;
    timer = setInterval(() => {
      const percent = Math.floor(connection.progress.percentage);
      // -1 means DuckDB has no estimate (yet); repeat nothing.
      if (percent < 0 || percent === reported) return;
      reported = percent;
      onProgress(`Local query: ${percent}% scanned`);
    }, intervalMs);
    timer.unref();
  }
  return () => {
    signal?.removeEventListener('abort', onAbort);
    if (timer) clearInterval(timer);
  };
}

function queryError(error: unknown, signal?: AbortSignal): Error {
  if (error instanceof UsageError || error instanceof QueryError) return error;
  if (signal?.aborted) return new QueryError('Query cancelled.', { cause: error });
  return new QueryError(firstLine(error), { cause: error });
}

/** DuckDB messages carry the SQL and a caret on later lines; the first line says what is wrong. */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0].trim();
}

/** Lower-case, Trino-like type names, as Athena reports them in result metadata. */
export function trinoTypeName(type: DuckDBType): string {
  switch (type.typeId) {
    case DuckDBTypeId.VARCHAR:
      return 'varchar';
    case DuckDBTypeId.BOOLEAN:
      return 'boolean';
    case DuckDBTypeId.TINYINT:
      return 'tinyint';
    case DuckDBTypeId.SMALLINT:
      return 'smallint';
    case DuckDBTypeId.INTEGER:
      return 'integer';
    case DuckDBTypeId.BIGINT:
    // DuckDB widens sum(bigint) and count_if to HUGEINT; Trino returns bigint for both.
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UINTEGER:
      return 'bigint';
    case DuckDBTypeId.FLOAT:
      return 'real';
    case DuckDBTypeId.DOUBLE:
      return 'double';
    case DuckDBTypeId.DECIMAL:
      return `decimal(${type.width},${type.scale})`;
    case DuckDBTypeId.DATE:
      return 'date';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return 'timestamp(3)';
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'timestamp(3) with time zone';
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return `array(${trinoTypeName(type.valueType)})`;
    case DuckDBTypeId.STRUCT:
      return `row(${type.entryNames.map((name, i) => `${name} ${trinoTypeName(type.entryTypes[i])}`).join(', ')})`;
    case DuckDBTypeId.MAP:
      return `map(${trinoTypeName(type.keyType)}, ${trinoTypeName(type.valueType)})`;
    default:
      return type.toString().toLowerCase();
  }
}

const MICROS_PER_MS = 1000n;

/**
 * `YYYY-MM-DD HH:MM:SS.mmm` (UTC) from epoch microseconds, as Athena renders timestamp(3); DuckDB's
 * own text of the value outside years 0-9999 (made only then: it costs more than the rest).
 */
function timestampText(epochMicros: bigint, value: DuckDBValue): string {
  // Floor, not truncate, so instants before 1970 keep their millisecond.
  let millis = epochMicros / MICROS_PER_MS;
  if (epochMicros < 0n && epochMicros % MICROS_PER_MS !== 0n) millis -= 1n;
  const date = new Date(Number(millis));
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 0 || date.getUTCFullYear() > 9999) return String(value);
  return date.toISOString().replace('T', ' ').slice(0, 23);
}

/** An integer as a number when it is exact, else as decimal text (engine.ts's rule). */
function integerValue(value: bigint | number): number | string {
  if (typeof value === 'number') return value;
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

/** Converts a DuckDB value to the plain value engine.ts promises, the same as the Athena engine's. */
export function normalizeValue(value: DuckDBValue, type: DuckDBType): RowValue {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return Boolean(value);
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return integerValue(value as bigint | number);
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE: {
      const n = value as number;
      // JSON has no NaN or Infinity; Athena renders them as text too.
      return Number.isFinite(n) ? n : String(n);
    }
    case DuckDBTypeId.DECIMAL: {
      // A number when the scaled value has at most 15-16 significant digits (a double holds it), else text.
      const decimal = value as DuckDBDecimalValue;
      const scaled = decimal.value < 0n ? -decimal.value : decimal.value;
      return scaled <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(decimal.toString()) : decimal.toString();
    }
    case DuckDBTypeId.DATE:
      return (value as DuckDBDateValue).toString();
    case DuckDBTypeId.TIMESTAMP:
      return timestampText((value as DuckDBTimestampValue).micros, value);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return timestampText((value as DuckDBTimestampTZValue).micros, value);
    case DuckDBTypeId.TIMESTAMP_S:
      return timestampText((value as DuckDBTimestampSecondsValue).seconds * 1_000_000n, value);
    case DuckDBTypeId.TIMESTAMP_MS:
      return timestampText((value as DuckDBTimestampMillisecondsValue).millis * MICROS_PER_MS, value);
    case DuckDBTypeId.TIMESTAMP_NS:
      return timestampText((value as DuckDBTimestampNanosecondsValue).nanos / MICROS_PER_MS, value);
    case DuckDBTypeId.LIST:
      return (value as DuckDBListValue).items.map((item) => normalizeValue(item, type.valueType));
    case DuckDBTypeId.ARRAY:
      return (value as DuckDBArrayValue).items.map((item) => normalizeValue(item, type.valueType));
    case DuckDBTypeId.STRUCT: {
      const entries = (value as DuckDBStructValue).entries;
      const out: { [key: string]: RowValue } = {};
      type.entryNames.forEach((name, i) => {
        out[name] = normalizeValue(entries[name] ?? null, type.entryTypes[i]);
      });
      return out;
    }
    case DuckDBTypeId.MAP: {
      const out: { [key: string]: RowValue } = {};
      for (const { key, value: v } of (value as DuckDBMapValue).entries) {
        out[String(normalizeValue(key, type.keyType))] = normalizeValue(v, type.valueType);
      }
      return out;
    }
    default:
      return typeof value === 'string' ? value : String(value);
  }
}
