/**
 * Freshdesk's numeric codes and their names (Freshdesk API v2). One definition: the views'
 * name columns, the event generator and the tests all read these maps.
 */

/** Ticket status. Accounts can add custom statuses, which have other numbers. */
export const TICKET_STATUS = { 2: 'Open', 3: 'Pending', 4: 'Resolved', 5: 'Closed' } as const;

/** Statuses that count as done for backlog, SLA and urgent-unassigned questions. */
export const DONE_STATUSES: readonly number[] = [4, 5];

/** Statuses that make up the backlog. */
export const BACKLOG_STATUSES: readonly number[] = [2, 3];

/** Ticket priority. */
export const TICKET_PRIORITY = { 1: 'Low', 2: 'Medium', 3: 'High', 4: 'Urgent' } as const;

/** Ticket source, i.e. the channel the ticket came in by. 4-6 are legacy channels. */
export const TICKET_SOURCE = {
  1: 'Email',
  2: 'Portal',
  3: 'Phone',
  4: 'Forum',
  5: 'Twitter',
  6: 'Facebook',
  7: 'Chat',
  9: 'Feedback Widget',
  10: 'Outbound Email',
} as const;

/** Ticket types a default Freshdesk account offers. */
export const TICKET_TYPES = ['Question', 'Incident', 'Problem', 'Feature Request', 'Refund'] as const;

/**
 * A SQL CASE expression that maps a code column to its name, the same on Trino and DuckDB.
 * Unknown codes (custom statuses) show as e.g. `Status 7` rather than NULL.
 */
export function codeNameSql(column: string, codes: Record<number, string>, unknownLabel: string): string {
  const arms = Object.entries(codes)
    .map(([code, name]) => `WHEN ${Number(code)} THEN '${name.replace(/'/g, "''")}'`)
    .join(' ');
  return `CASE ${column} ${arms} ELSE '${unknownLabel} ' || CAST(${column} AS varchar) END`;
}
