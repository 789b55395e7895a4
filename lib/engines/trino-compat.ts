/**
 * Trino compatibility layer for the local engine: DuckDB macros that give Trino's (Athena engine
 * v3's) meaning to the functions the saved queries and views use, so ONE SQL text runs on both
 * engines. Each shim is one small definition naming the Trino rule it reproduces; the conformance
 * test (test/trino-compat.test.ts) runs hand-worked Trino answers for every entry of TRINO_SHIMS.
 *
 * How it works: DuckDB macros shadow built-in functions of the same name, and the built-in stays
 * reachable as `system.main.<name>`. Macros are expanded when a query is bound, so they cost
 * nothing at run time.
 *
 * Session settings give the rules no macro can: the UTC session time zone, and `/` on two integers
 * (Trino truncates toward zero, 7/2 = 3 and -7/2 = -3; DuckDB's default is a double, 3.5).
 *
 * Not shimmable (avoid in shared SQL; product.md lists the traps):
 * - Integer division by zero: Trino fails the query, DuckDB returns NULL. Use nullif(divisor, 0).
 * - greatest/least: Trino returns NULL if any argument is NULL, DuckDB ignores NULL arguments.
 * - A decimal literal such as 3600.0 is DECIMAL on both, with different division rules: cast to double.
 * - Comparing a timestamp with a string: DuckDB casts implicitly, Trino fails. Always CAST(... AS timestamp).
 * - `a.b` struct access, row_number/lag/max_by, date_trunc, contains, count_if: same on both.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

export interface TrinoShim {
  /** The Trino function name the macro stands in for. */
  readonly name: string;
  /** The Trino rule the macro reproduces, and how DuckDB's own function (if any) differs. */
  readonly trinoRule: string;
  /** Macro overloads, `(params) AS body`, joined into one CREATE MACRO statement. */
  readonly overloads: readonly string[];
}

/** Session settings that make DuckDB evaluate like an Athena session. */
export interface TrinoSessionSetting {
  /** The DuckDB setting. */
  readonly name: string;
  readonly sql: string;
  readonly trinoRule: string;
}

export const TRINO_SESSION_SETTINGS: readonly TrinoSessionSetting[] = [
  {
    name: 'TimeZone',
    sql: "SET GLOBAL TimeZone = 'UTC'",
    trinoRule:
      'Athena sessions run in UTC: current_date, CAST(timestamp with time zone AS timestamp/date) and ' +
      'timestamps without an offset use UTC. DuckDB (with ICU) uses the machine time zone by default.',
  },
  {
    name: 'integer_division',
    sql: 'SET GLOBAL integer_division = true',
    trinoRule:
      'Dividing two integers gives an integer of their type, truncated toward zero (7 / 2 = 3, -7 / 2 = -3); a ' +
      'double or decimal operand divides as such. DuckDB returns a double (3.5) unless integer_division is on.',
  },
];

export const TRINO_SHIMS: readonly TrinoShim[] = [
  {
    name: 'from_iso8601_timestamp',
    trinoRule:
      'from_iso8601_timestamp(s) parses ISO-8601 (offset optional, session zone if absent) into a timestamp with ' +
      'time zone; fails on malformed text (wrap in try). DuckDB has no such function; CAST AS TIMESTAMPTZ parses ' +
      'the same strings (and fails the same way).',
    overloads: ['(s) AS CAST(s AS TIMESTAMPTZ)'],
  },
  {
    name: 'date_diff',
    trinoRule:
      "date_diff(unit, a, b) counts COMPLETE units from a to b (23:45 to 03:56 the next day is 0 days). DuckDB's " +
      "date_diff counts unit boundaries crossed (1 day); DuckDB's date_sub counts complete units, like Trino.",
    overloads: ['(unit, a, b) AS date_sub(unit, a, b)'],
  },
  {
    name: 'date_add',
    trinoRule:
      "date_add(unit, n, ts) adds n units (month arithmetic clamps to the month's last day, as in DuckDB). DuckDB's " +
      'built-in is date_add(date, interval); both forms are kept. Trino returns a date for a date argument, this ' +
      'shim a timestamp: cast the result to date when a date is needed.',
    overloads: [
      '(d, i) AS system.main.date_add(d, i)',
      "(unit, n, ts) AS CASE lower(unit) WHEN 'millisecond' THEN ts + to_milliseconds(n) WHEN 'second' THEN ts + to_seconds(n) " +
        "WHEN 'minute' THEN ts + to_minutes(n) WHEN 'hour' THEN ts + to_hours(n) WHEN 'day' THEN ts + to_days(n) " +
        "WHEN 'week' THEN ts + to_weeks(n) WHEN 'month' THEN ts + to_months(n) WHEN 'quarter' THEN ts + to_months(3 * n) " +
        "WHEN 'year' THEN ts + to_years(n) END",
    ],
  },
  {
    name: 'approx_percentile',
    trinoRule:
      'approx_percentile(x, p) is an approximate quantile (a digest): on small inputs Trino may return a neighbouring ' +
      'input value or an interpolated one, so only min (p=0), max (p=1) and single-valued inputs are guaranteed equal ' +
      'to this exact nearest-rank quantile_disc. Saved queries use exact row_number percentiles instead.',
    overloads: ['(x, p) AS quantile_disc(x, p)'],
  },
  {
    name: 'regexp_like',
    trinoRule: 'regexp_like(s, p) is true when p matches anywhere in s (not anchored). DuckDB calls it regexp_matches.',
    overloads: ['(s, p) AS regexp_matches(s, p)'],
  },
  {
    name: 'regexp_replace',
    trinoRule:
      "regexp_replace(s, p[, r]) replaces EVERY match (no r: removes them) and writes groups as $1. DuckDB replaces " +
      "the first match unless given option 'g', and writes groups as \\1.",
    overloads: [
      "(s, p) AS system.main.regexp_replace(s, p, '', 'g')",
      "(s, p, r) AS system.main.regexp_replace(s, p, system.main.regexp_replace(r, '\\$(\\d)', '\\\\\\1', 'g'), 'g')",
    ],
  },
  {
    name: 'json_extract_scalar',
    trinoRule:
      'json_extract_scalar(json, path) returns the scalar at path as text; NULL for an object, an array, JSON null, ' +
      'a missing path or malformed JSON. DuckDB has no such function; json_extract_string returns objects and arrays ' +
      'as JSON text and fails on malformed JSON. Trino\'s $["key"] path steps become DuckDB\'s $."key".',
    overloads: [
      '(j, path) AS CASE ' +
        'WHEN NOT coalesce(json_valid(j), false) THEN NULL ' +
        "WHEN json_type(j, system.main.regexp_replace(path, '\\[\"([^\"]*)\"\\]', '.\"\\1\"', 'g')) IN ('OBJECT', 'ARRAY') THEN NULL " +
        "ELSE json_extract_string(j, system.main.regexp_replace(path, '\\[\"([^\"]*)\"\\]', '.\"\\1\"', 'g')) END",
    ],
  },
  {
    name: 'cardinality',
    trinoRule:
      'cardinality(array) is the number of elements. DuckDB\'s cardinality takes maps only; len counts list elements. ' +
      'The schema has no map columns, so the shim takes arrays.',
    overloads: ['(a) AS len(a)'],
  },
  {
    name: 'element_at',
    trinoRule:
      'element_at(array, i) is the i-th element (1-based, negative counts from the end) and NULL past either end, ' +
      'where array[i] fails the query. DuckDB 1.5 has no element_at for lists; list_extract has these semantics.',
    overloads: ['(a, i) AS list_extract(a, i)'],
  },
  {
    name: 'sequence',
    trinoRule:
      'sequence(start, stop[, step]) is the array from start to stop INCLUSIVE (integers, or dates/timestamps with an ' +
      "INTERVAL step), at most 10,000 elements on Trino. DuckDB calls it generate_series (also inclusive; its range " +
      'excludes stop). For dates DuckDB gives timestamps where Trino gives dates: cast each element to date ' +
      "(CROSS JOIN UNNEST(sequence(a, b, INTERVAL '1' DAY)) AS t(d) ... CAST(d AS date)).",
    overloads: ['(a, b) AS generate_series(a, b)', '(a, b, s) AS generate_series(a, b, s)'],
  },
];

/** `CREATE OR REPLACE MACRO` statement of one shim. */
export function shimMacroSql(shim: TrinoShim): string {
  return `CREATE OR REPLACE MACRO ${shim.name}${shim.overloads.join(', ')}`;
}

/** Every statement that makes a DuckDB connection speak Trino, in order. */
export function trinoCompatStatements(): string[] {
  return [...TRINO_SESSION_SETTINGS.map((s) => s.sql), ...TRINO_SHIMS.map(shimMacroSql)];
}

/**
 * Applies the settings (globally: every connection of the instance inherits them, and the local
 * engine locks them, lib/engines/sandbox) and creates the macros (in the database catalog, seen
 * by every connection).
 */
export async function installTrinoCompat(connection: DuckDBConnection): Promise<void> {
  // One call for all (a round trip each costs more than the definitions).
  await connection.run(trinoCompatStatements().join(';\n'));
}
