/**
 * Names of the CloudFormation outputs of a freshlake stack. The stack writes them; the CLI reads
 * them (`--stack <name>`) to find the workgroup, database, stream and bucket.
 */
export const STACK_OUTPUTS = {
  dataBucketName: 'DataBucketName',
  glueDatabaseName: 'GlueDatabaseName',
  glueTableName: 'GlueTableName',
  athenaWorkGroupName: 'AthenaWorkGroupName',
  deliveryStreamName: 'DeliveryStreamName',
  deadLetterQueueUrl: 'DeadLetterQueueUrl',
} as const;

export type StackOutputKey = keyof typeof STACK_OUTPUTS;

/** Stack name for a Freshdesk account number: stable across deploys, distinct per partner source. */
export function stackNameForFreshdeskAccount(freshdeskAccount: string): string {
  return `Freshlake-${freshdeskAccount}`;
}
