/**
 * The freshlake command line: builds the commander program and registers one command per module
 * in lib/cli/commands/. bin/freshlake.ts only calls main(process.argv).
 *
 * To add a command: write lib/cli/commands/<name>.ts exporting `register<Name>Command(program)`,
 * then add one import and one register call below. Use cliContext(command) for stdout/stderr/env
 * and throw lib/errors.ts classes; main() prints them as one line with the right exit code.
 *
 * Start-up: every run registers every command, so every command module is loaded by every run,
 * `freshlake --help` included. Keep a command module's top-level imports light: commander,
 * node:path / node:fs, lib/errors, the lib/cli helpers, and modules of constants used in the
 * options and help text. Everything else the action needs is loaded inside the action:
 *
 *   .action(async (options, cmd) => {
 *     const { GlueClient } = await import('@aws-sdk/client-glue');   // AWS SDK: always lazy
 *     const { ingestToLake } = await import('../../local/ingest');     // pipelines, engines, DuckDB
 *     ...
 *   });
 *
 * with `import type { ... }` at the top for the types. Always lazy: @aws-sdk/*, @duckdb/*, the
 * engines (lib/cli/engine-options.ts opens them), chart and report libraries, the local pipeline.
 * tsc compiles `await import()` to a require() on first use; bin/freshlake.js registers tsx for
 * both require() and import() when it runs the sources. test/package.test.ts checks that
 * `freshlake --help` and `freshlake queries` load neither the AWS SDK nor DuckDB, and that --help
 * loads none of the modules in its HEAVY_AT_START_UP list (engines, local pipeline, sync, report,
 * views); `npm run bench -- cli` measures the start-up (README, Development).
 */
import { Command, CommanderError } from 'commander';
import { attachCliContext, type CliContext } from './context';
import { reportError } from './error-report';
import { processCliContext } from './process-context';
import { registerQueriesCommand } from './commands/queries';
import { registerShowCommand } from './commands/show';
import { registerRunCommand } from './commands/run';
import { registerSqlCommand } from './commands/sql';
import { registerDdlCommand } from './commands/ddl';
import { registerCheckCommand } from './commands/check';
import { registerGenerateCommand } from './commands/generate';
import { registerIngestCommand } from './commands/ingest';
import { registerSyncCommand } from './commands/sync';
import { registerDemoCommand } from './commands/demo';
import { registerReportCommand } from './commands/report';

const VERSION = '0.1.0';

/** Builds the program (with every command) writing to the context's streams. */
export function buildProgram(context: CliContext): Command {
  const program = new Command('freshlake');
  attachCliContext(program, context);
  program
    .description('Saved SQL over the Freshdesk ticket-events lake, on Amazon Athena or on a local copy of the lake (DuckDB).')
    .version(VERSION, '-V, --version')
    .option('--debug', 'print stack traces (with their causes) on errors')
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .addHelpText(
      'after',
      `
Examples:
  $ freshlake queries
  $ freshlake run urgent-unassigned
  $ freshlake run refund-tickets-today -p day=2026-11-27 --format json
  $ freshlake run backlog --engine athena --stack Freshlake-123456
  $ freshlake sql "SELECT count(*) FROM tickets_latest"
  $ freshlake ddl --location s3://my-bucket/events/
  $ freshlake check --stack Freshlake-123456

Exit codes: 0 ok, 1 query failed / AWS error / drift found, 2 usage error, 130 interrupted.`,
    );

  registerQueriesCommand(program);
  registerShowCommand(program);
  registerRunCommand(program);
  registerSqlCommand(program);
  registerDdlCommand(program);
  registerCheckCommand(program);
  registerGenerateCommand(program);
  registerIngestCommand(program);
  registerSyncCommand(program);
  registerDemoCommand(program);
  registerReportCommand(program);

  applyToAllCommands(program, (command) => {
    command.exitOverride();
    command.configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
      // One line, like every other freshlake error, pointing at the help of the command at fault.
      outputError: (text, write) => write(`freshlake: ${oneLineCommanderError(text)} (see "${commandPath(command)} --help")\n`),
    });
  });
  return program;
}

/**
 * Runs the CLI and resolves to the exit code (it never calls process.exit, so tests can run it
 * in-process).
 * @param argv as process.argv: [node, script, ...args]
 */
export async function main(argv: readonly string[], context: CliContext = processCliContext()): Promise<number> {
  const program = buildProgram(context);
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return reportError(error, context.stderr, debug);
    return reportError(error, context.stderr, debug);
  }
}

function oneLineCommanderError(text: string): string {
  return text.replace(/^error:\s*/i, '').replace(/\s*\n\s*/g, ' ').trim();
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function applyToAllCommands(command: Command, apply: (command: Command) => void): void {
  apply(command);
  for (const sub of command.commands) applyToAllCommands(sub, apply);
}
