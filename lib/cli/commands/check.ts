/**
 * `freshlake check --stack <name>`: compares the deployed Glue table `ticket_events` (columns and
 * types, SerDe library and parameters, partition keys, partition projection, location) and its
 * views with the schema definition, one line per difference; exit 1 when there is any.
 */
import { Command } from 'commander';
import type { GlueClient, Table } from '@aws-sdk/client-glue';
import { callAws } from '../../aws-errors';
import { EXIT_FAILURE, FreshlakeError, UsageError } from '../../errors';
import { ticketEventsTableDrift, viewDrift } from '../../glue-drift';
import { EVENTS_PREFIX } from '../../lake-layout';
import { TICKET_EVENTS_TABLE } from '../../schema';
import { LAKE_VIEWS } from '../../views';
import { addAwsOptions, awsClientConfig, type AwsOptions } from '../aws-options';
import { cliContext } from '../context';
import { readStackOutputs, requireStackOutput } from '../stack-outputs';

/** The deployed table differs from the schema definition. */
export class DriftFoundError extends FreshlakeError {
  readonly exitCode = EXIT_FAILURE;
}

interface CheckOptions extends AwsOptions {
  readonly stack?: string;
  readonly database?: string;
  readonly table?: string;
  readonly location?: string;
}

export function registerCheckCommand(program: Command): void {
  const command = program
    .command('check')
    .description('Compare the deployed Glue table ticket_events and its views with the schema definition; print each difference, exit 1 if any.')
    .option('--stack <name>', 'deployed freshlake stack (e.g. Freshlake-123456): database, table and bucket come from its outputs')
    .option('--database <name>', 'Glue database, when the table was created by hand (freshlake ddl)')
    .option('--table <name>', `table name (default: the stack's, else ${TICKET_EVENTS_TABLE})`)
    .option('--location <s3-url>', `expected events location (default: s3://<stack bucket>/${EVENTS_PREFIX})`);
  addAwsOptions(command);
  command
    .addHelpText(
      'after',
      `
Checks columns and types (nested struct fields by path), SerDe library and parameters
(mapping.detail_type), partition keys, partition projection, location, and the views'
columns and SQL. Needs glue:GetTable (and cloudformation:DescribeStacks with --stack).

Examples:
  $ freshlake check --stack Freshlake-123456
  $ freshlake check --database freshlake --location s3://my-bucket/events/ --profile admin`,
    )
    .action(async (options: CheckOptions, cmd: Command) => {
      const context = cliContext(cmd);
      const clientConfig = awsClientConfig(options);
      let { database, table, location } = options;
      if (options.stack) {
        const outputs = await readStackOutputs(options.stack, clientConfig);
        database ??= requireStackOutput(options.stack, outputs, 'glueDatabaseName');
        table ??= outputs.glueTableName;
        location ??= outputs.dataBucketName ? `s3://${outputs.dataBucketName}/${EVENTS_PREFIX}` : undefined;
      }
      if (!database) throw new UsageError('Name the table to check: pass --stack <name>, or --database <name>.');
      table ??= TICKET_EVENTS_TABLE;
      if (location && !location.endsWith('/')) location += '/';

      // The AWS SDK loads with the command that calls AWS, not at CLI start-up (lib/cli/program.ts).
      const { GlueClient } = await import('@aws-sdk/client-glue');
      const glue = new GlueClient(clientConfig);
      try {
        const deployed = await getTable(glue, database, table);
        if (!deployed) throw new DriftFoundError(`Table ${database}.${table} does not exist: deploy the stack, or create it with "freshlake ddl".`);
        const differences = ticketEventsTableDrift(deployed, { expectedLocation: location }).map((d) => `${table}: ${d}`);
        for (const view of LAKE_VIEWS) differences.push(...viewDrift(view, await getTable(glue, database, view.name)));
        if (differences.length === 0) {
          context.stdout.write(`No drift: ${database}.${table} and its views match the schema definition.\n`);
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
