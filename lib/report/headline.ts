/**
 * The headline numbers at the top of the report, each read from one KPI query's result (never
 * recomputed from raw events), so a number in the page can be checked against `freshlake run`.
 */
import type { RowValue } from '../engines/engine';
import { rowObjects, type QueryTable } from './run-queries';

export interface HeadlineNumbers {
  /** Unresolved tickets at the end of the last day (daily-ticket-history). */
  readonly backlogNow: number;
  /** Unresolved tickets at the end of the first day. */
  readonly backlogAtStart: number;
  readonly backlogChange: number;
  /** Rows of urgent-unassigned. */
  readonly urgentUnassigned: number;
  /** Distinct tickets in sla-breaching-now. */
  readonly breachingNow: number;
  /** response-times-by-week, scope period: p50 hours (null when no ticket has the data). */
  readonly medianFirstResponseHours: number | null;
  readonly medianResolutionHours: number | null;
  /** sla-by-week, scope period: share met, 0..1 (null when no ticket is due yet). */
  readonly resolutionSlaMet: number | null;
  readonly firstResponseSlaMet: number | null;
  /** Sums over the period of tickets-created-by-day and tickets-resolved-by-day. */
  readonly created: number;
  readonly resolutions: number;
}

const num = (value: RowValue | undefined): number => (typeof value === 'number' ? value : Number(value ?? 0));
const numOrNull = (value: RowValue | undefined): number | null => (value === null || value === undefined ? null : num(value));

/** The backlog (sum over priorities and groups) per day, in day order. */
export function backlogByDay(backlog: QueryTable): { day: string; unresolved: number }[] {
  const byDay = new Map<string, number>();
  for (const row of rowObjects(backlog)) byDay.set(String(row.day), (byDay.get(String(row.day)) ?? 0) + num(row.unresolved_tickets));
  return [...byDay.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([day, unresolved]) => ({ day, unresolved }));
}

/**
 * @param period the report's days: the backlog "now" is the end of its last day, the change is
 *   measured from the end of its first day (0 on a day before the lake's first ticket).
 */
export function headlineNumbers(tables: Readonly<Record<string, QueryTable>>, period: { readonly from: string; readonly to: string }): HeadlineNumbers {
  const days = backlogByDay(tables.backlog);
  const backlogOn = (day: string) => days.find((d) => d.day === day)?.unresolved ?? 0;
  const periodRow = (table: QueryTable | undefined) => (table ? rowObjects(table).find((r) => r.scope === 'period') : undefined);
  const responses = periodRow(tables.responseTimes);
  const sla = periodRow(tables.sla);
  const backlogNow = backlogOn(period.to);
  const backlogAtStart = backlogOn(period.from);
  return {
    backlogNow,
    backlogAtStart,
    backlogChange: backlogNow - backlogAtStart,
    urgentUnassigned: tables.urgent.rows.length,
    breachingNow: new Set(rowObjects(tables.breaching).map((r) => r.ticket_id)).size,
    medianFirstResponseHours: numOrNull(responses?.p50_first_response_hours),
    medianResolutionHours: numOrNull(responses?.p50_resolution_hours),
    resolutionSlaMet: numOrNull(sla?.resolution_met_share),
    firstResponseSlaMet: numOrNull(sla?.first_response_met_share),
    created: rowObjects(tables.created).reduce((sum, r) => sum + num(r.tickets), 0),
    resolutions: rowObjects(tables.resolved).reduce((sum, r) => sum + num(r.resolutions), 0),
  };
}
