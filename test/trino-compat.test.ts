/**
 * Conformance of the local engine's Trino compatibility layer: each case is SQL written for Athena
 * (engine v3, Trino) with the answer Trino gives, worked out by hand from the Trino rule, run on the
 * local engine. The same SQL text must give the same answer on both engines.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalEngine } from '../lib/engines/local-engine';
import type { RowValue } from '../lib/engines/engine';
import { TRINO_SESSION_SETTINGS, TRINO_SHIMS, trinoCompatStatements } from '../lib/engines/trino-compat';
import { utcDay } from '../lib/lake-layout';

interface ConformanceCase {
  /** The shimmed function the case checks. */
  readonly shim: string;
  /** Trino SQL returning one row with one column. */
  readonly sql: string;
  /** What Trino returns, rendered as engine.ts renders values. */
  readonly trino: RowValue;
  /** How the answer follows from the Trino rule. */
  readonly why: string;
}

const CASES: readonly ConformanceCase[] = [
  // from_iso8601_timestamp: ISO-8601 with or without offset (session zone = UTC), to timestamp(3) with time zone.
  { shim: 'from_iso8601_timestamp', sql: "SELECT CAST(from_iso8601_timestamp('2026-11-27T09:14:03Z') AS timestamp)", trino: '2026-11-27 09:14:03.000', why: 'Z is UTC' },
  {
    shim: 'from_iso8601_timestamp',
    sql: "SELECT CAST(from_iso8601_timestamp('2026-11-27T09:14:03.250+02:00') AS timestamp)",
    trino: '2026-11-27 07:14:03.250',
    why: 'the offset is applied; casting to timestamp gives the UTC wall time in a UTC session',
  },
  { shim: 'from_iso8601_timestamp', sql: "SELECT CAST(from_iso8601_timestamp('2026-11-27T09:14:03') AS timestamp)", trino: '2026-11-27 09:14:03.000', why: 'no offset: session zone, UTC' },
  { shim: 'from_iso8601_timestamp', sql: "SELECT CAST(from_iso8601_timestamp('2026-11-27') AS timestamp)", trino: '2026-11-27 00:00:00.000', why: 'a date alone is midnight' },
  { shim: 'from_iso8601_timestamp', sql: "SELECT try(from_iso8601_timestamp('not a time'))", trino: null, why: 'malformed text fails; try() turns the failure into NULL' },

  // date_diff: complete units between the two instants.
  {
    shim: 'date_diff',
    sql: "SELECT date_diff('day', TIMESTAMP '2026-01-01 23:45:00', TIMESTAMP '2026-01-02 03:56:00')",
    trino: 0,
    why: '4 h 11 min is not a complete day (DuckDB date_diff says 1: a midnight was crossed)',
  },
  {
    shim: 'date_diff',
    sql: "SELECT date_diff('hour', TIMESTAMP '2026-01-01 23:45:00', TIMESTAMP '2026-01-02 03:56:00')",
    trino: 4,
    why: '4 complete hours in 4 h 11 min (DuckDB date_diff says 5 hour boundaries)',
  },
  { shim: 'date_diff', sql: "SELECT date_diff('day', TIMESTAMP '2026-01-01 23:45:00', TIMESTAMP '2026-01-03 03:56:00')", trino: 1, why: '27 h 11 min is 1 complete day' },
  { shim: 'date_diff', sql: "SELECT date_diff('day', TIMESTAMP '2026-01-02 03:56:00', TIMESTAMP '2026-01-01 23:45:00')", trino: 0, why: 'backwards by 4 h 11 min: no complete day' },
  { shim: 'date_diff', sql: "SELECT date_diff('minute', TIMESTAMP '2026-01-01 10:00:59', TIMESTAMP '2026-01-01 10:01:58')", trino: 0, why: '59 s is not a minute' },
  { shim: 'date_diff', sql: "SELECT date_diff('second', TIMESTAMP '2026-01-01 10:00:00', TIMESTAMP '2026-01-01 10:01:30.500')", trino: 90, why: '90.5 s is 90 complete seconds' },
  { shim: 'date_diff', sql: "SELECT date_diff('day', DATE '2026-11-01', DATE '2026-11-27')", trino: 26, why: 'dates: 26 days apart' },
  {
    shim: 'date_diff',
    sql: "SELECT date_diff('hour', from_iso8601_timestamp('2026-11-27T09:14:02Z'), from_iso8601_timestamp('2026-11-27T10:02:40Z'))",
    trino: 0,
    why: 'timestamps with time zone: 48 min 38 s is no complete hour',
  },

  // date_add(unit, n, ts).
  { shim: 'date_add', sql: "SELECT date_add('hour', 4, TIMESTAMP '2026-11-27 14:00:00')", trino: '2026-11-27 18:00:00.000', why: 'adds 4 hours' },
  { shim: 'date_add', sql: "SELECT date_add('day', -1, TIMESTAMP '2026-03-01 00:00:00')", trino: '2026-02-28 00:00:00.000', why: 'negative amounts go back' },
  { shim: 'date_add', sql: "SELECT date_add('month', 1, TIMESTAMP '2026-01-31 10:00:00')", trino: '2026-02-28 10:00:00.000', why: "month arithmetic clamps to the month's last day" },

  // approx_percentile: only the answers a digest cannot get wrong (see the shim's note).
  { shim: 'approx_percentile', sql: 'SELECT approx_percentile(x, 0.5) FROM (VALUES (7), (7), (7)) AS t(x)', trino: 7, why: 'one distinct value' },
  { shim: 'approx_percentile', sql: 'SELECT approx_percentile(x, 0) FROM (VALUES (5), (1), (9)) AS t(x)', trino: 1, why: 'p = 0 is the minimum' },
  { shim: 'approx_percentile', sql: 'SELECT approx_percentile(x, 1) FROM (VALUES (5), (1), (9)) AS t(x)', trino: 9, why: 'p = 1 is the maximum' },
  { shim: 'approx_percentile', sql: 'SELECT approx_percentile(x, 0.5) FROM (VALUES (CAST(NULL AS integer)), (4)) AS t(x)', trino: 4, why: 'NULLs are ignored' },

  // regexp_like: a match anywhere.
  { shim: 'regexp_like', sql: "SELECT regexp_like('Refund for order 1042', '\\d+')", trino: true, why: 'digits occur' },
  { shim: 'regexp_like', sql: "SELECT regexp_like('Refund', 'fun')", trino: true, why: 'not anchored' },
  { shim: 'regexp_like', sql: "SELECT regexp_like('abc', '^b')", trino: false, why: 'anchors are honoured' },

  // regexp_replace: every match, $n groups.
  { shim: 'regexp_replace', sql: "SELECT regexp_replace('a-b-c', '-', '+')", trino: 'a+b+c', why: 'all matches are replaced (DuckDB: first only)' },
  { shim: 'regexp_replace', sql: "SELECT regexp_replace('a1b22c', '\\d')", trino: 'abc', why: 'without a replacement, matches are removed' },
  { shim: 'regexp_replace', sql: "SELECT regexp_replace('2026-11-27', '(\\d+)-(\\d+)-(\\d+)', '$3/$2/$1')", trino: '27/11/2026', why: 'groups are $1, $2, ...' },

  // json_extract_scalar: scalars as text, NULL for anything else.
  { shim: 'json_extract_scalar', sql: 'SELECT json_extract_scalar(\'{"cf_plan":"Pro"}\', \'$.cf_plan\')', trino: 'Pro', why: 'a string, unquoted' },
  { shim: 'json_extract_scalar', sql: 'SELECT json_extract_scalar(\'{"a":1.5}\', \'$.a\')', trino: '1.5', why: 'a number as text' },
  { shim: 'json_extract_scalar', sql: 'SELECT json_extract_scalar(\'{"a":true}\', \'$.a\')', trino: 'true', why: 'a boolean as text' },
  { shim: 'json_extract_scalar', sql: 'SELECT json_extract_scalar(\'{"a":{"b":1}}\', \'$.a\')', trino: null, why: 'an object is not a scalar (DuckDB json_extract_string: its JSON text)' },
  { shim: 'json_extract_scalar', sql: 'SELECT json_extract_scalar(\'{"a":[1,2]}\', \'$.a\')', trino: null, why: 'an array is not a scalar' },
  { shim: 'json_extract_scalar', sql: 'SELECT json_extract_scalar(\'{"a":null}\', \'$.a\')', trino: null, why: 'JSON null' },
  { shim: 'json_extract_scalar', sql: 'SELECT json_extract_scalar(\'{"a":1}\', \'$.b\')', trino: null, why: 'missing key' },
  { shim: 'json_extract_scalar', sql: 'SELECT json_extract_scalar(\'{"a":\', \'$.a\')', trino: null, why: 'malformed JSON gives NULL, not an error' },
  { shim: 'json_extract_scalar', sql: 'SELECT json_extract_scalar(\'{"a":{"b":1}}\', \'$.a.b\')', trino: '1', why: 'nested member' },
  { shim: 'json_extract_scalar', sql: 'SELECT json_extract_scalar(\'{"tags":["a","b"]}\', \'$.tags[1]\')', trino: 'b', why: 'array subscripts count from 0' },
  { shim: 'json_extract_scalar', sql: 'SELECT json_extract_scalar(\'{"cf-plan":"Pro"}\', \'$["cf-plan"]\')', trino: 'Pro', why: 'bracket member for keys that are not identifiers' },

  // cardinality and element_at on arrays.
  { shim: 'cardinality', sql: "SELECT cardinality(ARRAY['a', 'b', 'c'])", trino: 3, why: 'three elements' },
  { shim: 'element_at', sql: 'SELECT element_at(ARRAY[10, 20, 30], 1)', trino: 10, why: '1-based' },
  { shim: 'element_at', sql: 'SELECT element_at(ARRAY[10, 20, 30], -1)', trino: 30, why: 'negative counts from the end' },
  { shim: 'element_at', sql: 'SELECT element_at(ARRAY[10, 20, 30], 4)', trino: null, why: 'past the end is NULL (array[4] would fail)' },
  // sequence: inclusive at both ends; dates step by an interval (elements cast to date, as the shim's rule says).
  { shim: 'sequence', sql: 'SELECT cardinality(sequence(1, 5))', trino: 5, why: '1, 2, 3, 4, 5: stop is included' },
  {
    shim: 'sequence',
    sql: "SELECT max(CAST(d AS date)) FROM UNNEST(sequence(DATE '2026-11-24', DATE '2026-11-27', INTERVAL '1' DAY)) AS t(d)",
    trino: '2026-11-27',
    why: 'the last day is the stop day',
  },
  {
    shim: 'sequence',
    sql: "SELECT count(*) FROM (SELECT DATE '2026-02-27' AS a) b CROSS JOIN UNNEST(sequence(b.a, DATE '2026-03-02', INTERVAL '1' DAY)) AS t(d)",
    trino: 4,
    why: '27 and 28 February, 1 and 2 March (2026 is no leap year), unnested next to a column of the row',
  },
];

/** Session settings: Trino rules that no macro can give, only a DuckDB setting. */
const SETTING_CASES: readonly (Omit<ConformanceCase, 'shim'> & { readonly setting: string })[] = [
  // Integer division: Trino divides two integers to an integer, truncated toward zero (DuckDB: a double).
  { setting: 'integer_division', sql: 'SELECT 7 / 2', trino: 3, why: 'integer / integer is an integer: 3, not 3.5' },
  { setting: 'integer_division', sql: 'SELECT -7 / 2', trino: -3, why: 'truncated toward zero, not floored (-4)' },
  { setting: 'integer_division', sql: 'SELECT CAST(7 AS bigint) / CAST(2 AS bigint)', trino: 3, why: 'bigint / bigint is a bigint' },
  { setting: 'integer_division', sql: 'SELECT count(*) / 2 FROM (VALUES (1), (2), (3)) AS t(x)', trino: 1, why: 'count(*) is a bigint: 3 / 2 = 1' },
  { setting: 'integer_division', sql: 'SELECT CAST(7 AS double) / 2', trino: 3.5, why: 'a double operand divides as a double (what saved queries do for hours)' },
  { setting: 'integer_division', sql: 'SELECT 7 / 2.0', trino: 3.5, why: 'a decimal operand divides as a decimal' },
  { setting: 'integer_division', sql: 'SELECT typeof(7 / 2) = typeof(7)', trino: true, why: 'the quotient keeps the integer type' },
  // Time zone: the session runs in UTC.
  { setting: 'TimeZone', sql: "SELECT CAST(CAST(from_iso8601_timestamp('2026-11-27T23:30:00-02:00') AS timestamp) AS date)", trino: '2026-11-28', why: '23:30 at -02:00 is 01:30 UTC the next day' },
];

let lakeDir: string;
let engine: LocalEngine;

beforeAll(async () => {
  lakeDir = mkdtempSync(join(tmpdir(), 'freshlake-compat-'));
  mkdirSync(join(lakeDir, 'events'));
  engine = await LocalEngine.open({ lakeDir });
});

afterAll(async () => {
  await engine?.close();
  rmSync(lakeDir, { recursive: true, force: true });
});

async function singleValue(sql: string): Promise<RowValue> {
  const result = await engine.execute(sql, []);
  const rows: RowValue[][] = [];
  for await (const page of result.pages) rows.push(...page);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toHaveLength(1);
  return rows[0][0];
}

describe('Trino compatibility layer', () => {
  it.each(CASES.map((c) => [c.shim, c.why, c]))('%s: %s', async (_shim, _why, c) => {
    const conformance = c as ConformanceCase;
    expect(await singleValue(conformance.sql)).toEqual(conformance.trino);
  });

  it.each(SETTING_CASES.map((c) => [c.setting, c.why, c]))('session %s: %s', async (_setting, _why, c) => {
    const conformance = c as (typeof SETTING_CASES)[number];
    expect(await singleValue(conformance.sql)).toEqual(conformance.trino);
  });

  it('has conformance cases for every session setting', () => {
    const covered = new Set(SETTING_CASES.map((c) => c.setting));
    expect(TRINO_SESSION_SETTINGS.map((s) => s.name).filter((name) => !covered.has(name))).toEqual([]);
  });

  it('has conformance cases for every shim', () => {
    const covered = new Set(CASES.map((c) => c.shim));
    expect(TRINO_SHIMS.map((s) => s.name).filter((name) => !covered.has(name))).toEqual([]);
  });

  it('names the Trino rule behind every shim', () => {
    for (const shim of TRINO_SHIMS) expect(shim.trinoRule.length, shim.name).toBeGreaterThan(40);
  });

  it('installs one statement per session setting and per shim', () => {
    const statements = trinoCompatStatements();
    expect(statements[0]).toBe("SET GLOBAL TimeZone = 'UTC'");
    expect(statements.filter((s) => s.startsWith('CREATE OR REPLACE MACRO'))).toHaveLength(TRINO_SHIMS.length);
  });

  it('keeps DuckDB functions the shims shadow reachable (two-argument date_add)', async () => {
    expect(await singleValue("SELECT date_add(DATE '2026-11-27', INTERVAL 1 DAY)")).toBe('2026-11-28 00:00:00.000');
  });

  it('evaluates current_date and casts to date in UTC, whatever the machine time zone', () => {
    // Kiritimati is UTC+14: its local day differs from the UTC day for most of the day, and always
    // for 23:30 UTC. DuckDB takes its default zone from TZ, so only the engine's setting makes UTC.
    const before = utcDay(Date.now());
    const output = execFileSync(
      process.execPath,
      [
        '-r',
        'tsx/cjs',
        join(__dirname, 'fixtures', 'run-local-sql.ts'),
        JSON.stringify([
          "SELECT current_setting('TimeZone')",
          'SELECT current_date',
          "SELECT CAST(from_iso8601_timestamp('2026-11-27T23:30:00Z') AS date)",
        ]),
      ],
      { env: { ...process.env, TZ: 'Pacific/Kiritimati' }, encoding: 'utf8' },
    );
    const after = utcDay(Date.now());
    const [zone, today, castDay] = output.trim().split('\n').map((l) => JSON.parse(l) as RowValue[][]);
    expect(zone).toEqual([['UTC']]);
    expect([before, after]).toContain(today[0][0]);
    expect(castDay).toEqual([['2026-11-27']]);
  });
});
