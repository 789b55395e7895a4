/**
 * Saved questions with the latest-state snapshot on and off (issue 10), on lakes of 100 k, 1 M and
 * 3 M events of the same helpdesk (bench/snapshot-lakes.ts: 5 weeks, a year, ~3 years).
 *
 * - Every saved question, each run in a FRESH PROCESS (bench/snapshot-child.ts, as a CLI call),
 *   with the event cache warm: snapshot on (ticket_history from the cache's deduplicated history
 *   table, ticket_latest_state from the snapshot + the history after its watermark) versus off (the
 *   full recomputation: de-duplicate every cached event, then rank every ticket's versions), in the
 *   same run, interleaved. Both must return the same rows (the run fails otherwise). Times are open
 *   + query + close inside the child (the process start-up is the CLI bench's, issue 10 item 4);
 *   peak memory is the child's maxRSS.
 * - Snapshot update after one more day: the lake without its last day, cache and snapshot current;
 *   then the last day's objects appear, and a fresh process opens the engine: it loads the new files,
 *   adds their events to the history and MERGEs them into the snapshot. Measured in a scratch copy
 *   (hard links, so the original stays as it is).
 * - Athena: the bytes a latest-state question would scan. Raw: every lake object (a latest state can
 *   be in any partition; gzip'd JSON is read whole). Snapshot: the Parquet bytes of the columns the
 *   question reads (the snapshot written as zstd Parquet, as Athena's Iceberg writes it, sizes from
 *   parquet_metadata) plus the raw objects of the partitions the view still reads (lookback: the
 *   watermark's day minus 2 days, on). Billed at $5/TB with Athena's 10 MB minimum per query.
 *
 * Goals printed (never asserted): latest-state questions under 0.3 s on 3 M events and the same on
 * 100 k; update after a day under 2 s; every question under 400 MB.
 *
 * Run: `npm run bench -- queries-snapshot` (also part of `npm run bench -- queries`).
 * BENCH_SIZES=100k,1m,3m (default all), BENCH_RUNS=3 (runs per question and mode).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, linkSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { EVENT_CACHE_DIR, eventCachePath } from '../lib/engines/event-cache';
import { LocalEngine } from '../lib/engines/local-engine';
import { loadSavedQueries, type SavedQuery } from '../lib/saved-queries';
import { LATEST_STATE_SNAPSHOT_TABLE } from '../lib/snapshot/latest-state-merge';
import { TICKET_LATEST_STATE_VIEW, TICKETS_LATEST_VIEW, LAKE_VIEWS } from '../lib/views';
import type { ChildResult } from './snapshot-child';
// Plain JavaScript shared with the launcher (bin/freshlake.js): is dist/ the build of these sources?
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { staleBuildReason } = require('../bin/build-state') as { staleBuildReason(root: string): string | undefined };
import { LAST_DAY, SNAPSHOT_LAKES_DIR, ensureBenchLake, eventFilesOf, type BenchLake, type LakeSize } from './snapshot-lakes';

const SIZES = (process.env.BENCH_SIZES ?? '100k,1m,3m').split(',').map((s) => s.trim()) as LakeSize[];
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** The base lake's last afternoon (the day before LAST_DAY): "now" for the questions' defaults. */
const NOW = '2025-12-30T18:00:00Z';
const LOOKBACK_DAYS = 2;
const GOAL_LATEST_MS = 300;
const GOAL_UPDATE_MS = 2000;
const GOAL_RSS_MB = 400;
const RESULTS_FILE = join(SNAPSHOT_LAKES_DIR, 'results.json');

const tsxCli = require.resolve('tsx/cli');
const CHILD = join(__dirname, 'snapshot-child.ts');

function child(lakeDir: string, query: string, mode: 'on' | 'off'): ChildResult {
  const out = execFileSync(process.execPath, [tsxCli, CHILD, lakeDir, query, mode, NOW], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out.trim().split('\n').at(-1) ?? '') as ChildResult;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const usd = (bytes: number) => `$${((Math.max(10, Math.ceil(bytes / 1e6)) * 1e6 * 5) / 1e12).toFixed(6)}`;
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

/** Reads the latest state (tickets_latest or ticket_latest_state). */
const readsLatestState = (q: SavedQuery) => new RegExp(`\\b(${TICKETS_LATEST_VIEW}|${TICKET_LATEST_STATE_VIEW})\\b`).test(q.sql);
const readsHistory = (q: SavedQuery) => /\b(ticket_history|ticket_events)\b/.test(q.sql);

/**
 * Columns of ticket_latest_state an Athena question reads (Trino prunes the others through the
 * views): those the question names, what tickets_latest needs for its joins and filters, and the
 * keys the view's union ranks by.
 */
function latestColumnsRead(q: SavedQuery): string[] {
  const columns = LAKE_VIEWS.find((v) => v.name === TICKET_LATEST_STATE_VIEW)?.columns.map((c) => c.name) ?? [];
  const always = ['ticket_id', 'updated_at', 'last_event_time', 'last_event_id', 'spam', 'deleted', 'status', 'group_id', 'responder_id'];
  return columns.filter((c) => always.includes(c) || new RegExp(`\\b${c}\\b`).test(q.sql));
}

/** Parquet (zstd) bytes per column of the snapshot, as Athena's Iceberg table would hold it. */
async function snapshotParquetColumnBytes(lake: BenchLake, outDir: string): Promise<Map<string, number>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const file = join(outDir, 'snapshot.parquet');
  try {
    await connection.run(`ATTACH '${eventCachePath(lake.lakeDir)}' AS cache (READ_ONLY)`);
    await connection.run(`COPY cache.${LATEST_STATE_SNAPSHOT_TABLE} TO '${file}' (FORMAT parquet, COMPRESSION zstd)`);
    const reader = await connection.runAndReadAll(`SELECT split_part(path_in_schema, ',', 1) AS c, sum(total_compressed_size) FROM parquet_metadata('${file}') GROUP BY 1`);
    return new Map(reader.getRows().map(([c, bytes]) => [String(c), Number(bytes)]));
  } finally {
    instance.closeSync();
    rmSync(file, { force: true });
  }
}

/**
 * Median wall time of `node dist/bin/freshlake.js run <question> --lake <dir>` per question, and of
 * a bare `node -e 0`, interleaved, RUNS each; undefined (said why) when the compiled build is not
 * current: a stale one would time other code.
 */
function cliEndToEnd(lakeDir: string, questions: readonly SavedQuery[]): { nodeMs: number; queries: Record<string, number> } | undefined {
  const root = join(__dirname, '..');
  const stale = staleBuildReason(root);
  if (stale) {
    console.log(`latest-state questions end to end: not measured (${stale}; run "npm run build")`);
    return undefined;
  }
  const cli = join(root, 'dist', 'bin', 'freshlake.js');
  const wall = (args: string[]) => {
    const started = performance.now();
    execFileSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    return performance.now() - started;
  };
  const nodeRuns: number[] = [];
  const runs = new Map<string, number[]>(questions.map((q) => [q.name, []]));
  for (const q of questions) wall([cli, 'run', q.name, '--lake', lakeDir]); // warm the page cache and the lake memo
  for (let i = 0; i < Math.max(RUNS, 3); i++) {
    nodeRuns.push(wall(['-e', '0']));
    for (const q of questions) runs.get(q.name)!.push(wall([cli, 'run', q.name, '--lake', lakeDir]));
  }
  return { nodeMs: Math.round(median(nodeRuns)), queries: Object.fromEntries([...runs].map(([name, times]) => [name, Math.round(median(times))])) };
}

/** A scratch lake of hard links to the lake's objects and a copy of its cache, then the next day's objects added. */
function scratchLakeWithNextDay(lake: BenchLake): { dir: string; newFiles: number } {
  const dir = join(SNAPSHOT_LAKES_DIR, lake.size, 'update-scratch');
  rmSync(dir, { recursive: true, force: true });
  const link = (from: string, root: string) => {
    const to = join(dir, relative(root, from));
    mkdirSync(join(to, '..'), { recursive: true });
    linkSync(from, to);
  };
  for (const f of eventFilesOf(lake.lakeDir)) link(f.path, lake.lakeDir);
  cpSync(join(lake.lakeDir, EVENT_CACHE_DIR), join(dir, EVENT_CACHE_DIR), { recursive: true });
  const next = eventFilesOf(lake.nextDayDir);
  for (const f of next) link(f.path, lake.nextDayDir);
  return { dir, newFiles: next.length };
}

async function benchLake(size: LakeSize, queries: readonly SavedQuery[]): Promise<Record<string, unknown>> {
  const lake = await ensureBenchLake(size);
  const m = lake.manifest;
  console.log(`\n## ${size}: ${m.events.toLocaleString('en')} events over ${m.days} days, ${m.lakeFiles} objects, ${mb(m.lakeBytes)} gzip'd; now = ${NOW}`);

  // The cache (events, deduplicated history, snapshot) for the lake, built once if missing.
  let started = performance.now();
  const engine = await LocalEngine.open({ lakeDir: lake.lakeDir, cache: true });
  const buildMs = performance.now() - started;
  const state = engine.cache;
  await engine.close();
  if (state.mode !== 'cached') throw new Error(`The event cache is not used: ${JSON.stringify(state)}`);
  console.log(`cache: ${state.filesLoaded > 0 ? `built in ${ms(buildMs)} from ${state.filesLoaded} files (one-time, after ingesting the whole history)` : `current (opened in ${ms(buildMs)})`}`);

  console.log(`\nmedian of ${RUNS} fresh processes each (open + query + close, warm cache; "query on/off" = the query alone, after opening); kind: latest = reads the latest state, history = transitions/events only`);
  console.log(
    `${pad('saved query', 30)}${pad('kind', 9)}${lpad('snapshot', 11)}${lpad('full recomp.', 14)}${lpad('speedup', 9)}${lpad('query on/off', 20)}${lpad('peak RSS on/off', 18)}${lpad('rows', 7)}${lpad('same', 6)}`,
  );
  const perQuery: Record<string, unknown> = {};
  let same = true;
  for (const q of queries) {
    const on: ChildResult[] = [];
    const off: ChildResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      on.push(child(lake.lakeDir, q.name, 'on'));
      off.push(child(lake.lakeDir, q.name, 'off'));
    }
    const onMs = median(on.map((r) => r.totalMs));
    const offMs = median(off.map((r) => r.totalMs));
    // The query alone, after the engine is open (opening lists and checks the lake's files, attaches the cache).
    const onQueryMs = median(on.map((r) => r.queryMs));
    const offQueryMs = median(off.map((r) => r.queryMs));
    const sameRows = on.every((r) => r.hash === off[0].hash) && off.every((r) => r.hash === off[0].hash);
    same &&= sameRows;
    const kind = readsLatestState(q) ? (readsHistory(q) ? 'latest+h' : 'latest') : 'history';
    const rssOn = Math.max(...on.map((r) => r.maxRssMb));
    const rssOff = Math.max(...off.map((r) => r.maxRssMb));
    perQuery[q.name] = { kind, snapshotMedianMs: Math.round(onMs), fullMedianMs: Math.round(offMs), queryOnlyMedianMs: { on: Math.round(onQueryMs), off: Math.round(offQueryMs) }, openMedianMs: Math.round(median(on.map((r) => r.openMs))), peakRssMb: { on: Math.round(rssOn), off: Math.round(rssOff) }, rows: on[0].rows, sameRows };
    console.log(
      `${pad(q.name, 30)}${pad(kind, 9)}${lpad(ms(onMs), 11)}${lpad(ms(offMs), 14)}${lpad(`${(offMs / onMs).toFixed(1)}x`, 9)}${lpad(`${ms(onQueryMs)}/${ms(offQueryMs)}`, 20)}` +
        `${lpad(`${Math.round(rssOn)}/${Math.round(rssOff)} MB`, 18)}${lpad(String(on[0].rows), 7)}${lpad(sameRows ? 'yes' : 'NO', 6)}`,
    );
  }
  const latestQueries = queries.filter((q) => readsLatestState(q) && !readsHistory(q));
  const latest = latestQueries.map((q) => (perQuery[q.name] as { snapshotMedianMs: number }).snapshotMedianMs);
  const worstRss = Math.max(...Object.values(perQuery).map((r) => (r as { peakRssMb: { on: number } }).peakRssMb.on));
  console.log(
    `latest-state questions (snapshot): max median ${ms(Math.max(...latest))} (goal < ${GOAL_LATEST_MS} ms: ${Math.max(...latest) < GOAL_LATEST_MS ? 'met' : 'NOT met'}); ` +
      `peak RSS of any question with the snapshot ${worstRss} MB (goal < ${GOAL_RSS_MB} MB: ${worstRss < GOAL_RSS_MB ? 'met' : 'NOT met'})`,
  );

  // The same latest-state questions as a user runs them: `freshlake run`, a fresh process from the
  // compiled build (node start-up, CLI, DuckDB load, open, query, table on stdout, close).
  const endToEnd = cliEndToEnd(lake.lakeDir, latestQueries);
  if (endToEnd) {
    const worst = Math.max(...Object.values(endToEnd.queries));
    console.log(
      `latest-state questions end to end (freshlake run, fresh process, compiled CLI): ${Object.entries(endToEnd.queries).map(([name, t]) => `${name} ${ms(t)}`).join(', ')}; ` +
        `max median ${ms(worst)} (goal < ${GOAL_LATEST_MS} ms: ${worst < GOAL_LATEST_MS ? 'met' : 'NOT met'}); baseline node -e 0 ${ms(endToEnd.nodeMs)} in the same run`,
    );
  }

  // One more day of events.
  const updates: ChildResult[] = [];
  let newFiles = 0;
  for (let i = 0; i < RUNS; i++) {
    const scratch = scratchLakeWithNextDay(lake);
    newFiles = scratch.newFiles;
    started = performance.now();
    const opened = await LocalEngine.open({ lakeDir: scratch.dir, cache: true });
    const openMs = performance.now() - started;
    const s = opened.cache;
    await opened.close();
    if (s.mode !== 'cached' || s.filesLoaded !== newFiles) throw new Error(`The update did not load the new day: ${JSON.stringify(s)}`);
    updates.push({ openMs, queryMs: 0, totalMs: s.updateMs, rows: 0, hash: '', maxRssMb: 0, cacheMode: s.mode });
    rmSync(scratch.dir, { recursive: true, force: true });
  }
  const updateMs = median(updates.map((u) => u.totalMs));
  console.log(
    `\nsnapshot update after one more day (${LAST_DAY}: ${m.nextDayEvents.toLocaleString('en')} events in ${newFiles} new objects): ` +
      `median ${ms(updateMs)} (load the files, add their events to the history, MERGE; goal < ${GOAL_UPDATE_MS} ms: ${updateMs < GOAL_UPDATE_MS ? 'met' : 'NOT met'}); ` +
      `baseline: each latest-state question without the snapshot recomputes the whole latest state, ${ms(median(queries.filter(readsLatestState).map((q) => (perQuery[q.name] as { fullMedianMs: number }).fullMedianMs)))} median`,
  );

  // Athena bytes.
  const columnBytes = await snapshotParquetColumnBytes(lake, join(SNAPSHOT_LAKES_DIR, size));
  const files = eventFilesOf(lake.lakeDir);
  // The watermark's day is "today" (a few events may carry a later time: their partitions are read too).
  const tailFrom = new Date(Date.parse(`${NOW.slice(0, 10)}T00:00:00Z`) - LOOKBACK_DAYS * 86_400_000).toISOString().slice(0, 10);
  const tailBytes = files.filter((f) => f.day >= tailFrom).reduce((s, f) => s + f.bytes, 0);
  const snapshotBytes = [...columnBytes.values()].reduce((s, b) => s + b, 0);
  console.log(
    `\nAthena, latest-state questions: raw = every object (${mb(m.lakeBytes)}); snapshot = Parquet columns read (whole table ${mb(snapshotBytes)}) ` +
      `+ raw objects from ${tailFrom} on (lookback ${LOOKBACK_DAYS} days: ${mb(tailBytes)})`,
  );
  console.log(`${pad('saved query', 30)}${lpad('raw scan', 11)}${lpad('bill', 11)}${lpad('snapshot', 11)}${lpad('bill', 11)}${lpad('ratio', 8)}  columns read`);
  const athena: Record<string, unknown> = {};
  for (const q of queries.filter((x) => readsLatestState(x) && !readsHistory(x))) {
    const cols = latestColumnsRead(q);
    const bytes = cols.reduce((s, c) => s + (columnBytes.get(c) ?? 0), 0) + tailBytes;
    athena[q.name] = { rawBytes: m.lakeBytes, snapshotBytes: bytes, columns: cols };
    console.log(`${pad(q.name, 30)}${lpad(mb(m.lakeBytes), 11)}${lpad(usd(m.lakeBytes), 11)}${lpad(mb(bytes), 11)}${lpad(usd(bytes), 11)}${lpad(`1/${(m.lakeBytes / bytes).toFixed(0)}`, 8)}  ${cols.length}`);
  }
  if (!same) process.exitCode = 1;
  return { lake: m, cache: { buildMs: Math.round(buildMs), built: state.filesLoaded > 0 }, queries: perQuery, endToEnd, update: { medianMs: Math.round(updateMs), newFiles, events: m.nextDayEvents }, athena: { tailFrom, tailBytes, snapshotParquetBytes: snapshotBytes, questions: athena } };
}

async function main(): Promise<void> {
  const queries = loadSavedQueries();
  const results: Record<string, unknown> = { now: NOW, runs: RUNS };
  for (const size of SIZES) results[size] = await benchLake(size, queries);
  if (!existsSync(SNAPSHOT_LAKES_DIR)) mkdirSync(SNAPSHOT_LAKES_DIR, { recursive: true });
  writeFileSync(RESULTS_FILE, JSON.stringify(results, null, 2));
  console.log(`\nResults written to ${RESULTS_FILE}.`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
