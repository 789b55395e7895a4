import { describe, expect, it } from 'vitest';
import type { Table } from '@aws-sdk/client-glue';
import { hiveTypeDifferences, parseHiveType, renderHiveType, ticketEventsTableDrift, viewDrift } from '../lib/glue-drift';
import { TICKET_EVENT_COLUMNS } from '../lib/schema';
import { LAKE_VIEWS } from '../lib/views';
import { deployedTicketEventsTable, deployedView, FIXTURE_LOCATION } from './glue-drift-fixture';

function drifted(change: (table: Table) => void): string[] {
  const table = structuredClone(deployedTicketEventsTable());
  change(table);
  return ticketEventsTableDrift(table, { expectedLocation: FIXTURE_LOCATION });
}

const column = (table: Table, name: string) => table.StorageDescriptor!.Columns!.find((c) => c.Name === name)!;

describe('parseHiveType', () => {
  it('round-trips every column type of the schema definition', () => {
    for (const c of TICKET_EVENT_COLUMNS) expect(renderHiveType(parseHiveType(c.type.hive))).toBe(c.type.hive);
  });

  it('reads spaces, upper case, maps, decimals and the Trino spellings Athena writes for views', () => {
    expect(parseHiveType('STRUCT< a : INT, b : map<string, array<bigint>> >')).toEqual({
      kind: 'struct',
      fields: [
        { name: 'a', type: { kind: 'primitive', name: 'int' } },
        { name: 'b', type: { kind: 'map', key: { kind: 'primitive', name: 'string' }, value: { kind: 'array', element: { kind: 'primitive', name: 'bigint' } } } },
      ],
    });
    expect(renderHiveType(parseHiveType('decimal(10,2)'))).toBe('decimal(10,2)');
    expect(renderHiveType(parseHiveType('timestamp(3)'))).toBe('timestamp');
    expect(renderHiveType(parseHiveType('integer'))).toBe('int');
    expect(renderHiveType(parseHiveType('varchar'))).toBe('string');
  });

  it.each(['struct<a:int', 'array<>', 'struct<a>', 'int>'])('rejects %s', (text) => {
    expect(() => parseHiveType(text)).toThrow(/Bad Hive type/);
  });

  it('names the nested field that differs', () => {
    expect(hiveTypeDifferences('detail', parseHiveType('struct<ticket:struct<id:string,tags:array<int>>>'), parseHiveType('struct<ticket:struct<id:bigint,tags:array<string>>>'))).toEqual([
      'detail.ticket.id is string, expected bigint',
      'detail.ticket.tags[] is int, expected string',
    ]);
  });
});

describe('ticketEventsTableDrift', () => {
  it('finds nothing in a table deployed from the schema definition', () => {
    expect(ticketEventsTableDrift(deployedTicketEventsTable(), { expectedLocation: FIXTURE_LOCATION })).toEqual([]);
  });

  it('tolerates parameters Glue and Athena add, and a different projection start day', () => {
    expect(
      drifted((t) => {
        t.Parameters = { ...t.Parameters, EXTERNAL: 'TRUE', transient_lastDdlTime: '1700000000', 'projection.dt.range': '2021-06-01,NOW' };
        t.StorageDescriptor!.SerdeInfo!.Parameters!['serialization.format'] = '1';
      }),
    ).toEqual([]);
  });

  it.each<[string, (t: Table) => void, string[]]>([
    ['a column with another type', (t) => (column(t, 'time').Type = 'timestamp'), ['column time is timestamp, expected string']],
    ['a missing column', (t) => (t.StorageDescriptor!.Columns = t.StorageDescriptor!.Columns!.filter((c) => c.Name !== 'region')), ['column region is missing (expected string)']],
    ['an extra column', (t) => t.StorageDescriptor!.Columns!.push({ Name: 'detail_type_raw', Type: 'string' }), ['column detail_type_raw (string) is not in the schema definition']],
    [
      'a nested ticket field with another type',
      (t) => (column(t, 'detail').Type = column(t, 'detail').Type!.replace('responder_id:bigint', 'responder_id:string')),
      ['column detail.ticket.responder_id is string, expected bigint'],
    ],
    ['the detail-type mapping removed', (t) => delete t.StorageDescriptor!.SerdeInfo!.Parameters!['mapping.detail_type'], ['SerDe parameter mapping.detail_type is missing (expected "detail-type")']],
    ['the detail-type mapping changed', (t) => (t.StorageDescriptor!.SerdeInfo!.Parameters!['mapping.detail_type'] = 'detail_type'), ['SerDe parameter mapping.detail_type is "detail_type", expected "detail-type"']],
    ['an extra SerDe mapping', (t) => (t.StorageDescriptor!.SerdeInfo!.Parameters!['mapping.ts'] = 'time'), ['SerDe parameter mapping.ts="time" is not in the schema definition']],
    [
      'another SerDe library',
      (t) => (t.StorageDescriptor!.SerdeInfo!.SerializationLibrary = 'org.apache.hive.hcatalog.data.JsonSerDe'),
      ['SerDe library is org.apache.hive.hcatalog.data.JsonSerDe, expected org.openx.data.jsonserde.JsonSerDe'],
    ],
    ['the partition key typed as a date', (t) => (t.PartitionKeys![0].Type = 'date'), ['partition key dt is date, expected string']],
    ['no partition keys', (t) => (t.PartitionKeys = []), ['partition key dt is missing (expected string)']],
    ['projection turned off', (t) => (t.Parameters!['projection.enabled'] = 'false'), ['table parameter projection.enabled is "false", expected "true"']],
    ['a projection format that does not match the dt values', (t) => (t.Parameters!['projection.dt.format'] = 'yyyy/MM/dd'), ['table parameter projection.dt.format is "yyyy/MM/dd", expected "yyyy-MM-dd"']],
    ['a projection range without NOW', (t) => (t.Parameters!['projection.dt.range'] = '2024-01-01,2025-01-01'), ['table parameter projection.dt.range is "2024-01-01,2025-01-01", expected "<YYYY-MM-DD>,NOW"']],
    [
      'a location template pointing elsewhere',
      (t) => (t.Parameters!['storage.location.template'] = 's3://other/events/dt=${dt}/'),
      [`table parameter storage.location.template is "s3://other/events/dt=\${dt}/", expected "${FIXTURE_LOCATION}dt=\${dt}/"`],
    ],
    ['another location', (t) => (t.StorageDescriptor!.Location = 's3://other-bucket/events/'), ['location is s3://other-bucket/events/, expected s3://freshlake-data-123456/events/']],
  ])('reports %s on one line', (_label, change, expected) => {
    expect(drifted(change)).toEqual(expected);
  });

  it('accepts the location without its trailing slash', () => {
    expect(drifted((t) => (t.StorageDescriptor!.Location = FIXTURE_LOCATION.slice(0, -1)))).toEqual([]);
  });
});

describe('viewDrift', () => {
  const history = LAKE_VIEWS.find((v) => v.name === 'ticket_history')!;
  const latest = LAKE_VIEWS.find((v) => v.name === 'tickets_latest')!;

  it('finds nothing in views deployed from lib/views.ts', () => {
    for (const view of LAKE_VIEWS) expect(viewDrift(view, deployedView(view))).toEqual([]);
  });

  it('reports a missing view', () => {
    expect(viewDrift(latest, undefined)).toEqual(['view tickets_latest is missing']);
  });

  it('reports a view whose SQL is not the current definition', () => {
    expect(viewDrift(history, deployedView(history, 'SELECT * FROM ticket_events'))).toEqual([
      'view ticket_history SQL differs from lib/views.ts (recreate it: freshlake ddl, or redeploy the stack)',
    ]);
  });

  it('reports a view column that changed type', () => {
    const view = deployedView(latest);
    view.StorageDescriptor!.Columns!.find((c) => c.Name === 'priority')!.Type = 'string';
    expect(viewDrift(latest, view)).toEqual(['view tickets_latest column priority is string, expected int']);
  });
});
