/**
 * Drift between a deployed Glue table (and its views) and the one schema definition
 * (lib/schema.ts, lib/views.ts): what `freshlake check` reports. A table edited in the console,
 * created from an older DDL, or left behind by an older stack reads the lake differently from the
 * local engine; each difference is one line that names the column, field or parameter.
 */
import type { Column, Table } from '@aws-sdk/client-glue';
import {
  INPUT_FORMAT,
  OUTPUT_FORMAT,
  PARTITION_COLUMN,
  SERDE_LIBRARY,
  TICKET_EVENT_COLUMNS,
  type ColumnDefinition,
  serdeParameters,
  tableParameters,
} from './schema';
import type { LakeView } from './views';
import { dimensionPrefix, dimensionSerdeParameters, type DimensionTable } from './dimensions/tables';

/** A parsed Hive type, so struct differences can name the nested field (`detail.ticket.status`). */
export type HiveType =
  | { readonly kind: 'primitive'; readonly name: string }
  | { readonly kind: 'array'; readonly element: HiveType }
  | { readonly kind: 'map'; readonly key: HiveType; readonly value: HiveType }
  | { readonly kind: 'struct'; readonly fields: readonly { readonly name: string; readonly type: HiveType }[] };

/** Trino spellings of Hive primitives (Athena writes them in the columns of views it creates). */
const PRIMITIVE_ALIASES: Record<string, string> = { integer: 'int', varchar: 'string' };

/** Parses a Hive/Glue type string (`struct<a:int,b:array<string>>`). @throws Error on bad syntax */
export function parseHiveType(text: string): HiveType {
  const source = text.replace(/\s+/g, '');
  let i = 0;
  const expect = (c: string) => {
    if (source[i] !== c) throw new Error(`Bad Hive type "${text}": expected "${c}" at ${i}.`);
    i++;
  };
  const identifier = (): string => {
    const m = /^[^<>,:(]+/.exec(source.slice(i));
    if (!m) throw new Error(`Bad Hive type "${text}": expected a name at ${i}.`);
    i += m[0].length;
    return m[0];
  };
  const parse = (): HiveType => {
    const name = identifier().toLowerCase();
    if (name === 'array') {
      expect('<');
      const element = parse();
      expect('>');
      return { kind: 'array', element };
    }
    if (name === 'map') {
      expect('<');
      const key = parse();
      expect(',');
      const value = parse();
      expect('>');
      return { kind: 'map', key, value };
    }
    if (name === 'struct') {
      expect('<');
      const fields: { name: string; type: HiveType }[] = [];
      while (source[i] !== '>') {
        if (fields.length > 0) expect(',');
        const fieldName = identifier();
        expect(':');
        fields.push({ name: fieldName, type: parse() });
      }
      expect('>');
      return { kind: 'struct', fields };
    }
    // decimal(10,2), varchar(65535): the parenthesised part belongs to the primitive.
    if (source[i] === '(') {
      const close = source.indexOf(')', i);
      if (close === -1) throw new Error(`Bad Hive type "${text}": unclosed "(".`);
      const args = source.slice(i, close + 1);
      i = close + 1;
      // Athena writes view columns with Trino spellings; timestamp(3) is Hive's millisecond timestamp.
      if (name === 'timestamp' && args === '(3)') return { kind: 'primitive', name: 'timestamp' };
      return { kind: 'primitive', name: `${name}${args}` };
    }
    return { kind: 'primitive', name: PRIMITIVE_ALIASES[name] ?? name };
  };
  const type = parse();
  if (i !== source.length) throw new Error(`Bad Hive type "${text}": unexpected "${source.slice(i)}".`);
  return type;
}

export function renderHiveType(type: HiveType): string {
  switch (type.kind) {
    case 'primitive':
      return type.name;
    case 'array':
      return `array<${renderHiveType(type.element)}>`;
    case 'map':
      return `map<${renderHiveType(type.key)},${renderHiveType(type.value)}>`;
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.name}:${renderHiveType(f.type)}`).join(',')}>`;
  }
}

/**
 * Differences between two types, each naming the path of the field that differs. Field names
 * compare case-insensitively, as Glue and the OpenX SerDe treat them.
 */
export function hiveTypeDifferences(path: string, actual: HiveType, expected: HiveType): string[] {
  if (actual.kind !== expected.kind) return [`${path} is ${renderHiveType(actual)}, expected ${renderHiveType(expected)}`];
  switch (expected.kind) {
    case 'primitive':
      return (actual as typeof expected).name === expected.name ? [] : [`${path} is ${renderHiveType(actual)}, expected ${expected.name}`];
    case 'array':
      return hiveTypeDifferences(`${path}[]`, (actual as typeof expected).element, expected.element);
    case 'map': {
      const a = actual as typeof expected;
      return [...hiveTypeDifferences(`${path}{key}`, a.key, expected.key), ...hiveTypeDifferences(`${path}{value}`, a.value, expected.value)];
    }
    case 'struct': {
      const a = actual as typeof expected;
      const out: string[] = [];
      const actualFields = new Map(a.fields.map((f) => [f.name.toLowerCase(), f]));
      const expectedNames = new Set(expected.fields.map((f) => f.name.toLowerCase()));
      for (const field of expected.fields) {
        const found = actualFields.get(field.name.toLowerCase());
        if (!found) out.push(`${path}.${field.name} is missing (expected ${renderHiveType(field.type)})`);
        else out.push(...hiveTypeDifferences(`${path}.${field.name}`, found.type, field.type));
      }
      for (const field of a.fields) {
        if (!expectedNames.has(field.name.toLowerCase())) out.push(`${path}.${field.name} (${renderHiveType(field.type)}) is not in the schema definition`);
      }
      return out;
    }
  }
}

function typeDifferences(path: string, actualText: string | undefined, expectedText: string): string[] {
  let actual: HiveType;
  try {
    actual = parseHiveType(actualText ?? '');
  } catch {
    return [`${path} has type "${actualText ?? ''}", which is not a valid Hive type; expected ${expectedText}`];
  }
  return hiveTypeDifferences(path, actual, parseHiveType(expectedText));
}

function columnDifferences(kind: string, actual: readonly Column[], expected: readonly ColumnDefinition[]): string[] {
  const out: string[] = [];
  const actualByName = new Map(actual.map((c) => [(c.Name ?? '').toLowerCase(), c]));
  const expectedNames = new Set(expected.map((c) => c.name.toLowerCase()));
  for (const column of expected) {
    const found = actualByName.get(column.name.toLowerCase());
    if (!found) out.push(`${kind} ${column.name} is missing (expected ${column.type.hive})`);
    else out.push(...typeDifferences(`${kind} ${column.name}`, found.Type, column.type.hive));
  }
  for (const column of actual) {
    if (!expectedNames.has((column.Name ?? '').toLowerCase())) out.push(`${kind} ${column.Name} (${column.Type}) is not in the schema definition`);
  }
  return out;
}

/** Parameters Glue or Athena add on their own, which the schema definition does not set. */
const TOLERATED_EXTRA_SERDE_PARAMETERS = new Set(['serialization.format']);

function parameterDifferences(kind: string, actual: Record<string, string> | undefined, expected: Record<string, string>, reportExtra: (key: string) => boolean): string[] {
  const out: string[] = [];
  const present = actual ?? {};
  for (const [key, value] of Object.entries(expected)) {
    if (!(key in present)) out.push(`${kind} ${key} is missing (expected "${value}")`);
    else if (present[key] !== value) out.push(`${kind} ${key} is "${present[key]}", expected "${value}"`);
  }
  for (const key of Object.keys(present)) {
    if (!(key in expected) && reportExtra(key)) out.push(`${kind} ${key}="${present[key]}" is not in the schema definition`);
  }
  return out;
}

export interface TableDriftOptions {
  /**
   * The events location the table must read, `s3://<bucket>/events/`.
   * @default not checked (only the location template is compared with the table's own location)
   */
  readonly expectedLocation?: string;
}

/** Every difference between the Glue table and the `ticket_events` definition; empty when none. */
export function ticketEventsTableDrift(table: Table, options: TableDriftOptions = {}): string[] {
  const out: string[] = [];
  const sd = table.StorageDescriptor ?? {};
  if (table.TableType !== undefined && table.TableType !== 'EXTERNAL_TABLE') out.push(`table type is ${table.TableType}, expected EXTERNAL_TABLE`);
  out.push(...columnDifferences('column', sd.Columns ?? [], TICKET_EVENT_COLUMNS));
  out.push(...columnDifferences('partition key', table.PartitionKeys ?? [], [PARTITION_COLUMN]));

  const location = sd.Location ?? '';
  const normalizedLocation = location.endsWith('/') ? location : `${location}/`;
  if (!location) out.push('location is missing');
  else if (options.expectedLocation && normalizedLocation !== options.expectedLocation) {
    out.push(`location is ${location}, expected ${options.expectedLocation}`);
  }
  if (sd.InputFormat !== INPUT_FORMAT) out.push(`input format is ${sd.InputFormat ?? '(none)'}, expected ${INPUT_FORMAT}`);
  if (sd.OutputFormat !== OUTPUT_FORMAT) out.push(`output format is ${sd.OutputFormat ?? '(none)'}, expected ${OUTPUT_FORMAT}`);
  const serde = sd.SerdeInfo ?? {};
  if (serde.SerializationLibrary !== SERDE_LIBRARY) out.push(`SerDe library is ${serde.SerializationLibrary ?? '(none)'}, expected ${SERDE_LIBRARY}`);
  out.push(...parameterDifferences('SerDe parameter', serde.Parameters, serdeParameters(), (key) => !TOLERATED_EXTRA_SERDE_PARAMETERS.has(key)));

  // The projection's first day is a deploy-time choice (TicketEventsTableProps.projectionStartDay),
  // so the range is checked for its form, with the deployed start day carried into the expectation.
  const deployedParameters = table.Parameters ?? {};
  const rangeKey = `projection.${PARTITION_COLUMN.name}.range`;
  const startDay = /^(\d{4}-\d{2}-\d{2}),NOW$/.exec(deployedParameters[rangeKey] ?? '')?.[1];
  const expectedParameters = tableParameters(options.expectedLocation ?? normalizedLocation, startDay);
  if (!startDay) {
    out.push(`table parameter ${rangeKey} is ${deployedParameters[rangeKey] === undefined ? 'missing' : `"${deployedParameters[rangeKey]}"`}, expected "<YYYY-MM-DD>,NOW"`);
    delete expectedParameters[rangeKey];
  }
  // Glue and Athena add their own table parameters (has_encrypted_data, EXTERNAL,
  // transient_lastDdlTime); only projection parameters beyond the definition are drift.
  out.push(...parameterDifferences('table parameter', deployedParameters, expectedParameters, (key) => key.startsWith('projection.') && key !== rangeKey));
  return out;
}

/** Athena stores a view as `/* Presto View: <base64 JSON> *\/` in ViewOriginalText. */
interface PrestoViewJson {
  readonly originalSql?: string;
  readonly columns?: readonly { readonly name?: string; readonly type?: string }[];
}

function decodePrestoView(text: string | undefined): PrestoViewJson | undefined {
  const m = /^\/\* Presto View: ([A-Za-z0-9+/=]+) \*\/$/.exec((text ?? '').trim());
  if (!m) return undefined;
  try {
    return JSON.parse(Buffer.from(m[1], 'base64').toString('utf8')) as PrestoViewJson;
  } catch {
    return undefined;
  }
}

const normalizeSql = (sql: string) => sql.trim().replace(/;\s*$/, '').replace(/[ \t]+$/gm, '');

/** Differences between a deployed view (a Glue VIRTUAL_VIEW) and its definition in lib/views.ts. */
export function viewDrift(view: LakeView, table: Table | undefined): string[] {
  const name = `view ${view.name}`;
  if (!table) return [`${name} is missing`];
  const out: string[] = [];
  if (table.TableType !== 'VIRTUAL_VIEW') out.push(`${name} is a ${table.TableType ?? 'table'}, expected VIRTUAL_VIEW`);
  out.push(...columnDifferences(`${name} column`, table.StorageDescriptor?.Columns ?? [], view.columns));
  const presto = decodePrestoView(table.ViewOriginalText);
  if (!presto) out.push(`${name} has no readable Presto view definition`);
  else if (normalizeSql(presto.originalSql ?? '') !== normalizeSql(view.sql)) {
    out.push(`${name} SQL differs from lib/views.ts (recreate it: freshlake ddl, or redeploy the stack)`);
  }
  return out;
}

/**
 * Differences between a deployed dimension table (agents, groups, ...) and its definition in
 * lib/dimensions; a missing table is one line (the views that join it would fail on Athena).
 * @param bucketLocation `s3://<bucket>/` when known: the table must read `dimensions/<name>/` in it
 */
export function dimensionTableDrift(definition: DimensionTable, table: Table | undefined, bucketLocation?: string): string[] {
  const name = `table ${definition.name}`;
  if (!table) return [`${name} is missing (the tickets_latest view joins it): redeploy the stack, or create it from "freshlake ddl"`];
  const out: string[] = [];
  const sd = table.StorageDescriptor ?? {};
  if (table.TableType !== undefined && table.TableType !== 'EXTERNAL_TABLE') out.push(`${name} is a ${table.TableType}, expected EXTERNAL_TABLE`);
  out.push(...columnDifferences(`${name} column`, sd.Columns ?? [], definition.columns));
  if ((table.PartitionKeys ?? []).length > 0) out.push(`${name} has partition keys, expected none`);
  const location = sd.Location ?? '';
  const expected = bucketLocation ? `${bucketLocation.replace(/\/?$/, '/')}${dimensionPrefix(definition.name)}` : undefined;
  if (!location) out.push(`${name} location is missing`);
  else if (expected && (location.endsWith('/') ? location : `${location}/`) !== expected) out.push(`${name} location is ${location}, expected ${expected}`);
  const serde = sd.SerdeInfo ?? {};
  if (serde.SerializationLibrary !== SERDE_LIBRARY) out.push(`${name} SerDe library is ${serde.SerializationLibrary ?? '(none)'}, expected ${SERDE_LIBRARY}`);
  out.push(...parameterDifferences(`${name} SerDe parameter`, serde.Parameters, dimensionSerdeParameters(), () => false));
  return out;
}
