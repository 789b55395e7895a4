/**
 * The snapshot's maintenance run on Athena (the scheduled Lambda of
 * lib/constructs/latest-state-snapshot runs it; tests run it against mocked clients):
 *
 * `merge` (hourly by default):
 * 1. `CREATE TABLE IF NOT EXISTS` the Iceberg table (DDL, free; makes the first run set it up).
 * 2. Reads the watermark (an object in the snapshot bucket, LatestStateMaintenanceConfig.stateKey).
 * 3. Lists the lake objects under `events/` that ARRIVED after the watermark minus an overlap
 *    (S3 LastModified), in every `dt` partition: a late event lands in an old partition, and the
 *    listing finds it there. No watermark yet: the source is the whole history, once.
 * 4. Runs THE MERGE (lib/snapshot/latest-state-merge) with those objects as the source, pruned by
 *    literals: `dt IN (...)` (partition projection) and `"$path" IN (...)` (Athena opens only
 *    the files named; the Trino Hive connector skips splits whose path the predicate excludes).
 *    Re-merging the overlap changes nothing, so the overlap costs a few files, never a wrong row.
 * 5. Stores the new watermark (greatest LastModified merged), then re-creates `ticket_latest_state`
 *    as snapshot + the events of the partitions from (watermark - lookback) on, with that day as a
 *    literal: partition projection prunes on literals, not on subqueries.
 * `optimize` (daily by default): OPTIMIZE (bin packing the small files hourly MERGEs write) and
 * VACUUM (expires old Iceberg snapshots, removes orphan files).
 *
 * If maintenance stops, the view stays correct: it still reads every partition from its literal
 * day on, so it only gets slower as days pass. An event that arrives after the last run into a
 * partition older than the lookback shows once the next run has merged it.
 *
 * Personal data: nothing here logs payloads; errors carry Athena's state reason and query ids.
 */
import type { AthenaClient } from '@aws-sdk/client-athena';
import { GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { EVENTS_PREFIX, PARTITION_KEY } from '../lake-layout';
import { TICKET_EVENTS_TABLE } from '../schema';
import { TICKET_HISTORY_VIEW, TICKET_LATEST_STATE_VIEW, ticketHistoryOfEventsSql } from '../views';
import type { LatestStateMaintenanceConfig } from './maintenance-config';
import { LATEST_STATE_SNAPSHOT_TABLE, athenaOptimizeSql, athenaSnapshotTableSql, athenaVacuumSql, latestStateFromSnapshotSql, latestStateMergeSql } from './latest-state-merge';

/** What a run did; the Lambda returns it (and logs it: counts and times only). */
export interface MaintenanceSummary {
  readonly action: 'merge' | 'optimize';
  readonly queries: readonly string[];
  readonly objectsMerged?: number;
  readonly fullMerge?: boolean;
  readonly watermark?: string;
  readonly viewFromDay?: string;
}

/** Stored in the bucket at `stateKey`. */
export interface SnapshotState {
  /** Greatest LastModified (ISO-8601) of the lake objects merged. */
  readonly watermark: string;
  readonly updatedAt: string;
}

/** Paths per MERGE: keeps the statement well under Athena's 256 KB query string limit. */
export const OBJECTS_PER_MERGE = 500;

const DAY_MS = 86_400_000;

/** The source of an incremental MERGE: ticket_history of the named objects only (literals, so Athena prunes). */
export function mergeSourceForObjects(bucket: string, keys: readonly string[]): string {
  const days = [...new Set(keys.map(partitionDayOfKey))].sort();
  const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
  const events =
    `(SELECT * FROM ${TICKET_EVENTS_TABLE} WHERE ${PARTITION_KEY} IN (${days.map(literal).join(', ')}) ` +
    `AND "$path" IN (${keys.map((k) => literal(`s3://${bucket}/${k}`)).join(', ')}))`;
  return `(${ticketHistoryOfEventsSql(events)})`;
}

/** `events/dt=2026-11-27/x.gz` -> `2026-11-27`. */
export function partitionDayOfKey(key: string): string {
  const match = new RegExp(`^${EVENTS_PREFIX}${PARTITION_KEY}=(\\d{4}-\\d{2}-\\d{2})/`).exec(key);
  if (!match) throw new Error(`Lake object ${key} is not under ${EVENTS_PREFIX}${PARTITION_KEY}=YYYY-MM-DD/.`);
  return match[1];
}

/** The view the run re-creates: snapshot + raw events from `fromDay` on (a literal). */
export function latestStateViewSql(fromDay: string): string {
  return `CREATE OR REPLACE VIEW ${TICKET_LATEST_STATE_VIEW} AS\n${latestStateFromSnapshotSql(
    LATEST_STATE_SNAPSHOT_TABLE,
    `(SELECT * FROM ${TICKET_HISTORY_VIEW} WHERE ${PARTITION_KEY} >= '${fromDay}')`,
  )}`;
}

export interface MaintenanceClients {
  readonly athena: AthenaClient;
  readonly s3: S3Client;
  /** Waits between polls of a running query. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

export async function runLatestStateMaintenance(
  clients: MaintenanceClients,
  config: LatestStateMaintenanceConfig,
  action: 'merge' | 'optimize',
  now: Date = new Date(),
): Promise<MaintenanceSummary> {
  const queries: string[] = [];
  const run = async (sql: string) => queries.push(await runAthenaQuery(clients, config, sql));
  await run(athenaSnapshotTableSql({ database: config.database, location: config.snapshotLocation }));
  if (action === 'optimize') {
    await run(athenaOptimizeSql(config.database));
    await run(athenaVacuumSql(config.database));
    return { action, queries };
  }
  const state = await readState(clients.s3, config);
  let watermark: Date;
  let objectsMerged = 0;
  if (!state) {
    // First run (or the state was deleted): merge the whole history once. Objects that arrive while
    // it runs have LastModified after `now - overlap` and are merged again by the next run.
    await run(latestStateMergeSql(LATEST_STATE_SNAPSHOT_TABLE, TICKET_HISTORY_VIEW));
    watermark = new Date(now.getTime() - config.overlapMinutes * 60_000);
  } else {
    const previous = new Date(state.watermark);
    const since = new Date(previous.getTime() - config.overlapMinutes * 60_000);
    const arrived = await listArrivedSince(clients.s3, config.bucket, since);
    watermark = previous;
    for (let i = 0; i < arrived.length; i += OBJECTS_PER_MERGE) {
      const batch = arrived.slice(i, i + OBJECTS_PER_MERGE);
      await run(latestStateMergeSql(LATEST_STATE_SNAPSHOT_TABLE, mergeSourceForObjects(config.bucket, batch.map((o) => o.key))));
      objectsMerged += batch.length;
    }
    for (const o of arrived) if (o.lastModified > watermark) watermark = o.lastModified;
  }
  await clients.s3.send(
    new PutObjectCommand({
      Bucket: config.stateBucket,
      Key: config.stateKey,
      Body: JSON.stringify({ watermark: watermark.toISOString(), updatedAt: now.toISOString() } satisfies SnapshotState),
      ContentType: 'application/json',
    }),
  );
  const viewFromDay = new Date(watermark.getTime() - config.lookbackDays * DAY_MS).toISOString().slice(0, 10);
  await run(latestStateViewSql(viewFromDay));
  return { action, queries, objectsMerged, fullMerge: !state, watermark: watermark.toISOString(), viewFromDay };
}

async function readState(s3: S3Client, config: LatestStateMaintenanceConfig): Promise<SnapshotState | undefined> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: config.stateBucket, Key: config.stateKey }));
    const text = await object.Body?.transformToString();
    const state = JSON.parse(text ?? '') as Partial<SnapshotState>;
    if (typeof state.watermark !== 'string' || Number.isNaN(Date.parse(state.watermark))) {
      throw new Error(`s3://${config.stateBucket}/${config.stateKey} holds no watermark: delete it to merge the whole history again.`);
    }
    return state as SnapshotState;
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

/** Lake objects under events/ with LastModified after `since`, oldest first. */
async function listArrivedSince(s3: S3Client, bucket: string, since: Date): Promise<{ key: string; lastModified: Date }[]> {
  const out: { key: string; lastModified: Date }[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: EVENTS_PREFIX, ContinuationToken: token }));
    for (const o of page.Contents ?? []) {
      if (o.Key && o.LastModified && o.LastModified > since && o.Key.startsWith(`${EVENTS_PREFIX}${PARTITION_KEY}=`)) out.push({ key: o.Key, lastModified: o.LastModified });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out.sort((a, b) => a.lastModified.getTime() - b.lastModified.getTime());
}

/** Runs one statement to completion; returns its query id. @throws Error with Athena's reason */
export async function runAthenaQuery(clients: MaintenanceClients, config: LatestStateMaintenanceConfig, sql: string): Promise<string> {
  const sleep = clients.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = await clients.athena.send(
    new StartQueryExecutionCommand({ QueryString: sql, WorkGroup: config.workGroup, QueryExecutionContext: { Database: config.database } }),
  );
  const id = started.QueryExecutionId;
  if (!id) throw new Error('Athena returned no query execution id.');
  for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
    const { QueryExecution } = await clients.athena.send(new GetQueryExecutionCommand({ QueryExecutionId: id }));
    const state = QueryExecution?.Status?.State;
    if (state === 'SUCCEEDED') return id;
    if (state === 'FAILED' || state === 'CANCELLED') {
      const firstLine = sql.split('\n', 1)[0];
      throw new Error(`Athena query ${id} (${firstLine} ...) ${state}: ${QueryExecution?.Status?.StateChangeReason ?? 'no reason given'}`);
    }
    await sleep(delay);
  }
}
