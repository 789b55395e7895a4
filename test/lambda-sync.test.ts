/**
 * The scheduled sync handler (lambda/sync) against the Freshdesk-compatible test server on
 * 127.0.0.1, with the AWS SDK mocked (aws-sdk-client-mock): Secrets Manager gives the key,
 * Firehose takes the snapshots (which the real transform then accepts), S3 holds the dimensions
 * and the checkpoint in memory.
 */
import { gunzipSync } from 'node:zlib';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { FirehoseTransformationEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SYNC_ENV, apiKeyOfSecret, scheduledSyncConfig } from '../lambda/sync/config';
import { STOP_BEFORE_TIMEOUT_MS, handler, resetClientsForTests } from '../lambda/sync/index';
import { handler as transform } from '../lambda/transform';
import { DIMENSION_NAMES, dimensionObjectKey } from '../lib/dimensions';
import { CHECKPOINT_KEY } from '../lib/freshdesk/checkpoint';
import { TICKET_SNAPSHOT_DETAIL_TYPE } from '../lib/ticket-snapshot';
import { FakeFreshdesk, seedAccount } from './freshdesk-server';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:freshdesk-api-key-AbCdEf';
const SOURCE = 'aws.partner/freshworks.com/1342406/freshdesk';
const API_KEY = 'test-key';
const FUNCTION_ARN = 'arn:aws:lambda:eu-west-1:111122223333:function:Freshlake-1342406-sync';

const secrets = mockClient(SecretsManagerClient);
const firehose = mockClient(FirehoseClient);
const s3 = mockClient(S3Client);

let server: FakeFreshdesk;
let objects: Map<string, Buffer>;
let sent: Buffer[];
let logs: string[];
const savedEnv = { ...process.env };

/** A Lambda context with this much time left. */
const contextWith = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs, invokedFunctionArn: FUNCTION_ARN });

async function startAccount(tickets: number, options: ConstructorParameters<typeof FakeFreshdesk>[0] = {}): Promise<void> {
  server = new FakeFreshdesk(options);
  seedAccount(server, { tickets, spamShare: 0.05, deletedShare: 0.05, tieSize: [2, Math.max(2, Math.floor(tickets / 20))] });
  const baseUrl = await server.start();
  process.env[SYNC_ENV.freshdeskUrl] = baseUrl;
}

beforeEach(() => {
  resetClientsForTests();
  objects = new Map();
  sent = [];
  logs = [];
  vi.spyOn(console, 'log').mockImplementation((line: string) => void logs.push(String(line)));
  vi.spyOn(console, 'error').mockImplementation((line: string) => void logs.push(String(line)));
  Object.assign(process.env, {
    [SYNC_ENV.apiKeySecretArn]: SECRET_ARN,
    [SYNC_ENV.deliveryStreamName]: 'lake-stream',
    [SYNC_ENV.dataBucketName]: 'lake-bucket',
    [SYNC_ENV.snapshotSource]: SOURCE,
  });
  secrets.reset();
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: JSON.stringify({ apiKey: API_KEY }) });
  firehose.reset();
  firehose.on(PutRecordBatchCommand, { DeliveryStreamName: 'lake-stream' }).callsFake((input: { Records: { Data: Uint8Array }[] }) => {
    for (const record of input.Records) sent.push(Buffer.from(record.Data));
    return { FailedPutCount: 0, Encrypted: false, RequestResponses: input.Records.map((_, i) => ({ RecordId: `r-${sent.length}-${i}` })) };
  });
  s3.reset();
  s3.on(GetObjectCommand, { Bucket: 'lake-bucket' }).callsFake((input: { Key: string }) => {
    const body = objects.get(input.Key);
    if (!body) throw new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } });
    return { Body: { transformToByteArray: async () => new Uint8Array(body) } };
  });
  s3.on(PutObjectCommand, { Bucket: 'lake-bucket' }).callsFake((input: { Key: string; Body: Buffer }) => {
    objects.set(input.Key, Buffer.from(input.Body));
    return {};
  });
});

afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  for (const key of Object.values(SYNC_ENV)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

afterAll(() => {
  secrets.restore();
  firehose.restore();
  s3.restore();
});

/** The records Firehose received, parsed. */
const records = () => sent.map((b) => JSON.parse(b.toString('utf8')) as { id: string; 'detail-type': string; source: string; account: string; region: string; time: string; detail: { ticket: { id: number; updated_at: string; deleted: boolean; spam: boolean } } });

describe('the scheduled sync handler', () => {
  it('syncs the whole account: every ticket\'s latest version through Firehose, the dimensions and the checkpoint into the bucket', async () => {
    await startAccount(400);
    const result = await handler({}, contextWith(900_000));
    expect(result).toMatchObject({ complete: true, firstSync: true });

    // Every ticket of the account (spam and deleted included) in its latest version.
    const latest = new Map<number, string>();
    for (const r of records()) {
      const t = r.detail.ticket;
      if ((latest.get(t.id) ?? '') < t.updated_at) latest.set(t.id, t.updated_at);
    }
    const truth = server.truth();
    expect(latest.size).toBe(truth.size);
    for (const [id, t] of truth) expect(latest.get(id), `ticket ${id}`).toBe(t.updated_at);
    expect(records().filter((r) => r.detail.ticket.deleted).length).toBe([...truth.values()].filter((t) => t.deleted).length);

    // In the envelope of snapshots, with the stack's source and the function's account and region.
    for (const r of records()) {
      expect(r).toMatchObject({ 'detail-type': TICKET_SNAPSHOT_DETAIL_TYPE, source: SOURCE, account: '111122223333', region: 'eu-west-1', time: r.detail.ticket.updated_at });
    }
    expect(result.snapshotsSent).toBe(sent.length);

    // Dimensions and checkpoint in the bucket, in the lake layout.
    for (const name of ['agents', 'groups', 'ticket_statuses', 'ticket_fields', 'business_hours', 'sla_policies'] as const) {
      expect(objects.has(dimensionObjectKey(name)), name).toBe(true);
    }
    expect(DIMENSION_NAMES.every((name) => objects.has(dimensionObjectKey(name)))).toBe(true);
    const agents = gunzipSync(objects.get(dimensionObjectKey('agents'))!).toString('utf8');
    expect(agents).toContain('"agent_name":"Agent 1"');
    expect(agents).not.toContain('@example.com');
    expect(JSON.parse(objects.get(CHECKPOINT_KEY)!.toString('utf8'))).toMatchObject({ account: new URL(process.env[SYNC_ENV.freshdeskUrl]!).origin, completedAt: expect.any(String) });
  });

  it('sends records the stack\'s transform accepts, partitioned by the day of updated_at', async () => {
    await startAccount(60);
    await handler({}, contextWith(900_000));
    const event: FirehoseTransformationEvent = {
      invocationId: 'i',
      deliveryStreamArn: 'arn:aws:firehose:eu-west-1:111122223333:deliverystream/lake-stream',
      region: 'eu-west-1',
      records: sent.map((data, i) => ({ recordId: `r${i}`, approximateArrivalTimestamp: Date.parse('2026-11-27T12:30:00Z'), data: data.toString('base64') })),
    };
    const out = await transform(event);
    expect(out.records.every((r) => r.result === 'Ok')).toBe(true);
    expect(out.records.map((r) => r.metadata?.partitionKeys?.dt)).toEqual(records().map((r) => r.time.slice(0, 10)));
  });

  it('fetches only what changed on the next run: a handful of calls, nothing sent again', async () => {
    await startAccount(400);
    await handler({}, contextWith(900_000));
    const callsBefore = server.requests.length;
    const sentBefore = sent.length;
    server.advance(3600);
    const ticket = [...server.tickets.values()].find((t) => !t.spam && !t.deleted)!;
    server.update(ticket.id, { status: 4 });
    const second = await handler({}, contextWith(900_000));
    expect(second).toMatchObject({ complete: true, firstSync: false });
    expect(server.requests.length - callsBefore).toBeLessThanOrEqual(12);
    expect(records().slice(sentBefore).map((r) => r.detail.ticket.id)).toEqual([ticket.id]);
  });

  it('stops at a safe point before the time limit, checkpointed; the next run resumes and completes', async () => {
    // After three pages of tickets the API stops answering: the run cannot finish in the time left.
    await startAccount(1200, {
      onRequest: (request, s) => {
        if (request.path === '/api/v2/tickets' && s.ticketListCalls === 3) s.hangNext(1);
      },
    });
    const first = await handler({}, contextWith(STOP_BEFORE_TIMEOUT_MS + 1500));
    expect(first.complete).toBe(false);
    expect(logs.some((l) => JSON.parse(l).message.includes('stopped at the time limit'))).toBe(true);
    expect(objects.has(CHECKPOINT_KEY)).toBe(true);
    const firstSent = sent.length;
    expect(firstSent).toBeGreaterThan(0);
    server.onRequest = undefined;
    const second = await handler({}, contextWith(900_000));
    expect(second.complete).toBe(true);
    expect(new Set(records().map((r) => r.detail.ticket.id)).size).toBe(server.tickets.size);
    // It went on from the checkpoint: far fewer versions than a whole sync sends.
    expect(sent.length - firstSent).toBeLessThan(server.tickets.size);
  }, 60_000);

  it('fails on a wrong key with one line that names the key or the plan, without the key; the checkpoint does not move', async () => {
    await startAccount(30);
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'not-the-key-0123' });
    const error = (await handler({}, contextWith(900_000)).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/key|plan/i);
    expect(error.message).not.toContain('\n');
    expect(error.message).not.toContain('not-the-key-0123');
    expect(logs.join('\n')).not.toContain('not-the-key-0123');
    expect(logs.some((l) => JSON.parse(l).message === 'sync failed')).toBe(true);
    expect(objects.has(CHECKPOINT_KEY)).toBe(false);
  });

  it('fails when Firehose keeps refusing records, and leaves the checkpoint before them', async () => {
    await startAccount(50);
    firehose.on(PutRecordBatchCommand).callsFake((input: { Records: unknown[] }) => ({
      FailedPutCount: input.Records.length,
      RequestResponses: input.Records.map(() => ({ ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' })),
    }));
    await expect(handler({}, contextWith(900_000))).rejects.toThrow(/could not be delivered to lake-stream/);
    expect(objects.has(CHECKPOINT_KEY)).toBe(false);
  }, 60_000);

  it('says which secret could not be read, without its value', async () => {
    await startAccount(10);
    secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('User is not authorized to perform secretsmanager:GetSecretValue'), { name: 'AccessDeniedException' }));
    await expect(handler({}, contextWith(900_000))).rejects.toThrow(`Cannot read the Freshdesk API key from ${SECRET_ARN}: User is not authorized`);
  });

  it('logs counts only: no API key, no requester names or emails, no subjects', async () => {
    await startAccount(80);
    await handler({}, contextWith(900_000));
    const text = logs.join('\n');
    expect(text).not.toContain(API_KEY);
    const someTicket = [...server.tickets.values()][0];
    expect(text).not.toContain(someTicket.requester.email);
    expect(text).not.toContain(someTicket.subject);
    expect(JSON.parse(logs.at(-1)!)).toMatchObject({ message: 'synced', complete: true });
  });
});

describe('the sync function configuration', () => {
  it('names every missing variable', () => {
    expect(() => scheduledSyncConfig({ [SYNC_ENV.freshdeskUrl]: 'https://acme.freshdesk.com' })).toThrow(
      `The sync function lacks ${SYNC_ENV.apiKeySecretArn}, ${SYNC_ENV.deliveryStreamName}, ${SYNC_ENV.dataBucketName}, ${SYNC_ENV.snapshotSource}: deploy it with the ScheduledSync construct, which sets them.`,
    );
  });

  it.each([
    ['the key alone', 'abcDEF123', 'abcDEF123'],
    ['the key with a trailing newline', 'abcDEF123\n', 'abcDEF123'],
    ['{"apiKey": ...}', '{"apiKey": "abcDEF123"}', 'abcDEF123'],
  ])('reads the API key from a secret holding %s', (_case, secret, key) => {
    expect(apiKeyOfSecret(secret)).toBe(key);
  });

  it.each([
    ['nothing', undefined, /empty/],
    ['JSON without apiKey', '{"key": "abcDEF123"}', /without a non-empty "apiKey"/],
    ['broken JSON', '{"apiKey": "abcDEF123"', /starts like JSON but is not/],
  ])('refuses a secret holding %s, without echoing it', (_case, secret, message) => {
    const error = (() => {
      try {
        apiKeyOfSecret(secret);
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('abcDEF123');
  });
});
