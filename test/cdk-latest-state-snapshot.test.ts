/**
 * The latest-state snapshot construct (lib/constructs/latest-state-snapshot.ts): the schedules,
 * the function's configuration, the alarm, least-privilege IAM, and the whole stack with the
 * option on passing cdk-nag (synth fails on an unacknowledged finding) and AWS's CloudFormation
 * validator.
 */
import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { LatestStateSnapshot, SNAPSHOT_STATE_KEY, SNAPSHOT_TABLE_PREFIX } from '../lib/constructs/latest-state-snapshot';
import { MAINTENANCE_ENV } from '../lib/snapshot/maintenance-config';
import { PARTNER_SOURCE, actionsOf, allPolicyStatements, bareStack, cloudFormationFindings, synthFreshlakeApp, validationViolations } from './cdk-synth';

function snapshotStack(extra: Partial<ConstructorParameters<typeof LatestStateSnapshot>[2]> = {}) {
  const stack = bareStack();
  const dataBucket = new s3.Bucket(stack, 'Data');
  const resultsBucket = new s3.Bucket(stack, 'Results');
  const snapshot = new LatestStateSnapshot(stack, 'Snapshot', { dataBucket, resultsBucket, databaseName: 'lake_db', workGroupName: 'lake-wg', ...extra });
  return { stack, snapshot, template: Template.fromStack(stack) };
}

describe('LatestStateSnapshot', () => {
  it('merges hourly and optimizes daily through EventBridge Scheduler, without retries (the next run retries)', () => {
    const { template } = snapshotStack();
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(7 * * * ? *)',
      Target: Match.objectLike({ Input: JSON.stringify({ action: 'merge' }), RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 0 }) }),
    });
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(37 3 * * ? *)',
      Target: Match.objectLike({ Input: JSON.stringify({ action: 'optimize' }) }),
    });
  });

  it('configures the function with the lake names, its own bucket for the Iceberg table and the watermark, and a 15 minute timeout', () => {
    const { template } = snapshotStack({ lookback: Duration.days(3) });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Timeout: 900,
      Environment: {
        Variables: Match.objectLike({
          [MAINTENANCE_ENV.database]: 'lake_db',
          [MAINTENANCE_ENV.workGroup]: 'lake-wg',
          [MAINTENANCE_ENV.stateKey]: SNAPSHOT_STATE_KEY,
          [MAINTENANCE_ENV.lookbackDays]: '3',
          [MAINTENANCE_ENV.overlapMinutes]: '60',
          [MAINTENANCE_ENV.snapshotLocation]: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([`/${SNAPSHOT_TABLE_PREFIX}`])] }),
        }),
      },
    });
    expect(SNAPSHOT_STATE_KEY.startsWith(SNAPSHOT_TABLE_PREFIX)).toBe(false);
  });

  it('alarms on a failed run, and notifies the topic', () => {
    const stack = bareStack();
    const topic = new sns.Topic(stack, 'Topic');
    new LatestStateSnapshot(stack, 'Snapshot', { dataBucket: new s3.Bucket(stack, 'Data'), resultsBucket: new s3.Bucket(stack, 'Results'), databaseName: 'd', workGroupName: 'w', alarmTopic: topic });
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('Topic') }],
    });
  });

  it('grants named actions only, reads the lake without writing or deleting there, and scopes Athena to the workgroup', () => {
    const { template } = snapshotStack();
    const statements = allPolicyStatements(template.toJSON() as Parameters<typeof allPolicyStatements>[0]).filter((s) => s.type === 'AWS::IAM::Policy');
    const actions = statements.flatMap((s) => actionsOf(s.statement));
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(new Set(actions)).toEqual(
      new Set([
        'logs:CreateLogStream', 'logs:PutLogEvents', 'athena:StartQueryExecution', 'athena:GetQueryExecution', 'glue:GetDatabase', 'glue:GetTable', 'glue:CreateTable', 'glue:UpdateTable',
        's3:ListBucket', 's3:GetBucketLocation', 's3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 'lambda:InvokeFunction',
      ]),
    );
    const json = JSON.stringify(statements);
    // Writes and deletes only in the snapshot bucket (and results): never on the lake's Data bucket.
    for (const s of statements) {
      const writes = actionsOf(s.statement).filter((a) => ['s3:PutObject', 's3:DeleteObject'].includes(a));
      if (writes.length > 0) expect(JSON.stringify(s.statement.Resource)).not.toMatch(/Data[0-9A-F]{8}/);
    }
    expect(json).toContain('workgroup/lake-wg');
    expect(json).toContain('table/lake_db/ticket_latest_state_snapshot');
  });

  it('refuses a lookback shorter than a whole day', () => {
    expect(() => snapshotStack({ lookback: Duration.hours(12) })).toThrow(/lookback must be a whole number of days >= 1/);
  });
});

describe('a stack with latestStateSnapshot on', () => {
  it('is off unless asked for, and refuses a context value that is not true or false', () => {
    const { stacks } = synthFreshlakeApp({ partnerEventSource: PARTNER_SOURCE });
    expect(stacks[0].lake.latestStateSnapshot).toBeUndefined();
    expect(() => synthFreshlakeApp({ partnerEventSource: PARTNER_SOURCE, latestStateSnapshot: 'yes' })).toThrow(/Context latestStateSnapshot must be true or false, got "yes"/);
  });

  it('synthesizes (cdk deploy -c latestStateSnapshot=true) with no unacknowledged cdk-nag or cfn-guard finding, and passes the CloudFormation validator', () => {
    const { stacks, assembly } = synthFreshlakeApp({ partnerEventSource: PARTNER_SOURCE, latestStateSnapshot: 'true' }, {}, { cfnGuard: true });
    expect(validationViolations(assembly.directory)).toEqual([]);
    const [stack] = stacks;
    const template = assembly.getStackByName(stack.stackName).template;
    expect(Object.values(template.Resources as Record<string, { Type: string }>).filter((r) => r.Type === 'AWS::Scheduler::Schedule')).toHaveLength(2);
    const findings = cloudFormationFindings(stack, template).filter((f) => !f.acknowledged);
    expect(findings).toEqual([]);
  });
});
