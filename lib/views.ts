/**
 * The relations every saved query builds on, defined once in SQL that means the same on Athena
 * (Trino) and on the local engine (DuckDB with lib/engines/trino-compat). The CDK stack creates
 * them as Athena views in the Glue database; the local engine creates them as DuckDB views.
 *
 * - `ticket_history`: one row per distinct event id (delivery is at least once and archive replays
 *   repeat ids), with the ticket fields the questions use, typed and named.
 * - `tickets_latest`: one row per ticket, its latest state: greatest ticket updated_at, then event
 *   time (updates can arrive out of order).
 */
import { TICKET_PRIORITY, TICKET_SOURCE, TICKET_STATUS, codeNameSql } from './freshdesk-codes';
import { ColumnDefinition, ColumnType, PARTITION_COLUMN, TICKET_EVENTS_TABLE } from './schema';

export interface LakeView {
  readonly name: string;
  readonly description: string;
  /** Output columns with their types: Athena stores them in the view definition. */
  readonly columns: readonly ColumnDefinition[];
  /** The SELECT statement (no trailing semicolon). */
  readonly sql: string;
}

const S = ColumnType.STRING;
const BIG = ColumnType.BIGINT;
const INT = ColumnType.INT;
const BOOL = ColumnType.BOOLEAN;
const TS = ColumnType.TIMESTAMP;

interface ViewColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly expression: string;
  readonly comment: string;
}

/** ISO-8601 text to a UTC timestamp; a malformed value becomes NULL instead of failing the query. */
const timestampOf = (isoText: string) => `try(CAST(from_iso8601_timestamp(${isoText}) AS timestamp))`;

const HISTORY_COLUMNS: readonly ViewColumn[] = [
  { name: 'event_id', type: S, expression: 'id', comment: 'EventBridge event id (unique in this view)' },
  { name: 'detail_type', type: S, expression: 'detail_type', comment: 'onTicketCreate, onTicketUpdate, ...' },
  { name: 'event_time', type: TS, expression: timestampOf('time'), comment: 'When the event happened (UTC)' },
  { name: PARTITION_COLUMN.name, type: S, expression: PARTITION_COLUMN.name, comment: PARTITION_COLUMN.comment },
  { name: 'ticket_id', type: BIG, expression: 'detail.ticket.id', comment: 'Freshdesk ticket id' },
  { name: 'subject', type: S, expression: 'detail.ticket.subject', comment: 'Ticket subject' },
  { name: 'ticket_type', type: S, expression: 'detail.ticket.type', comment: 'Refund, Question, Incident, ...' },
  { name: 'status', type: INT, expression: 'detail.ticket.status', comment: 'Status code' },
  { name: 'status_name', type: S, expression: codeNameSql('detail.ticket.status', TICKET_STATUS, 'Status'), comment: 'Open, Pending, Resolved, Closed' },
  { name: 'priority', type: INT, expression: 'detail.ticket.priority', comment: 'Priority code' },
  { name: 'priority_name', type: S, expression: codeNameSql('detail.ticket.priority', TICKET_PRIORITY, 'Priority'), comment: 'Low, Medium, High, Urgent' },
  { name: 'channel', type: INT, expression: 'detail.ticket.source', comment: 'Source code (the channel)' },
  { name: 'channel_name', type: S, expression: codeNameSql('detail.ticket.source', TICKET_SOURCE, 'Source'), comment: 'Email, Portal, Phone, Chat, ...' },
  { name: 'group_id', type: BIG, expression: 'detail.ticket.group_id', comment: 'Agent group' },
  { name: 'responder_id', type: BIG, expression: 'detail.ticket.responder_id', comment: 'Assigned agent; NULL when unassigned' },
  { name: 'requester_id', type: BIG, expression: 'detail.ticket.requester_id', comment: 'Requester contact' },
  { name: 'company_id', type: BIG, expression: 'detail.ticket.company_id', comment: 'Requester company' },
  { name: 'created_at', type: TS, expression: timestampOf('detail.ticket.created_at'), comment: 'Ticket creation (UTC)' },
  { name: 'updated_at', type: TS, expression: timestampOf('detail.ticket.updated_at'), comment: 'Ticket last update as of this event (UTC)' },
  { name: 'due_by', type: TS, expression: timestampOf('detail.ticket.due_by'), comment: 'Resolution due (UTC)' },
  { name: 'fr_due_by', type: TS, expression: timestampOf('detail.ticket.fr_due_by'), comment: 'First response due (UTC)' },
  { name: 'is_escalated', type: BOOL, expression: 'detail.ticket.is_escalated', comment: 'Resolution SLA escalated' },
  { name: 'fr_escalated', type: BOOL, expression: 'detail.ticket.fr_escalated', comment: 'First response SLA escalated' },
  { name: 'spam', type: BOOL, expression: 'detail.ticket.spam', comment: 'Marked as spam' },
  { name: 'tags', type: ColumnType.array(S), expression: 'detail.ticket.tags', comment: 'Ticket tags' },
  { name: 'custom_fields', type: S, expression: 'detail.ticket.custom_fields', comment: 'cf_* fields as JSON text' },
  // element_at is NULL past the end on both engines, where [i] would fail the query on Trino.
  { name: 'previous_status', type: INT, expression: 'element_at(detail.ticket.changes.status, 1)', comment: 'Status before this update (from changes)' },
  { name: 'previous_responder_id', type: BIG, expression: 'element_at(detail.ticket.changes.responder_id, 1)', comment: 'Responder before this update (from changes)' },
  { name: 'previous_priority', type: INT, expression: 'element_at(detail.ticket.changes.priority, 1)', comment: 'Priority before this update (from changes)' },
];

const LATEST_COLUMNS: readonly ColumnDefinition[] = [
  ...HISTORY_COLUMNS.filter((c) => !['event_id', 'detail_type', 'event_time', 'dt', 'previous_status', 'previous_responder_id', 'previous_priority'].includes(c.name)),
  { name: 'last_event_id', type: S, comment: 'Event that carried this latest state' },
  { name: 'last_event_time', type: TS, comment: 'Time of that event (UTC)' },
].map(({ name, type, comment }) => ({ name, type, comment }));

/** Relation names, the same on both engines. */
export const TICKET_HISTORY_VIEW = 'ticket_history';
export const TICKETS_LATEST_VIEW = 'tickets_latest';

/**
 * Casts primitives to the declared type, so the types Athena infers equal the types stored in the
 * view (a mismatch makes Athena call the view stale). Type names are ones both engines accept.
 */
function castToDeclaredType(column: ViewColumn): string {
  if (!column.type.isPrimitive) return column.expression;
  const typeName = column.type === TS ? 'timestamp' : column.type.trino;
  return `CAST(${column.expression} AS ${typeName})`;
}

const ticketHistorySql = [
  'SELECT',
  HISTORY_COLUMNS.map((c) => `  ${c.name}`).join(',\n'),
  'FROM (',
  '  SELECT',
  HISTORY_COLUMNS.map((c) => `    ${castToDeclaredType(c)} AS ${c.name}`).join(',\n') + ',',
  // Copies of one event id are identical, and dt is derived from the event time, so they share a dt.
  // Partitioning by dt as well lets both engines push a query's dt filter below the window (a filter
  // on a window's partition keys does not change its result), so partitions are pruned; with
  // PARTITION BY id alone every query through this view read the whole lake.
  '    row_number() OVER (PARTITION BY dt, id ORDER BY time) AS copy_number',
  `  FROM ${TICKET_EVENTS_TABLE}`,
  '  WHERE detail.ticket.id IS NOT NULL',
  ')',
  'WHERE copy_number = 1',
].join('\n');

const ticketsLatestSql = [
  'SELECT',
  LATEST_COLUMNS.map((c) => `  ${c.name}`).join(',\n'),
  'FROM (',
  '  SELECT',
  '    h.*,',
  '    h.event_id AS last_event_id,',
  '    h.event_time AS last_event_time,',
  '    row_number() OVER (',
  '      PARTITION BY ticket_id',
  '      ORDER BY updated_at DESC NULLS LAST, event_time DESC NULLS LAST, event_id DESC',
  '    ) AS recency',
  `  FROM ${TICKET_HISTORY_VIEW} h`,
  ')',
  'WHERE recency = 1',
].join('\n');

/** The views, in creation order (each may use the ones before it). */
export const LAKE_VIEWS: readonly LakeView[] = [
  {
    name: TICKET_HISTORY_VIEW,
    description: 'One row per distinct ticket event, typed ticket fields with code names.',
    columns: HISTORY_COLUMNS.map(({ name, type, comment }) => ({ name, type, comment })),
    sql: ticketHistorySql,
  },
  {
    name: TICKETS_LATEST_VIEW,
    description: 'One row per ticket in its latest state (greatest updated_at, then event time).',
    columns: LATEST_COLUMNS,
    sql: ticketsLatestSql,
  },
];
