/**
 * `freshlake report`'s work, apart from the command line: run the KPI queries on an engine, turn
 * their results into headline numbers and page data, and write the one HTML file. The demo and the
 * benchmark call it too.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { QueryEngine, RowValue } from '../engines/engine';
import type { SavedQuery } from '../saved-queries';
import { chartLibrary } from './assets';
import { encodeTable, type EncodedTable } from './encode';
import { headlineNumbers, type HeadlineNumbers } from './headline';
import { renderReportHtml } from './page';
import { rowObjects, runSectionQueries, type QueryTable, type RunProgress, type SectionResult } from './run-queries';
import { REPORT_SECTIONS, type ReportPeriod, type ReportSection } from './sections';

export interface BuildReportOptions {
  readonly engine: QueryEngine;
  readonly catalog: readonly SavedQuery[];
  readonly period: ReportPeriod;
  /** Where the data comes from, shown in the page header (no secrets, no personal data). */
  readonly source: string;
  /** Keep ticket subjects in the urgent-tickets table. */
  readonly subjects: boolean;
  /** Queries running at once. */
  readonly concurrency: number;
  readonly now: Date;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: RunProgress) => void;
}

export interface BuiltReport {
  readonly html: string;
  readonly headline: HeadlineNumbers;
  /** The query results as they went into the file (allowed columns only), by section id. */
  readonly tables: Readonly<Record<string, QueryTable>>;
  readonly results: readonly SectionResult[];
  /** Athena: bytes scanned and cost over all the queries. */
  readonly bytesScanned: number;
  readonly costUsd: number;
  /** Wall time of the queries (they overlap), ms. */
  readonly queriesMs: number;
}

/** Only the allowed columns of a result (lib/report/sections: no requester data; subjects on request). */
export function allowedColumns(section: ReportSection, table: QueryTable, subjects: boolean): QueryTable {
  const allowed = new Set([...section.columns, ...(subjects ? section.subjectColumns ?? [] : [])]);
  const keep = table.columns.map((name, i) => [name, i] as const).filter(([name]) => allowed.has(name));
  return { columns: keep.map(([name]) => name), rows: table.rows.map((row) => keep.map(([, i]) => row[i])) };
}

export async function buildReport(options: BuildReportOptions): Promise<BuiltReport> {
  const started = performance.now();
  const results = await runSectionQueries(options.engine, options.catalog, REPORT_SECTIONS, options.period, {
    concurrency: options.concurrency,
    signal: options.signal,
    onProgress: options.onProgress,
  });
  const queriesMs = Math.round(performance.now() - started);
  const tables: Record<string, QueryTable> = {};
  const data: Record<string, EncodedTable> = {};
  for (const result of results) {
    tables[result.section.id] = allowedColumns(result.section, result, options.subjects);
    data[result.section.id] = encodeTable(tables[result.section.id]);
  }
  const headline = headlineNumbers(tables, options.period);
  const bytesScanned = results.reduce((sum, r) => sum + (r.statistics.bytesScanned ?? 0), 0);
  const costUsd = results.reduce((sum, r) => sum + (r.statistics.costUsd ?? 0), 0);
  const athena = results.some((r) => r.statistics.engine === 'athena');
  const definitions = Object.fromEntries(options.catalog.map((q) => [q.name, q.description]));
  const queriesNote = `${results.length} saved queries in ${(queriesMs / 1000).toFixed(1)} s` + (athena ? `, ${formatMegabytes(bytesScanned)} scanned, about $${costUsd.toFixed(4)} on Athena.` : ' on the local engine.');
  const html = renderReportHtml(
    {
      title: 'Support report',
      generatedAt: options.now.toISOString(),
      period: options.period,
      source: options.source,
      headline,
      data,
      definitions,
      urgentTickets: rowObjects(tables.urgent) as Record<string, RowValue>[],
      subjects: options.subjects,
      queriesNote,
    },
    chartLibrary(),
  );
  return { html, headline, tables, results, bytesScanned, costUsd, queriesMs };
}

function formatMegabytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Writes the file atomically (temporary file in the same directory, then rename), so a reader never sees half a report. */
export function writeReportFile(file: string, html: string): void {
  const temporary = join(dirname(file), `.${basename(file)}.tmp-${process.pid}`);
  writeFileSync(temporary, html);
  renameSync(temporary, file);
}
