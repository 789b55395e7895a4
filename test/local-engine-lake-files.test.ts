/**
 * What the local engine does with lake objects that are not clean gzip'd UTF-8 JSON lines
 * (issue 8 items 1 and 8): text that is not valid UTF-8 is read with U+FFFD in place of the bad
 * bytes (as Athena does), and an object that cannot be read at all is left out and named, never
 * failing the query. Both with the event cache and without it.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowValue } from '../lib/engines/engine';
import { checkLakeObjects, repairJsonText } from '../lib/engines/lake-files';
import { LocalEngine } from '../lib/engines/local-engine';
import { eventsPartitionPrefix } from '../lib/lake-layout';
import { runCliInProcess } from './cli-harness';
import { FIXTURE_EVENTS } from './fixtures/lake';

let root: string;
let lakeCount = 0;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'freshlake-lake-files-'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const DAY = '2026-11-27';

/** A lake with one day directory holding the given objects (name -> bytes). */
function lakeWith(objects: Record<string, Buffer>): string {
  const lakeDir = join(root, `lake-${++lakeCount}`);
  const dir = join(lakeDir, eventsPartitionPrefix(DAY));
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(objects)) writeFileSync(join(dir, name), bytes);
  return lakeDir;
}

/** One event of ticket `id` whose subject is the given raw bytes, as a JSON line. */
function eventLine(id: number, subjectBytes: Buffer): Buffer {
  const event: Record<string, unknown> = { ...(FIXTURE_EVENTS.e1006Create as unknown as Record<string, unknown>), id: `e-${id}` };
  const detail = event.detail as { ticket: Record<string, unknown> };
  const ticket = { ...detail.ticket, id, subject: '@SUBJECT@' };
  const [before, after] = JSON.stringify({ ...event, detail: { ...detail, ticket } }).split('@SUBJECT@');
  return Buffer.concat([Buffer.from(before), subjectBytes, Buffer.from(`${after}\n`)]);
}

async function rows(engine: LocalEngine, sql: string): Promise<RowValue[][]> {
  const result = await engine.execute(sql, []);
  const out: RowValue[][] = [];
  for await (const page of result.pages) out.push(...page);
  return out;
}

async function withEngine<T>(lakeDir: string, cache: boolean, use: (engine: LocalEngine, warnings: string[]) => Promise<T>): Promise<T> {
  const warnings: string[] = [];
  const engine = await LocalEngine.open({ lakeDir, cache, onWarning: (m) => warnings.push(m) });
  try {
    return await use(engine, warnings);
  } finally {
    await engine.close();
  }
}

describe('text that is not valid UTF-8', () => {
  const SUBJECTS: [number, Buffer, string][] = [
    [7001, Buffer.from([0x43, 0x61, 0x66, 0xe9]), 'Caf\uFFFD'], // Latin-1 é
    [7002, Buffer.from([0x61, 0xff, 0x62]), 'a\uFFFDb'], // a stray 0xFF
    [7003, Buffer.from('s\\ud800t'), 's\uFFFDt'], // a lone high surrogate escape
    [7004, Buffer.from('x\\udc00'), 'x\uFFFD'], // a lone low surrogate escape
    [7005, Buffer.from('smile \\ud83d\\ude00'), 'smile \u{1F600}'], // a valid pair stays
    [7006, Buffer.from('path \\\\ud800'), 'path \\ud800'], // an escaped backslash, then plain text
    [7007, Buffer.from('Não'), 'Não'], // valid UTF-8 stays
  ];

  function textLake(): string {
    const lines = SUBJECTS.map(([id, bytes]) => eventLine(id, bytes));
    return lakeWith({ 'mixed.gz': gzipSync(Buffer.concat(lines)), 'clean.gz': gzipSync(eventLine(7100, Buffer.from('plain'))) });
  }

  for (const cache of [true, false]) {
    it(`reads every such event with U+FFFD for the bad text, so the ticket is in ticket_history and tickets_latest (${cache ? 'event cache' : 'direct read'})`, async () => {
      await withEngine(textLake(), cache, async (engine) => {
        const expected = [...SUBJECTS.map(([id, , subject]) => [id, subject]), [7100, 'plain']];
        expect(await rows(engine, 'SELECT ticket_id, subject FROM ticket_history ORDER BY ticket_id')).toEqual(expected);
        expect(await rows(engine, 'SELECT ticket_id, subject FROM tickets_latest ORDER BY ticket_id')).toEqual(expected);
        expect(await rows(engine, 'SELECT count(*) FROM ticket_events WHERE id IS NULL')).toEqual([[0]]);
      });
    });
  }

  it('gives the same rows with and without the cache, also after reopening the cache', async () => {
    const lakeDir = textLake();
    const all = 'SELECT * FROM ticket_events ORDER BY id';
    const direct = await withEngine(lakeDir, false, (engine) => rows(engine, all));
    expect(await withEngine(lakeDir, true, (engine) => rows(engine, all))).toEqual(direct);
    expect(await withEngine(lakeDir, true, (engine) => rows(engine, all))).toEqual(direct);
  });

  it('repairs text only where it is broken (table)', () => {
    const cases: [string, Buffer, string | undefined][] = [
      ['clean ASCII', Buffer.from('{"a":"b"}\n'), undefined],
      ['clean UTF-8', Buffer.from('{"a":"Não 😀"}\n'), undefined],
      ['a valid surrogate pair', Buffer.from('{"a":"\\uD83D\\uDE00"}\n'), undefined],
      ['an escaped backslash before u', Buffer.from('{"a":"\\\\ud800"}\n'), undefined],
      ['Latin-1 é', Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]), '{"\uFFFD"}'],
      ['a truncated 3-byte sequence', Buffer.from([0x22, 0xe2, 0x82, 0x22]), '"\uFFFD"'],
      ['a lone high surrogate escape, upper case', Buffer.from('"\\uD800x"'), '"\\ufffdx"'],
      ['two high surrogates in a row', Buffer.from('"\\ud800\\ud801\\udc00"'), '"\\ufffd\\ud801\\udc00"'],
      ['an escaped backslash, then a lone surrogate escape', Buffer.from('"\\\\\\ud800"'), '"\\\\\\ufffd"'],
    ];
    for (const [label, input, expected] of cases) {
      expect(repairJsonText(input)?.toString('utf8'), label).toBe(expected);
    }
  });
});

describe('objects that cannot be read', () => {
  function damagedLake(): string {
    const good = (id: number) => gzipSync(eventLine(id, Buffer.from(`ticket ${id}`)));
    return lakeWith({
      'a-good.gz': good(8001),
      'b-empty.gz': Buffer.alloc(0),
      'c-plain.gz': eventLine(8003, Buffer.from('not compressed')),
      'd-truncated.gz': good(8004).subarray(0, 40),
      'e-good.gz': good(8005),
    });
  }
  const DAMAGED = ['b-empty.gz', 'c-plain.gz', 'd-truncated.gz'].map((name) => `${eventsPartitionPrefix(DAY)}${name}`);

  for (const cache of [true, false]) {
    it(`answers from the readable objects and names each unreadable one once (${cache ? 'event cache' : 'direct read'})`, async () => {
      await withEngine(damagedLake(), cache, async (engine, warnings) => {
        expect(await rows(engine, 'SELECT ticket_id FROM tickets_latest ORDER BY 1')).toEqual([[8001], [8005]]);
        expect(await rows(engine, 'SELECT count(*) FROM ticket_events')).toEqual([[2]]);
        expect(warnings).toHaveLength(DAMAGED.length);
        DAMAGED.forEach((path, i) => expect(warnings[i]).toMatch(new RegExp(`^Lake object ${path.replace(/[.]/g, '\\.')} cannot be read \\(.+\\): left out of the answers; "freshlake check --lake" lists the damaged objects\\.$`)));
      });
    });
  }

  it('reads an object again once it is repaired (the cache loads it)', async () => {
    const lakeDir = damagedLake();
    await withEngine(lakeDir, true, async (engine) => expect(await rows(engine, 'SELECT count(*) FROM ticket_events')).toEqual([[2]]));
    writeFileSync(join(lakeDir, DAMAGED[0]), gzipSync(eventLine(8002, Buffer.from('ticket 8002'))));
    await withEngine(lakeDir, true, async (engine, warnings) => {
      expect(await rows(engine, 'SELECT ticket_id FROM tickets_latest ORDER BY 1')).toEqual([[8001], [8002], [8005]]);
      expect(warnings).toHaveLength(2);
    });
  });

  it('freshlake sql and run answer, with each unreadable object named on stderr', async () => {
    const lakeDir = damagedLake();
    const sql = await runCliInProcess(['sql', 'SELECT count(*) AS events FROM ticket_events', '--lake', lakeDir, '--format', 'json']);
    expect(sql.code).toBe(0);
    expect(JSON.parse(sql.stdout)).toEqual([{ events: 2 }]);
    for (const path of DAMAGED) expect(sql.stderr).toContain(`Lake object ${path} cannot be read`);
    const run = await runCliInProcess(['run', 'recent-events', '-p', 'since=2026-11-20', '--lake', lakeDir, '--format', 'json']);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { ticket_id: number }[]).map((r) => r.ticket_id).sort()).toEqual([8001, 8005]);
    for (const path of DAMAGED) expect(run.stderr).toContain(`Lake object ${path} cannot be read`);
  });

  it('freshlake check --lake lists the damaged objects and exits 1; a clean lake passes with exit 0', async () => {
    const damaged = await runCliInProcess(['check', '--lake', damagedLake()]);
    expect(damaged.code).toBe(1);
    const lines = damaged.stdout.trim().split('\n');
    expect(lines).toHaveLength(DAMAGED.length);
    DAMAGED.forEach((path, i) => expect(lines[i]).toMatch(new RegExp(`^${path.replace(/[.]/g, '\\.')}: unreadable \\(.+\\)$`)));
    expect(damaged.stderr).toMatch(/3 of 5 lake objects cannot be read/);

    const json = await runCliInProcess(['check', '--lake', damagedLake(), '--format', 'json']);
    expect(json.code).toBe(1);
    expect((JSON.parse(json.stdout) as { object: string; problem: string }[]).map((o) => [o.object, o.problem])).toEqual(DAMAGED.map((p) => [p, 'unreadable']));

    const clean = await runCliInProcess(['check', '--lake', lakeWith({ 'a.gz': gzipSync(eventLine(9001, Buffer.from('ok'))) })]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/^No damaged objects: 1 lake object read\./);
  });

  it('freshlake check --lake lists objects with text that is not UTF-8 as read with U+FFFD, without failing', async () => {
    const result = await runCliInProcess(['check', '--lake', lakeWith({ 'latin.gz': gzipSync(eventLine(9002, Buffer.from([0xe9]))) })]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(`${eventsPartitionPrefix(DAY)}latin.gz: text not valid UTF-8 (read with U+FFFD in place of the bad bytes)`);
  });
});

describe('listing the lake (remembered day directories)', () => {
  const count = async (lakeDir: string) => Number((await withEngine(lakeDir, true, (engine) => rows(engine, 'SELECT count(*) FROM ticket_events')))[0][0]);
  const dayDir = (lakeDir: string, day = DAY) => join(lakeDir, eventsPartitionPrefix(day));
  const anHourAgo = () => new Date(Date.now() - 3_600_000);

  it('sees an object added to a day directory right after an open listed it, even where the clock is too coarse to move the directory time', async () => {
    const lakeDir = lakeWith({ 'a.gz': gzipSync(eventLine(8001, Buffer.from('one'))) });
    // A whole second, as a file system with 1 s timestamps records it.
    const second = Math.floor(Date.now() / 1000);
    utimesSync(dayDir(lakeDir), second, second);
    expect(await count(lakeDir)).toBe(1);
    writeFileSync(join(dayDir(lakeDir), 'b.gz'), gzipSync(eventLine(8002, Buffer.from('two'))));
    // Same second: the directory time does not change. The listing was taken within 2 s of it, so it is read again.
    utimesSync(dayDir(lakeDir), second, second);
    expect(await count(lakeDir)).toBe(2);
  });

  it('sees an object added to an old day directory, a new day directory, and a removed object', async () => {
    const lakeDir = lakeWith({ 'a.gz': gzipSync(eventLine(8101, Buffer.from('one'))), 'b.gz': gzipSync(eventLine(8102, Buffer.from('two'))) });
    utimesSync(dayDir(lakeDir), anHourAgo(), anHourAgo());
    expect(await count(lakeDir)).toBe(2);
    // Adding an entry changes the directory's modification time: its remembered names are not used.
    writeFileSync(join(dayDir(lakeDir), 'c.gz'), gzipSync(eventLine(8103, Buffer.from('three'))));
    expect(await count(lakeDir)).toBe(3);
    mkdirSync(dayDir(lakeDir, '2026-11-28'), { recursive: true });
    writeFileSync(join(dayDir(lakeDir, '2026-11-28'), 'd.gz'), gzipSync(eventLine(8104, Buffer.from('four'))));
    expect(await count(lakeDir)).toBe(4);
    rmSync(join(dayDir(lakeDir), 'a.gz'));
    expect(await count(lakeDir)).toBe(3);
  });

  it('does not read a day directory again while it is unchanged, and still stats every object in it', async () => {
    const lakeDir = lakeWith({ 'a.gz': gzipSync(eventLine(8201, Buffer.from('one'))) });
    const old = anHourAgo();
    utimesSync(dayDir(lakeDir), old, old);
    const first = await checkLakeObjects(lakeDir, { remember: true });
    expect(first.objects.map((o) => o.path)).toEqual([`${eventsPartitionPrefix(DAY)}a.gz`]);
    // An entry added behind the directory's back (its time set back): the remembered names are used.
    writeFileSync(join(dayDir(lakeDir), 'hidden.gz'), gzipSync(eventLine(8202, Buffer.from('two'))));
    utimesSync(dayDir(lakeDir), old, old);
    expect((await checkLakeObjects(lakeDir, { remember: true })).objects.map((o) => o.path)).toEqual([`${eventsPartitionPrefix(DAY)}a.gz`]);
    // Not remembered (freshlake check): read again.
    expect((await checkLakeObjects(lakeDir, { remember: false, reuse: false })).objects).toHaveLength(2);
    // An object rewritten in place (no directory change) is seen by its size and time.
    writeFileSync(join(dayDir(lakeDir), 'a.gz'), Buffer.alloc(0));
    utimesSync(dayDir(lakeDir), old, old);
    const rewritten = await checkLakeObjects(lakeDir, { remember: true });
    expect(rewritten.unreadable.map((o) => [o.path, o.problem?.detail])).toEqual([[`${eventsPartitionPrefix(DAY)}a.gz`, 'empty (0 bytes)']]);
  });

  it('names a partition directory that cannot be read (a link to nothing) instead of skipping it, and answers from the rest', async () => {
    const lakeDir = lakeWith({ 'a.gz': gzipSync(eventLine(8401, Buffer.from('one'))) });
    symlinkSync(join(root, 'no-such-directory'), join(lakeDir, 'events', 'dt=2026-11-28'));
    const checked = await checkLakeObjects(lakeDir, { remember: false });
    expect(checked.unreadable.map((o) => [o.path, o.problem?.detail])).toEqual([['events/dt=2026-11-28/', expect.stringMatching(/^the partition directory cannot be read: ENOENT/)]]);
    const { answer, warnings } = await withEngine(lakeDir, true, async (engine, seen) => ({ answer: await rows(engine, 'SELECT count(*) FROM ticket_events'), warnings: seen }));
    expect(answer).toEqual([[1]]);
    expect(warnings).toEqual([expect.stringMatching(/^Lake object events\/dt=2026-11-28\/ cannot be read \(the partition directory cannot be read/)]);
  });

  it('lists what the read_json glob reads: hidden names and links to files, not directories or other suffixes', async () => {
    const lakeDir = lakeWith({ 'a.gz': gzipSync(eventLine(8301, Buffer.from('one'))), '.b.gz': gzipSync(eventLine(8302, Buffer.from('two'))), 'c.json': Buffer.from('{}') });
    mkdirSync(join(dayDir(lakeDir), 'folder.gz'));
    symlinkSync(join(dayDir(lakeDir), 'a.gz'), join(dayDir(lakeDir), 'link.gz'));
    const listed = (await checkLakeObjects(lakeDir, { remember: false })).objects.map((o) => o.path.split('/').pop());
    expect(listed).toEqual(['.b.gz', 'a.gz', 'link.gz']);
    expect(await count(lakeDir)).toBe(3);
  });
});
