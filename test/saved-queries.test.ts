/**
 * The saved-query catalog (lib/saved-queries.ts) and every saved query in queries/, run on the
 * local engine over the fixture lake (test/fixtures/lake.ts). Expected rows are worked out by hand
 * from the ticket stories told in the fixture; the reasoning is in the comments.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowValue } from '../lib/engines/engine';
import { LocalEngine } from '../lib/engines/local-engine';
import { UsageError } from '../lib/errors';
import {
  bindSavedQuery,
  findSavedQuery,
  loadSavedQueries,
  parseParameterOptions,
  parseSavedQuery,
  placeholders,
  positionalSql,
  type SavedQuery,
} from '../lib/saved-queries';
import { AGENT_ANNA, AGENT_BOB, FIXTURE_NOW, GROUP_BILLING, GROUP_TECH, writeFixtureLake } from './fixtures/lake';

const NOW = new Date('2026-11-27T14:00:00Z');

describe('saved-query files', () => {
  const parse = (body: string, header = '-- name: q\n-- description: A query.\n') => parseSavedQuery(header + body, 'q.sql');

  it('reads the header: name, description (continued lines joined), typed parameters with defaults and descriptions', () => {
    const query = parseSavedQuery(
      [
        '-- name: refund-tickets',
        '-- description: Tickets of a type',
        '-- description: created on a day.',
        '-- param: day date = today | UTC day',
        '-- param: kind enum(Refund,Question) = Refund',
        '-- param: n integer',
        '',
        'SELECT * FROM tickets_latest WHERE ticket_type = :kind AND CAST(created_at AS date) = CAST(:day AS date) AND ticket_id > :n;',
      ].join('\n'),
      'refund-tickets.sql',
    );
    expect(query.name).toBe('refund-tickets');
    expect(query.description).toBe('Tickets of a type created on a day.');
    expect(query.parameters).toEqual([
      { name: 'day', type: 'date', allowed: undefined, defaultValue: 'today', description: 'UTC day' },
      { name: 'kind', type: 'enum', allowed: ['Refund', 'Question'], defaultValue: 'Refund', description: '' },
      { name: 'n', type: 'integer', allowed: undefined, defaultValue: undefined, description: '' },
    ]);
    expect(query.sql.endsWith(':n')).toBe(true);
  });

  it('ignores :words inside string literals, quoted identifiers, comments and :: casts', () => {
    const sql = [
      "SELECT ':not_a' AS \"col:not_b\", x::varchar -- :not_c",
      '/* :not_d */ FROM t WHERE a = :real AND b = \'it\'\':s :not_e\'',
    ].join('\n');
    expect(placeholders(sql).map((p) => p.name)).toEqual(['real']);
    expect(positionalSql(sql).sql).toContain('a = ? AND');
    expect(() => parse('SELECT \':x\' -- :y\n', '-- name: q\n-- description: d\n')).not.toThrow();
  });

  it('refuses a placeholder that is not declared and a parameter that is not used', () => {
    expect(() => parse('SELECT :undeclared')).toThrow(/:undeclared is used but not declared/);
    expect(() => parse('SELECT 1', '-- name: q\n-- description: d\n-- param: unused integer = 1\n')).toThrow(/unused is declared but not used/);
  });

  it('refuses a bad header line, a missing name or description, and an invalid default', () => {
    expect(() => parse('SELECT :d', '-- name: q\n-- description: d\n-- param: d datetime\n')).toThrow(/bad parameter line/);
    expect(() => parse('SELECT 1', '-- description: d\n')).toThrow(/name/);
    expect(() => parse('SELECT 1', '-- name: q\n')).toThrow(/description/);
    expect(() => parse('SELECT :d', '-- name: q\n-- description: d\n-- param: d date = yesterday\n')).toThrow(UsageError);
  });
});

describe('binding parameters', () => {
  const query = parseSavedQuery(
    [
      '-- name: q',
      '-- description: d',
      '-- param: from date = today-7',
      '-- param: to date = today',
      '-- param: as_of timestamp = now',
      '-- param: n integer = 10',
      '-- param: kind enum(Refund,Question) = Refund',
      '-- param: needed string',
      'SELECT 1 FROM t WHERE a = :from AND b = :to AND c = :as_of AND d = :n AND e = :kind AND f = :needed AND g = :from',
    ].join('\n'),
    'q.sql',
  );

  it('fills defaults relative to now and gives one value per placeholder, repeats included', () => {
    const bound = bindSavedQuery(query, { needed: 'x' }, NOW);
    expect(bound.sql).toBe('SELECT 1 FROM t WHERE a = ? AND b = ? AND c = ? AND d = ? AND e = ? AND f = ? AND g = ?');
    expect(bound.values.map((v) => v.value)).toEqual(['2026-11-20', '2026-11-27', '2026-11-27 14:00:00.000', 10, 'Refund', 'x', '2026-11-20']);
    expect(bound.values.map((v) => v.type)).toEqual(['date', 'date', 'timestamp', 'integer', 'enum', 'string', 'date']);
  });

  it('normalizes a timestamp given with T, Z or without seconds', () => {
    expect(bindSavedQuery(query, { needed: 'x', as_of: '2026-11-27T10:00Z' }, NOW).values[2].value).toBe('2026-11-27 10:00:00');
  });

  it.each([
    ['an unknown parameter', { needed: 'x', nope: '1' }, /has no parameter "nope"/],
    ['a missing required parameter', {}, /needs -p needed=<string>/],
    ['a date that is not a calendar day', { needed: 'x', from: '2026-02-30' }, /from: "2026-02-30" is not a date/],
    ['a date in another format', { needed: 'x', from: '27/11/2026' }, /is not a date/],
    ['an integer with a fraction', { needed: 'x', n: '1.5' }, /is not an integer/],
    ['an integer with SQL in it', { needed: 'x', n: '1; DROP TABLE t' }, /is not an integer/],
    ['a timestamp with hour 24', { needed: 'x', as_of: '2026-11-27 24:00' }, /is not a UTC timestamp/],
    ['a value outside an enum', { needed: 'x', kind: 'Other' }, /one of Refund, Question/],
  ])('refuses %s with a UsageError', (_what, raw, message) => {
    const error = (() => {
      try {
        bindSavedQuery(query, raw as Record<string, string>, NOW);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  it('parses -p options, keeping = inside values and refusing a pair without =', () => {
    expect(parseParameterOptions(['type=a=b', "q=x' OR '1'='1"])).toEqual({ type: 'a=b', q: "x' OR '1'='1" });
    expect(() => parseParameterOptions(['type'])).toThrow(UsageError);
  });

  it('names the known queries when one is not found', () => {
    expect(() => findSavedQuery(loadSavedQueries(), 'nope')).toThrow(/Unknown saved query "nope".*urgent-unassigned/);
  });
});

/** SQL that means different things on Trino and DuckDB (or exists on one only), with the reason. */
const NOT_PORTABLE: readonly [RegExp, string][] = [
  [/::/, 'x::type is DuckDB-only: write CAST(x AS type)'],
  [/\blimit\s+[?:]/i, 'a bound LIMIT: filter on row_number() instead'],
  [/\b(qualify|ilike)\b/i, 'DuckDB-only syntax'],
  [/\b(greatest|least)\s*\(/i, 'NULL arguments: Trino returns NULL, DuckDB ignores them'],
  [/\b(list_\w+|struct_pack|json_extract_string|strftime|strptime|datediff|date_format)\s*\(/i, 'a function only one engine has'],
  [/\bapprox_percentile\s*\(/i, 'approximate on Trino, exact locally: results differ on small groups; use row_number percentiles'],
  [/\b(created_at|updated_at|due_by|fr_due_by|event_time)\s*(<=|>=|<|>|=)\s*:/, 'timestamp compared with text: Trino needs CAST(:p AS timestamp)'],
  [/\w+\.(ticket_events|ticket_history|tickets_latest)\b/, 'qualified relation: saved queries refer to relations unqualified'],
];

describe('the saved queries in queries/', () => {
  const queries = loadSavedQueries();
  const withoutComments = (sql: string) => sql.replace(/--.*$/gm, '');

  it('include every question of issue 3', () => {
    expect(queries.map((q) => q.name)).toEqual(
      expect.arrayContaining([
        'recent-events',
        'refund-tickets-today',
        'urgent-unassigned',
        'tickets-created-by-day',
        'backlog',
        'agent-workload',
        'time-to-first-assignment',
        'resolution-time',
        'reopened-tickets',
        'escalations',
        'sla-due-soon',
      ]),
    );
  });

  it.each(queries.map((q) => [q.name, q]))('%s uses only SQL that means the same on Trino and DuckDB', (_name, q) => {
    const sql = withoutComments((q as SavedQuery).sql);
    for (const [pattern, reason] of NOT_PORTABLE) expect(pattern.test(sql), `${reason} in ${(q as SavedQuery).name}`).toBe(false);
    // Every division divides a double: integer division truncates on Trino and not on DuckDB.
    expect((sql.match(/\//g) ?? []).length).toBe((sql.match(/AS double\)\s*\/\s*\d+/g) ?? []).length);
    expect(sql).toMatch(/\b(ticket_events|ticket_history|tickets_latest)\b/);
  });

  // A question about the state at some day (the daily backlog) needs every earlier event: it must say so instead.
  it.each(queries.filter((q) => q.parameters.some((p) => p.type === 'date') && !/Reads every partition/.test(q.description)).map((q) => [q.name, q]))(
    '%s bounds dt so partitions are pruned',
    (_name, q) => {
      expect(withoutComments((q as SavedQuery).sql)).toMatch(/\bdt\s*(>=|=|BETWEEN)\s*:\w+/);
    },
  );

  it.each(queries.map((q) => [q.name, q]))('%s says in its description whether spam is left out, or is about events', (_name, q) => {
    expect((q as SavedQuery).description).toMatch(/spam|event/i);
  });
});

describe('saved queries on the fixture lake', () => {
  let root: string;
  let engine: LocalEngine;
  const queries = loadSavedQueries();

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'freshlake-saved-queries-'));
    engine = await LocalEngine.open({ lakeDir: writeFixtureLake(join(root, 'lake')) });
  });

  afterAll(async () => {
    await engine?.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** Runs a saved query as the CLI does (bind, then execute) and returns rows keyed by column. */
  async function run(name: string, raw: Record<string, string> = {}): Promise<Record<string, RowValue>[]> {
    const bound = bindSavedQuery(findSavedQuery(queries, name), raw, FIXTURE_NOW);
    const result = await engine.execute(bound.sql, bound.values);
    const rows: Record<string, RowValue>[] = [];
    for await (const page of result.pages) rows.push(...page.map((row) => Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]]))));
    return rows;
  }
  const ids = (rows: Record<string, RowValue>[]) => rows.map((r) => r.ticket_id);
  const WHOLE_LAKE = { from: '2026-11-24', to: '2026-11-27' };

  it('runs every saved query with its defaults', async () => {
    for (const query of queries) await expect(run(query.name), query.name).resolves.toBeInstanceOf(Array);
  });

  describe('recent-events', () => {
    it('lists the latest N events of the days read, newest first', async () => {
      // Events dated 2026-11-27: 4712 update 11:30:00, 4711 update 10:02:41, 1008 retype 09:30:01,
      // 4711 create 09:14:03, 1008 create 09:00:01, 1006 create 08:00:01. The latest 5:
      const rows = await run('recent-events', { n: '5', since: '2026-11-27' });
      expect(rows.map((r) => [r.event_time, r.ticket_id, r.detail_type])).toEqual([
        ['2026-11-27 11:30:00.000', 4712, 'onTicketUpdate'],
        ['2026-11-27 10:02:41.000', 4711, 'onTicketUpdate'],
        ['2026-11-27 09:30:01.000', 1008, 'onTicketUpdate'],
        ['2026-11-27 09:14:03.000', 4711, 'onTicketCreate'],
        ['2026-11-27 09:00:01.000', 1008, 'onTicketCreate'],
      ]);
      expect(rows[0]).toEqual({
        event_time: '2026-11-27 11:30:00.000',
        detail_type: 'onTicketUpdate',
        ticket_id: 4712,
        subject: 'Não consigo acessar minha conta',
        status_name: 'Open',
        priority_name: 'Urgent',
        channel_name: 'Chat',
        responder_id: null,
        agent_name: null,
        event_id: 'c2a4f0de-7d0e-4d52-8a43-9f5f3a1b6e07',
      });
    });

    it('shows a redelivered event once', async () => {
      // 2026-11-26 holds 9 distinct ticket events (the create of 1002 twice), 2026-11-27 six.
      const rows = await run('recent-events', { n: '100', since: '2026-11-26' });
      expect(rows).toHaveLength(15);
      expect(rows.filter((r) => r.event_id === 'e-1002-create')).toHaveLength(1);
    });
  });

  describe('refund-tickets-today', () => {
    it('lists Refund tickets created today in their latest state, spam left out', async () => {
      // Created 11-27: 1006 (Refund), 1008 (Question, retyped Refund at 09:30), 4711 (Refund), 4712 (Incident).
      expect(await run('refund-tickets-today')).toEqual([
        {
          ticket_id: 1006, subject: 'Refund my order', ticket_type: 'Refund', status_name: 'Open', priority_name: 'Medium', channel_name: 'Email',
          group_id: GROUP_BILLING, group_name: String(GROUP_BILLING), responder_id: null, agent_name: null, created_at: '2026-11-27 08:00:00.000', updated_at: '2026-11-27 08:00:00.000',
        },
        {
          ticket_id: 1008, subject: 'Cancel and refund', ticket_type: 'Refund', status_name: 'Open', priority_name: 'Low', channel_name: 'Feedback Widget',
          group_id: GROUP_TECH, group_name: String(GROUP_TECH), responder_id: null, agent_name: null, created_at: '2026-11-27 09:00:00.000', updated_at: '2026-11-27 09:30:00.000',
        },
        {
          ticket_id: 4711, subject: 'Refund for duplicate charge', ticket_type: 'Refund', status_name: 'Pending', priority_name: 'Urgent',
          channel_name: 'Email', group_id: 20000012345, group_name: '20000012345', responder_id: 20000000042, agent_name: '20000000042', created_at: '2026-11-27 09:14:02.000',
          updated_at: '2026-11-27 10:02:40.000',
        },
      ]);
    });

    it('takes another day and type', async () => {
      // Created 11-26: 1002 (Problem), 1005 (Refund, spam), 1007 (Refund).
      expect(ids(await run('refund-tickets-today', { day: '2026-11-26' }))).toEqual([1007]);
      expect(ids(await run('refund-tickets-today', { day: '2026-11-27', type: 'Incident' }))).toEqual([4712]);
    });

    it("treats -p type=\"x' OR '1'='1\" as data: it matches nothing", async () => {
      expect(await run('refund-tickets-today', parseParameterOptions(["type=x' OR '1'='1"]))).toEqual([]);
      expect(await run('refund-tickets-today', { type: "Refund' --" })).toEqual([]);
    });
  });

  describe('urgent-unassigned', () => {
    it('lists tickets urgent and unassigned in their LATEST state only, oldest first', async () => {
      // 1001 was urgent and unassigned, then assigned: gone. 1011 is resolved, 1005 is spam,
      // 4711 got a responder. Left: 1002 (Pending) and 4712 (Open, the payload variant).
      expect(await run('urgent-unassigned')).toEqual([
        {
          ticket_id: 1002, subject: 'Invoices missing', status_name: 'Pending', channel_name: 'Email', group_id: GROUP_TECH, group_name: String(GROUP_TECH), requester_id: 30000001002,
          created_at: '2026-11-26 07:00:00.000', updated_at: '2026-11-26 12:00:00.000', due_by: '2026-11-27 15:00:00.000',
        },
        {
          ticket_id: 4712, subject: 'Não consigo acessar minha conta', status_name: 'Open', channel_name: 'Chat', group_id: 20000012346, group_name: '20000012346',
          requester_id: 20000098766, created_at: '2026-11-27 11:00:00.000', updated_at: '2026-11-27 11:29:59.000', due_by: '2026-11-28 11:00:00.000',
        },
      ]);
    });
  });

  describe('tickets-created-by-day', () => {
    it('counts tickets per creation day, type (latest) and channel, spam left out', async () => {
      expect((await run('tickets-created-by-day', WHOLE_LAKE)).map((r) => [r.created_day, r.ticket_type, r.channel_name, r.tickets])).toEqual([
        ['2026-11-24', 'Incident', 'Phone', 1], // 1010
        ['2026-11-24', 'Problem', 'Email', 1], // 1009
        ['2026-11-24', 'Question', 'Portal', 1], // 1003
        ['2026-11-25', 'Incident', 'Chat', 1], // 1004
        ['2026-11-25', 'Incident', 'Phone', 1], // 1001
        ['2026-11-25', 'Question', 'Portal', 1], // 1011
        ['2026-11-26', 'Problem', 'Email', 1], // 1002 (its create delivered twice); 1005 is spam
        ['2026-11-26', 'Refund', 'Portal', 1], // 1007
        ['2026-11-27', 'Incident', 'Chat', 1], // 4712
        ['2026-11-27', 'Refund', 'Email', 2], // 1006, 4711
        ['2026-11-27', 'Refund', 'Feedback Widget', 1], // 1008, retyped from Question
      ]);
    });

    it('keeps to the days asked for', async () => {
      expect(await run('tickets-created-by-day', { from: '2026-11-26', to: '2026-11-26' })).toEqual([
        { created_day: '2026-11-26', ticket_type: 'Problem', channel_name: 'Email', tickets: 1 },
        { created_day: '2026-11-26', ticket_type: 'Refund', channel_name: 'Portal', tickets: 1 },
      ]);
    });
  });

  describe('backlog', () => {
    it('counts Open and Pending tickets by priority and group, whatever their creation day', async () => {
      // Latest Open/Pending, not spam: 1001 O Urgent 501; 1002 P Urgent 502; 4711 P Urgent; 4712 O Urgent;
      // 1009 O High 501 (raised from Medium); 1004 O High 502 (reopened; the late Pending update is older);
      // 1006 O + 1007 P Medium 501; 1008 O Low 502. Not: 1003 Closed, 1010/1011 Resolved, 1005 spam.
      expect((await run('backlog')).map((r) => [r.priority_name, r.group_id, r.open_tickets, r.pending_tickets, r.total_tickets, r.oldest_created_at])).toEqual([
        ['Urgent', GROUP_BILLING, 1, 0, 1, '2026-11-25 08:00:00.000'],
        ['Urgent', GROUP_TECH, 0, 1, 1, '2026-11-26 07:00:00.000'],
        ['Urgent', 20000012345, 0, 1, 1, '2026-11-27 09:14:02.000'],
        ['Urgent', 20000012346, 1, 0, 1, '2026-11-27 11:00:00.000'],
        ['High', GROUP_BILLING, 1, 0, 1, '2026-11-24 09:00:00.000'],
        ['High', GROUP_TECH, 1, 0, 1, '2026-11-25 11:00:00.000'],
        ['Medium', GROUP_BILLING, 1, 1, 2, '2026-11-26 16:00:00.000'],
        ['Low', GROUP_TECH, 1, 0, 1, '2026-11-27 09:00:00.000'],
      ]);
    });
  });

  describe('agent-workload', () => {
    it('counts unresolved tickets per responder, the unassigned backlog as responder NULL; names fall back to the id', async () => {
      // Unassigned: 1002 P (Urgent), 1006 O, 1008 O, 4712 O (Urgent). Anna: 1001 O (Urgent), 1004 O.
      // Bob: 1007 P, 1009 O. 20000000042: 4711 P (Urgent). No agents are synced: the ids stand in for names.
      const workload = { custom_status_tickets: 0 };
      expect(await run('agent-workload')).toEqual([
        { responder_id: null, agent_name: null, open_tickets: 3, pending_tickets: 1, ...workload, total_tickets: 4, urgent_tickets: 2, oldest_created_at: '2026-11-26 07:00:00.000' },
        { responder_id: AGENT_ANNA, agent_name: String(AGENT_ANNA), open_tickets: 2, pending_tickets: 0, ...workload, total_tickets: 2, urgent_tickets: 1, oldest_created_at: '2026-11-25 08:00:00.000' },
        { responder_id: AGENT_BOB, agent_name: String(AGENT_BOB), open_tickets: 1, pending_tickets: 1, ...workload, total_tickets: 2, urgent_tickets: 0, oldest_created_at: '2026-11-24 09:00:00.000' },
        { responder_id: 20000000042, agent_name: '20000000042', open_tickets: 0, pending_tickets: 1, ...workload, total_tickets: 1, urgent_tickets: 1, oldest_created_at: '2026-11-27 09:14:02.000' },
      ]);
    });
  });

  describe('time-to-first-assignment', () => {
    it('gives exact p50/p90 hours by latest priority, never-assigned tickets and tickets without their create event apart', async () => {
      // Urgent: 1001 1.5 h, 4711 48 min 38 s = 0.81 h, 1002/1011 never: sorted [0.81, 1.5];
      //   p50 = rank ceil(0.5*2)=1 -> 0.81, p90 = rank ceil(0.9*2)=2 -> 1.5. 4712 has only an update
      //   event: when it was first assigned is unknown, so it is history_incomplete, not "never".
      // High: 1004 0 h and 1009 0 h (assigned at creation), 1010 1 h: p50 rank 2 -> 0, p90 rank 3 -> 1.
      // Medium: 1007 2.5 h, 1006 never. Low: 1003 0 h, 1008 never. 1005 is spam.
      expect(await run('time-to-first-assignment', WHOLE_LAKE)).toEqual([
        { priority_name: 'Urgent', tickets: 4, assigned_tickets: 2, never_assigned: 2, history_incomplete: 1, p50_hours: 0.81, p90_hours: 1.5 },
        { priority_name: 'High', tickets: 3, assigned_tickets: 3, never_assigned: 0, history_incomplete: 0, p50_hours: 0, p90_hours: 1 },
        { priority_name: 'Medium', tickets: 2, assigned_tickets: 1, never_assigned: 1, history_incomplete: 0, p50_hours: 2.5, p90_hours: 2.5 },
        { priority_name: 'Low', tickets: 2, assigned_tickets: 1, never_assigned: 1, history_incomplete: 0, p50_hours: 0, p90_hours: 0 },
      ]);
    });

    it('counts only tickets created in the range', async () => {
      // Created 11-27: 1006 (Medium, never), 1008 (Low, never), 4711 (Urgent, 0.81 h), 4712 (Urgent, no create event).
      expect(await run('time-to-first-assignment', { from: '2026-11-27', to: '2026-11-27' })).toEqual([
        { priority_name: 'Urgent', tickets: 1, assigned_tickets: 1, never_assigned: 0, history_incomplete: 1, p50_hours: 0.81, p90_hours: 0.81 },
        { priority_name: 'Medium', tickets: 1, assigned_tickets: 0, never_assigned: 1, history_incomplete: 0, p50_hours: null, p90_hours: null },
        { priority_name: 'Low', tickets: 1, assigned_tickets: 0, never_assigned: 1, history_incomplete: 0, p50_hours: null, p90_hours: null },
      ]);
    });
  });

  describe('resolution-time', () => {
    it('gives exact p50/p90 hours to the first Resolved/Closed event by latest priority', async () => {
      // Urgent: 1011 resolved after 2 h; 1001, 1002, 4711 not; 4712 has no create event and no stats:
      // history_incomplete. High: 1004 closed after 2 h (the reopen does not matter: first resolution),
      // 1010 after 6 h, 1009 not: p50 rank 1 -> 2, p90 rank 2 -> 6.
      // Medium: 1006, 1007 not. Low: 1003 after 5 h, 1008 not.
      expect(await run('resolution-time', WHOLE_LAKE)).toEqual([
        { priority_name: 'Urgent', tickets: 4, resolved_tickets: 1, unresolved: 3, history_incomplete: 1, p50_hours: 2, p90_hours: 2 },
        { priority_name: 'High', tickets: 3, resolved_tickets: 2, unresolved: 1, history_incomplete: 0, p50_hours: 2, p90_hours: 6 },
        { priority_name: 'Medium', tickets: 2, resolved_tickets: 0, unresolved: 2, history_incomplete: 0, p50_hours: null, p90_hours: null },
        { priority_name: 'Low', tickets: 2, resolved_tickets: 1, unresolved: 1, history_incomplete: 0, p50_hours: 5, p90_hours: 5 },
      ]);
    });
  });

  describe('reopened-tickets', () => {
    it('finds reopens from changes.status and from consecutive events ordered by updated_at', async () => {
      // 1003: changes.status [4, 2] on 11-25 09:00. 1004: Closed (updated 11-25 13:00), then Open
      // (11-26 09:00) with no changes; the late Pending update (updated 11-25 12:00) sorts before the close.
      expect(await run('reopened-tickets', WHOLE_LAKE)).toEqual([
        {
          reopened_at: '2026-11-25 09:00:00.000', ticket_id: 1003, reopened_from: 'Resolved', reopened_as: 'Open', priority_name: 'Low',
          group_id: GROUP_BILLING, group_name: String(GROUP_BILLING), responder_id: AGENT_BOB, agent_name: String(AGENT_BOB), subject: 'How do I export?',
          seen_in: 'event', event_id: 'e-1003-reopen',
        },
        {
          reopened_at: '2026-11-26 09:00:00.000', ticket_id: 1004, reopened_from: 'Closed', reopened_as: 'Open', priority_name: 'High',
          group_id: GROUP_TECH, group_name: String(GROUP_TECH), responder_id: AGENT_ANNA, agent_name: String(AGENT_ANNA), subject: 'App crashes on login',
          seen_in: 'event', event_id: 'e-1004-reopen',
        },
      ]);
    });

    it('keeps to the days asked for', async () => {
      expect(await run('reopened-tickets', { from: '2026-11-24', to: '2026-11-24' })).toEqual([]);
      expect(ids(await run('reopened-tickets', { from: '2026-11-25', to: '2026-11-25' }))).toEqual([1003]);
    });
  });

  describe('escalations', () => {
    it('finds SLA flags turning true and priority raises', async () => {
      // 1009: is_escalated false -> true at 11-25 09:05 (no changes key: from the previous event);
      //   priority 2 -> 3 at 11-26 09:00 (changes.priority), still escalated (not a new escalation).
      // 4711: priority 2 -> 4 at 10:02:40, its changes have no priority key: from the previous event.
      // 4712: first event, created in the range, fr_escalated true and changes.priority [3, 4].
      expect((await run('escalations', WHOLE_LAKE)).map((r) => [r.escalated_at, r.ticket_id, r.escalation, r.priority_name])).toEqual([
        ['2026-11-25 09:05:00.000', 1009, 'Resolution SLA escalated', 'Medium'],
        ['2026-11-26 09:00:00.000', 1009, 'Priority raised', 'High'],
        ['2026-11-27 10:02:40.000', 4711, 'Priority raised', 'Urgent'],
        ['2026-11-27 11:29:59.000', 4712, 'First response SLA escalated', 'Urgent'],
        ['2026-11-27 11:29:59.000', 4712, 'Priority raised', 'Urgent'],
      ]);
    });

    it('does not count a ticket already escalated before the range as escalated in it', async () => {
      // From 11-26, 1009's first event is already escalated and it was created on 11-24: unknown before,
      // so no SLA escalation; its priority raise is in changes and counts.
      expect((await run('escalations', { from: '2026-11-26', to: '2026-11-27' })).map((r) => [r.ticket_id, r.escalation])).toEqual([
        [1009, 'Priority raised'],
        [4711, 'Priority raised'],
        [4712, 'First response SLA escalated'],
        [4712, 'Priority raised'],
      ]);
    });
  });

  describe('sla-due-soon', () => {
    it('lists open tickets due in the next N hours after now, the window end excluded', async () => {
      // Window [14:00, 18:00): 1002 due 15:00. 1006 is due at 18:00 (excluded), 1008 at 12:30 (overdue),
      // 1011 at 14:30 (resolved), 1005 at 13:30 (spam).
      expect(await run('sla-due-soon')).toEqual([
        {
          ticket_id: 1002, subject: 'Invoices missing', priority_name: 'Urgent', status_name: 'Pending', group_id: GROUP_TECH, group_name: String(GROUP_TECH),
          responder_id: null, agent_name: null, due_by: '2026-11-27 15:00:00.000', hours_left: 1,
        },
      ]);
    });

    it('takes the moment and the window, the window start included', async () => {
      // Window [12:30, 18:30): 1008 due 12:30 (0 h left), 1011 resolved, 1002 15:00, 1006 18:00.
      expect((await run('sla-due-soon', { as_of: '2026-11-27 12:30', hours: '6' })).map((r) => [r.ticket_id, r.hours_left])).toEqual([
        [1008, 0],
        [1002, 2.5],
        [1006, 5.5],
      ]);
    });
  });
});
