/**
 * The deployed stack as a sync sink: ticket snapshots go through the same sender as
 * `freshlake ingest --to firehose` (PutRecordBatch, partial-failure retries, failure file), into
 * the stack's delivery stream, whose transform Lambda partitions them by `time` (= updated_at)
 * like any event. Dimension snapshots and the checkpoint are objects in the data bucket, through
 * an ObjectStore (S3 in the CLI; the scheduled Lambda can reuse this sink with its own store).
 *
 * flush() waits until Firehose accepted every record sent so far (Firehose then stores them
 * durably). If any record could not be delivered, flush() fails: the checkpoint does not move
 * past records that are only in the failure file.
 */
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { DimensionName, DimensionRow } from '../dimensions';
import { encodeDimensionSnapshot } from '../dimensions';
import { RemoteError } from '../errors';
import { FirehoseDestination } from '../local/firehose-sender';
import { ticketSnapshotRecord, type FreshdeskApiTicket } from '../ticket-snapshot';
import { CHECKPOINT_KEY, decodeCheckpoint, encodeCheckpoint, type SyncCheckpoint } from './checkpoint';
import type { SyncSink } from './sync';

/** Objects by key (the data bucket). */
export interface ObjectStore {
  /** The object's bytes; undefined when there is none. */
  get(key: string): Promise<Buffer | undefined>;
  put(key: string, body: Buffer, contentType: string): Promise<void>;
  /** For messages, e.g. s3://bucket. */
  readonly description: string;
}

export interface FirehoseSinkProps {
  readonly client: FirehoseClient;
  readonly deliveryStreamName: string;
  /** Envelope `source` of the snapshots: the stack's partner event source name. */
  readonly source: string;
  readonly account?: string;
  readonly region?: string;
  readonly store: ObjectStore;
  /** Records that could not be delivered are appended here (created only if needed). */
  readonly failedOutputPath: string;
  readonly maxAttempts?: number;
}

export class FirehoseSink implements SyncSink {
  readonly counts = { sent: 0, failed: 0, calls: 0 };
  private destination: FirehoseDestination | undefined;
  private records = 0;
  /** Once records were lost, every later flush fails too (nothing after them may be checkpointed). */
  private failure: Error | undefined;

  constructor(private readonly props: FirehoseSinkProps) {}

  async writeTickets(tickets: readonly FreshdeskApiTicket[]): Promise<void> {
    const destination = (this.destination ??= new FirehoseDestination({
      client: this.props.client,
      deliveryStreamName: this.props.deliveryStreamName,
      failedOutputPath: this.props.failedOutputPath,
      maxAttempts: this.props.maxAttempts,
    }));
    const { source, account, region } = this.props;
    for (const ticket of tickets) {
      const line = Buffer.from(JSON.stringify(ticketSnapshotRecord(ticket, { source, account, region })));
      destination.matched(line, 0, line.length, { input: 'freshdesk-api', line: ++this.records });
    }
    await destination.afterChunk();
  }

  async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    const destination = this.destination;
    if (!destination) return;
    this.destination = undefined;
    await destination.finish();
    this.counts.sent += destination.counts.sent;
    this.counts.failed += destination.counts.failed;
    this.counts.calls += destination.counts.calls;
    if (destination.counts.failed > 0) {
      throw (this.failure = new RemoteError(
        `${destination.counts.failed} ticket snapshots could not be delivered to ${this.props.deliveryStreamName} (they are in ${destination.failedOutput}); the checkpoint stays before them: run the same sync again.`,
      ));
    }
  }

  async writeDimension(name: DimensionName, rows: readonly DimensionRow[]): Promise<void> {
    const encoded = encodeDimensionSnapshot(name, rows);
    await this.props.store.put(encoded.key, encoded.body, 'application/gzip');
  }

  async readCheckpoint(): Promise<SyncCheckpoint | undefined> {
    const body = await this.props.store.get(CHECKPOINT_KEY);
    return body === undefined ? undefined : decodeCheckpoint(body.toString('utf8'), `${this.props.store.description}/${CHECKPOINT_KEY}`);
  }

  async writeCheckpoint(checkpoint: SyncCheckpoint): Promise<void> {
    await this.props.store.put(CHECKPOINT_KEY, encodeCheckpoint(checkpoint), 'application/json');
  }
}
