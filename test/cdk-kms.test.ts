/**
 * The stack with a customer managed KMS key (`cdk deploy -c customerManagedKey=true`, or
 * FreshdeskLake's `encryptionKey`): what the key encrypts, what its policy allows, and that the
 * template still passes cdk-nag, cfn-guard and AWS's CloudFormation validator. One synthesis
 * (with cfn-guard) shared by the tests of this file; the default template is tested in cdk-stack.test.ts.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { FreshdeskLake, LakeBucket } from '../lib/constructs';
import { FreshlakeStack, customerManagedKeyFromContext } from '../lib/freshlake-stack';
import { PARTNER_SOURCE, SynthesizedApp, VALIDATION_REGIONS, acknowledgementsIn, bareStack, cloudFormationFindings, synthFreshlakeApp, validationViolations } from './cdk-synth';

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
type TemplateJson = { Resources: Record<string, Resource> };

let synthesized: SynthesizedApp;
let stack: FreshlakeStack;
let json: TemplateJson;
let keyArn: unknown;

const resourcesOfType = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);
const logicalId = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId((construct.node.defaultChild ?? construct) as any);
const keyStatement = (sid: string) => {
  const [, key] = resourcesOfType('AWS::KMS::Key')[0];
  return key.Properties.KeyPolicy.Statement.find((s: { Sid?: string }) => s.Sid === sid);
};

beforeAll(() => {
  synthesized = synthFreshlakeApp({ partnerEventSource: PARTNER_SOURCE, customerManagedKey: 'true' }, {}, { cfnGuard: true });
  stack = synthesized.stacks[0];
  json = synthesized.assembly.getStackByName(stack.stackName).template;
  keyArn = { 'Fn::GetAtt': [logicalId(stack.encryptionKey!.key), 'Arn'] };
});

describe('the customer managed key', () => {
  it('is one key of the stack, rotated yearly and retained with the data it encrypts', () => {
    const keys = resourcesOfType('AWS::KMS::Key');
    expect(keys).toHaveLength(1);
    expect(keys[0][1].Properties.EnableKeyRotation).toBe(true);
    expect(keys[0][1].DeletionPolicy).toBe('Retain');
    expect(stack.lake.encryptionKey).toBe(stack.encryptionKey!.key);
  });

  it('encrypts the data and query results buckets (SSE-KMS with an S3 Bucket Key); the access logs bucket stays SSE-S3 for S3 log delivery', () => {
    for (const bucket of [stack.lake.dataBucket.bucket, stack.lake.workGroup.resultsBucket]) {
      expect(json.Resources[logicalId(bucket)].Properties.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [{ BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn } }],
      });
    }
    expect(json.Resources[logicalId(stack.lake.accessLogsBucket.bucket)].Properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
  });

  it('encrypts Athena query results with it, enforced by the workgroup', () => {
    const [, workGroup] = resourcesOfType('AWS::Athena::WorkGroup')[0];
    expect(workGroup.Properties.WorkGroupConfiguration.EnforceWorkGroupConfiguration).toBe(true);
    expect(workGroup.Properties.WorkGroupConfiguration.ResultConfiguration.EncryptionConfiguration).toEqual({ EncryptionOption: 'SSE_KMS', KmsKey: keyArn });
  });

  it('encrypts the dead-letter queue, and lets EventBridge rules of this account (only) use the key to send to it', () => {
    const [, queue] = resourcesOfType('AWS::SQS::Queue')[0];
    expect(queue.Properties.KmsMasterKeyId).toEqual(keyArn);
    expect(queue.Properties.SqsManagedSseEnabled).toBeUndefined();
    expect(keyStatement('AllowEventBridgeRulesOfThisAccountToUseTheDeadLetterQueue')).toEqual({
      Sid: 'AllowEventBridgeRulesOfThisAccountToUseTheDeadLetterQueue',
      Effect: 'Allow',
      Principal: { Service: 'events.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: {
        StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':rule/*']] } },
      },
    });
  });

  it("encrypts both log groups, and lets CloudWatch Logs use the key for this account's and region's log groups only", () => {
    const logGroups = resourcesOfType('AWS::Logs::LogGroup');
    expect(logGroups.map(([id]) => id).sort()).toEqual([logicalId(stack.lake.delivery.logGroup), logicalId(stack.lake.transform.logGroup)].sort());
    for (const [, group] of logGroups) expect(group.Properties.KmsKeyId).toEqual(keyArn);
    const statement = keyStatement('AllowCloudWatchLogsOfThisAccountAndRegion');
    expect(statement.Principal).toEqual({ Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } });
    expect(statement.Condition).toEqual({
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':log-group:*']] },
      },
    });
    // Every action named; no kms:* for a service.
    for (const action of statement.Action) expect(action).not.toContain('*');
  });

  it("lets Firehose's role use the key for the objects it writes, and nothing else", () => {
    const roleId = logicalId(stack.lake.delivery.role);
    const kmsStatements = resourcesOfType('AWS::IAM::Policy')
      .filter(([, p]) => JSON.stringify(p.Properties.Roles).includes(roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement)
      .filter((s: { Action: string | string[] }) => [s.Action].flat().some((a) => a.startsWith('kms:')));
    expect(kmsStatements).toEqual([{ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: keyArn }]);
  });

  it('refuses grants that no AWS service makes for an AWS resource (Control Tower CT.KMS.PR.3)', () => {
    expect(keyStatement('GrantsOnlyByAwsServicesForAwsResources')).toEqual({
      Sid: 'GrantsOnlyByAwsServicesForAwsResources',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'kms:CreateGrant',
      Resource: '*',
      Condition: { BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' } },
    });
  });

  it('leaves the partner bus and its archive alone (an archive does not work with a customer managed key on the bus)', () => {
    for (const type of ['AWS::Events::EventBus', 'AWS::Events::Archive']) {
      for (const [, r] of resourcesOfType(type)) expect(Object.keys(r.Properties), type).not.toContain('KmsKeyIdentifier');
    }
  });
});

describe('the checks on the template with the key', () => {
  it('passes cdk-nag AwsSolutions and cfn-guard with no unacknowledged finding', () => {
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    expect(validationViolations(synthesized.assembly.directory)).toEqual([]);
  });

  it('satisfies the encryption rules of cfn-guard instead of acknowledging them (only the access logs bucket keeps SSE-S3)', () => {
    const encryptionRules = acknowledgementsIn(stack).filter((a) => /kms|encrypt/i.test(a.id));
    expect(encryptionRules.map((a) => `${a.path} ${a.id}`)).toEqual([
      `${stack.lake.accessLogsBucket.bucket.node.path} cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check`,
    ]);
  });

  it.each(VALIDATION_REGIONS)("passes AWS's CloudFormation validator in %s: no error, every warning acknowledged in code", (region) => {
    const findings = cloudFormationFindings(stack, json, [region]);
    expect(findings.filter((f) => f.severity === 'ERROR' || f.severity === 'FATAL')).toEqual([]);
    expect(findings.filter((f) => !f.acknowledged).map((f) => `${f.ruleId} ${f.logicalId}: ${f.message}`)).toEqual([]);
  });
});

describe('choosing the key', () => {
  it.each([
    [{}, false],
    [{ customerManagedKey: 'false' }, false],
    [{ customerManagedKey: 'true' }, true],
    [{ customerManagedKey: true }, true],
  ])('reads -c customerManagedKey from the context: %o', (context, expected) => {
    expect(customerManagedKeyFromContext(new App({ context }))).toBe(expected);
  });

  it('refuses a context value that is not true or false, in one line', () => {
    expect(() => customerManagedKeyFromContext(new App({ context: { customerManagedKey: 'yes' } }))).toThrow(/^Context customerManagedKey must be true or false, got "yes"\.$/);
  });

  it('uses an imported key as it is: the resources refer to its ARN and no key policy is written', () => {
    const scope = bareStack();
    const arn = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    new FreshdeskLake(scope, 'Lake', { partnerEventSourceName: PARTNER_SOURCE, encryptionKey: kms.Key.fromKeyArn(scope, 'Imported', arn) });
    const template = Template.fromStack(scope);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: arn });
    template.hasResourceProperties('AWS::Athena::WorkGroup', { WorkGroupConfiguration: { ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: arn } } } });
    for (const [, group] of Object.entries(template.findResources('AWS::Logs::LogGroup'))) expect(group.Properties.KmsKeyId).toBe(arn);
  });

  it('refuses encryptionKey with a brought bucket, whose own encryption applies', () => {
    const scope = new Stack();
    const existingBucket = s3.Bucket.fromBucketName(scope, 'Brought', 'my-lake');
    const encryptionKey = kms.Key.fromKeyArn(scope, 'Imported', 'arn:aws:kms:eu-west-1:111122223333:key/k');
    expect(() => new LakeBucket(scope, 'Data', { existingBucket, encryptionKey })).toThrow(/^LakeBucket: encryptionKey cannot be set with existingBucket/);
  });
});
