/**
 * The saved-query catalog: `queries/*.sql`, one query per file, with a header of `--` lines:
 *
 *   -- name: refund-tickets-today
 *   -- description: Tickets of type Refund created on a day.
 *   -- param: day date = today | UTC day the tickets were created
 *   -- param: type enum(Refund,Question) = Refund | Ticket type
 *
 * The body uses `:name` placeholders. They are turned into positional `?` parameters and the values
 * are bound by the engine (Athena ExecutionParameters, DuckDB prepared statements), never spliced
 * into the SQL text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDay, utcDay } from './lake-layout';
import { UsageError } from './errors';
import { placeholdersOutsideWhere } from './saved-query-clauses';
import { PACKAGE_ROOT } from './package-root';

export type ParameterType = 'date' | 'timestamp' | 'integer' | 'string' | 'enum';

export interface QueryParameter {
  readonly name: string;
  readonly type: ParameterType;
  /** Allowed values of an enum parameter. */
  readonly allowed?: readonly string[];
  /** Smallest and largest value of an integer parameter, when it declares them: `integer(1..10000)`. */
  readonly min?: number;
  readonly max?: number;
  /** Default as written in the header (`today`, `today-7`, `now`, or a literal); none = required. */
  readonly defaultValue?: string;
  readonly description: string;
}

export interface SavedQuery {
  readonly name: string;
  readonly description: string;
  readonly parameters: readonly QueryParameter[];
  /** The SQL body with `:name` placeholders. */
  readonly sql: string;
  readonly file: string;
}

/** A value ready for an engine to bind. Dates and timestamps travel as text (`CAST` in the SQL). */
export interface BoundParameter {
  readonly name: string;
  readonly type: ParameterType;
  readonly value: string | number;
}

export interface BoundQuery {
  /** SQL with positional `?` placeholders. */
  readonly sql: string;
  /** One value per `?`, in order. */
  readonly values: readonly BoundParameter[];
}

/** The shipped queries/ directory (of this checkout, or of the installed package). */
export const DEFAULT_QUERIES_DIR = join(PACKAGE_ROOT, 'queries');

const NAME = /^[a-z0-9][a-z0-9-]*$/;
const PARAM_LINE = /^(\w+)\s+(date|timestamp|integer(?:\((-?\d{1,15})\.\.(-?\d{1,15})\))?|string|enum\(([^)]*)\))(?:\s*=\s*([^|]*?))?\s*(?:\|\s*(.*))?$/;

/** Parses one saved-query file. @throws Error naming the file and the header line at fault. */
export function parseSavedQuery(text: string, file: string): SavedQuery {
  const header: Record<string, string> = {};
  const parameters: QueryParameter[] = [];
  const lines = text.split(/\r?\n/);
  let bodyStart = 0;
  for (; bodyStart < lines.length; bodyStart++) {
    const line = lines[bodyStart];
    const m = /^--\s*(name|description|param):\s*(.*)$/.exec(line);
    if (!m) {
      if (line.trim() === '' || line.startsWith('--')) continue;
      break;
    }
    const [, key, value] = m;
    if (key !== 'param') {
      header[key] = header[key] ? `${header[key]} ${value.trim()}` : value.trim();
      continue;
    }
    const p = PARAM_LINE.exec(value.trim());
    if (!p) {
      throw new Error(
        `${file}: bad parameter line "${line}": expected "-- param: <name> <date|timestamp|integer|integer(min..max)|string|enum(a,b)> [= default] [| description]".`,
      );
    }
    const [, name, typeText, min, max, enumValues, defaultValue, description] = p;
    const type = (typeText.startsWith('enum') ? 'enum' : typeText.startsWith('integer') ? 'integer' : typeText) as ParameterType;
    if (min !== undefined && Number(min) > Number(max)) throw new Error(`${file}: parameter ${name}: bounds ${min}..${max} must be written smallest first.`);
    parameters.push({
      name,
      type,
      allowed: enumValues?.split(',').map((v) => v.trim()),
      ...(min !== undefined ? { min: Number(min), max: Number(max) } : {}),
      defaultValue: defaultValue?.trim() || undefined,
      description: description?.trim() ?? '',
    });
  }
  if (!header.name || !NAME.test(header.name)) throw new Error(`${file}: missing or invalid "-- name:" header (lower-case letters, digits and -).`);
  if (!header.description) throw new Error(`${file}: missing "-- description:" header.`);
  const sql = lines.slice(bodyStart).join('\n').trim().replace(/;\s*$/, '');
  const query: SavedQuery = { name: header.name, description: header.description, parameters, sql, file };
  // Every placeholder must be declared and every declared parameter used, or binding would shift.
  const used = new Set(placeholders(sql).map((p) => p.name));
  for (const name of used) if (!parameters.some((p) => p.name === name)) throw new Error(`${file}: :${name} is used but not declared with "-- param:".`);
  for (const p of parameters) if (!used.has(p.name)) throw new Error(`${file}: parameter ${p.name} is declared but not used.`);
  for (const p of parameters) {
    if (p.defaultValue === undefined) continue;
    try {
      resolveParameter(p, p.defaultValue, new Date(0));
    } catch (error) {
      throw new UsageError(`${file}: default "${p.defaultValue}" of parameter ${p.name}: ${(error as Error).message}`);
    }
  }
  const outsideWhere = placeholdersOutsideWhere(sql)[0];
  if (outsideWhere) {
    throw new Error(
      `${file}: :${outsideWhere.name} is in ${outsideWhere.clause ? `the ${outsideWhere.clause} clause` : 'no clause'}, and Athena accepts parameters only in a WHERE clause: ` +
        'move it into a WHERE (of a subquery or CTE if the SELECT list needs the value).',
    );
  }
  return query;
}

/** Loads every `*.sql` in the directory, sorted by name. */
export function loadSavedQueries(dir = DEFAULT_QUERIES_DIR): SavedQuery[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const queries = files.map((f) => parseSavedQuery(readFileSync(join(dir, f), 'utf8'), join(dir, f)));
  const seen = new Set<string>();
  for (const q of queries) {
    if (seen.has(q.name)) throw new Error(`Two saved queries are named ${q.name}; names must be unique.`);
    seen.add(q.name);
  }
  // Names are [a-z0-9-]: code-unit order is the collation order, and it spares every CLI run the
  // 20 ms that setting up ICU collation (localeCompare's first call) costs.
  return queries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Loads the saved query of this name only: every file's `-- name:` header is read, one file is
 * parsed (parsing all of them is most of a `freshlake run`'s start-up). A malformed file elsewhere
 * in the directory does not stop it; `freshlake queries` reports those.
 * @throws UnknownSavedQueryError listing the names that exist; Error when two files share the name or the file is malformed
 */
export function loadSavedQuery(dir: string, name: string): SavedQuery {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const names: string[] = [];
  let match: { file: string; text: string } | undefined;
  for (const f of files) {
    const file = join(dir, f);
    const text = readFileSync(file, 'utf8');
    const header = /^--\s*name:\s*(.*)$/m.exec(text)?.[1]?.trim();
    if (header === undefined) continue;
    names.push(header);
    if (header !== name) continue;
    if (match) throw new Error(`Two saved queries are named ${name}; names must be unique.`);
    match = { file, text };
  }
  if (!match) return findSavedQuery([], name, names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  return parseSavedQuery(match.text, match.file);
}

/** No saved query has the name asked for (a usage error: exit code 2). */
export class UnknownSavedQueryError extends UsageError {}

/** Finds a saved query by name. @throws UnknownSavedQueryError listing the names that exist. */
export function findSavedQuery(queries: readonly SavedQuery[], name: string, names: readonly string[] = queries.map((q) => q.name)): SavedQuery {
  const query = queries.find((q) => q.name === name);
  if (!query) {
    throw new UnknownSavedQueryError(`Unknown saved query "${name}". Run "freshlake queries" to list them (${names.join(', ')}).`);
  }
  return query;
}

interface Placeholder {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Finds `:name` placeholders outside string literals, quoted identifiers and comments.
 * `::` (a cast on some engines) is not a placeholder.
 */
export function placeholders(sql: string): Placeholder[] {
  const found: Placeholder[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      const close = sql.indexOf(c, i + 1);
      // A doubled quote inside a literal is an escaped quote: skipping close+1 handles it.
      i = close === -1 ? sql.length : close + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const eol = sql.indexOf('\n', i);
      i = eol === -1 ? sql.length : eol + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close === -1 ? sql.length : close + 2;
    } else if (c === ':' && sql[i + 1] === ':') {
      i += 2;
    } else if (c === ':' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const m = /^[A-Za-z_]\w*/.exec(sql.slice(i + 1))!;
      found.push({ name: m[0], start: i, end: i + 1 + m[0].length });
      i += 1 + m[0].length;
    } else {
      i++;
    }
  }
  return found;
}

/** The query with positional `?` placeholders, as saved in Athena (the console asks for the values). */
export function positionalSql(sql: string): { sql: string; names: string[] } {
  let out = '';
  let last = 0;
  const names: string[] = [];
  for (const p of placeholders(sql)) {
    out += sql.slice(last, p.start) + '?';
    last = p.end;
    names.push(p.name);
  }
  return { sql: out + sql.slice(last), names };
}

const INTEGER = /^-?\d{1,15}$/;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?Z?$/;
const RELATIVE_DAY = /^today(?:([+-])(\d+))?$/;
/**
 * How far `today-N` / `today+N` may reach: 36,600 days, about 100 years. Beyond it the date leaves
 * the range the engines' date arithmetic handles (DuckDB fails inside the query), and no question
 * of a helpdesk's tickets needs it.
 */
export const MAX_RELATIVE_DAYS = 36_600;

/**
 * Validates one parameter value (or resolves a default such as `today-7` against `now`).
 * @throws UsageError naming the parameter, the value and the expected form.
 */
export function resolveParameter(parameter: QueryParameter, raw: string, now: Date): string | number {
  const fail = (expected: string): never => {
    throw new UsageError(`Parameter ${parameter.name}: "${raw}" is not ${expected}.`);
  };
  switch (parameter.type) {
    case 'date': {
      const relative = RELATIVE_DAY.exec(raw);
      if (relative) {
        const days = relative[2] === undefined ? 0 : Number(relative[2]);
        if (days > MAX_RELATIVE_DAYS) {
          throw new UsageError(
            `Parameter ${parameter.name}: "${raw}" is out of range: today-N and today+N go at most ${MAX_RELATIVE_DAYS} days (about 100 years) from today; give a date YYYY-MM-DD for anything else.`,
          );
        }
        return utcDay(now.getTime() + (relative[1] === '-' ? -days : days) * 86_400_000);
      }
      return isDay(raw) ? raw : fail('a date YYYY-MM-DD (or today, today-7)');
    }
    case 'timestamp': {
      if (raw === 'now') return now.toISOString().replace('T', ' ').slice(0, 23);
      const m = TIMESTAMP.exec(raw);
      if (!m || !isDay(m[1]) || Number(m[2]) > 23 || Number(m[3]) > 59 || Number(m[4] ?? 0) > 59) {
        return fail('a UTC timestamp YYYY-MM-DD HH:MM[:SS] (or now)');
      }
      return `${m[1]} ${m[2]}:${m[3]}:${m[4] ?? '00'}${m[5] ?? ''}`;
    }
    case 'integer': {
      if (!INTEGER.test(raw)) return fail('an integer');
      const value = Number(raw);
      if ((parameter.min !== undefined && value < parameter.min) || (parameter.max !== undefined && value > parameter.max)) {
        throw new UsageError(`Parameter ${parameter.name}: "${raw}" is out of range: give an integer from ${parameter.min} to ${parameter.max}.`);
      }
      return value;
    }
    case 'enum':
      return parameter.allowed!.includes(raw) ? raw : fail(`one of ${parameter.allowed!.join(', ')}`);
    case 'string':
      return raw;
  }
}

/**
 * Validates `-p key=value` values against the query's parameters, fills defaults, and returns the
 * positional SQL with one bound value per placeholder.
 */
export function bindSavedQuery(query: SavedQuery, raw: Record<string, string>, now = new Date()): BoundQuery {
  for (const name of Object.keys(raw)) {
    if (!query.parameters.some((p) => p.name === name)) {
      const known = query.parameters.map((p) => p.name).join(', ') || 'none';
      throw new UsageError(`Query ${query.name} has no parameter "${name}" (parameters: ${known}).`);
    }
  }
  const values = new Map<string, BoundParameter>();
  for (const p of query.parameters) {
    const text = raw[p.name] ?? p.defaultValue;
    if (text === undefined) throw new UsageError(`Query ${query.name} needs -p ${p.name}=<${p.type}> (${p.description || 'no default'}).`);
    values.set(p.name, { name: p.name, type: p.type, value: resolveParameter(p, text, now) });
  }
  const { sql, names } = positionalSql(query.sql);
  return { sql, values: names.map((n) => values.get(n)!) };
}

/** Parses repeated `-p key=value` options. @throws UsageError on a missing `=`. */
export function parseParameterOptions(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`Bad parameter "${pair}": write -p name=value.`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}
