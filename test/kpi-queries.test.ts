/**
 * The report's KPI queries (queries/*.sql) on the fixture lake (test/fixtures/lake.ts), expected
 * rows worked out by hand from the ticket stories told there. "Now" is FIXTURE_NOW, 2026-11-27
 * 14:00 UTC; the whole lake is 2026-11-24 .. 2026-11-27 (a Tuesday to a Friday of the week that
 * starts Monday 2026-11-23).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowValue } from '../lib/engines/engine';
import { LocalEngine } from '../lib/engines/local-engine';
import { bindSavedQuery, findSavedQuery, loadSavedQueries } from '../lib/saved-queries';
import { AGENT_ANNA, AGENT_BOB, FIXTURE_NOW, GROUP_BILLING, GROUP_TECH, writeFixtureLake } from './fixtures/lake';

const WHOLE_LAKE = { from: '2026-11-24', to: '2026-11-27' };
/** The groups of the shared samples 4711 and 4712. */
const SAMPLE_GROUP_4711 = 20000012345;
const SAMPLE_GROUP_4712 = 20000012346;

describe('KPI queries on the fixture lake', () => {
  let root: string;
  let engine: LocalEngine;
  const queries = loadSavedQueries();

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'freshlake-kpi-'));
    engine = await LocalEngine.open({ lakeDir: writeFixtureLake(join(root, 'lake')), cache: false });
  });

  afterAll(async () => {
    await engine?.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function run(name: string, raw: Record<string, string> = {}): Promise<Record<string, RowValue>[]> {
    const bound = bindSavedQuery(findSavedQuery(queries, name), raw, FIXTURE_NOW);
    const result = await engine.execute(bound.sql, bound.values);
    const rows: Record<string, RowValue>[] = [];
    for await (const page of result.pages) rows.push(...page.map((row) => Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]]))));
    return rows;
  }
  const pick = (rows: Record<string, RowValue>[], ...keys: string[]) => rows.map((r) => keys.map((k) => r[k]));

  describe('daily-ticket-history', () => {
    it('counts the tickets unresolved at the end of each day, by priority and group, from the history', async () => {
      const rows = await run('daily-ticket-history', WHOLE_LAKE);
      const nonZero = rows.filter((r) => (r.unresolved_tickets as number) > 0);
      expect(pick(nonZero, 'day', 'priority_name', 'group_id', 'unresolved_tickets')).toEqual([
        // 11-24: 1009 (Medium, billing) open; 1003 resolved at 15:00, 1010 at 18:00.
        ['2026-11-24', 'Medium', GROUP_BILLING, 1],
        // 11-25: 1001 (Urgent) assigned but open; 1003 reopened 09:00; 1009 escalated, still Medium;
        // 1004 created, set Pending (the late event, by updated_at 12:00), closed 13:00; 1011 resolved 16:00.
        ['2026-11-25', 'Urgent', GROUP_BILLING, 1],
        ['2026-11-25', 'Medium', GROUP_BILLING, 1],
        ['2026-11-25', 'Low', GROUP_BILLING, 1],
        // 11-26: 1002 (Urgent, tech) Pending; 1004 reopened (High, tech); 1009 raised to High; 1007
        // created (Medium); 1003 closed 10:00; 1005 is spam.
        ['2026-11-26', 'Urgent', GROUP_BILLING, 1],
        ['2026-11-26', 'Urgent', GROUP_TECH, 1],
        ['2026-11-26', 'High', GROUP_BILLING, 1],
        ['2026-11-26', 'High', GROUP_TECH, 1],
        ['2026-11-26', 'Medium', GROUP_BILLING, 1],
        // 11-27: + 1006 (Medium), 1008 (Low, tech), 4711 (raised to Urgent by its update), 4712
        // (known only from an update: unresolved since its created_at).
        ['2026-11-27', 'Urgent', GROUP_BILLING, 1],
        ['2026-11-27', 'Urgent', GROUP_TECH, 1],
        ['2026-11-27', 'Urgent', SAMPLE_GROUP_4711, 1],
        ['2026-11-27', 'Urgent', SAMPLE_GROUP_4712, 1],
        ['2026-11-27', 'High', GROUP_BILLING, 1],
        ['2026-11-27', 'High', GROUP_TECH, 1],
        ['2026-11-27', 'Medium', GROUP_BILLING, 2],
        ['2026-11-27', 'Low', GROUP_TECH, 1],
      ]);
    });

    it('has a row for every day of the range for each series once it started, zeros included', async () => {
      const rows = await run('daily-ticket-history', WHOLE_LAKE);
      // 1009 (Medium, billing) starts the series on 11-24: it has all four days, 0 nowhere.
      expect(pick(rows.filter((r) => r.priority_name === 'Medium' && r.group_id === GROUP_BILLING), 'day', 'unresolved_tickets')).toEqual([
        ['2026-11-24', 1], ['2026-11-25', 1], ['2026-11-26', 1], ['2026-11-27', 2],
      ]);
      // Low, billing: 1003 resolved on 11-24, open on 11-25 after the reopen, closed on 11-26.
      expect(pick(rows.filter((r) => r.priority_name === 'Low' && r.group_id === GROUP_BILLING), 'day', 'unresolved_tickets')).toEqual([
        ['2026-11-24', 0], ['2026-11-25', 1], ['2026-11-26', 0], ['2026-11-27', 0],
      ]);
    });

    it('starts from the state before the range: a day range inside the history counts what was already open', async () => {
      const rows = await run('daily-ticket-history', { from: '2026-11-26', to: '2026-11-26' });
      expect(rows.reduce((sum, r) => sum + (r.unresolved_tickets as number), 0)).toBe(5);
    });

    it('ends at the latest state: the last day equals the backlog of tickets_latest', async () => {
      const rows = await run('daily-ticket-history', WHOLE_LAKE);
      const lastDay = rows.filter((r) => r.day === '2026-11-27').reduce((sum, r) => sum + (r.unresolved_tickets as number), 0);
      const latest = await engine.execute('SELECT count(*) AS n FROM tickets_latest WHERE status NOT IN (4, 5) AND coalesce(spam, false) = false', []);
      const [[n]] = (await latest.pages[Symbol.asyncIterator]().next()).value as RowValue[][];
      expect(lastDay).toBe(9);
      expect(n).toBe(9);
    });
  });

  it('daily-ticket-history keeps the day grid within Trino\'s 10,000-element sequence for a ticket created decades ago', async () => {
    // One ticket first seen in 2026 but created in 1990 (history from before the lake): unresolved ever since.
    const old = {
      version: '0', id: 'e-old', 'detail-type': 'onTicketUpdate', source: 'aws.partner/freshworks.com/1342406/freshdesk', time: '2026-11-26T10:00:00Z',
      detail: { ticket: { id: 77, status: 2, priority: 2, group_id: 5, created_at: '1990-01-01T00:00:00Z', updated_at: '2026-11-26T10:00:00Z' } },
    };
    const lakeDir = writeFixtureLake(join(root, 'old-lake'), { '2026-11-26': [[JSON.stringify(old)]] });
    const oldEngine = await LocalEngine.open({ lakeDir, cache: false });
    try {
      const bound = bindSavedQuery(findSavedQuery(queries, 'daily-ticket-history'), { from: '1990-01-01', to: '2026-11-27' }, FIXTURE_NOW);
      const result = await oldEngine.execute(bound.sql, bound.values);
      const rows: RowValue[][] = [];
      for await (const page of result.pages) rows.push(...page);
      const days = rows.map((r) => String(r[0]));
      // At most 9,001 days up to today (the grid's end), each with the ticket counted.
      expect(days.length).toBeLessThanOrEqual(9001);
      expect(days[0] > '2000-01-01').toBe(true);
      expect(rows.every((r) => r[3] === 1)).toBe(true);
      expect(days).toContain('2026-11-27');
    } finally {
      await oldEngine.close();
    }
  });

  describe('tickets-resolved-by-day', () => {
    it('counts moves from unresolved to Resolved or Closed, not Resolved to Closed', async () => {
      const rows = await run('tickets-resolved-by-day', WHOLE_LAKE);
      expect(pick(rows, 'resolved_day', 'priority_name', 'resolutions', 'tickets')).toEqual([
        // 1010 resolved 18:00 (High), 1003 resolved 15:00 (Low).
        ['2026-11-24', 'High', 1, 1],
        ['2026-11-24', 'Low', 1, 1],
        // 1011 (Urgent) resolved; 1004 closed without changes: its previous event (Pending) says it was unresolved.
        ['2026-11-25', 'Urgent', 1, 1],
        ['2026-11-25', 'High', 1, 1],
        // 1003 closed again after its reopen ([2, 5]).
        ['2026-11-26', 'Low', 1, 1],
      ]);
    });
  });

  describe('response-times-by-week', () => {
    it('gives p50/p90 resolution hours per week and priority, per week and for the period, and no guessed first response', async () => {
      const rows = await run('response-times-by-week', WHOLE_LAKE);
      const cols = ['scope', 'week', 'priority_name', 'tickets', 'resolved_tickets', 'p50_resolution_hours', 'p90_resolution_hours', 'responded_tickets', 'p50_first_response_hours'];
      // 12 tickets created (1005 is spam). First resolutions: 1003 5 h, 1004 2 h (closed), 1010 6 h, 1011 2 h.
      // Nearest rank over [2, 2, 5, 6]: p50 = 2nd = 2, p90 = 4th = 6. The fixture has no ticket stats.
      expect(pick(rows, ...cols)).toEqual([
        ['period', null, 'All', 12, 4, 2, 6, 0, null],
        ['week', '2026-11-23', 'All', 12, 4, 2, 6, 0, null],
        ['week-priority', '2026-11-23', 'Urgent', 5, 1, 2, 2, 0, null],
        ['week-priority', '2026-11-23', 'High', 3, 2, 2, 6, 0, null],
        ['week-priority', '2026-11-23', 'Medium', 2, 0, null, null, 0, null],
        ['week-priority', '2026-11-23', 'Low', 2, 1, 5, 5, 0, null],
      ]);
    });
  });

  describe('sla-by-week', () => {
    it('counts met and breached resolution and first-response SLAs; tickets not yet due are not counted', async () => {
      const rows = await run('sla-by-week', { ...WHOLE_LAKE, as_of: '2026-11-27 14:00' });
      const cols = ['scope', 'priority_name', 'resolution_met', 'resolution_breached', 'resolution_met_share', 'first_response_met', 'first_response_breached', 'first_response_met_share'];
      // Resolution met: 1003 (Low), 1004, 1010 (High), 1011 (Urgent). Breached: 1001 (Urgent, due 11-25
      // 20:00), 1009 (High now, due 11-25 09:00), 1008 (Low, due 12:30 today). Not yet due: 1002, 1006, 1007,
      // 4711, 4712. First response: only 4712 is decided (fr_escalated, no stats): breached.
      expect(pick(rows, ...cols)).toEqual([
        ['period', 'All', 4, 3, 0.5714, 0, 1, 0],
        ['week', 'All', 4, 3, 0.5714, 0, 1, 0],
        ['week-priority', 'Urgent', 1, 1, 0.5, 0, 1, 0],
        ['week-priority', 'High', 2, 1, 0.6667, 0, 0, null],
        ['week-priority', 'Low', 1, 1, 0.5, 0, 0, null],
      ]);
    });

    it('moves a ticket from not yet due to breached once as_of passes its due time', async () => {
      // 1002 is due 11-27 15:00 and still Pending.
      const rows = await run('sla-by-week', { ...WHOLE_LAKE, as_of: '2026-11-27 15:30' });
      expect(rows.find((r) => r.scope === 'period')?.resolution_breached).toBe(4);
    });
  });

  describe('sla-breaching-now', () => {
    it('lists unresolved tickets past a due time, one row per breach, most overdue first, without subjects', async () => {
      const rows = await run('sla-breaching-now', { as_of: '2026-11-27 14:00' });
      expect(pick(rows, 'ticket_id', 'breach', 'due_at', 'priority_name', 'group_id', 'responder_id')).toEqual([
        [1009, 'Resolution overdue', '2026-11-25 09:00:00.000', 'High', GROUP_BILLING, AGENT_BOB],
        [1001, 'Resolution overdue', '2026-11-25 20:00:00.000', 'Urgent', GROUP_BILLING, AGENT_ANNA],
        [1008, 'Resolution overdue', '2026-11-27 12:30:00.000', 'Low', GROUP_TECH, null],
        [4712, 'First response overdue', '2026-11-27 15:00:00.000', 'Urgent', SAMPLE_GROUP_4712, null],
      ]);
      expect(Object.keys(rows[0])).not.toContain('subject');
    });
  });

  describe('reopens-and-handoffs-by-week', () => {
    it('gives reopens, the reopen rate, hand-offs and the wait for a first agent per week of creation', async () => {
      const [row, ...more] = await run('reopens-and-handoffs-by-week', WHOLE_LAKE);
      expect(more).toEqual([]);
      // Reopened: 1003 (changes [4, 2]) and 1004 (seen from its previous, Closed, event), of 4 resolved.
      // First assignment: 1003, 1004, 1009 at creation (0 h), 4711 0.81 h, 1010 1 h, 1001 1.5 h, 1007 2.5 h;
      // never: 1002, 1006, 1008, 1011 (4712 has no create event in the lake: its wait is unknown, not
      // "never"). Nearest rank of 7: p50 = 4th = 0.81, p90 = 7th = 2.5.
      expect(row).toEqual({
        week: '2026-11-23',
        tickets: 12,
        resolved_tickets: 4,
        reopened_tickets: 2,
        reopens: 2,
        reopen_rate: 0.5,
        reassignments: 0,
        reassigned_tickets: 0,
        group_transfers: 0,
        never_assigned: 4,
        p50_hours_unassigned: 0.81,
        p90_hours_unassigned: 2.5,
      });
    });
  });

  describe('group-workload', () => {
    it('counts unresolved tickets per group now, with the unassigned and urgent ones', async () => {
      const rows = await run('group-workload');
      expect(pick(rows, 'group_id', 'open_tickets', 'pending_tickets', 'total_tickets', 'unassigned_tickets', 'urgent_tickets')).toEqual([
        // Billing: 1001, 1006, 1009 open, 1007 pending; 1006 unassigned; 1001 urgent.
        [GROUP_BILLING, 3, 1, 4, 1, 1],
        // Tech: 1004, 1008 open, 1002 pending; 1002 and 1008 unassigned; 1002 urgent.
        [GROUP_TECH, 2, 1, 3, 2, 1],
        [SAMPLE_GROUP_4711, 0, 1, 1, 0, 1],
        [SAMPLE_GROUP_4712, 1, 0, 1, 1, 1],
      ]);
    });
  });
});
