import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for each IAM resource ARN that must end in a
 * wildcard (S3 object keys under a prefix cannot be listed in advance). Action wildcards are never
 * acknowledged: every action is named.
 *
 * cdk-nag 3 identifies such a finding as `AwsSolutions-IAM5[Resource::<flattened ARN>]`, where
 * references are flattened as `<LogicalId.Attr>` / `<LogicalId>`; this mirrors its
 * `flattenCfnReference` so the acknowledgement names exactly the ARNs granted here, not any
 * wildcard a later change might add.
 */
export function acknowledgeWildcardResources(scope: IConstruct, resourceArns: readonly string[], reason: string): void {
  const stack = Stack.of(scope);
  for (const arn of resourceArns) {
    Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(arn))}]`, reason });
  }
}

/** The flat form cdk-nag gives a CloudFormation value in its finding ids. */
export function flattenCfnReference(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\${/g, '<').replace(/}/g, '>');
  const o = node as Record<string, unknown>;
  if (o['Fn::Join']) {
    const [delimiter, items] = o['Fn::Join'] as [string, unknown[]];
    return items.map(flattenCfnReference).join(delimiter);
  }
  if (o['Fn::Sub']) return flattenCfnReference(o['Fn::Sub']);
  if (o['Fn::GetAtt']) {
    const [resource, attribute] = o['Fn::GetAtt'] as [unknown, unknown];
    return `<${flattenCfnReference(resource)}.${flattenCfnReference(attribute)}>`;
  }
  if (o['Fn::ImportValue']) return flattenCfnReference(o['Fn::ImportValue']);
  if (o.Ref) return `<${flattenCfnReference(o.Ref)}>`;
  return JSON.stringify(node);
}

/**
 * Namespace of cfn-guard findings (`@cdklabs/cdk-validator-cfnguard`, the Control Tower proactive
 * controls of the AWS Guard rules): CDK derives it from the plugin name, and acknowledgements use it.
 */
export const CFN_GUARD_NAMESPACE = 'cdk-validator-cfnguard';

/** Namespace of findings of AWS's CloudFormation validator (`@aws/cloudformation-validate`, run at synth by aws-cdk-lib). */
export const CLOUDFORMATION_VALIDATE_NAMESPACE = 'CloudFormation-Validate';

/**
 * Acknowledges a cfn-guard rule (e.g. `s3_bucket_versioning_enabled_check`) for the resources at
 * or under `scope`, with the reason it does not apply. Every acknowledgement is listed, reason and
 * all, by the template tests (test/cdk-stack.test.ts).
 */
export function acknowledgeGuardRule(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `${CFN_GUARD_NAMESPACE}::${rule}`, reason });
}

/** Acknowledges a CloudFormation validator finding (e.g. `W3005`) for the resources at or under `scope`. */
export function acknowledgeCloudFormationFinding(scope: IConstruct, rule: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `${CLOUDFORMATION_VALIDATE_NAMESPACE}::${rule}`, reason });
}
