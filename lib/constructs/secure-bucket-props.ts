import { Duration } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import type { Construct } from 'constructs';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { acknowledgeGuardRule } from './nag-findings';

/**
 * What every bucket the lake creates has in common: no public access, encryption at rest, TLS-only
 * access (a bucket policy denies `aws:SecureTransport=false`), ACLs disabled, and incomplete
 * multipart uploads cleaned up. Never a `bucketName`: CloudFormation generates one, so a second
 * stack in the same account cannot collide.
 */
export const SECURE_BUCKET_PROPS = {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  // SSE-S3 rather than SSE-KMS: no key policy that every Athena user and Firehose must be granted,
  // no per-request KMS cost; objects are still encrypted at rest with AES-256.
  encryption: s3.BucketEncryption.S3_MANAGED,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
} as const satisfies s3.BucketProps;

/**
 * S3 server access logs reach the logs bucket through its bucket policy, never through the
 * log-delivery ACL, whatever feature flags the app sets: the lake's buckets disable ACLs
 * (BUCKET_OWNER_ENFORCED), and without `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy`
 * aws-cdk-lib falls back to the ACL and synthesis fails ("objectOwnership must be set to
 * ObjectWriter"). The flag is read at the logs bucket (allowLogDelivery), so the construct that
 * creates a logs bucket calls this on itself, before adding any child.
 */
export function deliverAccessLogsByBucketPolicy(scope: Construct): void {
  scope.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
}

/** Firehose and Athena write with multipart uploads; a failed one leaves parts that are billed until aborted. */
export const ABORT_INCOMPLETE_UPLOADS_AFTER = Duration.days(7);

/**
 * Default encryption of a bucket the lake creates: SSE-S3 (see SECURE_BUCKET_PROPS), or SSE-KMS
 * with a customer managed key and an S3 Bucket Key (one KMS request per batch of objects, not per
 * object: KMS bills per request).
 */
export function bucketEncryptionProps(encryptionKey: kms.IKey | undefined): Pick<s3.BucketProps, 'encryption' | 'encryptionKey' | 'bucketKeyEnabled'> {
  if (!encryptionKey) return { encryption: SECURE_BUCKET_PROPS.encryption };
  return { encryption: s3.BucketEncryption.KMS, encryptionKey, bucketKeyEnabled: true };
}

/**
 * The cfn-guard (Control Tower) rules a lake bucket does not follow, each with its reason. The
 * KMS rule is acknowledged only when the bucket has no customer managed key.
 */
export function acknowledgeLakeBucketGuardRules(bucket: s3.IBucket, encryptionKey: kms.IKey | undefined): void {
  if (!encryptionKey) {
    acknowledgeGuardRule(
      bucket,
      's3_bucket_default_encryption_kms_check',
      'SSE-S3 by default (AES-256, no key policy for every Athena user, no KMS request cost); pass encryptionKey to FreshdeskLake for SSE-KMS with a customer managed key.',
    );
  }
  acknowledgeGuardRule(
    bucket,
    's3_event_notifications_enabled_check',
    'Nothing consumes object events: Athena finds new objects through partition projection, and delivery problems raise the Firehose alarms.',
  );
  acknowledgeGuardRule(
    bucket,
    's3_bucket_object_lock_enabled_check',
    'Tickets hold personal data that must be deletable on request (and by the lifecycle); Object Lock would forbid that. Writes are limited by IAM and the bucket is retained on stack deletion.',
  );
}
