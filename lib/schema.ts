/**
 * The one schema definition of the `ticket_events` table. Glue columns (lib/constructs), the Athena
 * DDL (`freshlake ddl`), the drift check (`freshlake check`) and the local DuckDB engine's column
 * types are all generated from here, so the two engines read the same JSON the same way.
 *
 * Types follow the fields documented for Freshdesk partner events (product.md), widened where real
 * payloads vary: a value that does not fit becomes JSON text (string columns) or NULL, never an
 * error for the whole query. On Athena the OpenX JSON SerDe does this (objects and arrays read into
 * a string column come back as their JSON text; `ignore.malformed.json` turns a bad line into
 * NULLs); DuckDB's read_json does the same with explicit columns and `ignore_errors`.
 */

import { DEFAULT_PROJECTION_START_DAY } from './lake-layout';

/** A column type, rendered for each engine that reads the lake. */
export class ColumnType {
  static readonly STRING = new ColumnType('string', 'VARCHAR', 'varchar');
  static readonly BIGINT = new ColumnType('bigint', 'BIGINT', 'bigint');
  static readonly INT = new ColumnType('int', 'INTEGER', 'integer');
  static readonly BOOLEAN = new ColumnType('boolean', 'BOOLEAN', 'boolean');
  static readonly DOUBLE = new ColumnType('double', 'DOUBLE', 'double');
  static readonly DATE = new ColumnType('date', 'DATE', 'date');
  /** Millisecond timestamp without zone; every timestamp in the lake is UTC. */
  static readonly TIMESTAMP = new ColumnType('timestamp', 'TIMESTAMP', 'timestamp(3)');

  static array(element: ColumnType): ColumnType {
    return new ColumnType(`array<${element.hive}>`, `${element.duckDb}[]`, `array(${element.trino})`, element);
  }

  static struct(fields: readonly StructField[]): ColumnType {
    return new ColumnType(
      `struct<${fields.map((f) => `${f.name}:${f.type.hive}`).join(',')}>`,
      `STRUCT(${fields.map((f) => `${quoteDuckDbIdentifier(f.name)} ${f.type.duckDb}`).join(', ')})`,
      `row(${fields.map((f) => `${f.name} ${f.type.trino}`).join(', ')})`,
      undefined,
      fields,
    );
  }

  private constructor(
    /** Hive/Glue type string, as in a Glue column or Athena DDL. */
    readonly hive: string,
    /** DuckDB type, as in read_json's `columns`. */
    readonly duckDb: string,
    /** Trino type, as in an Athena (Presto) view definition. */
    readonly trino: string,
    /** Element type of an array. */
    readonly element?: ColumnType,
    /** Fields of a struct. */
    readonly fields?: readonly StructField[],
  ) {}

  /** Primitive types are neither arrays nor structs (Glue's `isPrimitive`). */
  get isPrimitive(): boolean {
    return this.element === undefined && this.fields === undefined;
  }
}

export interface StructField {
  readonly name: string;
  readonly type: ColumnType;
}

/** A top-level column of a table or view. */
export interface ColumnDefinition {
  /** SQL column name: letters, digits and `_` only (Athena's rule). */
  readonly name: string;
  readonly type: ColumnType;
  /** The JSON key when it differs from the column name (`detail-type`). */
  readonly jsonKey?: string;
  readonly comment: string;
}

const S = ColumnType.STRING;
const BIG = ColumnType.BIGINT;
const INT = ColumnType.INT;
const BOOL = ColumnType.BOOLEAN;
const field = (name: string, type: ColumnType): StructField => ({ name, type });

/**
 * `detail.ticket.stats`, as `GET /api/v2/tickets?include=stats` returns it: when the ticket was
 * first responded to, resolved, closed, reopened, ... Only API snapshots carry it; it is what answers
 * transition questions for tickets whose events the lake never saw.
 */
export const TICKET_STATS_FIELDS: readonly StructField[] = [
  'agent_responded_at',
  'requester_responded_at',
  'first_responded_at',
  'status_updated_at',
  'reopened_at',
  'resolved_at',
  'closed_at',
  'pending_since',
].map((name) => field(name, S));

/** `detail.ticket`, as documented for Freshdesk partner events, plus the API snapshot's stats and deleted. */
export const TICKET_FIELDS: readonly StructField[] = [
  field('subject', S),
  field('description', S),
  field('is_description_truncated', BOOL),
  field('description_text', S),
  field('is_description_text_truncated', BOOL),
  field('due_by', S),
  field('fr_due_by', S),
  field('fr_escalated', BOOL),
  field('is_escalated', BOOL),
  field('fwd_emails', ColumnType.array(S)),
  field('reply_cc_emails', ColumnType.array(S)),
  // A string in some payloads and a number in others: string reads both.
  field('email_config_id', S),
  field('id', BIG),
  field('group_id', BIG),
  field('product_id', BIG),
  field('company_id', BIG),
  field('requester_id', BIG),
  field('responder_id', BIG),
  field('status', INT),
  field('priority', INT),
  field('type', S),
  field('tags', ColumnType.array(S)),
  field('spam', BOOL),
  field('source', INT),
  field('tweet_id', S),
  field('cc_emails', ColumnType.array(S)),
  // A string or an array of strings: string keeps either (an array as its JSON text).
  field('to_emails', S),
  field('created_at', S),
  field('updated_at', S),
  // Strings or attachment objects: each element is kept as text (an object as its JSON text).
  field('attachments', ColumnType.array(S)),
  // A JSON-encoded string or an object of cf_* keys: string keeps either; read with json_extract_scalar.
  field('custom_fields', S),
  // API ticket snapshots (lib/ticket-snapshot.ts): `include=stats` timestamps, ISO-8601 UTC or null.
  field('stats', ColumnType.struct(TICKET_STATS_FIELDS)),
  // API ticket snapshots: true for a ticket listed with filter=deleted (events never carry it).
  field('deleted', BOOL),
  field(
    'changes',
    // Each change is [old, new]. Keys not listed here (and there are others) are ignored.
    ColumnType.struct([
      field('responder_id', ColumnType.array(BIG)),
      field('ticket_type', ColumnType.array(S)),
      field('status', ColumnType.array(INT)),
      field('status_details', ColumnType.array(ColumnType.struct([field('id', INT), field('name', S)]))),
      field('group_id', ColumnType.array(BIG)),
      field('priority', ColumnType.array(INT)),
    ]),
  ),
];

/** `detail.requester`. Phone numbers arrive as strings or numbers: string reads both. */
export const REQUESTER_FIELDS: readonly StructField[] = [
  field('id', BIG),
  field('name', S),
  field('email', S),
  field('mobile', S),
  field('phone', S),
  field('language', S),
  field('created_at', S),
];

/** Name of the events table, the same on Athena and on the local engine. */
export const TICKET_EVENTS_TABLE = 'ticket_events';

/** The envelope columns of `ticket_events`, in table order. */
export const TICKET_EVENT_COLUMNS: readonly ColumnDefinition[] = [
  { name: 'version', type: S, comment: 'EventBridge envelope version' },
  { name: 'id', type: S, comment: 'EventBridge event id; repeated on redelivery and archive replay' },
  { name: 'detail_type', jsonKey: 'detail-type', type: S, comment: 'Freshdesk event name, e.g. onTicketCreate' },
  { name: 'source', type: S, comment: 'Partner event source name' },
  { name: 'account', type: S, comment: 'AWS account the event was delivered to' },
  { name: 'time', type: S, comment: 'Event time, ISO-8601 UTC' },
  { name: 'region', type: S, comment: 'AWS region' },
  { name: 'resources', type: ColumnType.array(S), comment: 'EventBridge resources' },
  {
    name: 'detail',
    type: ColumnType.struct([field('ticket', ColumnType.struct(TICKET_FIELDS)), field('requester', ColumnType.struct(REQUESTER_FIELDS))]),
    comment: 'Freshdesk payload: ticket and requester',
  },
];

/** The partition column: UTC day of `time`, `YYYY-MM-DD`, set by the transform. */
export const PARTITION_COLUMN: ColumnDefinition = {
  name: 'dt',
  type: S,
  comment: 'UTC day of the event time (YYYY-MM-DD); filter on it to read fewer files',
};

/**
 * Earliest day partition projection enumerates when a query does not bound `dt` (2010-01-01).
 * Defined with the lake layout, which the transform Lambda bundles alone: the transform rejects
 * events dated before it (Athena would never show them), so both engines see the same events.
 */
export { DEFAULT_PROJECTION_START_DAY } from './lake-layout';

/** How Athena reads the files: OpenX JSON SerDe over gzip'd text, one JSON document per line. */
export const SERDE_LIBRARY = 'org.openx.data.jsonserde.JsonSerDe';
export const INPUT_FORMAT = 'org.apache.hadoop.mapred.TextInputFormat';
export const OUTPUT_FORMAT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';

/**
 * SerDe parameters: JSON keys that are not valid column names, and tolerance of bad input.
 * `ignore.malformed.json` turns a line that is not JSON into NULLs; `use.null.for.invalid.data`
 * turns a value that does not fit its column (an object where a number or struct is declared, a
 * string in a boolean) into NULL. Without it OpenX fails the WHOLE query on one such value, and
 * payloads vary between Freshworks surfaces (product.md).
 * @see https://docs.aws.amazon.com/athena/latest/ug/openx-json-serde.html
 */
export function serdeParameters(): Record<string, string> {
  const params: Record<string, string> = { 'ignore.malformed.json': 'true', 'use.null.for.invalid.data': 'TRUE' };
  for (const column of TICKET_EVENT_COLUMNS) {
    // OpenX matches keys case-insensitively by default, so mapping keys are the lower-case column names.
    if (column.jsonKey) params[`mapping.${column.name}`] = column.jsonKey;
  }
  return params;
}

/**
 * Table parameters: partition projection on `dt`, so Athena computes partitions from the query's
 * `dt` filter and no crawler, MSCK REPAIR or ALTER TABLE ADD PARTITION is ever needed.
 * @param eventsLocation `s3://bucket/events/` (may contain CDK tokens)
 */
export function tableParameters(eventsLocation: string, projectionStartDay = DEFAULT_PROJECTION_START_DAY): Record<string, string> {
  const dt = PARTITION_COLUMN.name;
  return {
    classification: 'json',
    compressionType: 'gzip',
    'projection.enabled': 'true',
    [`projection.${dt}.type`]: 'date',
    [`projection.${dt}.format`]: 'yyyy-MM-dd',
    [`projection.${dt}.range`]: `${projectionStartDay},NOW`,
    [`projection.${dt}.interval`]: '1',
    [`projection.${dt}.interval.unit`]: 'DAYS',
    'storage.location.template': `${eventsLocation}${dt}=\${${dt}}/`,
  };
}

/** The Athena DDL of `ticket_events`, for users who create the table by hand. */
export function ticketEventsDdl(eventsLocation: string, options: { database?: string; projectionStartDay?: string } = {}): string {
  const table = options.database ? `\`${options.database}\`.\`${TICKET_EVENTS_TABLE}\`` : `\`${TICKET_EVENTS_TABLE}\``;
  const quote = (s: string) => `'${s.replace(/'/g, "\\'")}'`;
  const columns = TICKET_EVENT_COLUMNS.map((c) => `  \`${c.name}\` ${c.type.hive} COMMENT ${quote(c.comment)}`).join(',\n');
  const props = (o: Record<string, string>) =>
    Object.entries(o)
      .map(([k, v]) => `  ${quote(k)}=${quote(v)}`)
      .join(',\n');
  return [
    `CREATE EXTERNAL TABLE IF NOT EXISTS ${table} (`,
    columns,
    ')',
    `PARTITIONED BY (\`${PARTITION_COLUMN.name}\` ${PARTITION_COLUMN.type.hive} COMMENT ${quote(PARTITION_COLUMN.comment)})`,
    `ROW FORMAT SERDE ${quote(SERDE_LIBRARY)}`,
    'WITH SERDEPROPERTIES (',
    props(serdeParameters()),
    ')',
    `STORED AS INPUTFORMAT ${quote(INPUT_FORMAT)}`,
    `OUTPUTFORMAT ${quote(OUTPUT_FORMAT)}`,
    `LOCATION ${quote(eventsLocation)}`,
    'TBLPROPERTIES (',
    props(tableParameters(eventsLocation, options.projectionStartDay)),
    ');',
  ].join('\n');
}

/**
 * DuckDB read_json `columns` argument: JSON key -> DuckDB type, so local types equal the Glue
 * types instead of being auto-detected (read_json would turn ISO strings into TIMESTAMPs).
 */
export function duckDbReadJsonColumns(): string {
  const entries = TICKET_EVENT_COLUMNS.map((c) => `${quoteDuckDbIdentifier(c.jsonKey ?? c.name)}: '${c.type.duckDb.replace(/'/g, "''")}'`);
  return `{${entries.join(', ')}}`;
}

/** Double-quotes an identifier for DuckDB/Trino. */
export function quoteDuckDbIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
