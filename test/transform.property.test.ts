/**
 * Property tests of the transform Lambda over records nobody would write by hand: random bytes,
 * invalid UTF-8, text that is not JSON, JSON that is not an object, JSON objects, empty records
 * and records close to the Firehose maximum of 1,000 KiB. Whatever arrives, every recordId comes
 * back exactly once and in order, and a record is Ok exactly when it is a JSON object.
 */
import type { FirehoseTransformationEvent } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { handler } from '../lambda/transform';
import { isDay, utcDay } from '../lib/lake-layout';

/** Firehose maximum record size (before base64). */
const FIREHOSE_MAX_RECORD_BYTES = 1_000 * 1024;
const NEWLINE = 0x0a;

/** The oracle: a record is a JSON object when JSON.parse of its lossy UTF-8 decoding is a non-null, non-array object. */
function isJsonObject(bytes: Uint8Array): boolean {
  try {
    const value: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
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

async function expectContract(records: readonly InputRecord[]): Promise<void> {
  const event = firehoseEvent(records);
  const { records: outputs } = await handler(event);

  expect(outputs.map((o) => o.recordId)).toEqual(event.records.map((r) => r.recordId));
  outputs.forEach((output, n) => {
    const input = event.records[n];
    const bytes = records[n].bytes;
    expect(output.result).toBe(isJsonObject(bytes) ? 'Ok' : 'ProcessingFailed');
    if (output.result === 'Ok') {
      const endsWithNewline = bytes.length > 0 && bytes[bytes.length - 1] === NEWLINE;
      const expected = endsWithNewline ? Buffer.from(bytes) : Buffer.concat([bytes, Uint8Array.of(NEWLINE)]);
      // Compared as canonical base64 text: byte-exact content, and a spelling Firehose decodes.
      expect(output.data).toBe(expected.toString('base64'));
      const dt = output.metadata?.partitionKeys?.dt ?? '';
      expect(isDay(dt), dt).toBe(true);
    } else {
      expect(output.data).toBe(input.data);
    }
  });
}

describe('transform handler properties', () => {
  it('returns every recordId once, in order, and Ok with the bytes plus "\\n" exactly for JSON objects', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ bytes: recordBytes, arrival }), { maxLength: 12 }), expectContract),
      { numRuns: 400 },
    );
  });

  it('puts a JSON object in the UTC day of its ISO time, else in its arrival day', async () => {
    const event = fc.record({
      members: fc.dictionary(fc.string(), jsonValue, { maxKeys: 4 }),
      time: fc.option(fc.oneof(fc.date({ noInvalidDate: true, min: new Date(Date.UTC(0, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)) }), jsonValue)),
      arrival,
    });
    await fc.assert(
      fc.asyncProperty(event, async ({ members, time, arrival: arrivalMs }) => {
        const { time: _ignored, ...others } = members as Record<string, unknown>;
        const record = time === null ? others : { ...others, time: time instanceof Date ? time.toISOString() : time };
        const bytes = utf8(JSON.stringify(record));
        const { records } = await handler(firehoseEvent([{ bytes, arrival: arrivalMs }]));
        const expectedDay = time instanceof Date ? time.toISOString().slice(0, 10) : utcDay(arrivalMs);
        expect(records[0].metadata?.partitionKeys?.dt).toBe(expectedDay);
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
        const bytes = Buffer.from(data, 'base64');
        expect(output.result).toBe(isJsonObject(bytes) ? 'Ok' : 'ProcessingFailed');
        if (output.result === 'Ok') {
          const expected = bytes[bytes.length - 1] === NEWLINE ? bytes : Buffer.concat([bytes, Uint8Array.of(NEWLINE)]);
          expect(output.data).toBe(expected.toString('base64'));
        } else {
          expect(output.data).toBe(data);
        }
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
          const frame = Buffer.byteLength(`{"description":""${separator}${members}`);
          const padding = filler.repeat(Math.max(0, Math.floor((size - frame) / Buffer.byteLength(filler))));
          return utf8(`{"description":"${padding}"${separator}${members}`);
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
