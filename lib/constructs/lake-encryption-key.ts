import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * Lets CloudWatch Logs encrypt and decrypt the log groups of this account and region with the key.
 * CloudWatch Logs uses the key itself (not a role), so only the key policy can allow it; the
 * encryption-context condition keeps it to log groups of this account and region. The log group
 * names are generated, and naming their ARNs in the key policy would make a cycle (each log group
 * refers to the key).
 *
 * A no-op for an imported key (its policy is not this stack's): grant the same in that key's policy.
 * @see https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 */
export function allowCloudWatchLogsToUseKey(key: kms.IKey): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowCloudWatchLogsOfThisAccountAndRegion',
      principals: [new iam.ServicePrincipal(`logs.${Aws.REGION}.amazonaws.com`)],
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:DescribeKey'],
      resources: ['*'],
      conditions: {
        ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:*` },
      },
    }),
  );
}

/**
 * Lets EventBridge put undeliverable events into a dead-letter queue encrypted with the key: SQS
 * asks KMS for a data key on the sender's behalf, and EventBridge sends as itself. Limited to
 * EventBridge rules of this account (naming the rule would make a cycle: rule -> queue -> key -> rule).
 *
 * A no-op for an imported key: grant the same in that key's policy.
 * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
 */
export function allowEventBridgeToSendToQueuesWithKey(key: kms.IKey): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'AllowEventBridgeRulesOfThisAccountToUseTheDeadLetterQueue',
      principals: [new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
      resources: ['*'],
      conditions: {
        StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
        ArnLike: { 'aws:SourceArn': `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/*` },
      },
    }),
  );
}

/** Properties of a {@link LakeEncryptionKey}. */
export interface LakeEncryptionKeyProps {
  /**
   * What happens to the key when it leaves the stack. Retained by default: the retained data
   * bucket's objects stay encrypted with it and would be unreadable without it.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * A customer managed KMS key for one lake (`FreshdeskLake`'s `encryptionKey`), with yearly
 * automatic rotation. Its key policy keeps the default statement that lets IAM policies of the
 * account grant its use (Firehose's role, Athena users), denies grants not made by an AWS service
 * for an AWS resource; FreshdeskLake adds CloudWatch Logs and EventBridge, which use the key as services.
 */
export class LakeEncryptionKey extends Construct {
  readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: LakeEncryptionKeyProps = {}) {
    super(scope, id);
    this.key = new kms.Key(this, 'Key', {
      description: 'freshlake: Freshdesk ticket lake (data and query results buckets, dead-letter queue, log groups)',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // Only AWS services may create grants on the key, and only for their resources (S3, SQS and
    // CloudWatch Logs use grants for the lake's objects, messages and log events); a person or
    // role of the account cannot hand the key's use to someone else by a grant (Control Tower CT.KMS.PR.3).
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'GrantsOnlyByAwsServicesForAwsResources',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:CreateGrant'],
        resources: ['*'],
        conditions: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
      }),
    );
  }
}
