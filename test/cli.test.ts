import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type GetQueryExecutionCommandOutput,
  type QueryExecutionState,
} from '@aws-sdk/client-athena';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetTableCommand, GlueClient } from '@aws-sdk/client-glue';
import { STACK_OUTPUTS } from '../lib/stack-outputs';
import { processCliContext } from '../lib/cli/process-context';
import { LAKE_VIEWS } from '../lib/views';
import { DIMENSION_NAMES, DIMENSION_TABLES, dimensionTableDdl } from '../lib/dimensions/tables';
import { TICKET_EVENTS_TABLE } from '../lib/schema';
import { runCliInProcess, runCliProcess, savedQueryDir, tempDir, TEST_QUERIES } from './cli-harness';
import { deployedDimensionTables, deployedTicketEventsTable, deployedViews, FIXTURE_BUCKET, FIXTURE_DATABASE } from './glue-drift-fixture';

const athena = mockClient(AthenaClient);
const cloudFormation = mockClient(CloudFormationClient);
const glue = mockClient(GlueClient);
const QUERIES = savedQueryDir(TEST_QUERIES);
const ID = 'q-cli-1';
const ATHENA = ['--engine', 'athena', '--database', 'freshlake_db', '--workgroup', 'freshlake_wg'];

function execution(state: QueryExecutionState, reason?: string): GetQueryExecutionCommandOutput {
  return {
    $metadata: {},
    QueryExecution: {
      QueryExecutionId: ID,
      StatementType: 'DML',
      Status: { State: state, StateChangeReason: reason },
      Statistics: { DataScannedInBytes: 1234, EngineExecutionTimeInMillis: 850, ResultReuseInformation: { ReusedPreviousResult: false } },
    },
  };
}

/** Athena answers a SELECT with ticket rows, including a NULL and a JSON value. */
function athenaReturnsTickets(): void {
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: ID });
  athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
  athena.on(GetQueryResultsCommand).resolves({
    ResultSet: {
      ResultSetMetadata: {
        ColumnInfo: [
          { Name: 'ticket_id', Type: 'bigint' },
          { Name: 'subject', Type: 'varchar' },
          { Name: 'status_name', Type: 'varchar' },
        ],
      },
      Rows: [
        { Data: [{ VarCharValue: 'ticket_id' }, { VarCharValue: 'subject' }, { VarCharValue: 'status_name' }] },
        { Data: [{ VarCharValue: '101' }, { VarCharValue: 'Refund, please' }, { VarCharValue: 'Open' }] },
        { Data: [{ VarCharValue: '102' }, {}, { VarCharValue: 'Pending' }] },
      ],
    },
  });
}

function stackWithOutputs(outputs: Record<string, string>, status = 'CREATE_COMPLETE'): void {
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'Freshlake-123456',
        StackStatus: status as 'CREATE_COMPLETE',
        CreationTime: new Date(0),
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
}

const FULL_STACK_OUTPUTS = {
  [STACK_OUTPUTS.athenaWorkGroupName]: 'freshlake-123456',
  [STACK_OUTPUTS.glueDatabaseName]: FIXTURE_DATABASE,
  [STACK_OUTPUTS.glueTableName]: TICKET_EVENTS_TABLE,
  [STACK_OUTPUTS.dataBucketName]: FIXTURE_BUCKET,
};

const run = (args: string[], options: Parameters<typeof runCliInProcess>[1] = {}) => runCliInProcess(args, options);
const runWithQueries = (args: string[], options: Parameters<typeof runCliInProcess>[1] = {}) =>
  runCliInProcess(args, { ...options, env: { FRESHLAKE_QUERIES: QUERIES, ...options.env } });

function expectOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^freshlake: /);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).not.toMatch(/\n\s+at /);
}

beforeEach(() => {
  athena.reset();
  cloudFormation.reset();
  glue.reset();
});

describe('freshlake --help', () => {
  it.each(['queries', 'show', 'run', 'sql', 'ddl', 'check'])('shows usage and examples for %s', async (command) => {
    const { code, stdout } = await run([command, '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: freshlake ${command}`);
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain(`$ freshlake ${command}`);
  });

  it('lists every command with the exit codes at the top level', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const command of ['queries', 'show', 'run', 'sql', 'ddl', 'check']) expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    expect(stdout).toContain('Exit codes: 0 ok, 1 query failed / AWS error / drift found, 2 usage error');
  });

  it('documents the engine, Athena and output options on run and sql', async () => {
    for (const command of ['run', 'sql']) {
      const { stdout } = await run([command, '--help']);
      for (const flag of ['--engine', '--lake', '--workgroup', '--database', '--region', '--profile', '--stack', '--format', '--output', '--reuse-minutes']) {
        expect(stdout).toContain(flag);
      }
    }
  });
});

describe('freshlake queries and show', () => {
  it('lists the saved queries as one JSON array with typed parameters', async () => {
    const { code, stdout } = await runWithQueries(['queries', '--format', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      {
        name: 'created-on',
        description: 'Tickets created on a UTC day.',
        parameters: [
          { name: 'day', type: 'date', allowed: null, min: null, max: null, default: 'today', required: false, description: 'UTC day' },
          { name: 'channel', type: 'enum', allowed: ['Email', 'Portal', 'Phone'], min: null, max: null, default: null, required: true, description: 'Channel name' },
        ],
      },
      {
        name: 'tickets-of-type',
        description: 'Latest state of tickets of one type.',
        parameters: [
          { name: 'type', type: 'string', allowed: null, min: null, max: null, default: 'Refund', required: false, description: 'Ticket type' },
          { name: 'limit', type: 'integer', allowed: null, min: null, max: null, default: '100', required: false, description: 'Most rows to return' },
        ],
      },
    ]);
  });

  it('lists the saved queries for people: name, description and how to pass each parameter', async () => {
    const { code, stdout } = await runWithQueries(['queries']);
    expect(code).toBe(0);
    expect(stdout).toContain(
      [
        'tickets-of-type',
        '    Latest state of tickets of one type.',
        '    -p type=<string>, default Refund: Ticket type',
        '    -p limit=<integer>, default 100: Most rows to return',
      ].join('\n'),
    );
    expect(stdout).toContain('    -p channel=<Email|Portal|Phone>, required: Channel name');
  });

  it('lists the saved queries as CSV with the parameters one per line in their cell', async () => {
    const { code, stdout } = await runWithQueries(['queries', '--format', 'csv']);
    expect(code).toBe(0);
    expect(stdout).toContain('tickets-of-type,Latest state of tickets of one type.,"type string = Refund: Ticket type\nlimit integer = 100: Most rows to return"');
  });

  it('shows a saved query: its header and SQL as stored', async () => {
    const { code, stdout } = await runWithQueries(['show', 'tickets-of-type']);
    expect(code).toBe(0);
    expect(stdout).toBe(TEST_QUERIES['tickets-of-type.sql']);
  });

  it('exits 2 with one line naming the known queries for an unknown name', async () => {
    const { code, stderr } = await runWithQueries(['show', 'urgent']);
    expect(code).toBe(2);
    expectOneLineError(stderr, /Unknown saved query "urgent"\. Run "freshlake queries" to list them \(created-on, tickets-of-type\)/);
  });
});

describe('freshlake run: usage errors exit 2 with one line', () => {
  it.each<[string, string[], RegExp]>([
    ['an unknown query', ['run', 'nope'], /Unknown saved query "nope"/],
    ['an ill-typed parameter', ['run', 'tickets-of-type', '-p', 'limit=ten'], /Parameter limit: "ten" is not an integer\./],
    ['a parameter the query does not have', ['run', 'tickets-of-type', '-p', 'typ=Refund'], /Query tickets-of-type has no parameter "typ" \(parameters: type, limit\)/],
    ['a missing required parameter', ['run', 'created-on'], /Query created-on needs -p channel=<enum>/],
    ['a value outside the enum', ['run', 'created-on', '-p', 'channel=Fax'], /Parameter channel: "Fax" is not one of Email, Portal, Phone\./],
    ['a malformed date', ['run', 'created-on', '-p', 'channel=Email', '-p', 'day=27/11/2026'], /Parameter day: "27\/11\/2026" is not a date YYYY-MM-DD/],
    ['-p without =', ['run', 'tickets-of-type', '-p', 'Refund'], /Bad parameter "Refund": write -p name=value\./],
    ['an unknown format', ['run', 'tickets-of-type', '--format', 'xml'], /argument 'xml' is invalid.*\(see "freshlake run --help"\)/],
    ['an unknown engine', ['run', 'tickets-of-type', '--engine', 'bigquery'], /argument 'bigquery' is invalid/],
    ['an unknown option', ['run', 'tickets-of-type', '--colour'], /unknown option '--colour'/],
    ['a reuse age beyond 7 days', ['run', 'tickets-of-type', ...ATHENA, '--reuse-minutes', '20000'], /expected a whole number from 1 to 10080/],
    ['an Athena option without --engine athena', ['run', 'tickets-of-type', '--workgroup', 'wg'], /--workgroup applies only to Athena: add --engine athena\./],
    ['Athena without a database or stack', ['run', 'tickets-of-type', '--engine', 'athena'], /pass --stack <name> .*or --database <name>/],
    ['--lake with Athena', ['run', 'tickets-of-type', ...ATHENA, '--lake', '/tmp'], /--lake only applies to the local engine/],
  ])('%s', async (_label, args, message) => {
    const { code, stdout, stderr } = await runWithQueries(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expectOneLineError(stderr, message);
  });

  it('exits 2 when the lake directory does not exist, saying how to make one', async () => {
    const missing = join(tempDir(), 'no-lake');
    const { code, stderr } = await runWithQueries(['run', 'tickets-of-type', '--lake', missing]);
    expect(code).toBe(2);
    expectOneLineError(stderr, new RegExp(`No local lake at ${missing} \\(from --lake\\): create one with "freshlake demo" or "freshlake ingest"`));
  });

  it('takes the lake from FRESHLAKE_LAKE, relative to the working directory', async () => {
    const cwd = tempDir();
    const { code, stderr } = await runWithQueries(['run', 'tickets-of-type'], { cwd, env: { FRESHLAKE_LAKE: 'lake-here' } });
    expect(code).toBe(2);
    expectOneLineError(stderr, new RegExp(`No local lake at ${join(cwd, 'lake-here')} \\(from FRESHLAKE_LAKE or the default\\)`));
  });

  it('defaults the lake to .freshlake/lake under the working directory', async () => {
    const cwd = tempDir();
    const { code, stderr } = await runWithQueries(['run', 'tickets-of-type'], { cwd });
    expect(code).toBe(2);
    expect(stderr).toContain(`No local lake at ${join(cwd, '.freshlake', 'lake')}`);
  });

  it('says when a directory is not a lake (no events/ folder)', async () => {
    const { code, stderr } = await runWithQueries(['run', 'tickets-of-type', '--lake', tempDir()]);
    expect(code).toBe(2);
    expectOneLineError(stderr, /is not a freshlake lake \(no events\/ folder\)/);
  });

  it('prints the stack trace only with --debug', async () => {
    const { code, stderr } = await runWithQueries(['run', 'nope', '--debug']);
    expect(code).toBe(2);
    expect(stderr.split('\n')[0]).toMatch(/^freshlake: Unknown saved query "nope"/);
    expect(stderr).toMatch(/\n\s+at /);
  });
});

describe('freshlake run on Athena', () => {
  it('binds parameters as ExecutionParameters: an injection attempt stays one quoted string value', async () => {
    athenaReturnsTickets();
    const { code } = await runWithQueries(['run', 'tickets-of-type', '-p', "type=x' OR '1'='1", '-p', 'limit=5', ...ATHENA]);
    expect(code).toBe(0);
    const input = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(input.ExecutionParameters).toEqual(["'x'' OR ''1''=''1'", '5']);
    expect(input.QueryString).toContain('WHERE ticket_type = ?');
    expect(input.QueryString).toContain('WHERE n <= ?');
    expect(input.QueryString).not.toContain("OR '1'='1");
    expect(input.WorkGroup).toBe('freshlake_wg');
    expect(input.QueryExecutionContext).toEqual({ Database: 'freshlake_db', Catalog: 'AwsDataCatalog' });
  });

  it('fills defaults (today in UTC) and sends dates as quoted literals', async () => {
    athenaReturnsTickets();
    const { code } = await runWithQueries(['run', 'created-on', '-p', 'channel=Email', ...ATHENA], { now: new Date('2026-11-27T23:30:00-05:00') });
    expect(code).toBe(0);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input.ExecutionParameters).toEqual(["'2026-11-28'", "'Email'"]);
  });

  it('prints json as one array of objects keyed by column name, and the run statistics on stderr', async () => {
    athenaReturnsTickets();
    const { code, stdout, stderr } = await runWithQueries(['run', 'tickets-of-type', ...ATHENA, '--format', 'json']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      { ticket_id: 101, subject: 'Refund, please', status_name: 'Open' },
      { ticket_id: 102, subject: null, status_name: 'Pending' },
    ]);
    // 1,234 bytes bill the 10 MB minimum: 10 MiB / 1 TiB * $5.
    expect(stderr).toBe(`athena: 2 rows, run time 850 ms, data scanned 1.21 KB, cost $0.0000477, result not reused (query ${ID})\n`);
  });

  it.each<[string, string]>([
    ['ndjson', '{"ticket_id":101,"subject":"Refund, please","status_name":"Open"}\n{"ticket_id":102,"subject":null,"status_name":"Pending"}\n'],
    ['csv', 'ticket_id,subject,status_name\n101,"Refund, please",Open\n102,,Pending\n'],
  ])('prints %s', async (format, expected) => {
    athenaReturnsTickets();
    const { code, stdout } = await runWithQueries(['run', 'tickets-of-type', ...ATHENA, '--format', format]);
    expect(code).toBe(0);
    expect(stdout).toBe(expected);
  });

  it('prints a table by default, with NULL shown', async () => {
    athenaReturnsTickets();
    const { stdout } = await runWithQueries(['run', 'tickets-of-type', ...ATHENA]);
    expect(stdout).toMatch(/│ ticket_id │ subject\s+│ status_name │/);
    expect(stdout).toMatch(/│ 102\s+│ NULL\s+│ Pending\s+│/);
  });

  it('writes the result to --output instead of stdout', async () => {
    athenaReturnsTickets();
    const dir = tempDir();
    const { code, stdout } = await runWithQueries(['run', 'tickets-of-type', ...ATHENA, '--format', 'csv', '--output', 'out.csv'], { cwd: dir });
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(readFileSync(join(dir, 'out.csv'), 'utf8')).toBe('ticket_id,subject,status_name\n101,"Refund, please",Open\n102,,Pending\n');
  });

  it("exits 1 with Athena's reason when the query fails, and writes no output", async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: ID });
    athena.on(GetQueryExecutionCommand).resolves(execution('FAILED', "TABLE_NOT_FOUND: line 2:6: Table 'awsdatacatalog.freshlake_db.tickets_latest' does not exist"));
    const { code, stdout, stderr } = await runWithQueries(['run', 'tickets-of-type', ...ATHENA]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expectOneLineError(stderr, new RegExp(`Athena query ${ID} failed: TABLE_NOT_FOUND: line 2:6: Table 'awsdatacatalog.freshlake_db.tickets_latest' does not exist`));
  });

  it('exits 1 with one line naming the missing permission on AccessDenied', async () => {
    athena.on(StartQueryExecutionCommand).rejects(Object.assign(new Error('not authorized to perform: athena:StartQueryExecution'), { name: 'AccessDeniedException' }));
    const { code, stderr } = await runWithQueries(['run', 'tickets-of-type', ...ATHENA]);
    expect(code).toBe(1);
    expectOneLineError(stderr, /Access denied for athena:StartQueryExecution: grant athena:StartQueryExecution to the caller, or pass --profile/);
  });

  it('exits 1 with one line on expired credentials', async () => {
    athena.on(StartQueryExecutionCommand).rejects(Object.assign(new Error('The security token included in the request is expired'), { name: 'ExpiredTokenException' }));
    const { code, stderr } = await runWithQueries(['run', 'tickets-of-type', ...ATHENA]);
    expect(code).toBe(1);
    expectOneLineError(stderr, /AWS credentials have expired \(ExpiredTokenException\): refresh them/);
  });

  it('shows progress on stderr only when stderr is a terminal', async () => {
    athenaReturnsTickets();
    athena.on(GetQueryExecutionCommand).resolvesOnce(execution('QUEUED')).resolves(execution('SUCCEEDED'));
    const tty = await runWithQueries(['run', 'tickets-of-type', ...ATHENA, '--format', 'json'], { stderrIsTTY: true });
    expect(tty.stderr).toContain(`\rAthena queued 0.0 s, 1.21 KB scanned (${ID})\x1b[K`);
    athena.on(GetQueryExecutionCommand).resolvesOnce(execution('QUEUED')).resolves(execution('SUCCEEDED'));
    const piped = await runWithQueries(['run', 'tickets-of-type', ...ATHENA, '--format', 'json']);
    expect(piped.stderr).not.toContain('queued');
    expect(piped.stderr).not.toContain('\r');
    expect(JSON.parse(tty.stdout)).toEqual(JSON.parse(piped.stdout));
  });

  it('stops the Athena query on Ctrl-C and exits 130', async () => {
    let pressCtrlC: (() => void) | undefined;
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: ID });
    athena.on(StopQueryExecutionCommand).resolves({});
    let polls = 0;
    athena.on(GetQueryExecutionCommand).callsFake(() => {
      if (++polls === 2) pressCtrlC?.();
      return execution('RUNNING');
    });
    const { code, stdout, stderr } = await runWithQueries(['run', 'tickets-of-type', ...ATHENA], { onInterruptHandler: (press) => (pressCtrlC = press) });
    expect(code).toBe(130);
    expect(stdout).toBe('');
    expectOneLineError(stderr, /^freshlake: Interrupted\. Athena query q-cli-1 stopped \(StopQueryExecution sent\)/);
    expect(athena.commandCalls(StopQueryExecutionCommand).map((c) => c.args[0].input)).toEqual([{ QueryExecutionId: ID }]);
  });

  it('turns result reuse on with --reuse-minutes and says when a stored result was served', async () => {
    athenaReturnsTickets();
    athena.on(GetQueryExecutionCommand).resolves({
      ...execution('SUCCEEDED'),
      QueryExecution: { ...execution('SUCCEEDED').QueryExecution, Statistics: { DataScannedInBytes: 0, EngineExecutionTimeInMillis: 90, ResultReuseInformation: { ReusedPreviousResult: true } } },
    });
    const { code, stderr } = await runWithQueries(['run', 'tickets-of-type', ...ATHENA, '--reuse-minutes', '60', '--format', 'json']);
    expect(code).toBe(0);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input.ResultReuseConfiguration).toEqual({
      ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 60 },
    });
    expect(stderr).toContain('cost $0, reused a stored result');
  });
});

describe('--stack: settings from the deployed stack outputs', () => {
  it('runs in the workgroup and database the stack outputs name', async () => {
    stackWithOutputs(FULL_STACK_OUTPUTS);
    athenaReturnsTickets();
    const { code } = await runWithQueries(['run', 'tickets-of-type', '--engine', 'athena', '--stack', 'Freshlake-123456', '--region', 'eu-west-1']);
    expect(code).toBe(0);
    expect(cloudFormation.commandCalls(DescribeStacksCommand)[0].args[0].input).toEqual({ StackName: 'Freshlake-123456' });
    const input = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(input.WorkGroup).toBe('freshlake-123456');
    expect(input.QueryExecutionContext?.Database).toBe(FIXTURE_DATABASE);
  });

  it('lets --workgroup and --database override the stack outputs', async () => {
    stackWithOutputs(FULL_STACK_OUTPUTS);
    athenaReturnsTickets();
    await runWithQueries(['run', 'tickets-of-type', '--engine', 'athena', '--stack', 'Freshlake-123456', '--workgroup', 'other_wg']);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input.WorkGroup).toBe('other_wg');
  });

  it('exits 1 with one line when the stack does not exist', async () => {
    cloudFormation.on(DescribeStacksCommand).rejects(Object.assign(new Error('Stack with id Freshlake-9 does not exist'), { name: 'ValidationError' }));
    const { code, stderr } = await runWithQueries(['run', 'tickets-of-type', '--engine', 'athena', '--stack', 'Freshlake-9']);
    expect(code).toBe(1);
    expectOneLineError(stderr, /Stack Freshlake-9 does not exist in this account and region: check --stack, --region and --profile\./);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });

  it('exits 1 naming the output a stack lacks', async () => {
    stackWithOutputs({ [STACK_OUTPUTS.glueDatabaseName]: FIXTURE_DATABASE });
    const { code, stderr } = await runWithQueries(['run', 'tickets-of-type', '--engine', 'athena', '--stack', 'Freshlake-123456']);
    expect(code).toBe(1);
    expectOneLineError(stderr, /Stack Freshlake-123456 has no output AthenaWorkGroupName/);
  });

  it('refuses a stack whose creation rolled back', async () => {
    stackWithOutputs(FULL_STACK_OUTPUTS, 'ROLLBACK_COMPLETE');
    const { code, stderr } = await runWithQueries(['run', 'tickets-of-type', '--engine', 'athena', '--stack', 'Freshlake-123456']);
    expect(code).toBe(1);
    expectOneLineError(stderr, /is in state ROLLBACK_COMPLETE/);
  });
});

describe('freshlake sql', () => {
  it('runs ad-hoc SQL given as an argument, without parameters', async () => {
    athenaReturnsTickets();
    const { code } = await run(['sql', 'SELECT ticket_id, subject, status_name FROM tickets_latest;', ...ATHENA, '--format', 'json']);
    expect(code).toBe(0);
    const input = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(input.QueryString).toBe('SELECT ticket_id, subject, status_name FROM tickets_latest');
    expect(input.ExecutionParameters).toBeUndefined();
  });

  it('reads the SQL from stdin with -', async () => {
    athenaReturnsTickets();
    const { code } = await run(['sql', '-', ...ATHENA], { stdin: 'SELECT 1\n' });
    expect(code).toBe(0);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input.QueryString).toBe('SELECT 1');
  });

  it('reads the SQL from --file', async () => {
    athenaReturnsTickets();
    const { code } = await run(['sql', '--file', join(QUERIES, 'tickets-of-type.sql'), ...ATHENA]);
    expect(code).toBe(0);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input.QueryString).toContain('FROM tickets_latest');
  });

  it.each<[string[], RegExp]>([
    [['sql'], /No SQL: pass it as an argument, as - to read stdin, or with --file <path>\./],
    [['sql', 'SELECT 1', '--file', 'x.sql'], /either as an argument or with --file, not both/],
    [['sql', '   '], /The SQL is empty\./],
  ])('exits 2 for %j', async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expectOneLineError(stderr, message);
  });

  it('exits 2 when --file cannot be read', async () => {
    const { code, stderr } = await run(['sql', '--file', '/nonexistent/report.sql']);
    expect(code).toBe(2);
    expectOneLineError(stderr, /Cannot read --file \/nonexistent\/report\.sql/);
  });
});

describe('freshlake ddl', () => {
  it('prints the table DDL with the detail-type SerDe mapping and partition projection, and both views', async () => {
    const { code, stdout, stderr } = await run(['ddl', '--location', 's3://my-lake/events', '--database', 'freshlake']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout).toContain('CREATE EXTERNAL TABLE IF NOT EXISTS `freshlake`.`ticket_events` (');
    expect(stdout).toContain("ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'");
    expect(stdout).toContain("'mapping.detail_type'='detail-type'");
    expect(stdout).toContain("PARTITIONED BY (`dt` string");
    expect(stdout).toContain("LOCATION 's3://my-lake/events/'");
    expect(stdout).toContain("'projection.enabled'='true'");
    expect(stdout).toContain("'projection.dt.type'='date'");
    expect(stdout).toContain("'projection.dt.format'='yyyy-MM-dd'");
    expect(stdout).toContain("'storage.location.template'='s3://my-lake/events/dt=${dt}/'");
    for (const view of LAKE_VIEWS) expect(stdout).toContain(`CREATE OR REPLACE VIEW "freshlake"."${view.name}" AS\n${view.sql};`);
    // The views come after the table they read.
    expect(stdout.indexOf('CREATE EXTERNAL TABLE')).toBeLessThan(stdout.indexOf('CREATE OR REPLACE VIEW'));
  });

  it('prints the dimension tables beside events/ in the bucket, before the views that join them', async () => {
    const { code, stdout } = await run(['ddl', '--location', 's3://my-lake/events', '--database', 'freshlake']);
    expect(code).toBe(0);
    for (const name of DIMENSION_NAMES) {
      expect(stdout).toContain(dimensionTableDdl(DIMENSION_TABLES[name], 's3://my-lake/', { database: 'freshlake' }));
      expect(stdout).toContain(`LOCATION 's3://my-lake/dimensions/${name}/'`);
      expect(stdout.indexOf(`\`freshlake\`.\`${name}\``)).toBeLessThan(stdout.indexOf('CREATE OR REPLACE VIEW'));
    }
  });

  it('prints a placeholder location and says so on stderr when --location is missing', async () => {
    const { code, stdout, stderr } = await run(['ddl']);
    expect(code).toBe(0);
    expect(stdout).toContain("LOCATION 's3://YOUR-BUCKET/events/'");
    expect(stderr).toContain('no --location given');
  });

  it.each([['--location', 'my-lake/events/'], ['--database', 'bad-name']])('exits 2 for %s %s', async (flag, value) => {
    const { code, stderr } = await run(['ddl', flag, value]);
    expect(code).toBe(2);
    expectOneLineError(stderr, new RegExp(`Bad ${flag}`));
  });
});

describe('freshlake check', () => {
  function glueAnswers(table = deployedTicketEventsTable(), views = deployedViews(), dimensions = deployedDimensionTables()): void {
    glue.on(GetTableCommand).callsFake((input: { DatabaseName: string; Name: string }) => {
      if (input.DatabaseName !== FIXTURE_DATABASE) throw Object.assign(new Error(`Database ${input.DatabaseName} not found.`), { name: 'EntityNotFoundException' });
      const found = input.Name === TICKET_EVENTS_TABLE ? table : (views.get(input.Name) ?? dimensions.get(input.Name));
      if (!found) throw Object.assign(new Error(`Table ${input.Name} not found.`), { name: 'EntityNotFoundException' });
      return { Table: found };
    });
  }

  it('exits 0 and says so when the deployed table matches the schema definition', async () => {
    stackWithOutputs(FULL_STACK_OUTPUTS);
    glueAnswers();
    const { code, stdout, stderr } = await run(['check', '--stack', 'Freshlake-123456']);
    expect(code).toBe(0);
    expect(stdout).toBe(`No drift: ${FIXTURE_DATABASE}.ticket_events, the dimension tables and the views match the schema definition.\n`);
    expect(stderr).toBe('');
    expect(glue.commandCalls(GetTableCommand).map((c) => c.args[0].input)).toEqual([
      { DatabaseName: FIXTURE_DATABASE, Name: 'ticket_events' },
      ...DIMENSION_NAMES.map((name) => ({ DatabaseName: FIXTURE_DATABASE, Name: name })),
      ...LAKE_VIEWS.map((v) => ({ DatabaseName: FIXTURE_DATABASE, Name: v.name })),
    ]);
  });

  it('reports a dimension table that is missing (a stack from before the sync) or reads another place', async () => {
    stackWithOutputs(FULL_STACK_OUTPUTS);
    const dimensions = deployedDimensionTables();
    dimensions.delete('agents');
    dimensions.get('groups')!.StorageDescriptor!.Location = `s3://${FIXTURE_BUCKET}/groups/`;
    dimensions.get('ticket_statuses')!.StorageDescriptor!.Columns!.find((c) => c.Name === 'status')!.Type = 'string';
    glueAnswers(undefined, undefined, dimensions);
    const { code, stdout } = await run(['check', '--stack', 'Freshlake-123456']);
    expect(code).toBe(1);
    expect(stdout).toBe(
      [
        'table agents is missing (the tickets_latest view joins it): redeploy the stack, or create it from "freshlake ddl"',
        `table groups location is s3://${FIXTURE_BUCKET}/groups/, expected s3://${FIXTURE_BUCKET}/dimensions/groups/`,
        'table ticket_statuses column status is string, expected int',
        '',
      ].join('\n'),
    );
  });

  it('exits 1 and prints one line per difference, naming the drifted column', async () => {
    stackWithOutputs(FULL_STACK_OUTPUTS);
    const table = deployedTicketEventsTable();
    table.StorageDescriptor!.Columns!.find((c) => c.Name === 'detail')!.Type = table.StorageDescriptor!.Columns!.find((c) => c.Name === 'detail')!.Type!.replace('priority:int', 'priority:string');
    delete table.StorageDescriptor!.SerdeInfo!.Parameters!['mapping.detail_type'];
    glueAnswers(table);
    const { code, stdout, stderr } = await run(['check', '--stack', 'Freshlake-123456']);
    expect(code).toBe(1);
    expect(stdout).toBe(
      [
        'ticket_events: column detail.ticket.priority is string, expected int',
        'ticket_events: SerDe parameter mapping.detail_type is missing (expected "detail-type")',
        '',
      ].join('\n'),
    );
    expectOneLineError(stderr, /2 differences between freshlake_123456\.ticket_events and the schema definition: redeploy the stack/);
  });

  it('checks the location against the stack bucket', async () => {
    stackWithOutputs({ ...FULL_STACK_OUTPUTS, [STACK_OUTPUTS.dataBucketName]: 'another-bucket' });
    glueAnswers();
    const { code, stdout } = await run(['check', '--stack', 'Freshlake-123456']);
    expect(code).toBe(1);
    expect(stdout).toContain(`ticket_events: location is s3://${FIXTURE_BUCKET}/events/, expected s3://another-bucket/events/`);
  });

  it('reports a missing view', async () => {
    stackWithOutputs(FULL_STACK_OUTPUTS);
    const views = deployedViews();
    views.delete('tickets_latest');
    glueAnswers(undefined, views);
    const { code, stdout } = await run(['check', '--stack', 'Freshlake-123456']);
    expect(code).toBe(1);
    expect(stdout).toBe('view tickets_latest is missing\n');
  });

  it('exits 1 when the table does not exist', async () => {
    glueAnswers();
    const { code, stderr } = await run(['check', '--database', 'other_db']);
    expect(code).toBe(1);
    expectOneLineError(stderr, /Table other_db\.ticket_events does not exist: deploy the stack, or create it with "freshlake ddl"\./);
  });

  it('exits 1 with the permission to ask for when glue:GetTable is denied', async () => {
    glue.on(GetTableCommand).rejects(Object.assign(new Error('not authorized to perform: glue:GetTable'), { name: 'AccessDeniedException' }));
    const { code, stderr } = await run(['check', '--database', FIXTURE_DATABASE]);
    expect(code).toBe(1);
    expectOneLineError(stderr, /Access denied for glue:GetTable: grant glue:GetTable/);
  });

  it('exits 2 without a stack, a database or a lake', async () => {
    const { code, stderr } = await run(['check']);
    expect(code).toBe(2);
    expectOneLineError(stderr, /--stack <name> or --database <name> \(the deployed Glue table\), or --lake <dir> \(a local lake\)/);
  });
});

describe('the freshlake launcher (child process)', () => {
  it('prints help and exits 0', () => {
    const { code, stdout } = runCliProcess(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: freshlake [options] [command]');
  });

  it('exits 2 with exactly one line and no stack trace for an unknown query', () => {
    const { code, stdout, stderr } = runCliProcess(['run', 'no-such-query'], { FRESHLAKE_QUERIES: QUERIES });
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expectOneLineError(stderr, /Unknown saved query "no-such-query"/);
  });

  it('exits 2 with one line for an ill-typed parameter', () => {
    const { code, stderr } = runCliProcess(['run', 'tickets-of-type', '-p', 'limit=1e3'], { FRESHLAKE_QUERIES: QUERIES });
    expect(code).toBe(2);
    expectOneLineError(stderr, /Parameter limit: "1e3" is not an integer\./);
  });

  it('exits 2 with one line when the lake is missing', () => {
    const { code, stderr } = runCliProcess(['run', 'tickets-of-type'], { FRESHLAKE_QUERIES: QUERIES, FRESHLAKE_LAKE: '/nonexistent/lake' });
    expect(code).toBe(2);
    expectOneLineError(stderr, /No local lake at \/nonexistent\/lake \(from FRESHLAKE_LAKE or the default\)/);
  });

  it('exits 1 with one line telling how to configure credentials when there are none (no AWS call succeeds offline)', () => {
    const { code, stderr } = runCliProcess(['sql', 'SELECT 1', ...ATHENA, '--region', 'us-east-1'], {
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    expect(code).toBe(1);
    expectOneLineError(stderr, /No usable AWS credentials .*aws configure.*--profile <name>/);
  });

  it('reports an unknown --profile in one line', () => {
    const { code, stderr } = runCliProcess(['sql', 'SELECT 1', ...ATHENA, '--region', 'us-east-1', '--profile', 'nobody'], {
      AWS_CONFIG_FILE: '/nonexistent/config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    });
    expect(code).toBe(1);
    expectOneLineError(stderr, /No usable AWS credentials \(.*nobody.*\)/);
  });
});

describe('Ctrl-C in the real process context', () => {
  it('first Ctrl-C runs the registered handler (the query is stopped); a second exits 130 at once', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const context = processCliContext();
      const stopQuery = vi.fn();
      const remove = context.onInterrupt(stopQuery);
      process.emit('SIGINT');
      expect(stopQuery).toHaveBeenCalledTimes(1);
      expect(exit).not.toHaveBeenCalled();
      process.emit('SIGINT');
      expect(exit).toHaveBeenCalledWith(130);
      const listeners = process.listenerCount('SIGINT');
      remove();
      expect(process.listenerCount('SIGINT')).toBe(listeners - 1);
    } finally {
      exit.mockRestore();
      stderr.mockRestore();
    }
  });
});
