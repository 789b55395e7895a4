import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DIMENSION_NAMES,
  DIMENSION_TABLES,
  agentRow,
  dimensionObjectKey,
  dimensionRowsFromApi,
  dimensionTableDdl,
  encodeDimensionSnapshot,
  readDimensionSnapshot,
  ticketStatusRows,
  writeDimensionSnapshot,
} from '../lib/dimensions';
import type { QueryResult, RowValue } from '../lib/engines/engine';
import { LocalEngine } from '../lib/engines/local-engine';
import { eventsPartitionPrefix } from '../lib/lake-layout';
import { ticketSnapshotRecord } from '../lib/ticket-snapshot';

/** Answers as the Freshdesk API v2 gives them (the fields a sync sees). */
const API = {
  agents: [
    {
      id: 23000000104,
      type: 'support_agent',
      occasional: false,
      available: true,
      contact: { name: 'Dana Whitfield', email: 'dana@example.com', phone: '+1 555 0100', mobile: null, active: true },
      created_at: '2025-01-01T00:00:00Z',
      updated_at: '2026-11-01T00:00:00Z',
    },
    { id: 23000000105, type: 'support_agent', occasional: true, contact: { name: 'Luis Ortega', email: 'luis@example.com', active: true } },
  ],
  groups: [
    { id: 501, name: 'Billing', description: 'Invoices and refunds', business_hour_id: 77, escalate_to: 23000000104, unassigned_for: '30m' },
    { id: 502, name: 'Tech', description: null, business_hour_id: null, escalate_to: null, unassigned_for: null },
  ],
  ticketFields: [
    {
      id: 1,
      name: 'status',
      label: 'Status',
      label_for_customers: 'Status',
      type: 'default_status',
      default: true,
      position: 3,
      required_for_agents: true,
      choices: {
        '2': ['Open', 'Being Processed'],
        '3': ['Pending', 'Awaiting your Reply'],
        '4': ['Resolved', 'This ticket has been Resolved'],
        '5': ['Closed', 'This ticket has been Closed'],
        '6': ['Waiting on Customer', 'Awaiting your Reply'],
        '7': ['Waiting on Third Party', 'Being Processed'],
      },
    },
    { id: 2, name: 'priority', label: 'Priority', type: 'default_priority', default: true, position: 4, choices: { Low: 1, Medium: 2, High: 3, Urgent: 4 } },
    { id: 9, name: 'cf_plan', label: 'Plan', label_for_customers: 'Your plan', type: 'custom_dropdown', default: false, position: 9, choices: ['Free', 'Pro'] },
  ],
  businessHours: [{ id: 77, name: 'EU office', is_default: true, time_zone: 'Amsterdam', business_hours: { monday: { start_time: '9:00 am', end_time: '5:00 pm' } } }],
  slaPolicies: [
    {
      id: 5,
      name: 'Default SLA',
      is_default: true,
      active: true,
      position: 1,
      sla_target: { priority_4: { respond_within: 3600, resolve_within: 14400, business_hours: false, escalation_enabled: true } },
      applicable_to: {},
      escalation: { response: { escalation_time: 0, agent_ids: [-1] } },
    },
  ],
};

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'freshlake-dimensions-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function rowsOf(result: QueryResult): Promise<RowValue[][]> {
  const rows: RowValue[][] = [];
  for await (const page of result.pages) rows.push(...page);
  return rows;
}

async function query(engine: LocalEngine, sql: string): Promise<RowValue[][]> {
  return rowsOf(await engine.execute(sql, []));
}

describe('dimension rows from the API', () => {
  it('keeps only the agent name of a contact: no email, phone or mobile reaches a row', () => {
    const row = agentRow(API.agents[0]);
    expect(row).toEqual({
      agent_id: 23000000104,
      agent_name: 'Dana Whitfield',
      agent_type: 'support_agent',
      occasional: false,
      active: true,
      created_at: '2025-01-01T00:00:00Z',
      updated_at: '2026-11-01T00:00:00Z',
    });
    expect(JSON.stringify(dimensionRowsFromApi(API))).not.toMatch(/dana@example\.com|555 0100|luis@example\.com/);
  });

  it('reads the status choices, agent label first, custom statuses (codes above 5) marked', () => {
    expect(ticketStatusRows(API.ticketFields)).toEqual([
      { status: 2, status_name: 'Open', customer_status_name: 'Being Processed', is_custom: false },
      { status: 3, status_name: 'Pending', customer_status_name: 'Awaiting your Reply', is_custom: false },
      { status: 4, status_name: 'Resolved', customer_status_name: 'This ticket has been Resolved', is_custom: false },
      { status: 5, status_name: 'Closed', customer_status_name: 'This ticket has been Closed', is_custom: false },
      { status: 6, status_name: 'Waiting on Customer', customer_status_name: 'Awaiting your Reply', is_custom: true },
      { status: 7, status_name: 'Waiting on Third Party', customer_status_name: 'Being Processed', is_custom: true },
    ]);
  });

  it('gives no status rows when the answer has no status field (the views fall back to code names)', () => {
    expect(ticketStatusRows(API.ticketFields.filter((f) => f.name !== 'status'))).toEqual([]);
  });

  it('leaves out a table whose endpoint was not fetched (plan without SLA policies), so its old snapshot stays', () => {
    const rows = dimensionRowsFromApi({ agents: API.agents, groups: API.groups, ticketFields: API.ticketFields });
    expect(Object.keys(rows).sort()).toEqual(['agents', 'groups', 'ticket_fields', 'ticket_statuses']);
  });

  it('refuses an API object without a numeric id, naming what it was', () => {
    expect(() => agentRow({ contact: { name: 'x' } })).toThrow(/Freshdesk agent without a numeric id/);
  });
});

describe('dimension snapshots in the lake', () => {
  it('stores gzip JSON lines of the declared columns only, JSON-text columns as text', () => {
    const rows = dimensionRowsFromApi(API);
    const encoded = encodeDimensionSnapshot('ticket_fields', rows.ticket_fields!);
    expect(encoded.key).toBe('dimensions/ticket_fields/ticket_fields.gz');
    const lines = gunzipSync(encoded.body).toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    expect(Object.keys(lines[0])).toEqual(DIMENSION_TABLES.ticket_fields.columns.map((c) => c.name));
    expect(JSON.parse(lines[2].choices as string)).toEqual(['Free', 'Pro']);
    expect(lines[2]).toMatchObject({ name: 'cf_plan', label: 'Plan', is_custom: true });
    const policy = encodeDimensionSnapshot('sla_policies', rows.sla_policies!);
    const [stored] = gunzipSync(policy.body).toString('utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(JSON.parse(stored.policy_json as string)).toEqual(API.slaPolicies[0]);
  });

  it('keeps one row per key, the last one given', () => {
    const encoded = encodeDimensionSnapshot('groups', [
      { group_id: 1, group_name: 'Old name' },
      { group_id: 1, group_name: 'New name' },
    ]);
    expect(encoded.rows).toBe(1);
    expect(gunzipSync(encoded.body).toString('utf8')).toContain('New name');
  });

  it.each([
    ['a row without its key', [{ group_name: 'No id' }], /groups row 1 has no group_id/],
    ['a text id', [{ group_id: '501', group_name: 'Billing' }], /groups row 1, column group_id: expected an integer/],
    ['an object where text belongs', [{ group_id: 1, group_name: { en: 'x' } }], /column group_name: expected text/],
  ])('refuses %s', (_case, rows, message) => {
    expect(() => encodeDimensionSnapshot('groups', rows)).toThrow(message);
  });

  it('replaces the previous snapshot: the new rows only, one file, no temporary left behind', () => {
    const lake = join(root, 'replace');
    writeDimensionSnapshot(lake, 'agents', [agentRow(API.agents[0]), agentRow(API.agents[1])]);
    // A stray file from another writer in the table's folder is not part of the snapshot.
    writeFileSync(join(lake, 'dimensions/agents/stray.gz'), gzipSync('{"agent_id":1}\n'));
    const written = writeDimensionSnapshot(lake, 'agents', [agentRow(API.agents[1])]);
    expect(written).toEqual({ path: join(lake, dimensionObjectKey('agents')), rows: 1 });
    expect(readdirSync(join(lake, 'dimensions/agents'))).toEqual(['agents.gz']);
    expect(readDimensionSnapshot(lake, 'agents')?.map((r) => r.agent_name)).toEqual(['Luis Ortega']);
    expect(readDimensionSnapshot(lake, 'groups')).toBeUndefined();
  });

  it('leaves the previous snapshot in place when the new rows are invalid', () => {
    const lake = join(root, 'invalid');
    writeDimensionSnapshot(lake, 'groups', [{ group_id: 501, group_name: 'Billing' }]);
    expect(() => writeDimensionSnapshot(lake, 'groups', [{ group_id: null }])).toThrow(/no group_id/);
    expect(readDimensionSnapshot(lake, 'groups')).toEqual([
      { group_id: 501, group_name: 'Billing', description: null, business_hour_id: null, escalate_to: null, unassigned_for: null, created_at: null, updated_at: null },
    ]);
  });

  it('renders Athena DDL for each table from the same columns', () => {
    for (const name of DIMENSION_NAMES) {
      const ddl = dimensionTableDdl(DIMENSION_TABLES[name], 's3://bucket');
      expect(ddl).toContain(`CREATE EXTERNAL TABLE IF NOT EXISTS \`${name}\` (`);
      expect(ddl).toContain(`LOCATION 's3://bucket/dimensions/${name}/'`);
      for (const c of DIMENSION_TABLES[name].columns) expect(ddl).toContain(`\`${c.name}\` ${c.type.hive}`);
    }
  });
});

const SOURCE = 'aws.partner/freshworks.com/1342406/freshdesk';

/** A partner event of ticket `id` (no stats, no deleted key), as the EventBridge app sends it. */
function partnerEvent(eventId: string, ticket: Record<string, unknown>): Record<string, unknown> {
  return { version: '0', id: eventId, 'detail-type': 'onTicketUpdate', source: SOURCE, time: ticket.updated_at, region: 'us-east-1', resources: [], detail: { ticket } };
}

const baseTicket = { subject: 'x', priority: 2, source: 1, type: 'Question', spam: false, created_at: '2026-11-20T08:00:00Z', requester_id: 7 };

/** One lake: events and snapshots of five tickets, written into the day partitions of their time. */
function writeLake(lake: string): void {
  const records = [
    // 1: an event, then a newer snapshot in a custom status (6) with stats: the snapshot is the latest state.
    partnerEvent('e-1', { ...baseTicket, id: 1, status: 2, group_id: 501, responder_id: 23000000104, updated_at: '2026-11-21T09:00:00Z' }),
    ticketSnapshotRecord(
      {
        ...baseTicket,
        id: 1,
        status: 6,
        group_id: 501,
        responder_id: 23000000104,
        updated_at: '2026-11-22T09:00:00Z',
        stats: { first_responded_at: '2026-11-20T09:30:00Z', resolved_at: null, closed_at: null, reopened_at: '2026-11-21T12:00:00Z' },
      },
      { source: SOURCE },
    ),
    // 2: a snapshot older than its latest event: the event is the latest state.
    ticketSnapshotRecord({ ...baseTicket, id: 2, status: 2, group_id: 502, responder_id: null, updated_at: '2026-11-21T10:00:00Z' }, { source: SOURCE }),
    partnerEvent('e-2', { ...baseTicket, id: 2, status: 3, group_id: 502, responder_id: 23000000105, updated_at: '2026-11-22T10:00:00Z' }),
    // 3: deleted in Freshdesk (filter=deleted snapshot newer than its event).
    partnerEvent('e-3', { ...baseTicket, id: 3, status: 2, group_id: 501, responder_id: null, updated_at: '2026-11-21T11:00:00Z' }),
    ticketSnapshotRecord({ ...baseTicket, id: 3, status: 2, group_id: 501, responder_id: null, updated_at: '2026-11-22T11:00:00Z', deleted: true }, { source: SOURCE }),
    // 4: spam.
    ticketSnapshotRecord({ ...baseTicket, id: 4, status: 2, group_id: 501, responder_id: null, spam: true, updated_at: '2026-11-22T12:00:00Z' }, { source: SOURCE }),
    // 5: an agent and a group no dimension knows (deleted agent): the ids show as text.
    ticketSnapshotRecord({ ...baseTicket, id: 5, status: 9, group_id: 999, responder_id: 888, updated_at: '2026-11-22T13:00:00Z' }, { source: SOURCE }),
  ];
  const byDay = new Map<string, string[]>();
  for (const r of records) {
    const day = String(r.time).slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), JSON.stringify(r)]);
  }
  for (const [day, lines] of byDay) {
    mkdirSync(join(lake, eventsPartitionPrefix(day)), { recursive: true });
    writeFileSync(join(lake, eventsPartitionPrefix(day), 'part-0.gz'), gzipSync(lines.map((l) => `${l}\n`).join('')));
  }
}

const LATEST_SQL = 'SELECT ticket_id, status, status_name, group_name, agent_name FROM tickets_latest ORDER BY ticket_id';

describe('dimension relations and names on the local engine', () => {
  it('serves every dimension relation empty, with its columns, on a lake never synced; names fall back to codes and ids', async () => {
    const lake = join(root, 'unsynced');
    writeLake(lake);
    const engine = await LocalEngine.open({ lakeDir: lake, cache: false });
    try {
      for (const name of DIMENSION_NAMES) {
        const result = await engine.execute(`SELECT * FROM ${name}`, []);
        expect(result.columns.map((c) => c.name)).toEqual(DIMENSION_TABLES[name].columns.map((c) => c.name));
        expect(await rowsOf(result)).toEqual([]);
      }
      expect(await query(engine, LATEST_SQL)).toEqual([
        [1, 6, 'Status 6', '501', '23000000104'],
        [2, 3, 'Pending', '502', '23000000105'],
        [5, 9, 'Status 9', '999', '888'],
      ]);
    } finally {
      await engine.close();
    }
  });

  it('shows agent, group and custom status names once the dimensions are synced; unknown ids stay ids', async () => {
    const lake = join(root, 'synced');
    writeLake(lake);
    for (const [name, rows] of Object.entries(dimensionRowsFromApi(API))) writeDimensionSnapshot(lake, name as never, rows);
    const engine = await LocalEngine.open({ lakeDir: lake, cache: false });
    try {
      expect(await query(engine, LATEST_SQL)).toEqual([
        [1, 6, 'Waiting on Customer', 'Billing', 'Dana Whitfield'],
        [2, 3, 'Pending', 'Tech', 'Luis Ortega'],
        [5, 9, 'Status 9', '999', '888'],
      ]);
      expect(await query(engine, 'SELECT agent_name FROM tickets_latest WHERE responder_id IS NULL')).toEqual([]);
      expect(await query(engine, "SELECT sla_policy_name, json_extract_scalar(sla_target, '$.priority_4.respond_within') FROM sla_policies")).toEqual([['Default SLA', '3600']]);
    } finally {
      await engine.close();
    }
  });

  it('keeps spam and deleted tickets in ticket_latest_state and out of tickets_latest', async () => {
    const lake = join(root, 'synced');
    const engine = await LocalEngine.open({ lakeDir: lake, cache: false });
    try {
      expect(await query(engine, 'SELECT ticket_id, spam, deleted FROM ticket_latest_state ORDER BY ticket_id')).toEqual([
        [1, false, false],
        [2, false, false],
        [3, false, true],
        [4, true, false],
        [5, false, false],
      ]);
      expect(await query(engine, 'SELECT count(*) FROM tickets_latest WHERE ticket_id IN (3, 4)')).toEqual([[0]]);
    } finally {
      await engine.close();
    }
  });

  it('reads the stats timestamps of a snapshot into ticket_history (NULL on partner events) and tells the two apart', async () => {
    const engine = await LocalEngine.open({ lakeDir: join(root, 'synced'), cache: false });
    try {
      const rows = await query(
        engine,
        "SELECT event_id, detail_type, CAST(first_responded_at AS varchar), CAST(reopened_at AS varchar), resolved_at, closed_at, deleted FROM ticket_history WHERE ticket_id = 1 ORDER BY updated_at",
      );
      expect(rows).toEqual([
        ['e-1', 'onTicketUpdate', null, null, null, null, false],
        ['snapshot-1-2026-11-22T09:00:00Z', 'freshlake.ticketSnapshot', '2026-11-20 09:30:00', '2026-11-21 12:00:00', null, null, false],
      ]);
    } finally {
      await engine.close();
    }
  });

  it('reads a snapshot replaced while the lake is in use by the next engine opened', async () => {
    const lake = join(root, 'synced');
    writeDimensionSnapshot(lake, 'groups', [{ group_id: 501, group_name: 'Billing & Refunds' }, { group_id: 502, group_name: 'Tech' }]);
    const engine = await LocalEngine.open({ lakeDir: lake, cache: false });
    try {
      expect(await query(engine, 'SELECT group_name FROM tickets_latest WHERE ticket_id = 1')).toEqual([['Billing & Refunds']]);
    } finally {
      await engine.close();
    }
    expect(existsSync(join(lake, 'dimensions/groups/groups.gz'))).toBe(true);
    expect(readFileSync(join(lake, 'dimensions/groups/groups.gz')).length).toBeGreaterThan(0);
  });
});
