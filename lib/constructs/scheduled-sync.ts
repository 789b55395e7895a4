import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as firehose from 'aws-cdk-lib/aws-kinesisfirehose';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { SYNC_ENV } from '../../lambda/sync/config';
import { DIMENSIONS_PREFIX } from '../dimensions/tables';
import { CHECKPOINT_KEY } from '../freshdesk/checkpoint';
import { bundledFunction } from './lambda-code';
import { acknowledgeLogGroupGuardRules } from './lake-delivery-stream';
import { acknowledgeCloudFormationFinding, acknowledgeGuardRule, acknowledgeWildcardResources } from './nag-findings';
import { TRANSFORM_RUNTIME } from './transform-function';
import { checkWholeNumberInRange } from './prop-checks';

/** The key prefix of the sync's own objects in the data bucket (the checkpoint). */
export const SYNC_PREFIX = `${CHECKPOINT_KEY.split('/')[0]}/`;

/** The options of a scheduled sync that a user sets (FreshdeskLake wires the rest). */
export interface ScheduledSyncOptions {
  /**
   * The Freshdesk account: `acme` for https://acme.freshdesk.com (a full `acme.freshdesk.com` or
   * `https://acme.freshdesk.com` is accepted too).
   */
  readonly freshdeskDomain: string;
  /**
   * An existing Secrets Manager secret holding the Freshdesk API key: the key alone as the secret
   * string, or `{"apiKey": "<key>"}`. Read on every run, so a rotated key needs no deploy. The
   * function may read this secret only (and decrypt it, when its key is customer managed).
   * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/create_secret.html
   */
  readonly apiKeySecret: secretsmanager.ISecret;
  /**
   * When the sync runs. Each run fetches what changed since the previous one's checkpoint.
   * @default scheduler.ScheduleExpression.rate(Duration.hours(1))
   * @see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html
   */
  readonly schedule?: scheduler.ScheduleExpression;
  /**
   * Start of the first sync (ISO-8601). Later runs continue from the checkpoint.
   * @default - the account's whole history
   */
  readonly since?: string;
  /**
   * Memory of the function (128-10,240 MB). A page of 100 tickets is small; more memory buys CPU.
   * @default 512
   */
  readonly memorySize?: number;
  /**
   * Time limit of one run (1 s-15 min). A run that reaches it stops a minute before, at a safe
   * point, and the next run resumes: a first sync of a large account takes several runs.
   * @default Duration.minutes(15)
   */
  readonly timeout?: Duration;
  /**
   * Retention of the function's log group (counts per run, never ticket data).
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
}

/** Properties of a {@link ScheduledSync}. */
export interface ScheduledSyncProps extends ScheduledSyncOptions {
  /** The lake's delivery stream: ticket snapshots go through it (and its transform), like events. */
  readonly deliveryStream: firehose.IDeliveryStream;
  /** The lake's data bucket: dimension snapshots under `dimensions/`, the checkpoint under `sync/`. */
  readonly bucket: s3.IBucket;
  /** Envelope `source` of the snapshots: the partner event source name of the lake. */
  readonly snapshotSource: string;
  /**
   * Notified when a run fails (and when the alarm clears).
   * @default - the alarm has no actions
   */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Customer managed KMS key for the function's log group (CloudWatch Logs must be allowed to use it).
   * @default - encrypted by CloudWatch Logs with its own keys
   */
  readonly logEncryptionKey?: kms.IKey;
}

/** `https://<name>.freshdesk.com` of a `freshdeskDomain` prop; fails at synth with what to pass. */
export function freshdeskBaseUrlOfDomain(domain: string): string {
  if (Token.isUnresolved(domain)) throw new Error('scheduledSync.freshdeskDomain must be a literal domain (e.g. "acme"), not a deploy-time value.');
  const name = domain.trim().replace(/^https:\/\//, '').replace(/\/+$/, '');
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.freshdesk\.com)?$/i.test(name)) {
    throw new Error(`scheduledSync.freshdeskDomain must be the <name> of https://<name>.freshdesk.com (letters, digits and -), got "${domain}".`);
  }
  return `https://${name.toLowerCase().endsWith('.freshdesk.com') ? name.toLowerCase() : `${name.toLowerCase()}.freshdesk.com`}`;
}


/**
 * `freshlake sync`, unattended: an EventBridge Scheduler schedule (default hourly) invokes a
 * Lambda (lambda/sync) that runs the sync core against the Freshdesk API and writes ticket snapshots
 * through the lake's Firehose stream, dimension snapshots and the checkpoint to the data bucket.
 *
 * - Reserved concurrency 1: two runs never overlap (a run still going when the next is due delays
 *   it; the schedule's own retries are off, the next tick catches up from the checkpoint).
 * - Least privilege: the function may read the one secret, put record batches into the one stream,
 *   read and write `sync/*`, write `dimensions/*`, list the bucket (so a missing checkpoint is a
 *   404, not a 403), and write its own log group; the scheduler's role may invoke this function only.
 * - An alarm fires when a run fails (an invocation error in a period).
 */
export class ScheduledSync extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly schedule: scheduler.Schedule;
  /** A run failed (any invocation error in the schedule period). */
  readonly failureAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ScheduledSyncProps) {
    super(scope, id);
    const baseUrl = freshdeskBaseUrlOfDomain(props.freshdeskDomain);
    const memorySize = props.memorySize ?? 512;
    checkWholeNumberInRange('scheduledSync.memorySize', memorySize, { min: 128, max: 10_240 }, 'MB');
    const timeout = props.timeout ?? Duration.minutes(15);
    checkWholeNumberInRange('scheduledSync.timeout', timeout.toSeconds(), { min: 1, max: 900 }, 'seconds');
    if (props.since !== undefined && !Number.isFinite(Date.parse(props.since))) {
      throw new Error(`scheduledSync.since must be an ISO-8601 date or time (e.g. 2024-01-01), got "${props.since}".`);
    }

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logEncryptionKey,
      // Counts only, no ticket data.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeLogGroupGuardRules(this.logGroup, props.logEncryptionKey, "the scheduled sync's counts and errors");

    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'Scheduled Freshdesk sync: reads the API key secret, sends snapshots to the lake stream, writes dimensions and the checkpoint.',
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [this.logGroup.logGroupArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['firehose:PutRecordBatch'], resources: [props.deliveryStream.deliveryStreamArn] }));
    const syncObjects = props.bucket.arnForObjects(`${SYNC_PREFIX}*`);
    const dimensionObjects = props.bucket.arnForObjects(`${DIMENSIONS_PREFIX}*`);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [syncObjects] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [dimensionObjects] }));
    // Without ListBucket, S3 answers a GET of a missing key (the first run's checkpoint) with 403.
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.bucket.bucketArn] }));
    props.bucket.encryptionKey?.grant(role, 'kms:Decrypt', 'kms:GenerateDataKey');
    props.apiKeySecret.grantRead(role);
    acknowledgeWildcardResources(
      role,
      [syncObjects, dimensionObjects],
      'The sync writes its checkpoint under sync/ and one object per dimension table under dimensions/ of the data bucket: object keys under a prefix, no other objects.',
    );

    this.function = bundledFunction(this, 'Function', 'sync', {
      description: `Scheduled Freshdesk sync of ${baseUrl}: ticket snapshots to the lake stream, dimensions and checkpoint to the bucket.`,
      runtime: TRANSFORM_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize,
      timeout,
      role,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: 1,
      environment: {
        [SYNC_ENV.freshdeskUrl]: baseUrl,
        [SYNC_ENV.apiKeySecretArn]: props.apiKeySecret.secretArn,
        [SYNC_ENV.deliveryStreamName]: props.deliveryStream.deliveryStreamName,
        [SYNC_ENV.dataBucketName]: props.bucket.bucketName,
        [SYNC_ENV.snapshotSource]: props.snapshotSource,
        ...(props.since ? { [SYNC_ENV.since]: props.since } : {}),
      },
    });
    // Lambda's own retries of a failed asynchronous run would overlap the schedule; the next tick
    // resumes from the checkpoint instead. A run held back by the concurrency limit waits at most an hour.
    this.function.configureAsyncInvoke({ retryAttempts: 0, maxEventAge: Duration.hours(1) });
    acknowledgeGuardRule(
      this.function,
      'lambda_inside_vpc_check',
      'The sync calls the Freshdesk API on the internet and AWS APIs; it reaches no private resource, so a VPC would add NAT, endpoints and cost for nothing.',
    );
    acknowledgeGuardRule(
      this.function,
      'lambda_dlq_check',
      'A failed run needs no dead-letter queue: its input is the schedule tick, the alarm reports the failure, and the next run resumes from the checkpoint.',
    );
    acknowledgeCloudFormationFinding(
      this.function,
      'W3005',
      "aws-cdk-lib makes a function depend on its role and the role's policy, so the function is created after its permissions; the role half repeats the Role reference.",
    );

    // A role of its own (not the stack-wide one aws-scheduler-targets would share), allowed to invoke this function only.
    const scheduleRole = new iam.Role(this, 'ScheduleRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } } }),
      description: 'EventBridge Scheduler: invokes the scheduled Freshdesk sync, nothing else.',
    });
    const schedule = props.schedule ?? scheduler.ScheduleExpression.rate(Duration.hours(1));
    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      schedule,
      description: `Runs the Freshdesk sync of ${baseUrl}.`,
      target: new targets.LambdaInvoke(this.function, { role: scheduleRole, retryAttempts: 0 }),
    });
    // grantInvoke (which the target uses) also covers the function's versions and aliases.
    acknowledgeWildcardResources(scheduleRole, [`${this.function.functionArn}:*`], 'Versions and aliases of the one sync function (Lambda grantInvoke); no other function.');

    this.failureAlarm = new cloudwatch.Alarm(this, 'FailureAlarm', {
      metric: this.function.metricErrors({ statistic: cloudwatch.Stats.SUM, period: Duration.hours(1) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `A scheduled Freshdesk sync of ${baseUrl} failed; its log group says why (bad key or plan: 401/403; Firehose refused records). The next run retries from the checkpoint.`,
    });
    if (props.alarmTopic) {
      const action = new actions.SnsAction(props.alarmTopic);
      this.failureAlarm.addAlarmAction(action);
      this.failureAlarm.addOkAction(action);
    } else {
      acknowledgeGuardRule(
        this.failureAlarm,
        'cloudwatch_alarm_action_check',
        'No alarmTopic was given: the alarm shows in the CloudWatch console and notifies nobody. Pass alarmTopic (FreshdeskLake) to be told when a sync fails.',
      );
    }
  }
}
