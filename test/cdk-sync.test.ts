/**
 * The opt-in scheduled sync (lib/constructs/scheduled-sync.ts) in a lake stack: an EventBridge
 * Scheduler schedule invoking the sync Lambda, least-privilege IAM, reserved concurrency 1, an
 * alarm on failure, cdk-nag and cfn-guard clean. Read from the synthesized template.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { SYNC_ENV } from '../lambda/sync/config';
import { FreshdeskLake } from '../lib/constructs/freshdesk-lake';
import { LakeEncryptionKey } from '../lib/constructs/lake-encryption-key';
import { addFreshlakeStacks } from '../lib/freshlake-stack';
import { freshdeskBaseUrlOfDomain } from '../lib/constructs/scheduled-sync';
import { PARTNER_SOURCE, actionsOf, bareStack, cdkJsonContext, evaluateIntrinsics, validationViolations, type PolicyStatementJson } from './cdk-synth';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:freshdesk-api-key-AbCdEf';

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };
let stack: Stack;
let lake: FreshdeskLake;
let json: { Resources: Record<string, Resource> };
let template: Template;
let outdir: string;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'freshlake-cdk-sync-'));
  const app = new App({ context: cdkJsonContext(), outdir });
  stack = new Stack(app, 'Freshlake-1342406');
  const apiKeySecret = secretsmanager.Secret.fromSecretCompleteArn(stack, 'ApiKey', SECRET_ARN);
  lake = new FreshdeskLake(stack, 'Lake', {
    partnerEventSourceName: PARTNER_SOURCE,
    alarmTopic: new sns.Topic(stack, 'Alarms', { enforceSSL: true }),
    scheduledSync: { freshdeskDomain: 'acme', apiKeySecret },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new CfnGuardValidator());
  json = app.synth().getStackByName(stack.stackName).template;
  template = Template.fromJSON(json);
});

const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);

/** The Allow statements of the policies attached to a role (inline and AWS::IAM::Policy), trust policy left out. */
function statementsOfRole(roleId: string): PolicyStatementJson[] {
  const out: PolicyStatementJson[] = [];
  for (const resource of Object.values(json.Resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::IAM::Policy' && JSON.stringify(props.Roles ?? []).includes(`"${roleId}"`)) out.push(...props.PolicyDocument.Statement);
  }
  for (const policy of json.Resources[roleId].Properties.Policies ?? []) out.push(...policy.PolicyDocument.Statement);
  return out.filter((st) => st.Effect === 'Allow');
}
const syncFunction = () => json.Resources[id(lake.scheduledSync!.function)];

describe('the scheduled sync', () => {
  it('is a Lambda on the newest Node.js runtime, arm64, 15 minutes, reserved concurrency 1 (two runs never overlap)', () => {
    expect(syncFunction().Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], Timeout: 900, MemorySize: 512, ReservedConcurrentExecutions: 1 });
  });

  it('is configured through the environment the handler reads: the domain URL, the secret, the stream, the bucket and the source', () => {
    const bucket = id(lake.dataBucket.bucket);
    const stream = id(lake.delivery.deliveryStream);
    const env = evaluateIntrinsics(syncFunction().Properties.Environment.Variables, { [bucket]: 'lake-bucket', [stream]: 'lake-stream' });
    expect(env).toEqual({
      [SYNC_ENV.freshdeskUrl]: 'https://acme.freshdesk.com',
      [SYNC_ENV.apiKeySecretArn]: SECRET_ARN,
      [SYNC_ENV.deliveryStreamName]: 'lake-stream',
      [SYNC_ENV.dataBucketName]: 'lake-bucket',
      [SYNC_ENV.snapshotSource]: PARTNER_SOURCE,
    });
  });

  it('runs hourly on an EventBridge Scheduler schedule whose role may invoke this function only, without retries', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Target: { Arn: { 'Fn::GetAtt': [id(lake.scheduledSync!.function), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } },
    });
    const [scheduleResource] = Object.values(json.Resources).filter((r) => r.Type === 'AWS::Scheduler::Schedule');
    const roleId = scheduleResource.Properties.Target.RoleArn['Fn::GetAtt'][0];
    const statements = statementsOfRole(roleId);
    expect(statements.flatMap(actionsOf)).toEqual(['lambda:InvokeFunction']);
    for (const statement of statements) expect(JSON.stringify(statement.Resource)).toContain(id(lake.scheduledSync!.function));
  });

  it('drops instead of retrying a failed asynchronous run: the next tick resumes from the checkpoint', () => {
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 3600, Qualifier: '$LATEST' });
  });

  it('may read the one secret, put record batches into the one stream, use sync/ and dimensions/ of the bucket and write its own logs: nothing else', () => {
    const statements = statementsOfRole(id(lake.scheduledSync!.function.role as never));
    const bucket = id(lake.dataBucket.bucket);
    const refs = { [bucket]: 'lake-bucket', [`${bucket}.Arn`]: 'arn:aws:s3:::lake-bucket', [`${id(lake.delivery.deliveryStream)}.Arn`]: 'arn:stream', [`${id(lake.scheduledSync!.logGroup)}.Arn`]: 'arn:log-group' };
    const granted = statements.map((s) => ({ actions: actionsOf(s).sort(), resources: [evaluateIntrinsics(s.Resource, refs)].flat() }));
    expect(granted).toEqual(
      expect.arrayContaining([
        { actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: ['arn:log-group'] },
        { actions: ['firehose:PutRecordBatch'], resources: ['arn:stream'] },
        { actions: ['s3:GetObject', 's3:PutObject'], resources: ['arn:aws:s3:::lake-bucket/sync/*'] },
        { actions: ['s3:PutObject'], resources: ['arn:aws:s3:::lake-bucket/dimensions/*'] },
        { actions: ['s3:ListBucket'], resources: ['arn:aws:s3:::lake-bucket'] },
        { actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], resources: [SECRET_ARN] },
      ]),
    );
    expect(granted).toHaveLength(6);
    for (const s of statements) for (const action of actionsOf(s)) expect(action).not.toContain('*');
  });

  it('alarms (to the lake topic) when a run fails', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: id(lake.scheduledSync!.function) } }],
      Statistic: 'Sum',
      Period: 3600,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.anyValue() }],
      OKActions: [{ Ref: Match.anyValue() }],
    });
  });

  it('passes cdk-nag AwsSolutions and cfn-guard with no unacknowledged finding', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(validationViolations(outdir)).toEqual([]);
  });

  it('is not there unless asked for', () => {
    const plain = bareStack();
    const plainLake = new FreshdeskLake(plain, 'Lake', { partnerEventSourceName: PARTNER_SOURCE });
    expect(plainLake.scheduledSync).toBeUndefined();
    const t = Template.fromStack(plain);
    t.resourceCountIs('AWS::Scheduler::Schedule', 0);
  });
});

describe('scheduled sync props', () => {
  it.each([
    ['acme', 'https://acme.freshdesk.com'],
    ['acme.freshdesk.com', 'https://acme.freshdesk.com'],
    ['https://Acme-Support.freshdesk.com/', 'https://acme-support.freshdesk.com'],
  ])('reads the domain %s as %s', (domain, url) => {
    expect(freshdeskBaseUrlOfDomain(domain)).toBe(url);
  });

  it.each([
    [{ freshdeskDomain: 'acme.zendesk.com' }, /scheduledSync.freshdeskDomain must be the <name> of https:\/\/<name>.freshdesk.com/],
    [{ freshdeskDomain: 'http://acme.freshdesk.com' }, /scheduledSync.freshdeskDomain/],
    [{ timeout: Duration.minutes(16) }, /scheduledSync.timeout must be a whole number between 1 and 900 seconds, got 960/],
    [{ memorySize: 64 }, /scheduledSync.memorySize must be a whole number between 128 and 10240 MB/],
    [{ since: 'last tuesday' }, /scheduledSync.since must be an ISO-8601 date/],
  ])('fails at synth with the prop and the allowed values for %o', (override, message) => {
    const s = bareStack();
    const apiKeySecret = secretsmanager.Secret.fromSecretCompleteArn(s, 'ApiKey', SECRET_ARN);
    expect(() => new FreshdeskLake(s, 'Lake', { partnerEventSourceName: PARTNER_SOURCE, scheduledSync: { freshdeskDomain: 'acme', apiKeySecret, ...override } })).toThrow(message);
  });

  it('with a customer managed key: encrypts its log group with it and may use it for the bucket objects it writes', () => {
    const s = bareStack();
    const key = new LakeEncryptionKey(s, 'Key').key;
    const apiKeySecret = secretsmanager.Secret.fromSecretCompleteArn(s, 'ApiKey', SECRET_ARN);
    const keyedLake = new FreshdeskLake(s, 'Lake', { partnerEventSourceName: PARTNER_SOURCE, encryptionKey: key, scheduledSync: { freshdeskDomain: 'acme', apiKeySecret } });
    const t = Template.fromStack(s);
    const keyArn = { 'Fn::GetAtt': [s.getLogicalId(key.node.defaultChild as never), 'Arn'] };
    t.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: keyArn, LogGroupName: Match.absent() });
    const logGroup = t.toJSON().Resources[s.getLogicalId(keyedLake.scheduledSync!.logGroup.node.defaultChild as never)];
    expect(logGroup.Properties.KmsKeyId).toEqual(keyArn);
    const roleId = s.getLogicalId(keyedLake.scheduledSync!.function.role!.node.defaultChild as never);
    const policies = Object.values(t.toJSON().Resources as Record<string, Resource>).filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.Roles).includes(roleId));
    const kms = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((st: PolicyStatementJson) => actionsOf(st).some((a) => a.startsWith('kms:')));
    expect(kms).toEqual([expect.objectContaining({ Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: keyArn })]);
  });

  it('takes another schedule', () => {
    const s = bareStack();
    const apiKeySecret = secretsmanager.Secret.fromSecretCompleteArn(s, 'ApiKey', SECRET_ARN);
    new FreshdeskLake(s, 'Lake', { partnerEventSourceName: PARTNER_SOURCE, scheduledSync: { freshdeskDomain: 'acme', apiKeySecret, schedule: scheduler.ScheduleExpression.cron({ minute: '15' }) } });
    Template.fromStack(s).hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(15 * * * ? *)' });
  });
});

describe('the scheduled sync from the CDK context', () => {
  const appWith = (context: Record<string, unknown>) => new App({ context: { ...cdkJsonContext(), ...context } });

  it.each([
    ['a complete secret ARN', SECRET_ARN, SECRET_ARN],
    ['a secret name', 'freshdesk/api-key', 'freshdesk/api-key'],
  ])('is set up by -c freshdeskDomain and -c freshdeskApiKeySecret with %s', (_case, secret, expected) => {
    const [s] = addFreshlakeStacks(appWith({ partnerEventSource: PARTNER_SOURCE, freshdeskDomain: 'acme', freshdeskApiKeySecret: secret }));
    expect(s.lake.scheduledSync).toBeDefined();
    const fn = Template.fromStack(s).findResources('AWS::Lambda::Function', { Properties: { ReservedConcurrentExecutions: 1 } });
    const env = Object.values(fn)[0].Properties.Environment.Variables;
    expect(env[SYNC_ENV.freshdeskUrl]).toBe('https://acme.freshdesk.com');
    expect(JSON.stringify(env[SYNC_ENV.apiKeySecretArn])).toContain(expected);
  });

  it('is off without the keys', () => {
    const [s] = addFreshlakeStacks(appWith({ partnerEventSource: PARTNER_SOURCE }));
    expect(s.lake.scheduledSync).toBeUndefined();
  });

  it.each([
    [{ freshdeskDomain: 'acme' }, /needs both -c freshdeskDomain=.* and -c freshdeskApiKeySecret=/],
    [{ freshdeskApiKeySecret: SECRET_ARN }, /needs both/],
    [{ freshdeskDomain: 'acme', freshdeskApiKeySecret: SECRET_ARN, partnerEventSources: `${PARTNER_SOURCE},aws.partner/freshworks.com/99/freshdesk` }, /belong to one Freshdesk account/],
  ])('refuses %o with one line saying what to pass', (context, message) => {
    expect(() => addFreshlakeStacks(appWith({ partnerEventSource: PARTNER_SOURCE, ...context }))).toThrow(message);
  });
});
