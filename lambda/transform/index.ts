/**
 * Firehose data-transformation handler: turns each EventBridge event into one line of the lake.
 *
 * Contract (Firehose data transformation): exactly one output record per input recordId, in the
 * same order. For a record that is a JSON object the output is the ORIGINAL bytes plus one "\n"
 * (Athena and DuckDB read one JSON document per line), never re-serialized, with the partition
 * key `dt` = UTC day of the event's `time` so late or replayed events land in the day they
 * happened. Anything else is ProcessingFailed, which Firehose writes under the error prefix:
 * never Dropped, never lost.
 *
 * The local pipeline (lib/local) calls this same handler. Only counts are logged: tickets hold
 * personal data.
 *
 * Speed matters: Firehose invokes this synchronously for every buffer (up to 3 MB, and 6 MB is the
 * Lambda payload limit), and bench/transform.bench.ts holds it to >= 1/3 of a bare base64
 * decode + append + encode. Hence a validating scan instead of JSON.parse (./json-object-scan) and
 * no re-encoding of the output.
 */
import type { FirehoseTransformationEvent, FirehoseTransformationResult, FirehoseTransformationResultRecord } from 'aws-lambda';
import { PARTITION_KEY, utcDay } from '../../lib/lake-layout';
import { scanJsonObject } from './json-object-scan';

const NEWLINE = 0x0a;
const BASE64_PAD = 0x3d; // '='

/** Transforms one record. Exported for the local pipeline and tests. */
export function transformRecord(
  recordId: string,
  base64Data: string,
  approximateArrivalTimestamp: number | undefined,
): FirehoseTransformationResultRecord {
  const bytes = decodeBase64(base64Data);
  const event = scanJsonObject(bytes);
  if (event === undefined) {
    return { recordId, result: 'ProcessingFailed', data: base64Data };
  }
  return {
    recordId,
    result: 'Ok',
    data: base64WithTrailingNewline(base64Data, bytes),
    metadata: { partitionKeys: { [PARTITION_KEY]: partitionDay(event.time, approximateArrivalTimestamp) } },
  };
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
 * UTC day (YYYY-MM-DD) of the event time; the arrival day when `time` is missing, not a string, or
 * not an ISO-8601 date-time.
 */
export function partitionDay(time: unknown, approximateArrivalTimestamp: number | undefined): string {
  return (typeof time === 'string' ? utcDayOfIsoTime(time) : undefined) ?? arrivalDay(approximateArrivalTimestamp);
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

/** Firehose always sets approximateArrivalTimestamp; the clock stands in if a caller does not. */
function arrivalDay(approximateArrivalTimestamp: number | undefined): string {
  if (approximateArrivalTimestamp !== undefined && Number.isFinite(approximateArrivalTimestamp)) {
    const date = new Date(approximateArrivalTimestamp);
    // Beyond +-8.64e15 ms a Date is invalid; beyond year 9999 the day is no YYYY-MM-DD.
    if (!Number.isNaN(date.getTime())) {
      const day = utcDay(date.getTime());
      if (DAY_FORMAT.test(day)) return day;
    }
  }
  return utcDay(Date.now());
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
    // Counts only, as one JSON line for CloudWatch Logs Insights; never record contents.
    console.log(JSON.stringify({ message: 'transformed', records: records.length, ok: records.length - failed, processingFailed: failed }));
  }
  return { records };
}
