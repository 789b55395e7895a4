/**
 * End to end on one machine: generate a seeded helpdesk, ingest it through the rule pattern and
 * the transform into a temporary lake, run every saved query on the local engine, and compare each
 * answer with one computed INDEPENDENTLY from the generator's ground truth (the simulation's own
 * ticket state, not the events and not SQL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalEngine } from '../lib/engines/local-engine';
import type { RowValue } from '../lib/engines/engine';
import { TICKET_PRIORITY, TICKET_SOURCE, TICKET_STATUS } from '../lib/freshdesk-codes';
import { utcDay } from '../lib/lake-layout';
import { generateHelpdesk, type GeneratedEvent, type TicketGroundTruth } from '../lib/local/generator';
import { writeEventFile } from '../lib/local/event-file-writer';
import { ingestToLake, type IngestSummary } from '../lib/local/ingest';
import { bindSavedQuery, findSavedQuery, loadSavedQueries } from '../lib/saved-queries';

const FROM = '2026-03-02';
const TO = '2026-03-15';
/** The moment the questions are asked: the end of the last generated day. */
const NOW = new Date(`${TO}T23:59:59Z`);

let dir: string;
let engine: LocalEngine;
let events: GeneratedEvent[];
let tickets: TicketGroundTruth[];
let summary: IngestSummary;
const catalog = loadSavedQueries();

/** Rows of a saved query as objects keyed by column name. */
async function run(name: string, parameters: Record<string, string> = {}): Promise<Record<string, RowValue>[]> {
  const bound = bindSavedQuery(findSavedQuery(catalog, name), parameters, NOW);
  const result = await engine.execute(bound.sql, bound.values);
  const rows: Record<string, RowValue>[] = [];
  for await (const page of result.pages) {
    for (const row of page) rows.push(Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]])));
  }
  return rows;
}

/** The engines render timestamps as `YYYY-MM-DD HH:MM:SS.mmm` UTC. */
function timestampText(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

const isOpenOrPending = (t: TicketGroundTruth) => t.status === 2 || t.status === 3;
/** Freshdesk's "unresolved": any status but Resolved and Closed, custom ones included. */
const isUnresolved = (t: TicketGroundTruth) => t.status !== 4 && t.status !== 5;
const priorityName = (p: number) => (TICKET_PRIORITY as Record<number, string>)[p];
const channelName = (c: number) => (TICKET_SOURCE as Record<number, string>)[c];

/** Nearest rank percentile, as a person would compute it: the smallest value with at least p% at or below it. */
function nearestRank(sorted: readonly number[], percent: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((percent / 100) * sorted.length);
  return sorted[Math.max(rank, 1) - 1];
}

const round2 = (x: number) => Math.round(x * 100) / 100;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'freshlake-e2e-'));
  ({ events, tickets } = generateHelpdesk({ from: FROM, to: TO, ticketsPerDay: 80, seed: 'e2e' }));
  const file = join(dir, 'events.jsonl');
  await writeEventFile(file, events);
  // A small buffer makes several objects per day, as a real stream's flushes do.
  summary = await ingestToLake({ inputs: [file], lakeDir: join(dir, 'lake'), bufferSizeBytes: 256 * 1024 });
  engine = await LocalEngine.open({ lakeDir: join(dir, 'lake') });
});

afterAll(async () => {
  await engine?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the generated helpdesk', () => {
  it('exercises what the questions are about', () => {
    const distinctIds = new Set(events.map((e) => e.id));
    expect(events.length).toBeGreaterThan(distinctIds.size); // duplicate deliveries
    expect(tickets.some((t) => t.priority === 4 && t.responderId === null && isOpenOrPending(t))).toBe(true);
    expect(tickets.some((t) => t.reopenCount > 0)).toBe(true);
    expect(tickets.some((t) => t.escalations.length > 0)).toBe(true);
    expect(tickets.some((t) => t.spam)).toBe(true);
    expect(tickets.filter((t) => t.type === 'Refund').length).toBeGreaterThan(10);
  });

  it('is ingested whole: every event matched and written, nothing rejected', () => {
    expect(summary.eventsRead).toBe(events.length);
    expect(summary.matched).toBe(events.length);
    expect(summary.written).toBe(events.length);
    expect(summary.rejected.total).toBe(0);
    expect(summary.notMatched).toBe(0);
    expect(summary.objectsWritten).toBeGreaterThan(summary.days.length);
  });

  it('holds each distinct event once in ticket_history, each ticket once in ticket_latest_state, and tickets_latest without spam', async () => {
    const history = await engine.execute('SELECT count(*) AS n, count(DISTINCT event_id) AS ids FROM ticket_history', []);
    for await (const page of history.pages) expect(page[0]).toEqual([new Set(events.map((e) => e.id)).size, new Set(events.map((e) => e.id)).size]);
    const state = await engine.execute('SELECT count(*), count(DISTINCT ticket_id) FROM ticket_latest_state', []);
    for await (const page of state.pages) expect(page[0]).toEqual([tickets.length, tickets.length]);
    const latest = await engine.execute('SELECT count(*) FROM tickets_latest', []);
    for await (const page of latest.pages) expect(page[0][0]).toBe(tickets.filter((t) => !t.spam).length);
  });
});

describe('saved queries answer what really happened', () => {
  it('urgent-unassigned: urgent, unassigned, not done, not spam in the latest state', async () => {
    const expected = tickets
      .filter((t) => t.priority === 4 && t.responderId === null && ![4, 5].includes(t.status) && !t.spam)
      .sort((a, b) => a.createdAtMs - b.createdAtMs || a.id - b.id)
      .map((t) => t.id);
    expect(expected.length).toBeGreaterThan(0);
    const rows = await run('urgent-unassigned');
    expect(rows.map((r) => r.ticket_id)).toEqual(expected);
  });

  it('backlog: unresolved tickets (custom statuses included) by priority and group', async () => {
    const groups = new Map<string, { open: number; pending: number; custom: number; oldest: number }>();
    for (const t of tickets.filter((t) => isUnresolved(t) && !t.spam)) {
      const key = `${priorityName(t.priority)}|${t.groupId}`;
      const g = groups.get(key) ?? { open: 0, pending: 0, custom: 0, oldest: Infinity };
      if (t.status === 2) g.open++;
      else if (t.status === 3) g.pending++;
      else g.custom++;
      g.oldest = Math.min(g.oldest, t.createdAtMs);
      groups.set(key, g);
    }
    const rows = await run('backlog');
    const actual = new Map(
      rows.map((r) => [`${r.priority_name}|${r.group_id}`, { open: r.open_tickets, pending: r.pending_tickets, custom: r.custom_status_tickets, total: r.total_tickets, oldest: r.oldest_created_at }]),
    );
    expect(actual).toEqual(new Map([...groups].map(([k, g]) => [k, { open: g.open, pending: g.pending, custom: g.custom, total: g.open + g.pending + g.custom, oldest: timestampText(g.oldest) }])));
  });

  it('agent-workload: unresolved tickets (custom statuses included) per responder, the unassigned row included', async () => {
    const agents = new Map<number | null, { open: number; pending: number; total: number; urgent: number }>();
    for (const t of tickets.filter((t) => isUnresolved(t) && !t.spam)) {
      const a = agents.get(t.responderId) ?? { open: 0, pending: 0, total: 0, urgent: 0 };
      if (t.status === 2) a.open++;
      else if (t.status === 3) a.pending++;
      a.total++;
      if (t.priority === 4) a.urgent++;
      agents.set(t.responderId, a);
    }
    const rows = await run('agent-workload');
    expect(new Map(rows.map((r) => [r.responder_id as number | null, { open: r.open_tickets, pending: r.pending_tickets, total: r.total_tickets, urgent: r.urgent_tickets }]))).toEqual(agents);
    // Busiest first.
    const totals = rows.map((r) => r.total_tickets as number);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
  });

  it('reopened-tickets: every reopen whose event falls in the range', async () => {
    const from = '2026-03-05';
    const to = '2026-03-11';
    const expected: string[] = [];
    for (const t of tickets) {
      for (const r of t.reopens) {
        const day = utcDay(r.eventTimeMs);
        if (day >= from && day <= to && !t.spam) expected.push(`${t.id}@${timestampText(r.updatedAtMs)}`);
      }
    }
    expect(expected.length).toBeGreaterThan(0);
    const rows = await run('reopened-tickets', { from, to });
    expect(rows.map((r) => `${r.ticket_id}@${r.reopened_at}`).sort()).toEqual(expected.sort());
  });

  it('refund-tickets-today: Refund tickets created on the day', async () => {
    const day = '2026-03-10';
    const expected = tickets.filter((t) => t.type === 'Refund' && t.createdDay === day && !t.spam);
    expect(expected.length).toBeGreaterThan(0);
    const rows = await run('refund-tickets-today', { day });
    expect(rows.map((r) => r.ticket_id)).toEqual(expected.sort((a, b) => a.createdAtMs - b.createdAtMs || a.id - b.id).map((t) => t.id));
    for (const row of rows) {
      const truth = expected.find((t) => t.id === row.ticket_id)!;
      expect(row.status_name).toBe((TICKET_STATUS as Record<number, string>)[truth.status] ?? `Status ${truth.status}`);
      expect(row.responder_id).toBe(truth.responderId);
    }
  });

  it('tickets-created-by-day: counts by creation day, type and channel', async () => {
    const from = '2026-03-04';
    const to = '2026-03-12';
    const expected = new Map<string, number>();
    for (const t of tickets) {
      if (t.spam || t.createdDay < from || t.createdDay > to) continue;
      const key = `${t.createdDay}|${t.type}|${channelName(t.channel)}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const rows = await run('tickets-created-by-day', { from, to });
    expect(new Map(rows.map((r) => [`${r.created_day}|${r.ticket_type}|${r.channel_name}`, r.tickets]))).toEqual(expected);
  });

  it('time-to-first-assignment: counts and nearest-rank percentiles by priority', async () => {
    const rows = await run('time-to-first-assignment', { from: FROM, to: TO });
    for (const row of rows) {
      const group = tickets.filter((t) => !t.spam && priorityName(t.priority) === row.priority_name);
      const hours = group.filter((t) => t.firstAssignedAtMs !== null).map((t) => (t.firstAssignedAtMs! - t.createdAtMs) / 3_600_000).sort((a, b) => a - b);
      expect(row.tickets).toBe(group.length);
      expect(row.assigned_tickets).toBe(hours.length);
      expect(row.never_assigned).toBe(group.length - hours.length);
      expect(row.p50_hours).toBe(round2(nearestRank(hours, 50)!));
      expect(row.p90_hours).toBe(round2(nearestRank(hours, 90)!));
    }
    expect(rows.length).toBe(4);
  });

  it('resolution-time: counts and nearest-rank percentiles by priority', async () => {
    const rows = await run('resolution-time', { from: FROM, to: TO });
    for (const row of rows) {
      const group = tickets.filter((t) => !t.spam && priorityName(t.priority) === row.priority_name);
      const hours = group.filter((t) => t.firstResolvedAtMs !== null).map((t) => (t.firstResolvedAtMs! - t.createdAtMs) / 3_600_000).sort((a, b) => a - b);
      expect(row.tickets).toBe(group.length);
      expect(row.resolved_tickets).toBe(hours.length);
      expect(row.p50_hours).toBe(round2(nearestRank(hours, 50)!));
      expect(row.p90_hours).toBe(round2(nearestRank(hours, 90)!));
    }
  });

  it('escalations: SLA flags turning true and priority raises in the range', async () => {
    const label = { 'resolution-sla': 'Resolution SLA escalated', 'first-response-sla': 'First response SLA escalated', 'priority-raised': 'Priority raised' } as const;
    const expected: string[] = [];
    for (const t of tickets) {
      if (t.spam) continue;
      for (const e of t.escalations) {
        const day = utcDay(e.eventTimeMs);
        if (day >= FROM && day <= TO) expected.push(`${t.id}|${label[e.kind]}|${timestampText(e.updatedAtMs)}`);
      }
    }
    const rows = await run('escalations', { from: FROM, to: TO });
    expect(rows.map((r) => `${r.ticket_id}|${r.escalation}|${r.escalated_at}`).sort()).toEqual(expected.sort());
  });

  it('sla-due-soon: not done, due within the next hours', async () => {
    const asOf = '2026-03-15 08:00:00';
    const start = Date.parse('2026-03-15T08:00:00Z');
    const end = start + 12 * 3_600_000;
    const expected = tickets
      .filter((t) => ![4, 5].includes(t.status) && !t.spam && t.dueByMs >= start && t.dueByMs < end)
      .sort((a, b) => a.dueByMs - b.dueByMs || a.id - b.id)
      .map((t) => t.id);
    expect(expected.length).toBeGreaterThan(0);
    const rows = await run('sla-due-soon', { as_of: asOf, hours: '12' });
    expect(rows.map((r) => r.ticket_id)).toEqual(expected);
  });

  it('recent-events: the latest events, each id once', async () => {
    const distinct = new Map(events.map((e) => [e.id, e]));
    const expected = [...distinct.values()]
      .sort((a, b) => (a.time === b.time ? (a.id < b.id ? 1 : -1) : a.time < b.time ? 1 : -1))
      .slice(0, 10)
      .map((e) => e.id);
    const rows = await run('recent-events', { n: '10', since: '2026-03-14' });
    expect(rows.map((r) => r.event_id)).toEqual(expected);
  });

  it('first-response-time: partner events carry no stats, so every ticket is counted as without_stats', async () => {
    const rows = await run('first-response-time', { from: FROM, to: TO });
    expect(rows.length).toBe(4);
    for (const row of rows) {
      const group = tickets.filter((t) => !t.spam && priorityName(t.priority) === row.priority_name);
      expect(row).toMatchObject({ tickets: 0, responded_tickets: 0, without_stats: group.length, p50_hours: null, p90_hours: null });
    }
  });

  it('covers every saved query', () => {
    const covered = ['urgent-unassigned', 'backlog', 'agent-workload', 'reopened-tickets', 'refund-tickets-today', 'tickets-created-by-day', 'time-to-first-assignment', 'resolution-time', 'escalations', 'sla-due-soon', 'recent-events', 'first-response-time'];
    expect(catalog.map((q) => q.name).filter((name) => !covered.includes(name))).toEqual([]);
  });
});
