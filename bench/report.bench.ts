/**
 * `freshlake report` on the local engine over a year of a busy helpdesk (>= 1,000,000 events).
 *
 * - Lake: a year of the ticket-lifecycle generator (lib/local/generator), ingested through the
 *   production pattern and transform (lib/local/ingest). The queries bench's lake is the same year:
 *   when bench/out/queries-lake exists its events are copied (it is not touched), otherwise the
 *   year is generated and ingested here. Cached under bench/out/report-lake (gitignored).
 * - The event cache is built once first (the one-time cost after a large ingest, shown apart), so
 *   every measured run starts from a warm cache, as a daily report would.
 * - Measured, BENCH_RUNS times each (default 3), median/min/max:
 *   1. queries alone: open the engine, run the report's 10 KPI queries one at a time (as the CLI
 *      does locally) and read every row, close (lib/report/run-queries): the baseline;
 *   2. the report in-process: the same, plus headline numbers, encoding and the HTML (buildReport);
 *   3. `freshlake report` as a user runs it: a fresh `node bin/freshlake.js report` process.
 *   The ratios 2/1 and 3/1 show what rendering and process start-up add. Goal: 3 under 10 s.
 * - The HTML file's size (goal: under 1.5 MB), what each section's data weighs in it, and, when
 *   /usr/bin/chromium exists, how long the page takes to draw every chart in headless Chromium.
 *
 * Run: `npm run bench -- report`. Timings are printed, never asserted.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { LocalEngine } from '../lib/engines/local-engine';
import { writeEventFile } from '../lib/local/event-file-writer';
import { generateTicketEvents, type GenerateOptions } from '../lib/local/generator';
import { ingestToLake } from '../lib/local/ingest';
import { buildReport } from '../lib/report/build-report';
import { runSectionQueries } from '../lib/report/run-queries';
import { REPORT_SECTIONS, reportPeriod } from '../lib/report/sections';
import { loadSavedQueries } from '../lib/saved-queries';

const OUT_DIR = join(__dirname, 'out');
const LAKE_DIR = join(OUT_DIR, 'report-lake');
const QUERIES_BENCH_LAKE = join(OUT_DIR, 'queries-lake');
const REPORT_FILE = join(OUT_DIR, 'report-bench.html');
const GENERATE: GenerateOptions = { from: '2025-01-01', to: '2025-12-31', ticketsPerDay: 560, seed: 'freshlake-queries-bench' };
const NOW = new Date('2025-12-31T18:00:00Z');
const FROM = '2025-01-01';
const TO = '2025-12-31';
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** As `freshlake report` runs them on the local engine (lib/cli/commands/report.ts). */
const CONCURRENCY = 1;
const CHROMIUM = '/usr/bin/chromium';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

async function ensureLake(): Promise<void> {
  if (existsSync(join(LAKE_DIR, 'events'))) return;
  mkdirSync(LAKE_DIR, { recursive: true });
  if (existsSync(join(QUERIES_BENCH_LAKE, 'events'))) {
    console.log(`Copying the year of events from ${QUERIES_BENCH_LAKE} ...`);
    cpSync(join(QUERIES_BENCH_LAKE, 'events'), join(LAKE_DIR, 'events'), { recursive: true });
    return;
  }
  console.log('Generating a year of a busy helpdesk and ingesting it (once; cached in bench/out/report-lake) ...');
  const file = join(OUT_DIR, 'report-events.jsonl');
  const written = await writeEventFile(file, generateTicketEvents(GENERATE));
  await ingestToLake({ inputs: [file], lakeDir: LAKE_DIR });
  rmSync(file);
  console.log(`  ${written.events.toLocaleString('en-US')} events`);
}

interface Stats {
  median: number;
  min: number;
  max: number;
  /** Median CPU time (user + system, all threads), ms: far less sensitive than wall time to other load on the machine. */
  cpu: number;
}

/**
 * Runs `run` `runs` times; wall time, and CPU time from `cpuOf` (default: this process's, which
 * counts DuckDB's threads; for a child process, its own report).
 */
async function measure(runs: number, run: () => Promise<number | void>): Promise<Stats> {
  const times: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const childCpu = await run();
    const cpu = process.cpuUsage(cpuBefore);
    times.push(performance.now() - started);
    cpus.push(typeof childCpu === 'number' ? childCpu : (cpu.user + cpu.system) / 1000);
  }
  times.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], min: times[0], max: times[times.length - 1], cpu: cpus[Math.floor(cpus.length / 2)] };
}

const show = (s: Stats) => `${seconds(s.median)} (min ${seconds(s.min)}, max ${seconds(s.max)}; CPU ${seconds(s.cpu)})`;

/** Runs the CLI in a child process and returns its CPU time, ms (bash's `times`: the children's user and system time). */
function runCli(args: readonly string[]): number {
  const run = spawnSync('bash', ['-c', '"$0" "$@" > /dev/null || exit $?; times', process.execPath, join(__dirname, '..', 'bin', 'freshlake.js'), ...args], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`freshlake ${args.join(' ')} failed: ${run.stderr}`);
  const children = run.stdout.trim().split('\n').pop() ?? '';
  const [user, system] = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return ((user ?? 0) + (system ?? 0)) * 1000;
}

async function main(): Promise<void> {
  await ensureLake();
  const catalog = loadSavedQueries();
  const period = reportPeriod(NOW, FROM, TO);
  const events = Number(
    execFileSync(process.execPath, [join(__dirname, '..', 'bin', 'freshlake.js'), 'sql', 'SELECT count(*) AS n FROM ticket_history', '--lake', LAKE_DIR, '--format', 'csv'], { encoding: 'utf8' })
      .trim()
      .split('\n')[1],
  );
  console.log(`Lake: ${LAKE_DIR}, ${events.toLocaleString('en-US')} distinct events, report period ${FROM} .. ${TO} (${RUNS} runs each).`);

  const cacheStarted = performance.now();
  await (await LocalEngine.open({ lakeDir: LAKE_DIR })).close();
  console.log(`Event cache brought up to date in ${seconds(performance.now() - cacheStarted)} (first run after an ingest only).`);

  const alone = await measure(RUNS, async () => {
    const engine = await LocalEngine.open({ lakeDir: LAKE_DIR });
    try {
      await runSectionQueries(engine, catalog, REPORT_SECTIONS, period, { concurrency: CONCURRENCY });
    } finally {
      await engine.close();
    }
  });

  let html = '';
  const perQuery: { query: string; ms: number; rows: number }[] = [];
  const inProcess = await measure(RUNS, async () => {
    const engine = await LocalEngine.open({ lakeDir: LAKE_DIR });
    try {
      const built = await buildReport({ engine, catalog, period, source: 'bench lake', subjects: true, concurrency: CONCURRENCY, now: NOW });
      html = built.html;
      perQuery.length = 0;
      perQuery.push(...built.results.map((r) => ({ query: r.section.query, ms: r.wallMs, rows: r.rows.length })));
    } finally {
      await engine.close();
    }
  });
  writeFileSync(REPORT_FILE, html);

  const cli = await measure(RUNS, async () => runCli(['report', '--lake', LAKE_DIR, '--from', FROM, '--to', TO, '-o', REPORT_FILE]));

  // The default span (30 days up to --to), as a team lead runs it every morning.
  const cliMonth = await measure(RUNS, async () => runCli(['report', '--lake', LAKE_DIR, '--to', TO, '-o', join(OUT_DIR, 'report-bench-30d.html')]));

  console.log('\nQueries of the last in-process run (one at a time, as the CLI runs them locally):');
  for (const q of perQuery) console.log(`  ${q.query.padEnd(30)} ${seconds(q.ms).padStart(8)}  ${String(q.rows).padStart(6)} rows`);

  console.log('\nTime for the year (median of runs):');
  console.log(`  1. the 10 KPI queries alone (baseline): ${show(alone)}`);
  console.log(`  2. report in-process (queries + HTML):  ${show(inProcess)}  = ${(inProcess.median / alone.median).toFixed(2)}x the queries alone`);
  console.log(`  3. freshlake report, fresh process:     ${show(cli)}  = ${(cli.median / alone.median).toFixed(2)}x the queries alone (goal: under 10 s)`);
  console.log(`  4. freshlake report, default 30 days:   ${show(cliMonth)}  (--to ${TO}; the daily backlog still reads the whole year)`);
  console.log(`  (machine load average while measuring: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(', ')} on ${cpus().length} cores;`);
  console.log(`   on a quiet machine the wall time is about the CPU time over the cores DuckDB keeps busy)`);

  const bytes = statSync(REPORT_FILE).size;
  const data = /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(readFileSync(REPORT_FILE, 'utf8'))?.[1] ?? '';
  const sections = (JSON.parse(data) as { data: Record<string, unknown> }).data;
  console.log(`\nHTML for the year: ${(bytes / 1024).toFixed(0)} KB (goal: under ${1.5 * 1024} KB): chart library, page and styles ${((bytes - data.length) / 1024).toFixed(0)} KB, data ${(data.length / 1024).toFixed(0)} KB:`);
  for (const [id, table] of Object.entries(sections)) console.log(`  ${id.padEnd(14)} ${(JSON.stringify(table).length / 1024).toFixed(1).padStart(7)} KB`);

  if (existsSync(CHROMIUM)) {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const draw = await measure(RUNS, async () => {
        await page.goto(`file://${REPORT_FILE}`);
        await page.waitForSelector('html[data-report-ready="true"]', { timeout: 60_000 });
      });
      const marks = await page.$$eval('.marks-points > *, .marks-series > *', (elements) => elements.length);
      console.log(`\nChromium: page open to every chart drawn ${show(draw)}, ${marks.toLocaleString('en-US')} marks.`);
    } finally {
      await browser.close();
    }
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
