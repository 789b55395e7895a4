/**
 * The constructs one at a time, in a bare stack (no bundling): the Firehose target with its
 * dead-letter queue, prop validation messages, bringing a bucket, named queries from a directory,
 * alarm actions, the event-pattern conversion and the Presto view encoding.
 */
import { join } from 'node:path';
import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { ticketEventPattern } from '../lib/event-pattern';
import { loadSavedQueries, positionalSql } from '../lib/saved-queries';
import { LAKE_VIEWS } from '../lib/views';
import {
  AccessLogsBucket,
  FirehoseTargetWithDeadLetterQueue,
  LakeBucket,
  LakeDeliveryStream,
  LakeWorkGroup,
  PipelineAlarms,
  SavedNamedQueries,
  eventPatternOf,
  flattenCfnReference,
  prestoViewOriginalText,
} from '../lib/constructs';
import { bareStack } from './cdk-synth';

const FIXTURE_QUERIES = join(__dirname, 'fixtures', 'cdk-queries');

const importedStream = (stack: Stack) => firehose.DeliveryStream.fromDeliveryStreamName(stack, 'Stream', 'lake-stream');
const importedFunction = (stack: Stack) =>
  lambda.Function.fromFunctionAttributes(stack, 'Fn', { functionArn: 'arn:aws:lambda:eu-west-1:111111111111:function:transform', sameEnvironment: true });
const importedBucket = (stack: Stack) => s3.Bucket.fromBucketName(stack, 'Bucket', 'lake-bucket');

describe('FirehoseTargetWithDeadLetterQueue', () => {
  const ruleWithTarget = (props: Partial<ConstructorParameters<typeof FirehoseTargetWithDeadLetterQueue>[1]> = {}) => {
    const stack = bareStack();
    const queue = new sqs.Queue(stack, 'Dlq');
    const rule = new events.Rule(stack, 'Rule', { eventPattern: { source: ['x'] } });
    rule.addTarget(new FirehoseTargetWithDeadLetterQueue(importedStream(stack), { deadLetterQueue: queue, ...props }));
    return { stack, template: Template.fromStack(stack), queueId: stack.getLogicalId(queue.node.defaultChild as sqs.CfnQueue) };
  };

  it('returns the stream, a role, the dead-letter queue and the default retry policy', () => {
    const { template, queueId } = ruleWithTarget();
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        {
          Arn: Match.objectLike({ 'Fn::Join': Match.anyValue() }),
          Id: 'Target0',
          RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('FirehoseTargetRole'), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
          RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
        },
      ],
    });
  });

  it('takes maxEventAge and retryAttempts', () => {
    ruleWithTarget({ maxEventAge: Duration.hours(2), retryAttempts: 10 }).template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [Match.objectLike({ RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 10 } })],
    });
  });

  it('grants the role PutRecord/PutRecordBatch on the stream only, and EventBridge SendMessage for this rule only', () => {
    const { template, queueId } = ruleWithTarget();
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'], Resource: Match.anyValue() }] },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'events.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': Match.anyValue() } } })] },
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [Match.stringLikeRegexp('^Rule'), 'Arn'] } } },
          }),
        ],
      },
    });
  });

  it.each([
    [{ maxEventAge: Duration.seconds(59) }, 'maxEventAge must be between 60 seconds and 86400 seconds (24 hours), got 59 seconds.'],
    [{ maxEventAge: Duration.hours(25) }, 'maxEventAge must be between 60 seconds and 86400 seconds (24 hours), got 90000 seconds.'],
    [{ retryAttempts: 186 }, 'retryAttempts must be an integer between 0 and 185, got 186.'],
    [{ retryAttempts: -1 }, 'retryAttempts must be an integer between 0 and 185, got -1.'],
  ])('rejects %o', (props, message) => {
    const stack = bareStack();
    expect(() => new FirehoseTargetWithDeadLetterQueue(importedStream(stack), { deadLetterQueue: new sqs.Queue(stack, 'Q'), ...props })).toThrow(message);
  });
});

describe('LakeDeliveryStream validation', () => {
  const build = (props: Record<string, unknown>) => {
    const stack = bareStack();
    return () => new LakeDeliveryStream(stack, 'Delivery', { bucket: importedBucket(stack), transformFunction: importedFunction(stack), ...props });
  };

  it.each([
    [{ bufferingInterval: Duration.seconds(59) }, 'bufferingInterval must be a whole number between 60 and 900 seconds when dynamic partitioning is enabled, got 59 seconds.'],
    [{ bufferingInterval: Duration.seconds(901) }, 'bufferingInterval must be a whole number between 60 and 900 seconds when dynamic partitioning is enabled, got 901 seconds.'],
    [{ bufferingSize: Size.mebibytes(63) }, 'bufferingSize must be a whole number between 64 and 128 MiB when dynamic partitioning is enabled, got 63 MiB.'],
    [{ bufferingSize: Size.mebibytes(129) }, 'bufferingSize must be a whole number between 64 and 128 MiB when dynamic partitioning is enabled, got 129 MiB.'],
    [{ processorBufferInterval: Duration.seconds(901) }, 'processorBufferInterval must be a whole number between 0 and 900 seconds, got 901 seconds.'],
    [{ processorBufferSize: Size.mebibytes(4) }, 'processorBufferSize must be a whole number between 1 and 3 MiB, got 4 MiB.'],
    [{ processorBufferSize: Size.kibibytes(200) }, 'processorBufferSize must be a whole number between 1 and 3 MiB, got 0.1953125 MiB.'],
    [{ processorRetries: 301 }, 'processorRetries must be a whole number between 0 and 300 retries, got 301 retries.'],
  ])('rejects %o naming the prop and the range', (props, message) => {
    expect(build(props)).toThrow(message);
  });

  it('accepts the edges of the ranges', () => {
    expect(
      build({ bufferingInterval: Duration.seconds(60), bufferingSize: Size.mebibytes(64), processorBufferInterval: Duration.seconds(0), processorBufferSize: Size.mebibytes(3) }),
    ).not.toThrow();
  });

  it('grants KMS on a brought SSE-KMS bucket', () => {
    const stack = bareStack();
    const bucket = s3.Bucket.fromBucketAttributes(stack, 'Kms', {
      bucketName: 'kms-lake',
      encryptionKey: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:111111111111:key/abc'),
    });
    new LakeDeliveryStream(stack, 'Delivery', { bucket, transformFunction: importedFunction(stack) });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: 'arn:aws:kms:eu-west-1:111111111111:key/abc' }]) },
    });
  });
});

describe('LakeBucket', () => {
  it('uses a brought bucket and creates none', () => {
    const stack = bareStack();
    const existing = importedBucket(stack);
    expect(new LakeBucket(stack, 'Lake', { existingBucket: existing }).bucket).toBe(existing);
    Template.fromStack(stack).resourceCountIs('AWS::S3::Bucket', 0);
  });

  it('refuses lifecycle props together with a brought bucket', () => {
    const stack = bareStack();
    expect(() => new LakeBucket(stack, 'Lake', { existingBucket: importedBucket(stack), expiration: Duration.days(400) })).toThrow(
      'LakeBucket: expiration cannot be set with existingBucket (they apply only to a bucket the construct creates).',
    );
  });

  it('takes transition and expiry props', () => {
    const stack = bareStack();
    new LakeBucket(stack, 'Lake', { infrequentAccessAfter: Duration.days(30), expiration: Duration.days(730) });
    Template.fromStack(stack).hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }], ExpirationInDays: 730 })] },
    });
  });

  it.each([
    [{ infrequentAccessAfter: Duration.days(29) }, 'infrequentAccessAfter must be a whole number of days >= 30 (S3 minimum before Standard-IA), got 29.'],
    [{ expiration: Duration.days(60) }, 'expiration (60 days) must be longer than infrequentAccessAfter (90 days).'],
  ])('rejects %o', (props, message) => {
    expect(() => new LakeBucket(bareStack(), 'Lake', props)).toThrow(message);
  });
});

describe('LakeWorkGroup', () => {
  it('takes the scan cutoff and result expiry', () => {
    const stack = bareStack();
    new LakeWorkGroup(stack, 'Wg', { workGroupName: 'wg', bytesScannedCutoffPerQuery: Size.gibibytes(1), resultsExpiration: Duration.days(1) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Athena::WorkGroup', { WorkGroupConfiguration: Match.objectLike({ BytesScannedCutoffPerQuery: 1024 ** 3 }) });
    template.hasResourceProperties('AWS::S3::Bucket', { LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 1 })] } });
  });

  it('rejects a cutoff below Athena minimum of 10 MB', () => {
    expect(() => new LakeWorkGroup(bareStack(), 'Wg', { workGroupName: 'wg', bytesScannedCutoffPerQuery: Size.mebibytes(9) })).toThrow(
      'bytesScannedCutoffPerQuery must be at least 10 MB (10000000 bytes, Athena\'s minimum), got 9437184 bytes.',
    );
  });

  it('rejects a workgroup name Athena does not allow', () => {
    expect(() => new LakeWorkGroup(bareStack(), 'Wg', { workGroupName: 'my workgroup' })).toThrow(/^workGroupName must be 1-128 letters/);
  });
});

describe('SavedNamedQueries', () => {
  it('creates one named query per file of the directory, with positional SQL', () => {
    const stack = bareStack();
    const saved = new SavedNamedQueries(stack, 'Queries', { databaseName: 'lake_db', workGroupName: 'lake-wg', queriesDirectory: FIXTURE_QUERIES });
    const queries = loadSavedQueries(FIXTURE_QUERIES);
    expect(queries.length).toBe(2);
    expect(saved.namedQueries).toHaveLength(2);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Athena::NamedQuery', 2);
    const urgent = queries.find((q) => q.name === 'unassigned-urgent')!;
    template.hasResourceProperties('AWS::Athena::NamedQuery', {
      Name: 'unassigned-urgent',
      Description: 'Urgent tickets with no responder, in their latest state (fixture for the CDK tests).',
      QueryString: positionalSql(urgent.sql).sql,
      Database: 'lake_db',
      WorkGroup: 'lake-wg',
    });
    expect(positionalSql(urgent.sql).sql).toContain('WHERE priority = ? AND responder_id IS NULL');
  });
});

describe('PipelineAlarms', () => {
  it('notifies the topic when an alarm fires and when it recovers', () => {
    const stack = bareStack();
    const topic = new sns.Topic(stack, 'Topic');
    const alarms = new PipelineAlarms(stack, 'Alarms', {
      deliveryStream: importedStream(stack),
      transformFunction: importedFunction(stack),
      deadLetterQueue: new sqs.Queue(stack, 'Dlq'),
      dataFreshnessThreshold: Duration.minutes(20),
      alarmTopic: topic,
    });
    expect(alarms.all).toHaveLength(5);
    const template = Template.fromStack(stack);
    const topicRef = { Ref: stack.getLogicalId(topic.node.defaultChild as sns.CfnTopic) };
    for (const [, alarm] of Object.entries(template.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([topicRef]);
      expect(alarm.Properties.OKActions).toEqual([topicRef]);
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'DeliveryToS3.DataFreshness', Threshold: 1200 });
  });
});

describe('eventPatternOf', () => {
  it('maps detail-type to detailType and keeps content filters, so the Rule renders the pattern unchanged', () => {
    const pattern = ticketEventPattern({ detailTypes: ['onTicketCreate'], account: '111111111111' });
    const stack = bareStack();
    new events.Rule(stack, 'Rule', { eventPattern: eventPatternOf(pattern) });
    Template.fromStack(stack).hasResourceProperties('AWS::Events::Rule', { EventPattern: pattern });
    expect(eventPatternOf(pattern)).toEqual({ source: pattern.source, detailType: ['onTicketCreate'], account: ['111111111111'] });
  });

  it('rejects a field that is not in the EventBridge envelope', () => {
    expect(() => eventPatternOf({ 'detail_type': ['x'] })).toThrow(/^Event pattern field "detail_type" is not an EventBridge envelope field/);
  });
});

describe('prestoViewOriginalText', () => {
  it('encodes the view as Athena does when the database name is known', () => {
    const stack = bareStack();
    const view = LAKE_VIEWS[1];
    const text = stack.resolve(prestoViewOriginalText(view, 'lake_db'));
    const base64 = text['Fn::Join'][1][1]['Fn::Base64'];
    const definition = JSON.parse(Buffer.from(Buffer.from(String(base64)).toString('base64'), 'base64').toString());
    expect(definition).toEqual({ originalSql: view.sql, catalog: 'awsdatacatalog', schema: 'lake_db', columns: view.columns.map((c) => ({ name: c.name, type: c.type.trino })) });
  });

  it('rejects a database name Athena views cannot use', () => {
    expect(() => prestoViewOriginalText(LAKE_VIEWS[0], 'Lake-DB')).toThrow(/use lower-case letters, digits and _ only/);
  });
});

describe('flattenCfnReference (cdk-nag finding ids)', () => {
  it.each([
    [{ 'Fn::Join': ['', [{ 'Fn::GetAtt': ['Bucket1', 'Arn'] }, '/events/*']] }, '<Bucket1.Arn>/events/*'],
    [{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::b/*']] }, 'arn:<AWS::Partition>:s3:::b/*'],
    ['arn:aws:s3:::b/${x}', 'arn:aws:s3:::b/<x>'],
  ])('flattens %o', (value, flat) => {
    expect(flattenCfnReference(value)).toBe(flat);
  });
});

describe('server access logs without feature flags', () => {
  it('reach the logs bucket through its bucket policy in an app that sets no feature flags (no ACL, which the buckets disable)', () => {
    // An app with no cdk.json context: aws-cdk-lib would otherwise fall back to the log-delivery
    // ACL and stop with "objectOwnership must be set to ObjectWriter".
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'NoFlags');
    const logs = new AccessLogsBucket(stack, 'Logs');
    new LakeBucket(stack, 'Data', { serverAccessLogsBucket: logs.bucket, serverAccessLogsPrefix: 'data/' });
    new LakeWorkGroup(stack, 'Athena', { workGroupName: 'lake', serverAccessLogsBucket: logs.bucket });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: 's3:PutObject', Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' } })]),
      },
    });
    for (const bucket of Object.values(template.findResources('AWS::S3::Bucket'))) {
      expect(bucket.Properties?.AccessControl).toBeUndefined();
      expect(bucket.Properties?.OwnershipControls?.Rules?.[0]?.ObjectOwnership).toBe('BucketOwnerEnforced');
    }
  });
});
