/**
 * Where things live in the lake. The S3 bucket and the local lake directory share this layout,
 * so a day copied down from S3 is a valid local lake.
 *
 *   events/dt=YYYY-MM-DD/<file>.gz          one JSON event per line, gzip'd
 *   errors/<error-output-type>/...          records the transform or delivery could not process
 *   dimensions/<name>/<name>.gz             names and definitions synced from the API (lib/dimensions)
 *   sync/freshdesk-checkpoint.json          where the next sync starts (lib/freshdesk/checkpoint)
 *
 * This module has no dependencies: the transform Lambda bundles it.
 */

/** Key prefix of delivered events (Glue table location). */
export const EVENTS_PREFIX = 'events/';

/** Key prefix of records Firehose could not process. */
export const ERRORS_PREFIX = 'errors/';

/**
 * Extension of every lake object. Set explicitly on the Firehose destination, used by the local
 * lake writer, and globbed by the local engine: readers rely on it to know the files are gzip'd.
 */
export const LAKE_OBJECT_EXTENSION = '.gz';

/** The partition column: the UTC day of the event's `time`. */
export const PARTITION_KEY = 'dt';

/** Firehose S3 prefix for delivered events; `partitionKeyFromLambda:dt` is set by the transform. */
export const FIREHOSE_DATA_PREFIX = `${EVENTS_PREFIX}${PARTITION_KEY}=!{partitionKeyFromLambda:${PARTITION_KEY}}/`;

/**
 * Firehose S3 prefix for failed records. Dynamic partitioning requires `!{firehose:error-output-type}`
 * in it; the date keeps an error day listable.
 */
export const FIREHOSE_ERROR_PREFIX = `${ERRORS_PREFIX}!{firehose:error-output-type}/!{timestamp:yyyy-MM-dd}/`;

/** Error output type of records the transform marked ProcessingFailed (Firehose's own name). */
export const PROCESSING_FAILED_OUTPUT_TYPE = 'processing-failed';

/** Error output type the local pipeline uses for lines it could not parse as an event. */
export const MALFORMED_INPUT_OUTPUT_TYPE = 'malformed-input';

/**
 * Error output type the local pipeline uses for records over Firehose's record limit, which
 * Firehose refuses (PutRecord fails: such a record never reaches the bucket there).
 */
export const RECORD_TOO_LARGE_OUTPUT_TYPE = 'record-too-large';

/** Firehose's largest record: 1,000 KiB before base64 encoding. */
export const FIREHOSE_MAX_RECORD_BYTES = 1000 * 1024;

/**
 * Earliest day of the table's partition projection (`projection.dt.range` = `<day>,NOW`) unless a
 * stack sets its own (lib/schema.ts re-exports it with the table definition). Freshdesk exists
 * since 2010, and API ticket snapshots carry the ticket's `updated_at` as their time, so a ticket
 * last touched years ago still lands inside the range. Enumerating more days costs Athena a
 * little planning and S3 listing on queries that do not bound `dt`, never bytes scanned.
 */
export const DEFAULT_PROJECTION_START_DAY = '2010-01-01';

/**
 * Environment variable of the transform Lambda: the first day of the table's partition projection
 * (the stack sets it from the table's `projectionStartDay`). Events dated outside the projection
 * range are rejected, since Athena would never show them.
 */
export const PROJECTION_START_DAY_ENV = 'FRESHLAKE_PROJECTION_START_DAY';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** `YYYY-MM-DD` (UTC) of a millisecond timestamp. */
export function utcDay(epochMillis: number): string {
  return new Date(epochMillis).toISOString().slice(0, 10);
}

/** True for a well-formed `YYYY-MM-DD` that is a real calendar day. */
export function isDay(value: string): boolean {
  if (!DAY.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return Number.isFinite(ms) && utcDay(ms) === value;
}

/** Key prefix of one day's events, e.g. `events/dt=2026-11-27/`. */
export function eventsPartitionPrefix(day: string): string {
  return `${EVENTS_PREFIX}${PARTITION_KEY}=${day}/`;
}

/** Key prefix of one error type on one day, e.g. `errors/processing-failed/2026-11-27/`. */
export function errorsPrefix(errorOutputType: string, day: string): string {
  return `${ERRORS_PREFIX}${errorOutputType}/${day}/`;
}
