/**
 * bin/app.ts and addFreshlakeStacks: one stack per partner event source named in the context,
 * independent stacks for two sources, one-line errors for a missing or malformed name.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { addFreshlakeStacks, partnerEventSourcesFromContext } from '../lib/freshlake-stack';
import { SynthesizedApp, synthFreshlakeApp } from './cdk-synth';

const SOURCE_1 = 'aws.partner/freshworks.com/1/freshdesk';
const SOURCE_2 = 'aws.partner/freshworks.com/2/freshdesk';

type TemplateJson = { Resources: Record<string, { Type: string; Properties: Record<string, any> }> };

const contextApp = (context: Record<string, unknown>) => new App({ context });

describe('partner event sources from the context', () => {
  it.each([
    ['-c partnerEventSource=<a>', { partnerEventSource: SOURCE_1 }, [SOURCE_1]],
    ['-c partnerEventSources=<a>,<b>', { partnerEventSources: `${SOURCE_1},${SOURCE_2}` }, [SOURCE_1, SOURCE_2]],
    ['a list in cdk.json', { partnerEventSources: [SOURCE_1, SOURCE_2] }, [SOURCE_1, SOURCE_2]],
    ['both keys, with a duplicate and spaces', { partnerEventSource: SOURCE_2, partnerEventSources: ` ${SOURCE_1} , ${SOURCE_2}` }, [SOURCE_2, SOURCE_1]],
  ])('reads %s', (_how, context, expected) => {
    expect(partnerEventSourcesFromContext(contextApp(context))).toEqual(expected);
  });

  it('fails with one line telling the user to pass -c partnerEventSource when none is given', () => {
    expect(() => partnerEventSourcesFromContext(contextApp({}))).toThrow(
      /^No partner event source given: pass -c partnerEventSource=aws\.partner\/freshworks\.com\/<account-number>\/freshdesk/,
    );
  });

  it.each(['aws.partner/freshworks.com/abc/freshdesk', 'aws.partner/freshdesk.com/1/freshdesk', 'freshdesk'])(
    'fails with one line saying what the name must look like for %s',
    (name) => {
      let message = '';
      try {
        addFreshlakeStacks(contextApp({ partnerEventSources: [SOURCE_1, name] }));
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toBe(
        `Invalid partner event source name "${name}": it must look like aws.partner/freshworks.com/<account-number>/freshdesk (copy it from the EventBridge console, Partner event sources).`,
      );
      expect(message).not.toContain('\n');
    },
  );
});

describe('bin/app.ts', () => {
  const runApp = (context: Record<string, unknown>) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'bin', 'app.ts')], {
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: join(__dirname, '..', 'cdk.out', 'test-unused') },
      encoding: 'utf8',
    });

  it('prints one line and exits 1 for a malformed source, before synthesizing anything', () => {
    const result = runApp({ partnerEventSource: 'aws.partner/freshworks.com/x/freshdesk' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Invalid partner event source name "aws.partner\/freshworks.com\/x\/freshdesk": it must look like/)]);
  });

  it('prints one line and exits 1 when no source is given', () => {
    const result = runApp({});
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^No partner event source given: pass -c partnerEventSource=/)]);
  });
});

describe('two partner sources', () => {
  let synthesized: SynthesizedApp;
  let templates: TemplateJson[];
  beforeAll(() => {
    synthesized = synthFreshlakeApp({ partnerEventSources: `${SOURCE_1},${SOURCE_2}` });
    templates = synthesized.stacks.map((s) => synthesized.assembly.getStackByName(s.stackName).template);
  });

  it('give two stacks named after the Freshdesk accounts', () => {
    expect(synthesized.stacks.map((s) => s.stackName)).toEqual(['Freshlake-1', 'Freshlake-2']);
    expect(synthesized.assembly.stacks.map((s) => s.stackName).sort()).toEqual(['Freshlake-1', 'Freshlake-2']);
  });

  it('bind each stack to its own partner bus', () => {
    const buses = templates.map((t) => Object.values(t.Resources).find((r) => r.Type === 'AWS::Events::EventBus')!.Properties.EventSourceName);
    expect(buses).toEqual([SOURCE_1, SOURCE_2]);
  });

  it('fix no physical name that a second stack would collide with', () => {
    for (const t of templates) {
      for (const [id, r] of Object.entries(t.Resources)) {
        if (r.Type === 'AWS::S3::Bucket') expect(r.Properties.BucketName, id).toBeUndefined();
        if (r.Type === 'AWS::SQS::Queue') expect(r.Properties.QueueName, id).toBeUndefined();
        if (r.Type === 'AWS::KinesisFirehose::DeliveryStream') expect(r.Properties.DeliveryStreamName, id).toBeUndefined();
        if (r.Type === 'AWS::Lambda::Function') expect(r.Properties.FunctionName, id).toBeUndefined();
        if (r.Type === 'AWS::IAM::Role') expect(r.Properties.RoleName, id).toBeUndefined();
        if (r.Type === 'AWS::Events::Rule') expect(r.Properties.Name, id).toBeUndefined();
        if (r.Type === 'AWS::CloudWatch::Alarm') expect(r.Properties.AlarmName, id).toBeUndefined();
        if (r.Type === 'AWS::Logs::LogGroup') expect(r.Properties.LogGroupName, id).toBeUndefined();
      }
    }
  });

  it('name the names that must exist (workgroup, database, bus) differently per stack', () => {
    const nameOf = (t: TemplateJson, type: string, read: (p: Record<string, any>) => unknown) =>
      read(Object.values(t.Resources).find((r) => r.Type === type)!.Properties);
    const workGroups = templates.map((t) => nameOf(t, 'AWS::Athena::WorkGroup', (p) => p.Name));
    const databases = templates.map((t) => nameOf(t, 'AWS::Glue::Database', (p) => p.DatabaseInput.Name));
    expect(workGroups).toEqual(['Freshlake-1', 'Freshlake-2']);
    expect(new Set(databases).size).toBe(2);
    for (const db of databases) expect(db).toMatch(/^[a-z0-9_]+$/);
  });
});
