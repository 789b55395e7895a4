/**
 * The event generator: reproducible, in the EventBridge envelope, with consistent times, realistic
 * mixes, the payload variants of product.md, and the delivery faults of at-least-once delivery.
 */
import { describe, expect, it } from 'vitest';
import { TICKET_SOURCE, TICKET_TYPES } from '../lib/freshdesk-codes';
import { PARTNER_EVENT_SOURCE_NAME } from '../lib/event-pattern';
import { generateHelpdesk, generateTicketEvents, type GeneratedEvent } from '../lib/local/generator';
import { helpdeskApiDimensions } from '../lib/local/helpdesk-catalog';
import { dimensionRowsFromApi, readDimensionSnapshot } from '../lib/dimensions';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateOptionsFromCommandLine } from '../lib/cli/commands/generate';
import { runCliInProcess } from './cli-harness';

const OPTIONS = { from: '2026-05-04', to: '2026-05-17', ticketsPerDay: 120, seed: 'generator-test' } as const;
const { events, tickets } = generateHelpdesk(OPTIONS);
const parsed = events.map((e) => ({ meta: e, event: JSON.parse(e.json) }));

interface Ticket {
  id: number;
  status: number;
  priority: number;
  responder_id: number | null;
  updated_at: string;
  created_at: string;
  changes?: Record<string, [unknown, unknown]>;
  [key: string]: unknown;
}

const distinct = (list: readonly GeneratedEvent[]) => [...new Map(list.map((e) => [e.id, e])).values()];

describe('reproducibility', () => {
  it('gives the same bytes for the same seed and options', () => {
    const again = [...generateTicketEvents(OPTIONS)].map((e) => e.json);
    expect(again).toEqual(events.map((e) => e.json));
  });

  it('gives other events for another seed', () => {
    const other = [...generateTicketEvents({ ...OPTIONS, seed: 'another' })].map((e) => e.id);
    expect(other.slice(0, 10)).not.toEqual(events.slice(0, 10).map((e) => e.id));
  });

  it('stops after maxEvents, lazily', () => {
    const iterator = generateTicketEvents({ ...OPTIONS, to: '2030-12-31', maxEvents: 50 });
    expect([...iterator].length).toBe(50);
  });
});

describe('the EventBridge envelope', () => {
  it('has every envelope field with the documented types', () => {
    for (const { event } of parsed) {
      expect(Object.keys(event)).toEqual(['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail']);
      expect(event.version).toBe('0');
      expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(['onTicketCreate', 'onTicketUpdate']).toContain(event['detail-type']);
      expect(event.source).toMatch(PARTNER_EVENT_SOURCE_NAME);
      expect(event.account).toMatch(/^\d{12}$/);
      expect(event.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(event.resources).toEqual([]);
      expect(Object.keys(event.detail)).toEqual(['ticket', 'requester']);
    }
  });

  it('uses the Freshdesk account and AWS account asked for', () => {
    const [first] = generateTicketEvents({ ...OPTIONS, freshdeskAccount: '777', awsAccount: '123456789012', maxEvents: 1 });
    expect(JSON.parse(first.json)).toMatchObject({ source: 'aws.partner/freshworks.com/777/freshdesk', account: '123456789012' });
  });

  it('starts each ticket with onTicketCreate (status Open, no changes) and carries changes [old, new] on updates', () => {
    const firstByTicket = new Map<number, Ticket & { type: string }>();
    for (const event of distinct(events).map((e) => JSON.parse(e.json)).sort((a, b) => (a.detail.ticket.updated_at < b.detail.ticket.updated_at ? -1 : 1))) {
      const ticket = event.detail.ticket as Ticket & { type: string };
      if (!firstByTicket.has(ticket.id)) {
        expect(event['detail-type']).toBe('onTicketCreate');
        expect(ticket.status).toBe(2);
        expect(ticket.changes).toBeUndefined();
        firstByTicket.set(ticket.id, ticket);
      } else {
        expect(event['detail-type']).toBe('onTicketUpdate');
        expect(Object.keys(ticket.changes ?? {}).length).toBeGreaterThan(0);
        for (const [key, change] of Object.entries(ticket.changes!)) {
          expect(change, key).toHaveLength(2);
          if (key !== 'status_details') expect(change[1], key).toEqual(key === 'tags' ? ticket.tags : ticket[key]);
        }
        if (ticket.changes!.status) {
          expect(ticket.changes!.status_details).toEqual([
            expect.objectContaining({ id: ticket.changes!.status[0] }),
            expect.objectContaining({ id: ticket.status }),
          ]);
        }
      }
    }
  });
});

describe('times', () => {
  it('increase per ticket: updated_at strictly, event time at updated_at plus up to 2 s', () => {
    const byTicket = new Map<number, { updated: number; time: number }[]>();
    for (const e of distinct(events)) {
      const event = JSON.parse(e.json);
      const ticket = event.detail.ticket as Ticket;
      const updated = Date.parse(ticket.updated_at);
      const time = Date.parse(event.time);
      expect(time - updated).toBeGreaterThanOrEqual(0);
      expect(time - updated).toBeLessThanOrEqual(2000);
      expect(Date.parse(ticket.created_at)).toBeLessThanOrEqual(updated);
      byTicket.set(ticket.id, [...(byTicket.get(ticket.id) ?? []), { updated, time }]);
    }
    for (const list of byTicket.values()) {
      const updates = list.map((x) => x.updated).sort((a, b) => a - b);
      expect(new Set(updates).size).toBe(updates.length);
    }
  });

  it('never happen after the end of the last day (or until)', () => {
    const end = Date.parse('2026-05-18T00:00:00Z');
    for (const { event } of parsed) expect(Date.parse(event.detail.ticket.updated_at)).toBeLessThan(end);
    const until = Date.parse('2026-05-10T12:00:00Z');
    for (const e of generateTicketEvents({ ...OPTIONS, until })) expect(Date.parse(JSON.parse(e.json).detail.ticket.updated_at)).toBeLessThan(until);
  });

  it('put tickets in business hours more than at night', () => {
    const hours = tickets.map((t) => new Date(t.createdAtMs).getUTCHours());
    expect(hours.filter((h) => h >= 9 && h < 17).length).toBeGreaterThan(hours.filter((h) => h < 6).length * 3);
  });
});

describe('delivery faults, as at-least-once delivery has them', () => {
  it('delivers a few event ids twice, with identical bytes', () => {
    const duplicates = events.filter((e) => e.duplicate);
    expect(duplicates.length).toBeGreaterThan(0);
    expect(duplicates.length).toBeLessThan(events.length * 0.02);
    for (const d of duplicates) expect(events.find((e) => e.id === d.id && !e.duplicate)!.json).toBe(d.json);
  });

  it('delivers a few updates after a later update of the same ticket', () => {
    const lastSeen = new Map<number, string>();
    let outOfOrder = 0;
    for (const { event } of parsed) {
      const ticket = event.detail.ticket as Ticket;
      const previous = lastSeen.get(ticket.id);
      if (previous !== undefined && ticket.updated_at < previous) outOfOrder++;
      else lastSeen.set(ticket.id, ticket.updated_at);
    }
    expect(outOfOrder).toBeGreaterThan(0);
  });
});

describe('realistic mixes', () => {
  const ticketsOf = parsed.map((p) => p.event.detail.ticket);

  it('has every ticket type, priority and the main channels', () => {
    expect(new Set(tickets.map((t) => t.type))).toEqual(new Set(TICKET_TYPES));
    expect(new Set(tickets.map((t) => t.priority))).toEqual(new Set([1, 2, 3, 4]));
    for (const channel of [1, 2, 3, 7, 9, 10]) expect(tickets.some((t) => t.channel === channel)).toBe(true);
    for (const t of tickets) expect(Object.keys(TICKET_SOURCE).map(Number)).toContain(t.channel);
  });

  it('has assignments, holds, resolutions, closures, reopens, escalations, reassignments and spam', () => {
    const changeKeys = new Set(ticketsOf.flatMap((t) => Object.keys(t.changes ?? {})));
    for (const key of ['responder_id', 'status', 'status_details', 'priority', 'group_id', 'is_escalated', 'fr_escalated', 'spam', 'tags']) expect(changeKeys).toContain(key);
    const statuses = ticketsOf.filter((t) => t.changes?.status).map((t) => t.changes.status.join('->'));
    for (const transition of ['2->3', '3->2', '2->4', '4->5', '4->2']) expect(statuses).toContain(transition);
    expect(tickets.some((t) => t.reassignmentCount > 0)).toBe(true);
    expect(tickets.some((t) => t.spam)).toBe(true);
  });

  it('has a custom status, named only in status_details', () => {
    const custom = ticketsOf.find((t) => t.status === 6);
    expect(custom).toBeDefined();
    expect(ticketsOf.some((t) => t.changes?.status_details?.some((d: { id: number; name: string }) => d.id === 6 && d.name === 'Waiting on Third Party'))).toBe(true);
  });

  it('describes its helpdesk as the Freshdesk API would: every agent and group the events use is named, the custom status among the statuses', () => {
    const rows = dimensionRowsFromApi(helpdeskApiDimensions());
    const agentNames = new Map(rows.agents!.map((r) => [r.agent_id, r.agent_name]));
    const groupNames = new Map(rows.groups!.map((r) => [r.group_id, r.group_name]));
    for (const t of ticketsOf) {
      if (t.responder_id !== null) expect(agentNames.get(t.responder_id), `agent ${t.responder_id}`).toMatch(/^\p{L}/u);
      expect(groupNames.get(t.group_id as number), `group ${String(t.group_id)}`).toMatch(/^\p{L}/u);
    }
    expect(new Set(agentNames.values()).size).toBe(agentNames.size);
    expect(rows.ticket_statuses).toContainEqual({ status: 6, status_name: 'Waiting on Third Party', customer_status_name: 'Being Processed', is_custom: true });
    expect(rows.ticket_statuses!.map((r) => r.status)).toEqual([2, 3, 4, 5, 6]);
    expect(rows.ticket_fields!.find((f) => f.name === 'cf_plan')).toMatchObject({ is_custom: true, choices: ['Free', 'Starter', 'Pro', 'Enterprise'] });
    // The SLA policy's targets are the ones the generator's due_by and fr_due_by follow.
    const urgent = ticketsOf.find((t) => t.priority === 4 && !t.changes)!;
    const target = (rows.sla_policies![0].sla_target as Record<string, { respond_within: number; resolve_within: number }>).priority_4;
    expect(Date.parse(String(urgent.due_by)) - Date.parse(urgent.created_at)).toBe(target.resolve_within * 1000);
    expect(Date.parse(String(urgent.fr_due_by)) - Date.parse(urgent.created_at)).toBe(target.respond_within * 1000);
  });

  it('leaves some urgent tickets unassigned, and assigns urgent tickets faster than low ones', () => {
    expect(tickets.some((t) => t.priority === 4 && t.responderId === null && (t.status === 2 || t.status === 3))).toBe(true);
    const median = (p: number) => {
      const delays = tickets.filter((t) => t.priority === p && t.firstAssignedAtMs !== null).map((t) => t.firstAssignedAtMs! - t.createdAtMs).sort((a, b) => a - b);
      return delays[Math.floor(delays.length / 2)];
    };
    expect(median(4)).toBeLessThan(median(1));
  });

  it('writes non-ASCII names and subjects in several languages, and emoji', () => {
    const languages = new Set(parsed.map((p) => p.event.detail.requester.language));
    expect(languages.size).toBeGreaterThanOrEqual(6);
    const text = events.map((e) => e.json).join('\n');
    expect(text).toMatch(/[À-ɏ]/); // Latin with diacritics
    expect(text).toMatch(/[А-я]/); // Cyrillic
    expect(text).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/); // Japanese
    expect(text).toMatch(/\p{Extended_Pictographic}/u);
  });

  it('carries custom fields', () => {
    const fields = ticketsOf.map((t) => (typeof t.custom_fields === 'string' ? JSON.parse(t.custom_fields) : t.custom_fields));
    expect(fields.every((f) => 'cf_plan' in f)).toBe(true);
    expect(ticketsOf.filter((t) => t.type === 'Refund').every((t) => (typeof t.custom_fields === 'string' ? JSON.parse(t.custom_fields) : t.custom_fields).cf_order_number)).toBe(true);
  });

  it('uses the payload variants of product.md in a small share of events', () => {
    const variants = parsed.filter((p) => Array.isArray(p.event.detail.ticket.to_emails));
    expect(variants.length).toBeGreaterThan(0);
    expect(variants.length).toBeLessThan(parsed.length * 0.1);
    for (const { event } of variants) {
      expect(typeof event.detail.ticket.email_config_id).toBe('number');
      expect(typeof event.detail.ticket.custom_fields).toBe('object');
      for (const phone of [event.detail.requester.phone, event.detail.requester.mobile]) expect(phone === null || typeof phone === 'number').toBe(true);
    }
    expect(variants.some((v) => v.event.detail.ticket.attachments.some((a: unknown) => typeof a === 'object' && a !== null && 'content_type' in a))).toBe(true);
    const standard = parsed.find((p) => typeof p.event.detail.ticket.to_emails === 'string')!;
    expect(typeof standard.event.detail.ticket.custom_fields).toBe('string');
  });
});

describe('ground truth', () => {
  it('is the state of each ticket\'s latest event', () => {
    const latest = new Map<number, Ticket>();
    for (const { event } of parsed) {
      const ticket = event.detail.ticket as Ticket;
      const current = latest.get(ticket.id);
      if (!current || ticket.updated_at > current.updated_at) latest.set(ticket.id, ticket);
    }
    expect(latest.size).toBe(tickets.length);
    for (const truth of tickets) {
      const ticket = latest.get(truth.id)!;
      expect([ticket.status, ticket.priority, ticket.responder_id, Date.parse(ticket.updated_at)]).toEqual([truth.status, truth.priority, truth.responderId, truth.updatedAtMs]);
    }
  });

  it('lists each ticket\'s event ids', () => {
    const ids = new Set(tickets.flatMap((t) => t.eventIds));
    expect(ids).toEqual(new Set(events.map((e) => e.id)));
  });
});

describe('freshlake generate (command line)', () => {
  it('writes JSON Lines to stdout and a summary to stderr', async () => {
    const run = await runCliInProcess(['generate', '--from', '2026-05-04', '--to', '2026-05-04', '--tickets-per-day', '10', '--seed', 's']);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect(JSON.parse(line).source).toBe('aws.partner/freshworks.com/1342406/freshdesk');
    expect(run.stderr).toMatch(/^Generated \d+ events \(\d+ tickets/);
  });

  it('writes the helpdesk\'s dimension tables into a lake with --dimensions, so ingesting its events gives names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'freshlake-generate-dims-'));
    try {
      const run = await runCliInProcess(['generate', '--from', '2026-05-04', '--to', '2026-05-04', '--tickets-per-day', '5', '--dimensions', 'lake'], { cwd: dir });
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/^Wrote agents \(14\), groups \(4\), ticket_fields \(5\), ticket_statuses \(5\), business_hours \(1\), sla_policies \(1\) to lake\/dimensions\/\.$/m);
      expect(readDimensionSnapshot(join(dir, 'lake'), 'ticket_statuses')?.find((r) => r.status === 6)).toMatchObject({ status_name: 'Waiting on Third Party', is_custom: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ends a --days window at the current time', () => {
    const now = new Date('2026-11-27T12:34:56Z');
    expect(generateOptionsFromCommandLine({ days: 30, ticketsPerDay: 200, seed: 's', account: '111122223333', freshdeskAccount: '1', region: 'us-east-1' }, now)).toMatchObject({
      from: '2026-10-29',
      to: '2026-11-27',
      until: now.getTime(),
    });
  });

  it('rejects --days together with --from', async () => {
    const run = await runCliInProcess(['generate', '--days', '3', '--from', '2026-01-01']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/either --days or --from\/--to/);
  });

  it('rejects an AWS account that is not 12 digits', async () => {
    const run = await runCliInProcess(['generate', '--days', '1', '--account', '123']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/12-digit/);
  });
});
