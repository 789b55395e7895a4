/**
 * `freshlake sync` end to end, in-process against the test server: an account with ties, drift
 * during the sync, spam, deleted tickets and a rate limit comes into the lake, and the saved
 * questions (backlog, agent-workload, urgent-unassigned) then match the server's truth, with names.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DONE_STATUSES } from '../lib/freshdesk-codes';
import { runCliInProcess } from './cli-harness';
import { FakeFreshdesk, seedAccount } from './freshdesk-server';

const KEY = 'cli-test-key';
const env = { FRESHDESK_API_KEY: KEY };
let server: FakeFreshdesk;

afterEach(async () => {
  await server?.close();
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'freshlake-sync-cli-'));
}

function openTickets() {
  return [...server.tickets.values()].filter((t) => !t.spam && !t.deleted && !DONE_STATUSES.includes(t.status));
}

async function runJson(args: string[]): Promise<Record<string, unknown>[]> {
  const run = await runCliInProcess([...args, '--format', 'json'], { env });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>[];
}

describe('freshlake sync (CLI)', () => {
  it('syncs an account with ties, drift, spam, deleted tickets and a rate limit; saved questions then match Freshdesk, with names', async () => {
    server = new FakeFreshdesk({ apiKey: KEY, rateLimit: { perWindow: 60, windowMs: 1000 } });
    seedAccount(server, { tickets: 4000, spamShare: 0.03, deletedShare: 0.03, tieShare: 0.15 });
    // Drift: while the sync pages, tickets are updated, resolved, unassigned, marked spam and deleted.
    let listCalls = 0;
    server.onRequest = (request, s) => {
      if (request.path !== '/api/v2/tickets' || ++listCalls % 4 !== 0) return;
      s.advance(5);
      const id = 1 + ((listCalls * 7919) % 4000);
      if (listCalls % 12 === 0) s.update(id, { deleted: true });
      else if (listCalls % 8 === 0) s.update(id, { spam: true });
      else s.update([id, id + 1, id + 2], { status: listCalls % 3 === 0 ? 4 : 2, priority: 4, responder_id: null });
    };
    const lake = join(tempDir(), 'lake');
    const baseUrl = await server.start();
    const first = await runCliInProcess(['sync', '--url', baseUrl, '--lake', lake], { env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Synced http:\/\/127\.0\.0\.1:\d+ into .* \(first sync\)/);
    expect(first.stdout).toMatch(/tickets +4,\d{3} new, 0 changed/);
    expect(first.stdout).toMatch(/names +agents 12, groups 4, ticket_fields 4, ticket_statuses 6, business_hours 1, sla_policies 1/);
    // Changes made during the last requests of a list are picked up by the next, incremental sync.
    server.onRequest = undefined;
    const second = await runCliInProcess(['sync', '--url', baseUrl, '--lake', lake, '--format', 'json'], { env });
    expect(second.code).toBe(0);
    const summary = JSON.parse(second.stdout);
    expect(summary.calls).toBeLessThanOrEqual(8);

    const backlog = await runJson(['run', 'backlog', '--lake', lake]);
    const truthOpen = openTickets();
    expect(backlog.reduce((sum, row) => sum + Number(row.total_tickets), 0)).toBe(truthOpen.length);
    expect(backlog.some((row) => row.custom_status_tickets !== 0)).toBe(true);
    expect(backlog.every((row) => row.group_id === null || /^Group \d$/.test(String(row.group_name)))).toBe(true);

    const workload = await runJson(['run', 'agent-workload', '--lake', lake]);
    const agent3 = workload.find((row) => row.responder_id === 23_000_003);
    expect(agent3?.agent_name).toBe('Agent 3');
    expect(agent3?.total_tickets).toBe(truthOpen.filter((t) => t.responder_id === 23_000_003).length);

    const urgent = await runJson(['run', 'urgent-unassigned', '--lake', lake]);
    const truthUrgent = truthOpen.filter((t) => t.priority === 4 && t.responder_id === null).map((t) => t.id).sort((a, b) => a - b);
    expect(urgent.map((row) => row.ticket_id).sort((a, b) => Number(a) - Number(b))).toEqual(truthUrgent);

    const check = await runCliInProcess(['sync', '--url', baseUrl, '--lake', lake, '--check', '--since', '2010-01-01'], { env });
    expect(check.stdout).toMatch(/in sync/);
    expect(check.code).toBe(0);
  }, 120_000);

  it('--check lists missing, stale and wrongly open tickets with exit code 1; a sync repairs them', async () => {
    server = new FakeFreshdesk({ apiKey: KEY });
    seedAccount(server, { tickets: 300, spamShare: 0, deletedShare: 0 });
    const url = await server.start();
    const lake = join(tempDir(), 'lake');
    expect((await runCliInProcess(['sync', '--url', url, '--lake', lake], { env })).code).toBe(0);
    server.advance(60);
    const open = openTickets().slice(0, 2).map((t) => t.id);
    server.update(open, { status: 5 });
    server.update([...server.tickets.values()].find((t) => !open.includes(t.id))!.id, { subject: 'edited' });
    server.addTicket({ id: 9001 });
    const check = await runCliInProcess(['sync', '--url', url, '--lake', lake, '--check', '--since', '2010-01-01', '--format', 'json'], { env });
    expect(check.code).toBe(1);
    expect(check.stderr).toMatch(/^freshlake: The lake differs from Freshdesk for 4 tickets: run "freshlake sync"/);
    const report = JSON.parse(check.stdout);
    expect(report.missing).toEqual({ count: 1, ids: [9001] });
    expect(report.stale.count).toBe(3);
    expect(report.wronglyOpen).toEqual({ count: 2, ids: [...open].sort((a, b) => a - b) });
    expect((await runCliInProcess(['sync', '--url', url, '--lake', lake], { env })).code).toBe(0);
    const again = await runCliInProcess(['sync', '--url', url, '--lake', lake, '--check', '--since', '2010-01-01'], { env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/missing +0\n +stale +0\n +wrongly open +0/);
  }, 60_000);

  it('says in one line that the key is wrong (exit 1), without the key; a missing key is a usage error (exit 2)', async () => {
    server = new FakeFreshdesk({ apiKey: 'the-right-one' });
    const url = await server.start();
    const lake = join(tempDir(), 'lake');
    const wrong = await runCliInProcess(['sync', '--url', url, '--lake', lake], { env: { FRESHDESK_API_KEY: 'wrong-key-value' } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toMatch(/Freshdesk refused the API key \(401/);
    expect(wrong.stderr).not.toContain('wrong-key-value');
    const missing = await runCliInProcess(['sync', '--url', url, '--lake', lake], { env: {} });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/set FRESHDESK_API_KEY or pass --api-key-file/);
    const both = await runCliInProcess(['sync', '--url', url, '--domain', 'acme', '--lake', lake], { env });
    expect(both.code).toBe(2);
  });

  it('reads the key from --api-key-file, shows progress only on a TTY, and reports a plan without a feature', async () => {
    server = new FakeFreshdesk({ apiKey: KEY, planLacks: ['business_hours', 'sla_policies'] });
    seedAccount(server, { tickets: 200 });
    const url = await server.start();
    const dir = tempDir();
    const keyFile = join(dir, 'key');
    writeFileSync(keyFile, `${KEY}\n`);
    const piped = await runCliInProcess(['sync', '--url', url, '--lake', join(dir, 'lake'), '--api-key-file', keyFile], { env: {} });
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe('');
    expect(piped.stdout).toMatch(/skipped business_hours \(403: not on this plan, or the key lacks the permission\), sla_policies/);
    const tty = await runCliInProcess(['sync', '--url', url, '--lake', join(dir, 'lake2'), '--api-key-file', keyFile], { env: {}, stderrIsTTY: true });
    expect(tty.code).toBe(0);
    expect(tty.stderr).toMatch(/sync: .*tickets, \d+ calls, rate-limit wait/);
  });

  it('stops on Ctrl-C with exit 130, keeping a checkpoint, and the same command resumes and completes', async () => {
    server = new FakeFreshdesk({ apiKey: KEY });
    seedAccount(server, { tickets: 3000 });
    const url = await server.start();
    const lake = join(tempDir(), 'lake');
    let pressCtrlC: (() => void) | undefined;
    let listCalls = 0;
    server.onRequest = (request) => {
      if (request.path === '/api/v2/tickets' && ++listCalls === 20) pressCtrlC?.();
    };
    const interrupted = await runCliInProcess(['sync', '--url', url, '--lake', lake], { env, onInterruptHandler: (press) => (pressCtrlC = press) });
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toMatch(/^freshlake: Interrupted: what was synced up to the last checkpoint is in the lake; run the same command again to resume\.\n$/);
    const checkpoint = JSON.parse(readFileSync(join(lake, 'sync', 'freshdesk-checkpoint.json'), 'utf8'));
    expect(checkpoint.completedAt).toBeUndefined();
    expect(checkpoint.lists.default).toBeDefined();
    server.onRequest = undefined;
    const resumed = await runCliInProcess(['sync', '--url', url, '--lake', lake, '--format', 'json'], { env });
    expect(resumed.code).toBe(0);
    // Resumed, not restarted: a sync from scratch lists 3,000 tickets in at least 3,000 / 100 = 30 pages.
    expect(JSON.parse(resumed.stdout).crawl.pages).toBeLessThan(30);
    const check = await runCliInProcess(['sync', '--url', url, '--lake', lake, '--check', '--since', '2010-01-01'], { env });
    expect(check.stdout).toMatch(/in sync/);
    expect(check.code).toBe(0);
  }, 60_000);

  it('has --help with the key, checkpoint and exit codes explained', async () => {
    const help = await runCliInProcess(['sync', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--api-key-file/);
    expect(help.stdout).toMatch(/Exit codes: 0/);
  });
});
