import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeGuardRule } from './nag-findings';

/** Properties of {@link PipelineAlarms}. */
export interface PipelineAlarmsProps {
  readonly deliveryStream: firehose.IDeliveryStream;
  readonly transformFunction: lambda.IFunction;
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * Alarm when the oldest record in Firehose is older than this. It must exceed the time records
   * normally wait in the buffers (processor interval + delivery interval), or it fires every day.
   */
  readonly dataFreshnessThreshold: Duration;
  /**
   * Topic notified when an alarm fires and when it recovers.
   * @default - alarms have no actions (visible in the CloudWatch console only)
   */
  readonly alarmTopic?: sns.ITopic;
}

const PERIOD = Duration.minutes(5);

/**
 * CloudWatch alarms on the ingestion path, each with "missing data is fine" (no ticket traffic
 * means no datapoints, not an outage):
 *
 * - Firehose data freshness over the threshold (delivery to S3 is stuck or slow);
 * - Firehose S3 delivery success below 100 % (records go to the error prefix);
 * - Firehose transform invocations failing (after retries the whole batch goes to the error prefix);
 * - transform Lambda errors;
 * - the EventBridge dead-letter queue not empty (events EventBridge could not put into Firehose).
 *
 * @see https://docs.aws.amazon.com/firehose/latest/dev/monitoring-with-cloudwatch-metrics.html
 */
export class PipelineAlarms extends Construct {
  readonly dataFreshness: cloudwatch.Alarm;
  readonly deliverySuccess: cloudwatch.Alarm;
  readonly transformInvocationSuccess: cloudwatch.Alarm;
  readonly transformErrors: cloudwatch.Alarm;
  readonly deadLetterQueueNotEmpty: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const stream = props.deliveryStream;
    this.dataFreshness = this.alarm('DeliveryDataFreshness', {
      metric: stream.metric('DeliveryToS3.DataFreshness', { statistic: cloudwatch.Stats.MAXIMUM, period: PERIOD }),
      threshold: props.dataFreshnessThreshold.toSeconds(),
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: `Firehose has held a ticket event for more than ${props.dataFreshnessThreshold.toHumanString()} without delivering it to S3.`,
    });
    this.deliverySuccess = this.alarm('DeliveryToS3Success', {
      metric: stream.metric('DeliveryToS3.Success', { statistic: cloudwatch.Stats.MINIMUM, period: PERIOD }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      alarmDescription: 'Firehose failed to put objects into the lake bucket; records are retried, then written under errors/.',
    });
    this.transformInvocationSuccess = this.alarm('TransformInvocationSuccess', {
      metric: stream.metric('ExecuteProcessing.Success', { statistic: cloudwatch.Stats.MINIMUM, period: PERIOD }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      alarmDescription: 'Firehose could not invoke the transform Lambda; failed batches are written under errors/processing-failed/.',
    });
    this.transformErrors = this.alarm('TransformErrors', {
      metric: props.transformFunction.metricErrors({ statistic: cloudwatch.Stats.SUM, period: PERIOD }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      alarmDescription: 'The Firehose transform Lambda raised errors.',
    });
    this.deadLetterQueueNotEmpty = this.alarm('DeadLetterQueueNotEmpty', {
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({ statistic: cloudwatch.Stats.MAXIMUM, period: PERIOD }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      alarmDescription: 'EventBridge could not deliver ticket events to Firehose; they wait in the dead-letter queue; replay them from the archive once the cause is fixed.',
    });
    if (props.alarmTopic) {
      const action = new actions.SnsAction(props.alarmTopic);
      for (const alarm of this.all) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    } else {
      acknowledgeGuardRule(
        this,
        'cloudwatch_alarm_action_check',
        'No alarmTopic was given: the alarms show in the CloudWatch console and notify nobody. Pass alarmTopic (FreshdeskLake) to give every alarm an alarm and OK action.',
      );
    }
  }

  /** Every alarm of the pipeline. */
  get all(): cloudwatch.Alarm[] {
    return [this.dataFreshness, this.deliverySuccess, this.transformInvocationSuccess, this.transformErrors, this.deadLetterQueueNotEmpty];
  }

  private alarm(id: string, props: Omit<cloudwatch.AlarmProps, 'evaluationPeriods'>): cloudwatch.Alarm {
    return new cloudwatch.Alarm(this, id, { evaluationPeriods: 1, treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING, ...props });
  }
}
