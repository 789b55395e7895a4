/**
 * Firehose data-transformation handler: turns each EventBridge event into one line of the lake.
 *
 * Contract (Firehose data transformation): exactly one output record per input recordId, in the
 * same order. For a record that is a JSON object with a usable day (below) the output is the
 * ORIGINAL bytes plus one "\n" (Athena and DuckDB read one JSON document per line), never
 * re-serialized, with the partition key `dt` = that UTC day, so late or replayed events land in
 * the day they happened. Anything else is ProcessingFailed, which Firehose writes under the error
 * prefix: never Dropped, never lost.
 *
 * - The day is that of `time`, else of `detail.ticket.updated_at`, never the arrival day (a file
 *   ingested twice on two days would count twice). It must lie in the table's partition
 *   projection range (PROJECTION_START_DAY up to the day the record arrived): Athena would not
 *   show an event outside it while the local engine would.
 * - An object without a usable `id` (missing, null, "", not a string or number) gets
 *   `"id":"sha256-<hex of its bytes>"` as its first member (the one exception to "original
 *   bytes"): the views dedupe by (dt, id), and one shared missing id would merge different events.
 *
 * The local pipeline (lib/local) calls this same handler. Only counts are logged: tickets hold
 * personal data.
 *
 * Speed matters: Firehose invokes this synchronously for every buffer (up to 3 MB, and 6 MB is the
 * Lambda payload limit), and bench/transform.bench.ts holds it to >= 1/3 of a bare base64
 * decode + append + encode. Hence a validating scan instead of JSON.parse (./json-object-scan) and
 * no re-encoding of the output; only records without a time or an id pay for more.
 */
import { createHash } from 'node:crypto';
import type { FirehoseTransformationEvent, FirehoseTransformationResult, FirehoseTransformationResultRecord } from 'aws-lambda';
import { DEFAULT_PROJECTION_START_DAY, PARTITION_KEY, PROJECTION_START_DAY_ENV, isDay, utcDay } from '../../lib/lake-layout';
import { scanJsonObject, type ScannedJsonObject } from './json-object-scan';

const NEWLINE = 0x0a;
const NEWLINE_BYTES = Buffer.from([NEWLINE]);
const BASE64_PAD = 0x3d; // '='
const QUOTE = 0x22;

/**
 * The first day of the Glue table's partition projection (`projection.dt.range` = `<day>,NOW`).
 * The stack sets the variable on the Lambda from the table's own start day; the local pipeline
 * uses the default, which covers every Freshdesk ticket (Freshdesk exists since 2010).
 */
const PROJECTION_START_DAY = projectionStartDay(process.env[PROJECTION_START_DAY_ENV]);

function projectionStartDay(configured: string | undefined): string {
  if (configured === undefined || configured === '') return DEFAULT_PROJECTION_START_DAY;
  // A wrong bound would reject or admit events silently: fail the Lambda's start instead.
  if (!isDay(configured)) throw new Error(`${PROJECTION_START_DAY_ENV} must be a day YYYY-MM-DD (the table's first projected day); it is "${configured}".`);
  return configured;
}

/** Transforms one record. Exported for the local pipeline and tests. */
export function transformRecord(
  recordId: string,
  base64Data: string,
  approximateArrivalTimestamp: number | undefined,
): FirehoseTransformationResultRecord {
  const bytes = decodeBase64(base64Data);
  const event = scanJsonObject(bytes);
  if (event === undefined) return { recordId, result: 'ProcessingFailed', data: base64Data };
  const day = eventDay(event, bytes);
  if (day === undefined || day < PROJECTION_START_DAY || day > arrivalDay(approximateArrivalTimestamp)) {
    return { recordId, result: 'ProcessingFailed', data: base64Data };
  }
  return {
    recordId,
    result: 'Ok',
    data: hasUsableId(event, bytes) ? base64WithTrailingNewline(base64Data, bytes) : base64WithDerivedId(bytes, event),
    metadata: { partitionKeys: { [PARTITION_KEY]: day } },
  };
}

/** Why a record is ProcessingFailed: the kinds the Lambda counts in its log line. */
export type ProcessingFailureKind = 'notJsonObject' | 'noUsableTime' | 'beforeProjectionStart' | 'afterArrivalDay';

interface ProcessingFailure {
  readonly kind: ProcessingFailureKind;
  readonly day?: string;
}

/** The failure transformRecord finds in a record, or undefined for a record it accepts. Off the hot path. */
function processingFailure(base64Data: string, approximateArrivalTimestamp: number | undefined): ProcessingFailure | undefined {
  const bytes = Buffer.from(base64Data, 'base64');
  const event = scanJsonObject(bytes);
  if (event === undefined) return { kind: 'notJsonObject' };
  const day = eventDay(event, bytes);
  if (day === undefined) return { kind: 'noUsableTime' };
  if (day < PROJECTION_START_DAY) return { kind: 'beforeProjectionStart', day };
  if (day > arrivalDay(approximateArrivalTimestamp)) return { kind: 'afterArrivalDay', day };
  return undefined;
}

/**
 * Why transformRecord marks a record ProcessingFailed, in words for an error record (never its
 * content); undefined when it does not. Called for rejected records only, off the hot path.
 */
export function processingFailureReason(base64Data: string, approximateArrivalTimestamp: number | undefined): string | undefined {
  const failure = processingFailure(base64Data, approximateArrivalTimestamp);
  switch (failure?.kind) {
    case undefined:
      return undefined;
    case 'notJsonObject':
      return 'not a JSON object';
    case 'noUsableTime':
      return 'no usable time: neither time nor detail.ticket.updated_at is an ISO-8601 date-time';
    case 'beforeProjectionStart':
      return `dated ${failure.day}, before ${PROJECTION_START_DAY}, the first day of the table's partition projection: Athena would never show it`;
    case 'afterArrivalDay':
      return `dated ${failure.day}, after the day it arrived (${arrivalDay(approximateArrivalTimestamp)}): the table's partition projection ends at the current day, so Athena would not show it`;
  }
}

/**
 * The partition day: the UTC day of the event's `time`, else of `detail.ticket.updated_at` (a
 * ticket version's own time, the same on every delivery), else none. Never the arrival day: a
 * file ingested again on another day must land in the same partitions.
 */
function eventDay(event: ScannedJsonObject, bytes: Buffer): string | undefined {
  const fromTime = event.time === undefined ? undefined : utcDayOfIsoTime(event.time);
  if (fromTime !== undefined) return fromTime;
  // Rare (partner events always carry a time): only here is the whole record parsed.
  const updatedAt = ticketUpdatedAt(bytes.toString('utf8', event.start, event.end));
  return updatedAt === undefined ? undefined : utcDayOfIsoTime(updatedAt);
}

function ticketUpdatedAt(json: string): string | undefined {
  const parsed = JSON.parse(json) as { detail?: unknown };
  const detail = parsed.detail;
  const ticket = typeof detail === 'object' && detail !== null ? (detail as { ticket?: unknown }).ticket : undefined;
  const updatedAt = typeof ticket === 'object' && ticket !== null ? (ticket as { updated_at?: unknown }).updated_at : undefined;
  return typeof updatedAt === 'string' ? updatedAt : undefined;
}

/**
 * An id the views can dedupe by: a non-empty string or a number. A missing id, null, "" or true
 * would be one id shared by many events, and `PARTITION BY dt, id` would keep one of them.
 */
function hasUsableId(event: ScannedJsonObject, bytes: Buffer): boolean {
  if (event.idStart < 0) return false;
  const first = bytes[event.idStart];
  if (first === QUOTE) return event.idEnd - event.idStart > 2;
  return first === 0x2d /* - */ || (first >= 0x30 && first <= 0x39);
}

/** Prefix of the ids the transform derives from a record's bytes. */
export const DERIVED_ID_PREFIX = 'sha256-';

/**
 * The record with `"id":"sha256-<hex>"` (SHA-256 of the object's bytes, surrounding whitespace
 * excluded) as its first member, or in place of an unusable id value, plus "\n". Deterministic:
 * the same bytes get the same id on every delivery and every re-ingest, so the views dedupe
 * copies, and different events never share one.
 */
function base64WithDerivedId(bytes: Buffer, event: ScannedJsonObject): string {
  const id = `"${DERIVED_ID_PREFIX}${createHash('sha256').update(bytes.subarray(event.start, event.end)).digest('hex')}"`;
  const parts: Buffer[] =
    event.idStart >= 0
      ? [bytes.subarray(0, event.idStart), Buffer.from(id, 'latin1'), bytes.subarray(event.idEnd)]
      : [bytes.subarray(0, event.start + 1), Buffer.from(`"id":${id}${event.hasMembers ? ',' : ''}`, 'latin1'), bytes.subarray(event.start + 1)];
  if (bytes[bytes.length - 1] !== NEWLINE) parts.push(NEWLINE_BYTES);
  return Buffer.concat(parts).toString('base64');
}

/**
 * Where records are decoded, reused from record to record: Buffer.from would allocate every
 * record's bytes (a new 8 KiB pool slab every few records, a fresh ArrayBuffer for larger ones),
 * yet they are needed only until the record's output is built, synchronously. Grows to the largest
 * record seen (Firehose caps records at 1,000 KiB).
 */
let decodeBuffer = Buffer.allocUnsafe(64 * 1024);

/** The bytes of a base64 record, decoded as Buffer.from(base64, 'base64') would; valid until the next call. */
function decodeBase64(base64: string): Buffer {
  const mostBytes = Math.ceil(base64.length / 4) * 3; // 3 bytes per 4 characters at most, whatever the spelling
  if (decodeBuffer.length < mostBytes) decodeBuffer = Buffer.allocUnsafe(Math.max(mostBytes, 2 * decodeBuffer.length));
  return decodeBuffer.subarray(0, decodeBuffer.write(base64, 0, 'base64'));
}

/**
 * ISO-8601 / RFC 3339 date-time as EventBridge writes it (`2026-11-27T09:14:03Z`), with optional
 * seconds, fraction and offset, or a date alone. Deliberately not Date.parse: it reads a time
 * without offset in the process's local zone (the local pipeline on a laptop would put events in
 * another day than the Lambda, which runs in UTC) and accepts legacy forms such as "11/27/2026" or
 * "1". Without an offset the time is taken as UTC, the envelope's convention.
 */
const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?:[Zz]|([+-])(\d{2}):?(\d{2}))?)?$/;
/** EventBridge's own form, checked first without capture groups: no match objects for nearly every record. */
const EVENTBRIDGE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const DAY_FORMAT = /^\d{4}-\d{2}-\d{2}$/;

function utcDayOfIsoTime(time: string): string | undefined {
  if (EVENTBRIDGE_TIME.test(time)) {
    const valid = isDateTime(digitsAt(time, 0, 4), digitsAt(time, 5, 2), digitsAt(time, 8, 2), digitsAt(time, 11, 2), digitsAt(time, 14, 2), digitsAt(time, 17, 2));
    return valid ? time.slice(0, 10) : undefined;
  }
  const match = ISO_TIME.exec(time);
  if (match === null) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4] ?? 0);
  const minute = Number(match[5] ?? 0);
  const offsetSign = match[7];
  const offsetHours = Number(match[8] ?? 0);
  const offsetMinutes = Number(match[9] ?? 0);
  if (!isDateTime(year, month, day, hour, minute, Number(match[6] ?? 0)) || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const offset = (offsetSign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  if (offset === 0) return time.slice(0, 10);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC, which maps years 0-99 to 1900-1999
  date.setUTCMinutes(hour * 60 + minute - offset);
  const shifted = utcDay(date.getTime());
  // An offset can move 0000-01-01 into year -1, which is no YYYY-MM-DD partition value.
  return DAY_FORMAT.test(shifted) ? shifted : undefined;
}

/** The number written by the ASCII digits time[from, from + count). */
function digitsAt(time: string, from: number, count: number): number {
  let value = 0;
  for (let k = from; k < from + count; k++) value = value * 10 + time.charCodeAt(k) - 0x30;
  return value;
}

/** A calendar day and a time of day; second 60 is an RFC 3339 leap second, still the same day. */
function isDateTime(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 60;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const DAY_MS = 86_400_000;
/** 9999-12-31T00:00:00Z: beyond it a day is no YYYY-MM-DD (and beyond +-8.64e15 ms no Date is valid). */
const MAX_ARRIVAL_MS = Date.UTC(9999, 11, 31);
/** The UTC day of the last arrival time seen: records of a batch arrive within seconds. */
let arrivalDayCache = { from: Number.NaN, day: '' };

/** Firehose always sets approximateArrivalTimestamp; the clock stands in if a caller does not. */
function arrivalDay(approximateArrivalTimestamp: number | undefined): string {
  let time = approximateArrivalTimestamp;
  if (time === undefined || !(time >= 0 && time < MAX_ARRIVAL_MS)) time = Date.now();
  if (!(time >= arrivalDayCache.from && time < arrivalDayCache.from + DAY_MS)) {
    const day = utcDay(time);
    arrivalDayCache = { from: Date.parse(`${day}T00:00:00Z`), day };
  }
  return arrivalDayCache.day;
}

/**
 * Base64 of the original bytes plus one "\n" (none added if they already end with one).
 *
 * Firehose sends canonical base64, and base64 encodes each 3 bytes as 4 characters on their own, so
 * the encoding of bytes + "\n" is the input's characters up to the last whole 3-byte group followed
 * by the encoding of the remaining 0-2 bytes + "\n": only the last quantum is computed, instead of
 * re-encoding up to 1,000 KiB per record.
 */
function base64WithTrailingNewline(base64: string, bytes: Buffer): string {
  const canonical = isCanonicalBase64(base64, bytes.length);
  if (bytes.length > 0 && bytes[bytes.length - 1] === NEWLINE) {
    return canonical ? base64 : bytes.toString('base64');
  }
  if (!canonical) {
    const withNewline = Buffer.allocUnsafe(bytes.length + 1);
    bytes.copy(withNewline);
    withNewline[bytes.length] = NEWLINE;
    return withNewline.toString('base64');
  }
  const wholeGroupBytes = bytes.length - (bytes.length % 3);
  return base64.slice(0, (wholeGroupBytes / 3) * 4) + lastQuantumWithNewline(bytes, wholeGroupBytes);
}

const BASE64_DIGITS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 of bytes[from..] (0-2 bytes) + "\n": one 4-character quantum, in JS (no Buffer for 4 characters). */
function lastQuantumWithNewline(bytes: Buffer, from: number): string {
  const remaining = bytes.length - from;
  const b0 = remaining === 0 ? NEWLINE : bytes[from];
  const b1 = remaining === 0 ? 0 : remaining === 1 ? NEWLINE : bytes[from + 1];
  const b2 = remaining === 2 ? NEWLINE : 0;
  const triple = (b0 << 16) | (b1 << 8) | b2;
  return (
    BASE64_DIGITS[triple >> 18] +
    BASE64_DIGITS[(triple >> 12) & 63] +
    (remaining === 0 ? '=' : BASE64_DIGITS[(triple >> 6) & 63]) +
    (remaining === 2 ? BASE64_DIGITS[triple & 63] : '=')
  );
}

/**
 * True when `base64` is the canonical encoding (standard alphabet, padded, nothing else) of the
 * `decodedLength` bytes Node's decoder produced from it, checked without a JS loop over the
 * characters: the decoder skips characters outside the alphabet and stops at a '=' inside, so any
 * of those leaves fewer bytes than the length and padding of a canonical string imply; only the
 * URL-safe '-' and '_' decode like '+' and '/', and two native searches rule them out.
 */
function isCanonicalBase64(base64: string, decodedLength: number): boolean {
  const padding = (3 - (decodedLength % 3)) % 3;
  return (
    base64.length === Math.ceil(decodedLength / 3) * 4 &&
    (padding < 1 || base64.charCodeAt(base64.length - 1) === BASE64_PAD) &&
    (padding < 2 || base64.charCodeAt(base64.length - 2) === BASE64_PAD) &&
    base64.indexOf('-') === -1 &&
    base64.indexOf('_') === -1
  );
}

const IN_LAMBDA = process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined;

export async function handler(event: FirehoseTransformationEvent): Promise<FirehoseTransformationResult> {
  let failed = 0;
  const records = event.records.map((r) => {
    const out = transformRecord(r.recordId, r.data, r.approximateArrivalTimestamp);
    if (out.result !== 'Ok') failed++;
    return out;
  });
  if (IN_LAMBDA) {
    // Counts only, as one JSON line for CloudWatch Logs Insights; never record contents. Firehose's
    // error records carry no reason, so the reasons are counted here.
    const reasons: Partial<Record<ProcessingFailureKind, number>> = {};
    if (failed > 0) {
      event.records.forEach((r, n) => {
        if (records[n].result === 'Ok') return;
        const kind = processingFailure(r.data, r.approximateArrivalTimestamp)?.kind ?? 'notJsonObject';
        reasons[kind] = (reasons[kind] ?? 0) + 1;
      });
    }
    console.log(JSON.stringify({ message: 'transformed', records: records.length, ok: records.length - failed, processingFailed: failed, reasons }));
  }
  return { records };
}
