/**
 * The local engine reads the lake (and its cache) and nothing else (issue 8 item 12): a saved
 * query is code someone else may have written, so no SQL it runs may read another file, write
 * anything, attach a database, install or load an extension, reach the network, or change those
 * settings back. Each case below is an escape tried against an open engine; none may work, and the
 * engine keeps answering from the lake afterwards.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowValue } from '../lib/engines/engine';
import { LocalEngine } from '../lib/engines/local-engine';
import { QueryError, UsageError } from '../lib/errors';
import { eventsPartitionPrefix } from '../lib/lake-layout';
import { runCliInProcess, savedQueryDir } from './cli-harness';
import { writeFixtureLake } from './fixtures/lake';

let root: string;
let lakeDir: string;
let outside: string;
const SECRET = 'freshlake-sandbox-secret-4711';
let engine: LocalEngine;
const warnings: string[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'freshlake-sandbox-'));
  lakeDir = writeFixtureLake(join(root, 'lake'));
  outside = join(root, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), `${SECRET}\n`);
  // Links inside the lake that lead out of it: to a directory and, as an event object, to a file.
  symlinkSync(outside, join(lakeDir, 'linked-dir'));
  symlinkSync(join(outside, 'secret.txt'), join(lakeDir, eventsPartitionPrefix('2026-11-27'), 'linked.gz'));
  engine = await LocalEngine.open({ lakeDir, onWarning: (m) => warnings.push(m) });
});

afterAll(async () => {
  await engine?.close();
  rmSync(root, { recursive: true, force: true });
});

async function rows(sql: string, on: LocalEngine = engine): Promise<RowValue[][]> {
  const result = await on.execute(sql, []);
  const out: RowValue[][] = [];
  for await (const page of result.pages) out.push(...page);
  return out;
}

/** Runs the SQL and returns the error; fails the test if it succeeds. */
async function refused(sql: string): Promise<Error> {
  const error = await rows(sql).then(
    (answer) => new Error(`ran and returned ${JSON.stringify(answer).slice(0, 200)}`),
    (e: unknown) => e as Error,
  );
  expect(error instanceof QueryError || error instanceof UsageError, `${sql}: ${error.message}`).toBe(true);
  expect(error.message).not.toContain(SECRET);
  return error;
}

const at = (dir: string, name: string) => join(dir, name).replace(/'/g, "''");

describe('reads nothing outside the lake', () => {
  const cases: [string, () => string][] = [
    ['read_text of /etc/passwd', () => "SELECT content FROM read_text('/etc/passwd')"],
    ['read_csv', () => "SELECT * FROM read_csv('/etc/passwd', sep = ':')"],
    ['read_json', () => `SELECT * FROM read_json('${at(outside, 'secret.txt')}')`],
    ['read_parquet', () => `SELECT * FROM read_parquet('${at(outside, 'secret.txt')}')`],
    ['read_blob', () => `SELECT content FROM read_blob('${at(outside, 'secret.txt')}')`],
    ['a file name as a table', () => "SELECT * FROM '/etc/passwd'"],
    ['a quoted file name as a table', () => `SELECT * FROM "${join(outside, 'secret.txt')}"`],
    ['glob outside the lake', () => "SELECT * FROM glob('/etc/*')"],
    ['.. out of the lake', () => `SELECT content FROM read_text('${at(lakeDir, `../outside/secret.txt`)}')`],
    ['a symlinked directory in the lake', () => `SELECT content FROM read_text('${at(lakeDir, 'linked-dir/secret.txt')}')`],
    ['a symlinked event object in the lake', () => `SELECT content FROM read_text('${at(lakeDir, `${eventsPartitionPrefix('2026-11-27')}linked.gz`)}')`],
    ['the network', () => "SELECT * FROM read_csv('https://example.com/data.csv')"],
  ];
  for (const [label, sql] of cases) {
    it(`refuses ${label}`, async () => {
      await refused(sql());
    });
  }

  it('leaves a symlinked event object out of ticket_events, and says so', async () => {
    expect(await rows('SELECT count(*) FROM ticket_events')).toEqual([[32]]);
    expect(warnings.some((w) => w.includes('linked.gz') && w.includes('a link to a file outside the lake'))).toBe(true);
  });
});

describe('writes, attaches and installs nothing', () => {
  const cases: [string, () => string, () => string][] = [
    ['COPY TO a file outside the lake', () => `COPY (SELECT 1) TO '${at(outside, 'copy.csv')}'`, () => join(outside, 'copy.csv')],
    ['COPY TO a file in the lake', () => `COPY (SELECT * FROM ticket_events) TO '${at(lakeDir, 'copy.csv')}'`, () => join(lakeDir, 'copy.csv')],
    ['COPY over a lake object', () => `COPY (SELECT 1) TO '${at(lakeDir, `${eventsPartitionPrefix('2026-11-27')}new.gz`)}'`, () => join(lakeDir, eventsPartitionPrefix('2026-11-27'), 'new.gz')],
    ['EXPLAIN ANALYZE of a COPY', () => `EXPLAIN ANALYZE COPY (SELECT 1) TO '${at(lakeDir, 'explained.csv')}'`, () => join(lakeDir, 'explained.csv')],
    ['EXPLAIN (ANALYZE) of a COPY', () => `EXPLAIN (ANALYZE) COPY (SELECT 1) TO '${at(lakeDir, 'explained2.csv')}'`, () => join(lakeDir, 'explained2.csv')],
    ['EXPLAIN (ANALYZE) of an EXPORT', () => `EXPLAIN (ANALYZE) EXPORT DATABASE '${at(lakeDir, 'explained-export')}'`, () => join(lakeDir, 'explained-export')],
    ['ATTACH outside the lake', () => `ATTACH '${at(outside, 'x.duckdb')}' AS x`, () => join(outside, 'x.duckdb')],
    ['ATTACH in the lake', () => `ATTACH '${at(lakeDir, 'x.duckdb')}' AS x`, () => join(lakeDir, 'x.duckdb')],
    ['EXPORT DATABASE outside the lake', () => `EXPORT DATABASE '${at(outside, 'export')}'`, () => join(outside, 'export')],
    ['EXPORT DATABASE in the lake', () => `EXPORT DATABASE '${at(lakeDir, 'export')}'`, () => join(lakeDir, 'export')],
    ['logging to a file', () => `CALL enable_logging(storage = 'file', storage_path = '${at(outside, 'logs')}')`, () => join(outside, 'logs')],
  ];
  for (const [label, sql, created] of cases) {
    it(`refuses ${label}`, async () => {
      await refused(sql());
      expect(existsSync(created())).toBe(false);
    });
  }

  const statements: [string, string][] = [
    ['INSTALL httpfs', 'INSTALL httpfs'],
    ['LOAD httpfs', 'LOAD httpfs'],
    ['LOAD of an extension file', `LOAD '/tmp/evil.duckdb_extension'`],
    ['CREATE TABLE', 'CREATE TABLE t AS SELECT 1'],
    ['replacing a lake view', 'CREATE OR REPLACE VIEW ticket_history AS SELECT 1 AS ticket_id'],
    ['DROP VIEW', 'DROP VIEW tickets_latest'],
    ['a temporary table', 'CREATE TEMP TABLE t AS SELECT 1'],
    ['DETACH of the cache', 'DETACH freshlake_cache'],
    ['CALL', 'CALL pragma_version()'],
    ['PRAGMA', 'PRAGMA enable_profiling'],
    ['two statements', 'SELECT 1; SELECT 2'],
  ];
  for (const [label, sql] of statements) {
    it(`refuses ${label}`, async () => {
      await refused(sql);
    });
  }
});

describe('settings cannot be changed back', () => {
  const settings: string[] = [
    'SET enable_external_access = true',
    'RESET enable_external_access',
    "SET allowed_directories = ['/']",
    "SET allowed_paths = ['/etc/passwd']",
    'SET lock_configuration = false',
    'SET autoinstall_known_extensions = true',
    'SET autoload_known_extensions = true',
    'SET allow_community_extensions = true',
    "SET temp_directory = '/tmp/freshlake-escape'",
    'SET GLOBAL enable_external_access = true',
    'SET integer_division = false',
    "SET TimeZone = 'America/New_York'",
  ];
  for (const sql of settings) {
    it(`refuses ${sql}`, async () => {
      await refused(sql);
    });
  }

  it('reports the locked settings in duckdb_settings()', async () => {
    const answer = await rows(
      "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', 'lock_configuration', 'autoload_known_extensions', 'autoinstall_known_extensions') ORDER BY name",
    );
    expect(answer).toEqual([
      ['autoinstall_known_extensions', 'false'],
      ['autoload_known_extensions', 'false'],
      ['enable_external_access', 'false'],
      ['lock_configuration', 'true'],
    ]);
  });

  it('spills to a temporary directory of its own, never the working directory', async () => {
    const [[directory]] = await rows("SELECT current_setting('temp_directory')");
    expect(String(directory).startsWith(join(tmpdir(), 'freshlake-duckdb-'))).toBe(true);
  });
});

describe('still answers from the lake', () => {
  it('reads the lake, the cache and the views after every escape above, and explains a query', async () => {
    expect(engine.cache.mode).toBe('cached');
    const [[tickets]] = await rows('SELECT count(*) FROM tickets_latest');
    expect(tickets).toBeGreaterThan(10);
    expect(await rows(`SELECT count(*) FROM glob('${at(lakeDir, 'events/*/*.gz')}')`)).toEqual([[6]]);
    expect((await rows('EXPLAIN ANALYZE SELECT count(*) FROM ticket_history')).length).toBeGreaterThan(0);
  });

  it('reads dimension snapshots under <lake>/dimensions/ (the lake directory is readable)', async () => {
    const dir = join(lakeDir, 'dimensions', 'agents');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'agents.json'), '{"id": 9001, "name": "Anna"}\n');
    expect(await rows(`SELECT name FROM read_json('${at(dir, '*.json')}')`)).toEqual([['Anna']]);
  });
});

describe('CLI', () => {
  it('a saved query from --queries or FRESHLAKE_QUERIES cannot read outside the lake', async () => {
    const queries = savedQueryDir({
      'steal.sql': `-- name: steal\n-- description: Reads a file outside the lake.\nSELECT content FROM read_text('${at(outside, 'secret.txt')}')\n`,
      'drop.sql': `-- name: drop-copy\n-- description: Writes a file.\nCOPY (SELECT 1) TO '${at(outside, 'dropped.csv')}'\n`,
    });
    for (const [args, env] of [
      [['run', 'steal', '--lake', lakeDir, '--queries', queries], {}],
      [['run', 'steal', '--lake', lakeDir], { FRESHLAKE_QUERIES: queries }],
      [['run', 'drop-copy', '--lake', lakeDir, '--queries', queries], {}],
      [['sql', "SELECT content FROM read_text('/etc/passwd')", '--lake', lakeDir], {}],
    ] as const) {
      const result = await runCliInProcess(args, { env });
      expect(result.code, args.join(' ')).not.toBe(0);
      expect(result.stdout).not.toContain(SECRET);
      expect(result.stdout).not.toContain('root:');
      expect(result.stderr.trim().split('\n').at(-1)).not.toBe('');
    }
    expect(readdirSync(outside)).toEqual(['secret.txt']);
  });
});
