/**
 * The Athena query engine: runs SQL in a workgroup with bound parameters, waits for it, and
 * streams the result pages.
 *
 * - Parameters travel as ExecutionParameters, never spliced into the SQL text: each value is sent
 *   as a SQL literal (Athena parses each one as a literal, so a string must be quoted; a quote
 *   inside it is doubled, which is the only escape a Trino string literal has).
 * - There is no SDK waiter for queries: we poll GetQueryExecution with backoff. QUEUED is normal
 *   (a workgroup runs a limited number of queries at once), so it never counts as a failure.
 * - GetQueryResults returns at most 1,000 rows a page; pages are fetched as the caller consumes
 *   them, so a large result never sits in memory.
 * - Aborting the signal sends StopQueryExecution, so Ctrl-C does not leave a query scanning (and
 *   billing) after the CLI is gone.
 */
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type AthenaClientConfig,
  type ColumnInfo,
  type GetQueryResultsCommandOutput,
  type QueryExecution,
  type Row,
} from '@aws-sdk/client-athena';
import { callAws } from '../aws-errors';
import { QueryError, UsageError } from '../errors';
import type { BoundParameter } from '../saved-queries';
import type { QueryEngine, QueryOptions, QueryResult, QueryStatistics, ResultColumn, RowValue } from './engine';
import { ATHENA_MAX_REUSE_MINUTES, formatBytes } from './athena-limits';

export { ATHENA_MAX_REUSE_MINUTES, formatBytes };

/** The default catalog: tables registered in the Glue Data Catalog. */
export const ATHENA_DEFAULT_CATALOG = 'AwsDataCatalog';
/** GetQueryResults MaxResults upper bound. */
export const ATHENA_MAX_PAGE_ROWS = 1000;
/** An ExecutionParameters item is at most 1,024 characters. */
export const ATHENA_MAX_PARAMETER_LENGTH = 1024;

export interface AthenaEngineProps {
  /**
   * Athena database the unqualified table and view names resolve in.
   */
  readonly database: string;
  /**
   * Workgroup to run in; its settings (result location, encryption, bytes-scanned cutoff) apply.
   * @default 'primary'
   */
  readonly workGroup?: string;
  /**
   * Data catalog.
   * @default ATHENA_DEFAULT_CATALOG
   */
  readonly catalog?: string;
  /**
   * Reuse a previous result of the same query up to this age, in minutes (1 to 10,080; needs
   * Athena engine version 3).
   * @default no reuse: every run scans
   * @see https://docs.aws.amazon.com/athena/latest/ug/reusing-query-results.html
   */
  readonly reuseMaxAgeMinutes?: number;
  /**
   * The client to use.
   * @default a new AthenaClient(clientConfig), with the standard credential chain
   */
  readonly client?: AthenaClient;
  /**
   * Configuration of the client created when `client` is not given (region, credentials, profile).
   * @default {}
   */
  readonly clientConfig?: AthenaClientConfig;
  /**
   * First wait between two GetQueryExecution calls, ms; it doubles up to `pollMaxMs`.
   * @default 200
   */
  readonly pollInitialMs?: number;
  /**
   * Longest wait between two GetQueryExecution calls, ms.
   * @default 2000
   */
  readonly pollMaxMs?: number;
  /**
   * Rows per GetQueryResults page (1 to 1,000).
   * @default ATHENA_MAX_PAGE_ROWS
   */
  readonly pageSize?: number;
  /**
   * Waits `ms` milliseconds; rejects or resolves early when the signal aborts. Injected by tests.
   * @default a setTimeout-based sleep
   */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Clock for elapsed times in progress messages, ms. Injected by tests.
   * @default Date.now
   */
  readonly now?: () => number;
}

/** Athena's price per byte scanned: $5 per TB, with TB = 2^40 bytes (AWS bills data sizes in binary units). */
export const ATHENA_USD_PER_TB = 5;
const BYTES_PER_MB = 1024 * 1024;
const BYTES_PER_TB = 1024 * 1024 * 1024 * 1024;
/** Athena bills at least 10 MB per query. */
export const ATHENA_MINIMUM_BILLED_BYTES = 10 * BYTES_PER_MB;

/**
 * What Athena charges for a query: bytes scanned rounded up to the MB, at least 10 MB, at $5/TB.
 * A reused result scans nothing and is not charged; neither are DDL statements.
 * @see https://aws.amazon.com/athena/pricing/
 */
export function athenaQueryCostUsd(bytesScanned: number, options: { reusedResult?: boolean; statementType?: string } = {}): number {
  if (options.reusedResult || options.statementType === 'DDL') return 0;
  const billed = Math.max(Math.ceil(Math.max(bytesScanned, 0) / BYTES_PER_MB) * BYTES_PER_MB, ATHENA_MINIMUM_BILLED_BYTES);
  return (billed / BYTES_PER_TB) * ATHENA_USD_PER_TB;
}

/**
 * One ExecutionParameters item: the value as a SQL literal. Integers are digits; everything else
 * (strings, enums, and dates/timestamps, which the SQL casts) is a single-quoted string literal
 * with inner quotes doubled, so `x' OR '1'='1` stays one string value.
 * @throws UsageError when the literal exceeds Athena's 1,024-character limit
 */
export function athenaParameterLiteral(parameter: BoundParameter): string {
  let literal: string;
  if (parameter.type === 'integer') {
    if (typeof parameter.value !== 'number' || !Number.isSafeInteger(parameter.value)) {
      throw new UsageError(`Parameter ${parameter.name}: ${String(parameter.value)} is not an integer.`);
    }
    literal = String(parameter.value);
  } else {
    literal = `'${String(parameter.value).replace(/'/g, "''")}'`;
  }
  if (literal.length > ATHENA_MAX_PARAMETER_LENGTH) {
    throw new UsageError(`Parameter ${parameter.name} is longer than Athena's limit of ${ATHENA_MAX_PARAMETER_LENGTH} characters per parameter.`);
  }
  return literal;
}

/** A column type as the engine interface names it (lower case; decimals with precision and scale). */
function resultColumn(info: ColumnInfo): ResultColumn {
  const type = (info.Type ?? 'varchar').toLowerCase();
  const withPrecision = type === 'decimal' && info.Precision !== undefined ? `decimal(${info.Precision},${info.Scale ?? 0})` : type;
  return { name: info.Name ?? info.Label ?? '', type: withPrecision };
}

const TIMESTAMP_TEXT = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?(?: (?:UTC|Z|\+00:00))?$/;

/**
 * Converts Athena's text rendering of a value to the typed value both engines return
 * (lib/engines/engine.ts). A missing VarCharValue is SQL NULL; an empty string is ''.
 */
export function athenaValue(text: string | undefined, type: string): RowValue {
  if (text === undefined) return null;
  const base = type.toLowerCase().replace(/\(.*$/, '').trim();
  switch (base) {
    case 'integer':
    case 'int':
    case 'tinyint':
    case 'smallint':
      return Number(text);
    case 'bigint': {
      const n = Number(text);
      // Beyond 2^53 a JavaScript number would silently change the id: keep the exact digits.
      return Number.isSafeInteger(n) ? n : text;
    }
    case 'double':
    case 'float':
    case 'real':
    case 'decimal': {
      const n = Number(text);
      // NaN and Infinity have no JSON form: keep Athena's text.
      return Number.isFinite(n) ? n : text;
    }
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'timestamp':
    case 'timestamp with time zone': {
      const m = TIMESTAMP_TEXT.exec(text);
      if (!m) return text;
      const millis = (m[3] ?? '').padEnd(3, '0').slice(0, 3);
      return `${m[1]} ${m[2]}.${millis}`;
    }
    case 'array':
    case 'map':
    case 'row':
    case 'json':
      return parseJsonText(text);
    default:
      // varchar, char, date (already YYYY-MM-DD), time, varbinary, interval, uuid, ipaddress.
      return text;
  }
}

/**
 * Athena renders json values as JSON, and arrays of numbers or booleans happen to be JSON too;
 * arrays of strings (`[a, b]`), maps (`{k=v}`) and rows are not, and splitting them would guess
 * wrong when a value contains ", " or "=", so they stay text. Cast to JSON in the SQL for structure.
 */
function parseJsonText(text: string): RowValue {
  try {
    return JSON.parse(text) as RowValue;
  } catch {
    return text;
  }
}

/** Default sleep: resolves after `ms`, or as soon as the signal aborts. */
function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export class AthenaEngine implements QueryEngine {
  private readonly client: AthenaClient;
  private readonly ownsClient: boolean;
  private readonly workGroup: string;
  private readonly catalog: string;
  private readonly pollInitialMs: number;
  private readonly pollMaxMs: number;
  private readonly pageSize: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly props: AthenaEngineProps) {
    if (!props.database) throw new UsageError('Athena needs a database: pass --database <name> or --stack <name>.');
    const reuse = props.reuseMaxAgeMinutes;
    if (reuse !== undefined && (!Number.isInteger(reuse) || reuse < 1 || reuse > ATHENA_MAX_REUSE_MINUTES)) {
      throw new UsageError(`--reuse-minutes must be a whole number from 1 to ${ATHENA_MAX_REUSE_MINUTES} (Athena reuses results up to 7 days old).`);
    }
    this.pageSize = props.pageSize ?? ATHENA_MAX_PAGE_ROWS;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1 || this.pageSize > ATHENA_MAX_PAGE_ROWS) {
      throw new Error(`pageSize must be 1 to ${ATHENA_MAX_PAGE_ROWS} (GetQueryResults MaxResults).`);
    }
    this.ownsClient = props.client === undefined;
    this.client = props.client ?? new AthenaClient(props.clientConfig ?? {});
    this.workGroup = props.workGroup ?? 'primary';
    this.catalog = props.catalog ?? ATHENA_DEFAULT_CATALOG;
    this.pollInitialMs = props.pollInitialMs ?? 200;
    this.pollMaxMs = props.pollMaxMs ?? 2000;
    this.sleep = props.sleep ?? abortableSleep;
    this.now = props.now ?? Date.now;
  }

  async execute(sql: string, values: readonly BoundParameter[], options: QueryOptions = {}): Promise<QueryResult> {
    const { signal, onProgress } = options;
    const parameters = values.map(athenaParameterLiteral);
    if (signal?.aborted) throw new QueryError('Query not started: it was cancelled.');
    const reuse = this.props.reuseMaxAgeMinutes;
    const started = await callAws('athena:StartQueryExecution', () =>
      this.client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: this.workGroup,
          QueryExecutionContext: { Database: this.props.database, Catalog: this.catalog },
          // Athena rejects an empty list: omit it for queries without parameters.
          ExecutionParameters: parameters.length > 0 ? parameters : undefined,
          ResultReuseConfiguration: reuse !== undefined ? { ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: reuse } } : undefined,
        }),
      ),
    );
    const id = started.QueryExecutionId;
    if (!id) throw new QueryError('Athena StartQueryExecution returned no query execution id.');
    const execution = await this.waitForCompletion(id, signal, onProgress);
    const statistics = this.statisticsOf(execution);
    if (signal?.aborted) throw new QueryError(`Athena query ${id} finished, but the results were not read: cancelled.`);
    const firstPage = await this.resultPage(id, undefined, signal);
    const columnInfo = firstPage.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
    const columns = columnInfo.map(resultColumn);
    const statementType = execution.StatementType;
    return {
      columns,
      statistics,
      pages: this.pages(id, firstPage, columns, statementType, signal),
    };
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  /** Polls until the query leaves QUEUED/RUNNING; stops it if the signal aborts meanwhile. */
  private async waitForCompletion(id: string, signal: AbortSignal | undefined, onProgress: ((message: string) => void) | undefined): Promise<QueryExecution> {
    const startedAt = this.now();
    let delay = this.pollInitialMs;
    for (;;) {
      if (signal?.aborted) await this.stop(id);
      const { QueryExecution: execution } = await callAws('athena:GetQueryExecution', () =>
        this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: id })),
      );
      const state = execution?.Status?.State;
      if (!execution || !state) throw new QueryError(`Athena returned no status for query ${id}.`);
      switch (state) {
        case 'SUCCEEDED':
          return execution;
        case 'FAILED':
          throw new QueryError(`Athena query ${id} failed: ${failureReason(execution)}`);
        case 'CANCELLED':
          throw new QueryError(`Athena query ${id} was cancelled: ${failureReason(execution) || 'stopped by a user or a workgroup data limit'}`);
        case 'QUEUED':
        case 'RUNNING': {
          const scanned = execution.Statistics?.DataScannedInBytes;
          const elapsed = ((this.now() - startedAt) / 1000).toFixed(1);
          onProgress?.(`Athena ${state.toLowerCase()} ${elapsed} s${scanned ? `, ${formatBytes(scanned)} scanned` : ''} (${id})`);
          await this.sleep(delay, signal);
          delay = Math.min(delay * 2, this.pollMaxMs);
          break;
        }
        default:
          throw new QueryError(`Athena query ${id} is in an unexpected state ${state}.`);
      }
    }
  }

  /** Stops the query, then throws: the caller asked for it to end. */
  private async stop(id: string): Promise<never> {
    await callAws('athena:StopQueryExecution', () => this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: id })));
    throw new QueryError(`Athena query ${id} stopped (StopQueryExecution sent): cancelled by the user.`);
  }

  private statisticsOf(execution: QueryExecution): QueryStatistics {
    const stats = execution.Statistics ?? {};
    const bytesScanned = stats.DataScannedInBytes ?? 0;
    const reusedResult = stats.ResultReuseInformation?.ReusedPreviousResult ?? false;
    return {
      engine: 'athena',
      elapsedMs: stats.EngineExecutionTimeInMillis ?? 0,
      bytesScanned,
      costUsd: athenaQueryCostUsd(bytesScanned, { reusedResult, statementType: execution.StatementType }),
      reusedResult,
      queryExecutionId: execution.QueryExecutionId,
    };
  }

  private resultPage(id: string, nextToken: string | undefined, signal: AbortSignal | undefined): Promise<GetQueryResultsCommandOutput> {
    return callAws('athena:GetQueryResults', () =>
      this.client.send(new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: nextToken, MaxResults: this.pageSize }), { abortSignal: signal }),
    );
  }

  private async *pages(
    id: string,
    firstPage: GetQueryResultsCommandOutput,
    columns: readonly ResultColumn[],
    statementType: string | undefined,
    signal: AbortSignal | undefined,
  ): AsyncGenerator<RowValue[][]> {
    let page: GetQueryResultsCommandOutput = firstPage;
    let first = true;
    for (;;) {
      let rows = page.ResultSet?.Rows ?? [];
      // The first row of a SELECT's first page holds the column names, not data.
      if (first && rows.length > 0 && isHeaderRow(rows[0], columns, statementType)) rows = rows.slice(1);
      first = false;
      yield rows.map((row) => columns.map((column, i) => athenaValue(row.Data?.[i]?.VarCharValue, column.type)));
      if (!page.NextToken) return;
      if (signal?.aborted) throw new QueryError(`Reading the results of Athena query ${id} was cancelled.`);
      page = await this.resultPage(id, page.NextToken, signal);
    }
  }
}

/**
 * SELECT results (statement type DML) start with a header row. DDL and utility statements
 * (SHOW, DESCRIBE, EXPLAIN) do not; when the type is unknown, the header is recognised by its
 * values being the column names.
 */
function isHeaderRow(row: Row, columns: readonly ResultColumn[], statementType: string | undefined): boolean {
  if (statementType === 'DML') return true;
  if (statementType !== undefined) return false;
  const data = row.Data ?? [];
  return data.length === columns.length && columns.every((c, i) => data[i]?.VarCharValue === c.name);
}

/** Athena's reason for a failed or cancelled query: the state change reason and the error detail. */
function failureReason(execution: QueryExecution): string {
  const reason = execution.Status?.StateChangeReason?.trim();
  const detail = execution.Status?.AthenaError?.ErrorMessage?.trim();
  if (reason && detail && !reason.includes(detail)) return `${reason} (${detail})`;
  return reason || detail || '';
}
