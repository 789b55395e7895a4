import { Duration, RemovalPolicy, Size, SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeGuardRule } from './nag-findings';
import { ABORT_INCOMPLETE_UPLOADS_AFTER, SECURE_BUCKET_PROPS, acknowledgeLakeBucketGuardRules, bucketEncryptionProps } from './secure-bucket-props';

/** Athena engine version 3 (Trino): the dialect the saved queries and views are written in. */
export const ATHENA_ENGINE_VERSION = 'Athena engine version 3';

/** Athena bills at least 10 MB per query and rejects a smaller BytesScannedCutoffPerQuery. */
export const MIN_BYTES_SCANNED_CUTOFF = 10_000_000;

/** Properties of a {@link LakeWorkGroup}. */
export interface LakeWorkGroupProps {
  /**
   * Name of the workgroup (letters, digits, `.`, `_`, `-`; at most 128). Athena requires a name;
   * derive it from the stack so two stacks do not collide.
   */
  readonly workGroupName: string;
  /**
   * Queries that would scan more than this are cancelled by Athena (a cost guard: $5 per TB).
   * At least 10 MB.
   * @default Size.gibibytes(10)
   * @see https://docs.aws.amazon.com/athena/latest/ug/workgroups-setting-control-limits-cloudwatch.html
   */
  readonly bytesScannedCutoffPerQuery?: Size;
  /**
   * Age at which query result files are deleted from the results bucket.
   * @default Duration.days(7)
   */
  readonly resultsExpiration?: Duration;
  /**
   * What happens to the results bucket when it leaves the stack. Retained by default: a bucket
   * with objects cannot be deleted by CloudFormation, and its lifecycle empties it anyway.
   * @default RemovalPolicy.RETAIN
   */
  readonly resultsBucketRemovalPolicy?: RemovalPolicy;
  /**
   * Bucket that receives the results bucket's S3 server access logs.
   * @default - no server access logs
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * Customer managed KMS key for query results: the results bucket's default encryption
   * (SSE-KMS, S3 Bucket Key) and the workgroup's result encryption (SSE_KMS), enforced over client
   * settings. Whoever runs queries needs `kms:GenerateDataKey` and `kms:Decrypt` on it.
   * @default - SSE-S3
   * @see https://docs.aws.amazon.com/athena/latest/ug/encrypting-query-results-stored-in-s3.html
   */
  readonly encryptionKey?: kms.IKey;
}

/**
 * An Athena workgroup for the lake: engine version 3, results in a dedicated encrypted (SSE-S3)
 * TLS-only bucket that expires them, workgroup settings enforced over client settings (so a
 * client cannot send results elsewhere or lift the cutoff), a per-query scan cutoff, and
 * CloudWatch metrics. Deleted with the stack even if it holds saved queries.
 *
 * There is no L2 for Athena; this wraps `CfnWorkGroup`.
 */
export class LakeWorkGroup extends Construct {
  readonly workGroup: athena.CfnWorkGroup;
  readonly resultsBucket: s3.Bucket;
  /** The workgroup name; a reference, so users depend on the workgroup. */
  readonly workGroupName: string;

  constructor(scope: Construct, id: string, props: LakeWorkGroupProps) {
    super(scope, id);
    const cutoff = (props.bytesScannedCutoffPerQuery ?? Size.gibibytes(10)).toBytes({ rounding: SizeRoundingBehavior.NONE });
    if (!Token.isUnresolved(cutoff) && cutoff < MIN_BYTES_SCANNED_CUTOFF) {
      throw new Error(`bytesScannedCutoffPerQuery must be at least 10 MB (${MIN_BYTES_SCANNED_CUTOFF} bytes, Athena's minimum), got ${cutoff} bytes.`);
    }
    if (!Token.isUnresolved(props.workGroupName) && !/^[a-zA-Z0-9._-]{1,128}$/.test(props.workGroupName)) {
      throw new Error(`workGroupName must be 1-128 letters, digits, '.', '_' or '-', got "${props.workGroupName}".`);
    }
    this.resultsBucket = new s3.Bucket(this, 'ResultsBucket', {
      ...SECURE_BUCKET_PROPS,
      ...bucketEncryptionProps(props.encryptionKey),
      removalPolicy: props.resultsBucketRemovalPolicy ?? RemovalPolicy.RETAIN,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsBucket ? 'query-results-bucket/' : undefined,
      lifecycleRules: [
        {
          id: 'expire-query-results',
          expiration: props.resultsExpiration ?? Duration.days(7),
          abortIncompleteMultipartUploadAfter: ABORT_INCOMPLETE_UPLOADS_AFTER,
        },
      ],
    });
    this.workGroup = new athena.CfnWorkGroup(this, 'WorkGroup', {
      name: props.workGroupName,
      description: 'Freshdesk ticket lake: saved queries and ad-hoc SQL (freshlake CLI).',
      state: 'ENABLED',
      // Delete the workgroup with the stack even when it holds named queries or history.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: cutoff,
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/`,
          encryptionConfiguration: props.encryptionKey ? { encryptionOption: 'SSE_KMS', kmsKey: props.encryptionKey.keyArn } : { encryptionOption: 'SSE_S3' },
          expectedBucketOwner: this.resultsBucket.stack.account,
        },
      },
    });
    this.workGroupName = this.workGroup.ref;

    acknowledgeLakeBucketGuardRules(this.resultsBucket, props.encryptionKey);
    acknowledgeGuardRule(
      this.resultsBucket,
      's3_bucket_versioning_enabled_check',
      'Query results are written once under the query id and expire after resultsExpiration (7 days by default); versions would only keep copies of what the lifecycle deletes.',
    );
    if (!props.encryptionKey) {
      acknowledgeGuardRule(
        this.workGroup,
        'athena_workgroup_results_encrypted_at_rest_kms_check',
        'Results are encrypted with SSE-S3 (enforced by the workgroup) by default; pass encryptionKey to FreshdeskLake for SSE_KMS with a customer managed key.',
      );
    }
  }
}
