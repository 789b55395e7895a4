/** `freshlake run <name> [-p key=value ...]`: a saved query, with typed and bound parameters. */
import { Command } from 'commander';
import { bindSavedQuery, parseParameterOptions } from '../../saved-queries';
import { cliContext } from '../context';
import { addEngineOptions } from '../engine-options';
import { addOutputOptions, addQueriesDirOption, collect, loadCatalogQuery } from '../options';
import { runQuery, type QueryCommandOptions } from '../query-runner';

interface RunOptions extends QueryCommandOptions {
  readonly param?: string[];
  readonly queries?: string;
}

export function registerRunCommand(program: Command): void {
  const command = program
    .command('run')
    .description('Run a saved query on the local lake (default) or on Athena.')
    .argument('<name>', 'saved query name (see "freshlake queries")')
    .option('-p, --param <key=value>', 'query parameter, repeatable (see "freshlake show <name>")', collect);
  addEngineOptions(command);
  addOutputOptions(command);
  addQueriesDirOption(command);
  command
    .addHelpText(
      'after',
      `
Parameters are validated against their declared types (date YYYY-MM-DD or today/today-7,
timestamp, integer, string, enum) and bound, never pasted into the SQL.

After an Athena query, stderr shows run time, data scanned, cost ($5/TB, 10 MB minimum)
and whether a stored result was reused. Ctrl-C stops the Athena query before exiting.

Examples:
  $ freshlake run urgent-unassigned
  $ freshlake run refund-tickets-today -p day=2026-11-27 --format json
  $ freshlake run tickets-created-by-day -p from=today-30 -p to=today --format csv -o created.csv
  $ freshlake run backlog --engine athena --stack Freshlake-123456 --reuse-minutes 60
  $ freshlake run recent-events --engine athena --workgroup freshlake --database freshlake --profile analyst`,
    )
    .action(async (name: string, options: RunOptions, cmd: Command) => {
      const context = cliContext(cmd);
      const query = loadCatalogQuery(options.queries, context, name);
      const bound = bindSavedQuery(query, parseParameterOptions(options.param ?? []), context.now());
      await runQuery(bound.sql, bound.values, options, context);
    });
}
