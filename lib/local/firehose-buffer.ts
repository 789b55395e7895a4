/**
 * A Firehose-like delivery buffer with dynamic partitioning: records are grouped per partition
 * (the S3 prefix their partition key selects) and a partition is delivered as one object when it
 * reaches the size hint or when its oldest record has waited for the interval hint, whichever
 * comes first (Firehose "buffering hints"). At the end everything left is delivered.
 *
 * One thing Firehose does not need locally: a bound on memory. A year of history spreads over
 * 365 partitions that each stay below the size hint, so when all partitions together exceed
 * `maxBufferedBytes` the largest is delivered early. Memory stays flat whatever the input size.
 */

/** Firehose with dynamic partitioning requires a buffer of at least 64 MiB and 60 s. */
export const DEFAULT_BUFFER_SIZE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_BUFFER_INTERVAL_MS = 60_000;
/** All partitions together; beyond this the largest is delivered early. */
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

export interface FirehoseBufferProps {
  /**
   * Deliver a partition once it holds this many bytes.
   * @default DEFAULT_BUFFER_SIZE_BYTES (64 MiB, the dynamic-partitioning minimum)
   */
  readonly sizeHintBytes?: number;
  /**
   * Deliver a partition once its oldest record has waited this long (checked once a second).
   * @default DEFAULT_BUFFER_INTERVAL_MS (60 s)
   */
  readonly intervalMs?: number;
  /**
   * Bound on the bytes held by all partitions; the largest is delivered when it is passed.
   * @default DEFAULT_MAX_BUFFERED_BYTES (64 MiB)
   */
  readonly maxBufferedBytes?: number;
  /** Receives one partition's records, in arrival order. */
  readonly deliver: (partition: string, chunks: Buffer[], records: number, bytes: number) => void;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

/**
 * Records are copied into a few large slabs per partition rather than kept as one Buffer each:
 * a year of events is millions of small buffers otherwise, which costs allocations, GC work and
 * pool fragmentation (a 1.4 KB record pins its 8 KiB pool slab).
 */
const FIRST_SLAB_BYTES = 64 * 1024;
const MAX_SLAB_BYTES = 1024 * 1024;

interface Partition {
  /** Full slabs (trimmed to their used length) and the one being filled. */
  slabs: Buffer[];
  current: Buffer;
  used: number;
  records: number;
  bytes: number;
  /** When the oldest record arrived. */
  since: number;
}

export class FirehoseBuffer {
  private readonly partitions = new Map<string, Partition>();
  private total = 0;
  private readonly sizeHint: number;
  private readonly interval: number;
  private readonly maxBuffered: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly props: FirehoseBufferProps) {
    this.sizeHint = props.sizeHintBytes ?? DEFAULT_BUFFER_SIZE_BYTES;
    this.interval = props.intervalMs ?? DEFAULT_BUFFER_INTERVAL_MS;
    this.maxBuffered = Math.max(props.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES, this.sizeHint);
    this.now = props.now ?? Date.now;
    if (!(this.sizeHint > 0) || !(this.interval > 0)) throw new Error('Buffer size and interval hints must be positive.');
  }

  /** Bytes held across all partitions. */
  get bufferedBytes(): number {
    return this.total;
  }

  /** Starts the interval check (a timer that does not keep the process alive). */
  start(): void {
    this.timer ??= setInterval(() => this.deliverExpired(), Math.min(1000, this.interval)).unref();
  }

  /** Adds one record (its bytes, newline included) to a partition. */
  add(partition: string, record: Buffer): void {
    const p = this.reserve(partition, record.length);
    record.copy(p.current, p.used);
    this.added(partition, p, record.length);
  }

  /**
   * Adds one record given as base64 (as the transform returns it), decoded straight into the
   * partition's slab: no intermediate Buffer per record.
   */
  addBase64(partition: string, base64: string): void {
    const length = Buffer.byteLength(base64, 'base64');
    const p = this.reserve(partition, length);
    const written = p.current.write(base64, p.used, length, 'base64');
    this.added(partition, p, written);
  }

  /** The partition, with room for `length` more bytes in its current slab. */
  private reserve(partition: string, length: number): Partition {
    let p = this.partitions.get(partition);
    if (!p) {
      p = { slabs: [], current: Buffer.allocUnsafeSlow(Math.max(FIRST_SLAB_BYTES, length)), used: 0, records: 0, bytes: 0, since: this.now() };
      this.partitions.set(partition, p);
    } else if (p.current.length - p.used < length) {
      if (p.used > 0) p.slabs.push(p.current.subarray(0, p.used));
      // Slabs grow with the partition: a partition of a few late events stays small.
      const size = Math.max(length, Math.min(MAX_SLAB_BYTES, p.current.length * 2));
      p.current = Buffer.allocUnsafeSlow(size);
      p.used = 0;
    }
    return p;
  }

  private added(partition: string, p: Partition, length: number): void {
    p.used += length;
    p.records++;
    p.bytes += length;
    this.total += length;
    if (p.bytes >= this.sizeHint) this.deliverPartition(partition);
    while (this.total > this.maxBuffered) this.deliverLargest();
  }

  /** Delivers partitions whose oldest record has waited for the interval. */
  deliverExpired(): void {
    const now = this.now();
    for (const [name, p] of this.partitions) if (now - p.since >= this.interval) this.deliverPartition(name);
  }

  /** Delivers everything and stops the timer. */
  flushAll(): void {
    this.stop();
    for (const name of [...this.partitions.keys()]) this.deliverPartition(name);
  }

  /**
   * Delivers everything one partition at a time, awaiting `between` after each (the writer's
   * capacity), so the final flush does not compress every partition at once.
   */
  async drain(between: () => Promise<void>): Promise<void> {
    this.stop();
    for (const name of [...this.partitions.keys()]) {
      this.deliverPartition(name);
      await between();
    }
  }

  /** Stops the interval check. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private deliverLargest(): void {
    let largest: string | undefined;
    let size = -1;
    for (const [name, p] of this.partitions) {
      if (p.bytes > size) {
        size = p.bytes;
        largest = name;
      }
    }
    if (largest === undefined) return;
    this.deliverPartition(largest);
  }

  private deliverPartition(name: string): void {
    const p = this.partitions.get(name);
    if (!p) return;
    this.partitions.delete(name);
    this.total -= p.bytes;
    const chunks = p.used > 0 ? [...p.slabs, p.current.subarray(0, p.used)] : p.slabs;
    this.props.deliver(name, chunks, p.records, p.bytes);
  }
}
