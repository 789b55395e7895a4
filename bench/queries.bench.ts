/**
 * Saved-query benchmark on the local engine over a year of a busy helpdesk (>= 1,000,000 events).
 *
 * - Lake: events from the ticket-lifecycle generator (lib/local/generator), written as one JSONL
 *   file and ingested through the production pattern and transform (lib/local/ingest) into
 *   `events/dt=YYYY-MM-DD/*.gz`. Built once and cached under bench/out/ (gitignored); a manifest
 *   with the generator options decides whether the cache is still valid.
 * - Event cache (lib/engines/event-cache): built from scratch once (the one-time cost after
 *   ingesting the whole year), its file size beside the lake's, and the time to open it again over
 *   the unchanged lake (list the files, check them against the bookkeeping table).
 * - Latency: every saved query with its default parameters (now = the lake's last afternoon),
 *   BENCH_RUNS runs each (default 3), median/min/max, without the cache (read_json over the gzip'd
 *   JSON) and with it (warm: built above), interleaved. Each run opens a new engine, runs the query
 *   and closes it, as each CLI invocation does. Both must return the same rows (the run fails
 *   otherwise). Baseline in the same run: a pass over the whole lake (SELECT count(*) FROM
 *   ticket_history: read, type and de-duplicate every event), which every latest-state question pays.
 * - Bytes read by a date-bounded question (tickets-created-by-day for the last 7 days), on our
 *   layout versus the reference layout: the same events in ONE unpartitioned, uncompressed folder
 *   (the generated JSONL file) read by plain read_json with the same columns and the same views,
 *   `dt` derived from `time` since that layout has no partitions. Measured as the process's
 *   /proc/self/io rchar delta (bytes DuckDB read through read/pread, cache hits included) and as
 *   the size of the files the query had to scan; the Athena bill of each scan is shown beside it.
 *   This is about the layout, so our side reads the files directly (no event cache).
 *
 * Run: `npm run bench -- queries`. Timings are printed, never asserted.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { QueryEngine, RowValue } from '../lib/engines/engine';
import { EVENT_CACHE_DIR, eventCachePath } from '../lib/engines/event-cache';
import { LocalEngine, normalizeValue } from '../lib/engines/local-engine';
import { installTrinoCompat } from '../lib/engines/trino-compat';
import { utcDay } from '../lib/lake-layout';
import { writeEventFile } from '../lib/local/event-file-writer';
import { generateTicketEvents, type GenerateOptions } from '../lib/local/generator';
import { ingestToLake } from '../lib/local/ingest';
import { bindSavedQuery, findSavedQuery, loadSavedQueries, type BoundParameter } from '../lib/saved-queries';
import { TICKET_EVENT_COLUMNS, TICKET_EVENTS_TABLE, duckDbReadJsonColumns, quoteDuckDbIdentifier } from '../lib/schema';
import { LAKE_VIEWS } from '../lib/views';
import { LOCAL_DIMENSION_RELATIONS, dimensionViewSql } from '../lib/engines/dimension-scan';

const OUT_DIR = join(__dirname, 'out');
const LAKE_DIR = join(OUT_DIR, 'queries-lake');
const REFERENCE_DIR = join(OUT_DIR, 'queries-reference');
const REFERENCE_FILE = join(REFERENCE_DIR, 'events.jsonl');
const MANIFEST_FILE = join(OUT_DIR, 'queries-lake.manifest.json');
const RESULTS_FILE = join(OUT_DIR, 'queries-results.json');

/** A year of a busy helpdesk: ~560 tickets a day, ~5 events each, is just over a million events. */
const GENERATE: GenerateOptions = { from: '2025-01-01', to: '2025-12-31', ticketsPerDay: 560, seed: 'freshlake-queries-bench' };
const MIN_EVENTS = 1_000_000;
/** The lake's last afternoon: "today" for the saved queries' defaults. */
const NOW = new Date('2025-12-31T18:00:00Z');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** The date-bounded question of the bytes comparison: tickets created in the last 7 days. */
const BOUNDED_QUERY = 'tickets-created-by-day';
const BOUNDED_FROM = utcDay(NOW.getTime() - 6 * 86_400_000);
const BOUNDED_TO = utcDay(NOW.getTime());

/** Athena bills $5 per TB scanned, rounded up to the MB, with a 10 MB minimum per query. */
function athenaCostUsd(bytes: number): number {
  const mb = Math.max(10, Math.ceil(bytes / 1_000_000));
  return (mb * 1_000_000 * 5) / 1e12;
}

interface Manifest {
  readonly generate: GenerateOptions;
  readonly events: number;
  readonly duplicates: number;
  readonly referenceBytes: number;
  readonly lakeFiles: number;
  readonly lakeBytes: number;
  readonly days: number;
}

function lakeFiles(): { day: string; path: string; bytes: number }[] {
  const eventsDir = join(LAKE_DIR, 'events');
  return readdirSync(eventsDir)
    .filter((d) => d.startsWith('dt='))
    .flatMap((d) =>
      readdirSync(join(eventsDir, d))
        .filter((f) => f.endsWith('.gz'))
        .map((f) => ({ day: d.slice(3), path: join(eventsDir, d, f), bytes: statSync(join(eventsDir, d, f)).size })),
    );
}

/** Builds the lake and the reference folder, or reuses them when the manifest matches. */
async function ensureLake(): Promise<Manifest> {
  if (existsSync(MANIFEST_FILE)) {
    const manifest = JSON.parse(readFileSync(MANIFEST_FILE, 'utf8')) as Manifest;
    if (JSON.stringify(manifest.generate) === JSON.stringify(GENERATE) && existsSync(REFERENCE_FILE) && existsSync(join(LAKE_DIR, 'events'))) {
      console.log(`Reusing the cached lake in ${OUT_DIR} (delete ${MANIFEST_FILE} to rebuild).`);
      return manifest;
    }
  }
  await rm(LAKE_DIR, { recursive: true, force: true });
  await rm(REFERENCE_DIR, { recursive: true, force: true });
  await mkdir(REFERENCE_DIR, { recursive: true });
  console.log(`Generating ${GENERATE.from}..${GENERATE.to} at ${GENERATE.ticketsPerDay} tickets/day (seed ${GENERATE.seed}) ...`);
  let started = Date.now();
  const written = await writeEventFile(REFERENCE_FILE, generateTicketEvents(GENERATE));
  console.log(`  ${written.events.toLocaleString('en')} events (${written.duplicates.toLocaleString('en')} redelivered), ${mb(written.bytes)} in ${secs(Date.now() - started)}`);
  if (written.events < MIN_EVENTS) throw new Error(`The generator made ${written.events} events; the benchmark needs at least ${MIN_EVENTS}. Raise ticketsPerDay.`);
  console.log('Ingesting through the rule pattern and the transform into events/dt=YYYY-MM-DD/*.gz ...');
  started = Date.now();
  const summary = await ingestToLake({ inputs: [REFERENCE_FILE], lakeDir: LAKE_DIR });
  console.log(`  ${summary.written.toLocaleString('en')} events in ${summary.objectsWritten} objects over ${summary.days.length} days, ${mb(summary.compressedBytesWritten)} gzip'd, in ${secs(Date.now() - started)}`);
  if (summary.rejected.total > 0) throw new Error(`Ingest rejected ${summary.rejected.total} generated events; see ${LAKE_DIR}/errors/.`);
  const files = lakeFiles();
  const manifest: Manifest = {
    generate: GENERATE,
    events: written.events,
    duplicates: written.duplicates,
    referenceBytes: statSync(REFERENCE_FILE).size,
    lakeFiles: files.length,
    lakeBytes: files.reduce((sum, f) => sum + f.bytes, 0),
    days: summary.days.length,
  };
  writeFileSync(MANIFEST_FILE, JSON.stringify(manifest, null, 2));
  return manifest;
}

/**
 * The reference layout as a query engine: the same views and Trino shims over one unpartitioned,
 * uncompressed folder. `dt` is derived from `time`, since the layout has no partitions to read it from.
 */
class ReferenceLayoutEngine {
  static async open(folder: string): Promise<ReferenceLayoutEngine> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await installTrinoCompat(connection);
    const columns = TICKET_EVENT_COLUMNS.map((c) => (c.jsonKey ? `${quoteDuckDbIdentifier(c.jsonKey)} AS ${c.name}` : quoteDuckDbIdentifier(c.name)));
    await connection.run(
      `CREATE VIEW ${TICKET_EVENTS_TABLE} AS SELECT ${columns.join(', ')}, substr("time", 1, 10) AS dt ` +
        `FROM read_json('${join(folder, '*.jsonl')}', columns = ${duckDbReadJsonColumns()}, format = 'newline_delimited', ignore_errors = true)`,
    );
    // No dimension snapshots in the reference layout: empty relations, as on a lake never synced (the views join them).
    for (const name of LOCAL_DIMENSION_RELATIONS) await connection.run(dimensionViewSql(folder, name, false));
    for (const view of LAKE_VIEWS) await connection.run(`CREATE VIEW ${view.name} AS ${view.sql}`);
    return new ReferenceLayoutEngine(connection);
  }

  private constructor(private readonly connection: DuckDBConnection) {}

  async rows(sql: string, values: readonly BoundParameter[]): Promise<RowValue[][]> {
    const prepared = await this.connection.prepare(sql);
    values.forEach((v, i) => (v.type === 'integer' ? prepared.bindBigInt(i + 1, BigInt(v.value)) : prepared.bindVarchar(i + 1, String(v.value))));
    const reader = await prepared.runAndReadAll();
    const types = reader.columnTypes();
    return reader.getRows().map((row) => row.map((value, i) => normalizeValue(value, types[i])));
  }
}

/** Bytes this process has read through read/pread so far (Linux). */
function rchar(): number {
  const match = /^rchar: (\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  if (!match) throw new Error('/proc/self/io has no rchar line: this benchmark needs Linux.');
  return Number(match[1]);
}

interface Measured {
  readonly ms: number;
  readonly bytesRead: number;
  readonly rows: RowValue[][];
}

async function measure(run: () => Promise<RowValue[][]>): Promise<Measured> {
  const bytesBefore = rchar();
  const started = performance.now();
  const rows = await run();
  const ms = performance.now() - started;
  return { ms, bytesRead: rchar() - bytesBefore, rows };
}

async function runOn(engine: QueryEngine, sql: string, values: readonly BoundParameter[]): Promise<RowValue[][]> {
  const result = await engine.execute(sql, values);
  const rows: RowValue[][] = [];
  for await (const page of result.pages) rows.push(...page);
  return rows;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

async function main(): Promise<void> {
  const manifest = await ensureLake();
  console.log(
    `Lake: ${manifest.events.toLocaleString('en')} events over ${manifest.days} days; ours ${manifest.lakeFiles} gzip'd files, ${mb(manifest.lakeBytes)}; ` +
      `reference 1 uncompressed file, ${mb(manifest.referenceBytes)}. now = ${NOW.toISOString()}, ${RUNS} runs per query, DuckDB threads = cores.`,
  );

  const queries = loadSavedQueries();
  const results: Record<string, unknown> = {};

  // The event cache, built once from scratch: the one-time cost an analyst pays on the first
  // question after `freshlake ingest` of a whole year (later opens load only new files).
  await rm(join(LAKE_DIR, EVENT_CACHE_DIR), { recursive: true, force: true });
  let started = performance.now();
  const building = await LocalEngine.open({ lakeDir: LAKE_DIR, cache: true });
  const buildMs = performance.now() - started;
  const built = building.cache;
  await building.close();
  if (built.mode !== 'cached') throw new Error(`The event cache was not built: ${JSON.stringify(built)}`);
  const cacheBytes = statSync(eventCachePath(LAKE_DIR)).size;
  const warmOpens: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    started = performance.now();
    const reopened = await LocalEngine.open({ lakeDir: LAKE_DIR, cache: true });
    warmOpens.push(performance.now() - started);
    if (reopened.cache.mode !== 'cached' || reopened.cache.filesLoaded !== 0) throw new Error(`Reopening loaded files again: ${JSON.stringify(reopened.cache)}`);
    await reopened.close();
  }
  console.log(
    `\nEvent cache (${EVENT_CACHE_DIR}/ in the lake): built in ${secs(buildMs)} from ${built.filesLoaded} files; ` +
      `${mb(cacheBytes)} on disk = ${(cacheBytes / manifest.lakeBytes).toFixed(2)} x the lake's ${mb(manifest.lakeBytes)} gzip'd; ` +
      `opening it over the unchanged lake (list + check ${built.filesLoaded} files): median ${(median(warmOpens)).toFixed(0)} ms`,
  );
  results.cache = { buildMs: Math.round(buildMs), filesLoaded: built.filesLoaded, fileBytes: cacheBytes, lakeBytes: manifest.lakeBytes, warmOpenMedianMs: Math.round(median(warmOpens)) };

  // Every run opens a new engine, runs the query and closes it, as each CLI invocation does: the
  // cached runs pay opening the cache and a cold DuckDB buffer pool every time.
  const runFresh = (cache: boolean, sql: string, values: readonly BoundParameter[]) =>
    measure(async () => {
      const engine = await LocalEngine.open({ lakeDir: LAKE_DIR, cache });
      try {
        if (cache && engine.cache.mode !== 'cached') throw new Error(`The cache was not used: ${JSON.stringify(engine.cache)}`);
        return await runOn(engine, sql, values);
      } finally {
        await engine.close();
      }
    });

  // Baseline: one pass over the whole lake.
  const baselineRuns: Measured[] = [];
  const baselineCached: Measured[] = [];
  for (let i = 0; i < RUNS; i++) {
    baselineRuns.push(await runFresh(false, 'SELECT count(*) FROM ticket_history', []));
    baselineCached.push(await runFresh(true, 'SELECT count(*) FROM ticket_history', []));
  }
  const baselineMs = median(baselineRuns.map((m) => m.ms));
  console.log(
    `\nBaseline, whole-lake pass (SELECT count(*) FROM ticket_history): no cache median ${secs(baselineMs)}, read ${mb(baselineRuns[0].bytesRead)}; ` +
      `cached median ${secs(median(baselineCached.map((m) => m.ms)))}, read ${mb(baselineCached[0].bytesRead)}`,
  );

  console.log(`\nmedian (min-max) of ${RUNS} runs, each: open engine + query + close; "read" = rchar delta of the first run`);
  console.log(
    `${pad('saved query', 26)}${lpad('no cache', 24)}${lpad('x baseline', 11)}${lpad('read', 10)}${lpad('cached', 24)}${lpad('read', 10)}${lpad('speedup', 9)}${lpad('rows', 6)}${lpad('same', 6)}`,
  );
  const spread = (ms: number[]) => `${secs(median(ms))} (${secs(Math.min(...ms))}-${secs(Math.max(...ms))})`;
  const latencies: Record<string, unknown> = {};
  let allSame = true;
  for (const query of queries) {
    const bound = bindSavedQuery(query, {}, NOW);
    const runs: Measured[] = [];
    const cachedRuns: Measured[] = [];
    // Interleaved, so a busy spell on the shared machine hits both sides alike.
    for (let i = 0; i < RUNS; i++) {
      runs.push(await runFresh(false, bound.sql, bound.values));
      cachedRuns.push(await runFresh(true, bound.sql, bound.values));
    }
    const times = runs.map((m) => m.ms);
    const cachedTimes = cachedRuns.map((m) => m.ms);
    const med = median(times);
    const cachedMed = median(cachedTimes);
    const sameRows = JSON.stringify(runs[0].rows) === JSON.stringify(cachedRuns[0].rows);
    allSame &&= sameRows;
    latencies[query.name] = {
      medianMs: Math.round(med),
      minMs: Math.round(Math.min(...times)),
      maxMs: Math.round(Math.max(...times)),
      rows: runs[0].rows.length,
      bytesRead: runs[0].bytesRead,
      cached: { medianMs: Math.round(cachedMed), minMs: Math.round(Math.min(...cachedTimes)), maxMs: Math.round(Math.max(...cachedTimes)), bytesRead: cachedRuns[0].bytesRead },
      sameRows,
    };
    console.log(
      `${pad(query.name, 26)}${lpad(spread(times), 24)}${lpad((med / baselineMs).toFixed(2), 11)}${lpad(mb(runs[0].bytesRead), 10)}` +
        `${lpad(spread(cachedTimes), 24)}${lpad(mb(cachedRuns[0].bytesRead), 10)}${lpad(`${(med / cachedMed).toFixed(1)}x`, 9)}` +
        `${lpad(String(runs[0].rows.length), 6)}${lpad(sameRows ? 'yes' : 'NO', 6)}`,
    );
  }
  results.latency = { baselineMedianMs: Math.round(baselineMs), baselineCachedMedianMs: Math.round(median(baselineCached.map((m) => m.ms))), queries: latencies };

  // Bytes read by a date-bounded question: our layout versus the reference layout.
  const bounded = bindSavedQuery(findSavedQuery(queries, BOUNDED_QUERY), { from: BOUNDED_FROM, to: BOUNDED_TO }, NOW);
  // About the layout (which files a dt filter reads), so read the files directly, without the cache.
  const engine = await LocalEngine.open({ lakeDir: LAKE_DIR, cache: false });
  const ourRuns: Measured[] = [];
  for (let i = 0; i < RUNS; i++) ourRuns.push(await measure(() => runOn(engine, bounded.sql, bounded.values)));
  await engine.close();
  const reference = await ReferenceLayoutEngine.open(REFERENCE_DIR);
  const referenceRuns: Measured[] = [];
  for (let i = 0; i < RUNS; i++) referenceRuns.push(await measure(() => reference.rows(bounded.sql, bounded.values)));

  const scannedFiles = lakeFiles().filter((f) => f.day >= BOUNDED_FROM);
  const ourScanned = scannedFiles.reduce((sum, f) => sum + f.bytes, 0);
  const ourRead = median(ourRuns.map((m) => m.bytesRead));
  const referenceRead = median(referenceRuns.map((m) => m.bytesRead));
  const sameRows = JSON.stringify(ourRuns[0].rows) === JSON.stringify(referenceRuns[0].rows);
  const partitions = new Set(scannedFiles.map((f) => f.day)).size;

  console.log(`\n${BOUNDED_QUERY} -p from=${BOUNDED_FROM} -p to=${BOUNDED_TO} (${ourRuns[0].rows.length} rows; same rows on both layouts: ${sameRows ? 'yes' : 'NO'})`);
  console.log(`${pad('', 40)}${lpad('ours (dt=/*.gz)', 18)}${lpad('reference (1 JSONL)', 22)}${lpad('ratio', 9)}`);
  console.log(`${pad('bytes read (rchar delta, median)', 40)}${lpad(mb(ourRead), 18)}${lpad(mb(referenceRead), 22)}${lpad(`1/${(referenceRead / ourRead).toFixed(0)}`, 9)}`);
  console.log(
    `${pad('files the query had to scan', 40)}${lpad(`${mb(ourScanned)} (${partitions} days)`, 18)}${lpad(mb(manifest.referenceBytes), 22)}${lpad(`1/${(manifest.referenceBytes / ourScanned).toFixed(0)}`, 9)}`,
  );
  console.log(
    `${pad('Athena bill for that scan ($5/TB, 10 MB min)', 40)}${lpad(`$${athenaCostUsd(ourScanned).toFixed(6)}`, 18)}${lpad(`$${athenaCostUsd(manifest.referenceBytes).toFixed(6)}`, 22)}${lpad('', 9)}`,
  );
  console.log(
    `${pad('latency (median)', 40)}${lpad(secs(median(ourRuns.map((m) => m.ms))), 18)}${lpad(secs(median(referenceRuns.map((m) => m.ms))), 22)}${lpad('', 9)}`,
  );
  results.dateBounded = {
    query: BOUNDED_QUERY,
    from: BOUNDED_FROM,
    to: BOUNDED_TO,
    sameRows,
    ours: { bytesReadRchar: ourRead, bytesOfScannedFiles: ourScanned, partitions, medianMs: Math.round(median(ourRuns.map((m) => m.ms))) },
    reference: { bytesReadRchar: referenceRead, bytesOfScannedFiles: manifest.referenceBytes, medianMs: Math.round(median(referenceRuns.map((m) => m.ms))) },
  };
  results.lake = manifest;
  writeFileSync(RESULTS_FILE, JSON.stringify(results, null, 2));
  console.log(`\nResults written to ${RESULTS_FILE}.`);
  if (!sameRows || !allSame) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
