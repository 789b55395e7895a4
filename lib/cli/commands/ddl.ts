/**
 * `freshlake ddl`: the Athena DDL of `ticket_events` and its views, generated from the one schema
 * definition (lib/schema.ts, lib/views.ts), for users who create the table by hand instead of
 * deploying the stack.
 */
import { Command } from 'commander';
import { EVENTS_PREFIX } from '../../lake-layout';
import { UsageError } from '../../errors';
import { cliContext } from '../context';

/** Placeholder location printed when --location is not given. */
export const PLACEHOLDER_EVENTS_LOCATION = `s3://YOUR-BUCKET/${EVENTS_PREFIX}`;

export interface DdlOptions {
  /** `s3://bucket/events/` @default PLACEHOLDER_EVENTS_LOCATION */
  readonly location?: string;
  /** Glue database to qualify the table and views with. @default unqualified */
  readonly database?: string;
}

export function registerDdlCommand(program: Command): void {
  program
    .command('ddl')
    .description('Print the Athena DDL for the ticket_events table (partition projection on dt), the dimension tables (agents, groups, ticket_statuses, ...) and the views.')
    .option('--location <s3-url>', `S3 location of the events prefix (default ${PLACEHOLDER_EVENTS_LOCATION})`)
    .option('--database <name>', 'Glue database to create the table and views in')
    .addHelpText(
      'after',
      `
Run the statements one at a time in the Athena console (or with "freshlake sql --engine athena"),
with the database selected: the views refer to ticket_events unqualified.

Examples:
  $ freshlake ddl --location s3://my-freshlake-bucket/events/ --database freshlake
  $ freshlake ddl > ticket_events.sql`,
    )
    .action(async (options: DdlOptions, cmd: Command) => {
      const context = cliContext(cmd);
      const ddl = await athenaDdl(options);
      if (!options.location) context.stderr.write(`freshlake: no --location given; replace ${PLACEHOLDER_EVENTS_LOCATION} in the output.\n`);
      context.stdout.write(ddl);
    });
}

/** The table DDL and one CREATE OR REPLACE VIEW per lake view, separated by blank lines. */
export async function athenaDdl(options: DdlOptions = {}): Promise<string> {
  const location = options.location === undefined ? PLACEHOLDER_EVENTS_LOCATION : normalizeEventsLocation(options.location);
  if (options.database !== undefined && !/^[a-z0-9_]+$/i.test(options.database)) {
    // Athena database names: letters, digits and underscore.
    throw new UsageError(`Bad --database "${options.database}": use letters, digits and _ only.`);
  }
  // The schema and view definitions load with the command, not at CLI start-up (lib/cli/program.ts).
  const [{ ticketEventsDdl }, { LAKE_VIEWS }, { DIMENSION_NAMES, DIMENSION_TABLES, dimensionTableDdl }] = await Promise.all([
    import('../../schema'),
    import('../../views'),
    import('../../dimensions/tables'),
  ]);
  // The dimension tables sit beside events/ in the bucket (dimensions/<name>/), and the views join them.
  const bucketLocation = location.endsWith(`/${EVENTS_PREFIX}`) ? location.slice(0, -EVENTS_PREFIX.length) : location;
  const qualify = (name: string) => (options.database ? `"${options.database}"."${name}"` : `"${name}"`);
  const statements = [
    ticketEventsDdl(location, { database: options.database }),
    ...DIMENSION_NAMES.map((name) => `-- ${DIMENSION_TABLES[name].description}\n${dimensionTableDdl(DIMENSION_TABLES[name], bucketLocation, { database: options.database })}`),
    ...LAKE_VIEWS.map((view) => `-- ${view.description}\nCREATE OR REPLACE VIEW ${qualify(view.name)} AS\n${view.sql};`),
  ];
  return `${statements.join('\n\n')}\n`;
}

/** `s3://bucket/events` -> `s3://bucket/events/` (the SerDe and projection template need the slash). */
export function normalizeEventsLocation(location: string): string {
  if (!/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(location)) {
    throw new UsageError(`Bad --location "${location}": expected s3://<bucket>/${EVENTS_PREFIX}.`);
  }
  return location.endsWith('/') ? location : `${location}/`;
}
