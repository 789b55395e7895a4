/**
 * Property tests of the transform Lambda over records nobody would write by hand: random bytes,
 * invalid UTF-8, text that is not JSON, JSON that is not an object, JSON objects, empty records
 * and records close to the Firehose maximum of 1,000 KiB. Whatever arrives, every recordId comes
 * back exactly once and in order, and a record is Ok exactly when it is a JSON object with a day
 * (of `time`, else of `detail.ticket.updated_at`) inside the table's partition projection (from
 * its first day up to the arrival day). An Ok record is its bytes plus "\n", or, when it has no
 * usable id, the same members with `"id":"sha256-<hex of its bytes>"` added.
 *
 * The oracle below is written independently of the handler: JSON.parse for structure, Date for
 * times in the form the generators write, and it says "either" for times only a full ISO-8601
 * parser could judge (random strings essentially never look like one).
 */
import type { FirehoseTransformationEvent, FirehoseTransformationResultRecord } from 'aws-lambda';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handler } from '../lambda/transform';
import { DEFAULT_PROJECTION_START_DAY, isDay, utcDay } from '../lib/lake-layout';

/** Firehose maximum record size (before base64). */
const FIREHOSE_MAX_RECORD_BYTES = 1_000 * 1024;
const NEWLINE = 0x0a;

/** JSON.parse of the lossy UTF-8 decoding, when that is a non-null, non-array object. */
function parsedJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const INDETERMINATE = Symbol('indeterminate');

/** The UTC day of a time in the forms the generators write (Date#toISOString, EventBridge's), undefined for a value that is no time at all. */
function dayOfTime(value: unknown): string | undefined | typeof INDETERMINATE {
  if (typeof value !== 'string') return undefined;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== value.slice(0, 19) ? undefined : value.slice(0, 10);
  }
  // Other ISO-8601 spellings (offsets, dates alone, ...): judged by transform.test.ts's tables, not here.
  return /^\d{4}-\d{2}-\d{2}/.test(value) ? INDETERMINATE : undefined;
}

type Expected = { readonly result: 'Ok'; readonly day: string; readonly hasId: boolean } | { readonly result: 'ProcessingFailed' } | typeof INDETERMINATE;

/** What the handler must return for a record: the contract in the header. */
function expectedFor(bytes: Uint8Array, arrivalMs: number): Expected {
  const object = parsedJsonObject(bytes);
  if (object === undefined) return { result: 'ProcessingFailed' };
  let day = dayOfTime(object.time);
  if (day === undefined) {
    const detail = object.detail as { ticket?: { updated_at?: unknown } } | undefined;
    const ticket = typeof detail === 'object' && detail !== null ? detail.ticket : undefined;
    day = dayOfTime(typeof ticket === 'object' && ticket !== null ? ticket.updated_at : undefined);
  }
  if (day === INDETERMINATE) return INDETERMINATE;
  if (day === undefined || day < DEFAULT_PROJECTION_START_DAY || day > utcDay(arrivalMs)) return { result: 'ProcessingFailed' };
  const id = object.id;
  return { result: 'Ok', day, hasId: (typeof id === 'string' && id.length > 0) || typeof id === 'number' };
}

/** The object's bytes without the JSON whitespace around it: what a derived id is the hash of. */
function trimmedJson(bytes: Uint8Array): Buffer {
  const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
  let start = 0;
  let end = bytes.length;
  while (start < end && isSpace(bytes[start])) start++;
  while (end > start && isSpace(bytes[end - 1])) end--;
  return Buffer.from(bytes.subarray(start, end));
}

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');

/** Byte sequences that are not valid UTF-8: stray continuation, overlong, truncated, surrogate, beyond U+10FFFF, 0xFF. */
const invalidUtf8 = fc.constantFrom<readonly number[]>(
  [0x80],
  [0xbf, 0x80],
  [0xc0, 0xaf],
  [0xc3],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf0, 0x9f, 0x98],
  [0xfe],
  [0xff],
);
/** A private-use character the generators put into strings, then replace with invalid UTF-8 bytes. */
const PLACEHOLDER = '\ue000';
const PLACEHOLDER_BYTES = Buffer.from(PLACEHOLDER, 'utf8');

const jsonValue = fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' });
const indentation = fc.constantFrom<string | number | undefined>(undefined, 0, 2, '\t');
/** A `time` member as partner events carry it, or as a broken producer might. */
const timeMember = fc.oneof(
  fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string(),
  jsonValue,
);
const jsonObject = fc
  .tuple(fc.dictionary(fc.string({ unit: 'binary' }), jsonValue, { maxKeys: 8 }), fc.option(timeMember), indentation)
  .map(([members, time, indent]) => JSON.stringify(time === null ? members : { ...members, time }, null, indent));

/** Every kind of record a producer could put on the stream. */
const recordBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 512 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map(utf8), weight: 1 },
  { arbitrary: jsonObject.map(utf8), weight: 3 },
  // JSON arrays and scalars, objects with text after them, and objects ending in a newline already
  { arbitrary: fc.tuple(jsonValue, indentation).map(([v, indent]) => utf8(JSON.stringify(v, null, indent))), weight: 2 },
  { arbitrary: fc.tuple(jsonObject, fc.constantFrom('\n', '\r\n', ' \n', '\n\n', 'x', ',', '}', '{}')).map(([o, end]) => utf8(o + end)), weight: 2 },
  // JSON objects with invalid UTF-8 inside strings (names and values), which stay Ok
  {
    arbitrary: fc
      .tuple(
        fc.dictionary(fc.string().map((s) => s + PLACEHOLDER), fc.string().map((s) => PLACEHOLDER + s), { minKeys: 1, maxKeys: 4 }),
        fc.infiniteStream(invalidUtf8),
      )
      .map(([members, bad]) => withPlaceholdersReplaced(utf8(JSON.stringify(members)), bad)),
    weight: 2,
  },
  { arbitrary: fc.constantFrom(utf8(''), utf8(' '), utf8('\n'), utf8('\t\r\n '), utf8('{'), utf8('null'), utf8('{}'), utf8('{}\n')), weight: 1 },
);

function withPlaceholdersReplaced(bytes: Uint8Array, replacements: fc.Stream<readonly number[]>): Uint8Array {
  const parts: Uint8Array[] = [];
  let from = 0;
  const buffer = Buffer.from(bytes);
  for (let at = buffer.indexOf(PLACEHOLDER_BYTES); at >= 0; at = buffer.indexOf(PLACEHOLDER_BYTES, from)) {
    parts.push(buffer.subarray(from, at), Uint8Array.from(replacements.next().value as readonly number[]));
    from = at + PLACEHOLDER_BYTES.length;
  }
  parts.push(buffer.subarray(from));
  return Buffer.concat(parts);
}

interface InputRecord {
  readonly bytes: Uint8Array;
  readonly arrival: number;
}

function firehoseEvent(records: readonly InputRecord[]): FirehoseTransformationEvent {
  return {
    invocationId: 'property',
    deliveryStreamArn: 'arn:aws:firehose:us-east-1:111122223333:deliverystream/freshlake-property',
    region: 'us-east-1',
    records: records.map(({ bytes, arrival }, n) => ({
      // Unique and not sorted, so a reordering or a duplicate cannot go unnoticed.
      recordId: `${(n * 7919) % 10007}-${n}`,
      approximateArrivalTimestamp: arrival,
      data: Buffer.from(bytes).toString('base64'),
    })),
  };
}

/** Firehose's arrival times: around now, give or take the archive replay window. */
const arrival = fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) });

/** One output record against the contract: result, day and bytes. */
function expectOutput(output: FirehoseTransformationResultRecord, inputData: string, bytes: Uint8Array, arrivalMs: number): void {
  const expected = expectedFor(bytes, arrivalMs);
  if (expected === INDETERMINATE) {
    expect(['Ok', 'ProcessingFailed']).toContain(output.result);
    return;
  }
  expect(output.result).toBe(expected.result);
  if (expected.result === 'ProcessingFailed') {
    expect(output.data).toBe(inputData);
    return;
  }
  const dt = output.metadata?.partitionKeys?.dt ?? '';
  expect(isDay(dt), dt).toBe(true);
  expect(dt).toBe(expected.day);
  const endsWithNewline = bytes.length > 0 && bytes[bytes.length - 1] === NEWLINE;
  if (expected.hasId) {
    const expectedBytes = endsWithNewline ? Buffer.from(bytes) : Buffer.concat([bytes, Uint8Array.of(NEWLINE)]);
    // Compared as canonical base64 text: byte-exact content, and a spelling Firehose decodes.
    expect(output.data).toBe(expectedBytes.toString('base64'));
    return;
  }
  const outputBytes = Buffer.from(output.data ?? '', 'base64');
  expect(output.data).toBe(outputBytes.toString('base64'));
  expect(outputBytes[outputBytes.length - 1]).toBe(NEWLINE);
  const { id, ...members } = parsedJsonObject(outputBytes) ?? {};
  const { id: _unusable, ...inputMembers } = parsedJsonObject(bytes) ?? {};
  expect(id).toBe(`sha256-${createHash('sha256').update(trimmedJson(bytes)).digest('hex')}`);
  expect(members).toEqual(inputMembers);
}

async function expectContract(records: readonly InputRecord[]): Promise<void> {
  const event = firehoseEvent(records);
  const { records: outputs } = await handler(event);

  expect(outputs.map((o) => o.recordId)).toEqual(event.records.map((r) => r.recordId));
  outputs.forEach((output, n) => expectOutput(output, event.records[n].data, records[n].bytes, records[n].arrival));
}

describe('transform handler properties', () => {
  it('returns every recordId once, in order, and Ok with the bytes plus "\\n" exactly for JSON objects with a day in the projection', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ bytes: recordBytes, arrival }), { maxLength: 12 }), expectContract),
      { numRuns: 400 },
    );
  });

  it('puts a JSON object in the UTC day of its time, else of its ticket updated_at, never its arrival day', async () => {
    // Mostly inside the projection (2010 up to arrival), sometimes anywhere from year 0 to 9999.
    const isoTime = fc
      .oneof(
        { arbitrary: fc.date({ noInvalidDate: true, min: new Date('2010-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z') }), weight: 3 },
        { arbitrary: fc.date({ noInvalidDate: true, min: new Date(Date.UTC(0, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)) }), weight: 1 },
      )
      .map((d) => d.toISOString());
    const event = fc.record({
      members: fc.dictionary(fc.string(), jsonValue, { maxKeys: 4 }),
      time: fc.option(fc.oneof(isoTime, jsonValue)),
      updatedAt: fc.option(fc.oneof(isoTime, jsonValue)),
      id: fc.option(fc.oneof(fc.string(), fc.integer(), jsonValue)),
      arrival,
    });
    await fc.assert(
      fc.asyncProperty(event, async ({ members, time, updatedAt, id, arrival: arrivalMs }) => {
        const { time: _t, id: _i, detail: _d, ...others } = members as Record<string, unknown>;
        const record = {
          ...others,
          ...(id === null ? {} : { id }),
          ...(time === null ? {} : { time }),
          ...(updatedAt === null ? {} : { detail: { ticket: { id: 1, updated_at: updatedAt } } }),
        };
        const bytes = utf8(JSON.stringify(record));
        const event = firehoseEvent([{ bytes, arrival: arrivalMs }]);
        const { records } = await handler(event);
        expectOutput(records[0], event.records[0].data, bytes, arrivalMs);
        // Never the arrival day: the same bytes arriving on another day get the same answer.
        const later = await handler(firehoseEvent([{ bytes, arrival: arrivalMs + 86_400_000 * 400 }]));
        if (records[0].result === 'Ok') expect(later.records[0].metadata?.partitionKeys?.dt).toBe(records[0].metadata?.partitionKeys?.dt);
      }),
      { numRuns: 300 },
    );
  });

  it('returns canonical base64 whatever base64 spelling a record arrives in', async () => {
    // Firehose sends canonical base64, but the handler reuses the input text for speed: no other
    // spelling (line breaks, URL-safe alphabet, missing or displaced padding) may leak into the output.
    const spelledRecord = fc
      .tuple(
        fc.oneof(jsonObject.map(utf8), jsonObject.map((o) => utf8(`${o}\n`)), fc.uint8Array({ maxLength: 64 })),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(' ', '\n', '\r\n', '\t', '*')), { maxLength: 3 }),
        fc.nat({ max: 2 }),
        fc.boolean(),
      )
      .map(([bytes, insertions, paddingDropped, urlSafe]) => {
        let text = Buffer.from(bytes).toString(urlSafe ? 'base64url' : 'base64');
        if (urlSafe) text += '='.repeat((4 - (text.length % 4)) % 4);
        for (const [at, insert] of insertions) text = text.slice(0, at % (text.length + 1)) + insert + text.slice(at % (text.length + 1));
        return paddingDropped > 0 && text.endsWith('=') ? text.slice(0, -Math.min(paddingDropped, text.length - text.replace(/=+$/, '').length)) : text;
      });
    await fc.assert(
      fc.asyncProperty(spelledRecord, arrival, async (data, arrivalMs) => {
        const event = firehoseEvent([{ bytes: new Uint8Array(), arrival: arrivalMs }]);
        event.records[0].data = data;
        const [output] = (await handler(event)).records;
        expectOutput(output, data, Buffer.from(data, 'base64'), arrivalMs);
      }),
      { numRuns: 500 },
    );
  });

  it('handles records close to the Firehose maximum of 1,000 KiB', async () => {
    const bigRecord = fc.oneof(
      // Random bytes tiled to size: generating a million bytes one by one would take seconds a run.
      fc
        .tuple(fc.uint8Array({ minLength: 1, maxLength: 4_096 }), fc.integer({ min: FIREHOSE_MAX_RECORD_BYTES - 64, max: FIREHOSE_MAX_RECORD_BYTES }))
        .map(([tile, size]) => Buffer.alloc(size, tile)),
      fc
        .tuple(jsonObject, fc.integer({ min: FIREHOSE_MAX_RECORD_BYTES - 4_096, max: FIREHOSE_MAX_RECORD_BYTES - 1_024 }), fc.constantFrom('a', 'é', '\n', '"'))
        .map(([json, size, filler]) => {
          // A big description before the generated members: valid unless the filler breaks the string.
          // The padding fills what the members leave of `size`, so the record never exceeds it
          // (the members alone can be kilobytes long).
          const members = json.trimStart().slice(1);
          const separator = members.trimStart().startsWith('}') ? '' : ',';
          const frame = Buffer.byteLength(`{"id":"big","time":"2020-01-01T00:00:00Z","description":""${separator}${members}`);
          const padding = filler.repeat(Math.max(0, Math.floor((size - frame) / Buffer.byteLength(filler))));
          // With an id and a time every arrival day accepts, so the Ok path is taken at full size too.
          return utf8(`{"id":"big","time":"2020-01-01T00:00:00Z","description":"${padding}"${separator}${members}`);
        }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ bytes: bigRecord, arrival }), { minLength: 1, maxLength: 2 }), async (records) => {
        for (const { bytes } of records) expect(bytes.length).toBeLessThanOrEqual(FIREHOSE_MAX_RECORD_BYTES);
        await expectContract(records);
      }),
      { numRuns: 12 },
    );
  });
});
