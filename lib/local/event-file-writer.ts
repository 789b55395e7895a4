/**
 * Writes generated events as JSON Lines to a file or a stream, with backpressure, so a million
 * events stream through a bounded buffer instead of piling up in memory.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { GeneratedEvent } from './generator';

/** A destination that may signal backpressure (a Node Writable) or not (a plain text sink). */
export interface TextSink {
  write(chunk: string): unknown;
  once?(event: 'drain', listener: () => void): unknown;
}

/** Lines are joined into chunks of about this size before each write: fewer, larger writes. */
const CHUNK_CHARS = 256 * 1024;

export interface WriteEventsResult {
  readonly events: number;
  readonly duplicates: number;
  readonly bytes: number;
}

/** Writes each event as one line; waits for `drain` whenever the sink's buffer is full. */
export async function writeEventLines(events: Iterable<GeneratedEvent>, sink: TextSink): Promise<WriteEventsResult> {
  let pending = '';
  let count = 0;
  let duplicates = 0;
  let bytes = 0;
  const flush = async () => {
    if (pending === '') return;
    bytes += Buffer.byteLength(pending);
    const ok = sink.write(pending);
    pending = '';
    if (ok === false && sink.once) await new Promise<void>((resolve) => sink.once!('drain', resolve));
  };
  for (const event of events) {
    pending += `${event.json}\n`;
    count++;
    if (event.duplicate) duplicates++;
    if (pending.length >= CHUNK_CHARS) await flush();
  }
  await flush();
  return { events: count, duplicates, bytes };
}

/** Writes events to a JSONL file (created or truncated); resolves once the file is closed. */
export async function writeEventFile(path: string, events: Iterable<GeneratedEvent>): Promise<WriteEventsResult> {
  const stream = createWriteStream(path);
  await once(stream, 'open');
  let failure: Error | undefined;
  stream.on('error', (error) => (failure = error));
  const result = await writeEventLines(events, stream);
  stream.end();
  await once(stream, 'close');
  if (failure) throw failure;
  return result;
}
