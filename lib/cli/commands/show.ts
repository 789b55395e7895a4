/** `freshlake show <name>`: one saved query, header and SQL, as stored. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { cliContext } from '../context';
import { addQueriesDirOption, loadCatalogQuery } from '../options';

export function registerShowCommand(program: Command): void {
  const command = program
    .command('show')
    .description('Print a saved query: its header (name, description, parameters) and its SQL.')
    .argument('<name>', 'saved query name (see "freshlake queries")')
    .addHelpText(
      'after',
      `
Examples:
  $ freshlake show urgent-unassigned
  $ freshlake show refund-tickets-today > refund.sql`,
    );
  addQueriesDirOption(command);
  command.action((name: string, options: { queries?: string }, cmd: Command) => {
    const context = cliContext(cmd);
    const query = loadCatalogQuery(options.queries, context, name);
    const text = readFileSync(query.file, 'utf8');
    context.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  });
}
