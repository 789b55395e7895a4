import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeGuardRule } from './nag-findings';
import { ABORT_INCOMPLETE_UPLOADS_AFTER, SECURE_BUCKET_PROPS, deliverAccessLogsByBucketPolicy } from './secure-bucket-props';

/** Properties of an {@link AccessLogsBucket}. */
export interface AccessLogsBucketProps {
  /**
   * How long server access log objects are kept.
   * @default Duration.days(90)
   */
  readonly expiration?: Duration;
  /**
   * What happens to the bucket when it leaves the stack. Access logs are audit evidence, so they
   * outlive the stack unless told otherwise.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The bucket that receives S3 server access logs of the lake's buckets (data and query results).
 *
 * Encrypted with SSE-S3 because S3 log delivery cannot write to a bucket whose default encryption
 * is SSE-KMS; log delivery is granted through the bucket policy (feature flag
 * `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy`), which works with ACLs disabled.
 *
 * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html
 */
export class AccessLogsBucket extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: AccessLogsBucketProps = {}) {
    super(scope, id);
    deliverAccessLogsByBucketPolicy(this);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...SECURE_BUCKET_PROPS,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: props.expiration ?? Duration.days(90),
          abortIncompleteMultipartUploadAfter: ABORT_INCOMPLETE_UPLOADS_AFTER,
        },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the server access logs bucket itself; logging it into itself would log its own log deliveries forever.',
    });
    acknowledgeGuardRule(this.bucket, 's3_bucket_logging_enabled_check', 'This is the server access logs bucket itself; logging it into itself would log its own log deliveries forever.');
    acknowledgeGuardRule(
      this.bucket,
      's3_bucket_default_encryption_kms_check',
      'S3 server access log delivery writes only to buckets encrypted with SSE-S3, so this bucket stays SSE-S3 even when the lake has a customer managed key.',
    );
    acknowledgeGuardRule(this.bucket, 's3_bucket_versioning_enabled_check', 'S3 log delivery writes each log object once under a new key; the lifecycle deletes them after the retention, so versions would keep nothing of value.');
    acknowledgeGuardRule(this.bucket, 's3_event_notifications_enabled_check', 'Nothing consumes access log events; the logs are read on demand for audits.');
    acknowledgeGuardRule(
      this.bucket,
      's3_bucket_object_lock_enabled_check',
      'The logs expire with the lifecycle (90 days by default); Object Lock would keep them past it. The bucket is retained on stack deletion.',
    );
  }
}
