import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryResult, RowValue } from '../lib/engines/engine';
import { LocalEngine, ticketEventsViewSql } from '../lib/engines/local-engine';
import { InputError, QueryError, UsageError } from '../lib/errors';
import { eventsPartitionPrefix } from '../lib/lake-layout';
import type { BoundParameter } from '../lib/saved-queries';
import { PARTITION_COLUMN, TICKET_EVENT_COLUMNS } from '../lib/schema';
import { LAKE_VIEWS } from '../lib/views';
import { FIXTURE_EVENTS, writeFixtureLake } from './fixtures/lake';

let root: string;
let lakeDir: string;
let engine: LocalEngine;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'freshlake-local-engine-'));
  lakeDir = writeFixtureLake(join(root, 'lake'));
  engine = await LocalEngine.open({ lakeDir });
});

afterAll(async () => {
  await engine?.close();
  rmSync(root, { recursive: true, force: true });
});

async function rowsOf(result: QueryResult): Promise<RowValue[][]> {
  const rows: RowValue[][] = [];
  for await (const page of result.pages) rows.push(...page);
  return rows;
}

async function query(sql: string, values: readonly BoundParameter[] = [], on: LocalEngine = engine): Promise<RowValue[][]> {
  return rowsOf(await on.execute(sql, values));
}

const text = (name: string, value: string): BoundParameter => ({ name, type: 'string', value });

describe('LocalEngine.open', () => {
  it('refuses a directory without events/ with an InputError that says how to make a lake', async () => {
    const error = await LocalEngine.open({ lakeDir: join(root, 'no-such-lake') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/freshlake ingest.*npm start/);
    expect((error as Error).message).not.toContain('\n');
  });

  it('serves an empty lake: the table and views exist with the same columns and no rows', async () => {
    const lakeDir = join(root, 'empty-lake');
    mkdirSync(join(lakeDir, 'events'), { recursive: true });
    const empty = await LocalEngine.open({ lakeDir });
    try {
      const [events, full] = await Promise.all([empty.execute('SELECT * FROM ticket_events', []), engine.execute('SELECT * FROM ticket_events', [])]);
      expect(events.columns).toEqual(full.columns);
      expect(await rowsOf(events)).toEqual([]);
      await rowsOf(full);
      for (const view of LAKE_VIEWS) expect(await query(`SELECT count(*) FROM ${view.name}`, [], empty)).toEqual([[0]]);
    } finally {
      await empty.close();
    }
  });
});

describe('ticket_events', () => {
  it('has the schema columns in table order, detail-type as detail_type, then dt, with Glue-equivalent types', async () => {
    const result = await engine.execute('SELECT * FROM ticket_events', []);
    await rowsOf(result);
    expect(result.columns.map((c) => c.name)).toEqual([...TICKET_EVENT_COLUMNS.map((c) => c.name), PARTITION_COLUMN.name]);
    expect(result.columns.map((c) => c.type)).toEqual([...TICKET_EVENT_COLUMNS.map((c) => c.type.trino), 'varchar']);
  });

  it('reads the columns from the schema instead of auto-detecting them (ISO times stay strings)', () => {
    const sql = ticketEventsViewSql('/lake', true);
    expect(sql).toContain("\"time\": 'VARCHAR'");
    expect(sql).toContain('"detail-type" AS "detail_type"');
    expect(sql).toContain("hive_types = {'dt': 'VARCHAR'}");
  });

  it('reads the payload variants of the shared samples without failing the query', async () => {
    const [variant] = await query(
      `SELECT detail.ticket.attachments, detail.ticket.to_emails, detail.ticket.email_config_id, detail.ticket.custom_fields,
              detail.requester.mobile, detail.requester.phone, detail.ticket.subject, detail.ticket.changes.priority
       FROM ticket_events WHERE id = ?`,
      [text('id', 'c2a4f0de-7d0e-4d52-8a43-9f5f3a1b6e07')],
    );
    const [attachments, toEmails, emailConfigId, customFields, mobile, phone, subject, priorityChange] = variant;
    // Attachment objects are kept as JSON text elements of the array<string> column.
    expect((attachments as string[]).map((a) => JSON.parse(a).name)).toEqual(['erro.png']);
    expect(JSON.parse(toEmails as string)).toEqual(['support@example.com', 'help@example.com']);
    expect(emailConfigId).toBe('20000123');
    expect(JSON.parse(customFields as string)).toEqual({ cf_plan: 'Pro', cf_order_number: null });
    expect([mobile, phone]).toEqual(['5511987654321', '551133334444']);
    expect(subject).toBe('Não consigo acessar minha conta');
    // changes has a key the schema does not list (fr_escalated): ignored, the known key is read.
    expect(priorityChange).toEqual([3, 4]);
  });

  it('reads custom_fields given as JSON text and as an object the same way through json_extract_scalar', async () => {
    expect(
      await query("SELECT ticket_id, json_extract_scalar(custom_fields, '$.cf_order_number'), json_extract_scalar(custom_fields, '$.cf_plan') FROM tickets_latest WHERE ticket_id IN (4711, 4712) ORDER BY ticket_id"),
    ).toEqual([
      [4711, '1042', null],
      [4712, null, 'Pro'],
    ]);
  });

  it('turns a line that is not JSON into an all-NULL row instead of an error, and keeps it out of ticket_history', async () => {
    expect(await query("SELECT count(*), count(id) FROM ticket_events WHERE dt = '2026-11-24'")).toEqual([[7, 6]]);
    expect(await query("SELECT count(*) FROM ticket_history WHERE dt = '2026-11-24'")).toEqual([[6]]);
  });

  it('reads only the day partitions a dt filter selects, also through the views and with a bound value (direct read, no cache)', async () => {
    const direct = await LocalEngine.open({ lakeDir, cache: false });
    try {
      const filesRead = async (sql: string, values: readonly BoundParameter[] = []) => {
        const plan = JSON.stringify(await query(`EXPLAIN ANALYZE ${sql}`, values, direct));
        return [...plan.matchAll(/Total Files Read: (\d+)/g)].reduce((sum, m) => sum + Number(m[1]), 0);
      };
      // The fixture lake has 5 files: one per day, two on 2026-11-26.
      expect(await filesRead('SELECT count(*) FROM ticket_events')).toBe(5);
      expect(await filesRead("SELECT count(*) FROM ticket_events WHERE dt = '2026-11-26'")).toBe(2);
      expect(await filesRead("SELECT count(*) FROM ticket_history WHERE dt = '2026-11-27'")).toBe(1);
      expect(await filesRead('SELECT count(*) FROM ticket_history WHERE dt >= ?', [{ name: 'since', type: 'date', value: '2026-11-26' }])).toBe(3);
    } finally {
      await direct.close();
    }
  });
});

describe('lake views', () => {
  it('keeps one row per event id in ticket_history (the retried create of 1002 is in two files)', async () => {
    expect(await query("SELECT count(*) FROM ticket_events WHERE id = 'e-1002-create'")).toEqual([[2]]);
    expect(await query("SELECT count(*) FROM ticket_history WHERE event_id = 'e-1002-create'")).toEqual([[1]]);
  });

  it('takes the latest state by updated_at, not by event time (1004: a late Pending update does not win)', async () => {
    expect(await query('SELECT status_name, last_event_id FROM tickets_latest WHERE ticket_id = 1004')).toEqual([['Open', 'e-1004-reopen']]);
  });
});

describe('LocalEngine.execute', () => {
  it('normalizes values as engine.ts specifies', async () => {
    const result = await engine.execute(
      `SELECT TIMESTAMP '2026-11-27 09:14:03.123456' AS ts, TIMESTAMPTZ '2026-11-27 09:14:03+02:00' AS tstz,
              TIMESTAMP '1969-12-31 23:59:59.9995' AS before_epoch, DATE '2026-11-27' AS d,
              CAST(9007199254740991 AS BIGINT) AS safe, CAST(9007199254740993 AS BIGINT) AS unsafe,
              CAST(170141183460469231731687303715884105727 AS HUGEINT) AS huge, 1.5::DOUBLE AS dbl, 'NaN'::DOUBLE AS nan,
              CAST(12.50 AS DECIMAL(10, 2)) AS dec, true AS flag, ['a', NULL] AS list, {'k': 1, 'n': NULL} AS struct,
              MAP {'a': 1} AS m, NULL AS nothing`,
      [],
    );
    expect(await rowsOf(result)).toEqual([
      [
        '2026-11-27 09:14:03.123',
        '2026-11-27 07:14:03.000',
        '1969-12-31 23:59:59.999',
        '2026-11-27',
        9007199254740991,
        '9007199254740993',
        '170141183460469231731687303715884105727',
        1.5,
        'NaN',
        12.5,
        true,
        ['a', null],
        { k: 1, n: null },
        { a: 1 },
        null,
      ],
    ]);
    expect(Object.fromEntries(result.columns.map((c) => [c.name, c.type]))).toMatchObject({
      ts: 'timestamp(3)',
      tstz: 'timestamp(3) with time zone',
      d: 'date',
      safe: 'bigint',
      huge: 'bigint',
      dbl: 'double',
      dec: 'decimal(10,2)',
      flag: 'boolean',
      list: 'array(varchar)',
      struct: 'row(k integer, n integer)',
    });
  });

  it('binds integers as BIGINT and everything else as text', async () => {
    expect(
      await query('SELECT ? + 1, typeof(?), ?', [
        { name: 'n', type: 'integer', value: 41 },
        { name: 'n2', type: 'integer', value: 1 },
        { name: 'day', type: 'date', value: '2026-11-27' },
      ]),
    ).toEqual([[42, 'BIGINT', '2026-11-27']]);
  });

  it("treats a value such as x' OR '1'='1 as data: it matches nothing", async () => {
    const injection = "x' OR '1'='1";
    expect(await query('SELECT ?', [text('type', injection)])).toEqual([[injection]]);
    expect(await query('SELECT count(*) FROM tickets_latest WHERE ticket_type = ?', [text('type', injection)])).toEqual([[0]]);
  });

  it('refuses a value count that does not match the placeholders with a UsageError', async () => {
    await expect(engine.execute('SELECT ?, ?', [text('a', 'x')])).rejects.toBeInstanceOf(UsageError);
  });

  it("reports SQL errors as a QueryError with DuckDB's first message line", async () => {
    const error = await engine.execute('SELECT no_such_column FROM tickets_latest', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as Error).message).toMatch(/^Binder Error: .*no_such_column/);
    expect((error as Error).message).not.toContain('\n');
  });

  it('fails a query whose error comes after the first rows, instead of returning part of the answer', async () => {
    // DuckDB's streaming fetch ends a stream that failed half-way exactly like a finished one (the
    // C API returns no chunk for both): streamed, this returned 872,448 of 3,000,000 rows and no error.
    const sql = "SELECT CASE WHEN range < 1000000 THEN range ELSE CAST('x' || range AS INTEGER) END AS n FROM range(3000000)";
    const error = await query(sql).then(
      (rows) => new Error(`returned ${rows.length} rows`),
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(QueryError);
    expect(error.message).toMatch(/^Conversion Error: Could not convert string 'x1000000' to INT32/);
  });

  it('streams results in pages', async () => {
    const result = await engine.execute('SELECT range AS n FROM range(5000)', []);
    const sizes: number[] = [];
    for await (const page of result.pages) sizes.push(page.length);
    expect(sizes.length).toBeGreaterThan(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(result.statistics.engine).toBe('local');
    expect(result.statistics.elapsedMs).toBeGreaterThanOrEqual(0);
  });

  it('stops a running query when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = engine.execute('SELECT count(*) FROM range(100000000000) t(x) WHERE x % 7 = 3', [], { signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const error = await pending.then((r) => rowsOf(r)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as Error).message).toBe('Query cancelled.');
    // The engine keeps working after a cancelled query.
    expect(await query('SELECT 1')).toEqual([[1]]);
  });

  it('does not start a query whose signal is already aborted', async () => {
    const error = await engine
      .execute('SELECT count(*) FROM range(100000000000) t(x) WHERE x % 7 = 3', [], { signal: AbortSignal.abort() })
      .then((r) => rowsOf(r))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
  });

  it('reports progress of a long scan while it runs, each percentage once', async () => {
    // DuckDB estimates progress for file scans (not for range()): 10 days x 5,000 events, read
    // directly (a cached table scans too fast to report anything).
    const lakeDir = join(root, 'progress-lake');
    const lines = `${JSON.stringify(FIXTURE_EVENTS.e1001Create)}\n`.repeat(5000);
    for (let day = 1; day <= 10; day++) {
      const dir = join(lakeDir, eventsPartitionPrefix(`2026-11-${String(day).padStart(2, '0')}`));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'part-0.gz'), gzipSync(lines, { level: 1 }));
    }
    const watched = await LocalEngine.open({ lakeDir, progressIntervalMs: 5, cache: false });
    try {
      const messages: string[] = [];
      const result = await watched.execute('SELECT count(*) FROM ticket_events', [], { onProgress: (m) => messages.push(m) });
      expect(await rowsOf(result)).toEqual([[50000]]);
      expect(messages.length).toBeGreaterThan(0);
      for (const message of messages) expect(message).toMatch(/^Local query: \d+% scanned$/);
      expect(new Set(messages).size).toBe(messages.length);
    } finally {
      await watched.close();
    }
  });

  it('refuses queries after close', async () => {
    const lakeDir = join(root, 'closed-lake');
    mkdirSync(join(lakeDir, 'events'), { recursive: true });
    const closed = await LocalEngine.open({ lakeDir });
    await closed.close();
    await expect(closed.execute('SELECT 1', [])).rejects.toBeInstanceOf(QueryError);
  });
});
