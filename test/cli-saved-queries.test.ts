/**
 * The CLI over the real saved-query catalog (queries/*.sql): on the local engine over the fixture
 * lake (test/fixtures/lake.ts), and on Athena through aws-sdk-client-mock, so every saved query
 * is known to bind and run on both engines.
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { loadSavedQueries, placeholders, positionalSql } from '../lib/saved-queries';
import { FIXTURE_NOW, writeFixtureLake } from './fixtures/lake';
import { emptyLakeDir, runCliInProcess, runCliProcess, tempDir } from './cli-harness';

const CATALOG = loadSavedQueries();
let lake: string;

beforeAll(() => {
  lake = writeFixtureLake(join(tempDir('freshlake-fixture-lake-'), 'lake'));
});

const local = (args: string[]) => runCliInProcess([...args, '--lake', lake], { now: FIXTURE_NOW });

describe('freshlake run on the local engine (fixture lake)', () => {
  it('urgent-unassigned --format json prints exactly the tickets urgent and unassigned in their latest state', async () => {
    const { code, stdout, stderr } = await local(['run', 'urgent-unassigned', '--format', 'json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    // 1001 was assigned later, 1011 resolved, 1005 is spam, sample 4711 was assigned: none shows.
    expect(JSON.parse(stdout)).toEqual([
      {
        ticket_id: 1002,
        subject: 'Invoices missing',
        status_name: 'Pending',
        channel_name: 'Email',
        group_id: 502,
        group_name: '502',
        requester_id: 30000001002,
        created_at: '2026-11-26 07:00:00.000',
        updated_at: '2026-11-26 12:00:00.000',
        due_by: '2026-11-27 15:00:00.000',
      },
      {
        ticket_id: 4712,
        subject: 'Não consigo acessar minha conta',
        status_name: 'Open',
        channel_name: 'Chat',
        group_id: 20000012346,
        group_name: '20000012346',
        requester_id: 20000098766,
        created_at: '2026-11-27 11:00:00.000',
        updated_at: '2026-11-27 11:29:59.000',
        due_by: '2026-11-28 11:00:00.000',
      },
    ]);
  });

  it('binds a string parameter as data: an injection attempt matches nothing', async () => {
    const refunds = await local(['run', 'refund-tickets-today', '-p', 'day=2026-11-27', '--format', 'json']);
    expect(refunds.code).toBe(0);
    expect(JSON.parse(refunds.stdout).length).toBeGreaterThan(0);
    const injected = await local(['run', 'refund-tickets-today', '-p', 'day=2026-11-27', '-p', "type=x' OR '1'='1", '--format', 'json']);
    expect(injected.code).toBe(0);
    expect(JSON.parse(injected.stdout)).toEqual([]);
  });

  it.each(CATALOG.map((q) => q.name))('runs %s with its defaults', async (name) => {
    const { code, stdout, stderr } = await local(['run', name, '--format', 'json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(Array.isArray(JSON.parse(stdout))).toBe(true);
  });

  it('runs ad-hoc SQL over the lake relations', async () => {
    const { code, stdout } = await local(['sql', 'SELECT count(*) AS tickets FROM tickets_latest', '--format', 'ndjson']);
    expect(code).toBe(0);
    // 13 tickets in the fixture lake; tickets_latest leaves the spam one (1005) out.
    expect(JSON.parse(stdout)).toEqual({ tickets: 12 });
  });

  it('exits 1 with one line for SQL the engine rejects', async () => {
    const { code, stderr } = await local(['sql', 'SELECT nope FROM tickets_latest']);
    expect(code).toBe(1);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^freshlake: .*nope/);
  });

  it('runs on an empty lake and prints no rows', async () => {
    const { code, stdout } = await runCliInProcess(['run', 'urgent-unassigned', '--format', 'json', '--lake', emptyLakeDir()], { now: FIXTURE_NOW });
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([]);
  });

  it('works through the real launcher: npx freshlake run urgent-unassigned --format json', () => {
    const { code, stdout } = runCliProcess(['run', 'urgent-unassigned', '--format', 'json'], { FRESHLAKE_LAKE: lake });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).map((r: { ticket_id: number }) => r.ticket_id)).toEqual([1002, 4712]);
  });
});

describe('freshlake run on Athena (mocked): every saved query binds its parameters as ExecutionParameters', () => {
  const athena = mockClient(AthenaClient);
  beforeEach(() => {
    athena.reset();
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { QueryExecutionId: 'q-1', StatementType: 'DML', Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 0, EngineExecutionTimeInMillis: 1 } },
    });
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { Rows: [{ Data: [{ VarCharValue: 'n' }] }], ResultSetMetadata: { ColumnInfo: [{ Name: 'n', Type: 'bigint' }] } } });
  });

  it.each(CATALOG.map((q) => q.name))('%s', async (name) => {
    const query = CATALOG.find((q) => q.name === name)!;
    const { code, stderr } = await runCliInProcess(['run', name, '--engine', 'athena', '--database', 'db', '--format', 'json'], { now: FIXTURE_NOW });
    expect(stderr).toMatch(/^athena: 0 rows, /);
    expect(code).toBe(0);
    const input = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    const uses = placeholders(query.sql);
    // The SQL text is the saved SQL with positional placeholders: no value was pasted into it.
    expect(input.QueryString).toBe(positionalSql(query.sql).sql);
    expect(input.ExecutionParameters ?? []).toHaveLength(uses.length);
    for (const [i, use] of uses.entries()) {
      const type = query.parameters.find((p) => p.name === use.name)!.type;
      expect(input.ExecutionParameters![i]).toMatch(type === 'integer' ? /^-?\d+$/ : /^'.*'$/);
    }
  });
});
