import { App, CfnOutput, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { freshdeskAccountOfSource, PARTNER_EVENT_SOURCE_EXAMPLE } from './event-pattern';
import { STACK_OUTPUTS, stackNameForFreshdeskAccount } from './stack-outputs';
import { FreshdeskLake, FreshdeskLakeProps, LakeEncryptionKey } from './constructs';

/** Properties of a {@link FreshlakeStack}. */
export interface FreshlakeStackProps extends StackProps, FreshdeskLakeProps {
  /**
   * Create a customer managed KMS key for the lake in this stack (a {@link LakeEncryptionKey}:
   * rotated yearly, retained) and pass it as `encryptionKey`. Ignored when `encryptionKey` is given.
   * `cdk deploy -c customerManagedKey=true` sets it.
   * @default false
   */
  readonly customerManagedKey?: boolean;
  /**
   * Opt-in scheduled sync from plain values, as `cdk deploy -c freshdeskDomain=<name>
   * -c freshdeskApiKeySecret=<secret ARN or name>` sets them: the stack imports the existing secret
   * and passes `scheduledSync`. Ignored when `scheduledSync` is given.
   * @default - no scheduled sync
   */
  readonly freshdeskSync?: { readonly domain: string; readonly apiKeySecret: string };
}

/** An existing secret by complete ARN, partial ARN (without the 6-character suffix) or name. */
function importSecret(scope: Construct, id: string, arnOrName: string): secretsmanager.ISecret {
  if (!arnOrName.startsWith('arn:')) return secretsmanager.Secret.fromSecretNameV2(scope, id, arnOrName);
  // Secrets Manager appends "-" and 6 characters to the name in a complete ARN.
  return /:secret:.+-[A-Za-z0-9]{6}$/.test(arnOrName)
    ? secretsmanager.Secret.fromSecretCompleteArn(scope, id, arnOrName)
    : secretsmanager.Secret.fromSecretPartialArn(scope, id, arnOrName);
}

/**
 * One Freshdesk account's lake: a {@link FreshdeskLake} plus the outputs the freshlake CLI reads
 * (`--stack`). The workgroup is named after the stack, so it is recognizable and distinct.
 */
export class FreshlakeStack extends Stack {
  readonly lake: FreshdeskLake;
  /** The key created with `customerManagedKey`. */
  readonly encryptionKey?: LakeEncryptionKey;

  constructor(scope: Construct, id: string, props: FreshlakeStackProps) {
    super(scope, id, {
      description: `freshlake: Freshdesk ticket events of ${props.partnerEventSourceName} into S3, Glue and Athena`,
      ...props,
    });
    const freshdeskAccount = freshdeskAccountOfSource(props.partnerEventSourceName);
    Tags.of(this).add('freshlake:freshdesk-account', freshdeskAccount);
    if (props.customerManagedKey && !props.encryptionKey) this.encryptionKey = new LakeEncryptionKey(this, 'LakeKey');
    const scheduledSync =
      props.scheduledSync ??
      (props.freshdeskSync
        ? { freshdeskDomain: props.freshdeskSync.domain, apiKeySecret: importSecret(this, 'FreshdeskApiKey', props.freshdeskSync.apiKeySecret) }
        : undefined);
    this.lake = new FreshdeskLake(this, 'Lake', {
      ...props,
      scheduledSync,
      encryptionKey: props.encryptionKey ?? this.encryptionKey?.key,
      workGroup: { workGroupName: this.stackName, ...props.workGroup },
    });
    const outputs: Record<keyof typeof STACK_OUTPUTS, { value: string; description: string }> = {
      dataBucketName: { value: this.lake.dataBucket.bucket.bucketName, description: 'S3 bucket of the lake (events/, errors/)' },
      glueDatabaseName: { value: this.lake.database.databaseName, description: 'Glue database of ticket_events and the views' },
      glueTableName: { value: this.lake.ticketEvents.table.tableName, description: 'Glue table of the ticket events' },
      athenaWorkGroupName: { value: this.lake.workGroup.workGroupName, description: 'Athena workgroup for the saved queries' },
      deliveryStreamName: { value: this.lake.delivery.deliveryStream.deliveryStreamName, description: 'Firehose stream the rule feeds' },
      deadLetterQueueUrl: { value: this.lake.deadLetterQueue.queueUrl, description: 'Events EventBridge could not deliver to Firehose (inspect here; replay from the archive)' },
    };
    for (const [key, output] of Object.entries(outputs)) {
      new CfnOutput(this, STACK_OUTPUTS[key as keyof typeof STACK_OUTPUTS], output);
    }
  }
}

/** How `cdk synth -c ...` names the partner sources to deploy. */
export const PARTNER_SOURCE_CONTEXT_KEYS = { one: 'partnerEventSource', many: 'partnerEventSources' } as const;

/** `-c freshdeskDomain=<name> -c freshdeskApiKeySecret=<arn-or-name>`: the opt-in scheduled sync. */
export const SCHEDULED_SYNC_CONTEXT_KEYS = { domain: 'freshdeskDomain', apiKeySecret: 'freshdeskApiKeySecret' } as const;

/**
 * The scheduled sync named in the context, or undefined when neither key is set.
 * @throws Error (one line) when only one is set, or with several partner sources (each account has its own domain and key)
 */
export function freshdeskSyncFromContext(app: Construct, sources: number): FreshlakeStackProps['freshdeskSync'] {
  const domain = app.node.tryGetContext(SCHEDULED_SYNC_CONTEXT_KEYS.domain);
  const apiKeySecret = app.node.tryGetContext(SCHEDULED_SYNC_CONTEXT_KEYS.apiKeySecret);
  if (domain === undefined && apiKeySecret === undefined) return undefined;
  if (typeof domain !== 'string' || domain.trim() === '' || typeof apiKeySecret !== 'string' || apiKeySecret.trim() === '') {
    throw new Error(
      `The scheduled sync needs both -c ${SCHEDULED_SYNC_CONTEXT_KEYS.domain}=<name of https://<name>.freshdesk.com> and -c ${SCHEDULED_SYNC_CONTEXT_KEYS.apiKeySecret}=<ARN or name of the Secrets Manager secret holding the API key>.`,
    );
  }
  if (sources > 1) {
    throw new Error(`-c ${SCHEDULED_SYNC_CONTEXT_KEYS.domain} and -c ${SCHEDULED_SYNC_CONTEXT_KEYS.apiKeySecret} belong to one Freshdesk account: deploy with one partner event source (-c ${PARTNER_SOURCE_CONTEXT_KEYS.one}=...) at a time.`);
  }
  return { domain: domain.trim(), apiKeySecret: apiKeySecret.trim() };
}

/** `-c latestStateSnapshot=true`: each stack keeps the latest-state snapshot on Athena (FreshdeskLakeProps.latestStateSnapshot, defaults). */
export const LATEST_STATE_SNAPSHOT_CONTEXT_KEY = 'latestStateSnapshot';

/** The `latestStateSnapshot` context value: `{}` (the defaults) when true. @throws Error (one line) on anything but true/false. */
export function latestStateSnapshotFromContext(app: Construct): FreshlakeStackProps['latestStateSnapshot'] {
  const raw = app.node.tryGetContext(LATEST_STATE_SNAPSHOT_CONTEXT_KEY);
  if (raw === undefined || raw === null || raw === false || raw === 'false') return undefined;
  if (raw === true || raw === 'true') return {};
  throw new Error(`Context ${LATEST_STATE_SNAPSHOT_CONTEXT_KEY} must be true or false, got ${JSON.stringify(raw)}.`);
}

/** `-c customerManagedKey=true`: each stack creates a customer managed KMS key for its lake. */
export const CUSTOMER_MANAGED_KEY_CONTEXT_KEY = 'customerManagedKey';

/** The `customerManagedKey` context value as a boolean. @throws Error (one line) on anything but true/false. */
export function customerManagedKeyFromContext(app: Construct): boolean {
  const raw = app.node.tryGetContext(CUSTOMER_MANAGED_KEY_CONTEXT_KEY);
  if (raw === undefined || raw === null || raw === false || raw === 'false') return false;
  if (raw === true || raw === 'true') return true;
  throw new Error(`Context ${CUSTOMER_MANAGED_KEY_CONTEXT_KEY} must be true or false, got ${JSON.stringify(raw)}.`);
}

/**
 * The partner event sources named in the CDK context: `-c partnerEventSource=<name>`,
 * `-c partnerEventSources=<a>,<b>`, or a `partnerEventSources` array in cdk.json. Duplicates are
 * removed; each name is validated.
 * @throws Error (one line) when none is given or one is malformed.
 */
export function partnerEventSourcesFromContext(app: Construct): string[] {
  const values: string[] = [];
  const add = (raw: unknown, key: string) => {
    if (raw === undefined || raw === null) return;
    const list = Array.isArray(raw) ? raw : String(raw).split(',');
    for (const item of list) {
      if (typeof item !== 'string') throw new Error(`Context ${key} must be a partner event source name or a list of them, got ${JSON.stringify(item)}.`);
      const name = item.trim();
      if (name !== '') values.push(name);
    }
  };
  add(app.node.tryGetContext(PARTNER_SOURCE_CONTEXT_KEYS.one), PARTNER_SOURCE_CONTEXT_KEYS.one);
  add(app.node.tryGetContext(PARTNER_SOURCE_CONTEXT_KEYS.many), PARTNER_SOURCE_CONTEXT_KEYS.many);
  if (values.length === 0) {
    throw new Error(
      `No partner event source given: pass -c ${PARTNER_SOURCE_CONTEXT_KEYS.one}=${PARTNER_EVENT_SOURCE_EXAMPLE} ` +
        `(with npm: npm run synth -- -c ...), or -c ${PARTNER_SOURCE_CONTEXT_KEYS.many}=<a>,<b>, or a "${PARTNER_SOURCE_CONTEXT_KEYS.many}" list in cdk.json context.`,
    );
  }
  const unique = [...new Set(values)];
  for (const name of unique) freshdeskAccountOfSource(name);
  return unique;
}

/**
 * Adds one {@link FreshlakeStack} per partner event source named in the context. The stack name
 * comes from the Freshdesk account number: stable across deploys, distinct per source.
 */
export function addFreshlakeStacks(app: App, props: Partial<FreshlakeStackProps> = {}): FreshlakeStack[] {
  const sources = partnerEventSourcesFromContext(app);
  const customerManagedKey = props.customerManagedKey ?? customerManagedKeyFromContext(app);
  const freshdeskSync = props.freshdeskSync ?? freshdeskSyncFromContext(app, sources.length);
  const latestStateSnapshot = props.latestStateSnapshot ?? latestStateSnapshotFromContext(app);
  return sources.map((partnerEventSourceName) => {
    const stackName = stackNameForFreshdeskAccount(freshdeskAccountOfSource(partnerEventSourceName));
    return new FreshlakeStack(app, stackName, { ...props, customerManagedKey, freshdeskSync, latestStateSnapshot, stackName, partnerEventSourceName });
  });
}
