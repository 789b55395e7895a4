/**
 * `freshlake demo` (what `npm start` runs), small: it builds a fresh lake through the pipeline,
 * runs every saved query, says what it did and what to try next, and never deletes a lake it did
 * not make.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSavedQueries } from '../lib/saved-queries';
import { DEMO_MARKER_FILE, buildDemoLake } from '../lib/local/demo';
import { LocalEngine } from '../lib/engines/local-engine';
import { runCliInProcess } from './cli-harness';
import ticketCreate from './fixtures/samples/ticket-create.json';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'freshlake-demo-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('freshlake demo', () => {
  it('builds the lake, runs every saved query and says what to try next', async () => {
    const run = await runCliInProcess(['demo', '--days', '5', '--tickets-per-day', '40'], { cwd: dir, now: new Date('2026-11-27T15:00:00Z') });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Generated [\d,]+ events for [\d,]+ tickets \(2026-11-23 \.\. 2026-11-27/);
    expect(run.stdout).toMatch(/Ingested: [\d,]+ read, [\d,]+ matched by the rule, [\d,]+ written to 5 day partitions/);
    expect(run.stdout).toContain(`Lake: ${join(dir, '.freshlake', 'demo-lake')}`);
    for (const query of loadSavedQueries()) expect(run.stdout).toContain(`-- ${query.name}`);
    expect(run.stdout).not.toContain('FAILED');
    expect(run.stdout).toContain('npx freshlake run');
    expect(run.stdout).toContain('npx freshlake sql "SELECT');
    expect(run.stdout).toContain('npx cdk deploy -c partnerEventSource=aws.partner/freshworks.com/<account-number>/freshdesk');
    expect(readdirSync(join(dir, '.freshlake', 'demo-lake', 'events')).length).toBe(5);
    // The hints point at the demo lake, not at the default lake of ingest and run.
    expect(run.stdout).toContain('npx freshlake run sla-due-soon -p hours=8 --lake .freshlake/demo-lake');
  });

  it('writes the helpdesk\'s dimension tables, so the demo shows agent, group and custom status names', async () => {
    const lakeDir = join(dir, 'lake');
    await buildDemoLake({ lakeDir, days: 3, ticketsPerDay: 60, now: new Date('2026-11-27T15:00:00Z') });
    const engine = await LocalEngine.open({ lakeDir, cache: false });
    try {
      const result = await engine.execute(
        `SELECT
           count_if(responder_id IS NOT NULL AND agent_name = CAST(responder_id AS varchar)),
           count_if(group_name = CAST(group_id AS varchar)),
           count_if(agent_name IS NOT NULL),
           count_if(status = 6),
           count_if(status = 6 AND status_name = 'Waiting on Third Party'),
           (SELECT count(*) FROM ticket_statuses WHERE is_custom)
         FROM tickets_latest`,
        [],
      );
      const rows: unknown[][] = [];
      for await (const page of result.pages) rows.push(...page);
      const [[agentsShownAsIds, groupsShownAsIds, named, custom, customNamed, customStatuses]] = rows as number[][];
      expect([agentsShownAsIds, groupsShownAsIds]).toEqual([0, 0]);
      expect(named).toBeGreaterThan(0);
      expect(customNamed).toBe(custom);
      expect(customStatuses).toBe(1);
    } finally {
      await engine.close();
    }
  });

  it('rebuilds its own lake from scratch, so a second run gives the same results', async () => {
    const args = ['demo', '--days', '2', '--tickets-per-day', '20'];
    const now = new Date('2026-11-27T15:00:00Z');
    const first = await runCliInProcess(args, { cwd: dir, now });
    const second = await runCliInProcess(args, { cwd: dir, now });
    const results = (text: string) => text.split('\n').filter((l) => l.startsWith('│')).join('\n');
    expect(second.code).toBe(0);
    expect(results(second.stdout)).toBe(results(first.stdout));
    expect(existsSync(join(dir, '.freshlake', 'demo-lake', DEMO_MARKER_FILE))).toBe(true);
  });

  it('never deletes a lake it did not make', async () => {
    const lake = join(dir, 'my-lake');
    mkdirSync(join(lake, 'events'), { recursive: true });
    writeFileSync(join(lake, 'events', 'precious.gz'), 'x');
    const run = await runCliInProcess(['demo', '--lake', 'my-lake', '--days', '1'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/already holds a lake the demo did not make/);
    expect(existsSync(join(lake, 'events', 'precious.gz'))).toBe(true);
  });

  it('never touches the default lake: npm start; ingest my.jsonl; npm start keeps my events', async () => {
    const now = new Date('2026-11-27T15:00:00Z');
    const args = ['demo', '--days', '1', '--tickets-per-day', '10'];
    expect((await runCliInProcess(args, { cwd: dir, now })).code).toBe(0);
    writeFileSync(join(dir, 'my.jsonl'), JSON.stringify(ticketCreate));
    expect((await runCliInProcess(['ingest', 'my.jsonl'], { cwd: dir, now })).code).toBe(0);
    expect((await runCliInProcess(args, { cwd: dir, now })).code).toBe(0);
    const mine = await runCliInProcess(['sql', 'SELECT event_id FROM ticket_history', '--format', 'json'], { cwd: dir, now });
    expect(JSON.parse(mine.stdout)).toEqual([{ event_id: ticketCreate.id }]);
  });

  it('refuses to rebuild its lake once it holds anything the demo did not write, and keeps it', async () => {
    const now = new Date('2026-11-27T15:00:00Z');
    const args = ['demo', '--days', '1', '--tickets-per-day', '10'];
    expect((await runCliInProcess(args, { cwd: dir, now })).code).toBe(0);
    writeFileSync(join(dir, 'my.jsonl'), JSON.stringify(ticketCreate));
    expect((await runCliInProcess(['ingest', 'my.jsonl', '--lake', '.freshlake/demo-lake'], { cwd: dir, now })).code).toBe(0);
    const run = await runCliInProcess(args, { cwd: dir, now });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/holds files the demo did not write \(events\/dt=2026-11-27\/freshlake-local-1-.*\.gz/);
    const kept = await runCliInProcess(['sql', "SELECT count(*) AS n FROM ticket_history WHERE event_id = '" + ticketCreate.id + "'", '--format', 'json', '--lake', '.freshlake/demo-lake'], { cwd: dir, now });
    expect(JSON.parse(kept.stdout)).toEqual([{ n: 1 }]);
  });

  it('refuses a directory that holds a marker but also files it did not list', async () => {
    const lake = join(dir, 'demo');
    mkdirSync(lake, { recursive: true });
    writeFileSync(join(lake, DEMO_MARKER_FILE), 'This lake was made by "freshlake demo"\n');
    writeFileSync(join(lake, 'notes.txt'), 'mine');
    const run = await runCliInProcess(['demo', '--lake', 'demo', '--days', '1'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(existsSync(join(lake, 'notes.txt'))).toBe(true);
  });

  it('fails when its lake cannot be written, instead of running the queries on half a lake', async () => {
    const { buildDemoLake } = await import('../lib/local/demo');
    const full = async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    const lakeDir = join(dir, 'demo');
    await expect(buildDemoLake({ lakeDir, now: new Date('2026-11-27T15:00:00Z'), days: 1, ticketsPerDay: 5, writeObjectFile: full })).rejects.toThrow(
      /The demo lake .* could not be written \(ENOSPC/,
    );
  });
});
