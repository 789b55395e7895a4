/**
 * The report's KPI queries on a lake that `freshlake sync` has filled too (test/fixtures/synced-lake.ts):
 * ticket stats for first response and resolution, snapshot-only tickets in the backlog trend, a
 * deleted ticket gone, names from the dimension tables. Worked out by hand from the stories told in
 * the two fixture files; the partner-event part is the same as in test/kpi-queries.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { GROUP_BILLING, GROUP_TECH } from './fixtures/lake';
import { savedQueriesOnFixtureLake } from './fixtures/saved-queries-session';
import { writeSyncedFixtureLake } from './fixtures/synced-lake';

const WHOLE_LAKE = { from: '2026-11-24', to: '2026-11-27' };
const session = savedQueriesOnFixtureLake(writeSyncedFixtureLake, 'freshlake-kpi-synced-');
const run = session.run;

describe('KPI queries after a sync', () => {
  it('daily-ticket-history counts snapshot-only tickets from their creation and drops a ticket once it is deleted', async () => {
    const rows = await run('daily-ticket-history', WHOLE_LAKE);
    const total = (day: string) => rows.filter((r) => r.day === day).reduce((sum, r) => sum + (r.unresolved_tickets as number), 0);
    // Events alone: 1, 3, 5, 9 (test/kpi-queries.test.ts). Plus: 2003 (created 11-24, first seen Closed on
    // 11-26 12:00, stats resolved 11-26 11:00) on 11-24 and 11-25; 2001 (created 11-25, first seen 11-27
    // in custom status 6) from 11-25 on; 2004 (created 11-26, deleted by 11-27) on 11-26 only. 2002 was
    // resolved at 20:00 on its creation day (stats): never unresolved at a day's end.
    expect(['2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27'].map(total)).toEqual([2, 5, 7, 10]);
    const urgentBilling = rows.filter((r) => r.priority_name === 'Urgent' && r.group_id === GROUP_BILLING).map((r) => [r.day, r.unresolved_tickets]);
    // 1001 from 11-25, 2001 from 11-25.
    expect(urgentBilling).toEqual([['2026-11-25', 2], ['2026-11-26', 2], ['2026-11-27', 2]]);
    const urgentTech = rows.filter((r) => r.priority_name === 'Urgent' && r.group_id === GROUP_TECH).map((r) => [r.day, r.unresolved_tickets]);
    // 1011 resolved on 11-25; 1002 and 2004 on 11-26; 2004 deleted on 11-27.
    expect(urgentTech).toEqual([['2026-11-25', 0], ['2026-11-26', 2], ['2026-11-27', 1]]);
  });

  it('response-times-by-week takes the first response from the stats and the first resolution as resolution-time does', async () => {
    const period = (await run('response-times-by-week', WHOLE_LAKE)).find((r) => r.scope === 'period');
    // First responses: 1003 20 min, 2003 30 min, 2001 1 h, 2002 2 h (2004 is deleted): p50 = 2nd = 0.5, p90 = 4th = 2.
    // Resolutions: 1004 2, 1011 2, 1003 5 (events: its stats are from after the reopen), 1010 6, 2002 12
    // (stats); 2003's first resolution is unknown (seen only after a reopen). p50 = 3rd = 5, p90 = 5th = 12.
    expect(period).toMatchObject({
      tickets: 15,
      responded_tickets: 4,
      p50_first_response_hours: 0.5,
      p90_first_response_hours: 2,
      resolved_tickets: 5,
      p50_resolution_hours: 5,
      p90_resolution_hours: 12,
    });
  });

  it('sla-by-week decides first response by first_responded_at and leaves out an unknown first resolution', async () => {
    const period = (await run('sla-by-week', { ...WHOLE_LAKE, as_of: '2026-11-27 14:00' })).find((r) => r.scope === 'period');
    // Resolution: + 2002 met (resolved 11-24 20:00, due 12-31); 2003 not counted; 2001 not due yet (16:00).
    // First response: 1003, 2001, 2002, 2003 answered before fr_due_by; 4712 flagged, no stats.
    expect(period).toMatchObject({
      resolution_met: 5,
      resolution_breached: 3,
      resolution_met_share: 0.625,
      first_response_met: 4,
      first_response_breached: 1,
      first_response_met_share: 0.8,
    });
  });

  it('reopens-and-handoffs-by-week counts a reopen only the stats show once, and a reopen both show once', async () => {
    const [row] = await run('reopens-and-handoffs-by-week', WHOLE_LAKE);
    // Resolved at least once: 1003, 1004, 1010, 1011, 2002, 2003. Reopened: 1003 (events and stats), 1004, 2003 (stats).
    // Waiting for an agent: only tickets whose create event is in the lake (not 2001-2003, 4712).
    expect(row).toMatchObject({ tickets: 15, resolved_tickets: 6, reopened_tickets: 3, reopens: 3, reopen_rate: 0.5, never_assigned: 4, p50_hours_unassigned: 0.81 });
  });

  it('group-workload and sla-breaching-now show the names of the synced groups and agents', async () => {
    const groups = await run('group-workload');
    // Billing: 1001, 1006, 1009 Open, 1007 Pending, 2001 in custom status 6 (Urgent, unassigned). Tech: 2004 is deleted.
    expect(groups.slice(0, 2).map((r) => [r.group_name, r.open_tickets, r.pending_tickets, r.custom_status_tickets, r.total_tickets, r.unassigned_tickets, r.urgent_tickets])).toEqual([
      ['Billing', 3, 1, 1, 5, 2, 2],
      ['Tech Support', 2, 1, 0, 3, 2, 1],
    ]);
    const breaches = await run('sla-breaching-now', { as_of: '2026-11-27 14:00' });
    expect(breaches.map((r) => [r.ticket_id, r.group_name, r.agent_name])).toEqual([
      [1009, 'Billing', 'Bob Chen'],
      [1001, 'Billing', 'Anna Berg'],
      [1008, 'Tech Support', null],
      [4712, '20000012346', null],
    ]);
  });
});
