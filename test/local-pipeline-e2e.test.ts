/**
 * End to end on one machine: generate a seeded helpdesk, ingest it through the rule pattern and
 * the transform into a temporary lake, run every saved query on the local engine, and compare each
 * answer with one computed INDEPENDENTLY from the generator's ground truth (the simulation's own
 * ticket state, not the events and not SQL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalEngine } from '../lib/engines/local-engine';
import type { RowValue } from '../lib/engines/engine';
import { DONE_STATUSES, TICKET_PRIORITY, TICKET_SOURCE, TICKET_STATUS } from '../lib/freshdesk-codes';
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

const DAY_MS = 86_400_000;
/** Every UTC day from `from` to `to`, inclusive. */
function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); utcDay(t) <= to; t += DAY_MS) out.push(utcDay(t));
  return out;
}
/** The Monday (UTC) of the week an epoch-ms moment falls in. */
function mondayOf(ms: number): string {
  const day = new Date(ms).getUTCDay();
  return utcDay(Date.parse(`${utcDay(ms)}T00:00:00Z`) - ((day + 6) % 7) * DAY_MS);
}
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
const hoursSince = (fromMs: number, toMs: number) => (toMs - fromMs) / 3_600_000;
/** Nearest-rank p50 and p90 of unsorted hours, rounded as the queries round, or nulls when there are none. */
function p50p90(values: readonly number[]): [number | null, number | null] {
  const sorted = [...values].sort((a, b) => a - b);
  const p = (percent: number) => {
    const v = nearestRank(sorted, percent);
    return v === null ? null : round2(v);
  };
  return [p(50), p(90)];
}
/** Groups items by key, keeping first-seen order. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}
/**
 * The rows of a per-week KPI query, by scope: 'week-priority' (latest priority), 'week' (all
 * priorities of a week) and 'period' (the whole range), keyed "scope|week|priority name".
 */
function byScope<T>(items: readonly T[], week: (item: T) => string, priority: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  const add = (key: string, item: T) => out.set(key, [...(out.get(key) ?? []), item]);
  for (const item of items) {
    add(`week-priority|${week(item)}|${priority(item)}`, item);
    add(`week|${week(item)}|All`, item);
    add(`period|null|All`, item);
  }
  return out;
}

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

  // The KPI queries of `freshlake report` (issue 9). Generated partner events carry no ticket
  // stats (first_responded_at, resolved_at, ... come only from `freshlake sync`), so the checks
  // below compare what the events can tell with the simulation's truth, and check that what only
  // stats could tell stays unknown (NULL or counted apart), never guessed.

  it('daily-ticket-history: for every day, priority and group, the tickets unresolved at the end of the day (from the states the simulation held)', async () => {
    // The truth: each ticket's last state that began by the end of the day (TicketGroundTruth.states,
    // recorded by the simulation, not read from the events), counted when unresolved and not spam.
    const backlogAt = (day: string) => {
      const endOfDay = Date.parse(`${day}T00:00:00Z`) + DAY_MS;
      const counts = new Map<string, number>();
      for (const t of tickets) {
        const current = t.states.filter((s) => s.updatedAtMs < endOfDay).at(-1);
        if (!current || current.spam || !isUnresolved({ status: current.status } as TicketGroundTruth)) continue;
        const key = `${priorityName(current.priority)}|${current.groupId}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    };
    // A range starting after the first day: the state at its start comes from earlier partitions.
    const from = '2026-03-04';
    const rows = await run('daily-ticket-history', { from, to: TO });
    expect(new Set(rows.map((r) => r.day))).toEqual(new Set(daysBetween(from, TO)));
    for (const day of daysBetween(from, TO)) {
      const fromQuery = new Map(rows.filter((r) => r.day === day && r.unresolved_tickets !== 0).map((r) => [`${r.priority_name}|${r.group_id}`, r.unresolved_tickets]));
      const truth = backlogAt(day);
      expect([...truth.values()].reduce((a, b) => a + b, 0), day).toBeGreaterThan(0);
      expect(Object.fromEntries([...fromQuery].sort()), day).toEqual(Object.fromEntries([...truth].sort()));
    }
    // The last day's backlog is today's: the same tickets the backlog query counts from the latest state.
    const lastDay = [...backlogAt(TO).values()].reduce((a, b) => a + b, 0);
    expect(lastDay).toBe(tickets.filter((t) => isUnresolved(t) && !t.spam).length);
  });

  it('tickets-resolved-by-day: moves from an unresolved state to Resolved or Closed, per day of updated_at and priority', async () => {
    const from = '2026-03-05';
    const to = '2026-03-11';
    const truth = new Map<string, { resolutions: number; tickets: Set<number> }>();
    for (const t of tickets) {
      t.states.forEach((state, i) => {
        const before = t.states[i - 1];
        if (!before || state.spam || !DONE_STATUSES.includes(state.status) || DONE_STATUSES.includes(before.status)) return;
        const day = utcDay(state.updatedAtMs);
        if (day < from || day > to) return;
        const key = `${day}|${priorityName(state.priority)}`;
        const entry = truth.get(key) ?? { resolutions: 0, tickets: new Set<number>() };
        entry.resolutions++;
        entry.tickets.add(t.id);
        truth.set(key, entry);
      });
    }
    // Reopened tickets resolved again the same day count twice in resolutions and once in tickets.
    expect([...truth.values()].some((e) => e.resolutions > 0)).toBe(true);
    const rows = await run('tickets-resolved-by-day', { from, to });
    expect(Object.fromEntries(rows.map((r) => [`${r.resolved_day}|${r.priority_name}`, { resolutions: r.resolutions, tickets: r.tickets }]).sort()))
      .toEqual(Object.fromEntries([...truth].map(([k, e]) => [k, { resolutions: e.resolutions, tickets: e.tickets.size }] as const).sort()));
  });

  it('response-times-by-week: tickets and resolution-time percentiles per creation week and priority; first response unknown without stats', async () => {
    // Starts on a Tuesday and ends on a Friday: both edge weeks are partial.
    const from = '2026-03-03';
    const to = '2026-03-13';
    const created = tickets.filter((t) => !t.spam && t.createdDay >= from && t.createdDay <= to);
    const expected = new Map(
      [...byScope(created, (t) => mondayOf(t.createdAtMs), (t) => priorityName(t.priority))].map(([key, group]) => {
        const resolved = group.filter((t) => t.firstResolvedAtMs !== null).map((t) => hoursSince(t.createdAtMs, t.firstResolvedAtMs!));
        const [p50, p90] = p50p90(resolved);
        // First response comes from ticket stats only (Freshdesk's first_responded_at): generated
        // partner events carry none, so no ticket counts as responded and the percentiles are NULL.
        return [key, { tickets: group.length, responded: 0, p50fr: null, p90fr: null, resolved: resolved.length, p50, p90 }] as const;
      }),
    );
    expect(expected.size).toBe(1 + 2 + 2 * 4);
    const rows = await run('response-times-by-week', { from, to });
    expect(
      new Map(
        rows.map((r) => [
          `${r.scope}|${r.week}|${r.priority_name}`,
          { tickets: r.tickets, responded: r.responded_tickets, p50fr: r.p50_first_response_hours, p90fr: r.p90_first_response_hours, resolved: r.resolved_tickets, p50: r.p50_resolution_hours, p90: r.p90_resolution_hours },
        ]),
      ),
    ).toEqual(expected);
  });

  it('sla-by-week: resolution SLA met/breached from the first resolution and due_by; first response SLA from the fr_escalated flag (no stats)', async () => {
    const asOf = NOW.getTime();
    type Outcome = { ticket: TicketGroundTruth; sla: 'resolution' | 'first_response'; met: boolean };
    const outcomes: Outcome[] = [];
    for (const t of tickets.filter((t) => !t.spam)) {
      // Resolution: the simulation's first Resolved/Closed against the due time; a ticket never
      // resolved breaches once due_by has passed, and is not counted before.
      if (t.firstResolvedAtMs !== null) outcomes.push({ ticket: t, sla: 'resolution', met: t.firstResolvedAtMs <= t.dueByMs });
      else if (t.dueByMs < asOf) outcomes.push({ ticket: t, sla: 'resolution', met: false });
      // First response: the events carry no first_responded_at, so the query can only use
      // Freshdesk's flag (breached when fr_escalated was ever set, met when fr_due_by passed
      // without it). The truth here is the simulation's own record of the flag being raised.
      const flagged = t.escalations.some((e) => e.kind === 'first-response-sla');
      if (flagged) outcomes.push({ ticket: t, sla: 'first_response', met: false });
      else if (t.frDueByMs < asOf) outcomes.push({ ticket: t, sla: 'first_response', met: true });
    }
    const share = (list: Outcome[]) => (list.length === 0 ? null : round4(list.filter((o) => o.met).length / list.length));
    const expected = new Map(
      [...byScope(outcomes, (o) => mondayOf(o.ticket.createdAtMs), (o) => priorityName(o.ticket.priority))].map(([key, list]) => {
        const resolution = list.filter((o) => o.sla === 'resolution');
        const response = list.filter((o) => o.sla === 'first_response');
        return [
          key,
          {
            resolutionMet: resolution.filter((o) => o.met).length,
            resolutionBreached: resolution.filter((o) => !o.met).length,
            resolutionShare: share(resolution),
            responseMet: response.filter((o) => o.met).length,
            responseBreached: response.filter((o) => !o.met).length,
            responseShare: share(response),
          },
        ] as const;
      }),
    );
    // Both outcomes happen for both SLAs.
    for (const sla of ['resolution', 'first_response']) for (const met of [true, false]) expect(outcomes.some((o) => o.sla === sla && o.met === met)).toBe(true);
    const rows = await run('sla-by-week', { from: FROM, to: TO });
    expect(
      new Map(
        rows.map((r) => [
          `${r.scope}|${r.week}|${r.priority_name}`,
          {
            resolutionMet: r.resolution_met,
            resolutionBreached: r.resolution_breached,
            resolutionShare: r.resolution_met_share,
            responseMet: r.first_response_met,
            responseBreached: r.first_response_breached,
            responseShare: r.first_response_met_share,
          },
        ]),
      ),
    ).toEqual(expected);
  });

  it('sla-breaching-now: unresolved tickets past due_by, and flagged for a late first response (no stats), most overdue first', async () => {
    const asOf = Date.parse('2026-03-15T12:00:00Z');
    const expected: { id: number; breach: string; dueAt: number; t: TicketGroundTruth }[] = [];
    for (const t of tickets.filter((t) => isUnresolved(t) && !t.spam)) {
      if (t.dueByMs < asOf) expected.push({ id: t.id, breach: 'Resolution overdue', dueAt: t.dueByMs, t });
      // No first_responded_at without stats: the flag Freshdesk raised (the simulation's record) decides.
      if (t.escalations.some((e) => e.kind === 'first-response-sla')) expected.push({ id: t.id, breach: 'First response overdue', dueAt: t.frDueByMs, t });
    }
    expected.sort((a, b) => a.dueAt - b.dueAt || a.id - b.id || (a.breach < b.breach ? -1 : a.breach > b.breach ? 1 : 0));
    expect(new Set(expected.map((e) => e.breach)).size).toBe(2);
    // as_of matters: some unresolved tickets are not due yet at as_of.
    expect(tickets.some((t) => isUnresolved(t) && !t.spam && t.dueByMs >= asOf)).toBe(true);
    const rows = await run('sla-breaching-now', { as_of: '2026-03-15 12:00:00' });
    expect(rows.map((r) => `${r.ticket_id}|${r.breach}|${r.due_at}|${r.priority_name}|${r.group_id}|${r.responder_id}|${r.created_at}`)).toEqual(
      expected.map((e) => `${e.id}|${e.breach}|${timestampText(e.dueAt)}|${priorityName(e.t.priority)}|${e.t.groupId}|${e.t.responderId}|${timestampText(e.t.createdAtMs)}`),
    );
  });

  it('reopens-and-handoffs-by-week: reopens, reassignments, group transfers and time unassigned per creation week', async () => {
    const from = '2026-03-03';
    const created = tickets.filter((t) => !t.spam && t.createdDay >= from && t.createdDay <= TO);
    const expected = new Map(
      [...groupBy(created, (t) => mondayOf(t.createdAtMs))].map(([week, group]) => {
        const resolved = group.filter((t) => t.firstResolvedAtMs !== null);
        const reopened = group.filter((t) => t.reopens.length > 0);
        const transfers = (t: TicketGroundTruth) => t.states.filter((s, i) => i > 0 && s.groupId !== t.states[i - 1].groupId).length;
        const waits = group.filter((t) => t.firstAssignedAtMs !== null).map((t) => hoursSince(t.createdAtMs, t.firstAssignedAtMs!));
        const [p50, p90] = p50p90(waits);
        return [
          week,
          {
            tickets: group.length,
            resolved: resolved.length,
            reopenedTickets: reopened.length,
            reopens: group.reduce((n, t) => n + t.reopens.length, 0),
            reopenRate: resolved.length === 0 ? null : round4(reopened.length / resolved.length),
            reassignments: group.reduce((n, t) => n + t.reassignmentCount, 0),
            reassignedTickets: group.filter((t) => t.reassignmentCount > 0).length,
            groupTransfers: group.reduce((n, t) => n + transfers(t), 0),
            neverAssigned: group.length - waits.length,
            p50,
            p90,
          },
        ] as const;
      }),
    );
    const all = [...expected.values()];
    for (const field of ['reopens', 'reassignments', 'groupTransfers', 'neverAssigned'] as const) expect(all.some((w) => w[field] > 0), field).toBe(true);
    const rows = await run('reopens-and-handoffs-by-week', { from, to: TO });
    expect(
      new Map(
        rows.map((r) => [
          r.week as string,
          {
            tickets: r.tickets,
            resolved: r.resolved_tickets,
            reopenedTickets: r.reopened_tickets,
            reopens: r.reopens,
            reopenRate: r.reopen_rate,
            reassignments: r.reassignments,
            reassignedTickets: r.reassigned_tickets,
            groupTransfers: r.group_transfers,
            neverAssigned: r.never_assigned,
            p50: r.p50_hours_unassigned,
            p90: r.p90_hours_unassigned,
          },
        ]),
      ),
    ).toEqual(expected);
  });

  it('group-workload: unresolved tickets (custom statuses included) per group, busiest first', async () => {
    const groups = new Map<number, { open: number; pending: number; custom: number; total: number; unassigned: number; urgent: number; oldest: number }>();
    for (const t of tickets.filter((t) => isUnresolved(t) && !t.spam)) {
      const g = groups.get(t.groupId) ?? { open: 0, pending: 0, custom: 0, total: 0, unassigned: 0, urgent: 0, oldest: Infinity };
      if (t.status === 2) g.open++;
      else if (t.status === 3) g.pending++;
      else g.custom++;
      g.total++;
      if (t.responderId === null) g.unassigned++;
      if (t.priority === 4) g.urgent++;
      g.oldest = Math.min(g.oldest, t.createdAtMs);
      groups.set(t.groupId, g);
    }
    expect(groups.size).toBeGreaterThan(1);
    const rows = await run('group-workload');
    // No groups dimension in a lake of partner events: the name is the id as text.
    expect(
      rows.map((r) => ({ id: r.group_id, name: r.group_name, open: r.open_tickets, pending: r.pending_tickets, custom: r.custom_status_tickets, total: r.total_tickets, unassigned: r.unassigned_tickets, urgent: r.urgent_tickets, oldest: r.oldest_created_at })),
    ).toEqual(
      [...groups]
        .sort(([a, x], [b, y]) => y.total - x.total || a - b)
        .map(([id, g]) => ({ id, name: String(id), open: g.open, pending: g.pending, custom: g.custom, total: g.total, unassigned: g.unassigned, urgent: g.urgent, oldest: timestampText(g.oldest) })),
    );
  });

  it('covers every saved query', () => {
    const covered = ['urgent-unassigned', 'backlog', 'agent-workload', 'reopened-tickets', 'refund-tickets-today', 'tickets-created-by-day', 'time-to-first-assignment', 'resolution-time', 'escalations', 'sla-due-soon', 'recent-events', 'first-response-time',
      'daily-ticket-history', 'tickets-resolved-by-day', 'response-times-by-week', 'sla-by-week', 'sla-breaching-now', 'reopens-and-handoffs-by-week', 'group-workload'];
    expect(catalog.map((q) => q.name).filter((name) => !covered.includes(name))).toEqual([]);
  });
});

describe('query edges the generated days do not reach', () => {
  it('tickets-resolved-by-day counts a resolution saved just before midnight on the last day, whose event is dated the next day', async () => {
    // Built from a generated create event: the same ticket created at 20:00 and resolved at
    // 23:59:59 on 2026-03-10, the update's event leaving Freshdesk at 00:00:01 on 2026-03-11.
    const template = JSON.parse(events.find((e) => e.detailType === 'onTicketCreate')!.json);
    const at = (envelopeTime: string, ticket: Record<string, unknown>, detailType: string, id: string) =>
      JSON.stringify({ ...template, id, 'detail-type': detailType, time: envelopeTime, detail: { ...template.detail, ticket: { ...template.detail.ticket, ...ticket } } });
    const ticket = { id: 1, spam: false, priority: 2, created_at: '2026-03-10T20:00:00Z' };
    const lines = [
      at('2026-03-10T20:00:01Z', { ...ticket, status: 2, updated_at: '2026-03-10T20:00:00Z' }, 'onTicketCreate', 'edge-create'),
      at('2026-03-11T00:00:01Z', { ...ticket, status: 4, updated_at: '2026-03-10T23:59:59Z', changes: { status: [2, 4] } }, 'onTicketUpdate', 'edge-resolve'),
    ];
    const edgeDir = join(dir, 'edge');
    mkdirSync(edgeDir);
    writeFileSync(join(edgeDir, 'events.jsonl'), lines.join('\n') + '\n');
    const ingested = await ingestToLake({ inputs: [join(edgeDir, 'events.jsonl')], lakeDir: join(edgeDir, 'lake') });
    expect(ingested.written).toBe(2);
    expect(ingested.days).toEqual(['2026-03-10', '2026-03-11']);
    const edge = await LocalEngine.open({ lakeDir: join(edgeDir, 'lake') });
    try {
      const bound = bindSavedQuery(findSavedQuery(catalog, 'tickets-resolved-by-day'), { from: '2026-03-10', to: '2026-03-10' }, NOW);
      const result = await edge.execute(bound.sql, bound.values);
      const rows: RowValue[][] = [];
      for await (const page of result.pages) rows.push(...page);
      expect(rows).toEqual([['2026-03-10', 'Medium', 1, 1]]);
    } finally {
      await edge.close();
    }
  });
});
