/**
 * Confines the local engine's DuckDB to the lake (issue 8 item 12). A saved query is code that
 * someone else may have written (`--queries`, `FRESHLAKE_QUERIES`), so the SQL the engine runs
 * may read the lake directory (events, dimension snapshots, the cache) and nothing else: no other
 * file, no write, no ATTACH, no extension, no network, and no way to change that back.
 *
 * DuckDB's own mechanisms do it, not a filter on the SQL text:
 * - the instance starts with extension auto-install and auto-load off, and community extensions off;
 * - once the engine has attached its cache and created its views, `allowed_directories` is set to
 *   the lake (and the engine's temporary copy directory), `enable_external_access` goes off (every
 *   file system access outside those directories, symlinks resolved, fails with a Permission
 *   Error) and `lock_configuration` goes on (every SET/RESET fails, so none of it can be undone);
 * - `allowed_directories` cannot tell a read from a write, so each statement is also checked by
 *   what DuckDB's parser makes of it, before it is prepared (preparing EXPORT DATABASE already
 *   creates its directory): only one query (SELECT, WITH, VALUES, FROM, DESCRIBE, SHOW, SUMMARIZE,
 *   or EXPLAIN [ANALYZE] of one of those) runs; json_serialize_sql, the parser's serializer, takes
 *   queries only. COPY, EXPORT, ATTACH, DETACH, CREATE, DROP, INSERT, INSTALL, LOAD, CALL, PRAGMA
 *   and SET are refused, and the prepared statement's type is checked again.
 * @see https://duckdb.org/docs/stable/operations_manual/securing_duckdb/overview
 */
import { realpathSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { StatementType, type DuckDBConnection, type DuckDBPreparedStatement } from '@duckdb/node-api';
import { UsageError } from '../errors';
import { sqlString } from './lake-scan';

/** Options for DuckDBInstance.create: nothing is installed or loaded behind the engine's back. */
export const SANDBOX_INSTANCE_OPTIONS: Readonly<Record<string, string>> = {
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
  allow_community_extensions: 'false',
};

/**
 * Locks the instance to the directories (the lake first). Run it last, after the cache is
 * attached and the views exist: from here on no setting of the instance can change.
 * @param temporaryDirectory where DuckDB may spill (one of the engine's own, deleted on close)
 */
export async function confineToDirectories(connection: DuckDBConnection, directories: readonly string[], temporaryDirectory: string): Promise<void> {
  const allowed = new Set<string>();
  for (const directory of directories) {
    // DuckDB compares the resolved path of each access (symlinks followed) with these prefixes.
    for (const path of [resolve(directory), safeRealpath(directory)]) if (path) allowed.add(path.endsWith(sep) ? path : path + sep);
  }
  // In this order, in one call: the last one locks the others.
  await connection.run(
    [
      `SET temp_directory = ${sqlString(temporaryDirectory)}`,
      `SET allowed_directories = [${[...allowed].map(sqlString).join(', ')}]`,
      'SET enable_external_access = false',
      'SET lock_configuration = true',
    ].join(';\n'),
  );
}

/** `EXPLAIN [ANALYZE]` before a statement: EXPLAIN ANALYZE runs it, so the statement is checked too. */
const EXPLAIN_PREFIX = /^\s*EXPLAIN\s+(?:ANALYZE\s+)?/i;

/**
 * Refuses SQL that is not exactly one query, before it is prepared (parsing has no side effects;
 * binding some statements has).
 * @returns whether the parser read it as one query; when it did not (a syntax error), prepare()
 *   reports the error, and refuseUnlessQueryType refuses whatever prepare() makes of it anyway
 * @throws UsageError saying what runs
 */
export async function refuseUnlessQuery(connection: DuckDBConnection, sql: string): Promise<boolean> {
  const statement = sql.replace(EXPLAIN_PREFIX, '');
  const check = await connection.prepare('SELECT json_serialize_sql(CAST(? AS VARCHAR))');
  check.bindVarchar(1, statement);
  const parsed = JSON.parse(String((await check.runAndReadAll()).getRows()[0][0])) as { error?: boolean; error_message?: string; statements?: unknown[] };
  check.destroySync();
  // Any other parse error (a typo) is left to prepare(), which reports it the usual way.
  if (parsed.error && /Only SELECT statements/i.test(parsed.error_message ?? '')) throw refusal(firstWord(statement));
  if (!parsed.error && (parsed.statements?.length ?? 0) > 1) throw new UsageError('Run one statement at a time: the SQL holds several.');
  return !parsed.error && parsed.statements?.length === 1;
}

/**
 * The same rule on the prepared statement, as a second line of defence. A statement the parser
 * check could not read but prepare() could (`EXPLAIN (ANALYZE) ...`: options the EXPLAIN prefix
 * above does not take off) is refused too: what it would run was never checked.
 */
export function refuseUnlessQueryType(prepared: DuckDBPreparedStatement, parsedAsQuery: boolean): void {
  const type = prepared.statementType;
  if (type !== StatementType.SELECT && type !== StatementType.EXPLAIN) throw refusal(StatementType[type] ?? String(type));
  if (!parsedAsQuery) throw refusal(type === StatementType.EXPLAIN ? 'EXPLAIN with options' : 'this statement');
}

function refusal(statement: string): UsageError {
  return new UsageError(
    `The local engine runs queries only (SELECT, WITH, VALUES, EXPLAIN ...), not ${statement}: it reads the lake and nothing else, and writes, attaches, installs, loads and changes nothing.`,
  );
}

function firstWord(sql: string): string {
  const word = /[A-Za-z]+/.exec(sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ''))?.[0];
  return word ? `${word.toUpperCase()} statements` : 'this statement';
}

function safeRealpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
