/**
 * The freshlake stack, as `cdk synth -c partnerEventSource=...` produces it: every resource and
 * property the ingestion issue asks for, read from the synthesized template (one synthesis,
 * with the cdk-nag AwsSolutions plugin, shared by all tests of this file).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ticketEventPattern } from '../lib/event-pattern';
import { FIREHOSE_DATA_PREFIX, FIREHOSE_ERROR_PREFIX } from '../lib/lake-layout';
import { DEFAULT_QUERIES_DIR, loadSavedQueries, positionalSql } from '../lib/saved-queries';
import { INPUT_FORMAT, OUTPUT_FORMAT, PARTITION_COLUMN, SERDE_LIBRARY, TICKET_EVENT_COLUMNS, serdeParameters, tableParameters, ticketEventsDdl } from '../lib/schema';
import { STACK_OUTPUTS } from '../lib/stack-outputs';
import { LAKE_VIEWS } from '../lib/views';
import { FreshlakeStack } from '../lib/freshlake-stack';
import { PARTNER_SOURCE, SynthesizedApp, VALIDATION_REGIONS, acknowledgementsIn, actionsOf, allPolicyStatements, cloudFormationFindings, evaluateIntrinsics, synthFreshlakeApp } from './cdk-synth';

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[]; DeletionPolicy?: string };
type TemplateJson = { Resources: Record<string, Resource>; Outputs: Record<string, { Value: unknown }> };

let synthesized: SynthesizedApp;
let stack: FreshlakeStack;
let template: Template;
let json: TemplateJson;

const resourcesOfType = (type: string) => Object.entries(json.Resources).filter(([, r]) => r.Type === type);
const onlyResource = (type: string): [string, Resource] => {
  const found = resourcesOfType(type);
  expect(found, type).toHaveLength(1);
  return found[0];
};
const logicalId = (construct: { node: { defaultChild?: unknown } } | unknown) =>
  stack.getLogicalId((construct as { node: { defaultChild: any } }).node.defaultChild ?? construct);

beforeAll(() => {
  // cdk-nag and cfn-guard run as validation plugins; the report is read in 'security checks'.
  synthesized = synthFreshlakeApp({ partnerEventSource: PARTNER_SOURCE }, {}, { cfnGuard: true });
  stack = synthesized.stacks[0];
  json = synthesized.assembly.getStackByName(stack.stackName).template;
  template = Template.fromJSON(json);
});

describe('the partner event bus', () => {
  it('is bound to the partner event source', () => {
    template.hasResourceProperties('AWS::Events::EventBus', { EventSourceName: PARTNER_SOURCE, Name: PARTNER_SOURCE });
  });

  it('archives every Freshworks event for 30 days', () => {
    const [busId] = onlyResource('AWS::Events::EventBus');
    template.hasResourceProperties('AWS::Events::Archive', {
      SourceArn: { 'Fn::GetAtt': [busId, 'Arn'] },
      RetentionDays: 30,
      EventPattern: { source: [{ prefix: 'aws.partner/freshworks.com/' }] },
    });
  });

  it('has no KmsKeyIdentifier: the empty string aws-cdk-lib renders (issue 37847) fails deploys, and a partner bus archive uses an AWS owned key', () => {
    const [, archive] = onlyResource('AWS::Events::Archive');
    expect(Object.keys(archive.Properties)).not.toContain('KmsKeyIdentifier');
  });
});

describe('the rule', () => {
  it('uses the pattern of lib/event-pattern.ts with the stack account', () => {
    const [, rule] = onlyResource('AWS::Events::Rule');
    expect(rule.Properties.EventPattern).toEqual(stack.resolve(ticketEventPattern({ account: stack.account })));
    expect(rule.Properties.EventPattern.account).toEqual([{ Ref: 'AWS::AccountId' }]);
    // The prefix ends at the separator, so aws.partner/freshworks.com.evil/... does not match.
    expect(rule.Properties.EventPattern.source).toEqual([{ prefix: 'aws.partner/freshworks.com/' }]);
    expect(rule.Properties.EventBusName).toEqual({ Ref: onlyResource('AWS::Events::EventBus')[0] });
  });

  it('targets the Firehose stream with a retry policy and the encrypted dead-letter queue', () => {
    const [, rule] = onlyResource('AWS::Events::Rule');
    const [streamId] = onlyResource('AWS::KinesisFirehose::DeliveryStream');
    const [queueId, queue] = onlyResource('AWS::SQS::Queue');
    expect(rule.Properties.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [streamId, 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
        RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
        RoleArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
      }),
    ]);
    expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 86_400 });
  });

  it("lets only this rule send to the dead-letter queue, and the rule's role only put records into the stream", () => {
    const [ruleId, rule] = onlyResource('AWS::Events::Rule');
    const [queueId] = onlyResource('AWS::SQS::Queue');
    const [streamId] = onlyResource('AWS::KinesisFirehose::DeliveryStream');
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: { 'Fn::GetAtt': [queueId, 'Arn'] },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
          }),
        ]),
      },
    });
    const roleId = rule.Properties.Targets[0].RoleArn['Fn::GetAtt'][0];
    const statements = allPolicyStatements(json).filter(
      (s) => s.type === 'AWS::IAM::Policy' && (json.Resources[s.logicalId].Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })),
    );
    expect(statements.map((s) => s.statement)).toEqual([
      { Effect: 'Allow', Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'], Resource: { 'Fn::GetAtt': [streamId, 'Arn'] } },
    ]);
  });
});

describe('the Firehose delivery stream', () => {
  let destination: Record<string, any>;
  beforeAll(() => {
    destination = onlyResource('AWS::KinesisFirehose::DeliveryStream')[1].Properties.ExtendedS3DestinationConfiguration;
  });

  it('is encrypted at rest with an AWS owned key and fed directly (by EventBridge)', () => {
    template.hasResourceProperties('AWS::KinesisFirehose::DeliveryStream', {
      DeliveryStreamType: 'DirectPut',
      DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
    });
  });

  it('writes gzip files to the data bucket under the lake layout prefixes', () => {
    expect(destination.BucketARN).toEqual({ 'Fn::GetAtt': [logicalId(stack.lake.dataBucket.bucket), 'Arn'] });
    expect(destination.CompressionFormat).toBe('GZIP');
    // The local engine globs *.gz: the extension is set, not left to Firehose's default.
    expect(destination.FileExtension).toBe('.gz');
    expect(destination.Prefix).toBe(FIREHOSE_DATA_PREFIX);
    expect(destination.Prefix).toBe('events/dt=!{partitionKeyFromLambda:dt}/');
    expect(destination.ErrorOutputPrefix).toBe(FIREHOSE_ERROR_PREFIX);
    expect(destination.ErrorOutputPrefix).toContain('!{firehose:error-output-type}');
  });

  it('partitions dynamically on the key the transform returns, with the buffer that requires', () => {
    expect(destination.DynamicPartitioningConfiguration).toEqual({ Enabled: true });
    expect(destination.BufferingHints).toEqual({ IntervalInSeconds: 300, SizeInMBs: 128 });
  });

  it('calls the transform Lambda as its processor with the processor buffer', () => {
    const functionId = onlyResource('AWS::Lambda::Function')[0];
    expect(destination.ProcessingConfiguration).toEqual({
      Enabled: true,
      Processors: [
        {
          Type: 'Lambda',
          Parameters: expect.arrayContaining([
            { ParameterName: 'LambdaArn', ParameterValue: { 'Fn::GetAtt': [functionId, 'Arn'] } },
            { ParameterName: 'BufferIntervalInSeconds', ParameterValue: '60' },
            { ParameterName: 'BufferSizeInMBs', ParameterValue: '1' },
            { ParameterName: 'NumberOfRetries', ParameterValue: '3' },
          ]),
        },
      ],
    });
  });

  it('logs errors to its own log group with a retention', () => {
    const logGroupId = logicalId(stack.lake.delivery.logGroup);
    expect(destination.CloudWatchLoggingOptions).toEqual({ Enabled: true, LogGroupName: { Ref: logGroupId }, LogStreamName: { Ref: expect.any(String) } });
    expect(json.Resources[logGroupId].Properties.RetentionInDays).toBe(30);
  });

  it("may write only under events/ and errors/ of the bucket, invoke the transform and write its log", () => {
    const roleId = destination.RoleARN['Fn::GetAtt'][0];
    const bucketArn = { 'Fn::GetAtt': [logicalId(stack.lake.dataBucket.bucket), 'Arn'] };
    const statements = allPolicyStatements(json)
      .filter((s) => s.type === 'AWS::IAM::Policy' && JSON.stringify(json.Resources[s.logicalId].Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .map((s) => s.statement);
    expect(statements).toEqual([
      { Effect: 'Allow', Action: ['s3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads'], Resource: bucketArn },
      {
        Effect: 'Allow',
        Action: ['s3:AbortMultipartUpload', 's3:GetObject', 's3:PutObject'],
        Resource: [{ 'Fn::Join': ['', [bucketArn, '/errors/*']] }, { 'Fn::Join': ['', [bucketArn, '/events/*']] }],
      },
      {
        Effect: 'Allow',
        Action: ['lambda:GetFunctionConfiguration', 'lambda:InvokeFunction'],
        Resource: { 'Fn::GetAtt': [onlyResource('AWS::Lambda::Function')[0], 'Arn'] },
      },
      { Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: { 'Fn::GetAtt': [logicalId(stack.lake.delivery.logGroup), 'Arn'] } },
    ]);
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'firehose.amazonaws.com' }, Condition: { StringEquals: { 'sts:ExternalId': { Ref: 'AWS::AccountId' } } } })],
      },
    });
    // The stream is created after its permissions (the policy; the role is a reference already).
    expect(onlyResource('AWS::KinesisFirehose::DeliveryStream')[1].DependsOn).toEqual([logicalId(stack.lake.delivery.role.node.findChild('DefaultPolicy'))]);
  });
});

describe('the transform Lambda', () => {
  let fn: Resource;
  let bundle: string;
  beforeAll(() => {
    fn = onlyResource('AWS::Lambda::Function')[1];
    const assetHash = String(fn.Properties.Code.S3Key).replace(/\.zip$/, '');
    bundle = readFileSync(join(synthesized.assembly.directory, `asset.${assetHash}`, 'index.js'), 'utf8');
  });

  it('runs handler on the newest Node.js runtime aws-cdk-lib offers, on arm64', () => {
    const nodeVersions = Object.keys(lambda.Runtime)
      .map((k) => /^NODEJS_(\d+)_X$/.exec(k)?.[1])
      .filter((v): v is string => v !== undefined)
      .map(Number);
    expect(fn.Properties.Runtime).toBe(`nodejs${Math.max(...nodeVersions)}.x`);
    expect(fn.Properties.Architectures).toEqual(['arm64']);
    expect(fn.Properties.Handler).toBe('index.handler');
    expect(fn.Properties).toMatchObject({ MemorySize: 256, Timeout: 60 });
  });

  it('logs to its own log group with a retention, and may write nothing else', () => {
    const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref;
    expect(json.Resources[logGroupId].Properties.RetentionInDays).toBe(30);
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    expect(json.Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
    const statements = allPolicyStatements(json)
      .filter((s) => s.type === 'AWS::IAM::Policy' && JSON.stringify(json.Resources[s.logicalId].Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .map((s) => s.statement);
    expect(statements).toEqual([{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } }]);
  });

  it('is a minified bundle without the AWS SDK', () => {
    expect(bundle.length).toBeGreaterThan(0);
    // Minified: no indented lines and no comments left from the source.
    expect(bundle).not.toMatch(/\n[ \t]+\S/);
    expect(bundle).not.toContain('Firehose data-transformation handler');
    expect(bundle).not.toMatch(/@aws-sdk|aws-sdk|@smithy/);
  });

  it('is a working handler: a JSON event becomes one line partitioned by its day', async () => {
    const mod = { exports: {} as Record<string, any> };
    new Function('module', 'exports', 'require', bundle)(mod, mod.exports, require);
    const data = Buffer.from(JSON.stringify({ id: 'e1', time: '2026-11-27T10:00:00Z', detail: {} })).toString('base64');
    const result = await mod.exports.handler({ records: [{ recordId: 'r1', data, approximateArrivalTimestamp: Date.parse('2026-11-27T10:00:05Z') }] });
    expect(result.records).toHaveLength(1);
    expect(result.records[0]).toMatchObject({ recordId: 'r1', result: 'Ok', metadata: { partitionKeys: { dt: '2026-11-27' } } });
    expect(Buffer.from(result.records[0].data, 'base64').toString()).toMatch(/\}\n$/);
  });
});

describe('the buckets', () => {
  it('are encrypted, block all public access, refuse plain HTTP and have no fixed name', () => {
    const buckets = resourcesOfType('AWS::S3::Bucket');
    expect(buckets).toHaveLength(3); // data, query results, access logs
    for (const [id, bucket] of buckets) {
      expect(bucket.Properties.BucketName, id).toBeUndefined();
      expect(bucket.Properties.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        Bucket: { Ref: id },
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  it('keeps the data bucket on stack deletion, moves old days to Standard-IA and logs access', () => {
    const dataId = logicalId(stack.lake.dataBucket.bucket);
    const data = json.Resources[dataId];
    expect(data.DeletionPolicy).toBe('Retain');
    expect(data.Properties.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({ Status: 'Enabled', Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 90 }], AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
    ]);
    expect(data.Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBeUndefined();
    expect(data.Properties.LoggingConfiguration).toEqual({ DestinationBucketName: { Ref: logicalId(stack.lake.accessLogsBucket.bucket) }, LogFilePrefix: 'data-bucket/' });
  });

  it('expires query results after 7 days', () => {
    const results = json.Resources[logicalId(stack.lake.workGroup.resultsBucket)];
    expect(results.Properties.LifecycleConfiguration.Rules).toEqual([expect.objectContaining({ ExpirationInDays: 7, Status: 'Enabled' })]);
    expect(results.Properties.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: logicalId(stack.lake.accessLogsBucket.bucket) });
  });
});

describe('the Glue table ticket_events', () => {
  let table: Record<string, any>;
  let bucketId: string;
  beforeAll(() => {
    table = json.Resources[logicalId(stack.lake.ticketEvents.table)].Properties;
    bucketId = logicalId(stack.lake.dataBucket.bucket);
  });

  it('lives in the stack database and reads s3://<bucket>/events/', () => {
    expect(table.DatabaseName).toEqual({ Ref: logicalId(stack.lake.database) });
    expect(table.TableInput.Name).toBe('ticket_events');
    expect(table.TableInput.TableType).toBe('EXTERNAL_TABLE');
    expect(table.TableInput.StorageDescriptor.Location).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: bucketId }, '/events/']] });
  });

  it('has the columns of lib/schema.ts, with Hive types, and the dt partition key', () => {
    expect(table.TableInput.StorageDescriptor.Columns).toEqual(TICKET_EVENT_COLUMNS.map((c) => ({ Name: c.name, Type: c.type.hive, Comment: c.comment })));
    expect(table.TableInput.PartitionKeys).toEqual([{ Name: 'dt', Type: 'string', Comment: PARTITION_COLUMN.comment }]);
  });

  it('reads gzip JSON lines with the OpenX SerDe, detail_type mapped from detail-type', () => {
    const sd = table.TableInput.StorageDescriptor;
    expect(sd).toMatchObject({ InputFormat: INPUT_FORMAT, OutputFormat: OUTPUT_FORMAT, Compressed: true });
    expect(sd.SerdeInfo).toEqual({ SerializationLibrary: SERDE_LIBRARY, Parameters: serdeParameters() });
    expect(sd.SerdeInfo.Parameters['mapping.detail_type']).toBe('detail-type');
    expect(sd.SerdeInfo.Parameters['ignore.malformed.json']).toBe('true');
  });

  it('turns a value that does not fit its column into NULL instead of failing the whole query (use.null.for.invalid.data)', () => {
    // The variant payloads of test/fixtures/samples (attachment objects, numeric phones, a
    // custom_fields object, extra changes keys) and worse (a string where a number or struct is
    // declared) must never fail a query: without this property OpenX fails the query on one value.
    expect(table.TableInput.StorageDescriptor.SerdeInfo.Parameters['use.null.for.invalid.data']).toBe('TRUE');
    expect(ticketEventsDdl('s3://lake-bucket/events/')).toContain("'use.null.for.invalid.data'='TRUE'");
  });

  it('projects the dt partitions (no crawler or MSCK needed)', () => {
    const eventsLocation = { 'Fn::Join': ['', ['s3://', { Ref: bucketId }, '/events/']] };
    const expected = stack.resolve(tableParameters(`s3://${stack.lake.dataBucket.bucket.bucketName}/events/`));
    expect(table.TableInput.Parameters).toEqual({ ...expected, has_encrypted_data: false });
    expect(table.TableInput.Parameters).toMatchObject({ 'projection.enabled': 'true', 'projection.dt.type': 'date', 'projection.dt.range': '2010-01-01,NOW' });
    expect(evaluateIntrinsics(table.TableInput.Parameters['storage.location.template'], { [bucketId]: 'lake-bucket' })).toBe('s3://lake-bucket/events/dt=${dt}/');
    expect(evaluateIntrinsics(eventsLocation, { [bucketId]: 'lake-bucket' })).toBe('s3://lake-bucket/events/');
  });
});

describe('the Athena views', () => {
  it.each(LAKE_VIEWS.map((v) => [v.name, v] as const))('%s is a Presto view whose definition decodes to its SQL and Trino columns', (_name, view) => {
    const [, resource] = Object.entries(json.Resources).find(([, r]) => r.Type === 'AWS::Glue::Table' && r.Properties.TableInput.Name === view.name)!;
    const input = resource.Properties.TableInput;
    const databaseId = logicalId(stack.lake.database);
    expect(resource.Properties.DatabaseName).toEqual({ Ref: databaseId });
    expect(input.TableType).toBe('VIRTUAL_VIEW');
    expect(input.Parameters).toEqual({ presto_view: 'true', comment: 'Presto View' });
    expect(input.ViewExpandedText).toBe('/* Presto View */');
    expect(input.StorageDescriptor.Columns).toEqual(view.columns.map((c) => ({ Name: c.name, Type: c.type.hive, Comment: c.comment })));
    const originalText = evaluateIntrinsics(input.ViewOriginalText, { [databaseId]: 'freshlake_test_db' }) as string;
    const match = /^\/\* Presto View: ([A-Za-z0-9+/=]+) \*\/$/.exec(originalText);
    expect(match).not.toBeNull();
    expect(JSON.parse(Buffer.from(match![1], 'base64').toString('utf8'))).toEqual({
      originalSql: view.sql,
      catalog: 'awsdatacatalog',
      schema: 'freshlake_test_db',
      columns: view.columns.map((c) => ({ name: c.name, type: c.type.trino })),
    });
  });

  it('are created after the table, each after the one it reads', () => {
    const ids = LAKE_VIEWS.map((v) => logicalId(stack.lake.views.views.get(v.name)));
    expect(json.Resources[ids[0]].DependsOn).toContain(logicalId(stack.lake.ticketEvents.table));
    for (let i = 1; i < ids.length; i++) expect(json.Resources[ids[i]].DependsOn).toContain(ids[i - 1]);
  });
});

describe('the Athena workgroup', () => {
  it('runs engine v3, enforces its settings, cuts off at 10 GiB and publishes metrics', () => {
    const [, wg] = onlyResource('AWS::Athena::WorkGroup');
    expect(wg.Properties).toMatchObject({ Name: stack.stackName, RecursiveDeleteOption: true, State: 'ENABLED' });
    expect(wg.Properties.WorkGroupConfiguration).toEqual({
      EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
      EnforceWorkGroupConfiguration: true,
      BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
      PublishCloudWatchMetricsEnabled: true,
      ResultConfiguration: {
        OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: logicalId(stack.lake.workGroup.resultsBucket) }, '/']] },
        EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
      },
    });
  });
});

describe('the saved queries', () => {
  const queries = loadSavedQueries(DEFAULT_QUERIES_DIR);

  it('are one named query per file in queries/', () => {
    expect(resourcesOfType('AWS::Athena::NamedQuery')).toHaveLength(queries.length);
  });

  it('are created after the views they read', () => {
    const viewIds = LAKE_VIEWS.map((v) => logicalId(stack.lake.views.views.get(v.name)));
    for (const [id, q] of resourcesOfType('AWS::Athena::NamedQuery')) expect(q.DependsOn, id).toEqual(expect.arrayContaining(viewIds));
  });

  it.skipIf(queries.length === 0)('carry name, description, positional SQL, database and workgroup', () => {
    const query = queries[0];
    template.hasResourceProperties('AWS::Athena::NamedQuery', {
      Name: query.name,
      Description: query.description,
      QueryString: positionalSql(query.sql).sql,
      Database: { Ref: logicalId(stack.lake.database) },
      WorkGroup: { Ref: onlyResource('AWS::Athena::WorkGroup')[0] },
    });
  });
});

describe('the alarms', () => {
  const alarm = (metricName: string) => {
    const found = resourcesOfType('AWS::CloudWatch::Alarm').filter(([, r]) => r.Properties.MetricName === metricName);
    expect(found, metricName).toHaveLength(1);
    return found[0][1].Properties;
  };

  it('watch Firehose freshness, S3 delivery and transform invocations', () => {
    const streamRef = { Ref: onlyResource('AWS::KinesisFirehose::DeliveryStream')[0] };
    expect(alarm('DeliveryToS3.DataFreshness')).toMatchObject({
      Namespace: 'AWS/Firehose',
      Dimensions: [{ Name: 'DeliveryStreamName', Value: streamRef }],
      Statistic: 'Maximum',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 300 + 60 + 900,
      TreatMissingData: 'notBreaching',
    });
    expect(alarm('DeliveryToS3.Success')).toMatchObject({ Statistic: 'Minimum', ComparisonOperator: 'LessThanThreshold', Threshold: 1 });
    expect(alarm('ExecuteProcessing.Success')).toMatchObject({ Statistic: 'Minimum', ComparisonOperator: 'LessThanThreshold', Threshold: 1 });
  });

  it('watch transform errors and the dead-letter queue', () => {
    expect(alarm('Errors')).toMatchObject({
      Namespace: 'AWS/Lambda',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: onlyResource('AWS::Lambda::Function')[0] } }],
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
    });
    expect(alarm('ApproximateNumberOfMessagesVisible')).toMatchObject({
      Namespace: 'AWS/SQS',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [onlyResource('AWS::SQS::Queue')[0], 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
  });

  it('have no actions when no topic is given', () => {
    for (const [, a] of resourcesOfType('AWS::CloudWatch::Alarm')) expect(a.Properties.AlarmActions).toBeUndefined();
  });
});

describe('the outputs', () => {
  it('name the bucket, database, table, workgroup, stream and dead-letter queue for the CLI', () => {
    expect(Object.keys(json.Outputs).sort()).toEqual(Object.values(STACK_OUTPUTS).sort());
    expect(json.Outputs[STACK_OUTPUTS.dataBucketName].Value).toEqual({ Ref: logicalId(stack.lake.dataBucket.bucket) });
    expect(json.Outputs[STACK_OUTPUTS.glueDatabaseName].Value).toEqual({ Ref: logicalId(stack.lake.database) });
    expect(json.Outputs[STACK_OUTPUTS.glueTableName].Value).toEqual({ Ref: logicalId(stack.lake.ticketEvents.table) });
    expect(json.Outputs[STACK_OUTPUTS.athenaWorkGroupName].Value).toEqual({ Ref: onlyResource('AWS::Athena::WorkGroup')[0] });
    expect(json.Outputs[STACK_OUTPUTS.deliveryStreamName].Value).toEqual({ Ref: onlyResource('AWS::KinesisFirehose::DeliveryStream')[0] });
    expect(json.Outputs[STACK_OUTPUTS.deadLetterQueueUrl].Value).toEqual({ Ref: onlyResource('AWS::SQS::Queue')[0] });
  });
});

describe('security checks', () => {
  it('no IAM statement allows a wildcard action; "*" actions appear only in deny-plain-HTTP statements', () => {
    const statements = allPolicyStatements(json);
    expect(statements.length).toBeGreaterThan(10);
    for (const { logicalId: id, statement } of statements) {
      const wildcard = actionsOf(statement).filter((a) => a.includes('*'));
      if (statement.Effect === 'Allow') expect(wildcard, `${id}: ${JSON.stringify(statement)}`).toEqual([]);
      // TLS-only policies (enforceSSL, minimumTLSVersion) deny everything over plain HTTP or old TLS.
      else if (wildcard.length > 0) expect([{ Bool: { 'aws:SecureTransport': 'false' } }, { NumericLessThan: { 's3:TlsVersion': 1.2 } }], id).toContainEqual(statement.Condition);
    }
  });

  it('passes the cdk-nag AwsSolutions pack with no unacknowledged finding', () => {
    // app.synth() ran the pack as a validation plugin (it throws on an error); check again directly,
    // warnings included.
    const report = new AwsSolutionsChecks().validateScope(stack);
    expect(report.violations.map((v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(', ')}`)).toEqual([]);
    const validationReport = JSON.parse(readFileSync(join(synthesized.assembly.directory, 'validation-report.json'), 'utf8'));
    for (const plugin of validationReport.pluginReports) expect(plugin.violations, plugin.pluginName).toEqual([]);
  });

  it('passes cfn-guard with the Control Tower rules of the AWS Guard rules, every finding fixed or acknowledged', () => {
    const validationReport = JSON.parse(readFileSync(join(synthesized.assembly.directory, 'validation-report.json'), 'utf8'));
    const guard = validationReport.pluginReports.find((r: { pluginName: string }) => r.pluginName === 'cdk-validator-cfnguard');
    expect(guard, 'cfn-guard ran at synth').toBeDefined();
    expect(guard.violations).toEqual([]);
  });

  it.each(VALIDATION_REGIONS)("passes AWS's CloudFormation validator in %s: no error, every warning acknowledged in code", (region) => {
    const findings = cloudFormationFindings(stack, json, [region]);
    expect(findings.filter((f) => f.severity === 'ERROR' || f.severity === 'FATAL')).toEqual([]);
    expect(findings.filter((f) => !f.acknowledged).map((f) => `${f.ruleId} ${f.logicalId}: ${f.message}`)).toEqual([]);
  });

  it('gives a written reason for every acknowledged finding, and acknowledges only these', () => {
    const acknowledgements = acknowledgementsIn(stack);
    const at = (construct: { node: { path: string } }) => construct.node.path.slice(stack.node.path.length + 1);
    const bucketId = logicalId(stack.lake.dataBucket.bucket);
    const guard = (rule: string) => `cdk-validator-cfnguard::${rule}`;
    const lakeBucketRules = ['s3_bucket_default_encryption_kms_check', 's3_bucket_object_lock_enabled_check', 's3_bucket_versioning_enabled_check', 's3_event_notifications_enabled_check'].map(guard);
    const logGroupRules = ['cloudwatch_log_group_encrypted_check', 'cloudwatch_log_group_retention_period_check'].map(guard);
    const expected: [string, string][] = [
      ['', 'CloudFormation-Validate::W7001'],
      ...['Annotation::AwsSolutions-S1', ...lakeBucketRules, guard('s3_bucket_logging_enabled_check')].map((id): [string, string] => [at(stack.lake.accessLogsBucket.bucket), id]),
      ...lakeBucketRules.map((id): [string, string] => [at(stack.lake.dataBucket.bucket), id]),
      ...lakeBucketRules.map((id): [string, string] => [at(stack.lake.workGroup.resultsBucket), id]),
      [at(stack.lake.workGroup.workGroup), guard('athena_workgroup_results_encrypted_at_rest_kms_check')],
      ...logGroupRules.map((id): [string, string] => [at(stack.lake.transform.logGroup), id]),
      ...logGroupRules.map((id): [string, string] => [at(stack.lake.delivery.logGroup), id]),
      [at(stack.lake.transform.function), guard('lambda_inside_vpc_check')],
      [at(stack.lake.transform.function), 'CloudFormation-Validate::W3005'],
      [at(stack.lake.delivery.role), `Annotation::AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/errors/*]`],
      [at(stack.lake.delivery.role), `Annotation::AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/events/*]`],
      [at(stack.lake.deadLetterQueue), 'Annotation::AwsSolutions-SQS3'],
      [at(stack.lake.deadLetterQueue), guard('sqs_dlq_check')],
      [at(stack.lake.alarms), guard('cloudwatch_alarm_action_check')],
    ];
    const key = ([path, id]: [string, string]) => `${path} ${id}`;
    expect(acknowledgements.map((a) => key([at({ node: { path: a.path } }), a.id])).sort()).toEqual(expected.map(key).sort());
    for (const a of acknowledgements) expect(a.reason.length, a.id).toBeGreaterThan(30);
  });

  it('is environment-agnostic: account and region are deploy-time references', () => {
    expect(Stack.of(stack).account).toMatch(/^\$\{Token/);
    expect(Stack.of(stack).region).toMatch(/^\$\{Token/);
  });
});
