import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { EVENTS_PREFIX } from '../lake-layout';
import { TICKET_EVENTS_TABLE } from '../schema';
import { LATEST_STATE_SNAPSHOT_TABLE } from '../snapshot/latest-state-merge';
import { MAINTENANCE_ENV } from '../snapshot/maintenance-config';
import { TICKET_HISTORY_VIEW, TICKET_LATEST_STATE_VIEW } from '../views';
import { bundledFunction } from './lambda-code';
import { acknowledgeCloudFormationFinding, acknowledgeGuardRule, acknowledgeWildcardResources } from './nag-findings';
import { acknowledgeLogGroupGuardRules } from './lake-delivery-stream';
import { ABORT_INCOMPLETE_UPLOADS_AFTER, SECURE_BUCKET_PROPS, bucketEncryptionProps } from './secure-bucket-props';
import { TRANSFORM_RUNTIME } from './transform-function';

/** Where the Iceberg table keeps its data and metadata in the snapshot bucket (VACUUM owns this prefix). */
export const SNAPSHOT_TABLE_PREFIX = `${LATEST_STATE_SNAPSHOT_TABLE}/`;
/** The watermark object in the snapshot bucket, outside the table's prefix. */
export const SNAPSHOT_STATE_KEY = 'maintenance/watermark.json';

/** What a user of FreshdeskLake chooses (`latestStateSnapshot`); the rest comes from the lake. */
export type LatestStateSnapshotOptions = Pick<LatestStateSnapshotProps, 'mergeSchedule' | 'optimizeSchedule' | 'lookback'>;

/** Properties of a {@link LatestStateSnapshot}. */
export interface LatestStateSnapshotProps {
  /** The lake's data bucket (`events/dt=.../*.gz`): read by the MERGE, listed for new objects. */
  readonly dataBucket: s3.IBucket;
  /** The Glue database of `ticket_events` and the views; the snapshot table is created in it. */
  readonly databaseName: string;
  /** The Athena workgroup the maintenance queries run in (engine v3: Iceberg MERGE). */
  readonly workGroupName: string;
  /** The workgroup's results bucket: Athena writes each query's result there as the caller. */
  readonly resultsBucket: s3.IBucket;
  /**
   * When the MERGE runs (EventBridge Scheduler, UTC). Each run reads only the lake objects that
   * arrived since the last one.
   * @default hourly, at minute 7
   */
  readonly mergeSchedule?: scheduler.ScheduleExpression;
  /**
   * When OPTIMIZE (compaction) and VACUUM (snapshot expiry, orphan files) run.
   * @default daily at 03:37 UTC (not at a MERGE's minute: two writers of one Iceberg table conflict)
   */
  readonly optimizeSchedule?: scheduler.ScheduleExpression;
  /**
   * How far before the watermark's day the `ticket_latest_state` view still reads raw events, so
   * events that arrive between two runs are in the answers. Must cover how late an event normally
   * arrives (Firehose buffering: minutes; EventBridge retries: up to 24 hours).
   * @default Duration.days(2)
   */
  readonly lookback?: Duration;
  /**
   * Customer managed key of the lake (the data and results buckets): the snapshot bucket and the
   * function's log group use it too, and the function may encrypt and decrypt with it.
   * @default none (SSE-S3, CloudWatch Logs' own encryption)
   */
  readonly encryptionKey?: kms.IKey;
  /** Bucket for the snapshot bucket's server access logs. @default none */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /** Notified when a maintenance run fails (and when it recovers). @default no actions */
  readonly alarmTopic?: sns.ITopic;
}

/**
 * The latest-state snapshot on Athena (issue 10): an Iceberg table `ticket_latest_state_snapshot`
 * in the lake's Glue database, one row per ticket, kept up to date by a scheduled Lambda that runs
 * THE MERGE of lib/snapshot/latest-state-merge over the lake objects that arrived since its last
 * run, then re-creates the `ticket_latest_state` view as snapshot + the recent partitions (a
 * literal day, so partition projection prunes). See lib/snapshot/athena-maintenance for the run
 * and lib/snapshot/README.md for the watermark.
 *
 * - The table is created by the first run (`CREATE TABLE IF NOT EXISTS ... 'table_type'='ICEBERG'`,
 *   the documented Athena path) in a bucket of its own: the lake bucket's lifecycle (expiry) must not
 *   touch Iceberg metadata, and VACUUM deletes files, which no role may do in the lake bucket.
 * - If maintenance stops, the views stay correct (they read every partition from the view's
 *   literal day on), only slower; an alarm fires on a failed run.
 * - IAM: named actions only, on the workgroup, the four Glue tables it touches, the lake's
 *   `events/` objects (read), the results bucket and the snapshot bucket.
 */
export class LatestStateSnapshot extends Construct {
  readonly bucket: s3.Bucket;
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly mergeSchedule: scheduler.Schedule;
  readonly optimizeSchedule: scheduler.Schedule;
  /** Fires when a maintenance run fails. */
  readonly failureAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: LatestStateSnapshotProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const lookbackDays = (props.lookback ?? Duration.days(2)).toDays({ integral: false });
    if (!Number.isInteger(lookbackDays) || lookbackDays < 1) throw new Error(`lookback must be a whole number of days >= 1, got ${lookbackDays}.`);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...SECURE_BUCKET_PROPS,
      ...bucketEncryptionProps(props.encryptionKey),
      // Derived data: the next run rebuilds it from the lake.
      removalPolicy: RemovalPolicy.DESTROY,
      serverAccessLogsBucket: props.serverAccessLogsBucket,
      serverAccessLogsPrefix: props.serverAccessLogsBucket ? 'latest-state-snapshot-bucket/' : undefined,
      lifecycleRules: [{ id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: ABORT_INCOMPLETE_UPLOADS_AFTER }],
    });
    acknowledgeGuardRule(this.bucket, 's3_bucket_versioning_enabled_check', 'Iceberg keeps its own table snapshots (time travel) and VACUUM expires them; S3 versions would only keep files Iceberg has dropped. The table is derived from the lake and rebuilt by the next run.');
    acknowledgeGuardRule(this.bucket, 's3_event_notifications_enabled_check', 'Nothing consumes object events: Athena reads the table through its Iceberg metadata.');
    acknowledgeGuardRule(this.bucket, 's3_bucket_object_lock_enabled_check', 'VACUUM must delete expired Iceberg files, and the rows hold personal data that must be deletable.');
    if (!props.encryptionKey) {
      acknowledgeGuardRule(this.bucket, 's3_bucket_default_encryption_kms_check', 'SSE-S3 like the lake bucket by default; pass encryptionKey to FreshdeskLake for SSE-KMS.');
    }

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: logs.RetentionDays.ONE_MONTH,
      // Counts, times and query ids only: nothing worth keeping once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
      encryptionKey: props.encryptionKey,
    });
    acknowledgeLogGroupGuardRules(this.logGroup, props.encryptionKey, 'one JSON line per run (objects merged, watermark, query ids)');
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'Latest-state snapshot maintenance: Athena MERGE into the Iceberg snapshot, view re-creation, OPTIMIZE/VACUUM.',
    });
    this.grant(role, props, stack);

    this.function = bundledFunction(this, 'Function', 'snapshot-maintenance', {
      description: 'Latest-state snapshot: MERGE new lake objects into the Iceberg table, re-create ticket_latest_state; OPTIMIZE/VACUUM.',
      runtime: TRANSFORM_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // Lambda's maximum: the first run merges the whole history; later runs take seconds.
      timeout: Duration.minutes(15),
      role,
      logGroup: this.logGroup,
      environment: {
        [MAINTENANCE_ENV.bucket]: props.dataBucket.bucketName,
        [MAINTENANCE_ENV.database]: props.databaseName,
        [MAINTENANCE_ENV.workGroup]: props.workGroupName,
        [MAINTENANCE_ENV.snapshotLocation]: `s3://${this.bucket.bucketName}/${SNAPSHOT_TABLE_PREFIX}`,
        [MAINTENANCE_ENV.stateBucket]: this.bucket.bucketName,
        [MAINTENANCE_ENV.stateKey]: SNAPSHOT_STATE_KEY,
        [MAINTENANCE_ENV.lookbackDays]: String(lookbackDays),
        [MAINTENANCE_ENV.overlapMinutes]: '60',
      },
    });

    acknowledgeGuardRule(
      this.function,
      'lambda_inside_vpc_check',
      'The function calls the Athena and S3 APIs only; a VPC would add subnets, endpoints and cold-start time for nothing.',
    );
    acknowledgeCloudFormationFinding(
      this.function,
      'W3005',
      "aws-cdk-lib makes a function depend on its role and the role's policy, so the function is created after its permissions; the role half repeats the Role reference.",
    );

    // The schedules' own role: invoke this function, nothing else (LambdaInvoke grants it).
    const schedulerRole = new iam.Role(this, 'SchedulerRole', {
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
      description: 'EventBridge Scheduler: invokes the latest-state snapshot maintenance function.',
    });
    const schedule = (scheduleId: string, expression: scheduler.ScheduleExpression, action: 'merge' | 'optimize', description: string) =>
      new scheduler.Schedule(this, scheduleId, {
        schedule: expression,
        description,
        // A failed run is retried by the next one (MERGE is idempotent); retries would overlap it.
        target: new targets.LambdaInvoke(this.function, { input: scheduler.ScheduleTargetInput.fromObject({ action }), retryAttempts: 0, role: schedulerRole }),
      });
    acknowledgeWildcardResources(
      schedulerRole,
      [`${this.function.functionArn}:*`],
      "aws-scheduler-targets' LambdaInvoke also grants the function's versions (<arn>:*); the role can invoke this one function and nothing else.",
    );
    this.mergeSchedule = schedule('MergeSchedule', props.mergeSchedule ?? scheduler.ScheduleExpression.cron({ minute: '7' }), 'merge', 'Merge new lake objects into the latest-state snapshot.');
    this.optimizeSchedule = schedule(
      'OptimizeSchedule',
      props.optimizeSchedule ?? scheduler.ScheduleExpression.cron({ minute: '37', hour: '3' }),
      'optimize',
      'Compact (OPTIMIZE) and expire (VACUUM) the latest-state snapshot table.',
    );

    this.failureAlarm = new cloudwatch.Alarm(this, 'MaintenanceFailed', {
      metric: this.function.metricErrors({ statistic: cloudwatch.Stats.SUM, period: Duration.hours(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription:
        'A latest-state snapshot maintenance run failed (its log group has the Athena reason). Answers stay correct: ticket_latest_state reads the raw events after the last good run, more slowly.',
    });
    if (props.alarmTopic) {
      this.failureAlarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      this.failureAlarm.addOkAction(new actions.SnsAction(props.alarmTopic));
    } else {
      acknowledgeGuardRule(
        this.failureAlarm,
        'cloudwatch_alarm_action_check',
        'No alarmTopic was given: the alarm shows in the CloudWatch console and notifies nobody. Pass alarmTopic (FreshdeskLake) to be told when maintenance fails.',
      );
    }
  }

  private grant(role: iam.Role, props: LatestStateSnapshotProps, stack: Stack): void {
    const allow = (actionNames: string[], resources: string[], conditions?: Record<string, Record<string, unknown>>) =>
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: actionNames, resources, conditions }));
    allow(['logs:CreateLogStream', 'logs:PutLogEvents'], [this.logGroup.logGroupArn]);
    const workGroupArn = stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: props.workGroupName });
    allow(['athena:StartQueryExecution', 'athena:GetQueryExecution'], [workGroupArn]);
    const glueArn = (resource: string, resourceName?: string) => stack.formatArn({ service: 'glue', resource, resourceName });
    const tables = [TICKET_EVENTS_TABLE, TICKET_HISTORY_VIEW, TICKET_LATEST_STATE_VIEW, LATEST_STATE_SNAPSHOT_TABLE].map((t) => glueArn('table', `${props.databaseName}/${t}`));
    allow(['glue:GetDatabase'], [glueArn('catalog'), glueArn('database', props.databaseName)]);
    // CREATE TABLE / CREATE OR REPLACE VIEW create or update the Glue table; an Iceberg commit updates its metadata pointer.
    allow(['glue:GetTable', 'glue:CreateTable', 'glue:UpdateTable'], [glueArn('catalog'), glueArn('database', props.databaseName), ...tables]);
    // The lake: list (to find new objects; Athena lists partitions) and read events, nothing else.
    const eventsObjects = props.dataBucket.arnForObjects(`${EVENTS_PREFIX}*`);
    allow(['s3:ListBucket', 's3:GetBucketLocation'], [props.dataBucket.bucketArn]);
    allow(['s3:GetObject'], [eventsObjects]);
    // Query results: Athena writes them as the caller.
    const results = props.resultsBucket.arnForObjects('*');
    allow(['s3:ListBucket', 's3:GetBucketLocation'], [props.resultsBucket.bucketArn]);
    allow(['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'], [results]);
    // The snapshot bucket: Iceberg data and metadata (VACUUM deletes expired files) and the watermark.
    const snapshotObjects = this.bucket.arnForObjects('*');
    allow(['s3:ListBucket', 's3:GetBucketLocation'], [this.bucket.bucketArn]);
    allow(['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'], [snapshotObjects]);
    props.encryptionKey?.grantEncryptDecrypt(role);
    acknowledgeWildcardResources(
      role,
      [eventsObjects, results, snapshotObjects],
      'Object keys under a prefix cannot be listed in advance: lake events/ (read only), Athena query results, and the snapshot bucket (Iceberg files and the watermark).',
    );
  }
}
