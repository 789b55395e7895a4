import { App, CfnOutput, Stack, StackProps, Tags } from 'aws-cdk-lib';
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
    this.lake = new FreshdeskLake(this, 'Lake', {
      ...props,
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
  return sources.map((partnerEventSourceName) => {
    const stackName = stackNameForFreshdeskAccount(freshdeskAccountOfSource(partnerEventSourceName));
    return new FreshlakeStack(app, stackName, { ...props, customerManagedKey, stackName, partnerEventSourceName });
  });
}
