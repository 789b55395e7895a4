/**
 * The scheduled sync (lib/constructs/scheduled-sync.ts): EventBridge Scheduler invokes this handler
 * (default hourly); it runs the same sync core as `freshlake sync` (lib/freshdesk/sync.ts) with the
 * stack as its sink:
 *
 * - ticket snapshots through the stack's Firehose stream (PutRecordBatch, via the sender of
 *   `freshlake ingest --to firehose`), so the transform partitions them like events;
 * - dimension snapshots (`dimensions/<name>/<name>.gz`) and the checkpoint (`sync/...`) as objects
 *   in the data bucket.
 *
 * The API key comes from Secrets Manager on every run (a rotated key is picked up without a
 * deploy) and never appears in a log line or an error. A run that reaches the Lambda time limit
 * (a first sync of a large account) stops shortly before it at a safe point: the sync core writes
 * the checkpoint, the run ends as successful but incomplete, and the next scheduled run resumes.
 * Reserved concurrency 1 (set by the construct) keeps two runs from ever overlapping.
 *
 * Logs: one JSON line per run with counts only (tickets, calls, rate-limit waits): tickets hold
 * personal data.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Context } from 'aws-lambda';
import { FirehoseSink } from '../../lib/freshdesk/firehose-sink';
import { s3ObjectStore } from '../../lib/freshdesk/s3-object-store';
import { runSync, type SyncSummary } from '../../lib/freshdesk/sync';
import { apiKeyOfSecret, scheduledSyncConfig } from './config';

/** Time kept back from the Lambda limit to flush Firehose and write the checkpoint after stopping. */
export const STOP_BEFORE_TIMEOUT_MS = 60_000;

/** What a run returns (and logs): counts, never ticket data. */
export interface ScheduledSyncResult {
  /** False when the run stopped at the time limit; the next run resumes from its checkpoint. */
  readonly complete: boolean;
  readonly firstSync?: boolean;
  readonly tickets?: SyncSummary['tickets'];
  readonly dimensions?: SyncSummary['dimensions'];
  readonly skippedDimensions?: SyncSummary['skippedDimensions'];
  readonly calls?: number;
  readonly rateLimited?: number;
  readonly rateLimitWaitMs?: number;
  readonly checkpointsWritten?: number;
  readonly snapshotsSent: number;
  readonly elapsedMs: number;
}

let clients: { secrets: SecretsManagerClient; firehose: FirehoseClient; s3: S3Client } | undefined;

export async function handler(_event: unknown, context: Pick<Context, 'getRemainingTimeInMillis' | 'invokedFunctionArn'>): Promise<ScheduledSyncResult> {
  const started = Date.now();
  const config = scheduledSyncConfig(process.env);
  clients ??= { secrets: new SecretsManagerClient({}), firehose: new FirehoseClient({}), s3: new S3Client({}) };
  const { secrets, firehose, s3 } = clients;

  let apiKey: string;
  try {
    const secret = await secrets.send(new GetSecretValueCommand({ SecretId: config.apiKeySecretArn }));
    apiKey = apiKeyOfSecret(secret.SecretString);
  } catch (error) {
    throw logged(new Error(`Cannot read the Freshdesk API key from ${config.apiKeySecretArn}: ${firstLine(error)}`));
  }

  // arn:aws:lambda:<region>:<account>:function:<name>
  const [, , , region, account] = context.invokedFunctionArn.split(':');
  const sink = new FirehoseSink({
    client: firehose,
    deliveryStreamName: config.deliveryStreamName,
    source: config.snapshotSource,
    account,
    region,
    store: s3ObjectStore(s3, config.dataBucketName),
    // Records Firehose kept refusing: the run fails (and the alarm fires), the checkpoint stays before them.
    failedOutputPath: join(tmpdir(), `freshlake-sync-undelivered-${Date.now()}.jsonl`),
  });

  const deadline = new AbortController();
  const stopIn = Math.max(context.getRemainingTimeInMillis() - STOP_BEFORE_TIMEOUT_MS, 0);
  const timer = setTimeout(() => deadline.abort(new Error('the run reached its time limit')), stopIn);
  try {
    const summary = await runSync({ client: { baseUrl: config.freshdeskUrl, apiKey }, sink, since: config.since, signal: deadline.signal });
    const result: ScheduledSyncResult = {
      complete: true,
      firstSync: summary.firstSync,
      tickets: summary.tickets,
      dimensions: summary.dimensions,
      skippedDimensions: summary.skippedDimensions,
      calls: summary.calls,
      rateLimited: summary.rateLimited,
      rateLimitWaitMs: summary.rateLimitWaitMs,
      checkpointsWritten: summary.checkpointsWritten,
      snapshotsSent: sink.counts.sent,
      elapsedMs: Date.now() - started,
    };
    console.log(JSON.stringify({ message: 'synced', ...result }));
    return result;
  } catch (error) {
    if (deadline.signal.aborted) {
      // The sync core stopped at a safe point and wrote the checkpoint: not a failure.
      const result: ScheduledSyncResult = { complete: false, snapshotsSent: sink.counts.sent, elapsedMs: Date.now() - started };
      console.log(JSON.stringify({ message: 'sync stopped at the time limit; the next run resumes from the checkpoint', ...result }));
      return result;
    }
    throw logged(error instanceof Error ? error : new Error(String(error)));
  } finally {
    clearTimeout(timer);
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

/** Logs a failure as one JSON line (the alarm counts the invocation error; the log says why). */
function logged(error: Error): Error {
  console.error(JSON.stringify({ message: 'sync failed', error: firstLine(error) }));
  return error;
}

/** For tests: forget the cached AWS clients (aws-sdk-client-mock replaces them per test). */
export function resetClientsForTests(): void {
  clients = undefined;
}
