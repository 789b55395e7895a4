/**
 * `freshlake ingest --to firehose`: sends matched events to the deployed delivery stream, so users
 * can push test traffic or history into the real pipeline. The events take the same path as ones
 * EventBridge delivers: the stream's transform Lambda adds the newline and the dt partition key.
 *
 * Firehose PutRecordBatch limits: at most 500 records and 4 MiB per call, each record at most
 * 1,000 KiB. A call can succeed while some records fail (FailedPutCount > 0, an ErrorCode on
 * those entries of RequestResponses): only those are retried, with exponential backoff and full
 * jitter, as are calls throttled as a whole (ThrottlingException, ServiceUnavailableException,
 * LimitExceededException). What still fails after the last attempt, and records over the size
 * limit, go to a failure file (the original events, one per line, so the file can be sent again
 * with the same command) and are counted: nothing is lost silently.
 */
import { FirehoseClient, PutRecordBatchCommand, type PutRecordBatchCommandOutput } from '@aws-sdk/client-firehose';
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { awsCallError } from '../aws-errors';
import { RemoteError } from '../errors';
import { FIREHOSE_MAX_RECORD_BYTES } from '../lake-layout';
import type { InputFormat, RecordLocation } from './input-reader';
import {
  prepareScan,
  scanInputs,
  type EventDestination,
  type DamagedInput,
  type MalformedReason,
  type RejectedRecord,
  type SkippedBytes,
  type ScanCounts,
  type ScanInputOptions,
  type ScanResult,
} from './ingest';

/** PutRecordBatch: at most 500 records per call. */
export const MAX_RECORDS_PER_BATCH = 500;
/** PutRecordBatch: at most 4 MiB per call. */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;
/** Firehose: a record is at most 1,000 KiB (before base64 encoding). */
export const MAX_RECORD_BYTES = FIREHOSE_MAX_RECORD_BYTES;

/** Call-level errors that mean "try again later", not "this will never work". */
const RETRYABLE_ERRORS = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'LimitExceededException',
  'InternalFailure',
  'InternalFailureException',
  'InternalServerError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: string };
  if (RETRYABLE_ERRORS.has(e?.name ?? '')) return true;
  if (e?.$retryable) return true;
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  return typeof e?.code === 'string' && /^(ECONNRESET|ETIMEDOUT|EPIPE|EAI_AGAIN|ECONNREFUSED)$/.test(e.code);
}

export interface FirehoseSenderProps {
  readonly client: FirehoseClient;
  readonly deliveryStreamName: string;
  /** Where records that could not be delivered are written (created only if one fails). */
  readonly failedOutputPath: string;
  /**
   * Attempts per record (the first send included).
   * @default 8
   */
  readonly maxAttempts?: number;
  /**
   * First backoff ceiling; each retry doubles it (full jitter: a random wait up to the ceiling).
   * @default 100 ms
   */
  readonly baseDelayMs?: number;
  /** @default 10,000 ms */
  readonly maxDelayMs?: number;
  /**
   * PutRecordBatch calls in flight at once.
   * @default 4
   */
  readonly concurrency?: number;
  /** For tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** For tests. @default Math.random */
  readonly random?: () => number;
}

export interface FirehoseSendCounts {
  /** Records Firehose accepted. */
  sent: number;
  /** Records written to the failure file (over-size or failing after every attempt). */
  failed: number;
  /** Of those, records over 1,000 KiB. */
  tooLarge: number;
  /** PutRecordBatch calls made (retries included). */
  calls: number;
  /** Records sent again after a partial failure or a throttled call. */
  retries: number;
  /** Last error code seen per kind, with how many records got it. */
  readonly errorCodes: Record<string, number>;
}

interface PendingRecord {
  readonly data: Buffer;
  readonly location: RecordLocation;
  lastError?: string;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Matched events -> PutRecordBatch batches (500 records / 4 MiB) with retries -> failure file. */
export class FirehoseDestination implements EventDestination {
  readonly counts: FirehoseSendCounts = { sent: 0, failed: 0, tooLarge: 0, calls: 0, retries: 0, errorCodes: {} };
  private batch: PendingRecord[] = [];
  private batchBytes = 0;
  private readonly sealed: PendingRecord[][] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private fatal: Error | undefined;
  private failureStream: WriteStream | undefined;
  private readonly maxAttempts: number;
  private readonly baseDelay: number;
  private readonly maxDelay: number;
  private readonly concurrency: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(private readonly props: FirehoseSenderProps) {
    this.maxAttempts = props.maxAttempts ?? 8;
    this.baseDelay = props.baseDelayMs ?? 100;
    this.maxDelay = props.maxDelayMs ?? 10_000;
    this.concurrency = props.concurrency ?? 4;
    this.sleep = props.sleep ?? defaultSleep;
    this.random = props.random ?? Math.random;
  }

  /** The failure file, if any record was written to it. */
  get failedOutput(): string | undefined {
    return this.failureStream ? this.props.failedOutputPath : undefined;
  }

  matched(buf: Buffer, start: number, end: number, location: RecordLocation): void {
    // A copy: `buf` is the reader's chunk and is reused after this call.
    const data = Buffer.from(buf.subarray(start, end));
    if (data.length > MAX_RECORD_BYTES) {
      this.counts.tooLarge++;
      this.fail({ data, location, lastError: 'RecordTooLarge' });
      return;
    }
    if (this.batch.length === MAX_RECORDS_PER_BATCH || this.batchBytes + data.length > MAX_BATCH_BYTES) this.seal();
    this.batch.push({ data, location });
    this.batchBytes += data.length;
  }

  /**
   * Not events: EventBridge could never have delivered them, so they are not sent. They go to the
   * failure file with the undeliverable events (nothing read is lost; the scan reports them by line).
   */
  malformed(buf: Buffer, start: number, end: number, _location: RecordLocation, _reason: MalformedReason, _detail: string): void {
    this.keepInFailureFile(buf.subarray(start, end));
  }

  /** Longer than the reader holds: not in memory, so the failure file gets a line saying where it is. */
  oversized(location: RecordLocation, skipped: SkippedBytes): void {
    const note = `(${skipped.length} bytes not kept: longer than any event; they are bytes ${skipped.offset} to ${skipped.offset + skipped.length} of ${location.input}, line ${location.line})`;
    this.keepInFailureFile(Buffer.from(note));
  }

  async afterChunk(): Promise<void> {
    this.throwIfFatal();
    while (this.sealed.length > 0) {
      while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
      this.throwIfFatal();
      const batch = this.sealed.shift()!;
      const task = this.sendBatch(batch)
        .catch((error: Error) => {
          this.fatal ??= error;
        })
        .finally(() => this.inFlight.delete(task));
      this.inFlight.add(task);
    }
  }

  /** Sends what is left and closes the failure file. @throws RemoteError on a non-retryable AWS error */
  async finish(): Promise<void> {
    if (this.batch.length > 0) this.seal();
    try {
      await this.afterChunk();
      while (this.inFlight.size > 0) await Promise.race(this.inFlight);
      this.throwIfFatal();
    } finally {
      await this.closeFailureFile();
    }
  }

  private seal(): void {
    if (this.batch.length === 0) return;
    this.sealed.push(this.batch);
    this.batch = [];
    this.batchBytes = 0;
  }

  private throwIfFatal(): void {
    if (this.fatal) throw this.fatal;
  }

  /** One batch: send, keep the entries that failed, back off, send them again. */
  private async sendBatch(records: PendingRecord[]): Promise<void> {
    let pending = records;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > 1) {
        this.counts.retries += pending.length;
        // Full jitter: a random wait up to an exponentially growing ceiling spreads retries out.
        const ceiling = Math.min(this.maxDelay, this.baseDelay * 2 ** (attempt - 2));
        await this.sleep(Math.floor(this.random() * ceiling));
      }
      let response: PutRecordBatchCommandOutput;
      try {
        this.counts.calls++;
        response = await this.props.client.send(
          new PutRecordBatchCommand({ DeliveryStreamName: this.props.deliveryStreamName, Records: pending.map((r) => ({ Data: r.data })) }),
        );
      } catch (error) {
        if (!isRetryable(error)) {
          // Access denied, missing stream, bad credentials: every other batch would fail the same way.
          for (const record of pending) this.fail({ ...record, lastError: (error as Error).name || 'Error' });
          throw awsCallError(error, 'firehose:PutRecordBatch');
        }
        for (const record of pending) record.lastError = (error as Error).name || 'Error';
        if (attempt >= this.maxAttempts) break;
        continue;
      }
      const failedCount = response.FailedPutCount ?? 0;
      if (failedCount === 0) {
        this.counts.sent += pending.length;
        pending = [];
        break;
      }
      const responses = response.RequestResponses ?? [];
      const stillFailing: PendingRecord[] = [];
      pending.forEach((record, i) => {
        const entry = responses[i];
        if (entry?.ErrorCode || !entry?.RecordId) {
          record.lastError = entry?.ErrorCode ?? 'MissingResponse';
          stillFailing.push(record);
        } else {
          this.counts.sent++;
        }
      });
      pending = stillFailing;
      if (attempt >= this.maxAttempts) break;
    }
    for (const record of pending) this.fail(record);
  }

  /** Writes an undeliverable record to the failure file (as its original event line). */
  private fail(record: PendingRecord): void {
    this.counts.failed++;
    const code = record.lastError ?? 'Unknown';
    this.counts.errorCodes[code] = (this.counts.errorCodes[code] ?? 0) + 1;
    this.keepInFailureFile(record.data);
  }

  private keepInFailureFile(data: Buffer): void {
    if (!this.failureStream) {
      this.failureStream = createWriteStream(this.props.failedOutputPath, { flags: 'a' });
      this.failureStream.on('error', (error) => {
        this.fatal ??= new RemoteError(`Cannot write the failure file ${this.props.failedOutputPath}: ${error.message}`);
      });
    }
    this.failureStream.write(data);
    this.failureStream.write('\n');
  }

  private async closeFailureFile(): Promise<void> {
    if (!this.failureStream) return;
    const stream = this.failureStream;
    stream.end();
    await once(stream, 'close');
    this.throwIfFatal();
  }
}

export interface SendToFirehoseOptions extends Omit<FirehoseSenderProps, 'failedOutputPath'>, ScanInputOptions {
  /** Records that could not be delivered go here (created only if needed). */
  readonly failedOutputPath: string;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: ScanCounts & { readonly sent: number; readonly elapsedMs: number }) => void;
}

/** What a send to Firehose did. */
export interface FirehoseSendSummary {
  readonly inputs: readonly { readonly name: string; readonly format: InputFormat | 'empty' }[];
  readonly deliveryStream: string;
  readonly eventsRead: number;
  readonly bytesRead: number;
  readonly matched: number;
  readonly notMatched: number;
  /** Records that are not JSON objects: reported by line, not sent. */
  readonly malformed: number;
  readonly malformedRecords: readonly RejectedRecord[];
  readonly sent: number;
  readonly failed: number;
  readonly tooLarge: number;
  readonly calls: number;
  readonly retries: number;
  readonly errorCodes: Readonly<Record<string, number>>;
  /** The failure file, when records could not be delivered. */
  readonly failedOutput?: string;
  readonly elapsedMs: number;
  readonly interrupted: boolean;
  /** Inputs that could not be read to their end; everything readable in them was sent. */
  readonly damaged: readonly DamagedInput[];
}

/**
 * Reads the inputs, applies the rule's event pattern and sends the matched events to the stream.
 * @throws RemoteError on a non-retryable AWS error (the records of that batch are in the failure file)
 */
export async function sendToFirehose(options: SendToFirehoseOptions): Promise<FirehoseSendSummary> {
  const started = Date.now();
  const { sources, match, rejected, listRejected } = await prepareScan(options);
  const destination = new FirehoseDestination(options);
  let scan: ScanResult;
  try {
    scan = await scanInputs({
      sources,
      match,
      destination,
      signal: options.signal,
      onRejected: listRejected,
      onProgress: options.onProgress
        ? (counts) => options.onProgress!({ ...counts, sent: destination.counts.sent, elapsedMs: Date.now() - started })
        : undefined,
    });
  } finally {
    await destination.finish();
  }
  const sent = destination.counts;
  return {
    inputs: sources.map((s) => ({ name: s.name, format: scan.formats[s.name] ?? 'empty' })),
    deliveryStream: options.deliveryStreamName,
    eventsRead: scan.counts.recordsRead,
    bytesRead: scan.counts.bytesRead,
    matched: scan.counts.matched,
    notMatched: scan.counts.notMatched,
    malformed: scan.counts.malformed + scan.counts.oversized,
    malformedRecords: rejected,
    sent: sent.sent,
    failed: sent.failed,
    tooLarge: sent.tooLarge,
    calls: sent.calls,
    retries: sent.retries,
    errorCodes: { ...sent.errorCodes },
    failedOutput: destination.failedOutput,
    elapsedMs: Date.now() - started,
    interrupted: scan.aborted,
    damaged: scan.damaged,
  };
}
