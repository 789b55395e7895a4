import { describe, expect, it } from 'vitest';
import { TICKET_FIELDS, TICKET_STATS_FIELDS } from '../lib/schema';
import { TICKET_SNAPSHOT_DETAIL_TYPE, isTicketSnapshot, ticketSnapshotId, ticketSnapshotRecord, type FreshdeskApiTicket } from '../lib/ticket-snapshot';

const SOURCE = 'aws.partner/freshworks.com/1342406/freshdesk';

/** A ticket as GET /api/v2/tickets?include=stats,requester lists it. */
const API_TICKET: FreshdeskApiTicket = {
  id: 4711,
  subject: 'Refund for duplicate charge',
  status: 6,
  priority: 2,
  source: 1,
  type: 'Refund',
  group_id: 20000012345,
  responder_id: 23000000104,
  requester_id: 20000098765,
  company_id: null,
  spam: false,
  tags: ['billing'],
  custom_fields: { cf_order_number: '1042' },
  created_at: '2026-11-27T09:14:02Z',
  updated_at: '2026-11-28T10:15:00Z',
  due_by: '2026-11-30T09:14:03Z',
  fr_due_by: '2026-11-28T09:14:03Z',
  stats: {
    agent_responded_at: '2026-11-27T09:40:00Z',
    requester_responded_at: null,
    first_responded_at: '2026-11-27T09:40:00Z',
    status_updated_at: '2026-11-28T10:15:00Z',
    reopened_at: null,
    resolved_at: null,
    closed_at: null,
    pending_since: null,
  },
  requester: { id: 20000098765, name: 'Ana Lima', email: 'ana.lima@example.com', mobile: null, phone: '+55 11 5555 0100' },
};

describe('ticketSnapshotRecord', () => {
  it('wraps the API ticket in the partner-event envelope with its own detail-type, time = updated_at', () => {
    const record = ticketSnapshotRecord(API_TICKET, { source: SOURCE, account: '111122223333', region: 'us-east-1' });
    expect(record).toMatchObject({
      version: '0',
      'detail-type': TICKET_SNAPSHOT_DETAIL_TYPE,
      source: SOURCE,
      account: '111122223333',
      region: 'us-east-1',
      time: '2026-11-28T10:15:00Z',
      resources: [],
    });
    expect(record.detail.ticket).toMatchObject({ id: 4711, status: 6, stats: API_TICKET.stats, custom_fields: { cf_order_number: '1042' } });
    expect(isTicketSnapshot(record)).toBe(true);
  });

  it('derives the id from ticket id + updated_at, so the same version always gets the same id', () => {
    const first = ticketSnapshotRecord(API_TICKET, { source: SOURCE });
    const again = ticketSnapshotRecord({ ...API_TICKET }, { source: 'another-source' });
    const newer = ticketSnapshotRecord({ ...API_TICKET, updated_at: '2026-11-28T10:15:01Z' }, { source: SOURCE });
    expect(first.id).toBe('snapshot-4711-2026-11-28T10:15:00Z');
    expect(first.id).toBe(ticketSnapshotId(4711, '2026-11-28T10:15:00Z'));
    expect(again.id).toBe(first.id);
    expect(newer.id).not.toBe(first.id);
    expect(ticketSnapshotRecord({ ...API_TICKET, id: 4712 }, { source: SOURCE }).id).not.toBe(first.id);
  });

  it('gives a spam or deleted version its own id, sorting after the plain version of the same updated_at', () => {
    const plain = ticketSnapshotRecord(API_TICKET, { source: SOURCE }).id;
    const spam = ticketSnapshotRecord({ ...API_TICKET, spam: true }, { source: SOURCE }).id;
    const deleted = ticketSnapshotRecord({ ...API_TICKET, deleted: true }, { source: SOURCE }).id;
    expect(spam).toBe('snapshot-4711-2026-11-28T10:15:00Z-spam');
    expect(deleted).toBe('snapshot-4711-2026-11-28T10:15:00Z-deleted');
    expect([deleted, spam, plain].sort()).toEqual([plain, deleted, spam]);
  });

  it('keeps no contact data: the included requester is dropped, only its id stays', () => {
    const record = ticketSnapshotRecord(API_TICKET, { source: SOURCE });
    const text = JSON.stringify(record);
    expect(text).not.toContain('Ana Lima');
    expect(text).not.toContain('ana.lima@example.com');
    expect(text).not.toContain('5555');
    expect(record.detail.ticket).not.toHaveProperty('requester');
    expect(record.detail.requester).toEqual({ id: 20000098765 });
    const { requester_id: _dropped, ...withoutRequester } = API_TICKET;
    expect(ticketSnapshotRecord({ ...withoutRequester, requester: undefined }, { source: SOURCE }).detail).not.toHaveProperty('requester');
  });

  it.each([
    ['listed with filter=deleted', { deleted: true }, true],
    ['in the default list (no deleted key)', {}, false],
    ['with deleted: false', { deleted: false }, false],
  ])('writes deleted explicitly for a ticket %s', (_case, extra, deleted) => {
    const record = ticketSnapshotRecord({ ...API_TICKET, ...extra }, { source: SOURCE });
    expect(record.detail.ticket.deleted).toBe(deleted);
  });

  it('defaults account and region to empty strings (a local lake has neither)', () => {
    const record = ticketSnapshotRecord(API_TICKET, { source: SOURCE });
    expect(record.account).toBe('');
    expect(record.region).toBe('');
  });

  it.each([
    ['no id', { id: undefined }, /positive integer id/],
    ['a string id', { id: '4711' }, /positive integer id/],
    ['id 0', { id: 0 }, /positive integer id/],
    ['no updated_at', { updated_at: undefined }, /ticket 4711 has no ISO-8601 updated_at/],
    ['a date-only updated_at', { updated_at: '2026-11-28' }, /ISO-8601/],
    ['an impossible updated_at', { updated_at: '2026-13-45T99:00:00Z' }, /ISO-8601/],
  ])('refuses a ticket with %s (it could be neither deduplicated nor partitioned)', (_case, patch, message) => {
    const ticket = { ...API_TICKET, ...patch } as unknown as FreshdeskApiTicket;
    expect(() => ticketSnapshotRecord(ticket, { source: SOURCE })).toThrow(message);
  });
});

describe('schema additions for snapshots', () => {
  it('declares detail.ticket.stats with the eight include=stats timestamps as strings, and deleted as boolean', () => {
    expect(TICKET_STATS_FIELDS.map((f) => f.name)).toEqual([
      'agent_responded_at',
      'requester_responded_at',
      'first_responded_at',
      'status_updated_at',
      'reopened_at',
      'resolved_at',
      'closed_at',
      'pending_since',
    ]);
    expect(TICKET_STATS_FIELDS.every((f) => f.type.hive === 'string')).toBe(true);
    const stats = TICKET_FIELDS.find((f) => f.name === 'stats');
    expect(stats?.type.hive).toBe(`struct<${TICKET_STATS_FIELDS.map((f) => `${f.name}:string`).join(',')}>`);
    expect(TICKET_FIELDS.find((f) => f.name === 'deleted')?.type.hive).toBe('boolean');
  });
});
