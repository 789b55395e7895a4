/**
 * What the CLI needs from a query engine. Two implementations: Athena (lib/engines/athena-engine)
 * and the embedded DuckDB engine over a local lake (lib/engines/local-engine). Both run the same
 * SQL (Trino dialect; the local engine adds a compatibility layer) with bound parameters.
 */
import type { BoundParameter } from '../saved-queries';

export interface ResultColumn {
  readonly name: string;
  /** Engine type name, lower case (varchar, bigint, timestamp(3), array(varchar), ...). */
  readonly type: string;
}

/**
 * Row values are plain JSON-able values, the same on both engines: string, number, boolean, null,
 * arrays and objects. bigint outside the safe integer range is a decimal string. Timestamps are
 * UTC text `YYYY-MM-DD HH:MM:SS.mmm` (Athena's rendering), dates `YYYY-MM-DD`.
 */
export type RowValue = string | number | boolean | null | RowValue[] | { [key: string]: RowValue };

export interface QueryStatistics {
  readonly engine: 'athena' | 'local';
  /** Wall time of the query, ms (Athena: engine execution time). */
  readonly elapsedMs: number;
  /** Athena: data scanned, bytes. */
  readonly bytesScanned?: number;
  /** Athena: cost in USD at $5/TB, rounded up to the MB, 10 MB minimum. */
  readonly costUsd?: number;
  /** Athena: whether a reused result was served. */
  readonly reusedResult?: boolean;
  /** Athena: the query execution id. */
  readonly queryExecutionId?: string;
}

export interface QueryResult {
  readonly columns: readonly ResultColumn[];
  /** Rows in pages, streamed (Athena pages through GetQueryResults; local yields chunks). */
  readonly pages: AsyncIterable<RowValue[][]>;
  readonly statistics: QueryStatistics;
}

export interface QueryOptions {
  /** Aborting stops the query (Athena: StopQueryExecution; local: interrupt). */
  readonly signal?: AbortSignal;
  /** Progress lines for stderr (the CLI shows them only on a TTY). */
  readonly onProgress?: (message: string) => void;
}

export interface QueryEngine {
  /** Runs SQL with positional `?` placeholders and one value per placeholder. */
  execute(sql: string, values: readonly BoundParameter[], options?: QueryOptions): Promise<QueryResult>;
  close(): Promise<void>;
}
