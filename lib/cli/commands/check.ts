/**
 * `freshlake check --stack <name>`: compares the deployed Glue table `ticket_events` (columns and
 * types, SerDe library and parameters, partition keys, partition projection, location) and its
 * views with the schema definition, one line per difference; exit 1 when there is any.
 *
 * `freshlake check --lake <dir>`: reads every event object of a local lake and lists the damaged
 * ones (unreadable: left out of every local answer; text not valid UTF-8: read with U+FFFD); exit 1
 * when an object cannot be read.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import type { GlueClient, Table } from '@aws-sdk/client-glue';
import { callAws } from '../../aws-errors';
import { EXIT_FAILURE, FreshlakeError, InputError, UsageError } from '../../errors';
import { EVENTS_PREFIX } from '../../lake-layout';
import { TICKET_EVENTS_TABLE } from '../../schema';
import { addAwsOptions, awsClientConfig, type AwsOptions } from '../aws-options';
import { cliContext, type CliContext } from '../context';
import { readStackOutputs, requireStackOutput } from '../stack-outputs';

/** The deployed table differs from the schema definition. */
export class DriftFoundError extends FreshlakeError {
  readonly exitCode = EXIT_FAILURE;
}

interface CheckOptions extends AwsOptions {
  readonly lake?: string;
  readonly format: LakeCheckFormat;
  readonly stack?: string;
  readonly database?: string;
  readonly table?: string;
  readonly location?: string;
}

export function registerCheckCommand(program: Command): void {
  const command = program
    .command('check')
    .description('Compare the deployed Glue table ticket_events and its views with the schema definition (or, with --lake, list the damaged objects of a local lake); print each finding, exit 1 if any.')
    .option('--stack <name>', 'deployed freshlake stack (e.g. Freshlake-123456): database, table and bucket come from its outputs')
    .option('--database <name>', 'Glue database, when the table was created by hand (freshlake ddl)')
    .option('--table <name>', `table name (default: the stack's, else ${TICKET_EVENTS_TABLE})`)
    .option('--location <s3-url>', `expected events location (default: s3://<stack bucket>/${EVENTS_PREFIX})`)
    .option('--lake <dir>', 'check a local lake instead: read every event object, list the damaged ones')
    .addOption(new Option('-f, --format <format>', '--lake: one line per damaged object (text), or data').choices(LAKE_CHECK_FORMATS).default('text'));
  addAwsOptions(command);
  command
    .addHelpText(
      'after',
      `
Checks columns and types (nested struct fields by path), SerDe library and parameters
(mapping.detail_type), partition keys, partition projection, location, the dimension tables
(agents, groups, ticket_statuses, ...: columns, location, SerDe), and the views' columns and SQL. Needs glue:GetTable (and cloudformation:DescribeStacks with --stack).

With --lake, reads every events/dt=*/*.gz object of a local lake (no AWS access): an object
that cannot be read (empty, not gzip, truncated, a link out of the lake) is left out of every
local answer, and exits 1; an object whose text is not valid UTF-8 is read with U+FFFD in place
of the bad bytes (as Athena does) and is listed without failing. Replace or delete the objects
listed as unreadable (an ingest of their source file writes them again).

Examples:
  $ freshlake check --lake .freshlake/lake
  $ freshlake check --lake .freshlake/lake --format json
  $ freshlake check --stack Freshlake-123456
  $ freshlake check --database freshlake --location s3://my-bucket/events/ --profile admin`,
    )
    .action(async (options: CheckOptions, cmd: Command) => {
      const context = cliContext(cmd);
      if (options.lake !== undefined) {
        const glueOnly = (['stack', 'database', 'table', 'location', 'region', 'profile'] as const).filter((key) => options[key] !== undefined);
        if (glueOnly.length > 0) throw new UsageError(`--lake checks a local lake; ${glueOnly.map((k) => `--${k}`).join(', ')} check a deployed table: use one or the other.`);
        await checkLocalLake(resolve(context.cwd, options.lake), options.format, context);
        return;
      }
      if (cmd.getOptionValueSource('format') !== 'default') throw new UsageError('--format applies to --lake only.');
      const clientConfig = awsClientConfig(options);
      let { database, table, location } = options;
      if (options.stack) {
        const outputs = await readStackOutputs(options.stack, clientConfig);
        database ??= requireStackOutput(options.stack, outputs, 'glueDatabaseName');
        table ??= outputs.glueTableName;
        location ??= outputs.dataBucketName ? `s3://${outputs.dataBucketName}/${EVENTS_PREFIX}` : undefined;
      }
      if (!database) throw new UsageError('Name what to check: --stack <name> or --database <name> (the deployed Glue table), or --lake <dir> (a local lake).');
      table ??= TICKET_EVENTS_TABLE;
      if (location && !location.endsWith('/')) location += '/';

      // The AWS SDK loads with the command that calls AWS, not at CLI start-up (lib/cli/program.ts).
      const [{ GlueClient }, { dimensionTableDrift, ticketEventsTableDrift, viewDrift }, { LAKE_VIEWS }, { DIMENSION_NAMES, DIMENSION_TABLES }] = await Promise.all([
        import('@aws-sdk/client-glue'),
        import('../../glue-drift'),
        import('../../views'),
        import('../../dimensions/tables'),
      ]);
      const glue = new GlueClient(clientConfig);
      try {
        const deployed = await getTable(glue, database, table);
        if (!deployed) throw new DriftFoundError(`Table ${database}.${table} does not exist: deploy the stack, or create it with "freshlake ddl".`);
        const differences = ticketEventsTableDrift(deployed, { expectedLocation: location }).map((d) => `${table}: ${d}`);
        // The dimension tables sit beside events/ in the bucket (dimensions/<name>/).
        const bucketLocation = location?.endsWith(`/${EVENTS_PREFIX}`) ? location.slice(0, -EVENTS_PREFIX.length) : undefined;
        for (const name of DIMENSION_NAMES) differences.push(...dimensionTableDrift(DIMENSION_TABLES[name], await getTable(glue, database, name), bucketLocation));
        for (const view of LAKE_VIEWS) differences.push(...viewDrift(view, await getTable(glue, database, view.name)));
        if (differences.length === 0) {
          context.stdout.write(`No drift: ${database}.${table}, the dimension tables and the views match the schema definition.\n`);
          return;
        }
        for (const difference of differences) context.stdout.write(`${difference}\n`);
        throw new DriftFoundError(
          `${differences.length} difference${differences.length === 1 ? '' : 's'} between ${database}.${table} and the schema definition: redeploy the stack (npx cdk deploy), or recreate the table from "freshlake ddl".`,
        );
      } finally {
        glue.destroy();
      }
    });
}

const LAKE_CHECK_FORMATS = ['text', 'json', 'ndjson', 'csv'] as const;
type LakeCheckFormat = (typeof LAKE_CHECK_FORMATS)[number];

/** Some lake objects cannot be read. */
export class DamagedLakeError extends FreshlakeError {
  readonly exitCode = EXIT_FAILURE;
}

async function checkLocalLake(lakeDir: string, format: LakeCheckFormat, context: CliContext): Promise<void> {
  if (!existsSync(join(lakeDir, EVENTS_PREFIX))) {
    throw new InputError(`No local lake at ${lakeDir} (no ${EVENTS_PREFIX} folder): point --lake at the directory that holds ${EVENTS_PREFIX}.`);
  }
  const { checkLakeObjects } = await import('../../engines/lake-files');
  // Every object listed and read now (nothing remembered): the check says how the lake is, not how it was.
  const checked = await checkLakeObjects(lakeDir, { remember: false, reuse: false });
  checked.dispose();
  const files = checked.objects;
  const damaged = checked.objects.filter((o) => o.problem);
  if (format === 'text') {
    for (const o of damaged) context.stdout.write(o.problem!.kind === 'unreadable' ? `${o.path}: unreadable (${o.problem!.detail})\n` : `${o.path}: ${o.problem!.detail}\n`);
    if (damaged.length === 0) context.stdout.write(`No damaged objects: ${files.length} lake object${files.length === 1 ? '' : 's'} read.\n`);
  } else {
    const { openOutputDestination, writeResult } = await import('../output');
    const rows = damaged.map((o) => [o.path, o.problem!.kind, o.problem!.detail]);
    async function* pages() {
      yield rows;
    }
    const columns = ['object', 'problem', 'detail'].map((name) => ({ name, type: 'varchar' }));
    const destination = await openOutputDestination(context);
    await writeResult(columns, pages(), format, destination);
    await destination.close();
  }
  const unreadable = checked.unreadable.length;
  if (unreadable > 0) {
    throw new DamagedLakeError(
      `${unreadable} of ${files.length} lake objects cannot be read, and every local answer leaves them out: replace them (ingest their source files again) or delete them.`,
    );
  }
  if (damaged.length > 0) context.stderr.write(`${damaged.length} of ${files.length} lake objects hold text that is not valid UTF-8: they are read with U+FFFD in place of the bad bytes, as on Athena.\n`);
}

async function getTable(glue: GlueClient, database: string, name: string): Promise<Table | undefined> {
  const { EntityNotFoundException, GetTableCommand } = await import('@aws-sdk/client-glue');
  return callAws('glue:GetTable', async () => {
    try {
      return (await glue.send(new GetTableCommand({ DatabaseName: database, Name: name }))).Table;
    } catch (error) {
      if (error instanceof EntityNotFoundException || (error as Error).name === 'EntityNotFoundException') return undefined;
      throw error;
    }
  });
}
