/**
 * The report in a real browser: Debian's Chromium (/usr/bin/chromium, installed by .ci/run),
 * driven headless by playwright-core with a fresh profile. The page must open with no console
 * error and no network request (every request is routed; anything but file: and data: fails the
 * test), every chart must draw as many marks as its data has, the headline numbers on screen must
 * equal the saved queries' results, and screenshots (light, dark) are kept in test-artifacts/.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RowValue } from '../lib/engines/engine';
import { LocalEngine } from '../lib/engines/local-engine';
import { writeEventFile } from '../lib/local/event-file-writer';
import { generateHelpdesk } from '../lib/local/generator';
import { ingestToLake } from '../lib/local/ingest';
import { REPORT_CHART_IDS } from '../lib/report/page';
import { reportPeriod } from '../lib/report/sections';
import { bindSavedQuery, findSavedQuery, loadSavedQueries } from '../lib/saved-queries';
import { REPO_ROOT, runCliInProcess } from './cli-harness';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const FROM = '2026-10-01';
const TO = '2026-10-30';
const NOW = new Date(`${TO}T17:00:00Z`);
const catalog = loadSavedQueries();

let root: string;
let reportFile: string;
let engine: LocalEngine;
let context: BrowserContext;
const results: Record<string, Record<string, RowValue>[]> = {};

async function runSaved(name: string): Promise<Record<string, RowValue>[]> {
  const period = reportPeriod(NOW, FROM, TO);
  const query = findSavedQuery(catalog, name);
  const raw: Record<string, string> = { from: period.from, to: period.to, as_of: period.asOf };
  const bound = bindSavedQuery(query, Object.fromEntries(query.parameters.map((p) => [p.name, raw[p.name]])), NOW);
  const result = await engine.execute(bound.sql, bound.values);
  const rows: Record<string, RowValue>[] = [];
  for await (const page of result.pages) rows.push(...page.map((row) => Object.fromEntries(result.columns.map((c, i) => [c.name, row[i]]))));
  return rows;
}

const distinct = (rows: Record<string, RowValue>[], ...keys: string[]) => new Set(rows.map((r) => JSON.stringify(keys.map((k) => r[k])))).size;
const positive = (value: RowValue) => typeof value === 'number' && value > 0;
const present = (value: RowValue) => value !== null && value !== undefined;

/** What each chart must draw, from the saved queries' rows (the rule each chart's caption states). */
function expectedMarks(): Record<string, number> {
  const weekly = results['response-times-by-week'].filter((r) => r.scope === 'week-priority');
  const slaWeeks = results['sla-by-week'].filter((r) => r.scope === 'week');
  const handoffs = results['reopens-and-handoffs-by-week'];
  return {
    'backlog-priority': distinct(results['daily-ticket-history'], 'day'),
    'backlog-group': distinct(results['daily-ticket-history'], 'group_id'),
    'created-channel': distinct(results['tickets-created-by-day'], 'created_day', 'channel_name'),
    'created-type': distinct(results['tickets-created-by-day'], 'created_day', 'ticket_type'),
    resolved: results['tickets-resolved-by-day'].length,
    'first-response': weekly.filter((r) => present(r.p50_first_response_hours)).length,
    'resolution-time': weekly.filter((r) => present(r.p50_resolution_hours)).length,
    'sla-met': slaWeeks.filter((r) => present(r.resolution_met_share)).length + slaWeeks.filter((r) => present(r.first_response_met_share)).length,
    breaching: distinct(results['sla-breaching-now'], 'priority_name', 'breach'),
    handoffs: handoffs.reduce((n, r) => n + ['reopens', 'reassignments', 'group_transfers'].filter((k) => positive(r[k])).length, 0),
    unassigned: handoffs.filter((r) => present(r.p50_hours_unassigned)).length + handoffs.filter((r) => present(r.p90_hours_unassigned)).length,
    groups: results['group-workload'].reduce((n, r) => n + ['open_tickets', 'pending_tickets', 'custom_status_tickets'].filter((k) => positive(r[k])).length, 0),
    agents: Math.min(20, results['agent-workload'].filter((r) => r.responder_id !== null).length),
  };
}

interface OpenedPage {
  readonly page: Page;
  readonly consoleErrors: string[];
  readonly blockedRequests: string[];
}

async function openReport(colorScheme: 'light' | 'dark'): Promise<OpenedPage> {
  const page = await context.newPage();
  await page.emulateMedia({ colorScheme });
  const consoleErrors: string[] = [];
  const blockedRequests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') consoleErrors.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
  await page.goto(`file://${reportFile}`);
  await page.waitForSelector('html[data-report-ready="true"]', { timeout: 30_000 });
  return { page, consoleErrors, blockedRequests };
}

const blocked: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does).`);
  root = mkdtempSync(join(tmpdir(), 'freshlake-report-browser-'));
  const { events } = generateHelpdesk({ from: FROM, to: TO, until: NOW.getTime(), ticketsPerDay: 40, seed: 'report-browser' });
  await writeEventFile(join(root, 'events.jsonl'), events);
  await ingestToLake({ inputs: [join(root, 'events.jsonl')], lakeDir: join(root, 'lake') });
  reportFile = join(root, 'report.html');
  const run = await runCliInProcess(['report', '--lake', join(root, 'lake'), '--from', FROM, '--to', TO, '-o', reportFile], { now: NOW });
  if (run.code !== 0) throw new Error(`freshlake report failed: ${run.stderr}`);
  engine = await LocalEngine.open({ lakeDir: join(root, 'lake') });
  for (const name of ['daily-ticket-history', 'tickets-created-by-day', 'tickets-resolved-by-day', 'response-times-by-week', 'sla-by-week', 'sla-breaching-now', 'reopens-and-handoffs-by-week', 'group-workload', 'agent-workload', 'urgent-unassigned']) {
    results[name] = await runSaved(name);
  }
  context = await chromium.launchPersistentContext(join(root, 'chromium-profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
  });
  // Every request the page makes: the file itself and data: URLs are fine, anything else is a failure.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
});

afterAll(async () => {
  await context?.close();
  await engine?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the report in Chromium', () => {
  it('opens with no console error or warning and no network request', async () => {
    const { page, consoleErrors } = await openReport('light');
    expect(consoleErrors).toEqual([]);
    expect(blocked).toEqual([]);
    expect(await page.title()).toBe('Support report');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    await page.close();
  });

  it('draws every chart with as many marks as its data has', async () => {
    const { page } = await openReport('light');
    const drawn = await page.$$eval('figure[data-chart]', (figures) =>
      Object.fromEntries(
        figures.map((f) => [
          f.getAttribute('data-chart')!,
          { points: f.querySelectorAll('.marks-points > *').length, series: f.querySelectorAll('.marks-series > *').length, state: f.getAttribute('data-rendered') },
        ]),
      ),
    );
    expect(Object.keys(drawn)).toEqual(REPORT_CHART_IDS);
    const expected = expectedMarks();
    // The generated month has data for every chart but first response (no ticket stats without sync).
    expect(Object.entries(expected).filter(([, n]) => n === 0).map(([id]) => id)).toEqual(['first-response']);
    for (const [id, count] of Object.entries(expected)) {
      const marks = id === 'backlog-group' ? drawn[id].series : drawn[id].points;
      expect(marks, id).toBe(count);
      expect(drawn[id].state, id).toBe(count === 0 ? 'empty' : 'true');
    }
    // One dot per day of the range in the backlog trend.
    expect(expected['backlog-priority']).toBe(30);
    const emptyText = await page.$eval('figure[data-chart="first-response"] .empty', (p) => p.textContent);
    expect(emptyText).toMatch(/freshlake sync/);
    // Every drawn chart's SVG is labelled with the chart's title and has axes with labels.
    for (const id of REPORT_CHART_IDS.filter((c) => expected[c] > 0)) {
      const title = await page.$eval(`figure[data-chart="${id}"] h3`, (h) => h.textContent);
      expect(await page.locator(`figure[data-chart="${id}"] svg[aria-label="${title}"]`).count(), id).toBe(1);
      expect(await page.locator(`figure[data-chart="${id}"] svg [aria-label="y-axis label"], figure[data-chart="${id}"] svg [aria-label="x-axis label"]`).count(), id).toBeGreaterThan(0);
    }
    await page.close();
  });

  it('shows headline numbers equal to the saved queries', async () => {
    const { page } = await openReport('light');
    const tile = (id: string) => page.$eval(`[data-headline="${id}"] .tile-value`, (e) => e.textContent);
    const backlogOn = (day: string) => results['daily-ticket-history'].filter((r) => r.day === day).reduce((s, r) => s + (r.unresolved_tickets as number), 0);
    const periodRow = (name: string) => results[name].find((r) => r.scope === 'period')!;
    expect(await tile('backlog-now')).toBe(backlogOn(TO).toLocaleString('en-US'));
    const change = backlogOn(TO) - backlogOn(FROM);
    expect(await tile('backlog-change')).toBe(change > 0 ? `+${change}` : change < 0 ? `−${-change}` : '±0');
    expect(await tile('urgent-unassigned')).toBe(String(results['urgent-unassigned'].length));
    expect(await tile('breaching-now')).toBe(String(new Set(results['sla-breaching-now'].map((r) => r.ticket_id)).size));
    const hours = periodRow('response-times-by-week').p50_resolution_hours as number;
    expect(await tile('median-resolution')).toBe(hours < 48 ? `${hours.toFixed(1)} h` : `${(hours / 24).toFixed(1)} d`);
    expect(await tile('resolution-sla-met')).toBe(`${((periodRow('sla-by-week').resolution_met_share as number) * 100).toFixed(1)} %`);
    // The urgent table has one row per urgent unassigned ticket.
    expect(await page.locator('table[data-table="urgent"] tbody tr').count()).toBe(Math.max(1, results['urgent-unassigned'].length));
    await page.close();
  });

  it('follows dark mode and prints without the interactive parts', async () => {
    const { page, consoleErrors } = await openReport('dark');
    const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    expect(background).toBe('rgb(20, 23, 29)');
    await page.screenshot({ path: join(ARTIFACTS, 'report-dark.png'), fullPage: true });
    await page.emulateMedia({ media: 'print', colorScheme: 'dark' });
    expect(await page.evaluate<string>('getComputedStyle(document.body).backgroundColor')).toBe('rgb(255, 255, 255)');
    expect(await page.locator('figcaption details').first().isVisible()).toBe(false);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
