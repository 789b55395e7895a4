/**
 * Parameter ranges (issue 8 item 11): a parameter declares its bounds in its `-- param:` line
 * (`n integer(1..10000) = 10`), date arithmetic (`today-N`) is bounded, and a value out of range
 * exits 2 with one line before any engine runs, instead of an empty answer (`n=-1`) or a failure
 * inside DuckDB (`hours=999999999999999`, `day=today-100000000`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../lib/errors';
import { MAX_RELATIVE_DAYS, bindSavedQuery, findSavedQuery, loadSavedQueries, parseSavedQuery, resolveParameter, type QueryParameter } from '../lib/saved-queries';
import { runCliInProcess } from './cli-harness';
import { FIXTURE_NOW, writeFixtureLake } from './fixtures/lake';

const parse = (paramLine: string, body = 'SELECT ticket_id FROM tickets_latest WHERE ticket_id = :x') => parseSavedQuery(`-- name: q\n-- description: A query.\n-- param: ${paramLine}\n${body}`, 'q.sql');

describe('declared bounds', () => {
  it('reads integer bounds from the parameter line', () => {
    expect(parse('x integer(1..10000) = 10 | How many').parameters[0]).toMatchObject({ name: 'x', type: 'integer', min: 1, max: 10000, defaultValue: '10', description: 'How many' });
    expect(parse('x integer(-5..5)').parameters[0]).toMatchObject({ min: -5, max: 5 });
    expect(parse('x integer').parameters[0].min).toBeUndefined();
  });

  it.each([
    ['x integer(5..1)', /bounds 5\.\.1.*smallest first/],
    ['x integer(1..99999999999999999)', /bad parameter line/],
    ['x integer(a..b)', /bad parameter line/],
    ['x integer(1..10) = 11', /default "11".*from 1 to 10/],
    ['x date(1..10)', /bad parameter line/],
  ])('refuses %s', (line, message) => {
    expect(() => parse(line)).toThrow(message);
  });

  const n: QueryParameter = { name: 'n', type: 'integer', min: 1, max: 10000, description: '' };
  it.each([
    ['1', 1],
    ['10000', 10000],
    ['42', 42],
  ])('accepts %s within 1..10000', (raw, value) => {
    expect(resolveParameter(n, raw, FIXTURE_NOW)).toBe(value);
  });

  it.each(['-1', '0', '10001', '999999999999999'])('refuses %s outside 1..10000 with a UsageError naming the range', (raw) => {
    expect(() => resolveParameter(n, raw, FIXTURE_NOW)).toThrow(UsageError);
    expect(() => resolveParameter(n, raw, FIXTURE_NOW)).toThrow(`Parameter n: "${raw}" is out of range: give an integer from 1 to 10000.`);
  });
});

describe('bounded date arithmetic', () => {
  const day: QueryParameter = { name: 'day', type: 'date', description: '' };
  it('accepts today plus or minus up to the bound', () => {
    expect(resolveParameter(day, `today-${MAX_RELATIVE_DAYS}`, FIXTURE_NOW)).toMatch(/^19\d\d-\d\d-\d\d$/);
    expect(resolveParameter(day, `today+${MAX_RELATIVE_DAYS}`, FIXTURE_NOW)).toMatch(/^21\d\d-\d\d-\d\d$/);
    expect(resolveParameter(day, 'today-30', FIXTURE_NOW)).toBe('2026-10-28');
  });

  it.each([`today-${MAX_RELATIVE_DAYS + 1}`, 'today-100000000', 'today+100000000', 'today-99999999999999999999'])('refuses %s', (raw) => {
    expect(() => resolveParameter(day, raw, FIXTURE_NOW)).toThrow(UsageError);
    expect(() => resolveParameter(day, raw, FIXTURE_NOW)).toThrow(new RegExp(`^Parameter day: "${raw.replace('+', '\\+')}" is out of range: today-N and today\\+N go at most ${MAX_RELATIVE_DAYS} days`));
  });
});

describe('the shipped saved queries', () => {
  const queries = loadSavedQueries();

  it('declare bounds on every integer parameter', () => {
    const unbounded = queries.flatMap((q) => q.parameters.filter((p) => p.type === 'integer' && (p.min === undefined || p.max === undefined)).map((p) => `${q.name}.${p.name}`));
    expect(unbounded).toEqual([]);
  });

  it.each([
    ['recent-events', { n: '-1' }],
    ['recent-events', { n: '0' }],
    ['sla-due-soon', { hours: '-1' }],
    ['sla-due-soon', { hours: '999999999999999' }],
    ['refund-tickets-today', { day: 'today-100000000' }],
  ])('%s refuses %o', (name, raw) => {
    expect(() => bindSavedQuery(findSavedQuery(queries, name), raw, FIXTURE_NOW)).toThrow(/is out of range/);
  });
});

describe('CLI', () => {
  let root: string;
  let lakeDir: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'freshlake-params-'));
    lakeDir = writeFixtureLake(join(root, 'lake'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each([
    ['recent-events', 'n=-1', 'n'],
    ['sla-due-soon', 'hours=-1', 'hours'],
    ['sla-due-soon', 'hours=999999999999999', 'hours'],
    ['refund-tickets-today', 'day=today-100000000', 'day'],
  ])('run %s -p %s exits 2 with one line naming the parameter and its range', async (name, param, parameter) => {
    const result = await runCliInProcess(['run', name, '-p', param, '--lake', lakeDir, '--format', 'json'], { now: FIXTURE_NOW });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Parameter ${parameter}: "${param.slice(param.indexOf('=') + 1)}" is out of range`);
  });
});
