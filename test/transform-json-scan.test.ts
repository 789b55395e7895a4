/**
 * The transform's JSON-object scanner must answer exactly what JSON.parse of the lossy UTF-8
 * decoding answers: Firehose routes a record to the lake or to the error prefix on that answer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanJsonObject } from '../lambda/transform/json-object-scan';

/** The specification the scanner implements: JSON.parse of the lossy UTF-8 decoding. */
function parsedAsJsonObject(bytes: Uint8Array): { time?: unknown } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { time?: unknown }) : undefined;
}

function expectScanAgreesWithJsonParse(bytes: Buffer): void {
  const expected = parsedAsJsonObject(bytes);
  const scanned = scanJsonObject(bytes);
  expect(scanned === undefined ? 'not an object' : 'object').toBe(expected === undefined ? 'not an object' : 'object');
  if (expected !== undefined && scanned !== undefined) {
    expect(scanned.time).toBe(typeof expected.time === 'string' ? expected.time : undefined);
    // The object without surrounding whitespace, and the span of the top-level id's value (the transform derives an id from these).
    const text = Buffer.from(bytes).toString('latin1');
    expect([scanned.start, scanned.end]).toEqual([text.length - text.replace(/^[ \t\r\n]+/, '').length, text.replace(/[ \t\r\n]+$/, '').length]);
    expect(scanned.hasMembers).toBe(Object.keys(expected).length > 0);
    if (Object.prototype.hasOwnProperty.call(expected, 'id')) {
      expect(JSON.parse(Buffer.from(bytes).toString('utf8', scanned.idStart, scanned.idEnd))).toEqual((expected as { id: unknown }).id);
    } else {
      expect([scanned.idStart, scanned.idEnd]).toEqual([-1, -1]);
    }
  }
}

const utf8 = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('scanJsonObject', () => {
  it.each([
    // objects
    ['{}', true],
    [' \t\r\n{ \t\r\n} \t\r\n', true],
    ['{"a":1}', true],
    ['{"a":[1,2,{"b":null}],"c":{"d":[]},"e":true,"f":false}', true],
    ['{"a":"x","a":"y"}', true],
    ['{"":""}', true],
    // numbers
    ['{"n":-0}', true],
    ['{"n":0.5e-10}', true],
    ['{"n":1E+400}', true],
    ['{"n":-12.75E3}', true],
    ['{"n":01}', false],
    ['{"n":1.}', false],
    ['{"n":.5}', false],
    ['{"n":1e}', false],
    ['{"n":1e+}', false],
    ['{"n":-}', false],
    ['{"n":+1}', false],
    ['{"n":0x10}', false],
    ['{"n":NaN}', false],
    ['{"n":Infinity}', false],
    // strings and escapes
    ['{"s":"\\"\\\\\\/\\b\\f\\n\\r\\t"}', true],
    ['{"s":"\\u00e9\\uD83D\\uDE00\\uDEAD"}', true],
    ['{"s":"\\u12"}', false],
    ['{"s":"\\u12G4"}', false],
    ['{"s":"\\x41"}', false],
    ['{"s":"\\\'"}', false],
    ['{"s":"tab\there"}', false],
    ['{"s":"line\nbreak"}', false],
    ['{"s":"del\u007f ok"}', true],
    ['{"s":"unterminated}', false],
    ['{"s":"ends in backslash\\', false],
    ["{'s':'single quotes'}", false],
    // literals
    ['{"l":true,"m":false,"n":null}', true],
    ['{"l":tru}', false],
    ['{"l":nul}', false],
    ['{"l":nulll}', false],
    ['{"l":True}', false],
    // structure
    ['{"a":1,}', false],
    ['{"a":[1,]}', false],
    ['{"a" 1}', false],
    ['{"a":1 "b":2}', false],
    ['{a:1}', false],
    ['{"a":1}}', false],
    ['{"a":1', false],
    ['{"a":[1}', false],
    ['{"a":1}{"b":2}', false],
    ['{"a":1} x', false],
    ['\f{}', false],
    ['\u00a0{}', false],
    ['\ufeff{}', false],
    // not objects
    ['', false],
    ['   ', false],
    ['[]', false],
    ['[{"a":1}]', false],
    ['"text"', false],
    ['42', false],
    ['null', false],
    ['true', false],
  ])('reads %j as a JSON object: %s', (text, isObject) => {
    expect(scanJsonObject(utf8(text)) !== undefined).toBe(isObject);
    expectScanAgreesWithJsonParse(utf8(text));
  });

  it('accepts bytes that are not valid UTF-8 inside strings, and nowhere else', () => {
    const inString = Buffer.concat([utf8('{"s":"'), Buffer.from([0xff, 0xc3, 0x28, 0xe2, 0x82, 0x80, 0xed, 0xa0, 0x80]), utf8('"}')]);
    expect(scanJsonObject(inString)).toMatchObject({ time: undefined });
    const inName = Buffer.concat([utf8('{"'), Buffer.from([0xe2, 0x82]), utf8('":1}')]);
    expect(scanJsonObject(inName)).toMatchObject({ time: undefined });
    const afterValue = Buffer.concat([utf8('{"s":1'), Buffer.from([0xc2, 0xa0]), utf8('}')]);
    expect(scanJsonObject(afterValue)).toBeUndefined();
    for (const bytes of [inString, inName, afterValue]) expectScanAgreesWithJsonParse(bytes);
  });

  it.each([
    ['{"time":"2026-11-27T09:14:03Z"}', '2026-11-27T09:14:03Z'],
    ['{"detail":{"time":"2020-01-01T00:00:00Z"},"time":"2026-11-27T09:14:03Z"}', '2026-11-27T09:14:03Z'],
    ['{"detail":{"time":"2020-01-01T00:00:00Z"}}', undefined],
    ['{"time":"2020-01-01T00:00:00Z","time":"2026-11-27T09:14:03Z"}', '2026-11-27T09:14:03Z'],
    ['{"time":"2020-01-01T00:00:00Z","time":1}', undefined],
    ['{"time":{"at":"2020-01-01T00:00:00Z"}}', undefined],
    ['{"time":["2020-01-01T00:00:00Z"]}', undefined],
    ['{"time":null}', undefined],
    ['{"\\u0074ime":"2026-11-27T09:14:03Z"}', '2026-11-27T09:14:03Z'],
    ['{"time":"2026-11-27T09:14:03\\u005a"}', '2026-11-27T09:14:03Z'],
    ['{"times":"2026-11-27T09:14:03Z","tim":"x"}', undefined],
    ['[{"time":"2026-11-27T09:14:03Z"}]', 'not an object'],
  ])('reads the top-level time of %j', (text, time) => {
    const scanned = scanJsonObject(utf8(text));
    expect(scanned === undefined ? 'not an object' : scanned.time).toBe(time);
    expectScanAgreesWithJsonParse(utf8(text));
  });

  it.each([
    ['{"id":"6a7e8feb"}', '"6a7e8feb"'],
    ['{"id":4711,"time":"2026-11-27T09:14:03Z"}', '4711'],
    ['{"id":null}', 'null'],
    ['{"id":{"a":[1,{"b":2}]},"x":1}', '{"a":[1,{"b":2}]}'],
    ['{"id":[],"x":1}', '[]'],
    ['{"id":"first","id":"last"}', '"last"'],
    ['{"\\u0069d":"escaped"}', '"escaped"'],
    ['{"detail":{"id":"nested"}}', undefined],
    ['{"ids":"x","i":"y"}', undefined],
  ])('finds the value of the top-level id of %j', (text, value) => {
    const scanned = scanJsonObject(utf8(text));
    expect(scanned && scanned.idStart >= 0 ? text.slice(scanned.idStart, scanned.idEnd) : undefined).toBe(value);
    expectScanAgreesWithJsonParse(utf8(text));
  });

  it('survives nesting as deep as a 1,000 KiB record allows, as JSON.parse does', () => {
    const depth = 500_000;
    const deepObject = utf8(`{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    expect(scanJsonObject(deepObject)).toMatchObject({ time: undefined });
    const unbalanced = utf8(`{"a":${'['.repeat(depth)}${']'.repeat(depth - 1)}}`);
    expect(scanJsonObject(unbalanced)).toBeUndefined();
  });

  it('agrees with JSON.parse on JSON texts and on every one-byte edit of them', () => {
    const value = fc.jsonValue({ maxDepth: 4, stringUnit: 'binary' });
    const name = fc.oneof(fc.string({ unit: 'binary' }), fc.constant('time'), fc.constant('id'));
    const jsonText = fc
      .tuple(fc.oneof(value, fc.dictionary(name, value)), fc.constantFrom(undefined, 0, 1, '\t', ' \r\n'))
      .map(([json, space]) => JSON.stringify(json, null, space) ?? 'null');
    const edit = fc.tuple(fc.nat(), fc.constantFrom('delete', 'insert', 'replace'), fc.constantFrom(...'{}[]",:\\ .-+0123456789eEtrufalsn\t\n'.split(''), '\u00e9', '\u0001'));
    fc.assert(
      fc.property(jsonText, edit, (text, [at, kind, ch]) => {
        expectScanAgreesWithJsonParse(utf8(text));
        const position = text.length === 0 ? 0 : at % text.length;
        const edited =
          kind === 'delete'
            ? text.slice(0, position) + text.slice(position + 1)
            : text.slice(0, position) + ch + text.slice(kind === 'insert' ? position : position + 1);
        expectScanAgreesWithJsonParse(utf8(edited));
      }),
      { numRuns: 3_000 },
    );
  });
});
