/**
 * `freshlake report` end to end, without a browser (test/report-browser.test.ts opens the file in
 * Chromium): the file it writes, its headline numbers against the saved queries, what it must never
 * contain, its usage errors, and the same report built on Athena (the Athena API mocked by
 * aws-sdk-client-mock, answering each query from DuckDB over the same fixture lake).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  type Row,
} from '@aws-sdk/client-athena';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RowValue } from '../lib/engines/engine';
import { LocalEngine } from '../lib/engines/local-engine';
import { decodeTable, type EncodedTable } from '../lib/report/encode';
import { headlineNumbers } from '../lib/report/headline';
import { reportPeriod } from '../lib/report/sections';
import { bindSavedQuery, findSavedQuery, loadSavedQueries, type BoundParameter } from '../lib/saved-queries';
import { runCliInProcess } from './cli-harness';
import { FIXTURE_NOW, writeFixtureLake } from './fixtures/lake';

const catalog = loadSavedQueries();
let root: string;
let lake: string;
let engine: LocalEngine;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'freshlake-report-'));
  lake = writeFixtureLake(join(root, 'lake'));
  engine = await LocalEngine.open({ lakeDir: lake, cache: false });
});

afterAll(async () => {
  await engine?.close();
  rmSync(root, { recursive: true, force: true });
});

interface PageData {
  readonly period: { from: string; to: string; asOf: string };
  readonly data: Record<string, EncodedTable>;
}

/** The data the page embeds for its charts. */
function pageData(html: string): PageData {
  const m = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no report data in the page');
  return JSON.parse(m[1]) as PageData;
}

/** The headline tiles as rendered: id -> data-value. */
function headlineTiles(html: string): Record<string, string> {
  return Object.fromEntries([...html.matchAll(/data-headline="([^"]+)" data-value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

async function runSaved(name: string, raw: Record<string, string>): Promise<Record<string, RowValue>[]> {
  const query = findSavedQuery(catalog, name);
  const own = Object.fromEntries(query.parameters.filter((p) => p.name in raw).map((p) => [p.name, raw[p.name]]));
  const bound = bindSavedQuery(query, own, FIXTURE_NOW);
  const result = await engine.execute(bound.sql, bound.values);
  const rows: Record<string, RowValue>[] = [];
  for await (const page of result.pages) rows.push(...page.map((row) => Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]]))));
  return rows;
}

describe('freshlake report on the local engine', () => {
  let html: string;
  let summary: { file: string; bytes: number; headline: Record<string, number | null>; queries: { name: string; rows: number }[] };

  beforeAll(async () => {
    const run = await runCliInProcess(['report', '--lake', lake, '--from', '2026-11-24', '--to', '2026-11-27', '-o', join(root, 'report.html'), '--format', 'json'], { now: FIXTURE_NOW });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    summary = JSON.parse(run.stdout);
    html = readFileSync(join(root, 'report.html'), 'utf8');
  });

  it('writes one HTML file under 1.5 MB with the chart library inlined and no external reference', () => {
    expect(summary.file).toBe(join(root, 'report.html'));
    expect(statSync(summary.file).size).toBe(summary.bytes);
    expect(summary.bytes).toBeLessThan(1.5 * 1024 * 1024);
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('data-library="@observablehq/plot"');
    expect(html).toContain('data-library="d3"');
    // Nothing is loaded from elsewhere: no src= or href= attributes, and a CSP that allows no fetch.
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).toContain("default-src 'none'");
  });

  it('runs every KPI query once and says how many rows each gave', () => {
    expect(summary.queries.map((q) => q.name).sort()).toEqual(
      [
        'agent-workload', 'daily-ticket-history', 'group-workload', 'reopens-and-handoffs-by-week', 'response-times-by-week',
        'sla-breaching-now', 'sla-by-week', 'tickets-created-by-day', 'tickets-resolved-by-day', 'urgent-unassigned',
      ].sort(),
    );
    expect(summary.queries.find((q) => q.name === 'urgent-unassigned')?.rows).toBe(2);
  });

  it('shows headline numbers equal to the saved queries run on their own', async () => {
    const period = { from: '2026-11-24', to: '2026-11-27', as_of: reportPeriod(FIXTURE_NOW, '2026-11-24', '2026-11-27').asOf };
    const backlog = await runSaved('daily-ticket-history', period);
    const backlogOn = (day: string) => backlog.filter((r) => r.day === day).reduce((s, r) => s + (r.unresolved_tickets as number), 0);
    const responses = (await runSaved('response-times-by-week', period)).find((r) => r.scope === 'period')!;
    const sla = (await runSaved('sla-by-week', period)).find((r) => r.scope === 'period')!;
    const urgent = await runSaved('urgent-unassigned', period);
    const breaching = await runSaved('sla-breaching-now', period);
    const expected = {
      'backlog-now': backlogOn('2026-11-27'),
      'backlog-change': backlogOn('2026-11-27') - backlogOn('2026-11-24'),
      'urgent-unassigned': urgent.length,
      'breaching-now': new Set(breaching.map((r) => r.ticket_id)).size,
      'median-resolution': responses.p50_resolution_hours,
      'median-first-response': responses.p50_first_response_hours,
      'resolution-sla-met': sla.resolution_met_share,
      'first-response-sla-met': sla.first_response_met_share,
    };
    const tiles = headlineTiles(html);
    for (const [id, value] of Object.entries(expected)) expect(tiles[id], id).toBe(value === null ? '' : String(value));
    // The fixture's own numbers, worked out in test/kpi-queries.test.ts.
    expect(expected['backlog-now']).toBe(9);
    expect(expected['backlog-change']).toBe(8);
    expect(summary.headline.backlogNow).toBe(9);
  });

  it('embeds each query result whole (allowed columns), so every chart is drawn from the saved query', async () => {
    const data = pageData(html);
    expect(decodeTable(data.data.resolved)).toEqual(await runSaved('tickets-resolved-by-day', { from: '2026-11-24', to: '2026-11-27' }));
    expect(decodeTable(data.data.backlog).length).toBe((await runSaved('daily-ticket-history', { from: '2026-11-24', to: '2026-11-27' })).length);
  });

  it('holds no requester data, and ticket subjects only in the urgent-tickets table', () => {
    for (const id of [1001, 1002, 1003, 1006, 4711, 4712]) {
      expect(html).not.toContain(`Requester ${id}`);
      expect(html).not.toContain(`requester-${id}@example.com`);
      expect(html).not.toContain(String(30000000000 + id));
    }
    expect(html).not.toContain('"requester_id"');
    // Urgent and unassigned: 1002 and 4712. Every other subject stays out.
    expect(html).toContain('Invoices missing');
    for (const subject of ['Checkout is down', 'How do I export?', 'Refund my order', 'You won a prize', 'Data export wrong']) expect(html).not.toContain(subject);
  });

  it('leaves the subjects out with --no-subjects', async () => {
    const file = join(root, 'no-subjects.html');
    const run = await runCliInProcess(['report', '--lake', lake, '--from', '2026-11-24', '--to', '2026-11-27', '-o', file, '--no-subjects'], { now: FIXTURE_NOW });
    expect(run.code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('Invoices missing');
    expect(text).not.toContain('"subject"');
    expect(text).toContain('Subjects are left out of this file');
    expect(run.stdout).toMatch(/^Wrote .*no-subjects\.html \(\d+ KB\): 2026-11-24 to 2026-11-27, 10 saved queries/);
  });

  it('defaults to the last 30 days up to today', async () => {
    const file = join(root, 'default.html');
    const run = await runCliInProcess(['report', '--lake', lake, '-o', file, '--format', 'json'], { now: FIXTURE_NOW });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).period).toEqual({ from: '2026-10-29', to: '2026-11-27', asOf: '2026-11-27 14:00:00' });
  });

  it.each([
    [['--from', '27/11/2026'], /--from: "27\/11\/2026" is not a day YYYY-MM-DD/],
    [['--from', '2026-11-28', '--to', '2026-11-27'], /--from 2026-11-28 is after --to 2026-11-27/],
    [['--from', '2000-01-01'], /at most 3660 \(ten years\)/],
    [['--workgroup', 'wg'], /--workgroup applies only to Athena: add --engine athena/],
  ])('refuses %j with a one-line usage error (exit 2) and writes nothing', async (args, message) => {
    const file = join(root, 'refused.html');
    const run = await runCliInProcess(['report', '--lake', lake, '-o', file, ...args], { now: FIXTURE_NOW });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(() => statSync(file)).toThrow();
  });

  it('says what to do when there is no lake', async () => {
    const run = await runCliInProcess(['report', '--lake', join(root, 'nowhere'), '-o', join(root, 'x.html')], { now: FIXTURE_NOW });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/No local lake at .*nowhere/);
  });

  it('shows progress on a terminal only', async () => {
    const run = await runCliInProcess(['report', '--lake', lake, '-o', join(root, 'tty.html')], { now: FIXTURE_NOW, stderrIsTTY: true });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/report: \d+\/10 queries done/);
  });

  it('computes the headline from the query results (pure function)', () => {
    const table = (columns: string[], rows: RowValue[][]) => ({ columns, rows });
    const h = headlineNumbers(
      {
        backlog: table(['day', 'unresolved_tickets'], [['2026-01-01', 3], ['2026-01-01', 2], ['2026-01-02', 4]]),
        urgent: table(['ticket_id'], [[1], [2]]),
        breaching: table(['ticket_id'], [[1], [1], [3]]),
        responseTimes: table(['scope', 'p50_first_response_hours', 'p50_resolution_hours'], [['week', 9, 9], ['period', 1.5, null]]),
        sla: table(['scope', 'resolution_met_share', 'first_response_met_share'], [['period', 0.9, null]]),
        created: table(['tickets'], [[2], [3]]),
        resolved: table(['resolutions'], [[1]]),
      },
      { from: '2026-01-01', to: '2026-01-02' },
    );
    expect(h).toEqual({
      backlogNow: 4, backlogAtStart: 5, backlogChange: -1, urgentUnassigned: 2, breachingNow: 2,
      medianFirstResponseHours: 1.5, medianResolutionHours: null, resolutionSlaMet: 0.9, firstResponseSlaMet: null, created: 5, resolutions: 1,
    });
  });
});

describe('the demo (npm start)', () => {
  it('writes the demo report next to the demo lake and prints its path', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'freshlake-report-demo-'));
    try {
      const run = await runCliInProcess(['demo', '--days', '3', '--tickets-per-day', '20', '--rows', '1'], { cwd, now: FIXTURE_NOW });
      expect(run.code).toBe(0);
      const file = join(cwd, '.freshlake', 'report.html');
      expect(run.stdout).toContain(`The report: ${join('.freshlake', 'report.html')}, open it in a browser: file://${file}`);
      expect(run.stdout).toMatch(/-- freshlake report: \d+ KB written to/);
      const data = pageData(readFileSync(file, 'utf8'));
      expect(data.period).toEqual({ from: '2026-10-29', to: '2026-11-27', asOf: '2026-11-27 14:00:00' });
      expect(decodeTable(data.data.created).length).toBeGreaterThan(0);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('freshlake report on Athena (API mocked, answered from the same lake)', () => {
  const athena = mockClient(AthenaClient);
  const SCANNED = 3 * 1024 * 1024;
  const started = new Map<string, { sql: string; values: BoundParameter[] }>();

  /** ExecutionParameters are SQL literals: quoted text or digits (lib/engines/athena-engine). */
  function parameterOf(literal: string, i: number): BoundParameter {
    return /^-?\d+$/.test(literal)
      ? { name: `p${i}`, type: 'integer', value: Number(literal) }
      : { name: `p${i}`, type: 'string', value: literal.slice(1, -1).replace(/''/g, "'") };
  }

  beforeEach(() => {
    athena.reset();
    started.clear();
    athena.on(StartQueryExecutionCommand).callsFake((input) => {
      const id = `q-${started.size + 1}`;
      started.set(id, { sql: input.QueryString, values: (input.ExecutionParameters ?? []).map(parameterOf) });
      return { QueryExecutionId: id };
    });
    athena.on(GetQueryExecutionCommand).callsFake((input) => ({
      QueryExecution: {
        QueryExecutionId: input.QueryExecutionId,
        StatementType: 'DML',
        Status: { State: 'SUCCEEDED' },
        Statistics: { DataScannedInBytes: SCANNED, EngineExecutionTimeInMillis: 120 },
      },
    }));
    athena.on(GetQueryResultsCommand).callsFake(async (input) => {
      const { sql, values } = started.get(input.QueryExecutionId)!;
      const result = await engine.execute(sql, values);
      const rows: RowValue[][] = [];
      for await (const page of result.pages) rows.push(...page);
      const text = (v: RowValue): { VarCharValue?: string } => (v === null ? {} : { VarCharValue: typeof v === 'object' ? JSON.stringify(v) : String(v) });
      const header: Row = { Data: result.columns.map((c) => ({ VarCharValue: c.name })) };
      return {
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: result.columns.map((c) => ({ Name: c.name, Label: c.name, Type: c.type.replace(/\(3\)/, '') })) },
          Rows: [header, ...rows.map((row) => ({ Data: row.map(text) }))],
        },
      };
    });
  });

  afterAll(() => athena.restore());

  it('builds the same report as the local engine, and reports what the queries scanned and cost', async () => {
    const period = ['--from', '2026-11-24', '--to', '2026-11-27'];
    const local = await runCliInProcess(['report', '--lake', lake, ...period, '-o', join(root, 'local.html')], { now: FIXTURE_NOW });
    const remote = await runCliInProcess(
      ['report', '--engine', 'athena', '--database', 'freshlake', '--workgroup', 'freshlake-wg', '--region', 'us-east-1', ...period, '-o', join(root, 'athena.html')],
      { now: FIXTURE_NOW },
    );
    expect(local.code).toBe(0);
    expect(remote.stderr).toMatch(/^athena: 10 queries, data scanned 30\.0 MB, cost \$0\.0005\n$/);
    expect(remote.code).toBe(0);
    const localHtml = readFileSync(join(root, 'local.html'), 'utf8');
    const athenaHtml = readFileSync(join(root, 'athena.html'), 'utf8');
    expect(pageData(athenaHtml)).toEqual(pageData(localHtml));
    expect(headlineTiles(athenaHtml)).toEqual(headlineTiles(localHtml));
    expect(athenaHtml).toContain('Athena database freshlake, workgroup freshlake-wg');
    // Every query ran in the workgroup with bound parameters (never pasted into the SQL).
    const calls = athena.commandCalls(StartQueryExecutionCommand);
    expect(calls).toHaveLength(10);
    for (const call of calls) {
      expect(call.args[0].input.WorkGroup).toBe('freshlake-wg');
      expect(call.args[0].input.QueryString).not.toContain('2026-11-24');
    }
  });

  it('fails with the query that failed, in one line, exit 1', async () => {
    athena.on(GetQueryExecutionCommand).resolves({
      QueryExecution: { QueryExecutionId: 'q-1', StatementType: 'DML', Status: { State: 'FAILED', StateChangeReason: 'COLUMN_NOT_FOUND: line 1:8' } },
    });
    const run = await runCliInProcess(['report', '--engine', 'athena', '--database', 'freshlake', '--region', 'us-east-1', '-o', join(root, 'failed.html')], { now: FIXTURE_NOW });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^freshlake: Report query [a-z-]+ failed: Athena query q-\d+ failed: COLUMN_NOT_FOUND/);
    expect(() => statSync(join(root, 'failed.html'))).toThrow();
  });
});
