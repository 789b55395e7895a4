/**
 * Runs the report's saved queries on one engine, a few at a time (Athena runs them in parallel in
 * the workgroup; DuckDB shares its threads between the connections), and keeps each result whole:
 * the report needs every row to draw its charts, and the results are small (a row per day, week,
 * group or agent).
 */
import type { QueryEngine, QueryStatistics, RowValue } from '../engines/engine';
import { QueryError } from '../errors';
import { bindSavedQuery, findSavedQuery, type SavedQuery } from '../saved-queries';
import { periodParameters, type ReportPeriod, type ReportSection } from './sections';

export interface QueryTable {
  readonly columns: readonly string[];
  readonly rows: readonly RowValue[][];
}

export interface SectionResult extends QueryTable {
  readonly section: ReportSection;
  readonly statistics: QueryStatistics;
  /** Wall time of the query including reading its rows, ms. */
  readonly wallMs: number;
}

export interface RunProgress {
  readonly done: number;
  readonly total: number;
  /** Queries still running. */
  readonly running: readonly string[];
}

export interface RunSectionsOptions {
  /** Queries running at once. */
  readonly concurrency: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: RunProgress) => void;
}

/**
 * Runs every section's query with the period's parameters (each query takes the ones it declares).
 * @throws UsageError when a section's query is missing from the catalog (before anything runs)
 * @throws QueryError naming the query that failed
 */
export async function runSectionQueries(
  engine: QueryEngine,
  catalog: readonly SavedQuery[],
  sections: readonly ReportSection[],
  period: ReportPeriod,
  options: RunSectionsOptions,
): Promise<SectionResult[]> {
  const parameters = periodParameters(period);
  const jobs = sections.map((section) => {
    const query = findSavedQuery(catalog, section.query);
    const raw = Object.fromEntries(query.parameters.filter((p) => p.name in parameters).map((p) => [p.name, parameters[p.name]]));
    return { section, bound: bindSavedQuery(query, raw) };
  });
  const results: SectionResult[] = new Array(jobs.length);
  // The first failure stops the queries still running (Athena: StopQueryExecution), as Ctrl-C does.
  const controller = new AbortController();
  const stopAll = () => controller.abort();
  options.signal?.addEventListener('abort', stopAll, { once: true });
  let firstFailure: unknown;
  const running = new Set<string>();
  let next = 0;
  let done = 0;
  const report = () => options.onProgress?.({ done, total: jobs.length, running: [...running] });

  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      if (controller.signal.aborted) return;
      const index = next++;
      const { section, bound } = jobs[index];
      running.add(section.query);
      report();
      const started = performance.now();
      try {
        const result = await engine.execute(bound.sql, bound.values, { signal: controller.signal });
        const rows: RowValue[][] = [];
        for await (const page of result.pages) rows.push(...page);
        results[index] = { section, columns: result.columns.map((c) => c.name), rows, statistics: result.statistics, wallMs: Math.round(performance.now() - started) };
      } catch (error) {
        if (firstFailure === undefined && !(controller.signal.aborted && !options.signal?.aborted)) {
          const message = error instanceof Error ? error.message : String(error);
          firstFailure = new QueryError(`Report query ${section.query} failed: ${message}`, { cause: error });
        }
        stopAll();
        return;
      } finally {
        running.delete(section.query);
      }
      done++;
      report();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, jobs.length)) }, worker));
  } finally {
    options.signal?.removeEventListener('abort', stopAll);
  }
  if (firstFailure !== undefined) throw firstFailure;
  if (options.signal?.aborted) throw new QueryError('Report cancelled.');
  return results;
}

/** Rows as objects keyed by column name. */
export function rowObjects(table: QueryTable): Record<string, RowValue>[] {
  return table.rows.map((row) => Object.fromEntries(table.columns.map((c, i) => [c, row[i]])));
}
