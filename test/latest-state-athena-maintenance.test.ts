/**
 * The snapshot's Athena maintenance run (lib/snapshot/athena-maintenance), with its SQL executed
 * for real: a stand-in for Athena runs every statement on DuckDB (with the Trino shims) over a
 * `ticket_events` that has Athena's `"$path"` column, and S3 is mocked with aws-sdk-client-mock
 * (objects with their arrival time, the watermark object). The Iceberg DDL, OPTIMIZE and VACUUM
 * have no DuckDB equivalent: they are recorded and checked for shape (and against the Athena
 * Iceberg docs, see lib/snapshot/README.md), and the table is created with the DuckDB DDL.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { readLakeJsonSql, ticketEventsSelectList } from '../lib/engines/lake-scan';
import { installTrinoCompat } from '../lib/engines/trino-compat';
import { eventsPartitionPrefix } from '../lib/lake-layout';
import { TICKET_EVENTS_TABLE } from '../lib/schema';
import { OBJECTS_PER_MERGE, mergeSourceForObjects, runLatestStateMaintenance } from '../lib/snapshot/athena-maintenance';
import { LATEST_STATE_SNAPSHOT_TABLE, duckDbSnapshotTableSql } from '../lib/snapshot/latest-state-merge';
import type { LatestStateMaintenanceConfig } from '../lib/snapshot/maintenance-config';
import { LAKE_VIEWS, TICKET_HISTORY_VIEW, TICKET_LATEST_STATE_VIEW, latestStateOfHistorySql } from '../lib/views';

const BUCKET = 'lake-bucket';
const CONFIG: LatestStateMaintenanceConfig = {
  bucket: BUCKET,
  database: 'freshlake_db',
  workGroup: 'freshlake-wg',
  snapshotLocation: 's3://snapshot-bucket/ticket_latest_state_snapshot/',
  stateBucket: 'snapshot-bucket',
  stateKey: 'maintenance/watermark.json',
  lookbackDays: 2,
  overlapMinutes: 60,
};

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

interface TicketVersion {
  readonly id: string;
  readonly ticket: number;
  readonly time: string;
  readonly updatedAt: string;
  readonly status: number;
}

function eventLine(v: TicketVersion): string {
  return JSON.stringify({
    version: '0',
    id: v.id,
    'detail-type': 'onTicketUpdate',
    source: 'aws.partner/freshworks.com/1342406/freshdesk',
    account: '111122223333',
    time: v.time,
    region: 'us-east-1',
    resources: [],
    detail: { ticket: { id: v.ticket, status: v.status, priority: 2, source: 1, created_at: '2026-10-01T08:00:00Z', updated_at: v.updatedAt, spam: false } },
  });
}

/** A lake in S3 (mocked) and in DuckDB, with objects that arrive at given times, and Athena on DuckDB. */
class FakeLakeAccount {
  readonly s3 = mockClient(S3Client);
  readonly athena = mockClient(AthenaClient);
  readonly statements: string[] = [];
  private readonly objects: { key: string; lastModified: Date }[] = [];
  private state: string | undefined;
  private readonly root = mkdtempSync(join(tmpdir(), 'freshlake-athena-maintenance-'));
  private failNext: string | undefined;

  private constructor(readonly connection: DuckDBConnection) {
    roots.push(this.root);
    this.s3.on(ListObjectsV2Command).callsFake((input: { Prefix?: string; ContinuationToken?: string }) => {
      // Two pages, to exercise the continuation.
      const matching = this.objects.filter((o) => o.key.startsWith(input.Prefix ?? ''));
      const half = Math.ceil(matching.length / 2);
      const page = input.ContinuationToken ? matching.slice(half) : matching.slice(0, half);
      return { Contents: page.map((o) => ({ Key: o.key, LastModified: o.lastModified })), IsTruncated: !input.ContinuationToken, NextContinuationToken: 'page-2' };
    });
    this.s3.on(GetObjectCommand).callsFake(() => {
      if (this.state === undefined) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey' });
      const text = this.state;
      return { Body: { transformToString: async () => text } };
    });
    this.s3.on(PutObjectCommand).callsFake((input: { Bucket: string; Key: string; Body: string }) => {
      expect([input.Bucket, input.Key]).toEqual([CONFIG.stateBucket, CONFIG.stateKey]);
      this.state = input.Body;
      return {};
    });
    let queries = 0;
    const outcomes = new Map<string, { state: string; reason?: string }>();
    this.athena.on(StartQueryExecutionCommand).callsFake(async (input: { QueryString: string; WorkGroup: string; QueryExecutionContext: { Database: string } }) => {
      expect(input.WorkGroup).toBe(CONFIG.workGroup);
      expect(input.QueryExecutionContext.Database).toBe(CONFIG.database);
      const id = `q-${++queries}`;
      this.statements.push(input.QueryString);
      try {
        if (this.failNext && input.QueryString.startsWith(this.failNext)) {
          this.failNext = undefined;
          throw new Error('ICEBERG_COMMIT_ERROR: conflicting commit');
        }
        await this.execute(input.QueryString);
        outcomes.set(id, { state: 'SUCCEEDED' });
      } catch (error) {
        outcomes.set(id, { state: 'FAILED', reason: (error as Error).message.split('\n')[0] });
      }
      return { QueryExecutionId: id };
    });
    this.athena.on(GetQueryExecutionCommand).callsFake((input: { QueryExecutionId: string }) => {
      const outcome = outcomes.get(input.QueryExecutionId);
      return { QueryExecution: { Status: { State: outcome?.state, StateChangeReason: outcome?.reason } } };
    });
  }

  static async create(): Promise<FakeLakeAccount> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    const connection = await instance.connect();
    await installTrinoCompat(connection);
    const account = new FakeLakeAccount(connection);
    return account;
  }

  /** Statements Athena runs that DuckDB cannot: the Iceberg DDL becomes DuckDB's, OPTIMIZE/VACUUM are only recorded. */
  private async execute(sql: string): Promise<void> {
    if (sql.startsWith('CREATE TABLE IF NOT EXISTS')) {
      expect(sql).toContain("'table_type' = 'ICEBERG'");
      expect(sql).toContain(`LOCATION '${CONFIG.snapshotLocation}'`);
      await this.connection.run(duckDbSnapshotTableSql(LATEST_STATE_SNAPSHOT_TABLE));
      return;
    }
    if (/^(OPTIMIZE|VACUUM) /.test(sql)) return;
    await this.connection.run(sql);
  }

  failNextStatementStartingWith(prefix: string): void {
    this.failNext = prefix;
  }

  /** Writes one object per day of the versions and lets it arrive at `arrival`. */
  async arrive(name: string, versions: readonly TicketVersion[], arrival: Date): Promise<void> {
    const byDay = new Map<string, TicketVersion[]>();
    for (const v of versions) byDay.set(v.time.slice(0, 10), [...(byDay.get(v.time.slice(0, 10)) ?? []), v]);
    for (const [day, group] of byDay) {
      const key = `${eventsPartitionPrefix(day)}${name}.gz`;
      const file = join(this.root, key);
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, gzipSync(`${group.map(eventLine).join('\n')}\n`));
      this.objects.push({ key, lastModified: arrival });
      const read = readLakeJsonSql([file]);
      const exists = (await this.connection.runAndReadAll(`SELECT count(*) FROM duckdb_tables() WHERE table_name = 'lake_rows'`)).getRows()[0][0];
      const select = `SELECT ${ticketEventsSelectList()}, '${`s3://${BUCKET}/${key}`}' AS "$path" FROM ${read}`;
      await this.connection.run(Number(exists) === 0 ? `CREATE TABLE lake_rows AS ${select}` : `INSERT INTO lake_rows ${select}`);
    }
    if (!(await this.hasView(TICKET_EVENTS_TABLE))) {
      await this.connection.run(`CREATE VIEW ${TICKET_EVENTS_TABLE} AS SELECT * FROM lake_rows`);
      // The stack's views: full recomputation, until the first run replaces ticket_latest_state.
      for (const view of LAKE_VIEWS.filter((v) => [TICKET_HISTORY_VIEW, TICKET_LATEST_STATE_VIEW].includes(v.name))) {
        await this.connection.run(`CREATE VIEW ${view.name} AS ${view.sql}`);
      }
      await this.connection.run(`CREATE VIEW full_recomputation AS ${latestStateOfHistorySql(TICKET_HISTORY_VIEW)}`);
    }
  }

  private async hasView(name: string): Promise<boolean> {
    const rows = await this.connection.runAndReadAll(`SELECT count(*) FROM duckdb_views() WHERE view_name = '${name}'`);
    return Number(rows.getRows()[0][0]) > 0;
  }

  async rows(relation: string): Promise<unknown[]> {
    return (await this.connection.runAndReadAll(`SELECT ticket_id, status, updated_at, last_event_id FROM ${relation} ORDER BY ticket_id`)).getRowObjectsJson();
  }

  get watermark(): string | undefined {
    return this.state === undefined ? undefined : (JSON.parse(this.state) as { watermark: string }).watermark;
  }

  run(action: 'merge' | 'optimize', now: Date) {
    return runLatestStateMaintenance({ athena: new AthenaClient({}), s3: new S3Client({}), sleep: async () => undefined }, CONFIG, action, now);
  }
}

const v = (id: string, ticket: number, time: string, updatedAt: string, status: number): TicketVersion => ({ id, ticket, time, updatedAt, status });

describe('the Athena maintenance run', () => {
  let account: FakeLakeAccount;
  beforeEach(async () => {
    account = await FakeLakeAccount.create();
  });

  it('creates the Iceberg table, merges the whole history once, then only what arrived since, and keeps the view equal to the full recomputation', async () => {
    await account.arrive('first', [v('a1', 1, '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z', 2), v('b1', 2, '2026-11-26T09:00:00Z', '2026-11-26T09:00:00Z', 2)], new Date('2026-11-26T10:00:00Z'));
    const first = await account.run('merge', new Date('2026-11-26T12:00:00Z'));
    expect(first).toMatchObject({ fullMerge: true, watermark: '2026-11-26T11:00:00.000Z', viewFromDay: '2026-11-24' });
    expect(account.statements[0]).toMatch(/^CREATE TABLE IF NOT EXISTS `freshlake_db`.`ticket_latest_state_snapshot`/);
    expect(account.statements.at(-1)).toContain("WHERE dt >= '2026-11-24'");
    expect(await account.rows(LATEST_STATE_SNAPSHOT_TABLE)).toEqual(await account.rows('full_recomputation'));
    expect(await account.rows(TICKET_LATEST_STATE_VIEW)).toEqual(await account.rows('full_recomputation'));

    // A day later: a new update, a redelivery, an out-of-order (older) update, and a late event in
    // a partition far older than the lookback (e.g. an API snapshot of an old ticket).
    await account.arrive(
      'second',
      [
        v('b2', 2, '2026-11-27T08:00:00Z', '2026-11-27T08:00:00Z', 4),
        v('b1', 2, '2026-11-26T09:00:00Z', '2026-11-26T09:00:00Z', 2),
        v('b0', 2, '2026-11-25T09:00:00Z', '2026-11-25T08:00:00Z', 3),
        v('a2', 1, '2026-11-21T10:00:00Z', '2026-11-21T10:00:00Z', 5),
      ],
      new Date('2026-11-27T09:00:00Z'),
    );
    // Before the next run, the view has the recent partitions; the late event in the old one waits for the run.
    const before = (await account.rows(TICKET_LATEST_STATE_VIEW)) as { ticket_id: number; status: number }[];
    expect(before).toEqual([expect.objectContaining({ ticket_id: '1', status: 2 }), expect.objectContaining({ ticket_id: '2', status: 4 })]);

    const statementsBefore = account.statements.length;
    const second = await account.run('merge', new Date('2026-11-27T09:30:00Z'));
    expect(second).toMatchObject({ fullMerge: false, objectsMerged: 4, watermark: '2026-11-27T09:00:00.000Z', viewFromDay: '2026-11-25' });
    const merge = account.statements.slice(statementsBefore).find((s) => s.startsWith('MERGE INTO'));
    // Pruned by literals: the partitions and the objects that arrived, nothing else.
    expect(merge).toContain("dt IN ('2026-11-21', '2026-11-25', '2026-11-26', '2026-11-27')");
    expect(merge).toContain('"$path" IN (');
    expect(merge).toContain(`'s3://${BUCKET}/events/dt=2026-11-21/second.gz'`);
    expect(merge).not.toContain('first.gz');
    expect(await account.rows(LATEST_STATE_SNAPSHOT_TABLE)).toEqual(await account.rows('full_recomputation'));
    expect(await account.rows(TICKET_LATEST_STATE_VIEW)).toEqual(await account.rows('full_recomputation'));
    expect(await account.rows(TICKET_LATEST_STATE_VIEW)).toEqual([expect.objectContaining({ ticket_id: '1', status: 5 }), expect.objectContaining({ ticket_id: '2', status: 4 })]);

    // Nothing new: the overlap re-merges the last hour's objects, which changes nothing.
    const snapshotBefore = await account.rows(LATEST_STATE_SNAPSHOT_TABLE);
    const third = await account.run('merge', new Date('2026-11-27T09:45:00Z'));
    expect(third).toMatchObject({ objectsMerged: 4, watermark: '2026-11-27T09:00:00.000Z' });
    expect(await account.rows(LATEST_STATE_SNAPSHOT_TABLE)).toEqual(snapshotBefore);
  });

  it('runs OPTIMIZE and VACUUM on the snapshot table', async () => {
    await account.arrive('first', [v('a1', 1, '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z', 2)], new Date('2026-11-26T10:00:00Z'));
    await account.run('optimize', new Date('2026-11-26T12:00:00Z'));
    expect(account.statements.slice(1)).toEqual([
      'OPTIMIZE "freshlake_db"."ticket_latest_state_snapshot" REWRITE DATA USING BIN_PACK',
      'VACUUM "freshlake_db"."ticket_latest_state_snapshot"',
    ]);
  });

  it("fails with Athena's reason and keeps the old watermark, so the next run merges the same objects again", async () => {
    await account.arrive('first', [v('a1', 1, '2026-11-20T10:00:00Z', '2026-11-20T10:00:00Z', 2)], new Date('2026-11-26T10:00:00Z'));
    await account.run('merge', new Date('2026-11-26T12:00:00Z'));
    await account.arrive('second', [v('a2', 1, '2026-11-27T10:00:00Z', '2026-11-27T10:00:00Z', 4)], new Date('2026-11-27T10:00:00Z'));
    account.failNextStatementStartingWith('MERGE INTO');
    await expect(account.run('merge', new Date('2026-11-27T11:00:00Z'))).rejects.toThrow(/MERGE INTO .* FAILED: ICEBERG_COMMIT_ERROR: conflicting commit/);
    expect(account.watermark).toBe('2026-11-26T11:00:00.000Z');
    await account.run('merge', new Date('2026-11-27T12:00:00Z'));
    expect(await account.rows(LATEST_STATE_SNAPSHOT_TABLE)).toEqual(await account.rows('full_recomputation'));
  });

  it('splits a large arrival into MERGEs of at most OBJECTS_PER_MERGE objects', () => {
    const keys = Array.from({ length: OBJECTS_PER_MERGE }, (_, i) => `events/dt=2026-11-27/object-${String(i).padStart(4, '0')}-${'x'.repeat(80)}.gz`);
    // Athena's query string limit is 262,144 bytes.
    expect(Buffer.byteLength(mergeSourceForObjects(BUCKET, keys))).toBeLessThan(200_000);
    expect(() => mergeSourceForObjects(BUCKET, ['errors/processing-failed/x.gz'])).toThrow(/not under events\/dt=YYYY-MM-DD/);
  });
});
