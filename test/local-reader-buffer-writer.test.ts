/**
 * The pieces under `ingest`: the streaming splitters (whatever the chunking, the same records),
 * the Firehose-like buffer (size and interval hints, bounded memory), and atomic lake writes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { JsonArraySplitter, JsonLinesSplitter, MAX_RECORD_BYTES, compactJson, type RecordSink } from '../lib/local/input-reader';
import { FirehoseBuffer } from '../lib/local/firehose-buffer';
import { LakeWriter, TEMP_FILE_PREFIX, removeStaleTempFiles, writeFileAtomically } from '../lib/local/lake-writer';

interface Collected {
  records: { text: string; line: number }[];
  oversized: { line: number; bytes: number; offset: number }[];
  garbage: { line: number; reason: string }[];
}

function collector(): { sink: RecordSink; got: Collected } {
  const got: Collected = { records: [], oversized: [], garbage: [] };
  return {
    got,
    sink: {
      record: (buf, start, end, line) => got.records.push({ text: buf.toString('utf8', start, end), line }),
      oversized: (line, bytes, offset) => got.oversized.push({ line, bytes, offset }),
      garbage: (_buf, _start, _end, line, reason) => got.garbage.push({ line, reason }),
    },
  };
}

/** Splits the bytes at the given cut points and feeds the pieces in order. */
function feed(splitter: JsonLinesSplitter | JsonArraySplitter, bytes: Buffer, cuts: number[], sink: RecordSink): void {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let last = 0;
  for (const p of [...points, bytes.length]) {
    if (p > last) splitter.push(bytes.subarray(last, p), sink);
    last = p;
  }
  splitter.end(sink);
}

const jsonValue = fc.jsonValue({ maxDepth: 3 }).map((v) => ({ value: v, note: 'ünïcödé ] } [ { " \\ 😀' }));

describe('JSON Lines splitter', () => {
  it('yields the same lines, with their line numbers, however the input is chunked', () => {
    fc.assert(
      fc.property(fc.array(jsonValue, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 }), fc.boolean(), (values, cuts, crlf) => {
        const lines = values.map((v) => JSON.stringify(v));
        const bytes = Buffer.from(lines.join(crlf ? '\r\n' : '\n'));
        const { sink, got } = collector();
        feed(new JsonLinesSplitter(), bytes, cuts, sink);
        expect(got.records).toEqual(lines.map((text, i) => ({ text, line: i + 1 })));
      }),
    );
  });

  it('skips blank lines but counts them', () => {
    const { sink, got } = collector();
    feed(new JsonLinesSplitter(), Buffer.from('{"a":1}\n\n   \n{"b":2}\n'), [], sink);
    expect(got.records).toEqual([{ text: '{"a":1}', line: 1 }, { text: '{"b":2}', line: 4 }]);
  });

  it('drops a line longer than any event without holding it in memory', () => {
    const { sink, got } = collector();
    const splitter = new JsonLinesSplitter();
    splitter.push(Buffer.from('{"a":1}\n'), sink);
    const piece = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i <= MAX_RECORD_BYTES / piece.length; i++) splitter.push(piece, sink);
    splitter.push(Buffer.from('aaa\n{"b":2}'), sink);
    splitter.end(sink);
    expect(got.records.map((r) => r.text)).toEqual(['{"a":1}', '{"b":2}']);
    // Where its bytes are in the input, since they are not kept.
    expect(got.oversized).toEqual([{ line: 2, bytes: (MAX_RECORD_BYTES / piece.length + 1) * piece.length + 3, offset: 8 }]);
  });

  it('drops a UTF-8 byte order mark before the first line, however the input is chunked, and keeps the same bytes elsewhere', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 6 }), (cuts) => {
        const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":"\ufeff"}\n\ufeff{"b":2}\n')]);
        const { sink, got } = collector();
        feed(new JsonLinesSplitter(), bytes, cuts, sink);
        // Only the first line's mark is a byte order mark; one later is content (and not valid JSON there).
        expect(got.records).toEqual([
          { text: '{"a":"\ufeff"}', line: 1 },
          { text: '\ufeff{"b":2}', line: 2 },
        ]);
      }),
    );
  });
});

describe('JSON array splitter', () => {
  it('yields each element as written, however the input is chunked and indented', () => {
    fc.assert(
      fc.property(fc.array(jsonValue, { maxLength: 15 }), fc.array(fc.nat(), { maxLength: 30 }), fc.constantFrom(0, 2), (values, cuts, indent) => {
        const text = JSON.stringify(values, null, indent);
        const { sink, got } = collector();
        feed(new JsonArraySplitter(), Buffer.from(text), cuts, sink);
        // Compared as JSON text: -0 is written as 0 and cannot come back as -0.
        expect(got.records.map((r) => JSON.stringify(JSON.parse(r.text)))).toEqual(values.map((v) => JSON.stringify(v)));
        expect(got.garbage).toEqual([]);
      }),
    );
  });

  it('reports the line each element starts on, and text after the closing bracket', () => {
    const { sink, got } = collector();
    feed(new JsonArraySplitter(), Buffer.from('\ufeff[\n  {"a": 1},\n  "x",\n\n  {"b":\n 2}\n]\ntrailing\n'), [], sink);
    expect(got.records).toEqual([
      { text: '{"a": 1}', line: 2 },
      { text: '"x"', line: 3 },
      { text: '{"b":\n 2}', line: 5 },
    ]);
    expect(got.garbage).toEqual([{ line: 8, reason: 'text after the closing ] of the array' }]);
  });

  it('hands over an unterminated last element for JSON.parse to reject', () => {
    const { sink, got } = collector();
    feed(new JsonArraySplitter(), Buffer.from('[{"a":1},{"b":'), [5], sink);
    expect(got.records.map((r) => r.text)).toEqual(['{"a":1}', '{"b":']);
  });
});

describe('compactJson', () => {
  it('removes whitespace outside strings only, so the value is unchanged', () => {
    fc.assert(
      fc.property(jsonValue, (value) => {
        const pretty = Buffer.from(JSON.stringify(value, null, 2));
        expect(compactJson(pretty, 0, pretty.length).toString('utf8')).toBe(JSON.stringify(value));
      }),
    );
  });
});

describe('Firehose-like buffer', () => {
  const deliveries: { partition: string; text: string; records: number }[] = [];
  const deliver = (partition: string, chunks: Buffer[], records: number) => deliveries.push({ partition, text: Buffer.concat(chunks).toString(), records });
  beforeEach(() => (deliveries.length = 0));

  it('delivers a partition once it reaches the size hint', () => {
    const buffer = new FirehoseBuffer({ sizeHintBytes: 10, maxBufferedBytes: 1000, deliver });
    buffer.add('a/', Buffer.from('1234\n'));
    buffer.add('b/', Buffer.from('xx\n'));
    expect(deliveries).toEqual([]);
    buffer.add('a/', Buffer.from('5678\n'));
    expect(deliveries).toEqual([{ partition: 'a/', text: '1234\n5678\n', records: 2 }]);
    buffer.flushAll();
    expect(deliveries[1]).toEqual({ partition: 'b/', text: 'xx\n', records: 1 });
  });

  it('delivers a partition whose oldest record waited for the interval hint', () => {
    let now = 0;
    const buffer = new FirehoseBuffer({ sizeHintBytes: 1000, intervalMs: 60_000, deliver, now: () => now });
    buffer.add('a/', Buffer.from('old\n'));
    now = 30_000;
    buffer.add('b/', Buffer.from('new\n'));
    now = 60_000;
    buffer.deliverExpired();
    expect(deliveries.map((d) => d.partition)).toEqual(['a/']);
    now = 90_000;
    buffer.deliverExpired();
    expect(deliveries.map((d) => d.partition)).toEqual(['a/', 'b/']);
  });

  it('delivers the largest partition early to stay within its memory bound', () => {
    const buffer = new FirehoseBuffer({ sizeHintBytes: 100, maxBufferedBytes: 100, deliver });
    for (let day = 0; day < 30; day++) buffer.add(`d${day % 3}/`, Buffer.from(`${'x'.repeat(day % 3 === 1 ? 9 : 4)}\n`));
    expect(buffer.bufferedBytes).toBeLessThanOrEqual(100);
    expect(deliveries[0].partition).toBe('d1/');
  });

  it('decodes base64 records straight into its slabs, growing them as needed', () => {
    const buffer = new FirehoseBuffer({ sizeHintBytes: 10 * 1024 * 1024, deliver });
    const records = Array.from({ length: 300 }, (_, i) => `${JSON.stringify({ i, pad: 'p'.repeat(i * 7) })}\n`);
    for (const r of records) buffer.addBase64('a/', Buffer.from(r).toString('base64'));
    buffer.flushAll();
    expect(deliveries).toEqual([{ partition: 'a/', text: records.join(''), records: 300 }]);
  });
});

describe('atomic lake writes', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'freshlake-writer-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes through a temporary file and renames it, leaving no temporary file', async () => {
    const path = await writeFileAtomically(join(dir, 'events', 'dt=2026-11-27'), 'x.gz', [Buffer.from('a'), Buffer.from('b')]);
    expect(readFileSync(path, 'utf8')).toBe('ab');
    expect(readdirSync(join(dir, 'events', 'dt=2026-11-27'))).toEqual(['x.gz']);
  });

  it('writes gzip\'d objects named like Firehose objects, one per delivery', async () => {
    const written: string[] = [];
    const writer = new LakeWriter({ lakeDir: dir, onObjectWritten: (o) => written.push(o.key) });
    writer.write('events/dt=2026-11-27/', [Buffer.from('{"a":1}\n'), Buffer.from('{"b":2}\n')], 2, 16);
    writer.write('events/dt=2026-11-28/', [Buffer.from('{"c":3}\n')], 1, 8);
    await writer.close();
    expect(written.length).toBe(2);
    for (const key of written) expect(key).toMatch(/^events\/dt=2026-11-2[78]\/freshlake-local-1-\d{4}(-\d{2}){5}-[0-9a-f-]{36}\.gz$/);
    const day = join(dir, 'events', 'dt=2026-11-27');
    expect(gunzipSync(readFileSync(join(day, readdirSync(day)[0]))).toString()).toBe('{"a":1}\n{"b":2}\n');
  });

  it('removes temporary files of processes that are gone, and keeps those of live ones', async () => {
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(dir, `${TEMP_FILE_PREFIX}${gone}-abc`), 'partial');
    writeFileSync(join(dir, `${TEMP_FILE_PREFIX}${process.pid}-def`), 'mine, in progress');
    writeFileSync(join(dir, 'kept.gz'), 'x');
    expect(await removeStaleTempFiles(dir)).toBe(1);
    expect(existsSync(join(dir, `${TEMP_FILE_PREFIX}${gone}-abc`))).toBe(false);
    expect(existsSync(join(dir, `${TEMP_FILE_PREFIX}${process.pid}-def`))).toBe(true);
    expect(existsSync(join(dir, 'kept.gz'))).toBe(true);
  });
});
