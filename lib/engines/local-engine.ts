/**
 * The embedded query engine: DuckDB (@duckdb/node-api) over a local lake with the bucket's layout
 * (`events/dt=YYYY-MM-DD/*.gz`). It exposes the same relations as Athena (`ticket_events` with the
 * columns of lib/schema, then the views of lib/views) and speaks Trino through lib/engines/trino-compat,
 * so a saved query runs unchanged on either engine.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DuckDBConnection,
  DuckDBInstance,
  DuckDBPreparedStatement,
  DuckDBResult,
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
import { EVENTS_PREFIX, PARTITION_KEY } from '../lake-layout';
import type { BoundParameter } from '../saved-queries';
import { PARTITION_COLUMN, TICKET_EVENTS_TABLE, TICKET_EVENT_COLUMNS, duckDbReadJsonColumns, quoteDuckDbIdentifier } from '../schema';
import { LAKE_VIEWS } from '../views';
import type { QueryEngine, QueryOptions, QueryResult, ResultColumn, RowValue } from './engine';
import { TRINO_SESSION_SETTINGS, installTrinoCompat } from './trino-compat';

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
}

/** The `read_json` call that reads the lake: columns from the one schema, never auto-detected. */
export function lakeReadJsonSql(lakeDir: string): string {
  const glob = join(resolve(lakeDir), EVENTS_PREFIX, `${PARTITION_KEY}=*`, '*.gz');
  return [
    `read_json(${sqlString(glob)}`,
    `columns = ${duckDbReadJsonColumns()}`,
    "format = 'newline_delimited'",
    "compression = 'gzip'",
    // dt comes from the directory name, as on Athena (partition projection); VARCHAR like the Glue
    // partition column, instead of DuckDB's guess (DATE), so `dt = '2026-11-27'` compares strings.
    'hive_partitioning = true',
    `hive_types = {${sqlString(PARTITION_KEY)}: 'VARCHAR'}`,
    // A line that is not JSON, or a value that does not fit its column, becomes NULLs instead of
    // failing the query (Athena: ignore.malformed.json). ticket_history drops rows without a ticket id.
    'ignore_errors = true)',
  ].join(', ');
}

/** `CREATE VIEW ticket_events`: schema columns in table order (JSON key -> column name), then dt. */
export function ticketEventsViewSql(lakeDir: string, hasFiles: boolean): string {
  const partition = quoteDuckDbIdentifier(PARTITION_COLUMN.name);
  if (!hasFiles) {
    // read_json fails on a glob that matches nothing, so an empty lake gets an empty view with
    // the same column names and types: queries run and return no rows.
    const nulls = TICKET_EVENT_COLUMNS.map((c) => `CAST(NULL AS ${c.type.duckDb}) AS ${quoteDuckDbIdentifier(c.name)}`);
    return `CREATE OR REPLACE VIEW ${TICKET_EVENTS_TABLE} AS SELECT ${nulls.join(', ')}, CAST(NULL AS VARCHAR) AS ${partition} WHERE false`;
  }
  const columns = TICKET_EVENT_COLUMNS.map((c) =>
    c.jsonKey ? `${quoteDuckDbIdentifier(c.jsonKey)} AS ${quoteDuckDbIdentifier(c.name)}` : quoteDuckDbIdentifier(c.name),
  );
  return `CREATE OR REPLACE VIEW ${TICKET_EVENTS_TABLE} AS SELECT ${columns.join(', ')}, ${partition} FROM ${lakeReadJsonSql(lakeDir)}`;
}

/** True when the lake holds at least one day file. */
function lakeHasEventFiles(eventsDir: string): boolean {
  for (const entry of readdirSync(eventsDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith(`${PARTITION_KEY}=`)) continue;
    if (readdirSync(join(eventsDir, entry.name)).some((f) => f.endsWith('.gz'))) return true;
  }
  return false;
}

export class LocalEngine implements QueryEngine {
  /**
   * Opens the lake: checks it exists, installs the Trino compatibility layer, and creates
   * `ticket_events` and the lake views. Files added to an empty lake later are seen only by a
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
    const options: Record<string, string> = {};
    if (props.threads !== undefined) options.threads = String(props.threads);
    const instance = await DuckDBInstance.create(':memory:', options);
    const setup = await instance.connect();
    try {
      await installTrinoCompat(setup);
      await setup.run(ticketEventsViewSql(props.lakeDir, lakeHasEventFiles(eventsDir)));
      for (const view of LAKE_VIEWS) await setup.run(`CREATE OR REPLACE VIEW ${view.name} AS ${view.sql}`);
    } catch (error) {
      instance.closeSync();
      throw new QueryError(`Could not open the local lake: ${firstLine(error)}`, { cause: error });
    } finally {
      setup.closeSync();
    }
    return new LocalEngine(instance, props.progressIntervalMs ?? 1000);
  }

  private closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly progressIntervalMs: number,
  ) {}

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
    // cannot be invalidated by another query.
    const connection = await this.instance.connect();
    const stopWatching = watchQuery(connection, options, this.progressIntervalMs);
    const finish = () => {
      if (finished !== undefined) return;
      finished = performance.now();
      stopWatching();
      connection.closeSync();
    };
    let result: DuckDBResult;
    try {
      for (const setting of TRINO_SESSION_SETTINGS) await connection.run(setting.sql);
      if (options.onProgress) {
        // DuckDB tracks progress only with its progress bar on; never let it print to the terminal.
        await connection.run('SET enable_progress_bar = true');
        await connection.run('SET enable_progress_bar_print = false');
      }
      const prepared = await connection.prepare(sql);
      bindParameters(prepared, values);
      throwIfAborted();
      result = await prepared.stream();
    } catch (error) {
      finish();
      throw queryError(error, options.signal);
    }
    const types = result.columnTypes();
    const columns: ResultColumn[] = result.columnNames().map((name, i) => ({ name, type: trinoTypeName(types[i]) }));
    async function* pages(): AsyncGenerator<RowValue[][]> {
      try {
        for (;;) {
          let chunk;
          try {
            throwIfAborted();
            chunk = await result.fetchChunk();
          } catch (error) {
            throw queryError(error, options.signal);
          }
          if (!chunk || chunk.rowCount === 0) return;
          yield chunk.getRows().map((row) => row.map((value, i) => normalizeValue(value, types[i])));
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

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.instance.closeSync();
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

function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
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

/** `YYYY-MM-DD HH:MM:SS.mmm` (UTC) from epoch microseconds, as Athena renders timestamp(3). */
function timestampText(epochMicros: bigint, fallback: string): string {
  // Floor, not truncate, so instants before 1970 keep their millisecond.
  let millis = epochMicros / MICROS_PER_MS;
  if (epochMicros < 0n && epochMicros % MICROS_PER_MS !== 0n) millis -= 1n;
  const date = new Date(Number(millis));
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 0 || date.getUTCFullYear() > 9999) return fallback;
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
      return timestampText((value as DuckDBTimestampValue).micros, String(value));
    case DuckDBTypeId.TIMESTAMP_TZ:
      return timestampText((value as DuckDBTimestampTZValue).micros, String(value));
    case DuckDBTypeId.TIMESTAMP_S:
      return timestampText((value as DuckDBTimestampSecondsValue).seconds * 1_000_000n, String(value));
    case DuckDBTypeId.TIMESTAMP_MS:
      return timestampText((value as DuckDBTimestampMillisecondsValue).millis * MICROS_PER_MS, String(value));
    case DuckDBTypeId.TIMESTAMP_NS:
      return timestampText((value as DuckDBTimestampNanosecondsValue).nanos / MICROS_PER_MS, String(value));
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
