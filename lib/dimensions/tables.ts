/**
 * The dimension tables: small snapshots of the Freshdesk account's names and definitions (agents,
 * groups, ticket statuses and fields, business hours, SLA policies), beside the ticket events in the
 * lake. One definition per table: its columns here generate the Glue table (lib/constructs/
 * dimension-tables.ts), the Athena DDL and the local engine's relation (lib/engines/dimension-scan.ts),
 * and the snapshot writer (./snapshot-file.ts) writes exactly these columns.
 *
 * Layout, the same in the bucket and in a local lake:
 *
 *   dimensions/<name>/<name>.gz     the latest snapshot: gzip'd JSON lines, one row per line
 *
 * One object per table, replaced whole by each sync (an S3 PUT and a local rename are both atomic),
 * so a reader sees the previous snapshot or the new one, never a mix.
 *
 * Personal data: agents keep their name (what a manager reads in place of an id), never their
 * email, phone or other contact fields.
 */
import { LAKE_OBJECT_EXTENSION } from '../lake-layout';
import { ColumnDefinition, ColumnType, INPUT_FORMAT, OUTPUT_FORMAT, SERDE_LIBRARY, serdeParameters } from '../schema';

/** Key prefix of every dimension table. */
export const DIMENSIONS_PREFIX = 'dimensions/';

/** A column of a dimension table. */
export interface DimensionColumn extends ColumnDefinition {
  /** A value that is an object or array is stored as its JSON text (choices, SLA targets, ...). */
  readonly jsonText?: boolean;
}

/** One dimension table. */
export interface DimensionTable {
  /** Relation name, the same on Athena and on the local engine. */
  readonly name: DimensionName;
  readonly description: string;
  readonly columns: readonly DimensionColumn[];
  /** The columns that identify a row: a snapshot keeps one row per key (the last one given). */
  readonly key: readonly string[];
}

export const DIMENSION_NAMES = ['agents', 'groups', 'ticket_statuses', 'ticket_fields', 'business_hours', 'sla_policies'] as const;
export type DimensionName = (typeof DIMENSION_NAMES)[number];

const S = ColumnType.STRING;
const BIG = ColumnType.BIGINT;
const INT = ColumnType.INT;
const BOOL = ColumnType.BOOLEAN;
const column = (name: string, type: ColumnType, comment: string, jsonText = false): DimensionColumn =>
  jsonText ? { name, type, comment, jsonText } : { name, type, comment };
const createdAt = column('created_at', S, 'Created in Freshdesk, ISO-8601 UTC');
const updatedAt = column('updated_at', S, 'Last changed in Freshdesk, ISO-8601 UTC');

export const AGENTS: DimensionTable = {
  name: 'agents',
  description: 'Freshdesk agents: the names behind responder_id (no contact details).',
  key: ['agent_id'],
  columns: [
    column('agent_id', BIG, 'Agent id (= responder_id of a ticket)'),
    column('agent_name', S, "The agent's name as Freshdesk shows it"),
    column('agent_type', S, 'support_agent, field_agent, collaborator, ...'),
    column('occasional', BOOL, 'Occasional (day pass) agent'),
    column('active', BOOL, 'Agent account active'),
    createdAt,
    updatedAt,
  ],
};

export const GROUPS: DimensionTable = {
  name: 'groups',
  description: 'Freshdesk agent groups: the names behind group_id.',
  key: ['group_id'],
  columns: [
    column('group_id', BIG, 'Group id (= group_id of a ticket)'),
    column('group_name', S, 'Group name'),
    column('description', S, 'Group description'),
    column('business_hour_id', BIG, 'Business hours the group works in (business_hours.business_hours_id)'),
    column('escalate_to', BIG, 'Agent notified when a ticket stays unassigned'),
    column('unassigned_for', S, 'How long a ticket may stay unassigned before escalate_to is notified, e.g. 30m'),
    createdAt,
    updatedAt,
  ],
};

export const TICKET_STATUSES: DimensionTable = {
  name: 'ticket_statuses',
  description: "Ticket statuses from the account's status field, custom statuses (codes above 5) included.",
  key: ['status'],
  columns: [
    column('status', INT, 'Status code (= status of a ticket)'),
    column('status_name', S, 'Name agents see, e.g. Waiting on Customer'),
    column('customer_status_name', S, 'Name requesters see in the portal'),
    column('is_custom', BOOL, "A status the account added (code above 5, not one of Freshdesk's four)"),
  ],
};

export const TICKET_FIELDS_DIMENSION: DimensionTable = {
  name: 'ticket_fields',
  description: 'Ticket fields, default and custom (cf_*), with labels, types and choices.',
  key: ['field_id'],
  columns: [
    column('field_id', BIG, 'Ticket field id'),
    column('name', S, 'Field name: status, priority, ... or cf_* for a custom field (the key in custom_fields)'),
    column('label', S, 'Label agents see'),
    column('label_for_customers', S, 'Label requesters see'),
    column('field_type', S, 'default_status, custom_dropdown, custom_text, ...'),
    column('is_custom', BOOL, 'A custom field (cf_*), not a default one'),
    column('position', INT, 'Position on the ticket form'),
    column('required_for_agents', BOOL, 'Agents must fill it in'),
    column('choices', S, 'The choices as JSON text (status: code -> [agent, customer] labels; dropdowns: the options)', true),
    createdAt,
    updatedAt,
  ],
};

export const BUSINESS_HOURS: DimensionTable = {
  name: 'business_hours',
  description: 'Business hours calendars (plan-dependent): working hours per weekday and time zone.',
  key: ['business_hours_id'],
  columns: [
    column('business_hours_id', BIG, 'Business hours id (= groups.business_hour_id)'),
    column('business_hours_name', S, 'Calendar name'),
    column('description', S, 'Calendar description'),
    column('time_zone', S, 'Time zone the hours are in, as Freshdesk names it'),
    column('is_default', BOOL, "The account's default calendar"),
    column('working_hours', S, 'Weekday -> {start_time, end_time} as JSON text', true),
    createdAt,
    updatedAt,
  ],
};

export const SLA_POLICIES: DimensionTable = {
  name: 'sla_policies',
  description: 'SLA policies (plan-dependent): respond/resolve targets per priority and what they apply to.',
  key: ['sla_policy_id'],
  columns: [
    column('sla_policy_id', BIG, 'SLA policy id'),
    column('sla_policy_name', S, 'Policy name'),
    column('description', S, 'Policy description'),
    column('is_default', BOOL, "The account's default policy"),
    column('active', BOOL, 'Policy active'),
    column('position', INT, 'Evaluation order (the first matching policy applies)'),
    column('sla_target', S, 'priority_N -> {respond_within, resolve_within, business_hours, escalation_enabled} as JSON text', true),
    column('applicable_to', S, 'Groups, companies, sources, ticket types the policy applies to, as JSON text', true),
    column('policy_json', S, 'The whole policy as the API returned it, JSON text', true),
    createdAt,
    updatedAt,
  ],
};

/** Every dimension table, by name. */
export const DIMENSION_TABLES: Readonly<Record<DimensionName, DimensionTable>> = {
  agents: AGENTS,
  groups: GROUPS,
  ticket_statuses: TICKET_STATUSES,
  ticket_fields: TICKET_FIELDS_DIMENSION,
  business_hours: BUSINESS_HOURS,
  sla_policies: SLA_POLICIES,
};

export function isDimensionName(name: string): name is DimensionName {
  return (DIMENSION_NAMES as readonly string[]).includes(name);
}

/** `dimensions/<name>/`: the Glue table's location and the folder a local lake keeps it in. */
export function dimensionPrefix(name: DimensionName): string {
  return `${DIMENSIONS_PREFIX}${name}/`;
}

/** `dimensions/<name>/<name>.gz`: the one object that holds a table's latest snapshot. */
export function dimensionObjectKey(name: DimensionName): string {
  return `${dimensionPrefix(name)}${name}${LAKE_OBJECT_EXTENSION}`;
}

/** DuckDB read_json `columns` of a dimension table: column name -> DuckDB type. */
export function dimensionDuckDbColumns(table: DimensionTable): string {
  return `{${table.columns.map((c) => `"${c.name}": '${c.type.duckDb}'`).join(', ')}}`;
}

/**
 * OpenX SerDe parameters of a dimension table: the same tolerance as ticket_events (a bad line or a
 * value that does not fit its column reads as NULL), without its key mappings (every JSON key here
 * is its column name).
 */
export function dimensionSerdeParameters(): Record<string, string> {
  return Object.fromEntries(Object.entries(serdeParameters()).filter(([key]) => !key.startsWith('mapping.')));
}

/** Table parameters of a dimension table: gzip'd JSON lines, no partitions. */
export const DIMENSION_TABLE_PARAMETERS: Readonly<Record<string, string>> = { classification: 'json', compressionType: 'gzip' };

/** The Athena DDL of a dimension table, for users who create the tables by hand. */
export function dimensionTableDdl(table: DimensionTable, bucketLocation: string, options: { database?: string } = {}): string {
  const location = `${bucketLocation.replace(/\/?$/, '/')}${dimensionPrefix(table.name)}`;
  const name = options.database ? `\`${options.database}\`.\`${table.name}\`` : `\`${table.name}\``;
  const quote = (s: string) => `'${s.replace(/'/g, "\\'")}'`;
  return [
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${name} (`,
    table.columns.map((c) => `  \`${c.name}\` ${c.type.hive} COMMENT ${quote(c.comment)}`).join(',\n'),
    ')',
    `COMMENT ${quote(table.description)}`,
    `ROW FORMAT SERDE ${quote(SERDE_LIBRARY)}`,
    `WITH SERDEPROPERTIES (${Object.entries(dimensionSerdeParameters()).map(([k, v]) => `${quote(k)}=${quote(v)}`).join(', ')})`,
    `STORED AS INPUTFORMAT ${quote(INPUT_FORMAT)}`,
    `OUTPUTFORMAT ${quote(OUTPUT_FORMAT)}`,
    `LOCATION ${quote(location)}`,
    `TBLPROPERTIES (${Object.entries(DIMENSION_TABLE_PARAMETERS).map(([k, v]) => `${quote(k)}=${quote(v)}`).join(', ')});`,
  ].join('\n');
}
