/**
 * A Glue GetTable answer for a correctly deployed `ticket_events` table and its views, built the
 * way the stack builds them (lib/constructs/ticket-events-table.ts, athena-views.ts) from the one
 * schema, plus the parameters Glue adds on its own. Tests mutate copies of it to create drift.
 */
import type { Table } from '@aws-sdk/client-glue';
import {
  INPUT_FORMAT,
  OUTPUT_FORMAT,
  PARTITION_COLUMN,
  SERDE_LIBRARY,
  TICKET_EVENT_COLUMNS,
  TICKET_EVENTS_TABLE,
  serdeParameters,
  tableParameters,
} from '../lib/schema';
import { LAKE_VIEWS, type LakeView } from '../lib/views';
import { DIMENSION_NAMES, DIMENSION_TABLES, DIMENSION_TABLE_PARAMETERS, dimensionPrefix, dimensionSerdeParameters } from '../lib/dimensions/tables';

export const FIXTURE_BUCKET = 'freshlake-data-123456';
export const FIXTURE_LOCATION = `s3://${FIXTURE_BUCKET}/events/`;
export const FIXTURE_DATABASE = 'freshlake_123456';

export function deployedTicketEventsTable(): Table {
  return {
    Name: TICKET_EVENTS_TABLE,
    DatabaseName: FIXTURE_DATABASE,
    TableType: 'EXTERNAL_TABLE',
    Parameters: { ...tableParameters(FIXTURE_LOCATION, '2024-01-01'), has_encrypted_data: 'false' },
    PartitionKeys: [{ Name: PARTITION_COLUMN.name, Type: PARTITION_COLUMN.type.hive, Comment: PARTITION_COLUMN.comment }],
    StorageDescriptor: {
      Columns: TICKET_EVENT_COLUMNS.map((c) => ({ Name: c.name, Type: c.type.hive, Comment: c.comment })),
      Location: FIXTURE_LOCATION,
      InputFormat: INPUT_FORMAT,
      OutputFormat: OUTPUT_FORMAT,
      Compressed: true,
      SerdeInfo: { SerializationLibrary: SERDE_LIBRARY, Parameters: { ...serdeParameters() } },
    },
  };
}

export function deployedView(view: LakeView, sql = view.sql): Table {
  const definition = {
    originalSql: sql,
    catalog: 'awsdatacatalog',
    schema: FIXTURE_DATABASE,
    columns: view.columns.map((c) => ({ name: c.name, type: c.type.trino })),
  };
  return {
    Name: view.name,
    DatabaseName: FIXTURE_DATABASE,
    TableType: 'VIRTUAL_VIEW',
    Parameters: { presto_view: 'true', comment: 'Presto View' },
    StorageDescriptor: { Columns: view.columns.map((c) => ({ Name: c.name, Type: c.type.hive, Comment: c.comment })), SerdeInfo: {} },
    ViewOriginalText: `/* Presto View: ${Buffer.from(JSON.stringify(definition)).toString('base64')} */`,
    ViewExpandedText: '/* Presto View */',
  };
}

export function deployedViews(): Map<string, Table> {
  return new Map(LAKE_VIEWS.map((v) => [v.name, deployedView(v)]));
}

/** The dimension tables as the stack deploys them (lib/constructs/dimension-tables.ts), by name. */
export function deployedDimensionTables(): Map<string, Table> {
  return new Map(
    DIMENSION_NAMES.map((name) => [
      name,
      {
        Name: name,
        DatabaseName: FIXTURE_DATABASE,
        TableType: 'EXTERNAL_TABLE',
        Parameters: { ...DIMENSION_TABLE_PARAMETERS, has_encrypted_data: 'false' },
        PartitionKeys: [],
        StorageDescriptor: {
          Columns: DIMENSION_TABLES[name].columns.map((c) => ({ Name: c.name, Type: c.type.hive, Comment: c.comment })),
          Location: `s3://${FIXTURE_BUCKET}/${dimensionPrefix(name)}`,
          InputFormat: INPUT_FORMAT,
          OutputFormat: OUTPUT_FORMAT,
          Compressed: true,
          SerdeInfo: { SerializationLibrary: SERDE_LIBRARY, Parameters: dimensionSerdeParameters() },
        },
      },
    ]),
  );
}
