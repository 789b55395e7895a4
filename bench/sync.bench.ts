/**
 * `freshlake sync` against the Freshdesk-compatible test server (test/freshdesk-server.ts) on
 * 127.0.0.1. Three measurements:
 *
 * (a) No rate limit, 30,000 tickets (10 % in bulk-edit ties, 2 % spam, 2 % deleted): tickets/s
 *     and calls per 1,000 tickets, into an in-memory sink (the crawl and the client alone) and
 *     into a local lake (transform + gzip + fsync, the whole path). Goal: at most 10.5 calls per
 *     1,000 tickets; the floor is 10 (100 tickets per page).
 * (b) A limit of 100 calls per minute, scaled down in time (a "minute" of 6 s, so the bench
 *     stays short; the client is told the window), 30,000 tickets: wall time as a ratio to the
 *     floor the limit allows, calls x window / limit (the facts page's floor). Goal: at most 1.1x.
 *     The server's window is sliding and starts with the whole budget, so the exact floor is
 *     floor((calls - 1) / limit) windows; both are printed.
 * (c) The "done when" case: 32,000 tickets with ties, drift while the sync runs (updates, bulk
 *     edits, spam marks, deletions between requests), spam, deleted and the scaled 100/minute
 *     limit, through the CLI (`freshlake sync --url ... --lake ...`) into a local lake; then a
 *     second sync. Every ticket's latest state in the lake (ticket_latest_state) is compared with
 *     the server's; the second sync's calls are printed.
 *
 *   npm run bench -- sync
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FreshdeskClient } from '../lib/freshdesk/client';
import { LocalLakeSink } from '../lib/freshdesk/lake-sink';
import { runSync, type SyncSummary } from '../lib/freshdesk/sync';
import { runCliInProcess } from '../test/cli-harness';
import { FakeFreshdesk, MemorySyncSink, driftWhileListing, lakeDifferences, seedAccount } from '../test/freshdesk-server';
import { RATE_WINDOW_ENV } from '../lib/cli/commands/sync';

const GOAL_CALLS_PER_1000 = 10.5;
const GOAL_PACING_RATIO = 1.1;
/**
 * A "minute" of 6 s: 10x faster than real, and still 60 ms per call at the limit, well above what
 * one call costs here (server and client share this machine), so the bench measures pacing, not CPU.
 */
const SCALED_MINUTE_MS = 6000;
const LIMIT_PER_MINUTE = 100;

function fmt(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

async function account(tickets: number, options: ConstructorParameters<typeof FakeFreshdesk>[0] = {}): Promise<{ server: FakeFreshdesk; baseUrl: string }> {
  const server = new FakeFreshdesk(options);
  seedAccount(server, { tickets, seed: `sync-bench-${tickets}` });
  return { server, baseUrl: await server.start() };
}

async function noRateLimit(): Promise<void> {
  console.log('\n(a) no rate limit, 30,000 tickets');
  for (const target of ['memory', 'lake'] as const) {
    const { server, baseUrl } = await account(30_000);
    const lakeDir = mkdtempSync(join(tmpdir(), 'freshlake-sync-bench-'));
    try {
      const sink = target === 'memory' ? new MemorySyncSink() : new LocalLakeSink({ lakeDir });
      const started = process.hrtime.bigint();
      const summary = await runSync({ client: { baseUrl, apiKey: 'test-key' }, sink });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const tickets = server.tickets.size;
      const listCalls = summary.crawl.pages;
      console.log(
        `  ${target === 'memory' ? 'in-memory sink' : 'local lake    '}  ${fmt(tickets / seconds)} tickets/s (${fmt(seconds, 1)} s); ${fmt((listCalls * 1000) / tickets, 2)} ticket-list calls per 1,000 tickets (goal <= ${GOAL_CALLS_PER_1000}, floor 10.00); ${summary.calls} calls in all (5 of them dimensions); ${summary.crawl.tiePages} tie pages, ${summary.crawl.repeated} re-read versions`,
      );
    } finally {
      await server.close();
      rmSync(lakeDir, { recursive: true, force: true });
    }
  }
}

async function rateLimited(): Promise<void> {
  console.log(`\n(b) ${LIMIT_PER_MINUTE} calls per minute, a minute scaled to ${SCALED_MINUTE_MS} ms, 30,000 tickets`);
  const { server, baseUrl } = await account(30_000, { rateLimit: { perWindow: LIMIT_PER_MINUTE, windowMs: SCALED_MINUTE_MS } });
  try {
    const client = new FreshdeskClient({ baseUrl, apiKey: 'test-key', rateLimitWindowMs: SCALED_MINUTE_MS });
    const started = Date.now();
    const summary: SyncSummary = await runSync({ client, sink: new MemorySyncSink() });
    const seconds = (Date.now() - started) / 1000;
    const floor = (summary.calls * SCALED_MINUTE_MS) / LIMIT_PER_MINUTE / 1000;
    const exactFloor = (Math.floor((summary.calls - 1) / LIMIT_PER_MINUTE) * SCALED_MINUTE_MS) / 1000;
    console.log(
      `  wall ${fmt(seconds, 2)} s for ${summary.calls} calls; floor calls x window / limit = ${fmt(floor, 2)} s -> ratio ${fmt(seconds / floor, 3)}x (goal <= ${GOAL_PACING_RATIO}x); exact floor of a sliding window that starts full, floor((calls - 1) / limit) windows = ${fmt(exactFloor, 2)} s -> ${fmt(seconds / exactFloor, 3)}x`,
    );
    console.log(`  429 answers: ${summary.rateLimited}; time spent waiting on the limit: ${fmt(summary.rateLimitWaitMs / 1000, 2)} s (scaled; x10 for real minutes)`);
  } finally {
    await server.close();
  }
}

async function doneWhen(): Promise<void> {
  console.log(`\n(c) done-when: 32,000 tickets, ties, drift, spam, deleted, ${LIMIT_PER_MINUTE}/minute (scaled), through the CLI into a local lake`);
  const { server, baseUrl } = await account(32_000, { apiKey: 'bench-key', rateLimit: { perWindow: LIMIT_PER_MINUTE, windowMs: SCALED_MINUTE_MS } });
  driftWhileListing(server);
  const lakeDir = join(mkdtempSync(join(tmpdir(), 'freshlake-sync-bench-')), 'lake');
  const env = { FRESHDESK_API_KEY: 'bench-key', [RATE_WINDOW_ENV]: String(SCALED_MINUTE_MS) };
  try {
    const started = Date.now();
    const first = await runCliInProcess(['sync', '--url', baseUrl, '--lake', lakeDir, '--format', 'json'], { env });
    if (first.code !== 0) throw new Error(`sync failed: ${first.stderr}`);
    const firstSummary = JSON.parse(first.stdout) as SyncSummary;
    console.log(`  first sync: ${fmt((Date.now() - started) / 1000, 1)} s, ${firstSummary.calls} calls, ${firstSummary.rateLimited} x 429, ${fmt(firstSummary.tickets.new)} versions written, ${firstSummary.crawl.tieRereads} tie blocks re-read after drift`);
    server.onRequest = undefined;
    const second = await runCliInProcess(['sync', '--url', baseUrl, '--lake', lakeDir, '--format', 'json'], { env });
    if (second.code !== 0) throw new Error(`second sync failed: ${second.stderr}`);
    const secondSummary = JSON.parse(second.stdout) as SyncSummary;
    console.log(`  second sync: ${secondSummary.calls} calls, ${secondSummary.tickets.new + secondSummary.tickets.changed} versions written (changes made during the first sync's last requests)`);
    const third = await runCliInProcess(['sync', '--url', baseUrl, '--lake', lakeDir, '--format', 'json'], { env });
    console.log(`  third sync (nothing changed): ${(JSON.parse(third.stdout) as SyncSummary).calls} calls`);
    const differences = await lakeDifferences(lakeDir, server);
    const wrong = differences.filter((id) => id !== -1).length;
    console.log(`  latest state: ${fmt(server.tickets.size - wrong)} of ${fmt(server.tickets.size)} tickets right (${wrong} wrong${differences.includes(-1) ? '; the lake holds another number of tickets' : ''})`);
    if (differences.length > 0) throw new Error(`${wrong} tickets have the wrong latest state${differences.includes(-1) ? ', and the lake holds another number of tickets' : ''}`);
  } finally {
    await server.close();
    rmSync(join(lakeDir, '..'), { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  await noRateLimit();
  await rateLimited();
  await doneWhen();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
