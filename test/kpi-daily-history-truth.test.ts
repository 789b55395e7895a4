/**
 * The daily backlog (queries/daily-ticket-history.sql) and the resolutions per day against the
 * generator's ground truth, day by day: the simulation records every state each ticket was in
 * (lib/local/generator: TicketGroundTruth.states), independently of the events it emits. The
 * events go through the production pattern, transform and lake layout, with duplicate deliveries
 * and out-of-order updates, so the query has to get the order right from the events alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowValue } from '../lib/engines/engine';
import { LocalEngine } from '../lib/engines/local-engine';
import { DONE_STATUSES, TICKET_PRIORITY } from '../lib/freshdesk-codes';
import { utcDay } from '../lib/lake-layout';
import { writeEventFile } from '../lib/local/event-file-writer';
import { generateHelpdesk, type TicketGroundTruth } from '../lib/local/generator';
import { ingestToLake } from '../lib/local/ingest';
import { bindSavedQuery, findSavedQuery, loadSavedQueries } from '../lib/saved-queries';

const FROM = '2026-02-02';
const TO = '2026-02-22';
const NOW = new Date(`${TO}T23:59:59Z`);
const DAY_MS = 86_400_000;

let dir: string;
let engine: LocalEngine;
let tickets: TicketGroundTruth[];
let duplicates = 0;
const catalog = loadSavedQueries();

async function run(name: string, parameters: Record<string, string>): Promise<Record<string, RowValue>[]> {
  const bound = bindSavedQuery(findSavedQuery(catalog, name), parameters, NOW);
  const result = await engine.execute(bound.sql, bound.values);
  const rows: Record<string, RowValue>[] = [];
  for await (const page of result.pages) for (const row of page) rows.push(Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]])));
  return rows;
}

function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); utcDay(t) <= to; t += DAY_MS) out.push(utcDay(t));
  return out;
}

const priorityName = (p: number) => (TICKET_PRIORITY as Record<number, string>)[p] ?? `Priority ${p}`;
const isUnresolved = (status: number) => !DONE_STATUSES.includes(status);

/** The truth: per day, "priority|group" -> tickets whose state at the end of the day is unresolved and not spam. */
function backlogTruth(day: string): Map<string, number> {
  const endOfDay = Date.parse(`${day}T00:00:00Z`) + DAY_MS;
  const counts = new Map<string, number>();
  for (const ticket of tickets) {
    let current;
    for (const state of ticket.states) if (state.updatedAtMs < endOfDay) current = state;
    if (!current || current.spam || !isUnresolved(current.status)) continue;
    const key = `${priorityName(current.priority)}|${current.groupId}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'freshlake-kpi-truth-'));
  const generated = generateHelpdesk({ from: FROM, to: TO, ticketsPerDay: 60, seed: 'daily-history-truth' });
  tickets = generated.tickets;
  duplicates = generated.events.filter((e) => e.duplicate).length;
  const file = join(dir, 'events.jsonl');
  await writeEventFile(file, generated.events);
  await ingestToLake({ inputs: [file], lakeDir: join(dir, 'lake'), bufferSizeBytes: 256 * 1024 });
  engine = await LocalEngine.open({ lakeDir: join(dir, 'lake') });
});

afterAll(async () => {
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('daily-ticket-history against the generator ground truth', () => {
  it('uses a history with the delivery traps in it', () => {
    expect(tickets.length).toBeGreaterThan(1000);
    expect(duplicates).toBeGreaterThan(0);
    // Custom statuses and reopens happen: both must count as unresolved.
    expect(tickets.some((t) => t.states.some((s) => ![2, 3, 4, 5].includes(s.status)))).toBe(true);
    expect(tickets.some((t) => t.reopenCount > 0)).toBe(true);
  });

  it('equals, for every day and every priority and group, the tickets unresolved at the end of that day', async () => {
    const rows = await run('daily-ticket-history', { from: FROM, to: TO });
    for (const day of days(FROM, TO)) {
      const fromQuery = new Map<string, number>();
      for (const row of rows.filter((r) => r.day === day && (r.unresolved_tickets as number) !== 0)) {
        fromQuery.set(`${row.priority_name}|${row.group_id}`, row.unresolved_tickets as number);
      }
      const truth = backlogTruth(day);
      expect(Object.fromEntries([...fromQuery].sort()), day).toEqual(Object.fromEntries([...truth].sort()));
    }
  });

  it('gives the same days from a range that starts inside the history', async () => {
    const rows = await run('daily-ticket-history', { from: '2026-02-15', to: '2026-02-16' });
    for (const day of ['2026-02-15', '2026-02-16']) {
      const total = rows.filter((r) => r.day === day).reduce((sum, r) => sum + (r.unresolved_tickets as number), 0);
      expect(total, day).toBe([...backlogTruth(day).values()].reduce((a, b) => a + b, 0));
    }
  });
});

describe('tickets-resolved-by-day against the generator ground truth', () => {
  it('equals, per day and priority, the moves from an unresolved status to Resolved or Closed', async () => {
    const truth = new Map<string, number>();
    for (const ticket of tickets) {
      ticket.states.forEach((state, i) => {
        const before = ticket.states[i - 1];
        if (!before || state.spam || !DONE_STATUSES.includes(state.status) || !isUnresolved(before.status)) return;
        const key = `${utcDay(state.updatedAtMs)}|${priorityName(state.priority)}`;
        truth.set(key, (truth.get(key) ?? 0) + 1);
      });
    }
    const rows = await run('tickets-resolved-by-day', { from: FROM, to: TO });
    const fromQuery = new Map(rows.map((r) => [`${r.resolved_day}|${r.priority_name}`, r.resolutions as number]));
    expect(Object.fromEntries([...fromQuery].sort())).toEqual(Object.fromEntries([...truth].sort()));
  });
});
