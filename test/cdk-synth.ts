/**
 * Shared by the CDK tests (test/cdk-*.test.ts): synthesizes the app the way `cdk synth` does
 * (cdk.json feature flags, the partner-source context, cdk-nag AwsSolutions as a validation plugin)
 * into a temporary directory, and small helpers to read the result.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CLOUDFORMATION_VALIDATE_NAMESPACE } from '../lib/constructs';
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

export interface SynthOptions {
  /**
   * Also run cfn-guard with the Control Tower proactive controls of the AWS Guard rules
   * (`@cdklabs/cdk-validator-cfnguard`) as a validation plugin: synth then fails on an
   * unacknowledged finding, like it does for cdk-nag. It takes seconds, so only the template
   * tests of each configuration ask for it.
   * @default false
   */
  readonly cfnGuard?: boolean;
}

/** Builds and synthesizes the freshlake app for the given context (throws what synth throws). */
export function synthFreshlakeApp(context: Record<string, unknown>, props: Partial<FreshlakeStackProps> = {}, options: SynthOptions = {}): SynthesizedApp {
  const app = new App({ context: { ...cdkJsonContext(), ...context }, outdir: mkdtempSync(join(tmpdir(), 'freshlake-cdk-')) });
  const stacks = addFreshlakeStacks(app, props);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  if (options.cfnGuard) Validations.of(app).addPlugins(new CfnGuardValidator());
  return { app, stacks, assembly: app.synth() };
}

/**
 * The violations in an assembly's validation report (cfn-guard with `cfnGuard: true`): synth writes
 * them to `validation-report.json` and does not fail, so a test must read them.
 */
export function validationViolations(assemblyDirectory: string): string[] {
  const report = JSON.parse(readFileSync(join(assemblyDirectory, 'validation-report.json'), 'utf8')) as {
    pluginReports: { pluginName: string; violations: { ruleName: string; violatingResources?: { resourceLogicalId?: string; locations?: string[] }[] }[] }[];
  };
  // No cfn-guard report means the rules never ran: an empty list would prove nothing.
  if (!report.pluginReports.some((plugin) => plugin.pluginName === 'cdk-validator-cfnguard')) throw new Error(`No cfn-guard report in ${assemblyDirectory}: synthesize with cfnGuard.`);
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.map((v) => `${plugin.pluginName}: ${v.ruleName} at ${(v.violatingResources ?? []).map((r) => r.resourceLogicalId ?? r.locations?.join(' ')).join(', ')}`),
  );
}

/** The regions the templates are validated for (AWS's validator knows which resource types and properties each offers). */
export const VALIDATION_REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'] as const;

/** A finding of AWS's CloudFormation validator, with whether the code acknowledges it. */
export interface CloudFormationFinding {
  readonly region: string;
  readonly ruleId: string;
  readonly severity: string;
  readonly logicalId?: string;
  readonly propertyPath?: string;
  readonly message: string;
  /** Acknowledged with `CloudFormation-Validate::<ruleId>` at the resource, an ancestor construct or the stack. */
  readonly acknowledged: boolean;
}

/** The part of `@aws/cloudformation-validate` the tests use (it ships inside aws-cdk-lib). */
interface CloudFormationValidate {
  CompositeEngine: new () => {
    validateTemplate(template: unknown, config: Record<string, unknown>): { status: string; diagnostics: { ruleId: string; severity: string; message: string; propertyPath?: string; entity?: { logicalId: string } }[] };
    free(): void;
  };
  TemplateContent: new (content: string, name?: string) => unknown;
}

/** AWS's CloudFormation validator as aws-cdk-lib ships it (resolved from aws-cdk-lib, where npm puts it). */
export function loadCloudFormationValidate(): CloudFormationValidate {
  return require(require.resolve('@aws/cloudformation-validate', { paths: [require.resolve('aws-cdk-lib')] })) as CloudFormationValidate;
}

/**
 * Runs AWS's CloudFormation validator on a synthesized stack's template once per region, warnings
 * and above (informational notes such as "create-only property" are not findings), and marks each
 * finding the code acknowledges.
 */
export function cloudFormationFindings(stack: Stack, template: unknown, regions: readonly string[] = VALIDATION_REGIONS): CloudFormationFinding[] {
  const validate = loadCloudFormationValidate();
  const pathOfLogicalId = new Map<string, string>();
  for (const c of stack.node.findAll()) if (CfnElement.isCfnElement(c)) pathOfLogicalId.set(stack.resolve(c.logicalId), c.node.path);
  const acknowledgedAt = new Map<string, string[]>();
  for (const c of stack.node.findAll()) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const id of Object.keys(entry.data as object)) {
        const prefix = `${CLOUDFORMATION_VALIDATE_NAMESPACE}::`;
        if (id.startsWith(prefix)) acknowledgedAt.set(id.slice(prefix.length), [...(acknowledgedAt.get(id.slice(prefix.length)) ?? []), c.node.path]);
      }
    }
  }
  const engine = new validate.CompositeEngine();
  try {
    const findings: CloudFormationFinding[] = [];
    for (const region of regions) {
      const report = engine.validateTemplate(new validate.TemplateContent(JSON.stringify(template), `${stack.stackName}.template.json`), {
        detailLevel: 'STANDARD',
        severityLevel: 'WARN',
        pseudoParameterOverrides: { region },
      });
      for (const d of report.diagnostics) {
        const path = d.entity ? pathOfLogicalId.get(d.entity.logicalId) : undefined;
        const acknowledged = (acknowledgedAt.get(d.ruleId) ?? []).some((at) => at === stack.node.path || (path !== undefined && (path === at || path.startsWith(`${at}/`))));
        findings.push({ region, ruleId: d.ruleId, severity: d.severity, logicalId: d.entity?.logicalId, propertyPath: d.propertyPath, message: d.message, acknowledged });
      }
      if (report.status !== 'OK') findings.push({ region, ruleId: 'status', severity: 'ERROR', message: `validator status ${report.status}`, acknowledged: false });
    }
    return findings;
  } finally {
    engine.free();
  }
}

/** Every acknowledgement recorded in a construct tree: path, rule id and reason. */
export function acknowledgementsIn(scope: { node: { path: string; metadata: { type: string; data: unknown }[]; children: unknown[] } }): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  const visit = (c: any) => {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, value] of Object.entries(entry.data as Record<string, any>)) out.push({ path: c.node.path, id, reason: String(value?.reason ?? value) });
    }
    for (const child of c.node.children) visit(child);
  };
  visit(scope);
  return out;
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
