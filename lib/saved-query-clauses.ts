/**
 * Which SQL clause each `:name` placeholder of a saved query stands in.
 *
 * Athena binds execution parameters (the positional `?` a placeholder becomes) only in a WHERE
 * clause: `SELECT ? FROM t`, `LIMIT ?` or a `?` in a JOIN's ON fail there, while DuckDB accepts a
 * parameter anywhere. The saved-query catalog refuses such a query when it loads, so a query that
 * passes the local tests also runs on Athena.
 * @see https://docs.aws.amazon.com/athena/latest/ug/querying-with-prepared-statements.html
 *
 * The scan is lexical, not a parser: it skips string literals, quoted identifiers and comments,
 * follows parentheses, and remembers the last clause keyword at each nesting level. A placeholder
 * belongs to the innermost clause around it, so `WHERE x IN (SELECT y FROM t WHERE z = :p)` and
 * `WHERE d BETWEEN CAST(:from AS date) AND :to` are in a WHERE clause, and
 * `count(*) FILTER (WHERE x = :p)` in the SELECT list is not (an aggregate filter, not a query's WHERE).
 */

/** Where a placeholder stands. `clause` is undefined when no clause keyword precedes it. */
export interface PlaceholderClause {
  readonly name: string;
  /** Offset of the `:` in the SQL text. */
  readonly offset: number;
  /** `WHERE`, `SELECT`, `FROM`, `ON`, `GROUP BY`, `HAVING`, `ORDER BY`, `LIMIT`, `FILTER (WHERE)`, ... */
  readonly clause: string | undefined;
}

/** Keywords that start a clause; a placeholder after one of them (at the same level) is in it. */
const CLAUSE_KEYWORDS: Readonly<Record<string, string>> = {
  SELECT: 'SELECT',
  FROM: 'FROM',
  JOIN: 'FROM',
  WHERE: 'WHERE',
  GROUP: 'GROUP BY',
  HAVING: 'HAVING',
  WINDOW: 'WINDOW',
  QUALIFY: 'QUALIFY',
  ORDER: 'ORDER BY',
  LIMIT: 'LIMIT',
  OFFSET: 'OFFSET',
  FETCH: 'FETCH',
  ON: 'ON',
  USING: 'USING',
  VALUES: 'VALUES',
  UNION: 'UNION',
  INTERSECT: 'INTERSECT',
  EXCEPT: 'EXCEPT',
};

interface Level {
  clause: string | undefined;
  /** The parenthesis was opened by `FILTER (`: its WHERE filters an aggregate. */
  readonly aggregateFilter: boolean;
}

/** Every `:name` placeholder (outside literals, quoted identifiers and comments) with its clause. */
export function placeholderClauses(sql: string): PlaceholderClause[] {
  const found: PlaceholderClause[] = [];
  const levels: Level[] = [{ clause: undefined, aggregateFilter: false }];
  let previousWord = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      // A doubled quote inside a literal closes and reopens it: the scan lands in the same place.
      const close = sql.indexOf(c, i + 1);
      i = close === -1 ? sql.length : close + 1;
      previousWord = '';
    } else if (c === '-' && sql[i + 1] === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? sql.length : eol + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? sql.length : close + 2;
    } else if (c === '(') {
      levels.push({ clause: undefined, aggregateFilter: previousWord === 'FILTER' });
      previousWord = '';
      i++;
    } else if (c === ')') {
      if (levels.length > 1) levels.pop();
      previousWord = '';
      i++;
    } else if (c === ':' && sql[i + 1] === ':') {
      i += 2;
    } else if (c === ':' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const name = /^[A-Za-z_]\w*/.exec(sql.slice(i + 1))![0];
      found.push({ name, offset: i, clause: innermostClause(levels) });
      i += 1 + name.length;
      previousWord = '';
    } else if (/[A-Za-z_]/.test(c)) {
      const word = /^[A-Za-z_]\w*/.exec(sql.slice(i))![0];
      const upper = word.toUpperCase();
      // `t.where` is a column, not a keyword.
      const qualified = i > 0 && sql[i - 1] === '.';
      const clause = qualified ? undefined : CLAUSE_KEYWORDS[upper];
      if (clause) {
        const level = levels[levels.length - 1];
        level.clause = clause === 'WHERE' && level.aggregateFilter ? 'FILTER (WHERE)' : clause;
      }
      previousWord = upper;
      i += word.length;
    } else {
      if (!/\s/.test(c)) previousWord = '';
      i++;
    }
  }
  return found;
}

function innermostClause(levels: readonly Level[]): string | undefined {
  for (let l = levels.length - 1; l >= 0; l--) if (levels[l].clause !== undefined) return levels[l].clause;
  return undefined;
}

/** The placeholders Athena would refuse: those not in a WHERE clause. */
export function placeholdersOutsideWhere(sql: string): PlaceholderClause[] {
  return placeholderClauses(sql).filter((p) => p.clause !== 'WHERE');
}
