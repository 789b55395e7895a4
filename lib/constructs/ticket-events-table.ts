import * as glue from 'aws-cdk-lib/aws-glue';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EVENTS_PREFIX } from '../lake-layout';
import {
  ColumnDefinition,
  DEFAULT_PROJECTION_START_DAY,
  INPUT_FORMAT,
  OUTPUT_FORMAT,
  PARTITION_COLUMN,
  SERDE_LIBRARY,
  TICKET_EVENT_COLUMNS,
  TICKET_EVENTS_TABLE,
  serdeParameters,
  tableParameters,
} from '../schema';

/** Properties of a {@link TicketEventsTable}. */
export interface TicketEventsTableProps {
  /** The Glue database the table (and the views) live in. */
  readonly database: glue.IDatabase;
  /** The lake's data bucket; the table reads `events/` in it. */
  readonly bucket: s3.IBucket;
  /**
   * First day partition projection enumerates when a query does not filter on `dt` (YYYY-MM-DD).
   * @default DEFAULT_PROJECTION_START_DAY from lib/schema.ts
   */
  readonly projectionStartDay?: string;
}

/** A column of lib/schema.ts as a Glue column (the Hive rendering of its type). */
export function glueColumn(column: ColumnDefinition): glue.Column {
  return { name: column.name, type: glue.Schema.custom(column.type.hive, column.type.isPrimitive), comment: column.comment };
}

/** The OpenX JSON SerDe over gzip'd text lines, as lib/schema.ts defines it. */
const OPENX_JSON_OVER_TEXT = new glue.DataFormat({
  inputFormat: new glue.InputFormat(INPUT_FORMAT),
  outputFormat: new glue.OutputFormat(OUTPUT_FORMAT),
  serializationLibrary: new glue.SerializationLibrary(SERDE_LIBRARY),
  classificationString: glue.ClassificationString.JSON,
});

/**
 * The Glue table `ticket_events` over `s3://<bucket>/events/`, generated from the one schema in
 * lib/schema.ts: columns, partition key `dt`, OpenX JSON SerDe with its parameters (the
 * `detail-type` -> `detail_type` mapping, malformed lines read as NULLs) and partition projection
 * on `dt`, so no crawler, MSCK REPAIR or ADD PARTITION is ever needed.
 *
 * The projection parameters come from `tableParameters()` rather than the L2's
 * `partitionProjection`: that one helper also renders the `freshlake ddl` statement, and the L2
 * does not emit `storage.location.template`.
 */
export class TicketEventsTable extends Construct {
  readonly table: glue.S3Table;
  /** `s3://<bucket>/events/` (contains tokens). */
  readonly eventsLocation: string;

  constructor(scope: Construct, id: string, props: TicketEventsTableProps) {
    super(scope, id);
    this.eventsLocation = `s3://${props.bucket.bucketName}/${EVENTS_PREFIX}`;
    const parameters = tableParameters(this.eventsLocation, props.projectionStartDay ?? DEFAULT_PROJECTION_START_DAY);
    this.table = new glue.S3Table(this, 'Table', {
      database: props.database,
      tableName: TICKET_EVENTS_TABLE,
      description: 'Freshdesk ticket events (EventBridge envelope), one JSON document per line, partitioned by the UTC day of the event time.',
      storage: glue.S3TableStorage.fromBucket(props.bucket),
      s3Prefix: EVENTS_PREFIX,
      columns: TICKET_EVENT_COLUMNS.map(glueColumn),
      partitionKeys: [glueColumn(PARTITION_COLUMN)],
      dataFormat: OPENX_JSON_OVER_TEXT,
      compressed: true,
      parameters,
      // SSE-S3 objects are decrypted by S3; the flag is for client-side (CSE-KMS) encrypted data only.
      hasEncryptedData: false,
    });
    // S3Table has no prop for SerDe parameters.
    const cfnTable = this.table.node.defaultChild as glue.CfnTable;
    cfnTable.addPropertyOverride('TableInput.StorageDescriptor.SerdeInfo.Parameters', serdeParameters());
  }
}
