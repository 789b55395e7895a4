/**
 * What the report shows: the saved KPI queries it runs, with the parameters each gets from the
 * report period, and the columns of each result that go into the HTML file. The columns are an
 * allow-list: nothing about requesters (names, e-mails, ids) ever reaches the file, and ticket
 * subjects only in the urgent-tickets table, unless --no-subjects.
 */
import { utcDay } from '../lake-layout';

/** The days the report covers (UTC, inclusive) and the moment due times are compared with. */
export interface ReportPeriod {
  readonly from: string;
  readonly to: string;
  /** `YYYY-MM-DD HH:MM:SS` UTC: now, or the end of `to` when `to` is in the past. */
  readonly asOf: string;
}

export interface ReportSection {
  /** Key of the section's data in the page. */
  readonly id: string;
  /** The saved query (queries/<name>.sql). */
  readonly query: string;
  /** Columns kept in the file; a listed column the query does not return is skipped. */
  readonly columns: readonly string[];
  /** Columns kept only when subjects are allowed. */
  readonly subjectColumns?: readonly string[];
}

/** Names of the synced dimensions, where the views have them (lib/views: agent_name, group_name). */
const NAMES = ['group_name', 'agent_name', 'responder_name'];

export const REPORT_SECTIONS: readonly ReportSection[] = [
  { id: 'backlog', query: 'daily-ticket-history', columns: ['day', 'priority_name', 'group_id', 'group_name', 'unresolved_tickets'] },
  { id: 'created', query: 'tickets-created-by-day', columns: ['created_day', 'ticket_type', 'channel_name', 'tickets'] },
  { id: 'resolved', query: 'tickets-resolved-by-day', columns: ['resolved_day', 'priority_name', 'resolutions', 'tickets'] },
  {
    id: 'responseTimes',
    query: 'response-times-by-week',
    columns: [
      'scope', 'week', 'priority_name', 'tickets', 'responded_tickets', 'p50_first_response_hours', 'p90_first_response_hours',
      'resolved_tickets', 'p50_resolution_hours', 'p90_resolution_hours',
    ],
  },
  {
    id: 'sla',
    query: 'sla-by-week',
    columns: [
      'scope', 'week', 'priority_name', 'resolution_met', 'resolution_breached', 'resolution_met_share',
      'first_response_met', 'first_response_breached', 'first_response_met_share',
    ],
  },
  {
    id: 'breaching',
    query: 'sla-breaching-now',
    columns: ['ticket_id', 'breach', 'due_at', 'priority_name', 'status_name', 'group_id', 'responder_id', ...NAMES, 'created_at'],
  },
  {
    id: 'handoffs',
    query: 'reopens-and-handoffs-by-week',
    columns: [
      'week', 'tickets', 'resolved_tickets', 'reopened_tickets', 'reopens', 'reopen_rate', 'reassignments', 'reassigned_tickets',
      'group_transfers', 'never_assigned', 'p50_hours_unassigned', 'p90_hours_unassigned',
    ],
  },
  {
    id: 'groups',
    query: 'group-workload',
    columns: ['group_id', 'group_name', 'open_tickets', 'pending_tickets', 'custom_status_tickets', 'total_tickets', 'unassigned_tickets', 'urgent_tickets', 'oldest_created_at'],
  },
  {
    id: 'agents',
    query: 'agent-workload',
    columns: ['responder_id', 'agent_name', 'open_tickets', 'pending_tickets', 'custom_status_tickets', 'total_tickets', 'urgent_tickets', 'oldest_created_at'],
  },
  {
    id: 'urgent',
    query: 'urgent-unassigned',
    columns: ['ticket_id', 'status_name', 'channel_name', 'group_id', 'group_name', 'created_at', 'updated_at', 'due_by'],
    subjectColumns: ['subject'],
  },
];

const DAY_MS = 86_400_000;

/** The report period: `to` defaults to today, `from` to 29 days before `to` (30 days in all). */
export function reportPeriod(now: Date, from?: string, to?: string): ReportPeriod {
  const today = utcDay(now.getTime());
  const last = to ?? today;
  const first = from ?? utcDay(Date.parse(`${last}T00:00:00Z`) - 29 * DAY_MS);
  const endOfLast = Date.parse(`${last}T00:00:00Z`) + DAY_MS - 1000;
  const asOfMs = Math.min(now.getTime(), endOfLast);
  return { from: first, to: last, asOf: new Date(asOfMs).toISOString().replace('T', ' ').slice(0, 19) };
}

/** The `-p` values of one saved query, from the period (only the parameters it declares are used). */
export function periodParameters(period: ReportPeriod): Record<string, string> {
  return { from: period.from, to: period.to, as_of: period.asOf };
}
