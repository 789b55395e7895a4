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
    if (options.format === 'table' && !options.output) {
      // Descriptions run to several sentences: a wrapped listing reads better than a table row.
      context.stdout.write(catalogListing(catalog));
      return;
    }
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
    min: p.min ?? null,
    max: p.max ?? null,
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
  const type = p.type === 'enum' ? `enum(${p.allowed!.join(',')})` : p.min !== undefined ? `integer(${p.min}..${p.max})` : p.type;
  const value = p.defaultValue === undefined ? ' (required)' : ` = ${p.defaultValue}`;
  return `${p.name} ${type}${value}${p.description ? `: ${p.description}` : ''}`;
}

const LISTING_WIDTH = 88;

/** The catalog for people: each name, its description wrapped, and one line per parameter. */
export function catalogListing(catalog: readonly SavedQuery[]): string {
  const blocks = catalog.map((q) => {
    const lines = [q.name, ...wrap(q.description, LISTING_WIDTH - 4).map((l) => `    ${l}`)];
    for (const p of q.parameters) lines.push(...wrap(parameterUsage(p), LISTING_WIDTH - 4).map((l, i) => `${i === 0 ? '    ' : '        '}${l}`));
    return lines.join('\n');
  });
  return `${blocks.join('\n\n')}\n\nRun one with "freshlake run <name> [-p name=value ...]"; "freshlake show <name>" prints its SQL.\n`;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (current && current.length + 1 + word.length > width) {
      lines.push(current);
      current = word;
    } else {
      current = current ? `${current} ${word}` : word;
    }
  }
  if (current) lines.push(current);
  return lines;
}

/** `-p limit=<integer>, default 100: Most rows to return`, as a user types it. */
export function parameterUsage(p: QueryParameter): string {
  const value = p.type === 'enum' ? p.allowed!.join('|') : p.min !== undefined ? `integer ${p.min}..${p.max}` : p.type;
  const presence = p.defaultValue === undefined ? 'required' : `default ${p.defaultValue}`;
  return `-p ${p.name}=<${value}>, ${presence}${p.description ? `: ${p.description}` : ''}`;
}
