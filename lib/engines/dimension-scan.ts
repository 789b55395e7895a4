/**
 * The local engine's dimension relations (`agents`, `groups`, `ticket_statuses`, ...; lib/dimensions):
 * each a view over `<lake>/dimensions/<name>/*.gz` with the declared columns and types (never
 * auto-detected), or an empty relation with the same columns when the lake holds no snapshot of it,
 * so the views that join names and every saved query run on a lake that was never synced.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DIMENSION_NAMES, DIMENSION_TABLES, DimensionName, dimensionDuckDbColumns, dimensionPrefix } from '../dimensions/tables';
import { LAKE_OBJECT_EXTENSION } from '../lake-layout';
import { quoteDuckDbIdentifier } from '../schema';
import { sqlString } from './lake-scan';

/** The glob of a dimension's snapshot files in a local lake. */
export function dimensionFilesGlob(lakeDir: string, name: DimensionName): string {
  return join(resolve(lakeDir), dimensionPrefix(name), `*${LAKE_OBJECT_EXTENSION}`);
}

/** Whether the lake holds a snapshot file of a dimension: what dimensionFilesGlob matches (files, not directories). */
export function hasDimensionFiles(lakeDir: string, name: DimensionName): boolean {
  try {
    return readdirSync(join(resolve(lakeDir), dimensionPrefix(name)), { withFileTypes: true }).some((e) => e.name.endsWith(LAKE_OBJECT_EXTENSION) && !e.isDirectory());
  } catch {
    return false;
  }
}

/** `CREATE OR REPLACE VIEW <name>` over the snapshot files, or empty when there are none. */
export function dimensionViewSql(lakeDir: string, name: DimensionName, hasFiles: boolean): string {
  const table = DIMENSION_TABLES[name];
  const relation = quoteDuckDbIdentifier(name);
  if (!hasFiles) {
    // read_json fails on a glob that matches nothing.
    const nulls = table.columns.map((c) => `CAST(NULL AS ${c.type.duckDb}) AS ${quoteDuckDbIdentifier(c.name)}`);
    return `CREATE OR REPLACE VIEW ${relation} AS SELECT ${nulls.join(', ')} WHERE false`;
  }
  const options = [
    sqlString(dimensionFilesGlob(lakeDir, name)),
    `columns = ${dimensionDuckDbColumns(table)}`,
    "format = 'newline_delimited'",
    "compression = 'gzip'",
    // As on Athena (ignore.malformed.json): a bad line becomes NULLs, not a failed query.
    'ignore_errors = true',
  ];
  const columns = table.columns.map((c) => quoteDuckDbIdentifier(c.name)).join(', ');
  return `CREATE OR REPLACE VIEW ${relation} AS SELECT ${columns} FROM read_json(${options.join(', ')})`;
}

/** The dimension names, in creation order (before the lake views, which join them). */
export const LOCAL_DIMENSION_RELATIONS: readonly DimensionName[] = DIMENSION_NAMES;
