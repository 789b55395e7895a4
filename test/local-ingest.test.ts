/**
 * `ingest` into a local lake: the inputs it accepts, where every record ends up, and how rejected
 * records are reported (by input and line, never by content).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { handler } from '../lambda/transform';
import { ingestToLake } from '../lib/local/ingest';
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

  it('fails with an input error on a damaged gzip file, keeping what it read before', async () => {
    const whole = gzipSync(`${create}\n`.repeat(2000));
    writeFileSync(join(dir, 'cut.gz'), whole.subarray(0, Math.floor(whole.length / 2)));
    await expect(ingestToLake({ inputs: [join(dir, 'cut.gz')], lakeDir: lake })).rejects.toThrow(/not a complete gzip file/);
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
