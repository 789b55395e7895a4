/**
 * Reads a deployed freshlake stack's outputs (lib/stack-outputs.ts names them), so `--stack
 * Freshlake-123456` is all a user needs to know: workgroup, database, table and bucket follow.
 */
import { callAws } from '../aws-errors';
import { RemoteError } from '../errors';
import { STACK_OUTPUTS, type StackOutputKey } from '../stack-outputs';
import type { AwsClientConfig } from './aws-options';

export type FreshlakeStackOutputs = Partial<Record<StackOutputKey, string>>;

/**
 * DescribeStacks and the freshlake outputs it has.
 * @throws RemoteError when the stack does not exist or is not in a usable state
 */
export async function readStackOutputs(stackName: string, clientConfig: AwsClientConfig): Promise<FreshlakeStackOutputs> {
  // Loaded here, not at the top: the CLI loads the AWS SDK only when a command calls AWS.
  const { CloudFormationClient, DescribeStacksCommand } = await import('@aws-sdk/client-cloudformation');
  const client = new CloudFormationClient(clientConfig);
  try {
    const response = await callAws('cloudformation:DescribeStacks', async () => {
      try {
        return await client.send(new DescribeStacksCommand({ StackName: stackName }));
      } catch (error) {
        // CloudFormation answers a missing stack with a ValidationError "Stack with id X does not exist".
        if ((error as Error).name === 'ValidationError' && /does not exist/.test((error as Error).message)) {
          throw new RemoteError(`Stack ${stackName} does not exist in this account and region: check --stack, --region and --profile.`, { cause: error });
        }
        throw error;
      }
    });
    const stack = response.Stacks?.[0];
    if (!stack) throw new RemoteError(`Stack ${stackName} does not exist in this account and region: check --stack, --region and --profile.`);
    // A stack whose creation failed or rolled back, or that is being deleted, has no usable resources.
    if (/^(CREATE_FAILED|ROLLBACK_|DELETE_)/.test(stack.StackStatus ?? '')) {
      throw new RemoteError(`Stack ${stackName} is in state ${stack.StackStatus}; deploy it again before querying.`);
    }
    const byKey = new Map((stack.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    const outputs: FreshlakeStackOutputs = {};
    for (const [key, outputKey] of Object.entries(STACK_OUTPUTS) as [StackOutputKey, string][]) {
      const value = byKey.get(outputKey);
      if (value) outputs[key] = value;
    }
    return outputs;
  } finally {
    client.destroy();
  }
}

/** The value of one output, or a RemoteError naming the output the stack lacks. */
export function requireStackOutput(stackName: string, outputs: FreshlakeStackOutputs, key: StackOutputKey): string {
  const value = outputs[key];
  if (!value) {
    throw new RemoteError(`Stack ${stackName} has no output ${STACK_OUTPUTS[key]}: is it a freshlake stack? Deploy the current version, or pass the value as an option.`);
  }
  return value;
}
