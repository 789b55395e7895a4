/**
 * The saved queries on a lake that `freshlake sync` has filled too (test/fixtures/synced-lake.ts):
 * names from the dimension tables, custom statuses in the backlog, deleted tickets gone, and
 * transition questions that use the ticket stats where they answer and leave out what they cannot.
 */
import { describe, expect, it } from 'vitest';
import type { RowValue } from '../lib/engines/engine';
import { AGENT_ANNA, AGENT_BOB, GROUP_BILLING, GROUP_TECH } from './fixtures/lake';
import { savedQueriesOnFixtureLake } from './fixtures/saved-queries-session';
import { writeSyncedFixtureLake } from './fixtures/synced-lake';

const WHOLE_LAKE = { from: '2026-11-24', to: '2026-11-27' };
const session = savedQueriesOnFixtureLake(writeSyncedFixtureLake, 'freshlake-saved-queries-sync-');
const run = session.run;

async function sql(text: string): Promise<RowValue[][]> {
  const result = await session.engine.execute(text, []);
  const rows: RowValue[][] = [];
  for await (const page of result.pages) rows.push(...page);
  return rows;
}

describe('names and the backlog after a sync', () => {
  it('backlog counts custom statuses as unresolved, shows group names, and drops the deleted ticket', async () => {
    // Urgent/Billing: 1001 Open + 2001 in "Waiting on Customer" (6). 2004 (Urgent, Tech, Open) is deleted.
    const rows = await run('backlog');
    expect(rows.slice(0, 2)).toEqual([
      { priority_name: 'Urgent', group_id: GROUP_BILLING, group_name: 'Billing', open_tickets: 1, pending_tickets: 0, custom_status_tickets: 1, total_tickets: 2, oldest_created_at: '2026-11-25 08:00:00.000' },
      { priority_name: 'Urgent', group_id: GROUP_TECH, group_name: 'Tech Support', open_tickets: 0, pending_tickets: 1, custom_status_tickets: 0, total_tickets: 1, oldest_created_at: '2026-11-26 07:00:00.000' },
    ]);
    // Groups no dimension row names (the samples' groups) show their id.
    expect(rows.map((r) => r.group_name)).toEqual(['Billing', 'Tech Support', '20000012345', '20000012346', 'Billing', 'Tech Support', 'Billing', 'Tech Support']);
    expect(rows.reduce((sum, r) => sum + Number(r.total_tickets), 0)).toBe(10);
  });

  it('agent-workload names the agents and counts the custom-status ticket in the unassigned backlog', async () => {
    expect((await run('agent-workload')).map((r) => [r.responder_id, r.agent_name, r.custom_status_tickets, r.total_tickets, r.urgent_tickets])).toEqual([
      [null, null, 1, 5, 3], // 1002, 1006, 1008, 4712, 2001
      [AGENT_ANNA, 'Anna Berg', 0, 2, 1],
      [AGENT_BOB, 'Bob Chen', 0, 2, 0],
      [20000000042, '20000000042', 0, 1, 1],
    ]);
  });

  it('urgent-unassigned lists the ticket in a custom status by its real name, and not the deleted one', async () => {
    expect((await run('urgent-unassigned')).map((r) => [r.ticket_id, r.status_name, r.group_name])).toEqual([
      [2001, 'Waiting on Customer', 'Billing'],
      [1002, 'Pending', 'Tech Support'],
      [4712, 'Open', '20000012346'],
    ]);
  });

  it('sla-due-soon counts a custom status as not resolved', async () => {
    expect((await run('sla-due-soon')).map((r) => [r.ticket_id, r.status_name, r.group_name, r.hours_left])).toEqual([
      [1002, 'Pending', 'Tech Support', 1],
      [2001, 'Waiting on Customer', 'Billing', 2],
    ]);
  });

  it('keeps the deleted ticket in ticket_latest_state and out of every ticket question', async () => {
    expect(await sql('SELECT deleted, status_name FROM ticket_latest_state WHERE ticket_id = 2004')).toEqual([[true, 'Open']]);
    expect(await sql('SELECT count(*) FROM tickets_latest WHERE ticket_id = 2004')).toEqual([[0]]);
    // 2004 was a Question from the Portal created 11-26: no such ticket is left that day.
    expect((await run('tickets-created-by-day', { from: '2026-11-26', to: '2026-11-26' })).map((r) => [r.ticket_type, r.channel_name])).toEqual([
      ['Problem', 'Email'],
      ['Refund', 'Portal'],
    ]);
    expect(await run('refund-tickets-today', { day: '2026-11-26', type: 'Question' })).toEqual([]);
    // Urgent, 11-26: without 2004 the urgent tickets created that day are 1002 only (1005 is spam).
    expect((await run('resolution-time', { from: '2026-11-26', to: '2026-11-26' })).map((r) => [r.priority_name, r.tickets])).toEqual([
      ['Urgent', 1],
      ['Medium', 1],
    ]);
  });
});

describe('transition questions on a lake with sync snapshots', () => {
  it('resolution-time takes a never-reopened ticket\'s resolution from its stats and leaves out one synced only after a reopen', async () => {
    // High: 1004 2 h and 1010 6 h (events), 2002 12 h (stats.resolved_at, never reopened), 1009 not yet:
    //   p50 rank 2 -> 6, p90 rank 3 -> 12. Medium: 2003's first resolution is unknown (reopened before
    //   its only snapshot): history_incomplete. Urgent: 2001 is open and its snapshot saw no resolution:
    //   unresolved, not incomplete; 4712 has neither its create event nor stats: incomplete.
    expect(await run('resolution-time', WHOLE_LAKE)).toEqual([
      { priority_name: 'Urgent', tickets: 5, resolved_tickets: 1, unresolved: 4, history_incomplete: 1, p50_hours: 2, p90_hours: 2 },
      { priority_name: 'High', tickets: 4, resolved_tickets: 3, unresolved: 1, history_incomplete: 0, p50_hours: 6, p90_hours: 12 },
      { priority_name: 'Medium', tickets: 2, resolved_tickets: 0, unresolved: 2, history_incomplete: 1, p50_hours: null, p90_hours: null },
      // 1003's snapshot says reopened: the first resolution comes from its complete events (5 h).
      { priority_name: 'Low', tickets: 2, resolved_tickets: 1, unresolved: 1, history_incomplete: 0, p50_hours: 5, p90_hours: 5 },
    ]);
  });

  it('time-to-first-assignment never measures to a snapshot: tickets known only from the sync are history_incomplete', async () => {
    expect((await run('time-to-first-assignment', WHOLE_LAKE)).map((r) => [r.priority_name, r.tickets, r.history_incomplete, r.p50_hours, r.p90_hours])).toEqual([
      ['Urgent', 4, 2, 0.81, 1.5], // 2001 and 4712 incomplete; the answer is the events-only one
      ['High', 3, 1, 0, 1], // 2002
      ['Medium', 2, 1, 2.5, 2.5], // 2003
      ['Low', 2, 0, 0, 0],
    ]);
  });

  it('first-response-time measures from stats.first_responded_at and counts tickets without stats apart', async () => {
    expect(await run('first-response-time', WHOLE_LAKE)).toEqual([
      { priority_name: 'Urgent', tickets: 1, responded_tickets: 1, not_responded: 0, without_stats: 5, p50_hours: 1, p90_hours: 1 },
      { priority_name: 'High', tickets: 1, responded_tickets: 1, not_responded: 0, without_stats: 3, p50_hours: 2, p90_hours: 2 },
      { priority_name: 'Medium', tickets: 1, responded_tickets: 1, not_responded: 0, without_stats: 2, p50_hours: 0.5, p90_hours: 0.5 },
      { priority_name: 'Low', tickets: 1, responded_tickets: 1, not_responded: 0, without_stats: 1, p50_hours: 0.33, p90_hours: 0.33 },
    ]);
  });

  it('reopened-tickets adds the reopen only the stats show, and counts a reopen both show once', async () => {
    // 1003: the event (changes.status [4, 2]) and its snapshot's stats.reopened_at agree: one row, from the event.
    // 2003: known only from a snapshot whose reopened_at is 11-25 15:00.
    expect((await run('reopened-tickets', WHOLE_LAKE)).map((r) => [r.reopened_at, r.ticket_id, r.reopened_from, r.reopened_as, r.agent_name, r.seen_in])).toEqual([
      ['2026-11-25 09:00:00.000', 1003, 'Resolved', 'Open', 'Bob Chen', 'event'],
      ['2026-11-25 15:00:00.000', 2003, null, null, 'Bob Chen', 'ticket stats'],
      ['2026-11-26 09:00:00.000', 1004, 'Closed', 'Open', 'Anna Berg', 'event'],
    ]);
  });

  it('escalations ignore snapshots: an escalated ticket known only from the sync shows no escalation moment', async () => {
    const rows = await run('escalations', WHOLE_LAKE);
    expect(rows.map((r) => r.ticket_id)).toEqual([1009, 1009, 4711, 4712, 4712]);
    expect(rows[0]).toMatchObject({ group_name: 'Billing', agent_name: 'Bob Chen', status_name: 'Open' });
  });
});
