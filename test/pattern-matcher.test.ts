/**
 * The local EventBridge pattern matcher, one table per operator. Patterns and events are the
 * examples of the EventBridge user guide ("Content filtering in event patterns", "Arrays in event
 * patterns", "Matching null values and empty strings", "Comparison operators") and of the
 * reference matcher's README (aws/event-ruler), each with a matching and a non-matching event.
 */
import { describe, expect, it } from 'vitest';
import {
  EventPatternSyntaxError,
  compileCidr,
  compileEventPattern,
  compileWildcard,
  matchesCidr,
  matchesEqualsIgnoreCase,
  matchesEventPattern,
  matchesExactValue,
  matchesExists,
  matchesNumeric,
  matchesPrefix,
  matchesPrefixIgnoreCase,
  matchesSuffix,
  matchesSuffixIgnoreCase,
  matchesWildcard,
} from '../lib/local/event-pattern-matcher';
import { FRESHWORKS_PARTNER_SOURCE_PREFIX, ticketEventPattern } from '../lib/event-pattern';
import ticketCreate from './fixtures/samples/ticket-create.json';
import ticketUpdate from './fixtures/samples/ticket-update.json';
import ticketUpdateVariant from './fixtures/samples/ticket-update-variant.json';

/** The EC2 event the user guide's content-filtering examples are written against. */
const ec2Event = {
  version: '0',
  id: 'ddddd4-aaaa-7777-4444-345dd43cc333',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '012345679012',
  time: '2017-10-02T16:24:49Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000'],
  detail: {
    'c-count': 5,
    'd-count': 3,
    'x-limit': 301.8,
    'source-ip': '10.0.0.33',
    'instance-id': 'i-000000aaaaaa00000',
    state: 'running',
  },
};

/** ec2Event with some detail fields replaced (undefined removes a field). */
function ec2With(detail: Record<string, unknown>, top: Record<string, unknown> = {}): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...ec2Event.detail, ...detail };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  return { ...ec2Event, ...top, detail: merged };
}

interface Case {
  readonly name: string;
  readonly pattern: unknown;
  readonly event: unknown;
  readonly matches: boolean;
}

function table(title: string, cases: readonly Case[]): void {
  describe(title, () => {
    it.each(cases)('$name', ({ pattern, event, matches }) => {
      expect(matchesEventPattern(pattern, event)).toBe(matches);
    });
  });
}

table('exact values (strings, numbers, booleans, null, empty string)', [
  { name: 'matches the documented EC2 pattern', pattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['running'] } }, event: ec2Event, matches: true },
  { name: 'values in a list are alternatives', pattern: { detail: { state: ['initializing', 'running'] } }, event: ec2Event, matches: true },
  { name: 'does not match another value', pattern: { detail: { state: ['terminated'] } }, event: ec2Event, matches: false },
  { name: 'is case-sensitive', pattern: { source: ['AWS.EC2'] }, event: ec2Event, matches: false },
  { name: 'numbers compare by value (3.018e2 = 301.8)', pattern: { detail: { 'x-limit': [3.018e2] } }, event: ec2Event, matches: true },
  { name: 'a number does not match its string', pattern: { detail: { 'c-count': ['5'] } }, event: ec2Event, matches: false },
  { name: 'booleans match booleans', pattern: { detail: { spam: [false] } }, event: ec2With({ spam: false }), matches: true },
  { name: 'a boolean does not match its string', pattern: { detail: { spam: ['false'] } }, event: ec2With({ spam: false }), matches: false },
  { name: 'null matches a null field', pattern: { detail: { responseElements: [null] } }, event: ec2With({ responseElements: null }), matches: true },
  { name: 'null does not match a missing field', pattern: { detail: { responseElements: [null] } }, event: ec2Event, matches: false },
  { name: '"" matches an empty string', pattern: { detail: { eventVersion: [''] } }, event: ec2With({ eventVersion: '' }), matches: true },
  { name: '"" does not match null (not interchangeable)', pattern: { detail: { responseElements: [''] } }, event: ec2With({ responseElements: null }), matches: false },
  { name: 'null does not match ""', pattern: { detail: { eventVersion: [null] } }, event: ec2With({ eventVersion: '' }), matches: false },
  { name: 'a field missing from the event never matches a value', pattern: { detail: { missing: ['x'] } }, event: ec2Event, matches: false },
  { name: 'an empty value list matches nothing', pattern: { source: [] }, event: ec2Event, matches: false },
  { name: 'an empty pattern matches every event', pattern: {}, event: ec2Event, matches: true },
  { name: 'fields not in the pattern are ignored', pattern: { region: ['us-east-1'] }, event: ec2Event, matches: true },
]);

table('prefix', [
  { name: 'time starting with 2017-10-02', pattern: { time: [{ prefix: '2017-10-02' }] }, event: ec2Event, matches: true },
  { name: 'another day', pattern: { time: [{ prefix: '2017-10-03' }] }, event: ec2Event, matches: false },
  { name: 'Region is in the US', pattern: { region: [{ prefix: 'us-' }] }, event: ec2Event, matches: true },
  { name: 'Region is not in the US', pattern: { region: [{ prefix: 'us-' }] }, event: { ...ec2Event, region: 'eu-west-1' }, matches: false },
  { name: 'only works on strings', pattern: { detail: { 'c-count': [{ prefix: '5' }] } }, event: ec2Event, matches: false },
  { name: 'the Freshworks partner source', pattern: { source: [{ prefix: 'aws.partner/freshworks.com/' }] }, event: ticketCreate, matches: true },
  { name: 'is plain text: a prefix without the separator matches a longer domain', pattern: { source: [{ prefix: 'aws.partner/freshworks.com' }] }, event: { source: 'aws.partner/freshworks.com.evil/1/freshdesk' }, matches: true },
  { name: 'a prefix ending at the separator does not', pattern: { source: [{ prefix: 'aws.partner/freshworks.com/' }] }, event: { source: 'aws.partner/freshworks.com.evil/1/freshdesk' }, matches: false },
]);

table('prefix with equals-ignore-case', [
  { name: 'EventBridge, regardless of case', pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } }, event: ec2With({ service: 'EVENTBRIDGE' }), matches: true },
  { name: 'eventb... lower case', pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } }, event: ec2With({ service: 'eventbus' }), matches: true },
  { name: 'another prefix', pattern: { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } }, event: ec2With({ service: 'Event Grid' }), matches: false },
]);

table('suffix', [
  { name: 'FileName ending with .png', pattern: { FileName: [{ suffix: '.png' }] }, event: { FileName: 'image.png' }, matches: true },
  { name: 'FileName ending with .jpg', pattern: { FileName: [{ suffix: '.png' }] }, event: { FileName: 'image.jpg' }, matches: false },
  { name: 'is case-sensitive', pattern: { FileName: [{ suffix: '.png' }] }, event: { FileName: 'image.PNG' }, matches: false },
  { name: 'source ending with ec2', pattern: { source: [{ suffix: 'ec2' }] }, event: ec2Event, matches: true },
]);

table('suffix with equals-ignore-case', [
  { name: '.PNG matches .png', pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, event: ec2With({ FileName: 'IMAGE.PNG' }), matches: true },
  { name: '.jpg does not', pattern: { detail: { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] } }, event: ec2With({ FileName: 'image.jpg' }), matches: false },
]);

table('equals-ignore-case', [
  { name: 'the whole value must be equal (EC2 is not aws.ec2)', pattern: { source: [{ 'equals-ignore-case': 'EC2' }] }, event: ec2Event, matches: false },
  { name: 'source AWS.EC2 matches aws.ec2', pattern: { source: [{ 'equals-ignore-case': 'AWS.EC2' }] }, event: ec2Event, matches: true },
  { name: 'detail-type in lower case', pattern: { 'detail-type': [{ 'equals-ignore-case': 'ec2 instance state-change notification' }] }, event: ec2Event, matches: true },
  { name: 'non-ASCII letters fold too', pattern: { name: [{ 'equals-ignore-case': 'JOÃO' }] }, event: { name: 'João' }, matches: true },
  { name: 'only works on strings', pattern: { n: [{ 'equals-ignore-case': '5' }] }, event: { n: 5 }, matches: false },
]);

table('wildcard', [
  { name: 'dir/*.png matches dir/image.png', pattern: { FileName: [{ wildcard: 'dir/*.png' }] }, event: { FileName: 'dir/image.png' }, matches: true },
  { name: '* matches slashes', pattern: { FileName: [{ wildcard: 'dir/*.png' }] }, event: { FileName: 'dir/a/b.png' }, matches: true },
  { name: 'dir/*.png does not match dir/image.jpg', pattern: { FileName: [{ wildcard: 'dir/*.png' }] }, event: { FileName: 'dir/image.jpg' }, matches: false },
  { name: 'is anchored at both ends', pattern: { FileName: [{ wildcard: 'dir/*' }] }, event: { FileName: 'xdir/icon.png' }, matches: false },
  { name: 'an event bus ARN with wildcards', pattern: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] }, event: { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/default' }, matches: true },
  { name: 'the ARN of another region', pattern: { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] }, event: { EventBusArn: 'arn:aws:events:eu-west-1:123456789012:event-bus/default' }, matches: false },
  { name: 'Simple*Service', pattern: { source: [{ wildcard: 'Simple*Service' }] }, event: { source: 'SimpleNotificationService' }, matches: true },
  { name: '* matches the empty string', pattern: { source: [{ wildcard: 'Simple*Service' }] }, event: { source: 'SimpleService' }, matches: true },
  { name: 'an escaped \\* is a literal asterisk', pattern: { key: [{ wildcard: 'a\\*b' }] }, event: { key: 'a*b' }, matches: true },
  { name: 'an escaped \\* does not act as a wildcard', pattern: { key: [{ wildcard: 'a\\*b' }] }, event: { key: 'aXb' }, matches: false },
  { name: 'an escaped \\\\ is a literal backslash', pattern: { key: [{ wildcard: 'a\\\\*' }] }, event: { key: 'a\\anything' }, matches: true },
  { name: 'regex characters are literal', pattern: { key: [{ wildcard: 'a.b*' }] }, event: { key: 'aXb' }, matches: false },
  { name: 'only works on strings', pattern: { n: [{ wildcard: '*' }] }, event: { n: 5 }, matches: false },
]);

table('anything-but (a value or a list)', [
  { name: 'state is anything but initializing', pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } }, event: ec2Event, matches: true },
  { name: 'state is initializing', pattern: { detail: { state: [{ 'anything-but': 'initializing' }] } }, event: ec2With({ state: 'initializing' }), matches: false },
  { name: 'x-limit is anything but 123', pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } }, event: ec2Event, matches: true },
  { name: 'x-limit is 123', pattern: { detail: { 'x-limit': [{ 'anything-but': 123 }] } }, event: ec2With({ 'x-limit': 123 }), matches: false },
  { name: 'anything but stopped or overloaded: running', pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, event: ec2Event, matches: true },
  { name: 'anything but stopped or overloaded: stopped', pattern: { detail: { state: [{ 'anything-but': ['stopped', 'overloaded'] }] } }, event: ec2With({ state: 'stopped' }), matches: false },
  { name: 'anything but 100, 200, 300: 301.8', pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } }, event: ec2Event, matches: true },
  { name: 'anything but 100, 200, 300: 200', pattern: { detail: { 'x-limit': [{ 'anything-but': [100, 200, 300] }] } }, event: ec2With({ 'x-limit': 200 }), matches: false },
  { name: 'a missing field does not match', pattern: { detail: { missing: [{ 'anything-but': 'x' }] } }, event: ec2Event, matches: false },
]);

table('anything-but prefix, suffix, equals-ignore-case, wildcard', [
  { name: 'state does not start with init', pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, event: ec2Event, matches: true },
  { name: 'state starts with init', pattern: { detail: { state: [{ 'anything-but': { prefix: 'init' } }] } }, event: ec2With({ state: 'initializing' }), matches: false },
  { name: 'Region is not in the US (eu-west-1)', pattern: { Region: [{ 'anything-but': { prefix: 'us-' } }] }, event: { Region: 'eu-west-1' }, matches: true },
  { name: 'Region is not in the US (us-east-1)', pattern: { Region: [{ 'anything-but': { prefix: 'us-' } }] }, event: { Region: 'us-east-1' }, matches: false },
  { name: 'FileName does not end with .txt', pattern: { FileName: [{ 'anything-but': { suffix: '.txt' } }] }, event: { FileName: 'image.png' }, matches: true },
  { name: 'FileName ends with .txt', pattern: { FileName: [{ 'anything-but': { suffix: '.txt' } }] }, event: { FileName: 'notes.txt' }, matches: false },
  { name: 'state is not initializing in any casing', pattern: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] }, event: { state: 'running' }, matches: true },
  { name: 'state is INITIALIZING', pattern: { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] }, event: { state: 'INITIALIZING' }, matches: false },
  { name: 'a list of casings to avoid', pattern: { state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] }, event: { state: 'overloaded' }, matches: false },
  { name: 'FilePath does not include /lib/', pattern: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, event: { FilePath: '/usr/bin/env' }, matches: true },
  { name: 'FilePath includes /lib/', pattern: { FilePath: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, event: { FilePath: '/usr/lib/node' }, matches: false },
  { name: 'a list of wildcards to avoid', pattern: { FilePath: [{ 'anything-but': { wildcard: ['*/lib/*', '*/bin/*'] } }] }, event: { FilePath: '/usr/bin/env' }, matches: false },
]);

table('numeric', [
  { name: 'the documented ranges all hold', pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] } }, event: ec2Event, matches: true },
  { name: 'c-count 6 is outside (0, 5]', pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }, event: ec2With({ 'c-count': 6 }), matches: false },
  { name: 'c-count 0 is outside (0, 5]', pattern: { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }] } }, event: ec2With({ 'c-count': 0 }), matches: false },
  { name: '>= includes the bound', pattern: { n: [{ numeric: ['>=', 10, '<', 20] }] }, event: { n: 10 }, matches: true },
  { name: '< excludes the bound', pattern: { n: [{ numeric: ['>=', 10, '<', 20] }] }, event: { n: 20 }, matches: false },
  { name: 'only JSON numbers: "5" is a string', pattern: { detail: { 'c-count': [{ numeric: ['>', 0] }] } }, event: ec2With({ 'c-count': '5' }), matches: false },
  { name: 'priority 4 (Urgent) on a ticket', pattern: { detail: { ticket: { priority: [{ numeric: ['>=', 4] }] } } }, event: ticketUpdate, matches: true },
  { name: 'priority 2 on a ticket', pattern: { detail: { ticket: { priority: [{ numeric: ['>=', 4] }] } } }, event: ticketCreate, matches: false },
]);

table('cidr (IP address matching)', [
  { name: '10.0.0.33 is in 10.0.0.0/24', pattern: { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, event: ec2Event, matches: true },
  { name: '10.0.1.33 is not', pattern: { detail: { 'source-ip': [{ cidr: '10.0.0.0/24' }] } }, event: ec2With({ 'source-ip': '10.0.1.33' }), matches: false },
  { name: 'IPv6 blocks work too', pattern: { ip: [{ cidr: '2001:db8::/32' }] }, event: { ip: '2001:db8:1::1' }, matches: true },
  { name: 'a non-address does not match', pattern: { ip: [{ cidr: '10.0.0.0/8' }] }, event: { ip: 'localhost' }, matches: false },
]);

table('exists', [
  { name: 'detail.c-count exists', pattern: { detail: { 'c-count': [{ exists: true }] } }, event: ec2Event, matches: true },
  { name: 'detail.c-count is absent', pattern: { detail: { 'c-count': [{ exists: true }] } }, event: ec2With({ 'c-count': undefined }), matches: false },
  { name: 'exists false on an absent field', pattern: { detail: { 'c-count': [{ exists: false }] } }, event: { 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['initializing', 'running'] } }, matches: true },
  { name: 'exists false on a non-leaf (object) field', pattern: { detail: { 'c-count': [{ exists: false }] } }, event: { detail: { state: ['initializing', 'running'], 'c-count': { c1: 100 } } }, matches: true },
  { name: 'exists false on a present field', pattern: { detail: { 'c-count': [{ exists: false }] } }, event: ec2Event, matches: false },
  { name: 'exists false when the parent object is missing', pattern: { detail: { 'c-count': [{ exists: false }] } }, event: { source: 'x' }, matches: true },
  { name: 'a null value exists', pattern: { detail: { responseElements: [{ exists: true }] } }, event: ec2With({ responseElements: null }), matches: true },
  { name: 'an unassigned ticket (responder_id null) has the field', pattern: { detail: { ticket: { responder_id: [{ exists: true }] } } }, event: ticketCreate, matches: true },
  { name: 'exists false at the top level', pattern: { 'trace-header': [{ exists: false }] }, event: ec2Event, matches: true },
]);

table('$or', [
  {
    name: 'source and (metricName or namespace): namespace matches',
    pattern: { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }] },
    event: { source: 'aws.cloudwatch', metricName: 'DiskReadOps', namespace: 'AWS/EC2' },
    matches: true,
  },
  {
    name: 'source and (metricName or namespace): neither matches',
    pattern: { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }] },
    event: { source: 'aws.cloudwatch', metricName: 'DiskReadOps', namespace: 'AWS/RDS' },
    matches: false,
  },
  {
    name: 'an $or inside detail over numeric ranges',
    pattern: { detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }, { 'x-limit': [{ numeric: ['=', 3.018e2] }] }] } },
    event: ec2With({ 'c-count': 50, 'd-count': 50 }),
    matches: true,
  },
  {
    name: 'an $or inside detail where no branch holds',
    pattern: { detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }] } },
    event: ec2With({ 'c-count': 50, 'd-count': 50 }),
    matches: false,
  },
  {
    name: 'nested $or with an and inside',
    pattern: { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] }] },
    event: { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1000 },
    matches: true,
  },
  {
    name: 'nested $or whose inner alternatives fail',
    pattern: { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] }] },
    event: { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1 },
    matches: false,
  },
]);

const resourcesPattern = {
  resources: [
    'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f',
    'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f',
    'arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f',
  ],
};
const employees = {
  employees: [
    { firstName: 'John', lastName: 'Doe' },
    { firstName: 'Anna', lastName: 'Smith' },
    { firstName: 'Peter', lastName: 'Jones' },
  ],
};

table('arrays in events', [
  {
    name: 'matches when the pattern list and the event array intersect',
    pattern: resourcesPattern,
    event: { resources: ['arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b:autoScalingGroupName/ASGTerminate', 'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'] },
    matches: true,
  },
  { name: 'does not match when they do not intersect', pattern: resourcesPattern, event: { resources: ['arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f'] }, matches: false },
  { name: 'an empty event array matches no value', pattern: resourcesPattern, event: { resources: [] }, matches: false },
  { name: 'an empty event array does not exist', pattern: { resources: [{ exists: false }] }, event: { resources: [] }, matches: true },
  { name: 'operators apply to each element (prefix on tags)', pattern: { detail: { ticket: { tags: [{ prefix: 'vi' }] } } }, event: ticketUpdate, matches: true },
  { name: 'anything-but on an array: one other element suffices', pattern: { tags: [{ 'anything-but': 'billing' }] }, event: { tags: ['billing', 'vip'] }, matches: true },
  { name: 'an object inside an array is matched as the parent field', pattern: { employees: { firstName: ['Anna'] } }, event: employees, matches: true },
  { name: 'multi-level arrays are flattened', pattern: { employees: { firstName: ['Peter'] } }, event: { employees: [[employees.employees[0], employees.employees[1]], [employees.employees[2]]] }, matches: true },
  { name: 'fields must match within ONE element (Anna Smith)', pattern: { employees: { firstName: ['Anna'], lastName: ['Smith'] } }, event: employees, matches: true },
  { name: 'fields of different elements do not combine (Anna Jones)', pattern: { employees: { firstName: ['Anna'], lastName: ['Jones'] } }, event: employees, matches: false },
  { name: 'attachment objects of a ticket', pattern: { detail: { ticket: { attachments: { content_type: [{ prefix: 'image/' }] } } } }, event: ticketUpdateVariant, matches: true },
]);

describe('nested objects', () => {
  it('follows the nesting of the event', () => {
    expect(matchesEventPattern({ detail: { ticket: { type: ['Refund'] } } }, ticketCreate)).toBe(true);
    expect(matchesEventPattern({ detail: { ticket: { type: ['Refund'] } } }, ticketUpdateVariant)).toBe(false);
  });
  it('does not match a value list against an object field', () => {
    expect(matchesEventPattern({ detail: { ticket: ['x'] } }, ticketCreate)).toBe(false);
  });
  it('never matches an event that is not a JSON object', () => {
    const match = compileEventPattern({});
    for (const event of [null, 42, 'text', [ticketCreate]]) expect(match(event)).toBe(false);
  });
});

describe('the ticket event pattern of the CDK rule', () => {
  const match = compileEventPattern(ticketEventPattern());
  it('matches the Freshdesk create and update samples', () => {
    for (const sample of [ticketCreate, ticketUpdate, ticketUpdateVariant]) expect(match(sample)).toBe(true);
  });
  it('does not match other Freshdesk events or other sources', () => {
    expect(match({ ...ticketCreate, 'detail-type': 'onContactCreate' })).toBe(false);
    expect(match({ ...ticketCreate, source: 'aws.partner/zendesk.com/1/support' })).toBe(false);
    expect(match({ ...ticketCreate, source: undefined })).toBe(false);
  });
  it.each([
    'aws.partner/freshworks.com.evil/1342406/freshdesk',
    'aws.partner/freshworks.comevil/1342406/freshdesk',
    'aws.partner/freshworks.com',
  ])('does not match a source that only starts with the Freshworks domain: %s', (source) => {
    expect(match({ ...ticketCreate, source })).toBe(false);
  });
  it('the prefix it deploys ends at the path separator', () => {
    expect(ticketEventPattern().source).toEqual([{ prefix: 'aws.partner/freshworks.com/' }]);
    expect(FRESHWORKS_PARTNER_SOURCE_PREFIX.endsWith('/')).toBe(true);
  });
  it('adds the account condition when an account is given', () => {
    expect(compileEventPattern(ticketEventPattern({ account: '111122223333' }))(ticketCreate)).toBe(true);
    expect(compileEventPattern(ticketEventPattern({ account: '999999999999' }))(ticketCreate)).toBe(false);
  });
});

describe('operator functions', () => {
  it.each([
    ['matchesExactValue', () => matchesExactValue('a', 'a') && !matchesExactValue('5', 5) && matchesExactValue(null, null)],
    ['matchesPrefix', () => matchesPrefix('us-', 'us-east-1') && !matchesPrefix('us-', 'eu-west-1') && !matchesPrefix('1', 1)],
    ['matchesSuffix', () => matchesSuffix('.png', 'a.png') && !matchesSuffix('.png', 'a.jpg')],
    ['matchesEqualsIgnoreCase', () => matchesEqualsIgnoreCase('EC2', 'ec2') && !matchesEqualsIgnoreCase('EC2', 'ec3')],
    ['matchesPrefixIgnoreCase', () => matchesPrefixIgnoreCase('EventB', 'eventbridge') && !matchesPrefixIgnoreCase('EventB', 'events')],
    ['matchesSuffixIgnoreCase', () => matchesSuffixIgnoreCase('.PNG', 'a.png') && !matchesSuffixIgnoreCase('.PNG', 'a.gif')],
    ['matchesWildcard', () => matchesWildcard(compileWildcard('*/lib/*'), '/usr/lib/x') && !matchesWildcard(compileWildcard('*/lib/*'), '/usr/bin/x')],
    ['matchesNumeric', () => matchesNumeric([{ operator: '>', operand: 0 }, { operator: '<=', operand: 5 }], 5) && !matchesNumeric([{ operator: '>', operand: 0 }], 0)],
    ['matchesCidr', () => matchesCidr(compileCidr('10.0.0.0/24'), '10.0.0.255') && !matchesCidr(compileCidr('10.0.0.0/24'), '10.0.1.0')],
    ['matchesExists', () => matchesExists(true, [null]) && matchesExists(false, []) && !matchesExists(true, [])],
  ])('%s holds for a matching and a non-matching value', (_name, check) => {
    expect(check()).toBe(true);
  });
});

describe('invalid patterns are rejected like EventBridge does', () => {
  it.each([
    ['a pattern that is not an object', ['x']],
    ['a field that is a bare string', { source: 'aws.ec2' }],
    ['an unknown operator', { source: [{ contains: 'x' }] }],
    ['an operator object with two keys', { source: [{ prefix: 'a', suffix: 'b' }] }],
    ['consecutive wildcards', { source: [{ wildcard: 'a**b' }] }],
    ['an escape of another character', { source: [{ wildcard: 'a\\b' }] }],
    ['a numeric operator that does not exist', { n: [{ numeric: ['!=', 1] }] }],
    ['a numeric operand that is a string', { n: [{ numeric: ['>', '1'] }] }],
    ['an anything-but list mixing strings and numbers', { n: [{ 'anything-but': ['a', 1] }] }],
    ['exists with a string', { n: [{ exists: 'yes' }] }],
    ['$or with one alternative', { $or: [{ a: ['x'] }] }],
    ['a malformed CIDR block', { ip: [{ cidr: '10.0.0.0/33' }] }],
  ])('%s', (_name, pattern) => {
    expect(() => compileEventPattern(pattern)).toThrow(EventPatternSyntaxError);
  });
});
