/**
 * The transform rejects events dated outside the Glue table's partition projection (Athena would
 * never show them), so the deployed Lambda must know the table's first projected day: the stack
 * hands it the same day the table's `projection.dt.range` starts with.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { FreshdeskLake } from '../lib/constructs';
import { DEFAULT_PROJECTION_START_DAY, PROJECTION_START_DAY_ENV } from '../lib/lake-layout';
import { bareStack } from './cdk-synth';

const SOURCE = 'aws.partner/freshworks.com/1342406/freshdesk';

function synthesized(projectionStartDay?: string): { range: string; environment: Record<string, string> } {
  const stack = bareStack();
  const lake = new FreshdeskLake(stack, 'Lake', { partnerEventSourceName: SOURCE, projectionStartDay });
  const template = Template.fromStack(stack);
  const [table] = Object.values(template.findResources('AWS::Glue::Table', { Properties: { TableInput: { Name: 'ticket_events' } } }));
  const transformId = stack.getLogicalId(lake.transform.function.node.defaultChild as never);
  const transform = template.toJSON().Resources[transformId];
  return {
    range: (table as { Properties: { TableInput: { Parameters: Record<string, string> } } }).Properties.TableInput.Parameters['projection.dt.range'],
    environment: transform.Properties.Environment?.Variables ?? {},
  };
}

describe('transform Lambda and partition projection', () => {
  it('gives the transform the first day of the table\'s projection range, by default 2010-01-01', () => {
    const { range, environment } = synthesized();
    expect(DEFAULT_PROJECTION_START_DAY).toBe('2010-01-01');
    expect(range).toBe(`${DEFAULT_PROJECTION_START_DAY},NOW`);
    expect(environment[PROJECTION_START_DAY_ENV]).toBe(DEFAULT_PROJECTION_START_DAY);
  });

  it('gives the transform a stack\'s own start day, the same the table starts with', () => {
    const { range, environment } = synthesized('2018-06-01');
    expect(range).toBe('2018-06-01,NOW');
    expect(environment[PROJECTION_START_DAY_ENV]).toBe('2018-06-01');
  });

  it('fails at synth on a start day that is not a day, naming the prop', () => {
    expect(() => synthesized('2018-13-01')).toThrow(/projectionStartDay/);
  });
});
