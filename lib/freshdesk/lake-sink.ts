/**
 * The local lake as a sync sink: ticket snapshots take the path `freshlake ingest` takes (the
 * Firehose transform handler, the Firehose-like buffer, atomic gzip'd objects under
 * events/dt=<updated_at day>/), minus the EventBridge rule's pattern: snapshots come from the API,
 * not from EventBridge, so no rule ever sees them. Dimensions replace their snapshot under
 * dimensions/<name>/ (lib/dimensions); the checkpoint lives in sync/ (./checkpoint).
 *
 * flush() delivers every buffer and waits until the objects are fsync'd and renamed: only then
 * does the sync write the checkpoint.
 */
import type { DimensionName, DimensionRow } from '../dimensions';
import { writeDimensionSnapshot } from '../dimensions';
import { LakeDestination, type LakeDestinationProps } from '../local/ingest';
import { ticketSnapshotRecord, type FreshdeskApiTicket } from '../ticket-snapshot';
import { readLocalCheckpoint, writeLocalCheckpoint, type SyncCheckpoint } from './checkpoint';
import { LOCAL_SNAPSHOT_SOURCE } from './names';
import type { SyncSink } from './sync';

export interface LocalLakeSinkProps extends Pick<LakeDestinationProps, 'compressionLevel' | 'transform' | 'now'> {
  readonly lakeDir: string;
  /** Envelope `source` of the snapshots. @default LOCAL_SNAPSHOT_SOURCE */
  readonly source?: string;
}

export interface LocalLakeCounts {
  /** Snapshot records written under events/. */
  eventsWritten: number;
  /** Records the transform rejected (written under errors/processing-failed/). */
  processingFailed: number;
  objectsWritten: number;
  compressedBytesWritten: number;
  readonly days: Set<string>;
}

export class LocalLakeSink implements SyncSink {
  readonly counts: LocalLakeCounts = { eventsWritten: 0, processingFailed: 0, objectsWritten: 0, compressedBytesWritten: 0, days: new Set() };
  private destination: LakeDestination | undefined;
  private records = 0;

  constructor(private readonly props: LocalLakeSinkProps) {}

  async writeTickets(tickets: readonly FreshdeskApiTicket[]): Promise<void> {
    const destination = (this.destination ??= this.newDestination());
    const source = this.props.source ?? LOCAL_SNAPSHOT_SOURCE;
    for (const ticket of tickets) {
      const line = Buffer.from(JSON.stringify(ticketSnapshotRecord(ticket, { source })));
      destination.matched(line, 0, line.length, { input: 'freshdesk-api', line: ++this.records });
    }
    await destination.afterChunk();
  }

  async flush(): Promise<void> {
    const destination = this.destination;
    if (!destination) return;
    this.destination = undefined;
    await destination.finish();
    this.counts.eventsWritten += destination.counts.eventsWritten;
    this.counts.processingFailed += destination.counts.processingFailed;
    this.counts.objectsWritten += destination.counts.eventObjects + destination.counts.errorObjects;
    this.counts.compressedBytesWritten += destination.counts.compressedBytesWritten;
    for (const day of destination.days) this.counts.days.add(day);
  }

  async writeDimension(name: DimensionName, rows: readonly DimensionRow[]): Promise<void> {
    writeDimensionSnapshot(this.props.lakeDir, name, rows);
  }

  readCheckpoint(): Promise<SyncCheckpoint | undefined> {
    return readLocalCheckpoint(this.props.lakeDir);
  }

  writeCheckpoint(checkpoint: SyncCheckpoint): Promise<void> {
    return writeLocalCheckpoint(this.props.lakeDir, checkpoint);
  }

  private newDestination(): LakeDestination {
    return new LakeDestination({
      lakeDir: this.props.lakeDir,
      // Objects are cut at each flush (a checkpoint), not by Firehose's hints.
      bufferSizeBytes: 128 * 1024 * 1024,
      bufferIntervalMs: 900_000,
      maxBufferedBytes: 512 * 1024 * 1024,
      compressionLevel: this.props.compressionLevel,
      transform: this.props.transform,
      now: this.props.now,
    });
  }
}
