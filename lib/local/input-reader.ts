/**
 * Streams events out of the inputs `freshlake ingest` accepts, with memory that does not grow
 * with the input:
 * - JSON Lines (one event per line), as `freshlake generate` writes;
 * - a JSON array of events (split by a small byte-level tokenizer, never parsed whole);
 * - either of them gzip'd, e.g. the objects Firehose wrote to S3 (detected by the gzip magic
 *   bytes, not the file name), and a directory of such files (`aws s3 cp --recursive` of a day);
 * - standard input (`-`).
 *
 * Records are handed over as byte ranges of the chunk being read (no copy unless a record spans
 * two chunks), with the line number where each one starts, for error reports.
 */
import { createReadStream } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InputError } from '../errors';

/** Where a record starts, for error reports (never the record's content: it is personal data). */
export interface RecordLocation {
  /** Input name as given (file path relative to the input argument, or `stdin`). */
  readonly input: string;
  /** 1-based line of the first byte of the record. */
  readonly line: number;
}

/** Receives records as byte ranges; `buf` is only valid during the call. */
export interface RecordSink {
  /** `multiline`: the record spans several lines (a pretty-printed array element). */
  record(buf: Buffer, start: number, end: number, line: number, multiline?: boolean): void;
  /**
   * A record longer than the reader keeps in memory; its bytes are dropped. `offset` is where it
   * starts in the input (after decompression), so a report can say where its bytes are.
   */
  oversized(line: number, bytes: number, offset: number): void;
  /** Bytes that cannot be a record (e.g. text after the closing `]` of an array). */
  garbage(buf: Buffer, start: number, end: number, line: number, reason: string): void;
}

/**
 * Longest record the reader buffers. EventBridge events are at most 256 KB and a Firehose record
 * at most 1,000 KiB, so anything longer is not an event; the cap keeps memory bounded on a file
 * without newlines.
 */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
/** The UTF-8 byte order mark Windows tools and Excel write at the start of a text file. */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function startsWithBom(buf: Buffer, start: number, end: number): boolean {
  return end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf;
}

function isWhitespace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === LF || b === CR;
}

/**
 * The record that spans chunks: its parts, kept until the chunk where it ends, or only its length
 * once it is longer than MAX_RECORD_BYTES (the bytes are dropped, memory stays bounded).
 * Records that lie inside one chunk never come here: they go to the sink as byte ranges of the
 * chunk, without a copy or an allocation.
 */
class SpanningRecord {
  private parts: Buffer[] = [];
  private bytes = 0;
  private skipping = false;
  private skippedBytes = 0;
  /** Where the record starts in the input. */
  startOffset = 0;

  /** True while a record is carried over from an earlier chunk (kept or skipped). */
  get active(): boolean {
    return this.parts.length > 0 || this.skipping;
  }

  /** Adds a part that does not end the record; `offset` is where the part starts in the input. */
  append(part: Buffer, offset: number): void {
    if (!this.active) this.startOffset = offset;
    if (this.skipping) {
      this.skippedBytes += part.length;
      return;
    }
    this.parts.push(part);
    this.bytes += part.length;
    if (this.bytes > MAX_RECORD_BYTES) {
      this.skipping = true;
      this.skippedBytes = this.bytes;
      this.parts = [];
      this.bytes = 0;
    }
  }

  /**
   * Ends the record with bytes [0, end) of `chunk` (none at the end of the input) and starts over.
   * @returns the whole record, or its length in bytes if it was too long to keep
   */
  finish(chunk?: Buffer, end = 0): Buffer | number {
    let record: Buffer | number;
    if (this.skipping) {
      record = this.skippedBytes + end;
    } else {
      if (chunk && end > 0) this.parts.push(chunk.subarray(0, end));
      record = Buffer.concat(this.parts, this.bytes + end);
    }
    this.parts = [];
    this.bytes = 0;
    this.skipping = false;
    this.skippedBytes = 0;
    return record;
  }
}

/** Splits a byte stream into lines; blank lines are skipped; a trailing `\r` is dropped (CRLF files). */
export class JsonLinesSplitter {
  private readonly spanning = new SpanningRecord();

  /**
   * @param line the line the first byte pushed is on (after input skipped before it)
   * @param consumed bytes of the input skipped before the first byte pushed
   */
  constructor(
    private line = 1,
    private consumed = 0,
  ) {}

  /** Lines read so far (the line the next record starts on, minus one). */
  get lines(): number {
    return this.line - 1;
  }

  push(chunk: Buffer, sink: RecordSink): void {
    const base = this.consumed;
    this.consumed += chunk.length;
    let start = 0;
    let newline = chunk.indexOf(LF);
    if (this.spanning.active) {
      if (newline === -1) {
        this.spanning.append(chunk, base);
        return;
      }
      this.emitSpanning(this.spanning.finish(chunk, newline), sink);
      start = newline + 1;
      newline = chunk.indexOf(LF, start);
    }
    while (newline !== -1) {
      this.emit(chunk, start, newline, sink);
      start = newline + 1;
      newline = chunk.indexOf(LF, start);
    }
    if (start < chunk.length) this.spanning.append(chunk.subarray(start), base + start);
  }

  /** The last line may lack a newline. */
  end(sink: RecordSink): void {
    if (this.spanning.active) this.emitSpanning(this.spanning.finish(), sink);
  }

  private emitSpanning(record: Buffer | number, sink: RecordSink): void {
    if (typeof record === 'number') sink.oversized(this.line++, record, this.spanning.startOffset);
    else this.emit(record, 0, record.length, sink);
  }

  private emit(buf: Buffer, start: number, end: number, sink: RecordSink): void {
    const line = this.line++;
    if (end > start && buf[end - 1] === CR) end--;
    // A byte order mark is no part of the first record (JSON.parse would reject it).
    if (line === 1 && startsWithBom(buf, start, end)) start += BOM.length;
    let first = start;
    while (first < end && isWhitespace(buf[first])) first++;
    if (first === end) return;
    sink.record(buf, start, end, line);
  }
}

const enum ArrayState {
  BeforeArray,
  BetweenElements,
  InElement,
  AfterArray,
}

/**
 * Splits a JSON array of events into its elements without parsing them: tracks nesting depth and
 * strings (with escapes) byte by byte. Each element goes to the sink as one record; JSON.parse
 * later decides whether it is valid.
 */
export class JsonArraySplitter {
  private state = ArrayState.BeforeArray;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private elementLine = 1;
  private readonly spanning = new SpanningRecord();

  /** @see JsonLinesSplitter's constructor */
  constructor(
    private line = 1,
    private consumed = 0,
  ) {}

  /** Lines read so far. */
  get lines(): number {
    return this.line;
  }

  push(chunk: Buffer, sink: RecordSink): void {
    const base = this.consumed;
    this.consumed += chunk.length;
    let elementStart = this.state === ArrayState.InElement ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i];
      switch (this.state) {
        case ArrayState.BeforeArray:
          if (b === 0x5b /* [ */) this.state = ArrayState.BetweenElements;
          else if (!isWhitespace(b) && !(b === 0xef || b === 0xbb || b === 0xbf) /* UTF-8 BOM */) {
            sink.garbage(chunk, i, chunk.length, this.line, 'input does not start with [');
            this.state = ArrayState.AfterArray;
            return;
          }
          break;
        case ArrayState.BetweenElements:
          if (b === 0x5d /* ] */) this.state = ArrayState.AfterArray;
          else if (b !== 0x2c /* , */ && !isWhitespace(b)) {
            this.state = ArrayState.InElement;
            this.depth = 0;
            this.inString = false;
            this.escaped = false;
            this.elementLine = this.line;
            elementStart = i;
            i--; // Read this byte again as the element's first.
            continue;
          }
          break;
        case ArrayState.InElement:
          if (this.inString) {
            if (this.escaped) this.escaped = false;
            else if (b === 0x5c /* \ */) this.escaped = true;
            else if (b === 0x22 /* " */) this.inString = false;
          } else if (b === 0x22) {
            this.inString = true;
          } else if (b === 0x7b /* { */ || b === 0x5b /* [ */) {
            this.depth++;
          } else if (b === 0x7d /* } */ || b === 0x5d /* ] */) {
            if (this.depth === 0 && b === 0x5d) {
              this.endElement(chunk, elementStart, i, sink);
              elementStart = -1;
              this.state = ArrayState.AfterArray;
            } else {
              this.depth--;
            }
          } else if (b === 0x2c /* , */ && this.depth === 0) {
            this.endElement(chunk, elementStart, i, sink);
            elementStart = -1;
            this.state = ArrayState.BetweenElements;
          }
          break;
        case ArrayState.AfterArray:
          if (!isWhitespace(b)) {
            const end = chunk.indexOf(LF, i);
            sink.garbage(chunk, i, end === -1 ? chunk.length : end, this.line, 'text after the closing ] of the array');
            i = (end === -1 ? chunk.length : end) - 1;
          }
          break;
      }
      if (b === LF) this.line++;
    }
    if (this.state === ArrayState.InElement && elementStart !== -1) this.spanning.append(chunk.subarray(elementStart), base + elementStart);
  }

  end(sink: RecordSink): void {
    // Unterminated array: hand over what there is; JSON.parse reports it if it is incomplete.
    if (this.state === ArrayState.InElement && this.spanning.active) this.emitSpanning(this.spanning.finish(), sink);
  }

  private endElement(chunk: Buffer, start: number, end: number, sink: RecordSink): void {
    if (this.spanning.active) this.emitSpanning(this.spanning.finish(chunk, end), sink);
    else this.emitTrimmed(chunk, start, end, sink);
  }

  private emitSpanning(record: Buffer | number, sink: RecordSink): void {
    if (typeof record === 'number') sink.oversized(this.elementLine, record, this.spanning.startOffset);
    else this.emitTrimmed(record, 0, record.length, sink);
  }

  private emitTrimmed(buf: Buffer, start: number, end: number, sink: RecordSink): void {
    while (end > start && isWhitespace(buf[end - 1])) end--;
    if (end > start) sink.record(buf, start, end, this.elementLine, this.line > this.elementLine);
  }
}

/**
 * Removes the whitespace outside strings (JSON's insignificant whitespace) and keeps every other
 * byte. A pretty-printed event spans lines, but the lake holds one event per line, and
 * EventBridge delivers events compact: this gives the bytes it would deliver, without
 * re-serializing (numbers, escapes and key order stay as written).
 */
export function compactJson(buf: Buffer, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  let n = 0;
  let inString = false;
  let escaped = false;
  for (let i = start; i < end; i++) {
    const b = buf[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (b === 0x5c) escaped = true;
      else if (b === 0x22) inString = false;
    } else if (b === 0x22) {
      inString = true;
    } else if (isWhitespace(b)) {
      continue;
    }
    out[n++] = b;
  }
  return out.subarray(0, n);
}

/** What an input turned out to be. */
export type InputFormat = 'jsonl' | 'json-array' | 'jsonl.gz' | 'json-array.gz';

/** One input to read: a file, or standard input. */
export interface InputSource {
  /** Name for reports. */
  readonly name: string;
  /** The file's absolute path, symlinks resolved (none for standard input). */
  readonly path?: string;
  readonly open: () => Readable;
}

/** Chunk size of file reads: fewer, larger chunks mean fewer trips through the event loop. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Expands the ingest arguments into sources: files as given, directories recursively (sorted,
 * hidden files such as `.tmp-*` skipped, symlinks followed, each real directory once), `-` as
 * standard input.
 * @throws InputError for a path that does not exist
 */
export async function inputSources(paths: readonly string[], cwd: string, stdin: () => Readable): Promise<InputSource[]> {
  const sources: InputSource[] = [];
  for (const path of paths) {
    if (path === '-') {
      sources.push({ name: 'stdin', open: stdin });
      continue;
    }
    const absolute = resolve(cwd, path);
    let info;
    try {
      info = await stat(absolute);
    } catch {
      throw new InputError(`No such file or directory: ${path}. Pass a JSONL file, a JSON array, a .gz object from S3, a directory of them, or - for stdin.`);
    }
    if (info.isDirectory()) {
      const files = await listFiles(absolute, new Set());
      for (const file of files) sources.push(await fileSource(join(path, relative(absolute, file)), file));
    } else {
      sources.push(await fileSource(path, absolute));
    }
  }
  return sources;
}

async function fileSource(name: string, absolute: string): Promise<InputSource> {
  return { name, path: await realpath(absolute), open: () => createReadStream(absolute, { highWaterMark: READ_CHUNK_BYTES }) };
}

/** Files under dir, sorted; symlinks followed (a file linked into a directory is read, not skipped), each real directory once. */
async function listFiles(dir: string, visited: Set<string>): Promise<string[]> {
  const real = await realpath(dir);
  if (visited.has(real)) return [];
  visited.add(real);
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await stat(path).catch(() => undefined);
      if (!target) throw new InputError(`${path} is a symbolic link to nothing: remove it or point it at an input file.`);
      isDirectory = target.isDirectory();
      isFile = target.isFile();
    }
    if (isDirectory) files.push(...(await listFiles(path, visited)));
    else if (isFile) files.push(path);
  }
  return files;
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** First byte that is not whitespace or a UTF-8 byte order mark, or undefined. */
function firstSignificantByte(chunk: Buffer): number | undefined {
  for (let i = 0; i < chunk.length; i++) {
    const b = chunk[i];
    if (isWhitespace(b)) continue;
    if (b === 0xef && chunk[i + 1] === 0xbb && chunk[i + 2] === 0xbf) {
      i += 2;
      continue;
    }
    return b;
  }
  return undefined;
}

async function* prepend(first: Buffer, rest: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield first;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}

export interface ReadInputResult {
  readonly format: InputFormat | 'empty';
  /** Bytes after decompression. */
  readonly bytes: number;
  /** Bytes read from the file (compressed, for a .gz). */
  readonly rawBytes: number;
  /** Lines read (for a damaged input: how far it was read). */
  readonly lines: number;
  /** True if reading stopped because the signal was aborted. */
  readonly aborted: boolean;
  /**
   * Why the input could not be read to its end (a damaged gzip stream, a read error); the records
   * before the damage were delivered, and the record the damage cut short went to the sink too.
   */
  readonly damage?: string;
}

export interface ReadInputOptions {
  readonly signal?: AbortSignal;
  /** Called after each chunk's records went to the sink; awaited, so the caller can apply backpressure. */
  readonly afterChunk?: () => Promise<void> | void;
}

/** Thrown by the sink or afterChunk (the consumer), not by the input: passed on as it is. */
class ConsumerFailure {
  constructor(readonly error: unknown) {}
}

/** Why a read failed, in one line, when the input (not the consumer) failed. */
function damageOf(error: unknown, compressed: boolean): string {
  const code = (error as NodeJS.ErrnoException).code;
  const message = (error as Error).message;
  if (compressed && typeof code === 'string' && code.startsWith('Z_')) return `not a complete gzip file (${message})`;
  return `could not be read to its end (${message})`;
}

/**
 * Reads one source to the sink: detects gzip by its magic bytes, then JSON array vs JSON Lines by
 * the first significant byte (`[` = array). A damaged input does not throw: the result says how
 * far it was read and why it stopped, so the next input is read too.
 */
export async function readInput(source: InputSource, sink: RecordSink, options: ReadInputOptions = {}): Promise<ReadInputResult> {
  let rawBytes = 0;
  let bytes = 0;
  let splitter: JsonLinesSplitter | JsonArraySplitter | undefined;
  let compressed = false;
  let format: InputFormat = 'jsonl';
  const result = (extra: { aborted?: boolean; damage?: string } = {}): ReadInputResult => ({
    format: splitter ? format : 'empty',
    bytes,
    rawBytes,
    lines: splitter?.lines ?? 0,
    aborted: extra.aborted ?? false,
    ...(extra.damage === undefined ? {} : { damage: extra.damage }),
  });
  let raw: Readable | undefined;
  try {
    raw = source.open();
    const rawIterator = (raw as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
    let first = await rawIterator.next();
    while (!first.done && first.value.length === 0) first = await rawIterator.next();
    if (first.done) return result();
    compressed = first.value.length >= 2 && first.value[0] === GZIP_MAGIC_0 && first.value[1] === GZIP_MAGIC_1;
    format = compressed ? 'jsonl.gz' : 'jsonl';
    const counted = async function* (): AsyncGenerator<Buffer> {
      for await (const chunk of prepend(first.value as Buffer, rawIterator)) {
        rawBytes += chunk.length;
        yield chunk;
      }
    };
    let chunks: AsyncIterable<Buffer>;
    if (compressed) {
      const gunzip = createGunzip({ chunkSize: READ_CHUNK_BYTES });
      const feeder = Readable.from(counted());
      feeder.on('error', (error) => gunzip.destroy(error));
      feeder.pipe(gunzip);
      chunks = gunzip;
    } else {
      chunks = counted();
    }
    /** The start of the input while it could still be a byte order mark cut over chunks (stdin). */
    let head: Buffer | undefined;
    let skippedLines = 0;
    for await (let chunk of chunks) {
      if (options.signal?.aborted) return result({ aborted: true });
      if (chunk.length === 0) continue;
      try {
        if (!splitter) {
          if (head) {
            chunk = Buffer.concat([head, chunk]);
            head = undefined;
          }
          if (chunk.length < BOM.length && BOM.subarray(0, chunk.length).equals(chunk)) {
            head = chunk;
            continue;
          }
          const b = firstSignificantByte(chunk);
          if (b === undefined) {
            // Whitespace only: counted, so line numbers and byte offsets stay those of the input.
            bytes += chunk.length;
            for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) skippedLines++;
            continue;
          }
          const isArray = b === 0x5b;
          format = `${isArray ? 'json-array' : 'jsonl'}${compressed ? '.gz' : ''}` as InputFormat;
          splitter = isArray ? new JsonArraySplitter(1 + skippedLines, bytes) : new JsonLinesSplitter(1 + skippedLines, bytes);
        }
        bytes += chunk.length;
        splitter.push(chunk, sink);
        await options.afterChunk?.();
      } catch (error) {
        throw new ConsumerFailure(error);
      }
    }
    try {
      if (head && !splitter) {
        splitter = new JsonLinesSplitter();
        bytes += head.length;
        splitter.push(head, sink);
      }
      splitter?.end(sink);
      await options.afterChunk?.();
    } catch (error) {
      throw new ConsumerFailure(error);
    }
    return result();
  } catch (error) {
    if (error instanceof ConsumerFailure) throw error.error;
    // The input failed: what was read stays, and the record the damage cut short goes to the
    // sink as it is (it will not parse, so it is kept under errors/ with its bytes).
    splitter?.end(sink);
    await options.afterChunk?.();
    return result({ damage: damageOf(error, compressed) });
  } finally {
    raw?.destroy();
  }
}
