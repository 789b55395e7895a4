import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledgeLogGroupGuardRules } from './lake-delivery-stream';
import { acknowledgeCloudFormationFinding, acknowledgeGuardRule } from './nag-findings';
import { bundledFunction, handlerEntry } from './lambda-code';

/** The transform handler (lambda/transform/index.ts), bundled alone. */
export const TRANSFORM_ENTRY = handlerEntry('transform');

/**
 * The newest Node.js runtime aws-cdk-lib 2.276 offers. Pinned rather than `latestVersion()` so a
 * CDK upgrade does not silently change the runtime of a deployed pipeline.
 */
export const TRANSFORM_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** Properties of a {@link TransformFunction}. */
export interface TransformFunctionProps {
  /**
   * Memory of the function. The handler copies each record once; a 3 MB batch needs far less than
   * this, and more memory also buys proportionally more CPU.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Timeout of one invocation. Firehose waits at most 5 minutes for a transform; a batch takes
   * milliseconds, so a long timeout would only delay Firehose's retry of a hung invocation.
   * @default Duration.seconds(60)
   * @see https://docs.aws.amazon.com/firehose/latest/dev/data-transformation.html
   */
  readonly timeout?: Duration;
  /**
   * Retention of the function's log group (the handler logs counts, never payloads).
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Customer managed KMS key for the function's log group. CloudWatch Logs must be allowed to use
   * it in the key policy (FreshdeskLake adds that for a key defined in the app).
   * @default - encrypted by CloudWatch Logs with its own keys
   */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * The Firehose transform Lambda: `handler` from lambda/transform/index.ts, bundled by esbuild
 * (lambda-code.ts: locally at synth from the sources, prebuilt in the installed package; never
 * Docker), minified, arm64, on the newest Node.js runtime. The handler does not
 * import the AWS SDK, and `@aws-sdk/*` is external anyway, so the bundle carries none.
 *
 * Its role can write only to its own log group: no managed policy (AWSLambdaBasicExecutionRole
 * would allow writing to every log group in the account).
 */
export class TransformFunction extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: TransformFunctionProps = {}) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logEncryptionKey,
      // Counts only, no ticket data: nothing worth keeping once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    acknowledgeLogGroupGuardRules(this.logGroup, props.logEncryptionKey, 'the transform\'s counts and errors');
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      description: 'Firehose transform Lambda: writes its own logs, nothing else.',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.function = bundledFunction(this, 'Function', 'transform', {
      description: 'Firehose transform: one JSON event per line, partition key dt = UTC day of the event time.',
      runtime: TRANSFORM_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(60),
      role,
      logGroup: this.logGroup,
    });
    acknowledgeGuardRule(
      this.function,
      'lambda_inside_vpc_check',
      'The transform reaches no network resource: Firehose invokes it with the records and takes its answer. A VPC would add subnets, endpoints and cold-start time for nothing.',
    );
    acknowledgeCloudFormationFinding(
      this.function,
      'W3005',
      'aws-cdk-lib makes a function depend on its role and the role\'s policy, so the function is created after its permissions; the role half repeats the Role reference.',
    );
  }
}
