/**
 * The relations every saved query builds on, defined once in SQL that means the same on Athena
 * (Trino) and on the local engine (DuckDB with lib/engines/trino-compat). The CDK stack creates
 * them as Athena views in the Glue database; the local engine creates them as DuckDB views.
 *
 * - `ticket_history`: one row per distinct event id (delivery is at least once and archive replays
 *   repeat ids), with the ticket fields the questions use, typed and named.
 * - `ticket_latest_state`: one row per ticket, its latest state: greatest ticket updated_at, then
 *   event time (updates can arrive out of order), ids and codes only, spam and deleted tickets included.
 * - `tickets_latest`: what ticket questions read: ticket_latest_state without spam and deleted tickets,
 *   with the names behind the ids from the dimension tables (lib/dimensions): agent_name, group_name,
 *   and status_name from the account's ticket fields (custom statuses by their real name), falling
 *   back to the id or code name when no dimension is synced.
 */
import { TICKET_PRIORITY, TICKET_SOURCE, TICKET_STATUS, codeNameSql } from './freshdesk-codes';
import { AGENTS, GROUPS, TICKET_STATUSES } from './dimensions/tables';
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
  // From include=stats: only API snapshots (lib/ticket-snapshot) carry them; NULL on partner events,
  // so also in the latest state when its version is an event. Questions aggregate them over
  // ticket_history (first-response-time, resolution-time), where every snapshot's values are.
  { name: 'first_responded_at', type: TS, expression: timestampOf('detail.ticket.stats.first_responded_at'), comment: 'First agent response (UTC; API snapshots only)' },
  { name: 'resolved_at', type: TS, expression: timestampOf('detail.ticket.stats.resolved_at'), comment: 'Last resolved (UTC; API snapshots only)' },
  { name: 'closed_at', type: TS, expression: timestampOf('detail.ticket.stats.closed_at'), comment: 'Last closed (UTC; API snapshots only)' },
  { name: 'reopened_at', type: TS, expression: timestampOf('detail.ticket.stats.reopened_at'), comment: 'Last reopened (UTC; API snapshots only)' },
  // Only filter=deleted snapshots say true; events never carry the key, and a ticket they describe exists.
  { name: 'deleted', type: BOOL, expression: 'coalesce(detail.ticket.deleted, false)', comment: 'Deleted in Freshdesk (API snapshots)' },
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
export const TICKET_LATEST_STATE_VIEW = 'ticket_latest_state';
export const TICKETS_LATEST_VIEW = 'tickets_latest';

/**
 * tickets_latest's columns: ticket_latest_state's, with status_name from the synced statuses and
 * the agent and group names after the ids they name.
 */
const TICKETS_LATEST_COLUMNS: readonly ColumnDefinition[] = LATEST_COLUMNS.flatMap((c) => {
  if (c.name === 'status_name') return [{ ...c, comment: "Status name from the account's ticket fields (custom statuses too), else Open, Pending, ..." }];
  if (c.name === 'group_id') return [c, { name: 'group_name', type: S, comment: 'Group name (groups dimension), else the group id as text' }];
  if (c.name === 'responder_id') return [c, { name: 'agent_name', type: S, comment: 'Responder name (agents dimension), else the id as text; NULL when unassigned' }];
  return [c];
});

/** One row per key of a dimension, whatever a snapshot holds: a join never multiplies tickets. */
const dimensionLookup = (table: string, key: string, name: string) => `(SELECT ${key}, max(${name}) AS ${name} FROM ${table} GROUP BY ${key})`;

/** The name expressions of tickets_latest over ticket_latest_state `l` and the joined dimensions. */
const NAMED_COLUMNS: Readonly<Record<string, string>> = {
  status_name: 'coalesce(st.status_name, l.status_name)',
  group_name: 'coalesce(g.group_name, CAST(l.group_id AS varchar))',
  agent_name: 'coalesce(a.agent_name, CAST(l.responder_id AS varchar))',
};

const ticketsLatestNamedSql = [
  'SELECT',
  TICKETS_LATEST_COLUMNS.map((c) => `  ${NAMED_COLUMNS[c.name] ? `CAST(${NAMED_COLUMNS[c.name]} AS varchar) AS ${c.name}` : `l.${c.name}`}`).join(',\n'),
  `FROM ${TICKET_LATEST_STATE_VIEW} l`,
  `LEFT JOIN ${dimensionLookup(TICKET_STATUSES.name, 'status', 'status_name')} st ON st.status = l.status`,
  `LEFT JOIN ${dimensionLookup(GROUPS.name, 'group_id', 'group_name')} g ON g.group_id = l.group_id`,
  `LEFT JOIN ${dimensionLookup(AGENTS.name, 'agent_id', 'agent_name')} a ON a.agent_id = l.responder_id`,
  // Freshdesk's own reports leave spam out, and a deleted ticket leaves every ticket question.
  'WHERE coalesce(l.spam, false) = false',
  '  AND coalesce(l.deleted, false) = false',
].join('\n');

/**
 * Casts primitives to the declared type, so the types Athena infers equal the types stored in the
 * view (a mismatch makes Athena call the view stale). Type names are ones both engines accept.
 */
function castToDeclaredType(column: ViewColumn): string {
  if (!column.type.isPrimitive) return column.expression;
  return `CAST(${column.expression} AS ${castTypeName(column.type)})`;
}

/** The name of a primitive type in a CAST both engines read the same (Trino's `timestamp` is timestamp(3)). */
export function castTypeName(type: ColumnType): string {
  return type === TS ? 'timestamp' : type.trino;
}

/**
 * One row per distinct event id of a relation with the `ticket_events` columns: the table for the
 * view, or only some lake files' rows for the local snapshot's incremental history
 * (lib/snapshot/local-snapshot).
 * @param events a relation name or a parenthesised subquery
 * @param passThrough more columns of `events` to carry along after the history columns (e.g. the file id)
 */
export function ticketHistoryOfEventsSql(events: string, passThrough: readonly string[] = []): string {
  return [
    'SELECT',
    [...HISTORY_COLUMNS.map((c) => c.name), ...passThrough].map((name) => `  ${name}`).join(',\n'),
    'FROM (',
    '  SELECT',
    HISTORY_COLUMNS.map((c) => `    ${castToDeclaredType(c)} AS ${c.name}`).join(',\n') + ',',
    ...passThrough.map((name) => `    ${name},`),
    // Copies of one event id are identical, and dt is derived from the event time, so they share a dt.
    // Partitioning by dt as well lets both engines push a query's dt filter below the window (a filter
    // on a window's partition keys does not change its result), so partitions are pruned; with
    // PARTITION BY id alone every query through this view read the whole lake.
    '    row_number() OVER (PARTITION BY dt, id ORDER BY time) AS copy_number',
    `  FROM ${events}`,
    '  WHERE detail.ticket.id IS NOT NULL',
    ')',
    'WHERE copy_number = 1',
  ].join('\n');
}

const ticketHistorySql = ticketHistoryOfEventsSql(TICKET_EVENTS_TABLE);

/**
 * The latest state's order, best first: greatest ticket updated_at, then event time, then event id
 * (each DESC NULLS LAST), as ticket_history columns and as the latest-state columns that carry them.
 * The view and the snapshot's MERGE (lib/snapshot) compare by this one definition.
 */
export const LATEST_STATE_ORDER: readonly { readonly historyColumn: string; readonly latestColumn: string }[] = [
  { historyColumn: 'updated_at', latestColumn: 'updated_at' },
  { historyColumn: 'event_time', latestColumn: 'last_event_time' },
  { historyColumn: 'event_id', latestColumn: 'last_event_id' },
];
/** The order's keys as latest-state columns. */
export const LATEST_STATE_RECENCY: readonly string[] = LATEST_STATE_ORDER.map((k) => k.latestColumn);

/**
 * The latest state per ticket of a relation with the ticket_history columns: the whole history for
 * the view, or only the events after the snapshot's watermark for the snapshot's MERGE and for
 * the view read from the snapshot (lib/snapshot/latest-state-merge).
 * @param history a relation name or a parenthesised subquery
 */
export function latestStateOfHistorySql(history: string): string {
  return [
    'SELECT',
    LATEST_COLUMNS.map((c) => `  ${c.name}`).join(',\n'),
    'FROM (',
    '  SELECT',
    '    h.*,',
    '    h.event_id AS last_event_id,',
    '    h.event_time AS last_event_time,',
    '    row_number() OVER (',
    '      PARTITION BY ticket_id',
    `      ORDER BY ${LATEST_STATE_ORDER.map((k) => `${k.historyColumn} DESC NULLS LAST`).join(', ')}`,
    '    ) AS recency',
    `  FROM ${history} h`,
    ')',
    'WHERE recency = 1',
  ].join('\n');
}

const ticketLatestStateSql = latestStateOfHistorySql(TICKET_HISTORY_VIEW);

/** The views, in creation order (each may use the ones before it). */
export const LAKE_VIEWS: readonly LakeView[] = [
  {
    name: TICKET_HISTORY_VIEW,
    description: 'One row per distinct ticket event, typed ticket fields with code names.',
    columns: HISTORY_COLUMNS.map(({ name, type, comment }) => ({ name, type, comment })),
    sql: ticketHistorySql,
  },
  {
    name: TICKET_LATEST_STATE_VIEW,
    description: 'One row per ticket in its latest state (greatest updated_at, then event time), spam and deleted included; ids and codes only.',
    columns: LATEST_COLUMNS,
    sql: ticketLatestStateSql,
  },
  {
    name: TICKETS_LATEST_VIEW,
    description: 'One row per ticket in its latest state without spam and deleted tickets, with agent, group and status names.',
    columns: TICKETS_LATEST_COLUMNS,
    sql: ticketsLatestNamedSql,
  },
];
