/**
 * The dimension tables in the stack (lib/constructs/dimension-tables.ts): one Glue table per
 * lib/dimensions table, beside ticket_events, and every relation a view or saved query reads
 * exists in the synthesized catalog, so the views resolve on Athena from the first deploy.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { DIMENSION_NAMES, DIMENSION_TABLES, dimensionSerdeParameters } from '../lib/dimensions';
import { FreshlakeStack } from '../lib/freshlake-stack';
import { loadSavedQueries } from '../lib/saved-queries';
import { INPUT_FORMAT, OUTPUT_FORMAT, SERDE_LIBRARY } from '../lib/schema';
import { LAKE_VIEWS } from '../lib/views';
import { PARTNER_SOURCE, evaluateIntrinsics, synthFreshlakeApp } from './cdk-synth';

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };

let stack: FreshlakeStack;
let resources: Record<string, Resource>;

beforeAll(() => {
  const synthesized = synthFreshlakeApp({ partnerEventSource: PARTNER_SOURCE });
  stack = synthesized.stacks[0];
  resources = synthesized.assembly.getStackByName(stack.stackName).template.Resources;
});

const glueTables = () => Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Glue::Table');
const tableNamed = (name: string) => glueTables().find(([, r]) => r.Properties.TableInput.Name === name);

/** Relations after FROM / JOIN, minus the statement's own CTE names. */
function relationsRead(sql: string): Set<string> {
  const code = sql.replace(/--.*$/gm, '').replace(/'(?:[^']|'')*'/g, "''");
  const ctes = new Set([...code.matchAll(/(?:\bWITH|,)\s+(\w+)\s+AS\s*\(/gi)].map((m) => m[1].toLowerCase()));
  // Not the :from placeholder nor IS DISTINCT FROM; UNNEST is a table function, not a relation.
  const read = [...code.matchAll(/(?<!:)(?<!DISTINCT\s)\b(?:FROM|JOIN)\s+([a-z_][\w]*)/gi)].map((m) => m[1].toLowerCase());
  return new Set(read.filter((r) => !ctes.has(r) && r !== 'unnest'));
}

describe('the dimension tables', () => {
  it.each(DIMENSION_NAMES.map((n) => [n]))('%s is a Glue table over s3://<bucket>/dimensions/%s/ with the columns of lib/dimensions', (name) => {
    const found = tableNamed(name);
    expect(found, name).toBeDefined();
    const [, table] = found!;
    const input = table.Properties.TableInput;
    const bucketId = stack.getLogicalId(stack.lake.dataBucket.bucket.node.defaultChild as never);
    expect(table.Properties.DatabaseName).toEqual({ Ref: stack.getLogicalId(stack.lake.database.node.defaultChild as never) });
    expect(input.TableType).toBe('EXTERNAL_TABLE');
    expect(input.PartitionKeys ?? []).toEqual([]);
    expect(evaluateIntrinsics(input.StorageDescriptor.Location, { [bucketId]: 'lake-bucket' })).toBe(`s3://lake-bucket/dimensions/${name}/`);
    expect(input.StorageDescriptor.Columns).toEqual(DIMENSION_TABLES[name].columns.map((c) => ({ Name: c.name, Type: c.type.hive, Comment: c.comment })));
    expect(input.StorageDescriptor).toMatchObject({ InputFormat: INPUT_FORMAT, OutputFormat: OUTPUT_FORMAT, Compressed: true });
    expect(input.StorageDescriptor.SerdeInfo).toEqual({ SerializationLibrary: SERDE_LIBRARY, Parameters: dimensionSerdeParameters() });
    expect(input.StorageDescriptor.SerdeInfo.Parameters).toMatchObject({ 'ignore.malformed.json': 'true', 'use.null.for.invalid.data': 'TRUE' });
    expect(input.Parameters).toMatchObject({ classification: 'json', compressionType: 'gzip' });
  });

  it('are created before the views, which join them', () => {
    const dimensionIds = stack.lake.dimensions.cfnTables.map((t) => stack.getLogicalId(t));
    expect(dimensionIds).toHaveLength(DIMENSION_NAMES.length);
    const firstView = stack.getLogicalId(stack.lake.views.views.get(LAKE_VIEWS[0].name)!);
    for (const id of dimensionIds) expect(resources[firstView].DependsOn).toContain(id);
  });
});

describe('every relation the views and saved queries read exists in the catalog', () => {
  const catalog = () => new Set(glueTables().map(([, r]) => String(r.Properties.TableInput.Name)));

  it.each(LAKE_VIEWS.map((v) => [v.name, v.sql]))('view %s', (_name, sql) => {
    const read = relationsRead(sql);
    expect(read.size).toBeGreaterThan(0);
    for (const relation of read) expect(catalog(), relation).toContain(relation);
  });

  it('tickets_latest reads ticket_latest_state and the agents, groups and ticket_statuses tables', () => {
    const view = LAKE_VIEWS.find((v) => v.name === 'tickets_latest')!;
    expect([...relationsRead(view.sql)].sort()).toEqual(expect.arrayContaining(['agents', 'groups', 'ticket_latest_state', 'ticket_statuses']));
  });

  it.each(loadSavedQueries().map((q) => [q.name, q.sql]))('saved query %s', (_name, sql) => {
    for (const relation of relationsRead(sql)) expect(catalog(), relation).toContain(relation);
  });
});
