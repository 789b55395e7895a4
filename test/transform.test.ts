/**
 * The transform Lambda against the Firehose data-transformation contract, as specifications.
 * @see https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FirehoseTransformationEvent, FirehoseTransformationResult } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { handler, processingFailureReason, transformRecord } from '../lambda/transform';
import { DEFAULT_PROJECTION_START_DAY } from '../lib/schema';

const SAMPLES_DIR = join(__dirname, 'fixtures', 'samples');
const SAMPLE_FILES = ['ticket-create.json', 'ticket-update.json', 'ticket-update-variant.json'];
/** The sample files as stored: pretty-printed, ending in "\n". */
const sampleFiles = SAMPLE_FILES.map((file) => readFileSync(join(SAMPLES_DIR, file)));
/** The samples as EventBridge delivers them to Firehose: compact JSON, no trailing newline. */
const compactSamples = sampleFiles.map((bytes) => Buffer.from(JSON.stringify(JSON.parse(bytes.toString('utf8')))));

/** 2026-11-30 08:00 UTC: a different day from every sample's `time`, so a fallback shows. */
const ARRIVAL = Date.UTC(2026, 10, 30, 8);

const bytesOf = (text: string): Buffer => Buffer.from(text, 'utf8');

function firehoseEvent(records: readonly Buffer[], arrival = ARRIVAL): FirehoseTransformationEvent {
  return {
    invocationId: 'a7c4b1d2-0f1e-4c3b-9a8d-7e6f5a4b3c2d',
    deliveryStreamArn: 'arn:aws:firehose:us-east-1:111122223333:deliverystream/freshlake-test',
    region: 'us-east-1',
    records: records.map((bytes, n) => ({
      recordId: `4965433127761891642671574493215174233946201428340500000${n}`,
      approximateArrivalTimestamp: arrival + n,
      data: bytes.toString('base64'),
    })),
  };
}

function decoded(result: FirehoseTransformationResult, n: number): Buffer {
  return Buffer.from(result.records[n].data ?? '', 'base64');
}

const NOT_JSON_OBJECTS: ReadonlyArray<readonly [string, Buffer]> = [
  ['text that is not JSON', bytesOf('ticket 4711 was created')],
  ['a truncated object', compactSamples[0].subarray(0, 200)],
  ['an object followed by more text', bytesOf('{"id":"1"} trailing')],
  ['two objects on one record', bytesOf('{"id":"1"}\n{"id":"2"}\n')],
  ['a JSON array of events', Buffer.concat([bytesOf('['), compactSamples[0], bytesOf(']')])],
  ['a JSON string', bytesOf('"onTicketCreate"')],
  ['a JSON number', bytesOf('4711')],
  ['JSON true', bytesOf('true')],
  ['JSON null', bytesOf('null')],
  ['an empty record', Buffer.alloc(0)],
  ['a whitespace-only record', bytesOf(' \t\r\n')],
  ['an object with a byte-order mark before it', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), compactSamples[0]])],
  ['bytes that are not valid UTF-8 outside a string', Buffer.concat([bytesOf('{"id":"1"'), Buffer.from([0xff]), bytesOf('}')])],
  ['a raw line break inside a string', bytesOf('{"subject":"line\nbreak"}')],
];

describe('transform handler: Firehose data-transformation contract', () => {
  it('returns one output record per input recordId, in the same order', async () => {
    const inputs = [compactSamples[0], bytesOf('not json'), sampleFiles[1], Buffer.alloc(0), compactSamples[2]];
    const event = firehoseEvent(inputs);
    const result = await handler(event);
    expect(result.records.map((r) => r.recordId)).toEqual(event.records.map((r) => r.recordId));
    expect(result.records.map((r) => r.result)).toEqual(['Ok', 'ProcessingFailed', 'Ok', 'ProcessingFailed', 'Ok']);
  });

  it('returns an empty batch for an empty batch', async () => {
    expect(await handler(firehoseEvent([]))).toEqual({ records: [] });
  });

  it('passes each sample event through byte for byte, with exactly one "\\n" appended', async () => {
    const result = await handler(firehoseEvent(compactSamples));
    compactSamples.forEach((bytes, n) => {
      expect(result.records[n].result).toBe('Ok');
      expect(decoded(result, n).equals(Buffer.concat([bytes, bytesOf('\n')]))).toBe(true);
    });
  });

  it('adds no newline to a record that already ends with one', async () => {
    const result = await handler(firehoseEvent(sampleFiles));
    sampleFiles.forEach((bytes, n) => {
      expect(bytes[bytes.length - 1]).toBe(0x0a);
      expect(result.records[n].result).toBe('Ok');
      expect(result.records[n].data).toBe(bytes.toString('base64'));
    });
  });

  it('never re-serializes: key order, whitespace, escapes and number spelling stay as they were', async () => {
    const record = bytesOf(
      '{ "zeta" : 1.50E+2 ,"time":"2026-11-27T09:14:03Z","id" :"e" ,\t"alpha":"caf\\u00e9 \\ud83d\\ude00 \\/", "same":1, "same":2 }',
    );
    const result = await handler(firehoseEvent([record]));
    expect(result.records[0].result).toBe('Ok');
    expect(decoded(result, 0).toString('latin1')).toBe(`${record.toString('latin1')}\n`);
  });

  it('keeps bytes that are not valid UTF-8 inside strings, byte for byte', async () => {
    const invalidUtf8 = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82, 0xed, 0xa0, 0x80]);
    const record = Buffer.concat([bytesOf('{"id":"e","time":"2026-11-27T09:14:03Z","subject":"'), invalidUtf8, bytesOf('"}')]);
    const result = await handler(firehoseEvent([record]));
    expect(result.records[0].result).toBe('Ok');
    expect(decoded(result, 0).equals(Buffer.concat([record, bytesOf('\n')]))).toBe(true);
    expect(result.records[0].metadata?.partitionKeys).toEqual({ dt: '2026-11-27' });
  });

  it('returns canonical base64 even when a record arrives in another base64 spelling', () => {
    // Firehose sends canonical base64; the handler's shortcut of reusing the input text must not
    // carry any other spelling into the output.
    // '~~~ ???' puts '+' and '/' in the base64; trailing whitespace makes the length 1 mod 3, so it ends in '=='.
    const object = '{"id":"e","time":"2026-11-27T09:14:03Z","subject":"~~~ ???"}';
    const spaces = ' '.repeat((1 - (object.length % 3) + 3) % 3 + 3);
    for (const bytes of [bytesOf(object + spaces), bytesOf(`${object}${spaces.slice(1)}\n`)]) {
      const base64 = bytes.toString('base64');
      expect(base64).toMatch(/[+/].*==$/);
      const spellings = {
        'wrapped in lines': base64.replace(/.{16}/g, '$&\r\n'),
        'URL-safe alphabet, padded': base64.replace(/\+/g, '-').replace(/\//g, '_'),
        unpadded: base64.replace(/=+$/, ''),
        'a line break in place of a padding character': `\n${base64.slice(0, -1)}`,
        'a space in place of both padding characters': `${base64.slice(0, 8)} ${base64.slice(8, -2)} `,
      };
      const expected = bytes[bytes.length - 1] === 0x0a ? base64 : Buffer.concat([bytes, bytesOf('\n')]).toString('base64');
      for (const [spelling, data] of Object.entries(spellings)) {
        expect(Buffer.from(data, 'base64').equals(bytes), spelling).toBe(true);
        expect(transformRecord('r', data, ARRIVAL).data, spelling).toBe(expected);
      }
    }
  });

  it.each(NOT_JSON_OBJECTS)('sends %s to the error prefix (ProcessingFailed, data unchanged)', async (_, bytes) => {
    const event = firehoseEvent([bytes]);
    const result = await handler(event);
    expect(result.records[0]).toMatchObject({ recordId: event.records[0].recordId, result: 'ProcessingFailed' });
    expect(result.records[0].data).toBe(event.records[0].data);
  });

  it('never drops a record', async () => {
    const inputs = [...compactSamples, ...sampleFiles, ...NOT_JSON_OBJECTS.map(([, bytes]) => bytes)];
    const result = await handler(firehoseEvent(inputs));
    expect(result.records).toHaveLength(inputs.length);
    expect(result.records.filter((r) => r.result === 'Dropped')).toEqual([]);
  });

  it('accepts a record of the Firehose maximum size, 1,000 KiB', async () => {
    const prefix = '{"id":"e","time":"2026-11-27T09:14:03Z","description":"';
    const record = bytesOf(`${prefix}${'x'.repeat(1_000 * 1024 - prefix.length - 2)}"}`);
    expect(record.length).toBe(1_000 * 1024);
    const result = await handler(firehoseEvent([record]));
    expect(result.records[0].result).toBe('Ok');
    expect(decoded(result, 0).equals(Buffer.concat([record, bytesOf('\n')]))).toBe(true);
  });

  it('accepts an object nested as deep as a 1,000 KiB record allows', async () => {
    const depth = 400_000;
    const record = bytesOf(`{"time":"2026-11-27T09:14:03Z","deep":${'['.repeat(depth)}${']'.repeat(depth)}}`);
    expect((await handler(firehoseEvent([record]))).records[0].result).toBe('Ok');
  });
});

describe('transform handler: partition key dt', () => {
  const dtOf = (record: string, arrival = ARRIVAL): string | undefined =>
    transformRecord('r', bytesOf(record).toString('base64'), arrival).metadata?.partitionKeys?.dt;

  it('gives each sample event the UTC day of its time', async () => {
    const result = await handler(firehoseEvent(compactSamples));
    expect(result.records.map((r) => r.metadata?.partitionKeys)).toEqual(
      compactSamples.map((bytes) => ({ dt: (JSON.parse(bytes.toString('utf8')) as { time: string }).time.slice(0, 10) })),
    );
  });

  it.each([
    ['2026-11-27T09:14:03Z', '2026-11-27'],
    ['2026-11-27T23:59:59.999Z', '2026-11-27'],
    ['2026-11-27T00:00:00.000000001Z', '2026-11-27'],
    ['2026-11-28T03:00:00+05:00', '2026-11-27'],
    ['2026-11-28T04:59:59+05:00', '2026-11-27'],
    ['2026-11-28T05:00:00+05:00', '2026-11-28'],
    ['2026-11-27T20:00:00-08:00', '2026-11-28'],
    ['2026-11-27T20:00:00-0800', '2026-11-28'],
    ['2026-12-31T23:30:00-01:00', '2027-01-01'],
    ['2028-03-01T01:00:00+02:00', '2028-02-29'],
    ['2026-11-27T23:59:60Z', '2026-11-27'],
    ['2026-11-27t09:14:03z', '2026-11-27'],
    ['2026-11-27 09:14:03Z', '2026-11-27'],
    ['2026-11-27T23:30:00', '2026-11-27'],
    ['2026-11-27', '2026-11-27'],
  ])('puts an event with time %s in dt=%s', (time, day) => {
    expect(dtOf(JSON.stringify({ id: 'e', time }), Date.UTC(2030, 0, 1))).toBe(day);
  });

  it('reads a time without offset as UTC whatever the machine time zone (local pipeline = Lambda)', () => {
    const zone = process.env.TZ;
    try {
      for (const tz of ['Asia/Tokyo', 'America/Los_Angeles', 'UTC']) {
        process.env.TZ = tz;
        expect(dtOf('{"time":"2026-11-27T23:30:00"}'), tz).toBe('2026-11-27');
        expect(dtOf('{"time":"2026-11-27T00:30:00"}'), tz).toBe('2026-11-27');
      }
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  const failureOf = (record: string, arrival = ARRIVAL) => {
    const base64 = bytesOf(record).toString('base64');
    return { result: transformRecord('r', base64, arrival).result, reason: processingFailureReason(base64, arrival) };
  };

  const INVALID_TIMES: ReadonlyArray<readonly [string, string]> = [
    ['missing', '{"id":"e"}'],
    ['null', '{"time":null}'],
    ['a number (epoch millis)', '{"time":1795822200000}'],
    ['an object', '{"time":{"iso":"2026-11-27T09:14:03Z"}}'],
    ['empty', '{"time":""}'],
    ['not a date', '{"time":"yesterday"}'],
    ['a day that does not exist', '{"time":"2026-02-30T10:00:00Z"}'],
    ['an hour that does not exist', '{"time":"2026-11-27T24:00:00Z"}'],
    ['a minute that does not exist', '{"time":"2026-11-27T10:60:00Z"}'],
    ['a second that does not exist', '{"time":"2026-11-27T10:00:61Z"}'],
    ['a month that does not exist', '{"time":"2026-13-01T10:00:00+01:00"}'],
    ['an offset that does not exist', '{"time":"2026-11-27T10:00:00+24:00"}'],
    ['a US-style date', '{"time":"11/27/2026"}'],
    ['a bare number in a string', '{"time":"1"}'],
    ['padded with spaces', '{"time":" 2026-11-27T09:14:03Z "}'],
    ['in a nested object only', '{"detail":{"time":"2026-11-27T09:14:03Z"}}'],
    ['a year with more than 4 digits', '{"time":"+012026-11-27T09:14:03Z"}'],
    ['before year 0 once the offset applies', '{"time":"0000-01-01T00:30:00+01:00"}'],
  ];
  const withTicketUpdatedAt = (record: string, updatedAt: unknown): string =>
    JSON.stringify({ ...(JSON.parse(record) as object), detail: { ticket: { id: 4711, updated_at: updatedAt } } });

  it.each(INVALID_TIMES)('puts an event whose time is %s in the day of its ticket updated_at, never the arrival day', (_, record) => {
    // Re-ingesting a file on another day must give the same day: the arrival day would not.
    const withTicket = withTicketUpdatedAt(record, '2026-11-20T17:45:00Z');
    expect(dtOf(withTicket)).toBe('2026-11-20');
    expect(dtOf(withTicket, ARRIVAL + 5 * 86_400_000)).toBe('2026-11-20');
  });

  it.each(INVALID_TIMES)('rejects an event whose time is %s and that has no ticket updated_at, with the reason', (_, record) => {
    for (const candidate of [record, withTicketUpdatedAt(record, null), withTicketUpdatedAt(record, 'soon'), withTicketUpdatedAt(record, 1795822200000)]) {
      expect(failureOf(candidate), candidate).toEqual({ result: 'ProcessingFailed', reason: expect.stringMatching(/no usable time/) });
    }
  });

  it.each([
    ['year 0000', '0000-06-01T00:00:00Z'],
    ['the day before the projection start', '2009-12-31T23:59:59Z'],
  ])("rejects an event dated %s: Athena's partition projection would never show it", (_, time) => {
    expect(DEFAULT_PROJECTION_START_DAY).toBe('2010-01-01');
    expect(failureOf(JSON.stringify({ id: 'e', time }))).toEqual({
      result: 'ProcessingFailed',
      reason: expect.stringMatching(/before 2010-01-01, the first day of the table's partition projection/),
    });
  });

  it.each([
    ['year 9999', '9999-12-31T23:59:59Z'],
    ['the day after its arrival', '2026-12-01T00:00:00Z'],
    ['next year', '2027-11-30T08:00:00Z'],
  ])('rejects an event dated %s: the partition projection ends at the current day', (_, time) => {
    expect(failureOf(JSON.stringify({ id: 'e', time }))).toEqual({ result: 'ProcessingFailed', reason: expect.stringMatching(/after the day it arrived \(2026-11-30\)/) });
  });

  it('accepts old tickets from the first projection day on and events of the arrival day (API snapshots carry updated_at as time)', () => {
    expect(dtOf(JSON.stringify({ id: 'snapshot-1-2010-01-01T00:00:00Z', time: '2010-01-01T00:00:00Z' }))).toBe('2010-01-01');
    expect(dtOf(JSON.stringify({ id: 'e', time: '2026-11-30T23:59:59Z' }))).toBe('2026-11-30');
    expect(processingFailureReason(bytesOf('{"id":"e","time":"2026-11-30T23:59:59Z"}').toString('base64'), ARRIVAL)).toBeUndefined();
  });

  it('applies the same bounds to the ticket updated_at fallback', () => {
    expect(failureOf(withTicketUpdatedAt('{"id":"e"}', '2009-06-01T00:00:00Z')).reason).toMatch(/before 2010-01-01/);
    expect(failureOf(withTicketUpdatedAt('{"id":"e"}', '2030-06-01T00:00:00Z')).reason).toMatch(/after the day it arrived/);
  });

  it('explains a record that is not a JSON object', () => {
    expect(processingFailureReason(bytesOf('not json').toString('base64'), ARRIVAL)).toBe('not a JSON object');
  });

  it('takes the last top-level time when the key repeats, as JSON.parse does', () => {
    expect(dtOf('{"time":"2026-11-01T00:00:00Z","time":"2026-11-27T09:14:03Z"}')).toBe('2026-11-27');
    expect(failureOf('{"time":"2026-11-01T00:00:00Z","time":null}').result).toBe('ProcessingFailed');
  });

  it('judges "after the day it arrived" by the clock when the arrival time is one no Date can hold', () => {
    const today = new Date().toISOString().slice(0, 10);
    const record = JSON.stringify({ id: 'e', time: `${today}T00:00:00Z` });
    for (const arrival of [Number.NaN, Number.POSITIVE_INFINITY, 9e15, -9e15, Date.UTC(12026, 0, 1), undefined]) {
      const out = transformRecord('r', bytesOf(record).toString('base64'), arrival);
      expect(out.metadata?.partitionKeys?.dt, String(arrival)).toBe(today);
    }
  });

  it('takes the first projection day from FRESHLAKE_PROJECTION_START_DAY, as the stack sets it on the Lambda', async () => {
    vi.resetModules();
    vi.stubEnv('FRESHLAKE_PROJECTION_START_DAY', '2024-01-01');
    try {
      const reloaded = await import('../lambda/transform');
      const record = (time: string) => bytesOf(JSON.stringify({ id: 'e', time })).toString('base64');
      expect(reloaded.transformRecord('r', record('2023-12-31T23:00:00Z'), ARRIVAL).result).toBe('ProcessingFailed');
      expect(reloaded.processingFailureReason(record('2023-12-31T23:00:00Z'), ARRIVAL)).toMatch(/before 2024-01-01/);
      expect(reloaded.transformRecord('r', record('2024-01-01T00:00:00Z'), ARRIVAL).result).toBe('Ok');
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });

  it('refuses a FRESHLAKE_PROJECTION_START_DAY that is not a day, rather than guess', async () => {
    vi.resetModules();
    vi.stubEnv('FRESHLAKE_PROJECTION_START_DAY', '2024-13-01');
    try {
      await expect(import('../lambda/transform')).rejects.toThrow(/FRESHLAKE_PROJECTION_START_DAY/);
    } finally {
      vi.unstubAllEnvs();
      vi.resetModules();
    }
  });
});

describe('transform handler: events without an id', () => {
  const sha256Id = (bytes: Buffer): string => `sha256-${createHash('sha256').update(bytes).digest('hex')}`;
  const transformed = (record: Buffer) => {
    const out = transformRecord('r', record.toString('base64'), ARRIVAL);
    return { out, bytes: Buffer.from(out.data ?? '', 'base64') };
  };
  const event = (members: Record<string, unknown>) => bytesOf(JSON.stringify({ time: '2026-11-27T09:14:03Z', ...members, detail: { ticket: { id: 42 } } }));

  it('gives an event without an id the id sha256-<hex of its bytes>, inserted first, every other byte kept', () => {
    const record = event({});
    const { out, bytes } = transformed(record);
    expect(out.result).toBe('Ok');
    const id = sha256Id(record);
    expect(bytes.toString('utf8')).toBe(`{"id":"${id}",${record.toString('utf8').slice(1)}\n`);
    expect(out.metadata?.partitionKeys).toEqual({ dt: '2026-11-27' });
  });

  it('gives different id-less events different ids, so dedupe by (dt, id) never merges them', () => {
    const ids = Array.from({ length: 10 }, (_, n) => (JSON.parse(transformed(event({ n })).bytes.toString('utf8')) as { id: string }).id);
    expect(new Set(ids).size).toBe(10);
  });

  it('gives the same bytes the same id on every run, so re-ingesting them is deduped', () => {
    const record = event({ subject: 'caf\u00e9' });
    expect(transformed(record).bytes.equals(transformed(Buffer.from(record)).bytes)).toBe(true);
  });

  it('derives the id from the object alone: surrounding whitespace and a final newline do not change it', () => {
    const record = event({});
    const idOf = (bytes: Buffer) => (JSON.parse(transformed(bytes).bytes.toString('utf8')) as { id: string }).id;
    expect(idOf(Buffer.concat([bytesOf(' \t'), record, bytesOf('\r\n')]))).toBe(idOf(record));
    expect(idOf(Buffer.concat([record, bytesOf('\n')]))).toBe(sha256Id(record));
  });

  it.each([
    ['null', null],
    ['an empty string', ''],
    ['true', true],
    ['an object', { a: 1 }],
    ['an array', []],
  ])('replaces an id that is %s (which would merge with others like it) by the derived id', (_, id) => {
    const record = event({ id });
    const { out, bytes } = transformed(record);
    expect(out.result).toBe('Ok');
    expect(JSON.parse(bytes.toString('utf8'))).toEqual({ ...(JSON.parse(record.toString('utf8')) as object), id: sha256Id(record) });
    // The value is replaced in place: no second top-level "id" (Athena's SerDe fails on duplicate keys).
    expect(bytes.toString('utf8')).toBe(`${record.toString('utf8').replace(`"id":${JSON.stringify(id)}`, `"id":"${sha256Id(record)}"`)}\n`);
  });

  it.each([
    ['a string', '6a7e8feb-b491-4cf7-a9f1-bf3703467718'],
    ['a number', 4711],
  ])('keeps an id that is %s byte for byte', (_, id) => {
    const record = event({ id });
    expect(transformed(record).bytes.equals(Buffer.concat([record, bytesOf('\n')]))).toBe(true);
  });

  it('recognizes an escaped "id" member name, as JSON.parse does', () => {
    const record = bytesOf('{"\\u0069d":"kept","time":"2026-11-27T09:14:03Z"}');
    expect(transformed(record).bytes.equals(Buffer.concat([record, bytesOf('\n')]))).toBe(true);
  });

  it('looks only at the top-level id, not at detail.ticket.id', () => {
    const record = bytesOf('{"time":"2026-11-27T09:14:03Z","detail":{"id":"nested"}}');
    expect((JSON.parse(transformed(record).bytes.toString('utf8')) as { id: string }).id).toBe(sha256Id(record));
  });
});

describe('transform handler: logging', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  /** Loads the handler fresh: it reads AWS_LAMBDA_FUNCTION_NAME when the module loads, as in Lambda. */
  async function handlerLoadedWith(functionName: string | undefined): Promise<typeof handler> {
    vi.resetModules();
    vi.stubEnv('AWS_LAMBDA_FUNCTION_NAME', functionName);
    return (await import('../lambda/transform')).handler;
  }

  function spyOnConsole(): string[] {
    const lines: string[] = [];
    for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        lines.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
      });
    }
    return lines;
  }

  it('logs counts in Lambda, and no record content (tickets hold personal data)', async () => {
    const lambdaHandler = await handlerLoadedWith('freshlake-transform');
    const lines = spyOnConsole();
    const failing = bytesOf('{"subject":"Ana Lima, +55 11 98765-4321" broken');
    const event = firehoseEvent([...compactSamples, failing]);
    await lambdaHandler(event);

    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({ message: 'transformed', records: 4, ok: 3, processingFailed: 1, reasons: { notJsonObject: 1 } });
    const contents = [
      ...event.records.flatMap((r) => [r.recordId, r.data]),
      'Ana Lima',
      'ana.lima@example.com',
      'João Souza',
      'Refund for duplicate charge',
      '98765-4321',
    ];
    for (const content of contents) expect(lines.join('\n')).not.toContain(content);
  });

  it('counts the reasons of ProcessingFailed records in its log line (Firehose error records carry none)', async () => {
    const lambdaHandler = await handlerLoadedWith('freshlake-transform');
    const lines = spyOnConsole();
    const dated = (time: string) => bytesOf(JSON.stringify({ id: 'e', time }));
    await lambdaHandler(firehoseEvent([compactSamples[0], bytesOf('not json'), bytesOf('{"id":"e"}'), dated('2001-01-01T00:00:00Z'), dated('2099-01-01T00:00:00Z'), dated('2098-01-01T00:00:00Z')]));
    expect(JSON.parse(lines[0])).toEqual({
      message: 'transformed',
      records: 6,
      ok: 1,
      processingFailed: 5,
      reasons: { notJsonObject: 1, noUsableTime: 1, beforeProjectionStart: 1, afterArrivalDay: 2 },
    });
  });

  it('logs nothing outside Lambda (local pipeline, tests)', async () => {
    const localHandler = await handlerLoadedWith(undefined);
    const lines = spyOnConsole();
    await localHandler(firehoseEvent([...compactSamples, bytesOf('not json')]));
    expect(lines).toEqual([]);
  });
});
