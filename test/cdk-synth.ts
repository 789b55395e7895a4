/**
 * Shared by the CDK tests (test/cdk-*.test.ts): synthesizes the app the way `cdk synth` does
 * (cdk.json feature flags, the partner-source context, cdk-nag AwsSolutions as a validation plugin)
 * into a temporary directory, and small helpers to read the result.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { FreshlakeStack, FreshlakeStackProps, addFreshlakeStacks } from '../lib/freshlake-stack';

export const PARTNER_SOURCE = 'aws.partner/freshworks.com/1342406/freshdesk';

/** The feature flags of cdk.json, so tests synthesize what `cdk synth` does. */
export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8')).context;
}

export interface SynthesizedApp {
  readonly app: App;
  readonly stacks: FreshlakeStack[];
  readonly assembly: CloudAssembly;
}

/** Builds and synthesizes the freshlake app for the given context (throws what synth throws). */
export function synthFreshlakeApp(context: Record<string, unknown>, props: Partial<FreshlakeStackProps> = {}): SynthesizedApp {
  const app = new App({ context: { ...cdkJsonContext(), ...context }, outdir: mkdtempSync(join(tmpdir(), 'freshlake-cdk-')) });
  const stacks = addFreshlakeStacks(app, props);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stacks, assembly: app.synth() };
}

/**
 * An app with a stack to put single constructs in, for construct unit tests: no bundling, no nag,
 * and no CloudFormation validation (a stack of imported resources draws warnings that say nothing
 * about the construct; the full stack in cdk-stack.test.ts is validated).
 */
export function bareStack(): Stack {
  return new Stack(new App({ context: cdkJsonContext(), builtinCloudFormationValidation: false }), 'Test');
}

/** CloudFormation JSON value after evaluating Ref / Fn::Join / Fn::Base64 / Fn::GetAtt with the given names. */
export function evaluateIntrinsics(node: unknown, refs: Record<string, string>): unknown {
  if (Array.isArray(node)) return node.map((n) => evaluateIntrinsics(n, refs));
  if (node === null || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1) {
    const [key] = keys;
    const value = o[key];
    if (key === 'Ref') {
      const name = refs[value as string];
      if (name === undefined) throw new Error(`No value for Ref ${String(value)}`);
      return name;
    }
    if (key === 'Fn::Join') {
      const [delimiter, items] = value as [string, unknown[]];
      return (evaluateIntrinsics(items, refs) as unknown[]).map(String).join(delimiter);
    }
    if (key === 'Fn::Base64') return Buffer.from(String(evaluateIntrinsics(value, refs)), 'utf8').toString('base64');
    if (key === 'Fn::GetAtt') {
      const [id, attr] = value as [string, string];
      return refs[`${id}.${attr}`] ?? `<${id}.${attr}>`;
    }
  }
  return Object.fromEntries(keys.map((k) => [k, evaluateIntrinsics(o[k], refs)]));
}

export interface PolicyStatementJson {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** Every IAM statement in a template: identity policies, inline role policies, bucket and queue policies, trust policies. */
export function allPolicyStatements(template: { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> }): {
  logicalId: string;
  type: string;
  statement: PolicyStatementJson;
}[] {
  const out: { logicalId: string; type: string; statement: PolicyStatementJson }[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    const documents: unknown[] = [];
    if ('PolicyDocument' in props) documents.push(props.PolicyDocument);
    if ('AssumeRolePolicyDocument' in props) documents.push(props.AssumeRolePolicyDocument);
    for (const p of (props.Policies as { PolicyDocument: unknown }[] | undefined) ?? []) documents.push(p.PolicyDocument);
    for (const d of documents) {
      for (const statement of (d as { Statement: PolicyStatementJson[] }).Statement) out.push({ logicalId, type: resource.Type, statement });
    }
  }
  return out;
}

export const actionsOf = (s: PolicyStatementJson): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
