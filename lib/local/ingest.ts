/**
 * `freshlake ingest`: the production path on one machine. Each input record goes through
 *
 *   the SAME event pattern as the CDK rule (lib/event-pattern, evaluated by the local matcher)
 *   -> the SAME Firehose transform handler (lambda/transform), called with Firehose-shaped batches
 *   -> a Firehose-like buffer (size and interval hints, one buffer per dt partition)
 *   -> gzip'd objects in the lake layout (lib/lake-layout), written atomically.
 *
 * Records the rule does not match are counted and dropped (EventBridge would not route them).
 * Lines that are not JSON objects go to errors/malformed-input/<day>/ with their input and line
 * number; records the transform marks ProcessingFailed go to errors/processing-failed/<day>/,
 * shaped like Firehose's error records, with the transform's reason; events over Firehose's
 * 1,000 KiB record limit go to errors/record-too-large/<day>/ (Firehose would refuse them). A
 * damaged input is reported and the next one read; a lake that cannot be written stops the
 * ingest with a summary of what was written. Nothing a user gave is lost silently.
 *
 * Memory is bounded by the buffer (maxBufferedBytes) plus the objects being written, whatever the
 * input size. Only counts and line numbers are reported: event contents are personal data.
 */
import type { FirehoseTransformationEvent, FirehoseTransformationEventRecord, FirehoseTransformationResult } from 'aws-lambda';
import type { Readable } from 'node:stream';
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { handler as firehoseTransformHandler, processingFailureReason } from '../../lambda/transform';
import { UsageError } from '../errors';
import { ticketEventPattern } from '../event-pattern';
import {
  EVENTS_PREFIX,
  FIREHOSE_MAX_RECORD_BYTES,
  MALFORMED_INPUT_OUTPUT_TYPE,
  PROCESSING_FAILED_OUTPUT_TYPE,
  RECORD_TOO_LARGE_OUTPUT_TYPE,
  errorsPrefix,
  eventsPartitionPrefix,
  utcDay,
} from '../lake-layout';
import { compileEventPattern, type EventPredicate } from './event-pattern-matcher';
import { FirehoseBuffer } from './firehose-buffer';
import { compactJson, inputSources, readInput, type InputFormat, type InputSource, type RecordLocation, type RecordSink } from './input-reader';
import { LakeWriteError, LakeWriter, type ObjectFileWriter, type WrittenObject } from './lake-writer';

/** Why a record was rejected before the rule saw it. */
export type MalformedReason = 'not valid JSON' | 'not a JSON object' | 'not part of the array';

export interface RejectedRecord extends RecordLocation {
  readonly reason: MalformedReason | 'processing failed' | 'too large';
}

/** An input that could not be read to its end; every record before the damage was ingested. */
export interface DamagedInput {
  readonly input: string;
  /** e.g. "not a complete gzip file (unexpected end of file)". */
  readonly reason: string;
  /** Records read from it (the one the damage cut short included). */
  readonly recordsRead: number;
  /** The last line read. */
  readonly lastLine: number;
  /** Bytes read from the file (compressed size for a .gz) and after decompression. */
  readonly rawBytesRead: number;
  readonly bytesRead: number;
}

/** Where the bytes of a record too large to hold are: the reader skipped them. */
export interface SkippedBytes {
  /** Offset of the record in the input (after decompression). */
  readonly offset: number;
  readonly length: number;
}

/** How many rejected records are listed by location in the summary (all are counted). */
export const MAX_LISTED_REJECTIONS = 100;

/** Counts from reading and matching, shared by the lake and Firehose destinations. */
export interface ScanCounts {
  /** Non-blank lines or array elements read. */
  recordsRead: number;
  /** Bytes read, after decompression. */
  bytesRead: number;
  /** Bytes read from disk or stdin (compressed size for .gz). */
  rawBytesRead: number;
  /** Records the event pattern matched. */
  matched: number;
  /** JSON objects the event pattern did not match (not ticket events: dropped, as EventBridge would). */
  notMatched: number;
  /** Records that are not JSON objects. */
  malformed: number;
  /** Records longer than the reader holds (MAX_RECORD_BYTES): skipped, their place reported. */
  oversized: number;
}

/** Where matched events and rejected records go. */
export interface EventDestination {
  /** A matched event: bytes [start, end) of buf (only valid during the call). */
  matched(buf: Buffer, start: number, end: number, location: RecordLocation): void;
  /** A record that is not an event. */
  malformed(buf: Buffer, start: number, end: number, location: RecordLocation, reason: MalformedReason, detail: string): void;
  /** A record longer than the reader holds: its bytes are not in memory, only where they are. */
  oversized(location: RecordLocation, skipped: SkippedBytes): void;
  /** Called after every input chunk: finish full batches, wait while writes or sends are behind. */
  afterChunk(): Promise<void>;
}

export interface ScanOptions {
  readonly sources: readonly InputSource[];
  readonly match: EventPredicate;
  readonly destination: EventDestination;
  readonly signal?: AbortSignal;
  /** Called about every `progressIntervalMs` with the counts so far. */
  readonly onProgress?: (counts: Readonly<ScanCounts>) => void;
  /** @default 500 */
  readonly progressIntervalMs?: number;
  /** Receives each rejected record's location (the summary lists the first MAX_LISTED_REJECTIONS). */
  readonly onRejected?: (rejected: RejectedRecord) => void;
}

export interface ScanResult {
  readonly counts: ScanCounts;
  readonly formats: Readonly<Record<string, InputFormat | 'empty'>>;
  readonly aborted: boolean;
  /** Inputs that could not be read to their end (the others were read whole). */
  readonly damaged: readonly DamagedInput[];
}

/** Where the records come from and which of them are events: the options ingest and send share. */
export interface ScanInputOptions {
  /** Files, directories, or `-` for standard input. */
  readonly inputs: readonly string[];
  /** Relative input paths resolve against this. @default process.cwd() */
  readonly cwd?: string;
  /**
   * AWS account condition of the event pattern, as the deployed rule has.
   * @default none (events delivered to any account match)
   */
  readonly account?: string;
  /** Freshdesk events to match. @default onTicketCreate, onTicketUpdate */
  readonly detailTypes?: readonly string[];
  /** Standard input, for `-`. @default process.stdin */
  readonly stdin?: () => Readable;
}

/** What every scan starts from. */
export interface ScanSetup {
  readonly sources: readonly InputSource[];
  /** The rule's event pattern (the one the CDK rule deploys), compiled. */
  readonly match: EventPredicate;
  /** The first MAX_LISTED_REJECTIONS rejected records, for the summary. */
  readonly rejected: readonly RejectedRecord[];
  /** Lists a rejected record while there is room (all of them are counted elsewhere). */
  readonly listRejected: (record: RejectedRecord) => void;
}

/**
 * Expands the inputs into sources and compiles the rule's event pattern.
 * @throws InputError for a path that does not exist
 */
export async function prepareScan(options: ScanInputOptions): Promise<ScanSetup> {
  const sources = await inputSources(options.inputs, options.cwd ?? process.cwd(), options.stdin ?? (() => process.stdin));
  const match = compileEventPattern(ticketEventPattern({ account: options.account, detailTypes: options.detailTypes }));
  const rejected: RejectedRecord[] = [];
  const listRejected = (record: RejectedRecord) => {
    if (rejected.length < MAX_LISTED_REJECTIONS) rejected.push(record);
  };
  return { sources, match, rejected, listRejected };
}

/** Node 20's JSON.parse messages quote the input; keep only the position for reports. */
function parseErrorDetail(error: unknown): string {
  const position = /position (\d+)/.exec(String((error as Error).message));
  return position ? `at byte ${position[1]}` : 'unexpected end of input';
}

/** Reads every source, parses each record, applies the event pattern and hands records to the destination. */
export async function scanInputs(options: ScanOptions): Promise<ScanResult> {
  const counts: ScanCounts = { recordsRead: 0, bytesRead: 0, rawBytesRead: 0, matched: 0, notMatched: 0, malformed: 0, oversized: 0 };
  const formats: Record<string, InputFormat | 'empty'> = {};
  const damaged: DamagedInput[] = [];
  const { match, destination } = options;
  const progressInterval = options.progressIntervalMs ?? 500;
  let lastProgress = Date.now();
  let aborted = false;

  for (const source of options.sources) {
    if (options.signal?.aborted) {
      aborted = true;
      break;
    }
    const reject = (location: RecordLocation, reason: RejectedRecord['reason']) => {
      counts.malformed++;
      options.onRejected?.({ ...location, reason });
    };
    const recordsBefore = counts.recordsRead;
    const sink: RecordSink = {
      record(buf, start, end, line, multiline) {
        counts.recordsRead++;
        let event: unknown;
        try {
          event = JSON.parse(buf.toString('utf8', start, end));
        } catch (error) {
          reject({ input: source.name, line }, 'not valid JSON');
          destination.malformed(buf, start, end, { input: source.name, line }, 'not valid JSON', parseErrorDetail(error));
          return;
        }
        if (typeof event !== 'object' || event === null || Array.isArray(event)) {
          reject({ input: source.name, line }, 'not a JSON object');
          destination.malformed(buf, start, end, { input: source.name, line }, 'not a JSON object', 'an event is a JSON object');
          return;
        }
        if (!match(event)) {
          counts.notMatched++;
          return;
        }
        counts.matched++;
        if (multiline) {
          // One event per line in the lake, as EventBridge delivers them: compact a pretty-printed one.
          const compact = compactJson(buf, start, end);
          destination.matched(compact, 0, compact.length, { input: source.name, line });
        } else {
          destination.matched(buf, start, end, { input: source.name, line });
        }
      },
      oversized(line, bytes, offset) {
        counts.recordsRead++;
        counts.oversized++;
        options.onRejected?.({ input: source.name, line, reason: 'too large' });
        destination.oversized({ input: source.name, line }, { offset, length: bytes });
      },
      garbage(buf, start, end, line, reason) {
        counts.recordsRead++;
        reject({ input: source.name, line }, 'not part of the array');
        destination.malformed(buf, start, end, { input: source.name, line }, 'not part of the array', reason);
      },
    };
    const result = await readInput(source, sink, {
      signal: options.signal,
      afterChunk: async () => {
        await destination.afterChunk();
        if (options.onProgress && Date.now() - lastProgress >= progressInterval) {
          lastProgress = Date.now();
          options.onProgress(counts);
        }
      },
    });
    counts.bytesRead += result.bytes;
    counts.rawBytesRead += result.rawBytes;
    formats[source.name] = result.format;
    if (result.damage !== undefined) {
      damaged.push({
        input: source.name,
        reason: result.damage,
        recordsRead: counts.recordsRead - recordsBefore,
        lastLine: result.lines,
        rawBytesRead: result.rawBytes,
        bytesRead: result.bytes,
      });
    }
    if (result.aborted) {
      aborted = true;
      break;
    }
  }
  return { counts, formats, aborted, damaged };
}

/** The Firehose transform contract, as lambda/transform implements it. */
export type FirehoseTransform = (event: FirehoseTransformationEvent) => Promise<FirehoseTransformationResult>;

/**
 * Bytes of record data per transform call. Firehose's Lambda processor buffer may be 0.2-3 MB
 * (default 1 MB; a Lambda payload is at most 6 MB). Locally a smaller batch is faster: the batch's
 * base64 strings are what survives each young-generation GC, and 256 KiB instead of 1 MiB cut
 * ingest CPU by about a tenth (bench/ingest.bench.ts).
 */
export const DEFAULT_TRANSFORM_BATCH_BYTES = 256 * 1024;

/** The ARN the local pipeline puts in the Firehose-shaped events it hands the transform. */
const LOCAL_DELIVERY_STREAM_ARN = 'arn:aws:firehose:local:000000000000:deliverystream/freshlake-local';

export interface LakeDestinationProps {
  readonly lakeDir: string;
  /** Firehose buffering hints, per partition. */
  readonly bufferSizeBytes?: number;
  readonly bufferIntervalMs?: number;
  /** Bound on buffered bytes across partitions. */
  readonly maxBufferedBytes?: number;
  /** gzip level of lake objects. @default 6 */
  readonly compressionLevel?: number;
  /** @default DEFAULT_TRANSFORM_BATCH_BYTES */
  readonly transformBatchBytes?: number;
  /** @default the handler of lambda/transform */
  readonly transform?: FirehoseTransform;
  /** How objects reach the disk (tests inject failures). @default writeFileAtomically */
  readonly writeObjectFile?: ObjectFileWriter;
  /** Clock for arrival timestamps and error days. @default Date.now */
  readonly now?: () => number;
  readonly onObjectWritten?: (object: WrittenObject) => void;
  /** Receives the location of each record the transform marked ProcessingFailed. */
  readonly onProcessingFailed?: (location: RecordLocation) => void;
  /** Receives the location of each matched event over Firehose's record limit. */
  readonly onTooLarge?: (location: RecordLocation) => void;
}

/** Counts of what reached the lake. */
export interface LakeCounts {
  /** Events written under events/ (duplicates of earlier runs included: the views remove them). */
  eventsWritten: number;
  /** Records the transform marked ProcessingFailed, written under errors/processing-failed/. */
  processingFailed: number;
  /** Records the transform returned as Dropped (the handler never does; counted to be sure). */
  dropped: number;
  /** Matched events over Firehose's 1,000 KiB record limit, under errors/record-too-large/. */
  tooLarge: number;
  /** Records longer than the reader holds, reported (not kept) under errors/record-too-large/. */
  oversized: number;
  /** Records written under errors/ (malformed input and processing failures). */
  errorRecordsWritten: number;
  eventObjects: number;
  errorObjects: number;
  compressedBytesWritten: number;
}

interface TransformBatch {
  records: FirehoseTransformationEventRecord[];
  locations: RecordLocation[];
  bytes: number;
}

/** Matched events -> transform handler (batched) -> Firehose-like buffer -> atomic gzip'd objects. */
export class LakeDestination implements EventDestination {
  readonly counts: LakeCounts = {
    eventsWritten: 0,
    processingFailed: 0,
    dropped: 0,
    tooLarge: 0,
    oversized: 0,
    errorRecordsWritten: 0,
    eventObjects: 0,
    errorObjects: 0,
    compressedBytesWritten: 0,
  };
  /** Days that received events. */
  readonly days = new Set<string>();
  /** Error prefixes written, e.g. errors/malformed-input/2026-11-27/. */
  readonly errorPrefixes = new Set<string>();
  private readonly writer: LakeWriter;
  private readonly buffer: FirehoseBuffer;
  private readonly transform: FirehoseTransform;
  private readonly batchLimit: number;
  private readonly now: () => number;
  private batch: TransformBatch = { records: [], locations: [], bytes: 0 };
  private readonly fullBatches: TransformBatch[] = [];
  private nextRecordId = 1;
  private readonly partitionPrefixes = new Map<string, string>();

  constructor(private readonly props: LakeDestinationProps) {
    this.now = props.now ?? Date.now;
    this.transform = props.transform ?? firehoseTransformHandler;
    this.batchLimit = props.transformBatchBytes ?? DEFAULT_TRANSFORM_BATCH_BYTES;
    this.writer = new LakeWriter({
      lakeDir: props.lakeDir,
      compressionLevel: props.compressionLevel,
      writeObjectFile: props.writeObjectFile,
      onObjectWritten: (object) => {
        this.counts.compressedBytesWritten += object.compressedBytes;
        if (object.key.startsWith(EVENTS_PREFIX)) {
          this.counts.eventsWritten += object.records;
          this.counts.eventObjects++;
        } else {
          this.counts.errorRecordsWritten += object.records;
          this.counts.errorObjects++;
        }
        props.onObjectWritten?.(object);
      },
    });
    this.buffer = new FirehoseBuffer({
      sizeHintBytes: props.bufferSizeBytes,
      intervalMs: props.bufferIntervalMs,
      maxBufferedBytes: props.maxBufferedBytes,
      deliver: (partition, chunks, records, bytes) => this.writer.write(partition, chunks, records, bytes),
    });
    this.buffer.start();
  }

  /**
   * Creates the lake and its events/ folder before anything is read, so a lake exists after an
   * ingest that matched nothing (the next query answers with zero rows, not "no lake").
   * @throws LakeWriteError when the lake directory cannot be created
   */
  async open(): Promise<void> {
    await this.writer.open(EVENTS_PREFIX);
  }

  /** The first write failure: nothing more is written after it. */
  get writeFailure(): LakeWriteError | undefined {
    return this.writer.failed;
  }

  matched(buf: Buffer, start: number, end: number, location: RecordLocation): void {
    if (end - start > FIREHOSE_MAX_RECORD_BYTES) {
      // Firehose refuses a record this large (PutRecord fails), so it never reaches the lake there either.
      this.counts.tooLarge++;
      this.props.onTooLarge?.(location);
      const arrival = this.now();
      this.addError(RECORD_TOO_LARGE_OUTPUT_TYPE, arrival, {
        errorCode: 'RecordTooLarge',
        errorMessage: `${end - start} bytes, over Firehose's record limit of ${FIREHOSE_MAX_RECORD_BYTES} bytes (1,000 KiB): Firehose would refuse it.`,
        input: location.input,
        lineNumber: location.line,
        arrivalTimestamp: arrival,
        rawData: buf.toString('base64', start, end),
      });
      return;
    }
    const batch = this.batch;
    batch.records.push({
      recordId: String(this.nextRecordId++),
      approximateArrivalTimestamp: this.now(),
      data: buf.toString('base64', start, end),
    });
    batch.locations.push(location);
    batch.bytes += end - start;
    if (batch.bytes >= this.batchLimit) {
      this.fullBatches.push(batch);
      this.batch = { records: [], locations: [], bytes: 0 };
    }
  }

  malformed(buf: Buffer, start: number, end: number, location: RecordLocation, reason: MalformedReason, detail: string): void {
    const arrival = this.now();
    this.addError(MALFORMED_INPUT_OUTPUT_TYPE, arrival, {
      errorCode: 'MalformedInput',
      errorMessage: `${reason} (${detail})`,
      input: location.input,
      lineNumber: location.line,
      arrivalTimestamp: arrival,
      rawData: buf.toString('base64', start, end),
    });
  }

  oversized(location: RecordLocation, skipped: SkippedBytes): void {
    this.counts.oversized++;
    const arrival = this.now();
    this.addError(RECORD_TOO_LARGE_OUTPUT_TYPE, arrival, {
      errorCode: 'RecordTooLarge',
      errorMessage:
        `${skipped.length} bytes, longer than any event (Firehose's record limit is ${FIREHOSE_MAX_RECORD_BYTES} bytes), so not kept here: ` +
        `they are bytes ${skipped.offset} to ${skipped.offset + skipped.length} of ${location.input}${location.input === 'stdin' ? '' : ' (after decompression, for a gzip file)'}.`,
      input: location.input,
      lineNumber: location.line,
      inputByteOffset: skipped.offset,
      inputByteLength: skipped.length,
      arrivalTimestamp: arrival,
    });
  }

  async afterChunk(): Promise<void> {
    while (this.fullBatches.length > 0) await this.runTransform(this.fullBatches.shift()!);
    await this.writer.waitForCapacity();
  }

  /** After a write failure: waits for the writes in flight, writes nothing more. */
  async abandon(): Promise<void> {
    this.buffer.stop();
    await this.writer.settle();
  }

  /** Transforms what is left, delivers every buffer and waits until all objects are on disk. */
  async finish(): Promise<void> {
    await this.afterChunk();
    if (this.batch.records.length > 0) {
      const last = this.batch;
      this.batch = { records: [], locations: [], bytes: 0 };
      await this.runTransform(last);
    }
    await this.buffer.drain(() => this.writer.waitForCapacity());
    await this.writer.close();
  }

  private async runTransform(batch: TransformBatch): Promise<void> {
    const event: FirehoseTransformationEvent = {
      invocationId: `local-${batch.records[0].recordId}`,
      deliveryStreamArn: LOCAL_DELIVERY_STREAM_ARN,
      region: 'local',
      records: batch.records,
    };
    const result = await this.transform(event);
    if (result.records.length !== batch.records.length) {
      // Firehose fails the whole invocation in this case; so do we, loudly.
      throw new Error(`The transform returned ${result.records.length} records for ${batch.records.length}: the Firehose contract requires one per recordId.`);
    }
    for (let i = 0; i < result.records.length; i++) {
      const out = result.records[i];
      if (out.recordId !== batch.records[i].recordId) throw new Error(`The transform returned record ${out.recordId} where ${batch.records[i].recordId} was expected.`);
      if (out.result === 'Ok') {
        const day = out.metadata?.partitionKeys?.dt;
        if (day === undefined || out.data === undefined) throw new Error('The transform returned an Ok record without data or the dt partition key.');
        this.buffer.addBase64(this.eventsPrefix(day), out.data);
      } else if (out.result === 'Dropped') {
        this.counts.dropped++;
      } else {
        this.counts.processingFailed++;
        this.props.onProcessingFailed?.(batch.locations[i]);
        const arrival = batch.records[i].approximateArrivalTimestamp;
        // Firehose's own message; the transform's reason is what tells a user what to fix.
        const reason = this.transform === firehoseTransformHandler ? processingFailureReason(batch.records[i].data, arrival) : undefined;
        this.addError(PROCESSING_FAILED_OUTPUT_TYPE, arrival, {
          attemptsMade: 1,
          arrivalTimestamp: arrival,
          errorCode: 'Lambda.ProcessingFailed',
          errorMessage: `The transform marked the record ProcessingFailed${reason === undefined ? '' : ` (${reason})`}.`,
          attemptEndingTimestamp: this.now(),
          rawData: batch.records[i].data,
          input: batch.locations[i].input,
          lineNumber: batch.locations[i].line,
        });
      }
    }
  }

  private eventsPrefix(day: string): string {
    let prefix = this.partitionPrefixes.get(day);
    if (!prefix) {
      prefix = eventsPartitionPrefix(day);
      this.partitionPrefixes.set(day, prefix);
      this.days.add(day);
    }
    return prefix;
  }

  /** Error records go under errors/<type>/<arrival day>/, like Firehose's !{timestamp:yyyy-MM-dd}. */
  private addError(type: string, arrival: number, record: Record<string, unknown>): void {
    const prefix = errorsPrefix(type, utcDay(arrival));
    this.errorPrefixes.add(prefix);
    this.buffer.add(prefix, Buffer.from(`${JSON.stringify(record)}\n`));
  }
}

/** Ingest options: what to read, plus the lake destination's buffering, gzip and transform settings. */
export interface IngestOptions extends ScanInputOptions, Omit<LakeDestinationProps, 'onObjectWritten' | 'onProcessingFailed' | 'onTooLarge'> {
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: IngestProgress) => void;
}

export interface IngestProgress extends ScanCounts {
  readonly eventsWritten: number;
  readonly elapsedMs: number;
}

/** What an ingest did; the CLI prints it as text or JSON. */
export interface IngestSummary {
  readonly inputs: readonly { readonly name: string; readonly format: InputFormat | 'empty' }[];
  readonly lake: string;
  /** Non-blank lines or array elements read. */
  readonly eventsRead: number;
  readonly bytesRead: number;
  readonly matched: number;
  /** JSON objects that are not ticket events per the rule's pattern: counted, not written. */
  readonly notMatched: number;
  /** Events written under events/dt=.../ in this run. */
  readonly written: number;
  /** Events read and matched that are not in the lake because writing failed (see writeFailure). */
  readonly notWritten: number;
  readonly rejected: {
    readonly malformedInput: number;
    readonly processingFailed: number;
    /** Over Firehose's 1,000 KiB record limit (bytes kept), or longer than the reader holds (place given). */
    readonly tooLarge: number;
    readonly total: number;
    /** Where rejected records were written (lake-relative prefixes). */
    readonly locations: readonly string[];
    /** The first rejected records by input and line. */
    readonly records: readonly RejectedRecord[];
  };
  /** Days (dt partitions) that received events. */
  readonly days: readonly string[];
  readonly objectsWritten: number;
  readonly compressedBytesWritten: number;
  readonly elapsedMs: number;
  /** True if Ctrl-C stopped reading early: what was read is in the lake; run again for the rest. */
  readonly interrupted: boolean;
  /** Inputs that could not be read to their end; everything readable in them was ingested. */
  readonly damaged: readonly DamagedInput[];
  /**
   * Why writing stopped (disk full, read-only lake, a file where a lake directory should be):
   * objects written before it stay whole; `notWritten` events and the rest of the input were not.
   */
  readonly writeFailure?: {
    readonly code: string;
    readonly message: string;
    /** True when the failure stopped the reading: the input after the last record read was not read. */
    readonly inputLeft: boolean;
  };
}

/**
 * Refuses inputs inside the lake, symlinks resolved: re-reading the lake into itself would only
 * add a duplicate of every event.
 * @throws UsageError
 */
async function refuseInputsInsideLake(inputs: readonly string[], sources: readonly InputSource[], cwd: string, lakeDir: string): Promise<void> {
  const lake = await realpathOfNearestExisting(resolve(cwd, lakeDir));
  const inside = (path: string) => {
    const rel = relative(lake, path);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
  for (const input of inputs) {
    if (input === '-') continue;
    const path = await realpath(resolve(cwd, input)).catch(() => resolve(cwd, input));
    if (inside(path)) throw new UsageError(`${input} is inside the lake ${lakeDir}: ingest files from elsewhere, or pass another --lake.`);
  }
  for (const source of sources) {
    if (source.path !== undefined && inside(source.path)) {
      throw new UsageError(`${source.name} is inside the lake ${lakeDir} (it is ${source.path}): ingest files from elsewhere, or pass another --lake.`);
    }
  }
}

/** The real path of a directory that may not exist yet: its nearest existing ancestor's, resolved, plus the rest. */
async function realpathOfNearestExisting(path: string): Promise<string> {
  let existing = path;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  const real = await realpath(existing).catch(() => existing);
  return resolve(real, relative(existing, path));
}

/**
 * Ingests files into the local lake through the production rule pattern and transform.
 * @throws InputError for missing inputs or a damaged gzip file
 */
export async function ingestToLake(options: IngestOptions): Promise<IngestSummary> {
  const started = Date.now();
  const { sources, match, rejected, listRejected } = await prepareScan(options);
  await refuseInputsInsideLake(options.inputs, sources, options.cwd ?? process.cwd(), options.lakeDir);
  const destination = new LakeDestination({
    lakeDir: options.lakeDir,
    bufferSizeBytes: options.bufferSizeBytes,
    bufferIntervalMs: options.bufferIntervalMs,
    maxBufferedBytes: options.maxBufferedBytes,
    compressionLevel: options.compressionLevel,
    transformBatchBytes: options.transformBatchBytes,
    transform: options.transform,
    writeObjectFile: options.writeObjectFile,
    now: options.now,
    onProcessingFailed: (location) => listRejected({ ...location, reason: 'processing failed' }),
    onTooLarge: (location) => listRejected({ ...location, reason: 'too large' }),
  });
  let scan: ScanResult = { counts: { recordsRead: 0, bytesRead: 0, rawBytesRead: 0, matched: 0, notMatched: 0, malformed: 0, oversized: 0 }, formats: {}, aborted: false, damaged: [] };
  let writeFailure: LakeWriteError | undefined;
  let readWhole = false;
  try {
    await destination.open();
    try {
      scan = await scanInputs({
        sources,
        match,
        destination,
        signal: options.signal,
        onRejected: listRejected,
        onProgress: options.onProgress
          ? (counts) => options.onProgress!({ ...counts, eventsWritten: destination.counts.eventsWritten, elapsedMs: Date.now() - started })
          : undefined,
      });
      readWhole = !scan.aborted;
    } finally {
      // Whatever was read goes to disk, also when reading was interrupted; after a write failure
      // nothing more is written.
      if (destination.writeFailure) await destination.abandon();
      else await destination.finish();
    }
  } catch (error) {
    if (!(error instanceof LakeWriteError)) throw error;
    writeFailure = error;
    await destination.abandon();
  }
  const { counts } = scan;
  const lake = destination.counts;
  return {
    inputs: sources.map((s) => ({ name: s.name, format: scan.formats[s.name] ?? 'empty' })),
    lake: options.lakeDir,
    eventsRead: counts.recordsRead,
    bytesRead: counts.bytesRead,
    matched: counts.matched,
    notMatched: counts.notMatched,
    written: lake.eventsWritten,
    notWritten: writeFailure ? counts.matched - lake.eventsWritten - lake.processingFailed - lake.dropped - lake.tooLarge : 0,
    rejected: {
      malformedInput: counts.malformed,
      processingFailed: lake.processingFailed,
      tooLarge: lake.tooLarge + lake.oversized,
      total: counts.malformed + lake.processingFailed + lake.tooLarge + lake.oversized,
      locations: [...destination.errorPrefixes].sort(),
      records: rejected,
    },
    days: [...destination.days].sort(),
    objectsWritten: lake.eventObjects + lake.errorObjects,
    compressedBytesWritten: lake.compressedBytesWritten,
    elapsedMs: Date.now() - started,
    interrupted: scan.aborted,
    damaged: scan.damaged,
    ...(writeFailure ? { writeFailure: { code: writeFailure.code, message: writeFailure.message, inputLeft: !readWhole } } : {}),
  };
}
