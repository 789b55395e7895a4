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
 */
import type { FirehoseTransformationEvent, FirehoseTransformationResult, FirehoseTransformationResultRecord } from 'aws-lambda';
import { PARTITION_KEY, utcDay } from '../../lib/lake-layout';

const NEWLINE = 0x0a;

/** Transforms one record. Exported for the local pipeline and tests. */
export function transformRecord(
  recordId: string,
  base64Data: string,
  approximateArrivalTimestamp: number | undefined,
): FirehoseTransformationResultRecord {
  const bytes = Buffer.from(base64Data, 'base64');
  const event = parseJsonObject(bytes);
  if (event === undefined) {
    return { recordId, result: 'ProcessingFailed', data: base64Data };
  }
  const endsWithNewline = bytes.length > 0 && bytes[bytes.length - 1] === NEWLINE;
  return {
    recordId,
    result: 'Ok',
    data: endsWithNewline ? base64Data : appendNewline(bytes).toString('base64'),
    metadata: { partitionKeys: { [PARTITION_KEY]: partitionDay(event.time, approximateArrivalTimestamp) } },
  };
}

/** UTC day of the event time; the arrival time when `time` is missing or not a date. */
export function partitionDay(time: unknown, approximateArrivalTimestamp: number | undefined): string {
  if (typeof time === 'string') {
    const ms = Date.parse(time);
    if (Number.isFinite(ms)) {
      const day = utcDay(ms);
      // Partition values must be YYYY-MM-DD for projection; years beyond 9999 do not fit.
      if (day.length === 10) return day;
    }
  }
  return utcDay(Number.isFinite(approximateArrivalTimestamp) ? approximateArrivalTimestamp! : Date.now());
}

/** The parsed record if it is a JSON object, else undefined. */
function parseJsonObject(bytes: Buffer): { time?: unknown } | undefined {
  // Lossy decoding only for validation: invalid UTF-8 inside a string does not reject the record,
  // and the output keeps the original bytes.
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { time?: unknown }) : undefined;
}

function appendNewline(bytes: Buffer): Buffer {
  const out = Buffer.allocUnsafe(bytes.length + 1);
  bytes.copy(out);
  out[bytes.length] = NEWLINE;
  return out;
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
