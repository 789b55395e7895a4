import * as glue from 'aws-cdk-lib/aws-glue';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import {
  DIMENSION_NAMES,
  DIMENSION_TABLES,
  DIMENSION_TABLE_PARAMETERS,
  DimensionName,
  dimensionPrefix,
  dimensionSerdeParameters,
} from '../dimensions/tables';
import { INPUT_FORMAT, OUTPUT_FORMAT, SERDE_LIBRARY } from '../schema';
import { glueColumn } from './ticket-events-table';

/** Properties of {@link DimensionTables}. */
export interface DimensionTablesProps {
  /** The Glue database of the lake: the tables sit beside `ticket_events`, where the views look for them. */
  readonly database: glue.IDatabase;
  /** The lake's data bucket; each table reads `dimensions/<name>/` in it. */
  readonly bucket: s3.IBucket;
}

/**
 * The dimension tables of lib/dimensions (`agents`, `groups`, `ticket_statuses`, `ticket_fields`,
 * `business_hours`, `sla_policies`) as Glue tables over `s3://<bucket>/dimensions/<name>/`: the
 * names `tickets_latest` and the saved queries join. Until a sync writes a snapshot a table reads
 * no rows, so the views resolve and fall back to ids and codes from the first deploy on.
 */
export class DimensionTables extends Construct {
  /** The Glue table of each dimension. */
  readonly tables: ReadonlyMap<DimensionName, glue.S3Table>;

  constructor(scope: Construct, id: string, props: DimensionTablesProps) {
    super(scope, id);
    const dataFormat = new glue.DataFormat({
      inputFormat: new glue.InputFormat(INPUT_FORMAT),
      outputFormat: new glue.OutputFormat(OUTPUT_FORMAT),
      serializationLibrary: new glue.SerializationLibrary(SERDE_LIBRARY),
      classificationString: glue.ClassificationString.JSON,
    });
    const tables = new Map<DimensionName, glue.S3Table>();
    for (const name of DIMENSION_NAMES) {
      const definition = DIMENSION_TABLES[name];
      const table = new glue.S3Table(this, name, {
        database: props.database,
        tableName: name,
        description: definition.description,
        storage: glue.S3TableStorage.fromBucket(props.bucket),
        s3Prefix: dimensionPrefix(name),
        columns: definition.columns.map(glueColumn),
        dataFormat,
        compressed: true,
        parameters: { ...DIMENSION_TABLE_PARAMETERS },
        // SSE-S3 / SSE-KMS objects are decrypted by S3; the flag is for client-side encryption only.
        hasEncryptedData: false,
      });
      // S3Table has no prop for SerDe parameters.
      (table.node.defaultChild as glue.CfnTable).addPropertyOverride('TableInput.StorageDescriptor.SerdeInfo.Parameters', dimensionSerdeParameters());
      tables.set(name, table);
    }
    this.tables = tables;
  }

  /** The CloudFormation resources of the tables, for views that must be created after them. */
  get cfnTables(): glue.CfnTable[] {
    return [...this.tables.values()].map((t) => t.node.defaultChild as glue.CfnTable);
  }
}
