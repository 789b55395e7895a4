/**
 * Athena binds execution parameters only in WHERE clauses (lib/saved-query-clauses.ts): the
 * catalog refuses a saved query with a placeholder anywhere else, and every shipped query obeys.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUERIES_DIR, loadSavedQueries, parseSavedQuery } from '../lib/saved-queries';
import { placeholderClauses, placeholdersOutsideWhere } from '../lib/saved-query-clauses';

describe('the clause of each placeholder', () => {
  it.each([
    ['a plain WHERE condition', 'SELECT a FROM t WHERE b = :p', 'WHERE'],
    ['a function call and BETWEEN in a WHERE', "SELECT a FROM t WHERE d BETWEEN CAST(:p AS date) AND date_add('day', 1, CAST(:p AS date))", 'WHERE'],
    ['a parenthesized OR in a WHERE', 'SELECT a FROM t WHERE (x > 1 OR y = :p) AND z', 'WHERE'],
    ['the WHERE of a CTE', 'WITH c AS (SELECT a FROM t WHERE b = :p) SELECT a FROM c', 'WHERE'],
    ['the WHERE of an IN subquery', 'SELECT a FROM t WHERE a IN (SELECT b FROM u WHERE c = :p)', 'WHERE'],
    ['after a subquery closed inside the WHERE', 'SELECT a FROM t WHERE a IN (SELECT b FROM u) AND c = :p', 'WHERE'],
    ['the SELECT list', 'SELECT :p AS x FROM t', 'SELECT'],
    ['a function in the SELECT list', "SELECT date_diff('second', CAST(:p AS timestamp), due_by) FROM t WHERE a", 'SELECT'],
    ['the SELECT list of a CTE', 'WITH c AS (SELECT a, CAST(:p AS date) AS d FROM t WHERE b) SELECT * FROM c WHERE d', 'SELECT'],
    ['a JOIN condition', 'SELECT a FROM t JOIN u ON t.id = u.id AND u.x = :p', 'ON'],
    ['LIMIT', 'SELECT a FROM t WHERE b ORDER BY a LIMIT :p', 'LIMIT'],
    ['ORDER BY', 'SELECT a FROM t WHERE b ORDER BY a + :p', 'ORDER BY'],
    ['GROUP BY and HAVING', 'SELECT a FROM t WHERE b GROUP BY a HAVING count(*) > :p', 'HAVING'],
    ['an aggregate FILTER in the SELECT list', 'SELECT count(*) FILTER (WHERE x = :p) FROM t', 'FILTER (WHERE)'],
    ['a FROM table function', 'SELECT * FROM UNNEST(sequence(1, :p)) AS s(n) WHERE n > 0', 'FROM'],
  ])('%s', (_name, sql, clause) => {
    const found = placeholderClauses(sql);
    expect(found.length).toBeGreaterThan(0);
    for (const p of found) expect(p.clause, sql).toBe(clause);
  });

  it('is not fooled by keywords in literals, quoted identifiers, comments or qualified names', () => {
    const sql = [
      "SELECT 'WHERE :no1' AS \"where\", t.where -- WHERE :no2",
      '/* WHERE :no3 */ FROM t',
      'WHERE a = :yes',
    ].join('\n');
    expect(placeholderClauses(sql).map((p) => [p.name, p.clause])).toEqual([['yes', 'WHERE']]);
    expect(placeholderClauses("SELECT a FROM t WHERE x = 'it''s' AND t.select = :p")).toEqual([expect.objectContaining({ name: 'p', clause: 'WHERE' })]);
  });
});

describe('the saved-query catalog', () => {
  const header = '-- name: q\n-- description: A query.\n-- param: p integer = 1\n';

  it.each([
    ['the SELECT list', 'SELECT :p AS n FROM tickets_latest', /:p is in the SELECT clause, and Athena accepts parameters only in a WHERE clause/],
    ['LIMIT', 'SELECT ticket_id FROM tickets_latest WHERE status = 2 LIMIT :p', /:p is in the LIMIT clause/],
    ['a JOIN condition', 'SELECT 1 FROM tickets_latest a JOIN tickets_latest b ON a.ticket_id = b.ticket_id + :p', /:p is in the ON clause/],
  ])('refuses a placeholder in %s, with one line naming the file and what to do', (_name, body, message) => {
    let error: Error | undefined;
    try {
      parseSavedQuery(header + body, 'q.sql');
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(message);
    expect(error?.message).toMatch(/^q\.sql: .*move it into a WHERE/);
    expect(error?.message).not.toContain('\n');
  });

  it('accepts placeholders in WHERE clauses, of the query or of a CTE', () => {
    expect(() => parseSavedQuery(`${header}WITH c AS (SELECT ticket_id FROM tickets_latest WHERE priority = :p) SELECT * FROM c`, 'q.sql')).not.toThrow();
  });

  it.each(loadSavedQueries(DEFAULT_QUERIES_DIR).map((q) => [q.name, q.file] as const))('queries/%s has every placeholder in a WHERE clause', (_name, file) => {
    const sql = readFileSync(file, 'utf8');
    expect(placeholdersOutsideWhere(sql).map((p) => `:${p.name} in ${p.clause}`)).toEqual([]);
  });

  it('checks the SQL the queries directory really holds (escalations and sla-due-soon bind parameters)', () => {
    for (const name of ['escalations', 'sla-due-soon']) {
      const sql = readFileSync(join(DEFAULT_QUERIES_DIR, `${name}.sql`), 'utf8');
      expect(placeholderClauses(sql).length, name).toBeGreaterThan(0);
    }
  });
});
