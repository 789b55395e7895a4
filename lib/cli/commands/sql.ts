/** `freshlake sql "<SQL>"`: ad-hoc SQL (Trino dialect) on either engine. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { InputError, UsageError } from '../../errors';
import { cliContext, type CliContext } from '../context';
import { addEngineOptions } from '../engine-options';
import { addOutputOptions } from '../options';
import { runQuery, type QueryCommandOptions } from '../query-runner';

interface SqlOptions extends QueryCommandOptions {
  readonly file?: string;
}

export function registerSqlCommand(program: Command): void {
  const command = program
    .command('sql')
    .description('Run ad-hoc SQL (Athena/Trino dialect; the local engine understands it too) against ticket_events, ticket_history and tickets_latest.')
    .argument('[sql]', 'the SQL text, or - to read it from stdin')
    .option('--file <path>', 'read the SQL from a file');
  addEngineOptions(command);
  addOutputOptions(command);
  command
    .addHelpText(
      'after',
      `
Examples:
  $ freshlake sql "SELECT status_name, count(*) AS tickets FROM tickets_latest GROUP BY 1"
  $ freshlake sql --file report.sql --format csv -o report.csv
  $ echo "SELECT count(*) FROM ticket_events WHERE dt = '2026-11-27'" | freshlake sql - --engine athena --stack Freshlake-123456`,
    )
    .action(async (sqlArgument: string | undefined, options: SqlOptions, cmd: Command) => {
      const context = cliContext(cmd);
      const sql = (await sqlText(sqlArgument, options.file, context)).trim().replace(/;\s*$/, '');
      if (!sql) throw new UsageError('The SQL is empty.');
      await runQuery(sql, [], options, context);
    });
}

async function sqlText(argument: string | undefined, file: string | undefined, context: CliContext): Promise<string> {
  if (argument !== undefined && file !== undefined) throw new UsageError('Give the SQL either as an argument or with --file, not both.');
  if (file !== undefined) {
    try {
      return readFileSync(resolve(context.cwd, file), 'utf8');
    } catch (error) {
      throw new InputError(`Cannot read --file ${file}: ${(error as Error).message}`, { cause: error });
    }
  }
  if (argument === '-') return context.readStdin();
  if (argument === undefined) throw new UsageError('No SQL: pass it as an argument, as - to read stdin, or with --file <path>.');
  return argument;
}
