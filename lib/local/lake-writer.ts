/**
 * Writes objects into the local lake atomically: gzip in the libuv thread pool (so compression
 * runs beside the single JavaScript thread), write to a temporary file in the target directory,
 * fsync, then rename. A rename within one directory is atomic on POSIX file systems, so a reader
 * globbing `events/dt=*\/*.gz` (DuckDB) sees either the whole object or nothing, and an
 * interrupted ingest (Ctrl-C, kill -9, power loss after the fsync) never leaves a corrupt `.gz`.
 *
 * Temporary files are named `.tmp-<pid>-<random>` (hidden, no `.gz` suffix, so no reader glob
 * matches them). Ones left by a killed process are removed the next time a writer uses the
 * directory, once their process is gone.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { createGzip, constants as zlibConstants } from 'node:zlib';
import { LAKE_OBJECT_EXTENSION } from '../lake-layout';

/**
 * zlib output chunk size: zlib works in the thread pool and calls back into JavaScript once per
 * output chunk; the 16 KiB default means hundreds of callbacks per object.
 */
const GZIP_CHUNK_BYTES = 1024 * 1024;

/** gzip's the chunks in order (without joining them first), in the libuv thread pool. */
export async function gzipChunks(chunks: readonly Buffer[], level: number): Promise<Buffer[]> {
  const gzip = createGzip({ level, chunkSize: GZIP_CHUNK_BYTES });
  const output: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => output.push(chunk));
  for (const chunk of chunks) gzip.write(chunk);
  gzip.end();
  await finished(gzip);
  return output;
}

/** Prefix of temporary files; never matches `*.gz`. */
export const TEMP_FILE_PREFIX = '.tmp-';

const TEMP_FILE = /^\.tmp-(\d+)-/;

/**
 * Firehose names S3 objects `<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>`; local objects
 * follow the same shape so both sort by write time and never collide.
 */
export function lakeObjectName(writtenAt: Date, extension = LAKE_OBJECT_EXTENSION): string {
  const stamp = writtenAt.toISOString().slice(0, 19).replace(/[T:]/g, '-');
  return `freshlake-local-1-${stamp}-${randomUUID()}${extension}`;
}

/** True if a process with this id is running (signal 0 checks without signalling). */
function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary files that processes which no longer run left in a directory. */
export async function removeStaleTempFiles(dir: string): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    const match = TEMP_FILE.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || processIsAlive(pid)) continue;
    await unlink(join(dir, name)).catch(() => undefined);
    removed++;
  }
  return removed;
}

/**
 * Writes `data` to `dir/name` atomically (temp file in the same directory, fsync, rename).
 * The directory is created if needed.
 */
export async function writeFileAtomically(dir: string, name: string, data: Buffer | readonly Buffer[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  const tempPath = join(dir, `${TEMP_FILE_PREFIX}${process.pid}-${randomUUID()}`);
  const finalPath = join(dir, name);
  const handle = await open(tempPath, 'wx');
  try {
    if (Buffer.isBuffer(data)) await handle.writeFile(data);
    else await writeAll(handle, data);
    // Data on disk before the name appears: after a crash the .gz is whole or absent.
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(tempPath).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await rename(tempPath, finalPath);
  } catch (error) {
    await unlink(tempPath).catch(() => undefined);
    throw error;
  }
  return finalPath;
}

/** Writes buffers in order with as few system calls as the OS allows (writev), retrying short writes. */
async function writeAll(handle: import('node:fs/promises').FileHandle, buffers: readonly Buffer[]): Promise<void> {
  let pending = buffers.filter((b) => b.length > 0);
  while (pending.length > 0) {
    const { bytesWritten } = await handle.writev(pending.slice(0, 1024));
    let left = bytesWritten;
    const rest: Buffer[] = [];
    for (const b of pending) {
      if (left >= b.length) left -= b.length;
      else {
        rest.push(left > 0 ? b.subarray(left) : b);
        left = 0;
      }
    }
    pending = rest;
  }
}

/** fsyncs a directory so renames into it survive a power loss (not needed against a killed process). */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // Some file systems do not support fsync on directories; the rename is still atomic.
  } finally {
    await handle.close();
  }
}

/** Writes one object's bytes to dir/name, whole or not at all (writeFileAtomically). */
export type ObjectFileWriter = (dir: string, name: string, data: readonly Buffer[]) => Promise<string>;

/**
 * The lake could not be written: disk full (ENOSPC), quota (EDQUOT), read-only (EROFS, EACCES,
 * EPERM), or a file where a lake directory should be (ENOTDIR, EEXIST). Objects written before it
 * are whole and stay; the object it hit was not written.
 */
export class LakeWriteError extends Error {
  constructor(
    /** The system error code, e.g. ENOSPC. */
    readonly code: string,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'LakeWriteError';
  }
}

function lakeWriteError(error: unknown): LakeWriteError {
  if (error instanceof LakeWriteError) return error;
  return new LakeWriteError(String((error as NodeJS.ErrnoException).code ?? 'EIO'), error);
}

export interface LakeWriterProps {
  /** The lake directory (holds `events/` and `errors/`). */
  readonly lakeDir: string;
  /** How an object reaches the disk; tests inject failures here. @default writeFileAtomically */
  readonly writeObjectFile?: ObjectFileWriter;
  /**
   * gzip level: 1 is fastest, 9 smallest. Firehose does not document its level; 6 is zlib's default.
   * @default 6
   */
  readonly compressionLevel?: number;
  /**
   * Objects compressed and written at the same time; more uses more memory and threads.
   * @default 2 (the libuv thread pool has 4 threads; reads of the input need some too)
   */
  readonly maxConcurrentWrites?: number;
  /** Called after each object is in place. */
  readonly onObjectWritten?: (object: WrittenObject) => void;
}

export interface WrittenObject {
  /** Key in the lake, e.g. `events/dt=2026-11-27/freshlake-local-1-...gz`. */
  readonly key: string;
  readonly path: string;
  readonly records: number;
  /** Uncompressed bytes. */
  readonly bytes: number;
  readonly compressedBytes: number;
}

/**
 * Writes gzip'd objects under key prefixes of the lake with bounded concurrency. Callers await
 * `waitForCapacity()` before producing more data (backpressure) and `close()` at the end.
 */
export class LakeWriter {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly preparedDirs = new Map<string, Promise<void>>();
  private failure: LakeWriteError | undefined;
  private readonly level: number;
  private readonly maxConcurrent: number;
  private pendingBytes = 0;

  constructor(private readonly props: LakeWriterProps) {
    this.level = props.compressionLevel ?? zlibConstants.Z_DEFAULT_COMPRESSION;
    this.maxConcurrent = props.maxConcurrentWrites ?? 2;
  }

  /** Uncompressed bytes handed to the writer and not yet on disk. */
  get bytesInFlight(): number {
    return this.pendingBytes;
  }

  /** Creates the lake directory and its events/ folder, so a lake exists even when no event arrives. */
  async open(eventsPrefix: string): Promise<void> {
    try {
      await mkdir(join(this.props.lakeDir, eventsPrefix), { recursive: true });
    } catch (error) {
      throw lakeWriteError(error);
    }
  }

  /** The first write failure, if any. */
  get failed(): LakeWriteError | undefined {
    return this.failure;
  }

  /** Waits until no write is in flight; never throws (see `failed`). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
  }

  /**
   * Starts writing one object: the concatenated chunks, gzip'd, under `prefix` (ends with `/`).
   * Resolves once the write is queued; failures surface from waitForCapacity() and close().
   */
  write(prefix: string, chunks: readonly Buffer[], records: number, bytes: number): void {
    this.throwIfFailed();
    this.pendingBytes += bytes;
    const task = this.writeObject(prefix, chunks, records, bytes)
      .catch((error: unknown) => {
        this.failure ??= lakeWriteError(error);
      })
      .finally(() => {
        this.pendingBytes -= bytes;
        this.inFlight.delete(task);
      });
    this.inFlight.add(task);
  }

  /** Resolves when fewer than maxConcurrentWrites objects are being written. */
  async waitForCapacity(): Promise<void> {
    while (this.inFlight.size >= this.maxConcurrent) await Promise.race(this.inFlight);
    this.throwIfFailed();
  }

  /** Waits for every write, then fsyncs the directories written to. */
  async close(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    this.throwIfFailed();
    for (const dir of this.preparedDirs.keys()) await syncDirectory(dir);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private async writeObject(prefix: string, chunks: readonly Buffer[], records: number, bytes: number): Promise<void> {
    const dir = join(this.props.lakeDir, prefix);
    await this.prepare(dir);
    const compressed = await gzipChunks(chunks, this.level);
    const name = lakeObjectName(new Date());
    const path = await (this.props.writeObjectFile ?? writeFileAtomically)(dir, name, compressed);
    const compressedBytes = compressed.reduce((sum, c) => sum + c.length, 0);
    this.props.onObjectWritten?.({ key: `${prefix}${name}`, path, records, bytes, compressedBytes });
  }

  /** Creates a directory once and clears temp files killed runs left there. */
  private prepare(dir: string): Promise<void> {
    let prepared = this.preparedDirs.get(dir);
    if (!prepared) {
      prepared = mkdir(dir, { recursive: true }).then(() => removeStaleTempFiles(dir).then(() => undefined));
      this.preparedDirs.set(dir, prepared);
    }
    return prepared;
  }
}
