import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type ColumnInfo,
  type GetQueryExecutionCommandOutput,
  type QueryExecutionState,
  type Row,
} from '@aws-sdk/client-athena';
import {
  AthenaEngine,
  athenaParameterLiteral,
  athenaQueryCostUsd,
  athenaValue,
  type AthenaEngineProps,
} from '../lib/engines/athena-engine';
import { QueryError, RemoteError, UsageError } from '../lib/errors';
import type { RowValue } from '../lib/engines/engine';
import type { BoundParameter } from '../lib/saved-queries';

const athena = mockClient(AthenaClient);
const ID = 'q-0001';
const MB = 1024 * 1024;
const TB = 1024 * 1024 * MB;

function execution(state: QueryExecutionState, extra: { reason?: string; error?: string; scanned?: number; engineMs?: number; reused?: boolean; statementType?: string } = {}): GetQueryExecutionCommandOutput {
  return {
    $metadata: {},
    QueryExecution: {
      QueryExecutionId: ID,
      StatementType: (extra.statementType ?? 'DML') as 'DML',
      Status: {
        State: state,
        StateChangeReason: extra.reason,
        AthenaError: extra.error ? { ErrorCategory: 2, ErrorType: 1006, Retryable: false, ErrorMessage: extra.error } : undefined,
      },
      Statistics: {
        DataScannedInBytes: extra.scanned,
        EngineExecutionTimeInMillis: extra.engineMs,
        ResultReuseInformation: extra.reused === undefined ? undefined : { ReusedPreviousResult: extra.reused },
      },
    },
  };
}

const row = (...values: (string | undefined)[]): Row => ({ Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })) });
const columns = (...spec: [string, string][]): ColumnInfo[] => spec.map(([Name, Type]) => ({ Name, Label: Name, Type }));

interface Harness {
  engine: AthenaEngine;
  sleeps: number[];
  progress: string[];
}

function harness(props: Partial<AthenaEngineProps> = {}, onSleep?: (ms: number, count: number) => void): Harness {
  const sleeps: number[] = [];
  let clock = 0;
  const engine = new AthenaEngine({
    database: 'freshlake',
    workGroup: 'freshlake-wg',
    client: new AthenaClient({ region: 'us-east-1' }),
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
      onSleep?.(ms, sleeps.length);
    },
    now: () => clock,
    ...props,
  });
  return { engine, sleeps, progress: [] };
}

async function allRows(pages: AsyncIterable<RowValue[][]>): Promise<RowValue[][]> {
  const rows: RowValue[][] = [];
  for await (const page of pages) rows.push(...page);
  return rows;
}

beforeEach(() => {
  athena.reset();
  athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: ID });
  athena.on(StopQueryExecutionCommand).resolves({});
});

describe('AthenaEngine: starting a query', () => {
  it('starts the query in the workgroup with the database, the AwsDataCatalog and no parameters when there are none', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [row('n'), row('1')], ResultSetMetadata: { ColumnInfo: columns(['n', 'integer']) } } });
    const { engine } = harness();
    await engine.execute('SELECT 1 AS n', []);
    const [call] = athena.commandCalls(StartQueryExecutionCommand);
    expect(call.args[0].input).toEqual({
      QueryString: 'SELECT 1 AS n',
      WorkGroup: 'freshlake-wg',
      QueryExecutionContext: { Database: 'freshlake', Catalog: 'AwsDataCatalog' },
      ExecutionParameters: undefined,
      ResultReuseConfiguration: undefined,
    });
  });

  it('sends every value as an ExecutionParameters literal and leaves the SQL text untouched', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [row('n')], ResultSetMetadata: { ColumnInfo: columns(['n', 'bigint']) } } });
    const sql = 'SELECT count(*) AS n FROM tickets_latest WHERE ticket_type = ? AND created_at >= CAST(? AS timestamp) LIMIT ?';
    const values: BoundParameter[] = [
      { name: 'type', type: 'string', value: "x' OR '1'='1" },
      { name: 'since', type: 'timestamp', value: '2026-11-27 10:00:00' },
      { name: 'limit', type: 'integer', value: 10 },
    ];
    await harness().engine.execute(sql, values);
    const input = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(input.QueryString).toBe(sql);
    expect(input.ExecutionParameters).toEqual(["'x'' OR ''1''=''1'", "'2026-11-27 10:00:00'", '10']);
  });

  it('asks for result reuse with the maximum age when reuse is on', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED', { reused: true, scanned: 0 }));
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [row('n')], ResultSetMetadata: { ColumnInfo: columns(['n', 'bigint']) } } });
    const result = await harness({ reuseMaxAgeMinutes: 60 }).engine.execute('SELECT 1', []);
    expect(athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input.ResultReuseConfiguration).toEqual({
      ResultReuseByAgeConfiguration: { Enabled: true, MaxAgeInMinutes: 60 },
    });
    expect(result.statistics.reusedResult).toBe(true);
    expect(result.statistics.costUsd).toBe(0);
  });

  it.each([0, 10_081, 1.5])('refuses a reuse age of %s minutes (Athena allows 1 to 7 days)', (minutes) => {
    expect(() => harness({ reuseMaxAgeMinutes: minutes })).toThrow(UsageError);
  });

  it('turns AccessDenied on StartQueryExecution into a one-line error naming the permission', async () => {
    athena.on(StartQueryExecutionCommand).rejects(Object.assign(new Error('User: arn:aws:iam::1:user/a is not authorized to perform: athena:StartQueryExecution'), { name: 'AccessDeniedException' }));
    const error = await harness().engine.execute('SELECT 1', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toMatch(/^Access denied for athena:StartQueryExecution: grant athena:StartQueryExecution .*--profile/);
  });

  it('turns missing credentials into a line that says how to configure them', async () => {
    athena.on(StartQueryExecutionCommand).rejects(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
    await expect(harness().engine.execute('SELECT 1', [])).rejects.toThrow(/No usable AWS credentials.*aws configure.*--profile/);
  });

  it('turns a query Athena rejects at start into a QueryError with its message', async () => {
    athena.on(StartQueryExecutionCommand).rejects(Object.assign(new Error('line 1:8: mismatched input'), { name: 'InvalidRequestException' }));
    await expect(harness().engine.execute('SELEC 1', [])).rejects.toThrow(new QueryError('Athena rejected the query: line 1:8: mismatched input'));
  });
});

describe('AthenaEngine: waiting for the query', () => {
  it('treats QUEUED and RUNNING as normal, backing off from 200 ms and reporting state, elapsed time and data scanned', async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(execution('QUEUED'))
      .resolvesOnce(execution('QUEUED'))
      .resolvesOnce(execution('RUNNING', { scanned: 5 * MB }))
      .resolvesOnce(execution('SUCCEEDED', { scanned: 12 * MB, engineMs: 1234, reused: false }));
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [row('n'), row('7')], ResultSetMetadata: { ColumnInfo: columns(['n', 'integer']) } } });
    const h = harness();
    const progress: string[] = [];
    const result = await h.engine.execute('SELECT 7 AS n', [], { onProgress: (m) => progress.push(m) });
    expect(h.sleeps).toEqual([200, 400, 800]);
    expect(progress).toEqual([
      `Athena queued 0.0 s (${ID})`,
      `Athena queued 0.2 s (${ID})`,
      `Athena running 0.6 s, 5.00 MB scanned (${ID})`,
    ]);
    expect(result.statistics).toEqual({
      engine: 'athena',
      elapsedMs: 1234,
      bytesScanned: 12 * MB,
      costUsd: (12 * MB * 5) / TB,
      reusedResult: false,
      queryExecutionId: ID,
    });
    expect(await allRows(result.pages)).toEqual([[7]]);
  });

  it('never waits longer than 2 s between polls', async () => {
    const behaviour = athena.on(GetQueryExecutionCommand);
    for (let i = 0; i < 7; i++) behaviour.resolvesOnce(execution('RUNNING'));
    behaviour.resolves(execution('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [row('n')], ResultSetMetadata: { ColumnInfo: columns(['n', 'integer']) } } });
    const h = harness();
    await h.engine.execute('SELECT 1', []);
    expect(h.sleeps).toEqual([200, 400, 800, 1600, 2000, 2000, 2000]);
  });

  it("fails with Athena's state change reason and error message when the query FAILED", async () => {
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(execution('RUNNING'))
      .resolves(execution('FAILED', { reason: "COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved", error: 'Column nope is not in ticket_events' }));
    const error = await harness().engine.execute('SELECT nope FROM ticket_events', []).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as Error).message).toBe(
      `Athena query ${ID} failed: COLUMN_NOT_FOUND: line 1:8: Column 'nope' cannot be resolved (Column nope is not in ticket_events)`,
    );
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(0);
  });

  it('fails with the reason when the query was CANCELLED (e.g. by the workgroup data limit)', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('CANCELLED', { reason: 'Query cancelled! : Bytes scanned limit was exceeded' }));
    await expect(harness().engine.execute('SELECT * FROM ticket_events', [])).rejects.toThrow(
      new QueryError(`Athena query ${ID} was cancelled: Query cancelled! : Bytes scanned limit was exceeded`),
    );
  });

  it('sends StopQueryExecution with the query id when the signal aborts while the query runs, then fails', async () => {
    const controller = new AbortController();
    athena.on(GetQueryExecutionCommand).resolves(execution('RUNNING'));
    const h = harness({}, (_ms, count) => {
      if (count === 2) controller.abort();
    });
    const error = await h.engine.execute('SELECT * FROM ticket_events', [], { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as Error).message).toMatch(/StopQueryExecution sent/);
    const stops = athena.commandCalls(StopQueryExecutionCommand);
    expect(stops).toHaveLength(1);
    expect(stops[0].args[0].input).toEqual({ QueryExecutionId: ID });
    // No further polling after the stop.
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(2);
  });

  it('does not start a query when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(harness().engine.execute('SELECT 1', [], { signal: controller.signal })).rejects.toThrow(QueryError);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(0);
  });
});

describe('AthenaEngine: reading results', () => {
  it('pages through GetQueryResults with NextToken, 1,000 rows a page, skipping the header row only on the first page', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    const meta = { ColumnInfo: columns(['ticket_id', 'bigint'], ['subject', 'varchar']) };
    athena
      .on(GetQueryResultsCommand, { QueryExecutionId: ID, NextToken: undefined })
      .resolves({ ResultSet: { Rows: [row('ticket_id', 'subject'), row('1', 'a'), row('2', 'b')], ResultSetMetadata: meta }, NextToken: 'page-2' })
      .on(GetQueryResultsCommand, { QueryExecutionId: ID, NextToken: 'page-2' })
      // A later page whose first row looks like a header is data: only the first page has one.
      .resolves({ ResultSet: { Rows: [row('ticket_id', 'subject'), row('4', 'd')], ResultSetMetadata: meta }, NextToken: 'page-3' })
      .on(GetQueryResultsCommand, { QueryExecutionId: ID, NextToken: 'page-3' })
      .resolves({ ResultSet: { Rows: [row('5', undefined)], ResultSetMetadata: meta } });
    const result = await harness().engine.execute('SELECT ticket_id, subject FROM tickets_latest', []);
    expect(result.columns).toEqual([
      { name: 'ticket_id', type: 'bigint' },
      { name: 'subject', type: 'varchar' },
    ]);
    const pages: RowValue[][][] = [];
    for await (const page of result.pages) pages.push(page);
    expect(pages).toEqual([
      [
        [1, 'a'],
        [2, 'b'],
      ],
      [
        ['ticket_id', 'subject'],
        [4, 'd'],
      ],
      [[5, null]],
    ]);
    const calls = athena.commandCalls(GetQueryResultsCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      { QueryExecutionId: ID, NextToken: undefined, MaxResults: 1000 },
      { QueryExecutionId: ID, NextToken: 'page-2', MaxResults: 1000 },
      { QueryExecutionId: ID, NextToken: 'page-3', MaxResults: 1000 },
    ]);
  });

  it('fetches the next page only when the caller asks for it', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    const meta = { ColumnInfo: columns(['n', 'integer']) };
    athena
      .on(GetQueryResultsCommand, { NextToken: undefined })
      .resolves({ ResultSet: { Rows: [row('n'), row('1')], ResultSetMetadata: meta }, NextToken: 'more' })
      .on(GetQueryResultsCommand, { NextToken: 'more' })
      .resolves({ ResultSet: { Rows: [row('2')], ResultSetMetadata: meta } });
    const result = await harness().engine.execute('SELECT n', []);
    const iterator = result.pages[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toEqual([[1]]);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(1);
    await iterator.return?.(undefined);
  });

  it('keeps the first row of a DDL or utility statement (they have no header row)', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED', { statementType: 'UTILITY' }));
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [row('ticket_events'), row('ticket_history')], ResultSetMetadata: { ColumnInfo: columns(['tab_name', 'string']) } } });
    const result = await harness().engine.execute('SHOW TABLES', []);
    expect(await allRows(result.pages)).toEqual([['ticket_events'], ['ticket_history']]);
  });

  it('returns no rows for an empty SELECT result (header only)', async () => {
    athena.on(GetQueryExecutionCommand).resolves(execution('SUCCEEDED'));
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [row('ticket_id')], ResultSetMetadata: { ColumnInfo: columns(['ticket_id', 'bigint']) } } });
    const result = await harness().engine.execute('SELECT ticket_id FROM tickets_latest WHERE false', []);
    expect(await allRows(result.pages)).toEqual([]);
  });
});

describe('athenaValue: Athena text to typed values', () => {
  it.each<[string | undefined, string, RowValue]>([
    [undefined, 'varchar', null],
    [undefined, 'bigint', null],
    ['', 'varchar', ''],
    ['Refund', 'varchar', 'Refund'],
    ['x', 'char', 'x'],
    ['42', 'integer', 42],
    ['-3', 'tinyint', -3],
    ['7', 'smallint', 7],
    ['9007199254740991', 'bigint', 9007199254740991],
    ['9007199254740993', 'bigint', '9007199254740993'],
    ['0.5', 'double', 0.5],
    ['1.25', 'real', 1.25],
    ['2.5E-3', 'float', 0.0025],
    ['12.30', 'decimal', 12.3],
    ['NaN', 'double', 'NaN'],
    ['true', 'boolean', true],
    ['false', 'boolean', false],
    ['2026-11-27', 'date', '2026-11-27'],
    ['2026-11-27 10:00:00.000', 'timestamp', '2026-11-27 10:00:00.000'],
    ['2026-11-27 10:00:00', 'timestamp', '2026-11-27 10:00:00.000'],
    ['2026-11-27 10:00:00.123456', 'timestamp', '2026-11-27 10:00:00.123'],
    ['2026-11-27 10:00:00.5 UTC', 'timestamp with time zone', '2026-11-27 10:00:00.500'],
    ['2026-11-27 12:00:00.000 Europe/Berlin', 'timestamp with time zone', '2026-11-27 12:00:00.000 Europe/Berlin'],
    ['[1, 2, 3]', 'array', [1, 2, 3]],
    ['[vip, refund]', 'array', '[vip, refund]'],
    ['{"cf_region":"EU","n":1}', 'json', { cf_region: 'EU', n: 1 }],
    ['"text"', 'json', 'text'],
    ['{a=1, b=2}', 'map', '{a=1, b=2}'],
    ['{id=2, name=Open}', 'row', '{id=2, name=Open}'],
  ])('%j as %s -> %j', (text, type, expected) => {
    expect(athenaValue(text, type)).toEqual(expected);
  });
});

describe('athenaParameterLiteral: bound values as SQL literals', () => {
  it.each<[BoundParameter, string]>([
    [{ name: 'type', type: 'string', value: 'Refund' }, "'Refund'"],
    [{ name: 'type', type: 'string', value: "x' OR '1'='1" }, "'x'' OR ''1''=''1'"],
    [{ name: 'type', type: 'string', value: "'; DROP TABLE ticket_events; --" }, "'''; DROP TABLE ticket_events; --'"],
    [{ name: 'type', type: 'string', value: '' }, "''"],
    [{ name: 'type', type: 'string', value: 'back\\slash' }, "'back\\slash'"],
    [{ name: 'status', type: 'enum', value: 'Open' }, "'Open'"],
    [{ name: 'day', type: 'date', value: '2026-11-27' }, "'2026-11-27'"],
    [{ name: 'since', type: 'timestamp', value: '2026-11-27 10:00:00' }, "'2026-11-27 10:00:00'"],
    [{ name: 'limit', type: 'integer', value: 10 }, '10'],
    [{ name: 'offset', type: 'integer', value: -5 }, '-5'],
  ])('%j -> %s', (parameter, literal) => {
    expect(athenaParameterLiteral(parameter)).toBe(literal);
  });

  it('refuses a non-integer value for an integer parameter instead of sending text unquoted', () => {
    expect(() => athenaParameterLiteral({ name: 'limit', type: 'integer', value: '10 OR 1=1' })).toThrow(UsageError);
    expect(() => athenaParameterLiteral({ name: 'limit', type: 'integer', value: 1.5 })).toThrow(UsageError);
  });

  it("refuses a value longer than Athena's 1,024-character parameter limit", () => {
    expect(() => athenaParameterLiteral({ name: 'q', type: 'string', value: 'x'.repeat(1023) })).toThrow(/1024 characters/);
    expect(athenaParameterLiteral({ name: 'q', type: 'string', value: 'x'.repeat(1022) })).toHaveLength(1024);
  });
});

describe('athenaQueryCostUsd: $5 per TB, rounded up to the MB, 10 MB minimum', () => {
  it.each<[string, number, number]>([
    ['nothing scanned still bills the 10 MB minimum', 0, 10 * MB],
    ['1 byte bills 10 MB', 1, 10 * MB],
    ['exactly 10 MB bills 10 MB', 10 * MB, 10 * MB],
    ['10 MB and 1 byte rounds up to 11 MB', 10 * MB + 1, 11 * MB],
    ['123.4 MB rounds up to 124 MB', Math.round(123.4 * MB), 124 * MB],
    ['1 TB bills 1 TB', TB, TB],
  ])('%s', (_label, scanned, billed) => {
    expect(athenaQueryCostUsd(scanned)).toBeCloseTo((billed / TB) * 5, 15);
  });

  it('bills $5 for one TB', () => {
    expect(athenaQueryCostUsd(TB)).toBe(5);
  });

  it('charges nothing for a reused result or a DDL statement', () => {
    expect(athenaQueryCostUsd(0, { reusedResult: true })).toBe(0);
    expect(athenaQueryCostUsd(50 * MB, { statementType: 'DDL' })).toBe(0);
  });
});
