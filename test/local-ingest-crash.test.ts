/**
 * The crash test: `freshlake ingest` killed with SIGKILL in the middle of a large input leaves no
 * partial or corrupt object in the lake, and running it again loses nothing (the duplicates it
 * writes are what the views remove).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { generateTicketEvents } from '../lib/local/generator';
import { writeEventFile } from '../lib/local/event-file-writer';
import { REPO_ROOT } from './cli-harness';

let dir: string;
let input: string;
const matchedIds = new Set<string>();

/** Every file under a directory, as [directory-relative path, full path]. */
function walk(root: string): string[] {
  const out: string[] = [];
  const visit = (path: string) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) visit(full);
      else out.push(full);
    }
  };
  try {
    visit(root);
  } catch {
    // Not created yet.
  }
  return out;
}

/** Every `.gz` must gunzip and every line must parse; returns the event ids found. */
function readLakeStrictly(lake: string): { ids: string[]; objects: number } {
  const ids: string[] = [];
  const objects = walk(join(lake, 'events')).filter((f) => f.endsWith('.gz'));
  for (const file of objects) {
    const text = gunzipSync(readFileSync(file)).toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    for (const line of text.slice(0, -1).split('\n')) ids.push((JSON.parse(line) as { id: string }).id);
  }
  return { ids, objects: objects.length };
}

function ingest(lake: string): { kill: () => void; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  // A 1 MiB buffering hint makes objects appear early and often, so the kill lands between and during writes.
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'freshlake.js'), 'ingest', input, '--lake', lake, '--buffer-size-mib', '1'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      if (code !== 0 && signal === null) console.error(stderr);
      resolve({ code, signal });
    }),
  );
  return { kill: () => child.kill('SIGKILL'), exited };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'freshlake-crash-'));
  input = join(dir, 'events.jsonl');
  const events = [...generateTicketEvents({ from: '2026-01-01', to: '2026-01-30', ticketsPerDay: 400, seed: 'crash' })];
  for (const e of events) matchedIds.add(e.id);
  await writeEventFile(input, events);
  // Lines the rule does not match, and a malformed one: none of them may reach events/.
  appendFileSync(input, `${JSON.stringify({ ...JSON.parse(events[0].json), id: 'not-a-ticket-event', 'detail-type': 'onContactCreate' })}\nnot json\n`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ingest killed with SIGKILL', () => {
  it('leaves only whole objects, and a second run leaves every matched event in the lake', async () => {
    const lake = join(dir, 'lake');
    const run = ingest(lake);
    // Kill once a few objects are in place, i.e. in the middle of the run.
    const deadline = Date.now() + 60_000;
    while (walk(join(lake, 'events')).filter((f) => f.endsWith('.gz')).length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    run.kill();
    const first = await run.exited;
    expect(first.signal).toBe('SIGKILL');

    const afterKill = readLakeStrictly(lake);
    expect(afterKill.objects).toBeGreaterThanOrEqual(3);
    // The kill came before the end: some events are missing...
    expect(new Set(afterKill.ids).size).toBeLessThan(matchedIds.size);
    // ...and none that should not be there is.
    for (const id of afterKill.ids) expect(matchedIds.has(id)).toBe(true);
    // Temporary files may remain, but never under a name a reader's *.gz glob matches.
    for (const file of walk(lake)) expect(file.endsWith('.gz') || /\/\.tmp-\d+-[0-9a-f-]+$/.test(file) || file.endsWith('.freshlake-demo')).toBe(true);

    const second = await ingest(lake).exited;
    expect(second).toEqual({ code: 0, signal: null });
    const afterRerun = readLakeStrictly(lake);
    // Nothing lost: every distinct matched id is there; the re-run only added duplicates.
    expect(new Set(afterRerun.ids)).toEqual(matchedIds);
    expect(afterRerun.ids.length).toBeGreaterThanOrEqual(matchedIds.size);
    // The re-run removed the temporary files the killed process left behind.
    expect(walk(lake).filter((f) => f.includes('/.tmp-'))).toEqual([]);
  });
});
