/**
 * `ingest` into a local lake: the inputs it accepts, where every record ends up, and how rejected
 * records are reported (by input and line, never by content).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { handler } from '../lambda/transform';
import { ingestToLake } from '../lib/local/ingest';
import { writeFileAtomically } from '../lib/local/lake-writer';
import { runCliInProcess } from './cli-harness';
import ticketCreate from './fixtures/samples/ticket-create.json';
import ticketUpdate from './fixtures/samples/ticket-update.json';
import ticketUpdateVariant from './fixtures/samples/ticket-update-variant.json';

let dir: string;
let lake: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'freshlake-ingest-'));
  lake = join(dir, 'lake');
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Every object under a lake prefix: key -> lines. */
function readObjects(prefix: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (path: string) => {
    let entries;
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.gz')) out.set(relative(lake, full), gunzipSync(readFileSync(full)).toString('utf8').split('\n').filter((l) => l !== ''));
    }
  };
  walk(join(lake, prefix));
  return out;
}

function linesUnder(prefix: string): string[] {
  return [...readObjects(prefix).values()].flat();
}

const create = JSON.stringify(ticketCreate);
const update = JSON.stringify(ticketUpdate);
const variant = JSON.stringify(ticketUpdateVariant);
const contactEvent = JSON.stringify({ ...ticketCreate, id: 'c0ffee00-0000-4000-8000-000000000001', 'detail-type': 'onContactCreate' });

describe('ingest into the local lake', () => {
  it('writes each matched event byte for byte plus a newline, under the day of its time', async () => {
    writeFileSync(join(dir, 'events.jsonl'), [create, update, variant].join('\n') + '\n');
    const summary = await ingestToLake({ inputs: [join(dir, 'events.jsonl')], lakeDir: lake });
    expect(summary).toMatchObject({ eventsRead: 3, matched: 3, written: 3, notMatched: 0, days: ['2026-11-27'], interrupted: false });
    expect(summary.rejected.total).toBe(0);
    const objects = readObjects('events');
    expect([...objects.keys()].every((key) => /^events\/dt=2026-11-27\/freshlake-local-1-[\d-]+-[0-9a-f-]{36}\.gz$/.test(key))).toBe(true);
    expect(linesUnder('events').sort()).toEqual([create, update, variant].sort());
  });

  it('reports malformed lines by line number, sends them to errors/malformed-input, and ingests the rest', async () => {
    const lines = [create, 'this is not json', update, '', '{"truncated": ', '42', '  ', variant];
    writeFileSync(join(dir, 'mixed.jsonl'), lines.join('\r\n'));
    const summary = await ingestToLake({ inputs: [join(dir, 'mixed.jsonl')], lakeDir: lake, now: () => Date.parse('2026-11-28T10:00:00Z') });
    expect(summary.written).toBe(3);
    expect(summary.rejected.malformedInput).toBe(3);
    expect(summary.rejected.records).toEqual([
      { input: join(dir, 'mixed.jsonl'), line: 2, reason: 'not valid JSON' },
      { input: join(dir, 'mixed.jsonl'), line: 5, reason: 'not valid JSON' },
      { input: join(dir, 'mixed.jsonl'), line: 6, reason: 'not a JSON object' },
    ]);
    expect(summary.rejected.locations).toEqual(['errors/malformed-input/2026-11-28/']);
    const errors = linesUnder('errors/malformed-input/2026-11-28').map((l) => JSON.parse(l));
    expect(errors.map((e) => [e.lineNumber, Buffer.from(e.rawData, 'base64').toString('utf8'), e.errorCode])).toEqual([
      [2, 'this is not json', 'MalformedInput'],
      [5, '{"truncated": ', 'MalformedInput'],
      [6, '42', 'MalformedInput'],
    ]);
    expect(linesUnder('events').sort()).toEqual([create, update, variant].sort());
  });

  it('counts events the rule does not match and writes none of them', async () => {
    writeFileSync(join(dir, 'events.jsonl'), [create, contactEvent, JSON.stringify({ hello: 'world' })].join('\n'));
    const summary = await ingestToLake({ inputs: [join(dir, 'events.jsonl')], lakeDir: lake });
    expect(summary).toMatchObject({ eventsRead: 3, matched: 1, notMatched: 2, written: 1 });
    expect(linesUnder('events')).toEqual([create]);
  });

  it('applies the account condition of the deployed rule when an account is given', async () => {
    const otherAccount = JSON.stringify({ ...ticketUpdate, account: '999999999999' });
    writeFileSync(join(dir, 'events.jsonl'), [create, otherAccount].join('\n'));
    const summary = await ingestToLake({ inputs: [join(dir, 'events.jsonl')], lakeDir: lake, account: '111122223333' });
    expect(summary).toMatchObject({ matched: 1, notMatched: 1 });
  });

  it('reads a JSON array of events, pretty-printed, and reports a bad element by the line it starts on', async () => {
    const text = `[\n${JSON.stringify(ticketCreate, null, 2)},\n  {"subject": "a ] and a } in a string \\" quoted", "bad": },\n${JSON.stringify(ticketUpdate, null, 2)}\n]\n`;
    writeFileSync(join(dir, 'events.json'), text);
    const summary = await ingestToLake({ inputs: [join(dir, 'events.json')], lakeDir: lake });
    expect(summary.inputs).toEqual([{ name: join(dir, 'events.json'), format: 'json-array' }]);
    expect(summary).toMatchObject({ eventsRead: 3, matched: 2, written: 2 });
    const badLine = text.split('\n').findIndex((l) => l.includes('"bad"')) + 1;
    expect(summary.rejected.records).toEqual([{ input: join(dir, 'events.json'), line: badLine, reason: 'not valid JSON' }]);
    // One event per line in the lake, compact as EventBridge delivers it.
    expect(linesUnder('events').sort()).toEqual([create, update].sort());
  });

  it('reads gzip\'d objects as Firehose wrote them, and a directory of them (a day copied from S3)', async () => {
    const day = join(dir, 'day', 'dt=2026-11-27');
    mkdirSync(day, { recursive: true });
    writeFileSync(join(day, 'stream-1-2026-11-27-09-00-00-a.gz'), gzipSync(`${create}\n${update}\n`));
    writeFileSync(join(day, 'stream-1-2026-11-27-10-00-00-b.gz'), gzipSync(`${variant}\n`));
    writeFileSync(join(day, '.tmp-123-partial'), 'ignored: hidden');
    const summary = await ingestToLake({ inputs: [join(dir, 'day')], lakeDir: lake });
    expect(summary.inputs.map((i) => i.format)).toEqual(['jsonl.gz', 'jsonl.gz']);
    expect(summary).toMatchObject({ eventsRead: 3, matched: 3, written: 3 });
    expect(linesUnder('events').sort()).toEqual([create, update, variant].sort());
  });

  it('detects gzip by its magic bytes, not the file name', async () => {
    writeFileSync(join(dir, 'events.data'), gzipSync(`[${create},${update}]`));
    const summary = await ingestToLake({ inputs: [join(dir, 'events.data')], lakeDir: lake });
    expect(summary.inputs[0].format).toBe('json-array.gz');
    expect(summary.written).toBe(2);
  });

  it('reports a damaged gzip file, keeping what it read before the damage', async () => {
    const whole = gzipSync(`${create}\n`.repeat(2000));
    writeFileSync(join(dir, 'cut.gz'), whole.subarray(0, Math.floor(whole.length / 2)));
    const summary = await ingestToLake({ inputs: [join(dir, 'cut.gz')], lakeDir: lake });
    expect(summary.damaged).toEqual([expect.objectContaining({ input: join(dir, 'cut.gz'), reason: expect.stringMatching(/not a complete gzip file/) })]);
    expect(summary.written).toBeGreaterThan(0);
    expect(linesUnder('events')).toHaveLength(summary.written);
  });

  it('sends records the transform marks ProcessingFailed to errors/processing-failed, shaped like Firehose error records', async () => {
    writeFileSync(join(dir, 'events.jsonl'), [create, update, variant].join('\n'));
    // The real handler, except that it fails the second record, as a changed transform might.
    const failing = async (event: FirehoseTransformationEvent) => {
      const result = await handler(event);
      return { records: result.records.map((r, i) => (i === 1 ? { recordId: r.recordId, result: 'ProcessingFailed' as const, data: event.records[i].data } : r)) };
    };
    const summary = await ingestToLake({ inputs: [join(dir, 'events.jsonl')], lakeDir: lake, transform: failing, now: () => Date.parse('2026-11-28T10:00:00Z') });
    expect(summary.written).toBe(2);
    expect(summary.rejected).toMatchObject({ processingFailed: 1, locations: ['errors/processing-failed/2026-11-28/'] });
    expect(summary.rejected.records).toEqual([{ input: join(dir, 'events.jsonl'), line: 2, reason: 'processing failed' }]);
    const [failed] = linesUnder('errors/processing-failed').map((l) => JSON.parse(l));
    expect(failed).toMatchObject({ attemptsMade: 1, errorCode: 'Lambda.ProcessingFailed', lineNumber: 2 });
    expect(Buffer.from(failed.rawData, 'base64').toString('utf8')).toBe(update);
  });

  it('delivers a partition as several objects when it passes the buffer size hint', async () => {
    writeFileSync(join(dir, 'events.jsonl'), Array.from({ length: 200 }, () => create).join('\n'));
    const summary = await ingestToLake({ inputs: [join(dir, 'events.jsonl')], lakeDir: lake, bufferSizeBytes: 64 * 1024 });
    expect(summary.objectsWritten).toBeGreaterThan(3);
    expect(linesUnder('events').length).toBe(200);
  });
});

describe('freshlake ingest (command line)', () => {
  it('prints the summary as JSON and exits 0 when malformed lines were set aside', async () => {
    writeFileSync(join(dir, 'events.jsonl'), [create, 'garbage', update].join('\n'));
    const run = await runCliInProcess(['ingest', 'events.jsonl', '--lake', 'lake', '--format', 'json'], { cwd: dir });
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ destination: 'lake', eventsRead: 3, matched: 2, written: 2, rejected: { malformedInput: 1, records: [{ input: 'events.jsonl', line: 2 }] } });
    expect(run.stdout).not.toContain('garbage');
  });

  it('prints a text summary naming the error location and the rejected line', async () => {
    writeFileSync(join(dir, 'events.jsonl'), [create, 'garbage', update].join('\n'));
    const run = await runCliInProcess(['ingest', 'events.jsonl', '--lake', 'lake'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/written +2 to lake\/events\//);
    expect(run.stdout).toMatch(/rejected +1 .*lake\/errors\/malformed-input\//);
    expect(run.stdout).toContain('events.jsonl line 2: not valid JSON');
    expect(run.stdout + run.stderr).not.toContain('garbage');
  });

  it('refuses to ingest the lake into itself', async () => {
    await ingestToLake({ inputs: [], lakeDir: lake });
    mkdirSync(join(lake, 'events'), { recursive: true });
    const run = await runCliInProcess(['ingest', 'lake/events', '--lake', 'lake'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/inside the lake/);
  });

  it('says which file is missing, with exit code 2', async () => {
    const run = await runCliInProcess(['ingest', 'nope.jsonl', '--lake', 'lake'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/No such file or directory: nope\.jsonl/);
  });

  it('rejects Firehose options without --to firehose', async () => {
    writeFileSync(join(dir, 'events.jsonl'), create);
    const run = await runCliInProcess(['ingest', 'events.jsonl', '--stream', 's'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--stream applies only with --to firehose/);
  });

  it('stops reading on Ctrl-C, keeps what it read, and exits 130', async () => {
    writeFileSync(join(dir, 'events.jsonl'), Array.from({ length: 20_000 }, () => create).join('\n'));
    const run = await runCliInProcess(['ingest', 'events.jsonl', '--lake', 'lake', '--format', 'json'], {
      cwd: dir,
      onInterruptHandler: (pressCtrlC) => pressCtrlC(),
    });
    expect(run.code).toBe(130);
    const summary = JSON.parse(run.stdout);
    expect(summary.interrupted).toBe(true);
    expect(summary.written).toBe(linesUnder('events').length);
    expect(summary.written).toBeLessThan(20_000);
  });
});

/** Rows of one SQL query on the local engine over the lake (no event cache: each test's lake is fresh). */
async function queryLake(sql: string): Promise<unknown[][]> {
  const { LocalEngine } = await import('../lib/engines/local-engine');
  const engine = await LocalEngine.open({ lakeDir: lake, cache: false });
  try {
    const result = await engine.execute(sql, []);
    const rows: unknown[][] = [];
    for await (const page of result.pages) rows.push(...page);
    return rows;
  } finally {
    await engine.close();
  }
}

/** An update of ticket `ticketId` as a producer without ids or times might write it. */
function eventWithout(keys: readonly ('id' | 'time')[], ticketId: number, updatedAt: string | undefined, subject = `Ticket ${ticketId}`): string {
  const event: Record<string, unknown> = { ...ticketUpdate, detail: { ...ticketUpdate.detail, ticket: { ...ticketUpdate.detail.ticket, id: ticketId, subject, updated_at: updatedAt } } };
  for (const key of keys) delete event[key];
  return JSON.stringify(event);
}

const DAY_1 = () => Date.parse('2026-11-28T10:00:00Z');
const DAY_2 = () => Date.parse('2026-11-29T10:00:00Z');

describe('ingest: events without an id or a usable time', () => {
  it('keeps 10 id-less events of 9 tickets as 10 rows of ticket_history, and ingesting them again adds none', async () => {
    const lines = Array.from({ length: 10 }, (_, n) => eventWithout(['id'], 500 + Math.min(n, 8), `2026-11-27T0${n}:00:00Z`));
    writeFileSync(join(dir, 'no-ids.jsonl'), `${lines.join('\n')}\n`);
    await ingestToLake({ inputs: [join(dir, 'no-ids.jsonl')], lakeDir: lake, now: DAY_1 });
    expect(await queryLake('SELECT count(*), count(DISTINCT ticket_id) FROM ticket_history')).toEqual([[10, 9]]);
    await ingestToLake({ inputs: [join(dir, 'no-ids.jsonl')], lakeDir: lake, now: DAY_2 });
    expect(await queryLake('SELECT count(*), count(DISTINCT event_id) FROM ticket_history')).toEqual([[10, 10]]);
    expect(linesUnder('events')).toHaveLength(20);
  });

  it('puts an event without a usable time in the day of its ticket updated_at, so ingesting the file on another day changes no answer', async () => {
    const lines = [eventWithout(['time'], 601, '2026-11-20T17:45:00Z'), eventWithout([], 602, '2026-11-21T08:00:00Z').replace(/"time":"[^"]*"/, '"time":"yesterday"')];
    writeFileSync(join(dir, 'no-times.jsonl'), lines.join('\n'));
    const first = await ingestToLake({ inputs: [join(dir, 'no-times.jsonl')], lakeDir: lake, now: DAY_1 });
    const second = await ingestToLake({ inputs: [join(dir, 'no-times.jsonl')], lakeDir: lake, now: DAY_2 });
    expect(first.days).toEqual(['2026-11-20', '2026-11-21']);
    expect(second.days).toEqual(first.days);
    expect(await queryLake('SELECT ticket_id, count(*) FROM ticket_history GROUP BY 1 ORDER BY 1')).toEqual([
      [601, 1],
      [602, 1],
    ]);
  });

  it('sends an event with neither a time nor a ticket updated_at to errors/processing-failed, with the reason', async () => {
    writeFileSync(join(dir, 'undatable.jsonl'), [create, eventWithout(['time'], 603, undefined)].join('\n'));
    const summary = await ingestToLake({ inputs: [join(dir, 'undatable.jsonl')], lakeDir: lake, now: DAY_1 });
    expect(summary).toMatchObject({ written: 1, rejected: { processingFailed: 1, records: [{ line: 2, reason: 'processing failed' }] } });
    const [failed] = linesUnder('errors/processing-failed').map((l) => JSON.parse(l));
    expect(failed.errorMessage).toMatch(/no usable time/);
    expect(Buffer.from(failed.rawData, 'base64').toString('utf8')).toBe(eventWithout(['time'], 603, undefined));
  });

  it.each([
    ['year 0000', '0000-03-01T00:00:00Z', /before 2010-01-01/],
    ['before the projection start', '2009-12-31T23:00:00Z', /before 2010-01-01/],
    ['year 9999', '9999-12-31T00:00:00Z', /after the day it arrived/],
  ])('rejects an event dated %s to errors/ (Athena would never show it), so both engines see the same events', async (_, time, reason) => {
    writeFileSync(join(dir, 'dated.jsonl'), JSON.stringify({ ...ticketUpdate, time }));
    const summary = await ingestToLake({ inputs: [join(dir, 'dated.jsonl')], lakeDir: lake, now: DAY_1 });
    expect(summary).toMatchObject({ written: 0, rejected: { processingFailed: 1 } });
    expect(linesUnder('errors/processing-failed').map((l) => JSON.parse(l).errorMessage)).toEqual([expect.stringMatching(reason)]);
  });

  it('accepts a ticket snapshot last updated in 2010 (Freshdesk exists since then)', async () => {
    writeFileSync(join(dir, 'old.jsonl'), JSON.stringify({ ...ticketUpdate, id: 'snapshot-4711-2010-03-01T00:00:00Z', time: '2010-03-01T00:00:00Z' }));
    const summary = await ingestToLake({ inputs: [join(dir, 'old.jsonl')], lakeDir: lake, now: DAY_1 });
    expect(summary).toMatchObject({ written: 1, days: ['2010-03-01'] });
  });
});

describe('ingest: line numbers', () => {
  it('counts the lines of a blank start longer than a read chunk, so a rejected line is reported where it is', async () => {
    const blank = '\n'.repeat(1.5 * 1024 * 1024);
    writeFileSync(join(dir, 'blank-start.jsonl'), `${blank}garbage\n${create}\n`);
    const summary = await ingestToLake({ inputs: [join(dir, 'blank-start.jsonl')], lakeDir: lake });
    expect(summary.rejected.records).toEqual([{ input: join(dir, 'blank-start.jsonl'), line: blank.length + 1, reason: 'not valid JSON' }]);
    expect(summary.written).toBe(1);
  });
});

describe('ingest: byte order marks', () => {
  const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

  it.each([
    ['a JSON Lines file', (text: string) => Buffer.concat([BOM, Buffer.from(text)])],
    ['a gzip\'d JSON Lines file', (text: string) => gzipSync(Buffer.concat([BOM, Buffer.from(text)]))],
  ])('keeps the first event of %s that starts with a UTF-8 BOM', async (_, encode) => {
    writeFileSync(join(dir, 'bom.jsonl'), encode(`${create}\r\n${update}\r\n`));
    const summary = await ingestToLake({ inputs: [join(dir, 'bom.jsonl')], lakeDir: lake });
    expect(summary).toMatchObject({ eventsRead: 2, written: 2, rejected: { total: 0 } });
    expect(linesUnder('events').sort()).toEqual([create, update].sort());
  });

  it('keeps the first event when the BOM arrives split over several chunks (stdin)', async () => {
    const { Readable } = await import('node:stream');
    const bytes = Buffer.concat([BOM, Buffer.from(`${create}\n`)]);
    const stdin = () => Readable.from([bytes.subarray(0, 1), bytes.subarray(1, 2), bytes.subarray(2, 5), bytes.subarray(5)]);
    const summary = await ingestToLake({ inputs: ['-'], lakeDir: lake, stdin });
    expect(summary).toMatchObject({ written: 1, rejected: { total: 0 } });
  });
});

describe('ingest: a damaged file in a directory', () => {
  function dayWithDamagedMiddleFile(): { cutAt: number } {
    const day = join(dir, 'day');
    mkdirSync(day);
    writeFileSync(join(day, 'a.gz'), gzipSync(`${create}\n`));
    const whole = gzipSync(Array.from({ length: 3000 }, (_, n) => JSON.stringify({ ...ticketUpdate, id: `b-${n}` })).join('\n'));
    const cutAt = Math.floor(whole.length / 2);
    writeFileSync(join(day, 'b.gz'), whole.subarray(0, cutAt));
    writeFileSync(join(day, 'c.gz'), gzipSync(`${variant}\n`));
    return { cutAt };
  }

  it('reads every file, keeps what the damaged one held up to the damage, and names it with how far it was read', async () => {
    const { cutAt } = dayWithDamagedMiddleFile();
    const summary = await ingestToLake({ inputs: [join(dir, 'day')], lakeDir: lake });
    const ids = linesUnder('events').map((l) => JSON.parse(l).id as string);
    expect(ids).toContain(ticketCreate.id);
    expect(ids).toContain(ticketUpdateVariant.id);
    const fromB = ids.filter((id) => id.startsWith('b-'));
    expect(fromB.length).toBeGreaterThan(100);
    expect(fromB.length).toBeLessThan(3000);
    expect(summary.damaged).toEqual([
      {
        input: join(dir, 'day', 'b.gz'),
        reason: expect.stringMatching(/not a complete gzip file/),
        recordsRead: expect.any(Number),
        lastLine: expect.any(Number),
        rawBytesRead: cutAt,
        bytesRead: expect.any(Number),
      },
    ]);
    // The line the damage cut in two is kept under errors/, not dropped.
    expect(summary.damaged[0].recordsRead).toBe(fromB.length + summary.rejected.malformedInput);
    expect(summary.written).toBe(ids.length);
  });

  it('prints the summary naming the damaged file and exits 3 (partly ingested), in text and in JSON', async () => {
    dayWithDamagedMiddleFile();
    const text = await runCliInProcess(['ingest', 'day', '--lake', 'lake'], { cwd: dir });
    expect(text.code).toBe(3);
    expect(text.stdout).toMatch(/damaged +1/);
    expect(text.stdout).toMatch(/day\/b\.gz: not a complete gzip file .*read up to line \d+/);
    expect(text.stderr).toMatch(/^freshlake: Partly ingested: 1 damaged input \(day\/b\.gz\)/);
    rmSync(lake, { recursive: true, force: true });
    const json = await runCliInProcess(['ingest', 'day', '--lake', 'lake', '--format', 'json'], { cwd: dir });
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ damaged: [{ input: 'day/b.gz' }], inputs: [{ name: 'day/a.gz' }, { name: 'day/b.gz' }, { name: 'day/c.gz' }] });
  });
});

describe('ingest: the lake cannot be written', () => {
  const failingWrites = (code: string, okObjects: number) => {
    let calls = 0;
    return async (dir: string, name: string, data: readonly Buffer[]) => {
      if (calls++ >= okObjects) throw Object.assign(new Error(`${code}: simulated, write '${join(dir, name)}'`), { code });
      return writeFileAtomically(dir, name, data);
    };
  };

  it.each(['ENOSPC', 'EACCES', 'EROFS', 'EDQUOT'])('stops on %s and returns what was written and what was not', async (code) => {
    const days = Array.from({ length: 6 }, (_, n) => JSON.stringify({ ...ticketUpdate, id: `w-${n}`, time: `2026-11-2${n}T10:00:00Z` }));
    writeFileSync(join(dir, 'events.jsonl'), days.join('\n'));
    const summary = await ingestToLake({ inputs: [join(dir, 'events.jsonl')], lakeDir: lake, writeObjectFile: failingWrites(code, 2) });
    expect(summary.writeFailure).toMatchObject({ code, message: expect.stringContaining(code) });
    expect(summary.written).toBe(linesUnder('events').length);
    expect(summary.written).toBe(2);
    expect(summary.notWritten).toBe(4);
  });

  it('prints the summary, says what was not written and the command that finishes the job, and exits 1', async () => {
    writeFileSync(join(dir, 'events.jsonl'), [create, update].join('\n'));
    writeFileSync(join(dir, 'lake'), 'a file where the lake directory should be');
    for (const format of ['text', 'json']) {
      const run = await runCliInProcess(['ingest', 'events.jsonl', '--lake', 'lake', '--format', format], { cwd: dir });
      expect(run.code).toBe(1);
      if (format === 'json') expect(JSON.parse(run.stdout)).toMatchObject({ written: 0, writeFailure: { code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) } });
      else expect(run.stdout).toMatch(/written +0/);
      // The lake is created before anything is read, so nothing was read either.
      expect(run.stderr).toMatch(/^freshlake: The lake could not be written \((ENOTDIR|EEXIST)[^)]*\): 0 events were written, nothing was read\./);
      expect(run.stderr).toContain('run "freshlake ingest events.jsonl --lake lake" again');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('says how many events were written and how many read were not when a day directory cannot be created mid-run', async () => {
    writeFileSync(join(dir, 'events.jsonl'), [create, JSON.stringify({ ...ticketUpdate, id: 'other-day', time: '2026-11-26T10:00:00Z' })].join('\n'));
    mkdirSync(join(lake, 'events'), { recursive: true });
    writeFileSync(join(lake, 'events', 'dt=2026-11-27'), 'a file where a day directory should be');
    const run = await runCliInProcess(['ingest', 'events.jsonl', '--lake', 'lake', '--format', 'json'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ written: 1, notWritten: 1, writeFailure: { inputLeft: false } });
    expect(run.stderr).toMatch(/: 1 event was written, 1 read was not\. A file stands where a lake directory should be/);
    expect(linesUnder('events').map((l) => JSON.parse(l).id)).toEqual(['other-day']);
  });

  it('reports a lake whose events/ is a file the same way', async () => {
    writeFileSync(join(dir, 'events.jsonl'), create);
    mkdirSync(lake);
    writeFileSync(join(lake, 'events'), 'not a directory');
    const run = await runCliInProcess(['ingest', 'events.jsonl', '--lake', 'lake'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/written +0/);
    expect(run.stderr).toMatch(/^freshlake: The lake could not be written \((ENOTDIR|EEXIST)/);
  });
});

describe('ingest: limits and edges', () => {
  const FIREHOSE_MAX = 1_000 * 1024;
  const eventOfSize = (size: number, id: string) => {
    const frame = JSON.stringify({ ...ticketUpdate, id, detail: { ...ticketUpdate.detail, ticket: { ...ticketUpdate.detail.ticket, description: '' } } });
    const event = JSON.stringify({ ...ticketUpdate, id, detail: { ...ticketUpdate.detail, ticket: { ...ticketUpdate.detail.ticket, description: 'x'.repeat(size - frame.length) } } });
    expect(Buffer.byteLength(event)).toBe(size);
    return event;
  };

  it('rejects an event over Firehose\'s 1,000 KiB record limit to errors/record-too-large, bytes kept, as Firehose would refuse it', async () => {
    const fits = eventOfSize(FIREHOSE_MAX, 'fits');
    const tooLarge = eventOfSize(FIREHOSE_MAX + 1, 'too-large');
    writeFileSync(join(dir, 'big.jsonl'), [fits, tooLarge].join('\n'));
    const summary = await ingestToLake({ inputs: [join(dir, 'big.jsonl')], lakeDir: lake, now: DAY_1 });
    expect(summary).toMatchObject({ matched: 2, written: 1, rejected: { total: 1, records: [{ line: 2, reason: 'too large' }] } });
    expect(summary.rejected.locations).toEqual(['errors/record-too-large/2026-11-28/']);
    const [error] = linesUnder('errors/record-too-large').map((l) => JSON.parse(l));
    expect(error).toMatchObject({ errorCode: 'RecordTooLarge', lineNumber: 2 });
    expect(Buffer.from(error.rawData, 'base64').toString('utf8')).toBe(tooLarge);
  });

  it('says where the bytes of a 20 MB line are (input, line, byte offset and length), since it does not hold them', async () => {
    const before = `${create}\n`;
    const huge = `{"description":"${'y'.repeat(20 * 1024 * 1024)}"}`;
    writeFileSync(join(dir, 'huge.jsonl'), `${before}${huge}\n${update}\n`);
    const summary = await ingestToLake({ inputs: [join(dir, 'huge.jsonl')], lakeDir: lake, now: DAY_1 });
    expect(summary).toMatchObject({ written: 2, rejected: { total: 1, records: [{ line: 2, reason: 'too large' }] } });
    const [error] = linesUnder('errors/record-too-large').map((l) => JSON.parse(l));
    expect(error).toMatchObject({ input: join(dir, 'huge.jsonl'), lineNumber: 2, inputByteOffset: Buffer.byteLength(before), inputByteLength: Buffer.byteLength(huge) });
    expect(error.errorMessage).toMatch(/bytes \d+ to \d+ of .*huge\.jsonl/);
    const onDisk = readFileSync(join(dir, 'huge.jsonl'));
    expect(onDisk.toString('utf8', error.inputByteOffset, error.inputByteOffset + error.inputByteLength)).toBe(huge);
  });

  it('refuses a symlink to the lake\'s own events/ as "inside the lake"', async () => {
    mkdirSync(join(lake, 'events', 'dt=2026-11-27'), { recursive: true });
    writeFileSync(join(lake, 'events', 'dt=2026-11-27', 'x.gz'), gzipSync(`${create}\n`));
    symlinkSync(join(lake, 'events'), join(dir, 'link'));
    mkdirSync(join(dir, 'holder'));
    symlinkSync(join(lake, 'events', 'dt=2026-11-27', 'x.gz'), join(dir, 'holder', 'x.gz'));
    for (const input of ['link', 'holder']) {
      const run = await runCliInProcess(['ingest', input, '--lake', 'lake'], { cwd: dir });
      expect(run.code, input).toBe(2);
      expect(run.stderr, input).toMatch(/is inside the lake/);
    }
  });

  it('follows a symlink to a file outside the lake inside an input directory, rather than skip it silently', async () => {
    writeFileSync(join(dir, 'real.jsonl'), create);
    mkdirSync(join(dir, 'holder'));
    symlinkSync(join(dir, 'real.jsonl'), join(dir, 'holder', 'linked.jsonl'));
    const summary = await ingestToLake({ inputs: [join(dir, 'holder')], lakeDir: lake });
    expect(summary.written).toBe(1);
  });

  it('creates the lake even when nothing matches, so the next command answers with zero rows instead of "no lake"', async () => {
    writeFileSync(join(dir, 'contacts.jsonl'), contactEvent);
    const ingest = await runCliInProcess(['ingest', 'contacts.jsonl', '--lake', 'lake'], { cwd: dir });
    expect(ingest.code).toBe(0);
    expect(ingest.stdout).toMatch(/written +0/);
    const next = await runCliInProcess(['sql', 'SELECT count(*) AS n FROM ticket_history', '--lake', 'lake', '--format', 'json', '--no-cache'], { cwd: dir });
    expect(next.stderr).toBe('');
    expect(next.code).toBe(0);
    expect(JSON.parse(next.stdout)).toEqual([{ n: 0 }]);
  });

  it('on Ctrl-C says that it stops the ingest (not "the query") and what happens to what was read', async () => {
    let stopping: string | undefined;
    writeFileSync(join(dir, 'events.jsonl'), Array.from({ length: 2000 }, () => create).join('\n'));
    await runCliInProcess(['ingest', 'events.jsonl', '--lake', 'lake'], {
      cwd: dir,
      onInterruptHandler: (pressCtrlC, what) => {
        stopping = what;
        pressCtrlC();
      },
    });
    expect(stopping).toMatch(/^the ingest/);
    expect(stopping).not.toMatch(/query/);
  });
});

describe('Ctrl-C in the real process', () => {
  it('names what it stops, as the command told it', async () => {
    const { processCliContext } = await import('../lib/cli/process-context');
    const context = processCliContext();
    const written: string[] = [];
    const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => written.push(String(chunk)) > 0);
    let stopped = false;
    const remove = context.onInterrupt(() => (stopped = true), 'the ingest: what was read is written to the lake first');
    try {
      process.emit('SIGINT');
    } finally {
      remove();
      write.mockRestore();
    }
    expect(stopped).toBe(true);
    expect(written.join('')).toContain('freshlake: stopping the ingest: what was read is written to the lake first (Ctrl-C again to quit at once)');
  });
});
