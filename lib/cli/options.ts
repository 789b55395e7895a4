/**
 * Options shared by several commands, defined once so their names, help and defaults agree.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { resolve } from 'node:path';
import { DEFAULT_QUERIES_DIR, UnknownSavedQueryError, loadSavedQueries, loadSavedQuery, type SavedQuery } from '../saved-queries';
import { InputError } from '../errors';
import type { CliContext } from './context';
import { OUTPUT_FORMATS, type OutputFormat } from './output';

/** Environment variable naming the local lake directory. */
export const LAKE_ENV = 'FRESHLAKE_LAKE';
/** Local lake directory when neither --lake nor FRESHLAKE_LAKE is given (relative to the working directory). */
export const DEFAULT_LAKE_DIR = '.freshlake/lake';
/** Environment variable naming a directory of saved queries (instead of this checkout's queries/). */
export const QUERIES_DIR_ENV = 'FRESHLAKE_QUERIES';

export interface OutputOptions {
  readonly format: OutputFormat;
  readonly output?: string;
}

/** --format and --output. */
export function addOutputOptions(command: Command, defaultFormat: OutputFormat = 'table'): Command {
  return command
    .addOption(new Option('-f, --format <format>', 'output format; json is one array of objects keyed by column name').choices(OUTPUT_FORMATS).default(defaultFormat))
    .option('-o, --output <file>', 'write the result to a file instead of stdout');
}

/** --lake <dir>: for commands that read or write the local lake. */
export function addLakeOption(command: Command): Command {
  return command.option('--lake <dir>', `local lake directory (env ${LAKE_ENV}, default ${DEFAULT_LAKE_DIR})`);
}

/** The lake directory from --lake, then FRESHLAKE_LAKE, then the default, as an absolute path. */
export function resolveLakeDir(lakeOption: string | undefined, context: CliContext): string {
  return resolve(context.cwd, lakeOption ?? context.env[LAKE_ENV] ?? DEFAULT_LAKE_DIR);
}

/** --queries <dir>: an alternative saved-query directory. */
export function addQueriesDirOption(command: Command): Command {
  return command.option('--queries <dir>', `saved-query directory (env ${QUERIES_DIR_ENV}, default: the queries/ folder of freshlake)`);
}

/** Loads the saved-query catalog from --queries, FRESHLAKE_QUERIES or the built-in folder. */
export function loadCatalog(queriesOption: string | undefined, context: CliContext): SavedQuery[] {
  return fromQueriesDir(queriesOption, context, loadSavedQueries);
}

/** Loads one saved query of the catalog (loadCatalog's directory), parsing only its file. */
export function loadCatalogQuery(queriesOption: string | undefined, context: CliContext, name: string): SavedQuery {
  return fromQueriesDir(queriesOption, context, (dir) => loadSavedQuery(dir, name));
}

function fromQueriesDir<T>(queriesOption: string | undefined, context: CliContext, load: (dir: string) => T): T {
  const configured = queriesOption ?? context.env[QUERIES_DIR_ENV];
  const dir = configured ? resolve(context.cwd, configured) : DEFAULT_QUERIES_DIR;
  try {
    return load(dir);
  } catch (error) {
    if (error instanceof UnknownSavedQueryError) throw error;
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InputError(`No saved-query directory at ${dir}: pass --queries <dir> or set ${QUERIES_DIR_ENV}.`, { cause: error });
    }
    // A malformed query file names itself and the bad header line.
    throw new InputError((error as Error).message, { cause: error });
  }
}

/** commander argument parser for a positive integer option. */
export function positiveInteger(max: number): (text: string) => number {
  return (text) => {
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < 1 || value > max) throw new InvalidArgumentError(`expected a whole number from 1 to ${max}.`);
    return value;
  };
}

/** commander collector for repeatable options (-p a=1 -p b=2). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
