/**
 * `freshlake check` against what the stack really deploys: the Glue table and views are taken from
 * the synthesized CloudFormation template (intrinsics evaluated with stand-in names), served by a
 * mocked Glue, and must show no drift. This guards against false alarms on a fresh deploy when the
 * constructs or the drift rules change.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetTableCommand, GlueClient, type Table } from '@aws-sdk/client-glue';
import { DIMENSION_NAMES, DIMENSION_TABLES } from '../lib/dimensions/tables';
import { dimensionTableDrift, ticketEventsTableDrift, viewDrift } from '../lib/glue-drift';
import { TICKET_EVENTS_TABLE } from '../lib/schema';
import { STACK_OUTPUTS } from '../lib/stack-outputs';
import { LAKE_VIEWS } from '../lib/views';
import { PARTNER_SOURCE, evaluateIntrinsics, synthFreshlakeApp } from './cdk-synth';
import { runCliInProcess } from './cli-harness';

interface Template {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, { Value: unknown }>;
}

let tables: Map<string, Table>;
let outputs: Record<string, string>;

beforeAll(() => {
  const { stacks, assembly } = synthFreshlakeApp({ partnerEventSource: PARTNER_SOURCE });
  const template = assembly.getStackByName(stacks[0].stackName).template as Template;
  // Every Ref resolves to a stand-in physical name; pseudo parameters to a fixed account and region.
  const refs: Record<string, string> = { 'AWS::AccountId': '111122223333', 'AWS::Region': 'us-east-1', 'AWS::Partition': 'aws', 'AWS::URLSuffix': 'amazonaws.com' };
  // Ref of a Glue database or table is its name, as CloudFormation returns it.
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    const name = (props.DatabaseInput as { Name?: unknown } | undefined)?.Name ?? (props.TableInput as { Name?: unknown } | undefined)?.Name;
    refs[logicalId] = typeof name === 'string' ? name : logicalId.toLowerCase();
  }
  tables = new Map();
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Glue::Table') continue;
    const input = evaluateIntrinsics(resource.Properties!.TableInput, refs) as Table;
    tables.set(input.Name!, input);
  }
  outputs = Object.fromEntries(Object.entries(template.Outputs ?? {}).map(([key, o]) => [key, String(evaluateIntrinsics(o.Value, refs))]));
});

describe('drift of the table and views the stack deploys', () => {
  it('finds no drift in ticket_events', () => {
    const location = `s3://${outputs[STACK_OUTPUTS.dataBucketName]}/events/`;
    expect(tables.get(TICKET_EVENTS_TABLE)).toBeDefined();
    expect(ticketEventsTableDrift(tables.get(TICKET_EVENTS_TABLE)!, { expectedLocation: location })).toEqual([]);
  });

  it.each(DIMENSION_NAMES.map((n) => [n] as const))('finds no drift in dimension table %s', (name) => {
    expect(dimensionTableDrift(DIMENSION_TABLES[name], tables.get(name), `s3://${outputs[STACK_OUTPUTS.dataBucketName]}/`)).toEqual([]);
  });

  it.each(LAKE_VIEWS.map((v) => [v.name, v] as const))('finds no drift in view %s', (_name, view) => {
    expect(viewDrift(view, tables.get(view.name))).toEqual([]);
  });

  it('freshlake check --stack exits 0 against the deployed resources', async () => {
    const cloudFormation = mockClient(CloudFormationClient);
    const glue = mockClient(GlueClient);
    try {
      cloudFormation.on(DescribeStacksCommand).resolves({
        Stacks: [
          {
            StackName: 'Freshlake-1342406',
            StackStatus: 'CREATE_COMPLETE',
            CreationTime: new Date(0),
            Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
          },
        ],
      });
      glue.on(GetTableCommand).callsFake((input: { DatabaseName: string; Name: string }) => {
        const table = tables.get(input.Name);
        if (!table || input.DatabaseName !== outputs[STACK_OUTPUTS.glueDatabaseName]) {
          throw Object.assign(new Error(`Entity ${input.Name} not found`), { name: 'EntityNotFoundException' });
        }
        return { Table: table };
      });
      const { code, stdout, stderr } = await runCliInProcess(['check', '--stack', 'Freshlake-1342406']);
      expect(stderr).toBe('');
      expect(stdout).toMatch(/^No drift: /);
      expect(code).toBe(0);
    } finally {
      cloudFormation.restore();
      glue.restore();
    }
  });
});
