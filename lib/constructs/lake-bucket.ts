import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeGuardRule } from './nag-findings';
import { ABORT_INCOMPLETE_UPLOADS_AFTER, SECURE_BUCKET_PROPS, acknowledgeLakeBucketGuardRules, bucketEncryptionProps } from './secure-bucket-props';

/** Properties of a {@link LakeBucket}. */
export interface LakeBucketProps {
  /**
   * Store the lake in a bucket you already have instead of creating one. Nothing else is created
   * and no other prop of this interface applies; the bucket's own encryption, policy and
   * lifecycle stay as they are.
   * @default - a new bucket with the secure defaults below
   */
  readonly existingBucket?: s3.IBucket;
  /**
   * Age at which objects move to S3 Standard-Infrequent Access. Old days are rarely queried, and
   * Standard-IA storage costs less (its per-GB retrieval fee applies when Athena reads them).
   * S3 requires at least 30 days in Standard before this transition.
   * @default Duration.days(90)
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/lifecycle-transition-general-considerations.html
   */
  readonly infrequentAccessAfter?: Duration;
  /**
   * Age at which events and error records are deleted. Leave unset to keep the full ticket history.
   * @default - never expire
   */
  readonly expiration?: Duration;
  /**
   * What happens to the data bucket when it leaves the stack (or the stack is deleted).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Bucket that receives this bucket's S3 server access logs.
   * @default - no server access logs (pass one; FreshdeskLake always does)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * Key prefix of the server access logs in `serverAccessLogsBucket`.
   * @default 'data-bucket/'
   */
  readonly serverAccessLogsPrefix?: string;
  /**
   * Customer managed KMS key for the bucket's default encryption (SSE-KMS with an S3 Bucket Key,
   * which cuts the KMS requests to one per object batch). Whoever reads the lake (Athena users)
   * needs `kms:Decrypt` on it; Firehose's role gets what it needs.
   * @default - SSE-S3 (AES-256, keys managed by S3)
   * @see https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html
   */
  readonly encryptionKey?: kms.IKey;
}

/** S3 allows a transition to Standard-IA only after 30 days in Standard. */
const MIN_DAYS_BEFORE_INFREQUENT_ACCESS = 30;

/**
 * The lake's data bucket: `events/dt=YYYY-MM-DD/*.gz` and `errors/<error-output-type>/...`
 * (lib/lake-layout.ts). SSE-S3 encrypted (or SSE-KMS with `encryptionKey`), all public access blocked, TLS-only bucket policy,
 * lifecycle (Standard-IA transition, optional expiry), retained by default, no fixed name.
 */
export class LakeBucket extends Construct {
  /** The bucket, created or brought with `existingBucket`. */
  readonly bucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: LakeBucketProps = {}) {
    super(scope, id);
    if (props.existingBucket) {
      const ignored = (['infrequentAccessAfter', 'expiration', 'removalPolicy', 'serverAccessLogsBucket', 'serverAccessLogsPrefix', 'encryptionKey'] as const).filter(
        (k) => props[k] !== undefined,
      );
      if (ignored.length > 0) {
        throw new Error(`LakeBucket: ${ignored.join(', ')} cannot be set with existingBucket (they apply only to a bucket the construct creates).`);
      }
      this.bucket = props.existingBucket;
      return;
    }
    const infrequentAccessAfter = props.infrequentAccessAfter ?? Duration.days(90);
    validateLifecycle(infrequentAccessAfter, props.expiration);
    const bucket = new s3.Bucket(this, 'Bucket', {
      ...SECURE_BUCKET_PROPS,
      ...bucketEncryptionProps(props.encryptionKey),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsBucket ? (props.serverAccessLogsPrefix ?? 'data-bucket/') : undefined,
      lifecycleRules: [
        {
          id: 'lake-data-lifecycle',
          transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: infrequentAccessAfter }],
          expiration: props.expiration,
          abortIncompleteMultipartUploadAfter: ABORT_INCOMPLETE_UPLOADS_AFTER,
        },
      ],
    });
    this.bucket = bucket;
    acknowledgeLakeBucketGuardRules(bucket, props.encryptionKey);
    acknowledgeGuardRule(
      bucket,
      's3_bucket_versioning_enabled_check',
      'The lake is append-only: Firehose writes each object once under a key it generates (time and a random suffix), and only the lifecycle deletes objects, so versions would only keep copies of what the lifecycle expires. No role of the stack has s3:DeleteObject.',
    );
  }
}

function validateLifecycle(infrequentAccessAfter: Duration, expiration: Duration | undefined): void {
  const iaDays = infrequentAccessAfter.toDays({ integral: false });
  if (Token.isUnresolved(iaDays)) return;
  if (!Number.isInteger(iaDays) || iaDays < MIN_DAYS_BEFORE_INFREQUENT_ACCESS) {
    throw new Error(`infrequentAccessAfter must be a whole number of days >= ${MIN_DAYS_BEFORE_INFREQUENT_ACCESS} (S3 minimum before Standard-IA), got ${iaDays}.`);
  }
  if (expiration !== undefined && expiration.toDays({ integral: false }) <= iaDays) {
    throw new Error(`expiration (${expiration.toDays({ integral: false })} days) must be longer than infrequentAccessAfter (${iaDays} days).`);
  }
}
