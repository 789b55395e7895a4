import { Duration, RemovalPolicy, Size, SizeRoundingBehavior, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledgeGuardRule, acknowledgeWildcardResources } from './nag-findings';
import { ERRORS_PREFIX, EVENTS_PREFIX, FIREHOSE_DATA_PREFIX, FIREHOSE_ERROR_PREFIX, LAKE_OBJECT_EXTENSION } from '../lake-layout';
import { checkWholeNumberInRange } from './prop-checks';

/** Properties of a {@link LakeDeliveryStream}. */
export interface LakeDeliveryStreamProps {
  /** The lake's data bucket. */
  readonly bucket: s3.IBucket;
  /** The transform Lambda (lambda/transform): adds the newline and returns partition key `dt`. */
  readonly transformFunction: lambda.IFunction;
  /**
   * How long Firehose buffers before writing a file to S3. Longer means fewer, larger objects
   * (cheaper to list and scan); shorter means fresher data. Dynamic partitioning requires 60-900 s.
   * @default Duration.seconds(300)
   * @see https://docs.aws.amazon.com/firehose/latest/dev/dynamic-partitioning.html
   */
  readonly bufferingInterval?: Duration;
  /**
   * How much Firehose buffers (per partition) before writing a file. Dynamic partitioning requires
   * 64-128 MiB. Ticket volumes rarely fill it, so `bufferingInterval` usually decides.
   * @default Size.mebibytes(128)
   */
  readonly bufferingSize?: Size;
  /**
   * How long Firehose buffers records before invoking the transform (0-900 s).
   * @default Duration.seconds(60)
   * @see https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html
   */
  readonly processorBufferInterval?: Duration;
  /**
   * How much Firehose buffers before invoking the transform. Firehose allows 0.2-3 MB; the
   * aws-cdk-lib processor renders whole mebibytes, so 1-3 MiB. The transform's response (input
   * plus one byte per record, base64) stays under Lambda's 6 MB synchronous limit.
   * @default Size.mebibytes(1)
   */
  readonly processorBufferSize?: Size;
  /**
   * Times Firehose retries a failed transform invocation before the batch goes to the error prefix.
   * @default 3
   */
  readonly processorRetries?: number;
  /**
   * Retention of the log group that receives Firehose delivery and transform errors.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Customer managed KMS key for the error log group. CloudWatch Logs must be allowed to use it
   * in the key policy (FreshdeskLake adds that for a key defined in the app).
   * @default - encrypted by CloudWatch Logs with its own keys
   */
  readonly logEncryptionKey?: kms.IKey;
}

/** Firehose limits that the props are checked against at synth. */
export const DELIVERY_LIMITS = {
  /** Dynamic partitioning needs a buffer of at least 64 MiB and 60 s; 128 MiB and 900 s are the maximums. */
  bufferingIntervalSeconds: { min: 60, max: 900 },
  bufferingSizeMiB: { min: 64, max: 128 },
  processorBufferIntervalSeconds: { min: 0, max: 900 },
  processorBufferSizeMiB: { min: 1, max: 3 },
  processorRetries: { min: 0, max: 300 },
} as const;

/**
 * The Firehose delivery stream from EventBridge to the lake bucket:
 * transform Lambda -> dynamic partitioning on the `dt` key the Lambda returns ->
 * `events/dt=YYYY-MM-DD/*.gz` (GZIP); records the transform marks ProcessingFailed, or that fail
 * delivery, go to `errors/!{firehose:error-output-type}/YYYY-MM-DD/`. Errors are logged to
 * CloudWatch Logs.
 *
 * The stream is encrypted at rest with an AWS owned key: records stay in it for at most the
 * buffering interval, the S3 objects are encrypted by the bucket, and a customer managed key
 * would add a key policy, grants and per-request KMS cost without a reader who needs to be kept
 * out. EventBridge can put records into the stream without KMS permissions.
 *
 * Permissions are written out explicitly: `S3Bucket` destinations grant `bucket.grantReadWrite`,
 * whose actions contain wildcards (`s3:GetObject*`, `s3:Abort*`, ...) and cover the whole bucket.
 * Here Firehose may write only under `events/` and `errors/`.
 */
export class LakeDeliveryStream extends Construct {
  readonly deliveryStream: firehose.DeliveryStream;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** The buffering interval in effect (alarm thresholds derive from it). */
  readonly bufferingInterval: Duration;
  /** The transform buffering interval in effect. */
  readonly processorBufferInterval: Duration;

  constructor(scope: Construct, id: string, props: LakeDeliveryStreamProps) {
    super(scope, id);
    const bufferingInterval = props.bufferingInterval ?? Duration.seconds(300);
    const bufferingSize = props.bufferingSize ?? Size.mebibytes(128);
    const processorBufferInterval = props.processorBufferInterval ?? Duration.seconds(60);
    const processorBufferSize = props.processorBufferSize ?? Size.mebibytes(1);
    const processorRetries = props.processorRetries ?? 3;
    checkWholeNumberInRange('bufferingInterval', bufferingInterval.toSeconds({ integral: false }), DELIVERY_LIMITS.bufferingIntervalSeconds, 'seconds', ' when dynamic partitioning is enabled');
    checkWholeNumberInRange('bufferingSize', bufferingSize.toMebibytes({ rounding: SizeRoundingBehavior.NONE }), DELIVERY_LIMITS.bufferingSizeMiB, 'MiB', ' when dynamic partitioning is enabled');
    checkWholeNumberInRange('processorBufferInterval', processorBufferInterval.toSeconds({ integral: false }), DELIVERY_LIMITS.processorBufferIntervalSeconds, 'seconds');
    checkWholeNumberInRange('processorBufferSize', processorBufferSize.toMebibytes({ rounding: SizeRoundingBehavior.NONE }), DELIVERY_LIMITS.processorBufferSizeMiB, 'MiB');
    checkWholeNumberInRange('processorRetries', processorRetries, DELIVERY_LIMITS.processorRetries, 'retries');
    this.bufferingInterval = bufferingInterval;
    this.processorBufferInterval = processorBufferInterval;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logEncryptionKey,
      // Error messages carry no record contents; nothing to keep after the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeLogGroupGuardRules(this.logGroup, props.logEncryptionKey, 'Firehose delivery and transform errors');

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('firehose.amazonaws.com', {
        // Firehose passes the account id as external id: the role cannot be used for another account's stream.
        conditions: { StringEquals: { 'sts:ExternalId': Stack.of(this).account } },
      }),
      description: 'Firehose: invoke the transform, write events/ and errors/ to the lake bucket, log errors.',
    });
    this.grantDelivery(props.bucket, props.transformFunction);

    this.deliveryStream = new firehose.DeliveryStream(this, 'Stream', {
      encryption: firehose.StreamEncryption.awsOwnedKey(),
      destination: new firehose.S3Bucket(props.bucket, {
        // An immutable view of the role: the destination's own grants (wildcard actions) are dropped.
        role: this.role.withoutPolicyUpdates(),
        processors: [
          new firehose.LambdaFunctionProcessor(props.transformFunction, {
            bufferInterval: processorBufferInterval,
            bufferSize: processorBufferSize,
            retries: processorRetries,
          }),
        ],
        dynamicPartitioning: { enabled: true },
        dataOutputPrefix: FIREHOSE_DATA_PREFIX,
        errorOutputPrefix: FIREHOSE_ERROR_PREFIX,
        compression: firehose.Compression.GZIP,
        fileExtension: LAKE_OBJECT_EXTENSION,
        bufferingInterval,
        bufferingSize,
        loggingConfig: new firehose.EnableLogging(this.logGroup),
      }),
    });
    // Firehose checks its permissions when the stream is created: the policy must exist first.
    // (The role itself is already a reference of the stream.)
    this.deliveryStream.node.addDependency(this.role.node.findChild('DefaultPolicy'));
    // The L2 stream always adds a mapping of Firehose CIDR blocks (for Redshift/Splunk
    // destinations), unused with S3; CloudFormation's validator warns about unused mappings.
    Validations.of(Stack.of(this)).acknowledge({
      id: 'CloudFormation-Validate::W7001',
      reason: 'The Firehose L2 adds the mapping awscdkawskinesisfirehoseCidrBlocks for network destinations; an S3 destination does not use it.',
    });
  }

  private grantDelivery(bucket: s3.IBucket, transform: lambda.IFunction): void {
    // The actions Firehose documents for an S3 destination, each named (no wildcards).
    // https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-s3
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'],
        resources: [bucket.bucketArn],
      }),
    );
    const objectArns = [bucket.arnForObjects(`${EVENTS_PREFIX}*`), bucket.arnForObjects(`${ERRORS_PREFIX}*`)];
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'], resources: objectArns }),
    );
    acknowledgeWildcardResources(
      this.role,
      objectArns,
      'Firehose writes objects whose keys it generates (date partition, file name) under events/ and errors/; the grant is limited to those two prefixes.',
    );
    if (bucket.encryptionKey) {
      // A brought bucket with SSE-KMS default encryption: Firehose's PutObject needs the key.
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['kms:GenerateDataKey', 'kms:Decrypt'], resources: [bucket.encryptionKey.keyArn] }),
      );
    }
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction', 'lambda:GetFunctionConfiguration'],
        resources: [transform.functionArn],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        // The log stream is created by CloudFormation; Firehose only puts events into it.
        actions: ['logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
  }
}

/**
 * The cfn-guard (Control Tower) rules a lake log group does not follow, with their reasons. The
 * KMS rule is acknowledged only when the log group has no customer managed key.
 */
export function acknowledgeLogGroupGuardRules(logGroup: logs.ILogGroup, encryptionKey: kms.IKey | undefined, holds: string): void {
  acknowledgeGuardRule(
    logGroup,
    'cloudwatch_log_group_retention_period_check',
    `The group holds ${holds}, never event payloads (personal data): worth a month for troubleshooting, not a year. The retention is a prop (logRetention).`,
  );
  if (!encryptionKey) {
    acknowledgeGuardRule(
      logGroup,
      'cloudwatch_log_group_encrypted_check',
      'CloudWatch Logs encrypts every log group at rest with its own keys; pass encryptionKey to FreshdeskLake for a customer managed key.',
    );
  }
}

