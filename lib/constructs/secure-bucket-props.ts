import { Duration } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';

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

/** Firehose and Athena write with multipart uploads; a failed one leaves parts that are billed until aborted. */
export const ABORT_INCOMPLETE_UPLOADS_AFTER = Duration.days(7);
