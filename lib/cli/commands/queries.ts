/** `freshlake queries`: the saved-query catalog with descriptions and parameters. */
import { Command } from 'commander';
import type { QueryParameter, SavedQuery } from '../../saved-queries';
import type { RowValue } from '../../engines/engine';
import { cliContext } from '../context';
import { addOutputOptions, addQueriesDirOption, loadCatalog, type OutputOptions } from '../options';
import { openOutputDestination, writeResult } from '../output';

interface QueriesOptions extends OutputOptions {
  readonly queries?: string;
}

export function registerQueriesCommand(program: Command): void {
  const command = program
    .command('queries')
    .description('List the saved queries with their descriptions and parameters.')
    .addHelpText(
      'after',
      `
Examples:
  $ freshlake queries
  $ freshlake queries --format json`,
    );
  addOutputOptions(command);
  addQueriesDirOption(command);
  command.action(async (options: QueriesOptions, cmd: Command) => {
    const context = cliContext(cmd);
    const catalog = loadCatalog(options.queries, context);
    const structured = options.format === 'json' || options.format === 'ndjson';
    const rows: RowValue[][] = catalog.map((q) => [q.name, q.description, structured ? parameterObjects(q) : parameterSummary(q)]);
    const destination = await openOutputDestination(context, options.output);
    await writeResult(
      [
        { name: 'name', type: 'varchar' },
        { name: 'description', type: 'varchar' },
        { name: 'parameters', type: structured ? 'json' : 'varchar' },
      ],
      (async function* () {
        yield rows;
      })(),
      options.format,
      destination,
    );
    await destination.close();
  });
}

function parameterObjects(query: SavedQuery): RowValue[] {
  return query.parameters.map((p) => ({
    name: p.name,
    type: p.type,
    allowed: p.allowed ? [...p.allowed] : null,
    default: p.defaultValue ?? null,
    required: p.defaultValue === undefined,
    description: p.description,
  }));
}

/** `day date = today (UTC day ...)`, one parameter per line, for table and CSV cells. */
export function parameterSummary(query: SavedQuery): string {
  return query.parameters.map(describeParameter).join('\n');
}

export function describeParameter(p: QueryParameter): string {
  const type = p.type === 'enum' ? `enum(${p.allowed!.join(',')})` : p.type;
  const value = p.defaultValue === undefined ? ' (required)' : ` = ${p.defaultValue}`;
  return `${p.name} ${type}${value}${p.description ? `: ${p.description}` : ''}`;
}
