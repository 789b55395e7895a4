/** The freshlake CDK constructs. Start with FreshdeskLake; the others are its parts. */
export * from './freshdesk-lake';
export * from './access-logs-bucket';
export * from './lake-bucket';
export * from './transform-function';
export * from './lake-delivery-stream';
export * from './firehose-target-with-dlq';
export * from './ticket-events-table';
export * from './dimension-tables';
export * from './scheduled-sync';
export * from './latest-state-snapshot';
export * from './athena-views';
export * from './athena-workgroup';
export * from './saved-named-queries';
export * from './pipeline-alarms';
export * from './secure-bucket-props';
export * from './nag-findings';
export * from './lake-encryption-key';
