/**
 * The options that pick and configure a query engine (--engine local|athena and each engine's
 * settings), and opening the engine they describe.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { ATHENA_MAX_REUSE_MINUTES } from '../engines/athena-limits';
import type { QueryEngine } from '../engines/engine';
import { EVENT_CACHE_ENV, eventCacheEnabled } from '../engines/event-cache-switch';
import { EVENTS_PREFIX } from '../lake-layout';
import { InputError, UsageError } from '../errors';
import type { CliContext } from './context';
import { addAwsOptions, awsClientConfig, type AwsOptions } from './aws-options';
import { addLakeOption, LAKE_ENV, positiveInteger, resolveLakeDir } from './options';
import { readStackOutputs, requireStackOutput } from './stack-outputs';

export const ENGINES = ['local', 'athena'] as const;
export type EngineName = (typeof ENGINES)[number];

export interface EngineOptions extends AwsOptions {
  readonly engine: EngineName;
  readonly lake?: string;
  /** false with --no-cache (commander's default for a --no- flag is true). */
  readonly cache?: boolean;
  readonly workgroup?: string;
  readonly database?: string;
  readonly stack?: string;
  readonly reuseMinutes?: number;
}

/** Options that only mean something for Athena, by their commander attribute name and flag. */
const ATHENA_ONLY: readonly [keyof EngineOptions, string][] = [
  ['workgroup', '--workgroup'],
  ['database', '--database'],
  ['stack', '--stack'],
  ['reuseMinutes', '--reuse-minutes'],
  ['region', '--region'],
  ['profile', '--profile'],
];

export function addEngineOptions(command: Command): Command {
  command.addOption(new Option('-e, --engine <engine>', 'where the query runs').choices(ENGINES).default('local'));
  addLakeOption(command);
  command
    .option('--no-cache', `local: read the lake files directly instead of the cache of parsed events in <lake>/.cache (env ${EVENT_CACHE_ENV}=0)`)
    .option('--stack <name>', 'athena: take workgroup and database from this deployed stack\'s outputs (e.g. Freshlake-123456)')
    .option('--workgroup <name>', 'athena: workgroup to run in (default: the stack\'s, else primary)')
    .option('--database <name>', 'athena: Glue database of ticket_events (default: the stack\'s)')
    .option('--reuse-minutes <n>', `athena: serve a stored result of the same query up to n minutes old (1-${ATHENA_MAX_REUSE_MINUTES})`, positiveInteger(ATHENA_MAX_REUSE_MINUTES));
  addAwsOptions(command);
  return command;
}

/**
 * Opens the engine the options describe.
 * @throws UsageError for options of the other engine or missing Athena settings
 * @throws InputError when the local lake does not exist
 */
export async function openEngine(options: EngineOptions, context: CliContext): Promise<QueryEngine> {
  if (options.engine === 'local') {
    const misplaced = ATHENA_ONLY.filter(([key]) => options[key] !== undefined).map(([, flag]) => flag);
    if (misplaced.length > 0) throw new UsageError(`${misplaced.join(', ')} ${misplaced.length === 1 ? 'applies' : 'apply'} only to Athena: add --engine athena.`);
    return openLocalEngine(resolveLakeDir(options.lake, context), options.lake !== undefined, options.cache !== false && eventCacheEnabled(context.env), context);
  }
  if (options.lake !== undefined) throw new UsageError('--lake only applies to the local engine: drop it, or use --engine local.');
  if (options.cache === false) throw new UsageError('--no-cache only applies to the local engine: drop it, or use --engine local.');
  const clientConfig = awsClientConfig(options);
  let { workgroup, database } = options;
  if (options.stack) {
    const outputs = await readStackOutputs(options.stack, clientConfig);
    workgroup ??= requireStackOutput(options.stack, outputs, 'athenaWorkGroupName');
    database ??= requireStackOutput(options.stack, outputs, 'glueDatabaseName');
  }
  if (!database) {
    throw new UsageError('Athena needs to know where ticket_events is: pass --stack <name> (the deployed freshlake stack), or --database <name> [--workgroup <name>].');
  }
  // The Athena engine (and with it the AWS SDK) loads only for an Athena run.
  const { AthenaEngine } = await import('../engines/athena-engine');
  return new AthenaEngine({ workGroup: workgroup, database, reuseMaxAgeMinutes: options.reuseMinutes, clientConfig });
}

async function openLocalEngine(lakeDir: string, fromOption: boolean, cache: boolean, context: CliContext): Promise<QueryEngine> {
  if (!existsSync(lakeDir) || !statSync(lakeDir).isDirectory()) {
    const how = fromOption ? '--lake' : `${LAKE_ENV} or the default`;
    throw new InputError(
      `No local lake at ${lakeDir} (from ${how}): create one with "freshlake demo" or "freshlake ingest", or point --lake / ${LAKE_ENV} at a lake directory.`,
    );
  }
  if (!existsSync(join(lakeDir, EVENTS_PREFIX))) {
    throw new InputError(`${lakeDir} is not a freshlake lake (no ${EVENTS_PREFIX} folder): point --lake at the directory that holds ${EVENTS_PREFIX}.`);
  }
  // DuckDB's native module takes over half a second to load: only commands that query load it.
  const { LocalEngine } = await import('../engines/local-engine');
  // Cache notes (loading new files, or why the cache is not used) are progress: terminal only.
  const onStatus = context.stderr.isTTY ? (message: string) => context.stderr.write(`${message}\n`) : undefined;
  // A lake object left out of the answers is never silent: always on stderr.
  const onWarning = (message: string) => context.stderr.write(`${message}\n`);
  return LocalEngine.open({ lakeDir, cache, onStatus, onWarning });
}
