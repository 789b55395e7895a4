import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RowValue } from '../lib/engines/engine';
import {
  EVENT_CACHE_CATALOG,
  EVENT_CACHE_DIR,
  EVENT_CACHE_ENV,
  EVENT_CACHE_FILES_TABLE,
  EVENT_CACHE_META_TABLE,
  eventCachePath,
  eventCacheVersion,
} from '../lib/engines/event-cache';
import { LocalEngine } from '../lib/engines/local-engine';
import { eventsPartitionPrefix } from '../lib/lake-layout';
import { prepareDemoLake, sealDemoLake } from '../lib/local/demo';
import { bindSavedQuery, loadSavedQueries } from '../lib/saved-queries';
import { runCliInProcess } from './cli-harness';
import { FIXTURE_EVENTS, FIXTURE_NOW, writeFixtureLake } from './fixtures/lake';

let root: string;
let lakeCount = 0;
const opened: LocalEngine[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'freshlake-cache-'));
});

afterEach(async () => {
  while (opened.length > 0) await opened.pop()?.close();
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A fresh copy of the fixture lake (5 files over 4 days). */
function freshLake(): string {
  return writeFixtureLake(join(root, `lake-${++lakeCount}`));
}

async function open(lakeDir: string, props: { cache?: boolean; onStatus?: (m: string) => void } = {}): Promise<LocalEngine> {
  const engine = await LocalEngine.open({ lakeDir, ...props });
  opened.push(engine);
  return engine;
}

async function close(engine: LocalEngine): Promise<void> {
  opened.splice(opened.indexOf(engine), 1);
  await engine.close();
}

/** Runs statements on a lake's cache file, attached as `old` (to make it look like another version's). */
async function alterCache(lakeDir: string, ...statements: string[]): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`ATTACH '${eventCachePath(lakeDir)}' AS old`);
    for (const statement of statements) await connection.run(statement);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

interface Answer {
  readonly columns: readonly { name: string; type: string }[];
  readonly rows: RowValue[][];
}

async function answer(engine: LocalEngine, sql: string, values: Parameters<LocalEngine['execute']>[1] = []): Promise<Answer> {
  const result = await engine.execute(sql, values);
  const rows: RowValue[][] = [];
  for await (const page of result.pages) rows.push(...page);
  return { columns: result.columns, rows };
}

/** Every row of ticket_events in a fixed order, and the column names and types. */
const ALL_EVENTS = 'SELECT * FROM ticket_events ORDER BY dt, id NULLS FIRST, "time", detail_type';

/** Each saved query with its defaults, plus the whole fixture lake for date-bounded ones. */
async function everyAnswer(engine: LocalEngine): Promise<Record<string, Answer>> {
  const out: Record<string, Answer> = { ticket_events: await answer(engine, ALL_EVENTS) };
  for (const query of loadSavedQueries()) {
    for (const [label, raw] of [
      ['defaults', {}],
      ['whole lake', query.parameters.some((p) => p.name === 'from') ? { from: '2026-11-24', to: '2026-11-27' } : {}],
    ] as const) {
      const bound = bindSavedQuery(query, raw, FIXTURE_NOW);
      out[`${query.name} (${label})`] = await answer(engine, bound.sql, bound.values);
    }
  }
  return out;
}

/** The cache's bookkeeping table, read with a separate DuckDB after the engines closed. */
async function bookkeeping(lakeDir: string): Promise<{ fileId: number; path: string; loadedAt: string }[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`ATTACH '${eventCachePath(lakeDir)}' AS ${EVENT_CACHE_CATALOG} (READ_ONLY)`);
    const reader = await connection.runAndReadAll(`SELECT file_id, path, CAST(loaded_at AS VARCHAR) FROM ${EVENT_CACHE_CATALOG}.${EVENT_CACHE_FILES_TABLE} ORDER BY file_id`);
    return reader.getRows().map(([fileId, path, loadedAt]) => ({ fileId: Number(fileId), path: String(path), loadedAt: String(loadedAt) }));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function writeDayFile(lakeDir: string, day: string, name: string, events: readonly unknown[]): string {
  const dir = join(lakeDir, eventsPartitionPrefix(day));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, gzipSync(events.map((e) => `${JSON.stringify(e)}\n`).join('')));
  return file;
}

/**
 * Overwrites bytes inside every data block of the cached events table, leaving the file headers
 * and the catalog intact: ATTACH still works, reading the rows fails DuckDB's block checksum.
 */
async function damageCachedEventBlocks(lakeDir: string, options: { lastRowGroupOnly?: boolean } = {}): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  let blocks: number[];
  let blockSize: number;
  try {
    await connection.run(`ATTACH '${eventCachePath(lakeDir)}' AS ${EVENT_CACHE_CATALOG} (READ_ONLY)`);
    const used = await connection.runAndReadAll(
      `SELECT DISTINCT row_group_id, block_id FROM pragma_storage_info('${EVENT_CACHE_CATALOG}.events') WHERE block_id >= 0 ORDER BY 1, 2`,
    );
    const rows = used.getRows().map((r) => ({ rowGroup: Number(r[0]), block: Number(r[1]) }));
    const lastRowGroup = Math.max(...rows.map((r) => r.rowGroup));
    // Blocks shared with an earlier row group are left alone: the first rows must read cleanly.
    const earlier = new Set(rows.filter((r) => r.rowGroup < lastRowGroup).map((r) => r.block));
    blocks = [...new Set(rows.map((r) => r.block))];
    if (options.lastRowGroupOnly) {
      expect(lastRowGroup).toBeGreaterThan(0);
      blocks = [...new Set(rows.filter((r) => r.rowGroup === lastRowGroup && !earlier.has(r.block)).map((r) => r.block))];
    }
    const size = await connection.runAndReadAll(`SELECT block_size FROM pragma_database_size() WHERE database_name = '${EVENT_CACHE_CATALOG}'`);
    blockSize = Number(size.getRows()[0][0]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  expect(blocks.length).toBeGreaterThan(0);
  // DuckDB's file: a 4 KiB main header and two 4 KiB database headers, then the blocks.
  const headerBytes = 3 * 4096;
  const fd = openSync(eventCachePath(lakeDir), 'r+');
  try {
    for (const block of blocks) writeSync(fd, Buffer.alloc(64, 0x5a), 0, 64, headerBytes + block * blockSize + 100);
  } finally {
    closeSync(fd);
  }
}

/** Expects the cached engine to answer every question exactly as a direct read of the lake does. */
async function expectSameAsDirect(cached: LocalEngine, lakeDir: string): Promise<void> {
  expect(cached.cache.mode).toBe('cached');
  const direct = await open(lakeDir, { cache: false });
  expect(direct.cache.mode).toBe('off');
  expect(await everyAnswer(cached)).toEqual(await everyAnswer(direct));
  await close(direct);
}

describe('event cache: same results as reading the lake', () => {
  it('answers every saved query and SELECT * exactly as without the cache, columns and types included', async () => {
    const lakeDir = freshLake();
    const first = await open(lakeDir);
    expect(first.cache).toMatchObject({ mode: 'cached', file: eventCachePath(lakeDir), filesLoaded: 5, filesRemoved: 0 });
    expect((first.cache as { rebuilt?: string }).rebuilt).toBeUndefined();
    const cached = await everyAnswer(first);
    await close(first);
    const direct = await everyAnswer(await open(lakeDir, { cache: false }));
    expect(Object.keys(cached).length).toBeGreaterThan(loadSavedQueries().length);
    expect(cached).toEqual(direct);
    // The malformed line stays an all-NULL row with its dt, as in a direct read.
    expect(cached.ticket_events.rows.filter((r) => r[1] === null)).toHaveLength(1);

    // Reopened over an unchanged lake: nothing is loaded, same answers.
    const again = await open(lakeDir);
    expect(again.cache).toMatchObject({ mode: 'cached', filesLoaded: 0, filesRemoved: 0 });
    expect(await everyAnswer(again)).toEqual(direct);
  });

  it('serves an empty lake, and then the files added to it', async () => {
    const lakeDir = join(root, 'empty-lake');
    mkdirSync(join(lakeDir, 'events'), { recursive: true });
    const empty = await open(lakeDir);
    expect(empty.cache).toMatchObject({ mode: 'cached', filesLoaded: 0 });
    expect((await answer(empty, 'SELECT count(*) FROM tickets_latest')).rows).toEqual([[0]]);
    await close(empty);
    writeDayFile(lakeDir, '2026-11-25', 'a.gz', [FIXTURE_EVENTS.e1001Create]);
    const grown = await open(lakeDir);
    expect(grown.cache).toMatchObject({ mode: 'cached', filesLoaded: 1 });
    expect((await answer(grown, 'SELECT ticket_id FROM tickets_latest')).rows).toEqual([[1001]]);
  });

  it('stores rows in dt order, so zone maps can skip days a dt filter excludes', async () => {
    const lakeDir = freshLake();
    // Added after the first load, for an earlier day than the last one: still in dt order within its load.
    await close(await open(lakeDir));
    writeDayFile(lakeDir, '2026-11-23', 'late.gz', [FIXTURE_EVENTS.e1001Create]);
    writeDayFile(lakeDir, '2026-11-22', 'later.gz', [FIXTURE_EVENTS.e1002Create]);
    const engine = await open(lakeDir);
    const { rows } = await answer(engine, `SELECT lake_file_id, dt FROM ${EVENT_CACHE_CATALOG}.events ORDER BY rowid`);
    const firstLoad = rows.filter((r) => Number(r[0]) <= 5).map((r) => r[1] as string);
    const secondLoad = rows.filter((r) => Number(r[0]) > 5).map((r) => r[1] as string);
    expect(firstLoad).toEqual([...firstLoad].sort());
    expect(secondLoad).toEqual(['2026-11-22', '2026-11-23']);
  });
});

describe('event cache: incremental', () => {
  it('loads only a file added since the last open, and keeps the other files as they were loaded', async () => {
    const lakeDir = freshLake();
    await close(await open(lakeDir));
    const before = await bookkeeping(lakeDir);
    expect(before.map((f) => f.path)).toEqual([
      'events/dt=2026-11-24/part-0.gz',
      'events/dt=2026-11-25/part-0.gz',
      'events/dt=2026-11-26/part-0.gz',
      'events/dt=2026-11-26/part-1.gz',
      'events/dt=2026-11-27/part-0.gz',
    ]);

    const late = { ...FIXTURE_EVENTS.e1001Create, id: 'e-added-later', 'detail-type': 'onTicketUpdate', time: '2026-11-28T08:00:00Z' };
    writeDayFile(lakeDir, '2026-11-28', 'added.gz', [late]);
    const engine = await open(lakeDir);
    expect(engine.cache).toMatchObject({ mode: 'cached', filesLoaded: 1, filesRemoved: 0 });
    expect((await answer(engine, "SELECT dt FROM ticket_events WHERE id = 'e-added-later'")).rows).toEqual([['2026-11-28']]);
    await expectSameAsDirect(engine, lakeDir);
    await close(engine);

    const after = await bookkeeping(lakeDir);
    // The five files keep their ids and load times (not reloaded); the new one has a new id.
    expect(after.slice(0, 5)).toEqual(before);
    expect(after.slice(5)).toEqual([expect.objectContaining({ fileId: 6, path: 'events/dt=2026-11-28/added.gz' })]);
  });

  it("deletes a deleted file's rows", async () => {
    const lakeDir = freshLake();
    await close(await open(lakeDir));
    unlinkSync(join(lakeDir, eventsPartitionPrefix('2026-11-26'), 'part-1.gz'));
    const engine = await open(lakeDir);
    expect(engine.cache).toMatchObject({ mode: 'cached', filesLoaded: 0, filesRemoved: 1 });
    // The retried create of 1002 was in that file: now it is there once.
    expect((await answer(engine, "SELECT count(*) FROM ticket_events WHERE id = 'e-1002-create'")).rows).toEqual([[1]]);
    expect((await answer(engine, "SELECT count(*) FROM ticket_events WHERE id = 'e-1007-create'")).rows).toEqual([[0]]);
    await expectSameAsDirect(engine, lakeDir);
    await close(engine);
    expect((await bookkeeping(lakeDir)).map((f) => f.path)).not.toContain('events/dt=2026-11-26/part-1.gz');
  });

  it('reloads a file whose size or modification time changed', async () => {
    const lakeDir = freshLake();
    await close(await open(lakeDir));
    const file = writeDayFile(lakeDir, '2026-11-27', 'part-0.gz', [FIXTURE_EVENTS.e1006Create]);
    // A rewrite within the file system's timestamp resolution must still count: move mtime clearly.
    utimesSync(file, new Date('2030-01-01T00:00:00Z'), new Date('2030-01-01T00:00:00Z'));
    const engine = await open(lakeDir);
    expect(engine.cache).toMatchObject({ mode: 'cached', filesLoaded: 1, filesRemoved: 1 });
    expect((await answer(engine, "SELECT id FROM ticket_events WHERE dt = '2026-11-27'")).rows).toEqual([[FIXTURE_EVENTS.e1006Create.id]]);
    await expectSameAsDirect(engine, lakeDir);
    await close(engine);
    const files = await bookkeeping(lakeDir);
    expect(files.find((f) => f.path === 'events/dt=2026-11-27/part-0.gz')?.fileId).toBe(6);

    // Same size, only the modification time differs: reloaded too.
    utimesSync(file, new Date('2031-01-01T00:00:00Z'), new Date('2031-01-01T00:00:00Z'));
    expect((await open(lakeDir)).cache).toMatchObject({ mode: 'cached', filesLoaded: 1, filesRemoved: 1 });
  });
});

describe('event cache: never fails a query', () => {
  /** A child process that holds the cache file open (read-write: exclusive lock; read-only: shared). */
  async function holdCache(lakeDir: string, mode: 'read-write' | 'read-only'): Promise<ChildProcess> {
    const script = [
      "const { DuckDBInstance } = require('@duckdb/node-api');",
      '(async () => {',
      "  const connection = await (await DuckDBInstance.create(':memory:')).connect();",
      `  await connection.run(${JSON.stringify(`ATTACH '${eventCachePath(lakeDir)}' AS held${mode === 'read-only' ? ' (READ_ONLY)' : ''}`)});`,
      "  process.stdout.write('held\\n');",
      '  process.stdin.on("end", () => process.exit(0));',
      '  process.stdin.resume();',
      '})();',
    ].join('\n');
    const child = spawn(process.execPath, ['-e', script], { cwd: join(__dirname, '..'), stdio: ['pipe', 'pipe', 'inherit'] });
    await once(child.stdout!, 'data');
    return child;
  }

  async function release(child: ChildProcess): Promise<void> {
    child.stdin?.end();
    if (child.exitCode === null) await once(child, 'exit');
  }

  it('reads the lake directly when another process holds the cache for writing, and says so once', async () => {
    const lakeDir = freshLake();
    await close(await open(lakeDir));
    const holder = await holdCache(lakeDir, 'read-write');
    try {
      const messages: string[] = [];
      const engine = await open(lakeDir, { onStatus: (m) => messages.push(m) });
      expect(engine.cache).toEqual({ mode: 'fallback', reason: 'another process is using it' });
      expect(messages).toEqual(['Local cache not used (another process is using it): reading the lake files directly.']);
      const direct = await open(lakeDir, { cache: false });
      expect(await everyAnswer(engine)).toEqual(await everyAnswer(direct));
    } finally {
      await release(holder);
    }
  });

  it('reads a current cache read-only while other processes read it, and falls back when it is out of date', async () => {
    const lakeDir = freshLake();
    await close(await open(lakeDir));
    const reader = await holdCache(lakeDir, 'read-only');
    try {
      const shared = await open(lakeDir);
      expect(shared.cache).toMatchObject({ mode: 'cached', filesLoaded: 0 });
      await expectSameAsDirect(shared, lakeDir);
      await close(shared);

      // A new file cannot be loaded while the other process reads the cache: direct read, new file seen.
      writeDayFile(lakeDir, '2026-11-28', 'added.gz', [{ ...FIXTURE_EVENTS.e1001Create, id: 'e-new' }]);
      const stale = await open(lakeDir);
      expect(stale.cache).toEqual({ mode: 'fallback', reason: 'another process is using it' });
      expect((await answer(stale, "SELECT count(*) FROM ticket_events WHERE id = 'e-new'")).rows).toEqual([[1]]);
    } finally {
      await release(reader);
    }
  });

  it('lets only one engine of a process hold a lake cache: a second one reads directly', async () => {
    const lakeDir = freshLake();
    const first = await open(lakeDir);
    const second = await open(lakeDir);
    expect(first.cache.mode).toBe('cached');
    expect(second.cache).toEqual({ mode: 'fallback', reason: 'another local engine of this process holds it' });
    expect(await everyAnswer(second)).toEqual(await everyAnswer(first));
    await close(first);
    await close(second);
    // Released on close: the next engine uses the cache again.
    expect((await open(lakeDir)).cache).toMatchObject({ mode: 'cached', filesLoaded: 0 });
  });

  it('deletes and rebuilds a cache file that is not a DuckDB database', async () => {
    const lakeDir = freshLake();
    await close(await open(lakeDir));
    writeFileSync(eventCachePath(lakeDir), 'this is not a database '.repeat(1000));
    const messages: string[] = [];
    const engine = await open(lakeDir, { onStatus: (m) => messages.push(m) });
    expect(engine.cache).toMatchObject({ mode: 'cached', filesLoaded: 5, rebuilt: expect.stringMatching(/could not be read.*not a valid DuckDB database/) });
    expect(messages[0]).toMatch(/could not be read: deleting and rebuilding it/);
    await expectSameAsDirect(engine, lakeDir);
  });

  it('answers from the lake files when data blocks of the cache are damaged (header intact), and rebuilds it on the next open', async () => {
    const lakeDir = freshLake();
    await close(await open(lakeDir));
    await damageCachedEventBlocks(lakeDir);
    const messages: string[] = [];
    const engine = await open(lakeDir, { onStatus: (m) => messages.push(m) });
    const direct = await open(lakeDir, { cache: false });
    expect(await everyAnswer(engine)).toEqual(await everyAnswer(direct));
    expect(engine.cache).toMatchObject({ mode: 'fallback', reason: expect.stringMatching(/^the cache file is damaged/) });
    expect(messages.filter((m) => /damaged/.test(m))).toEqual([expect.stringMatching(/is damaged .*: deleted it, reading the lake files directly; the next run rebuilds it\.$/)]);
    expect(existsSync(eventCachePath(lakeDir))).toBe(false);
    await close(engine);
    await close(direct);

    const next = await open(lakeDir);
    expect(next.cache).toMatchObject({ mode: 'cached', filesLoaded: 5 });
    await expectSameAsDirect(next, lakeDir);
  });

  it('answers in full when the damage is in data blocks read after the first rows (a row group further on)', async () => {
    // Two row groups (DuckDB: 122,880 rows each); only blocks of the second are damaged, so the
    // damage shows after the first rows of a plain scan. Streamed, such a scan ended early without
    // an error and returned the first row group only.
    const lakeDir = join(root, `lake-${++lakeCount}`);
    const events = Array.from({ length: 150_000 }, (_, i) => ({ ...FIXTURE_EVENTS.e1006Create, id: `e-many-${i}` }));
    writeDayFile(lakeDir, '2026-11-27', 'many.gz', events);
    await close(await open(lakeDir));
    await damageCachedEventBlocks(lakeDir, { lastRowGroupOnly: true });
    const engine = await LocalEngine.open({ lakeDir, threads: 1 });
    opened.push(engine);
    const ids = (await answer(engine, 'SELECT id FROM ticket_events')).rows;
    expect(ids).toHaveLength(150_000);
    expect(new Set(ids.map((r) => r[0])).size).toBe(150_000);
    expect(engine.cache).toMatchObject({ mode: 'fallback', reason: expect.stringMatching(/^the cache file is damaged/) });
  });

  it('rebuilds a cache of another layout version', async () => {
    const lakeDir = freshLake();
    await close(await open(lakeDir));
    // An older layout might have had other rows: they must not survive.
    await alterCache(lakeDir, `UPDATE old.${EVENT_CACHE_META_TABLE} SET value = '0-older' WHERE key = 'layout_version'`, `DELETE FROM old.events WHERE dt = '2026-11-27'`);

    const engine = await open(lakeDir);
    expect(engine.cache).toMatchObject({ mode: 'cached', filesLoaded: 5, filesRemoved: 0, rebuilt: `layout version 0-older is not ${eventCacheVersion()}` });
    await expectSameAsDirect(engine, lakeDir);
  });

  it('brings a cache without the files digest (an earlier freshlake) up to date without loading a file, and serves it', async () => {
    const lakeDir = freshLake();
    await close(await open(lakeDir));
    await alterCache(lakeDir, `DELETE FROM old.${EVENT_CACHE_META_TABLE} WHERE key = 'lake_files_digest'`);

    const engine = await open(lakeDir);
    expect(engine.cache).toMatchObject({ mode: 'cached', filesLoaded: 0, filesRemoved: 0 });
    expect((engine.cache as { rebuilt?: string }).rebuilt).toBeUndefined();
    await expectSameAsDirect(engine, lakeDir);
  });

  it('rewrites a files digest that does not match the lake, after comparing the bookkeeping file by file (nothing to load)', async () => {
    const lakeDir = freshLake();
    await close(await open(lakeDir));
    const digestOf = async () => {
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      try {
        await connection.run(`ATTACH '${eventCachePath(lakeDir)}' AS c (READ_ONLY)`);
        const rows = (await connection.runAndReadAll(`SELECT value FROM c.${EVENT_CACHE_META_TABLE} WHERE key = 'lake_files_digest'`)).getRows();
        return rows[0]?.[0];
      } finally {
        connection.closeSync();
        instance.closeSync();
      }
    };
    const written = await digestOf();
    expect(written).toMatch(/^[0-9a-f]{64}$/);
    await alterCache(lakeDir, `UPDATE old.${EVENT_CACHE_META_TABLE} SET value = 'not-this-lake' WHERE key = 'lake_files_digest'`);

    const engine = await open(lakeDir);
    expect(engine.cache).toMatchObject({ mode: 'cached', filesLoaded: 0, filesRemoved: 0 });
    await expectSameAsDirect(engine, lakeDir);
    await close(engine);
    expect(await digestOf()).toBe(written);
  });

  it('reads directly when the cache directory cannot be created', async () => {
    const lakeDir = freshLake();
    writeFileSync(join(lakeDir, EVENT_CACHE_DIR), 'a file where the cache directory would go');
    const engine = await open(lakeDir);
    expect(engine.cache).toMatchObject({ mode: 'fallback', reason: expect.stringMatching(/^cannot create .*\.cache/) });
    const direct = await open(lakeDir, { cache: false });
    expect(await everyAnswer(engine)).toEqual(await everyAnswer(direct));
  });
});

describe('event cache: opting out', () => {
  it('cache: false never creates the cache directory', async () => {
    const lakeDir = freshLake();
    const engine = await open(lakeDir, { cache: false });
    expect(engine.cache).toEqual({ mode: 'off' });
    await answer(engine, 'SELECT count(*) FROM tickets_latest');
    expect(existsSync(join(lakeDir, EVENT_CACHE_DIR))).toBe(false);
  });

  it(`${EVENT_CACHE_ENV}=0 turns it off for engines that do not choose`, async () => {
    const lakeDir = freshLake();
    const previous = process.env[EVENT_CACHE_ENV];
    process.env[EVENT_CACHE_ENV] = '0';
    try {
      expect((await open(lakeDir)).cache).toEqual({ mode: 'off' });
      expect(existsSync(join(lakeDir, EVENT_CACHE_DIR))).toBe(false);
      // An explicit choice wins over the environment.
      expect((await open(lakeDir, { cache: true })).cache.mode).toBe('cached');
    } finally {
      if (previous === undefined) delete process.env[EVENT_CACHE_ENV];
      else process.env[EVENT_CACHE_ENV] = previous;
    }
  });

  it('goes with the demo lake: the demo deletes the whole lake directory, cache included, before rebuilding', async () => {
    const lakeDir = freshLake();
    await sealDemoLake(lakeDir);
    await close(await open(lakeDir));
    expect(existsSync(eventCachePath(lakeDir))).toBe(true);
    await prepareDemoLake(lakeDir);
    expect(existsSync(join(lakeDir, EVENT_CACHE_DIR))).toBe(false);
  });
});

describe('event cache: CLI', () => {
  const countSql = 'SELECT count(*) AS n FROM ticket_history';

  it('uses the cache by default and says on a terminal what it loads', async () => {
    const lakeDir = freshLake();
    const run = await runCliInProcess(['sql', countSql, '--format', 'csv', '--lake', lakeDir], { stderrIsTTY: true });
    expect(run).toMatchObject({ code: 0, stdout: 'n\n29\n' });
    expect(run.stderr).toContain('Local cache: loading 5 new or changed lake files');
    expect(existsSync(eventCachePath(lakeDir))).toBe(true);
    // Not on a terminal: nothing but the data.
    const quiet = await runCliInProcess(['sql', countSql, '--format', 'csv', '--lake', lakeDir]);
    expect(quiet).toEqual({ code: 0, stdout: 'n\n29\n', stderr: '' });
  });

  it(`--no-cache and ${EVENT_CACHE_ENV}=0 read the lake directly and create no cache`, async () => {
    const lakeDir = freshLake();
    expect(await runCliInProcess(['sql', countSql, '--format', 'csv', '--lake', lakeDir, '--no-cache'])).toEqual({ code: 0, stdout: 'n\n29\n', stderr: '' });
    expect(await runCliInProcess(['sql', countSql, '--format', 'csv', '--lake', lakeDir], { env: { [EVENT_CACHE_ENV]: '0' } })).toMatchObject({ code: 0, stdout: 'n\n29\n' });
    expect(existsSync(join(lakeDir, EVENT_CACHE_DIR))).toBe(false);
  });

  it('refuses --no-cache with Athena', async () => {
    const run = await runCliInProcess(['sql', countSql, '--engine', 'athena', '--database', 'db', '--no-cache']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--no-cache only applies to the local engine/);
  });
});
