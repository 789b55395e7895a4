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
import { DEMO_MARKER_FILE } from '../lib/local/demo';
import { runCliInProcess } from './cli-harness';

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
    expect(run.stdout).toContain(`Lake: ${join(dir, '.freshlake', 'lake')}`);
    for (const query of loadSavedQueries()) expect(run.stdout).toContain(`-- ${query.name}`);
    expect(run.stdout).not.toContain('FAILED');
    expect(run.stdout).toContain('npx freshlake run');
    expect(run.stdout).toContain('npx freshlake sql "SELECT');
    expect(run.stdout).toContain('npx cdk deploy -c partnerEventSource=aws.partner/freshworks.com/<account-number>/freshdesk');
    expect(readdirSync(join(dir, '.freshlake', 'lake', 'events')).length).toBe(5);
  });

  it('rebuilds its own lake from scratch, so a second run gives the same results', async () => {
    const args = ['demo', '--days', '2', '--tickets-per-day', '20'];
    const now = new Date('2026-11-27T15:00:00Z');
    const first = await runCliInProcess(args, { cwd: dir, now });
    const second = await runCliInProcess(args, { cwd: dir, now });
    const results = (text: string) => text.split('\n').filter((l) => l.startsWith('│')).join('\n');
    expect(second.code).toBe(0);
    expect(results(second.stdout)).toBe(results(first.stdout));
    expect(existsSync(join(dir, '.freshlake', 'lake', DEMO_MARKER_FILE))).toBe(true);
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
});
