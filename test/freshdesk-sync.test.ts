/**
 * The sync core into a real local lake (LocalLakeSink: the ingest transform and lake writer), read
 * back through the local engine: the lake's latest state equals the server's; the checkpoint makes
 * the next sync cheap; a process killed with SIGKILL resumes without loss.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readDimensionSnapshot } from '../lib/dimensions';
import { CHECKPOINT_KEY } from '../lib/freshdesk/checkpoint';
import { FreshdeskAccessError } from '../lib/freshdesk/client';
import { LocalLakeSink } from '../lib/freshdesk/lake-sink';
import { runSync } from '../lib/freshdesk/sync';
import { FakeFreshdesk, MemorySyncSink, lakeDifferences, seedAccount } from './freshdesk-server';

let server: FakeFreshdesk;

afterEach(async () => {
  await server?.close();
});

function tempLake(): string {
  return mkdtempSync(join(tmpdir(), 'freshlake-sync-'));
}

describe('runSync into the local lake', () => {
  it('brings every ticket (ties, spam, deleted) and the names in, and a second sync makes only a handful of calls', async () => {
    server = new FakeFreshdesk({ planLacks: ['sla_policies'] });
    seedAccount(server, { tickets: 2500, spamShare: 0.05, deletedShare: 0.05 });
    const baseUrl = await server.start();
    const lakeDir = tempLake();
    const first = await runSync({ client: { baseUrl, apiKey: 'test-key' }, sink: new LocalLakeSink({ lakeDir }) });
    expect(first.firstSync).toBe(true);
    expect(first.tickets.new).toBe(2500);
    expect(first.skippedDimensions).toEqual([{ name: 'sla_policies', reason: expect.stringMatching(/^403/) }]);
    expect(await lakeDifferences(lakeDir, server)).toEqual([]);
    expect(readDimensionSnapshot(lakeDir, 'agents')).toHaveLength(12);
    expect(readDimensionSnapshot(lakeDir, 'ticket_statuses')?.map((s) => s.status_name)).toContain('Waiting on Customer');
    expect(existsSync(join(lakeDir, CHECKPOINT_KEY))).toBe(true);

    const before = server.requests.length;
    const second = await runSync({ client: { baseUrl, apiKey: 'test-key' }, sink: new LocalLakeSink({ lakeDir }) });
    expect(second.firstSync).toBe(false);
    expect(second.tickets).toMatchObject({ new: 0, changed: 0, byList: { default: 0, spam: 0, deleted: 0 } });
    // Five dimension endpoints and one request per ticket list.
    expect(server.requests.length - before).toBe(8);
    expect(second.calls).toBe(8);
  });

  it('fetches only what changed since the checkpoint, and spam marks and deletions take tickets out of the open ones', async () => {
    server = new FakeFreshdesk();
    seedAccount(server, { tickets: 800, spamShare: 0, deletedShare: 0, tieShare: 0 });
    const baseUrl = await server.start();
    const lakeDir = tempLake();
    await runSync({ client: { baseUrl, apiKey: 'test-key' }, sink: new LocalLakeSink({ lakeDir }), dimensions: false });
    server.advance(3600);
    server.update([1, 2, 3], { status: 5 });
    server.advance(1);
    server.update(4, { spam: true });
    server.update(5, { deleted: true });
    server.addTicket({ id: 10_000 });
    const summary = await runSync({ client: { baseUrl, apiKey: 'test-key' }, sink: new LocalLakeSink({ lakeDir }), dimensions: false });
    expect(summary.tickets).toMatchObject({ new: 1, changed: 5, byList: { default: 4, spam: 1, deleted: 1 } });
    expect(summary.calls).toBe(3);
    expect(await lakeDifferences(lakeDir, server)).toEqual([]);
  });

  it('fails with one line on a wrong key, and refuses a lake synced from another account', async () => {
    server = new FakeFreshdesk();
    const baseUrl = await server.start();
    const lakeDir = tempLake();
    await expect(runSync({ client: { baseUrl, apiKey: 'wrong' }, sink: new LocalLakeSink({ lakeDir }) })).rejects.toBeInstanceOf(FreshdeskAccessError);
    await runSync({ client: { baseUrl, apiKey: 'test-key' }, sink: new LocalLakeSink({ lakeDir }), dimensions: false });
    const other = new FakeFreshdesk();
    const otherUrl = await other.start();
    try {
      await expect(runSync({ client: { baseUrl: otherUrl, apiKey: 'test-key' }, sink: new LocalLakeSink({ lakeDir }) })).rejects.toThrow(/This lake is synced from http:\/\/127\.0\.0\.1:\d+, not/);
    } finally {
      await other.close();
    }
  });

  it('resumes a sync process killed with SIGKILL from the checkpoint, without loss', async () => {
    server = new FakeFreshdesk({ rateLimit: { perWindow: 40, windowMs: 1000 } });
    seedAccount(server, { tickets: 6000 });
    const baseUrl = await server.start();
    const lakeDir = tempLake();
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), join(__dirname, 'freshdesk-sync-child.ts'), baseUrl, lakeDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    const checkpointPath = join(lakeDir, CHECKPOINT_KEY);
    const defaultListCheckpointed = () => existsSync(checkpointPath) && JSON.parse(readFileSync(checkpointPath, 'utf8')).lists.default !== undefined;
    // Kill it in the middle of the default list, between checkpoints.
    for (let i = 0; i < 1200 && !(defaultListCheckpointed() && server.ticketListCalls >= 15); i++) await new Promise((r) => setTimeout(r, 25));
    expect(defaultListCheckpointed()).toBe(true);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const checkpoint = JSON.parse(readFileSync(checkpointPath, 'utf8'));
    expect(checkpoint.completedAt).toBeUndefined();

    server.rateLimit = undefined;
    const resumed = await runSync({ client: { baseUrl, apiKey: 'test-key' }, sink: new LocalLakeSink({ lakeDir }), dimensions: false });
    expect(await lakeDifferences(lakeDir, server)).toEqual([]);
    // It went on from the checkpoint, not from the start: a whole crawl of this account takes ~64 pages.
    const whole = await runSync({ client: { baseUrl, apiKey: 'test-key' }, sink: new LocalLakeSink({ lakeDir: tempLake() }), dimensions: false });
    expect(resumed.crawl.pages).toBeLessThan(whole.crawl.pages - 5);
  }, 120_000);
});

describe('runSync checkpoints', () => {
  it('a resumed sync re-reads the tie blocks its checkpoint lists, and finds a ticket the killed crawl skipped there', async () => {
    server = new FakeFreshdesk();
    const t0 = server.clock - 100_000;
    // A bulk edit of 250 tickets at second t0 + 1000 (paged by offset), then 150 tickets an hour later.
    for (let i = 0; i < 250; i++) server.addTicket({ created: t0 + i, updated: t0 + 1000 });
    for (let i = 0; i < 150; i++) server.addTicket({ created: t0 + 500 + i, updated: t0 + 4600 + i });
    const baseUrl = await server.start();
    const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
    const resume = async (tieBlocks: string[] | undefined) => {
      const sink = new MemorySyncSink();
      await runSync({ client: { baseUrl, apiKey: 'test-key' }, sink, dimensions: false });
      // As if a ticket of the block shifted past a page boundary in a crawl killed after it left
      // the block (safe point: an hour after the block, the block to recheck).
      sink.durable.delete(77);
      sink.checkpoint = { version: 1, account: new URL(baseUrl).origin, lists: { default: { updatedSince: iso(t0 + 4700), ...(tieBlocks ? { tieBlocks } : {}) } }, writtenAt: new Date().toISOString() };
      const before = server.ticketListCalls;
      const summary = await runSync({ client: { baseUrl, apiKey: 'test-key' }, sink, dimensions: false, lists: ['default'] });
      return { sink, summary, calls: server.ticketListCalls - before };
    };
    const rechecked = await resume([iso(t0 + 1000)]);
    expect(rechecked.sink.differences(server)).toEqual([]);
    expect(rechecked.summary.crawl.tieRereads).toBe(1);
    // The tail from the checkpoint minus the overlap (two pages), the block's three, the tail once more.
    expect(rechecked.calls).toBe(6);
    expect(rechecked.sink.checkpoint?.lists.default?.tieBlocks).toBeUndefined();
    // Without the block in the checkpoint, nothing would list ticket 77 again.
    const unchecked = await resume(undefined);
    expect(unchecked.sink.differences(server)).toEqual([77]);
  });

  it('never writes a checkpoint after the sink failed to make records durable', async () => {
    server = new FakeFreshdesk();
    seedAccount(server, { tickets: 600 });
    const baseUrl = await server.start();
    let flushes = 0;
    const sink = new MemorySyncSink();
    const flush = sink.flush.bind(sink);
    sink.flush = async () => {
      if (++flushes === 3) throw new Error('disk full');
      await flush();
    };
    await expect(runSync({ client: { baseUrl, apiKey: 'test-key' }, sink, dimensions: false, checkpointEveryTickets: 100, checkpointEveryMs: 0 })).rejects.toThrow('disk full');
    // Two checkpoints made it (after flushes 1 and 2); none after the failed third flush.
    expect(sink.checkpointsWritten).toBe(2);
  });
});
