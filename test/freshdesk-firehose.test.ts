/**
 * `freshlake sync --to firehose`: snapshots through the ingest sender into the stack's delivery
 * stream (PutRecordBatch, mocked), dimensions and the checkpoint in the data bucket (S3, mocked),
 * the stream and bucket found from the stack's outputs. The checkpoint never moves past records
 * Firehose did not take.
 */
import { AthenaClient, GetQueryExecutionCommand, GetQueryResultsCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { FirehoseClient, PutRecordBatchCommand, type PutRecordBatchCommandInput } from '@aws-sdk/client-firehose';
import { GetObjectCommand, PutObjectCommand, S3Client, type PutObjectCommandInput } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHECKPOINT_KEY } from '../lib/freshdesk/checkpoint';
import { TICKET_SNAPSHOT_DETAIL_TYPE } from '../lib/ticket-snapshot';
import { runCliInProcess } from './cli-harness';
import { FakeFreshdesk, seedAccount } from './freshdesk-server';

const firehose = mockClient(FirehoseClient);
const s3 = mockClient(S3Client);
const cloudFormation = mockClient(CloudFormationClient);
const athena = mockClient(AthenaClient);
const env = { FRESHDESK_API_KEY: 'test-key', AWS_REGION: 'eu-west-1', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' };
let server: FakeFreshdesk;
let bucket: Map<string, Buffer>;

beforeEach(() => {
  firehose.reset();
  s3.reset();
  cloudFormation.reset();
  athena.reset();
  bucket = new Map();
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'Freshlake-1',
        StackStatus: 'CREATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: [
          { OutputKey: 'DeliveryStreamName', OutputValue: 'freshlake-stream' },
          { OutputKey: 'DataBucketName', OutputValue: 'freshlake-data' },
          { OutputKey: 'AthenaWorkGroupName', OutputValue: 'freshlake-wg' },
          { OutputKey: 'GlueDatabaseName', OutputValue: 'freshlake_db' },
        ],
      },
    ],
  });
  s3.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
    bucket.set(input.Key!, Buffer.from(input.Body as Buffer));
    return {};
  });
  s3.on(GetObjectCommand).callsFake((input: { Key: string }) => {
    const body = bucket.get(input.Key);
    if (!body) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
    return { Body: { transformToByteArray: async () => new Uint8Array(body) } as never };
  });
});

afterEach(async () => {
  await server?.close();
});

function sentRecords(): Record<string, any>[] {
  return firehose
    .commandCalls(PutRecordBatchCommand)
    .flatMap((call) => (call.args[0].input as PutRecordBatchCommandInput).Records!.map((r) => JSON.parse(Buffer.from(r.Data as Uint8Array).toString('utf8'))));
}

describe('freshlake sync --to firehose', () => {
  it('sends every ticket version as a snapshot record, puts dimensions and the checkpoint in the bucket, and syncs incrementally from it', async () => {
    server = new FakeFreshdesk();
    seedAccount(server, { tickets: 700 });
    const url = await server.start();
    firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => ({ FailedPutCount: 0, RequestResponses: input.Records!.map((_, i) => ({ RecordId: `r${i}` })) }));
    const cwd = mkdtempSync(join(tmpdir(), 'freshlake-sync-firehose-'));
    const run = await runCliInProcess(['sync', '--url', url, '--to', 'firehose', '--stack', 'Freshlake-1', '--source', 'aws.partner/freshworks.com/1/freshdesk'], { env, cwd });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/into Firehose stream freshlake-stream \(dimensions and checkpoint in s3:\/\/freshlake-data\)/);
    const records = sentRecords();
    expect(new Set(records.map((r) => r.detail.ticket.id)).size).toBe(700);
    expect(records.every((r) => r['detail-type'] === TICKET_SNAPSHOT_DETAIL_TYPE && r.source === 'aws.partner/freshworks.com/1/freshdesk' && r.time === r.detail.ticket.updated_at)).toBe(true);
    expect(JSON.parse(gunzipSync(bucket.get('dimensions/agents/agents.gz')!).toString().split('\n')[0])).toMatchObject({ agent_id: expect.any(Number) });
    expect(JSON.parse(bucket.get(CHECKPOINT_KEY)!.toString()).completedAt).toBeDefined();

    firehose.resetHistory();
    server.advance(120);
    server.update(7, { status: 5 });
    const again = await runCliInProcess(['sync', '--url', url, '--to', 'firehose', '--stack', 'Freshlake-1', '--format', 'json'], { env, cwd });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ destination: 'firehose', firstSync: false, tickets: { changed: 1 }, sent: 1 });
    expect(sentRecords().map((r) => r.detail.ticket.id)).toEqual([7]);
  });

  it('fails without moving the checkpoint past records Firehose did not take, and keeps them in the failure file', async () => {
    server = new FakeFreshdesk();
    seedAccount(server, { tickets: 50 });
    const url = await server.start();
    firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => ({
      FailedPutCount: input.Records!.length,
      RequestResponses: input.Records!.map(() => ({ ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' })),
    }));
    const cwd = mkdtempSync(join(tmpdir(), 'freshlake-sync-firehose-'));
    const run = await runCliInProcess(['sync', '--url', url, '--to', 'firehose', '--stream', 'freshlake-stream', '--bucket', 'freshlake-data', '--failed-output', 'failed.jsonl', '--no-dimensions'], { env, cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^freshlake: 50 ticket snapshots could not be delivered to freshlake-stream \(they are in .*failed\.jsonl\); the checkpoint stays before them/);
    expect(bucket.has(CHECKPOINT_KEY)).toBe(false);
  }, 60_000);

  it('--check on the stack reads ticket_latest_state through Athena and lists what differs', async () => {
    server = new FakeFreshdesk();
    server.addTicket({ id: 1, created: server.clock - 5000 });
    server.addTicket({ id: 2, created: server.clock - 4000 });
    server.addTicket({ id: 3, created: server.clock - 3000 });
    server.advance(10);
    server.update(2, { status: 5 });
    const url = await server.start();
    const text = (v: string | undefined) => (v === undefined ? {} : { VarCharValue: v });
    const row = (...values: (string | undefined)[]) => ({ Data: values.map(text) });
    const athenaTime = (iso: string) => iso.replace('T', ' ').replace('Z', '.000');
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
    athena.on(GetQueryExecutionCommand).resolves({ QueryExecution: { QueryExecutionId: 'q-1', StatementType: 'DML', Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 1000, EngineExecutionTimeInMillis: 10 } } });
    athena.on(GetQueryResultsCommand).resolves({
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: [['ticket_id', 'bigint'], ['updated_at', 'timestamp(3)'], ['status', 'integer'], ['spam', 'boolean'], ['deleted', 'boolean']].map(([Name, Type]) => ({ Name, Label: Name, Type })) },
        Rows: [
          row('ticket_id', 'updated_at', 'status', 'spam', 'deleted'),
          row('1', athenaTime(server.tickets.get(1)!.updated_at), '2', 'false', 'false'),
          // Ticket 2 as the events left it: open, one version behind (Freshdesk closed it since).
          row('2', athenaTime(server.tickets.get(2)!.created_at), '2', 'false', 'false'),
        ],
      },
    });
    const run = await runCliInProcess(['sync', '--url', url, '--check', '--to', 'firehose', '--stack', 'Freshlake-1', '--since', '2010-01-01', '--format', 'json'], { env });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ lake: 'stack Freshlake-1', apiTickets: 3, matching: 1, missing: { count: 1, ids: [3] }, stale: { count: 1, ids: [2] }, wronglyOpen: { count: 1, ids: [2] } });
    const sql = athena.commandCalls(StartQueryExecutionCommand)[0].args[0].input;
    expect(sql).toMatchObject({ WorkGroup: 'freshlake-wg', QueryExecutionContext: { Database: 'freshlake_db' } });
    expect(sql.QueryString).toMatch(/FROM ticket_latest_state/);
  });

  it('rejects options of the other destination', async () => {
    const run = await runCliInProcess(['sync', '--url', 'http://127.0.0.1:1', '--stack', 'Freshlake-1'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--stack applies only with --to firehose/);
  });
});
