/**
 * `ingest --to firehose`: PutRecordBatch limits (500 records, 4 MiB, 1,000 KiB a record), retries of
 * only the failed records with backoff, throttling, and the failure file. AWS is mocked.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { FirehoseClient, PutRecordBatchCommand, type PutRecordBatchCommandInput } from '@aws-sdk/client-firehose';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MAX_BATCH_BYTES, MAX_RECORD_BYTES, sendToFirehose } from '../lib/local/firehose-sender';
import { RemoteError } from '../lib/errors';
import { runCliInProcess } from './cli-harness';
import ticketCreate from './fixtures/samples/ticket-create.json';

const firehose = mockClient(FirehoseClient);
const cloudFormation = mockClient(CloudFormationClient);
let dir: string;

beforeEach(() => {
  firehose.reset();
  cloudFormation.reset();
  dir = mkdtempSync(join(tmpdir(), 'freshlake-firehose-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** n ticket events with distinct ids, each padded to about `size` bytes. */
function events(n: number, size = 0): string[] {
  return Array.from({ length: n }, (_, i) => {
    const event = { ...ticketCreate, id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` };
    const text = JSON.stringify(event);
    return size > text.length ? JSON.stringify({ ...event, detail: { ...event.detail, padding: 'x'.repeat(size - text.length - 14) } }) : text;
  });
}

function inputFile(lines: readonly string[]): string {
  const file = join(dir, 'events.jsonl');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

/** The records of every PutRecordBatch call, as text. */
function calls(): string[][] {
  return firehose.commandCalls(PutRecordBatchCommand).map((c) => (c.args[0].input as PutRecordBatchCommandInput).Records!.map((r) => Buffer.from(r.Data!).toString('utf8')));
}

const sleeps: number[] = [];
const send = (lines: readonly string[], extra: Partial<Parameters<typeof sendToFirehose>[0]> = {}) =>
  sendToFirehose({
    inputs: [inputFile(lines)],
    client: new FirehoseClient({ region: 'us-east-1' }),
    deliveryStreamName: 'freshlake-stream',
    failedOutputPath: join(dir, 'failed.jsonl'),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 1,
    ...extra,
  });

beforeEach(() => {
  sleeps.length = 0;
});

const allOk = (input: PutRecordBatchCommandInput) => ({
  FailedPutCount: 0,
  RequestResponses: input.Records!.map((_, i) => ({ RecordId: `r${i}` })),
});

describe('batching within the PutRecordBatch limits', () => {
  it('sends at most 500 records a call', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(allOk);
    const lines = events(1_200);
    const summary = await send(lines);
    expect(calls().map((c) => c.length)).toEqual([500, 500, 200]);
    expect(calls().flat().sort()).toEqual([...lines].sort());
    expect(summary).toMatchObject({ matched: 1_200, sent: 1_200, failed: 0, calls: 3, retries: 0 });
    expect(existsSync(join(dir, 'failed.jsonl'))).toBe(false);
  });

  it('keeps every call within 4 MiB', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(allOk);
    const lines = events(40, 300 * 1024);
    const summary = await send(lines);
    const sizes = calls().map((c) => c.reduce((sum, r) => sum + Buffer.byteLength(r), 0));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(calls()[0].length).toBe(13); // 14 x 300 KiB would pass 4 MiB
    expect(summary.sent).toBe(40);
  });

  it('sends the events byte for byte, without a newline (the transform adds it)', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(allOk);
    const lines = events(3);
    await send(lines);
    expect(calls()[0]).toEqual(lines);
    expect(firehose.commandCalls(PutRecordBatchCommand)[0].args[0].input).toMatchObject({ DeliveryStreamName: 'freshlake-stream' });
  });

  it('writes a record over 1,000 KiB to the failure file instead of sending it', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(allOk);
    const [big] = events(1, MAX_RECORD_BYTES + 10);
    const small = events(2);
    const summary = await send([small[0], big, small[1]]);
    expect(summary).toMatchObject({ sent: 2, failed: 1, tooLarge: 1, errorCodes: { RecordTooLarge: 1 } });
    expect(readFileSync(join(dir, 'failed.jsonl'), 'utf8')).toBe(`${big}\n`);
    expect(summary.failedOutput).toBe(join(dir, 'failed.jsonl'));
  });

  it('sends only the events the rule matches; malformed lines are reported and kept in the failure file, not sent', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(allOk);
    const lines = [...events(2), 'oops', JSON.stringify({ ...ticketCreate, 'detail-type': 'onContactCreate' })];
    const summary = await send(lines);
    expect(summary).toMatchObject({ eventsRead: 4, matched: 2, notMatched: 1, malformed: 1, sent: 2, failed: 0 });
    expect(summary.malformedRecords).toEqual([{ input: join(dir, 'events.jsonl'), line: 3, reason: 'not valid JSON' }]);
    expect(readFileSync(join(dir, 'failed.jsonl'), 'utf8')).toBe('oops\n');
    expect(summary.failedOutput).toBe(join(dir, 'failed.jsonl'));
  });
});

describe('retries', () => {
  it('retries only the records that failed in a partial failure (FailedPutCount)', async () => {
    const lines = events(5);
    firehose
      .on(PutRecordBatchCommand)
      .resolvesOnce({
        FailedPutCount: 2,
        RequestResponses: [
          { RecordId: 'a' },
          { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' },
          { RecordId: 'c' },
          { ErrorCode: 'InternalFailure', ErrorMessage: 'Try again.' },
          { RecordId: 'e' },
        ],
      })
      .callsFake(allOk);
    const summary = await send(lines);
    expect(calls()).toEqual([lines, [lines[1], lines[3]]]);
    expect(summary).toMatchObject({ sent: 5, failed: 0, calls: 2, retries: 2 });
  });

  it('retries a throttled call as a whole, with backoff', async () => {
    const lines = events(3);
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    const unavailable = Object.assign(new Error('Unavailable'), { name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503 } });
    firehose.on(PutRecordBatchCommand).rejectsOnce(throttled).rejectsOnce(unavailable).callsFake(allOk);
    const summary = await send(lines);
    expect(calls()).toEqual([lines, lines, lines]);
    expect(summary).toMatchObject({ sent: 3, failed: 0, calls: 3, retries: 6 });
    // Full jitter with random() = 1 shows the ceilings: 100 ms, then doubled.
    expect(sleeps).toEqual([100, 200]);
  });

  it('backs off exponentially up to the maximum, then writes what still fails to the failure file', async () => {
    const lines = events(3);
    firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => ({
      FailedPutCount: 1,
      RequestResponses: input.Records!.map((r) =>
        Buffer.from(r.Data!).toString('utf8') === lines[1] ? { ErrorCode: 'ServiceUnavailableException' } : { RecordId: 'ok' },
      ),
    }));
    const summary = await send(lines, { maxAttempts: 6, maxDelayMs: 1000 });
    expect(summary).toMatchObject({ sent: 2, failed: 1, calls: 6, errorCodes: { ServiceUnavailableException: 1 } });
    expect(sleeps).toEqual([100, 200, 400, 800, 1000]);
    expect(readFileSync(join(dir, 'failed.jsonl'), 'utf8')).toBe(`${lines[1]}\n`);
  });

  it('jitters the waits below the ceiling', async () => {
    const lines = events(1);
    firehose.on(PutRecordBatchCommand).rejectsOnce(Object.assign(new Error('x'), { name: 'ThrottlingException' })).callsFake(allOk);
    await send(lines, { random: () => 0.25 });
    expect(sleeps).toEqual([25]);
  });

  it('stops at an error that retrying cannot fix, with the batch in the failure file', async () => {
    const lines = events(3);
    firehose.on(PutRecordBatchCommand).rejects(Object.assign(new Error('User is not authorized to perform: firehose:PutRecordBatch'), { name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }));
    const error = await send(lines).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as Error).message).toMatch(/Access denied for firehose:PutRecordBatch/);
    expect(calls().length).toBe(1);
    expect(readFileSync(join(dir, 'failed.jsonl'), 'utf8')).toBe(lines.map((l) => `${l}\n`).join(''));
  });
});

describe('freshlake ingest --to firehose (command line)', () => {
  it('sends to the stream named by --stream and prints a summary', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(allOk);
    inputFile(events(7));
    const run = await runCliInProcess(['ingest', 'events.jsonl', '--to', 'firehose', '--stream', 'my-stream', '--region', 'us-east-1'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Sent to Firehose stream my-stream/);
    expect(run.stdout).toMatch(/sent +7 in 1 PutRecordBatch calls/);
  });

  it('sends what a damaged input held up to the damage and the other inputs, names it, and exits 3 (partly ingested)', async () => {
    firehose.on(PutRecordBatchCommand).callsFake(allOk);
    mkdirSync(join(dir, 'day'));
    writeFileSync(join(dir, 'day', 'a.gz'), gzipSync(`${events(1)[0]}\n`));
    const whole = gzipSync(events(3000).join('\n'));
    writeFileSync(join(dir, 'day', 'b.gz'), whole.subarray(0, Math.floor(whole.length / 2)));
    writeFileSync(join(dir, 'day', 'c.gz'), gzipSync(`${events(2)[1]}\n`));
    const run = await runCliInProcess(['ingest', 'day', '--to', 'firehose', '--stream', 's', '--region', 'us-east-1', '--format', 'json'], { cwd: dir });
    expect(run.code).toBe(3);
    const summary = JSON.parse(run.stdout);
    expect(summary.damaged).toEqual([expect.objectContaining({ input: join('day', 'b.gz'), reason: expect.stringMatching(/not a complete gzip file/) })]);
    expect(summary.sent).toBeGreaterThan(2);
    expect(run.stderr).toMatch(/^freshlake: Partly ingested: 1 damaged input \(day\/b\.gz\)/);
  });

  it('takes the stream from the stack outputs with --stack', async () => {
    cloudFormation.on(DescribeStacksCommand).resolves({
      Stacks: [{ StackName: 'Freshlake-1342406', StackStatus: 'CREATE_COMPLETE', CreationTime: new Date(), Outputs: [{ OutputKey: 'DeliveryStreamName', OutputValue: 'Freshlake-1342406-Stream' }] }],
    });
    firehose.on(PutRecordBatchCommand).callsFake(allOk);
    inputFile(events(2));
    const run = await runCliInProcess(['ingest', 'events.jsonl', '--to', 'firehose', '--stack', 'Freshlake-1342406', '--region', 'us-east-1', '--format', 'json'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ destination: 'firehose', deliveryStream: 'Freshlake-1342406-Stream', sent: 2 });
    expect(firehose.commandCalls(PutRecordBatchCommand)[0].args[0].input).toMatchObject({ DeliveryStreamName: 'Freshlake-1342406-Stream' });
  });

  it('exits 1 naming the failure file and how to send it again when records could not be delivered', async () => {
    const lines = events(2);
    firehose.on(PutRecordBatchCommand).callsFake((input: PutRecordBatchCommandInput) => ({
      FailedPutCount: input.Records!.length,
      RequestResponses: input.Records!.map(() => ({ ErrorCode: 'ServiceUnavailableException' })),
    }));
    inputFile(lines);
    // Real backoff: 7 waits of at most 0.1 s ... 6.4 s would be slow; one attempt keeps it short.
    const run = await runCliInProcess(['ingest', 'events.jsonl', '--to', 'firehose', '--stream', 's', '--region', 'us-east-1', '--failed-output', 'failed.jsonl', '--max-attempts', '1'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/2 events could not be delivered to s; they are in .*failed\.jsonl: send them again with "freshlake ingest .*failed\.jsonl --to firehose --stream s"/);
    expect(readFileSync(join(dir, 'failed.jsonl'), 'utf8')).toBe(lines.map((l) => `${l}\n`).join(''));
  });

  it('needs exactly one of --stream and --stack', async () => {
    inputFile(events(1));
    const run = await runCliInProcess(['ingest', 'events.jsonl', '--to', 'firehose'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--to firehose needs --stream <name> or --stack <name>/);
  });
});
