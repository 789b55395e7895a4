import { Duration, Names, Stack, Token } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Properties of a {@link FirehoseTargetWithDeadLetterQueue}. */
export interface FirehoseTargetWithDeadLetterQueueProps {
  /**
   * Where EventBridge puts an event it could not deliver after the retry policy, instead of
   * dropping it. A standard SQS queue in the rule's account and region.
   * @see https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
   */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * How long EventBridge keeps retrying an event (60 s to 24 h).
   * @default Duration.hours(24)
   * @see https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_RetryPolicy.html
   */
  readonly maxEventAge?: Duration;
  /**
   * How many times EventBridge retries an event (0 to 185).
   * @default 185
   */
  readonly retryAttempts?: number;
}

/** EventBridge RetryPolicy limits. */
export const MAX_EVENT_AGE_RANGE_SECONDS = { min: 60, max: 86_400 } as const;
export const RETRY_ATTEMPTS_RANGE = { min: 0, max: 185 } as const;

/**
 * An EventBridge rule target that puts each event into a Firehose delivery stream, with a retry
 * policy and a dead-letter queue.
 *
 * `aws_events_targets.FirehoseDeliveryStream` has neither, so an event EventBridge fails to deliver
 * (Firehose throttling, a deleted stream, a revoked role) is dropped after 24 h. This target
 * returns the same role and ARN plus `retryPolicy` and `deadLetterConfig`, and lets EventBridge
 * (only for this rule) send to the queue.
 */
export class FirehoseTargetWithDeadLetterQueue implements events.IRuleTarget {
  constructor(
    private readonly deliveryStream: firehose.IDeliveryStream,
    private readonly props: FirehoseTargetWithDeadLetterQueueProps,
  ) {
    const maxEventAge = props.maxEventAge?.toSeconds();
    if (maxEventAge !== undefined && !Token.isUnresolved(maxEventAge)) {
      const { min, max } = MAX_EVENT_AGE_RANGE_SECONDS;
      if (maxEventAge < min || maxEventAge > max) {
        throw new Error(`maxEventAge must be between ${min} seconds and ${max} seconds (24 hours), got ${maxEventAge} seconds.`);
      }
    }
    const retries = props.retryAttempts;
    if (retries !== undefined && !Token.isUnresolved(retries)) {
      const { min, max } = RETRY_ATTEMPTS_RANGE;
      if (!Number.isInteger(retries) || retries < min || retries > max) {
        throw new Error(`retryAttempts must be an integer between ${min} and ${max}, got ${retries}.`);
      }
    }
  }

  bind(rule: events.IRuleRef, _id?: string): events.RuleTargetConfig {
    const ruleArn = events.CfnRule.arnForRule(rule);
    // One role per rule, scoped to PutRecord/PutRecordBatch on this stream only.
    const roleScope = rule instanceof Construct ? rule : this.deliveryStream;
    const roleId = `FirehoseTargetRole${rule instanceof Construct ? '' : Names.nodeUniqueId(rule.node)}`;
    const role =
      (roleScope.node.tryFindChild(roleId) as iam.Role | undefined) ??
      new iam.Role(roleScope, roleId, {
        assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
          // Confused-deputy guard: only EventBridge acting for this account. (aws:SourceArn of the
          // rule would be tighter but makes a cycle: the rule's target references this role.)
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(roleScope).account } },
        }),
        description: 'Lets the EventBridge rule put events into the Firehose delivery stream.',
      });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
        resources: [this.deliveryStream.deliveryStreamArn],
      }),
    );
    this.props.deadLetterQueue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `AllowEventRule${Names.nodeUniqueId(rule.node)}`,
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.props.deadLetterQueue.queueArn],
        conditions: { ArnEquals: { 'aws:SourceArn': ruleArn } },
      }),
    );
    return {
      arn: this.deliveryStream.deliveryStreamArn,
      role,
      targetResource: this.deliveryStream,
      deadLetterConfig: { arn: this.props.deadLetterQueue.queueArn },
      retryPolicy: {
        maximumEventAgeInSeconds: (this.props.maxEventAge ?? Duration.hours(24)).toSeconds(),
        maximumRetryAttempts: this.props.retryAttempts ?? RETRY_ATTEMPTS_RANGE.max,
      },
    };
  }
}
