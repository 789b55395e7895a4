/**
 * Ingest throughput and memory: `freshlake ingest` of 100,000 and 1,000,000 generated events
 * (a year of a busy helpdesk) into a fresh local lake.
 *
 * Prints events/s and MB/s of input, and the peak resident memory (Linux VmHWM of the ingesting
 * process, which runs alone in a child process) at 100k and at 1M events: memory must not grow
 * with the input. Beside them, baselines measured in the same run on the same file:
 *   - read + split lines: the floor of any streaming reader;
 *   - read + split + JSON.parse of every line: what applying the rule's pattern needs at least.
 * Target: at least 25,000 events/s for 1M events. Not asserted (a shared 2-core machine is noisy):
 * read the figures beside their baselines.
 *
 * The input is generated once into bench/out/ (gitignored) and reused while its options match.
 *   npm run bench -- ingest
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateTicketEvents, type GenerateOptions } from '../lib/local/generator';
import { writeEventFile } from '../lib/local/event-file-writer';
import { ingestToLake } from '../lib/local/ingest';
import { JsonLinesSplitter } from '../lib/local/input-reader';

const OUT_DIR = join(__dirname, 'out');
const TARGET_EVENTS_PER_SECOND = 25_000;
const RUNS_100K = 3;

/** A year of a busy helpdesk: about 600 tickets a day, about 5 events each. */
const SOURCE: GenerateOptions = { from: '2025-01-01', to: '2025-12-31', ticketsPerDay: 600, seed: 'ingest-bench' };

interface IngestMeasurement {
  readonly events: number;
  readonly written: number;
  readonly bytes: number;
  readonly seconds: number;
  /** CPU time of the ingesting process (main thread and the thread pool that gzips), s. */
  readonly cpuSeconds: number;
  readonly peakRssBytes: number;
  readonly objects: number;
  /** Peak RSS after the first 100k, 250k, 500k, ... events of the run. */
  readonly peakRssAt: readonly { readonly events: number; readonly peakRssBytes: number }[];
}

/** The input files, generated unless present with the same options (the 100k file is the first 100k lines of the same stream). */
async function inputFile(events: number): Promise<string> {
  const file = join(OUT_DIR, `events-${events}.jsonl`);
  const metaFile = `${file}.meta.json`;
  const meta = JSON.stringify({ ...SOURCE, maxEvents: events });
  if (existsSync(file) && existsSync(metaFile) && readFileSync(metaFile, 'utf8') === meta) return file;
  mkdirSync(OUT_DIR, { recursive: true });
  const started = Date.now();
  const result = await writeEventFile(file, generateTicketEvents({ ...SOURCE, maxEvents: events }));
  if (result.events !== events) throw new Error(`Generated ${result.events} events, expected ${events}: raise ticketsPerDay.`);
  writeFileSync(metaFile, meta);
  console.log(`generated ${file} (${events.toLocaleString('en-US')} events, ${(result.bytes / 1e6).toFixed(0)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return file;
}

/** Baseline: stream the file and split it into lines, optionally JSON.parse each. */
async function baseline(file: string, parse: boolean): Promise<{ events: number; seconds: number; bytes: number }> {
  const started = process.hrtime.bigint();
  let events = 0;
  const splitter = new JsonLinesSplitter();
  const sink = {
    record(buf: Buffer, start: number, end: number) {
      if (parse) JSON.parse(buf.toString('utf8', start, end));
      events++;
    },
    oversized() {},
    garbage() {},
  };
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) splitter.push(chunk as Buffer, sink);
  splitter.end(sink);
  return { events, seconds: Number(process.hrtime.bigint() - started) / 1e9, bytes: statSync(file).size };
}

/** Peak resident set size of this process so far (Linux), else the current RSS. */
function peakRss(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux.
  }
  return process.memoryUsage().rss;
}

/** Child process: one ingest, measured alone so its peak memory is its own. */
async function child(file: string, lake: string): Promise<void> {
  rmSync(lake, { recursive: true, force: true });
  const started = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const checkpoints = [100_000, 250_000, 500_000, 750_000];
  const peakRssAt: { events: number; peakRssBytes: number }[] = [];
  const summary = await ingestToLake({
    inputs: [file],
    lakeDir: lake,
    onProgress: (p) => {
      while (checkpoints.length > 0 && p.recordsRead >= checkpoints[0]) peakRssAt.push({ events: checkpoints.shift()!, peakRssBytes: peakRss() });
    },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  const measurement: IngestMeasurement = {
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    events: summary.eventsRead,
    written: summary.written,
    bytes: summary.bytesRead,
    seconds,
    peakRssBytes: peakRss(),
    objects: summary.objectsWritten,
    peakRssAt,
  };
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
  rmSync(lake, { recursive: true, force: true });
}

function measureIngest(file: string): IngestMeasurement {
  const lake = join(OUT_DIR, 'lake');
  const run = spawnSync(process.execPath, [require.resolve('tsx/cli'), __filename, 'child', file, lake], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`ingest child failed (${run.status}): ${run.stderr}`);
  const measurement = JSON.parse(run.stdout.trim().split('\n').pop()!) as IngestMeasurement;
  if (measurement.written !== measurement.events) throw new Error(`wrote ${measurement.written} of ${measurement.events} events`);
  return measurement;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const perSecond = (n: number, seconds: number) => Math.round(n / seconds).toLocaleString('en-US').padStart(9);
const mbPerSecond = (bytes: number, seconds: number) => (bytes / 1e6 / seconds).toFixed(1).padStart(6);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const file100k = await inputFile(100_000);
  const file1m = await inputFile(1_000_000);

  console.log(`\ningest benchmark (node ${process.version}, ${require('node:os').cpus().length} cores, load average ${require('node:os').loadavg()[0].toFixed(1)})`);
  const split = await baseline(file1m, false);
  const parsed = await baseline(file1m, true);
  console.log(`baseline  read + split lines          1M: ${perSecond(split.events, split.seconds)} events/s ${mbPerSecond(split.bytes, split.seconds)} MB/s`);
  console.log(`baseline  read + split + JSON.parse   1M: ${perSecond(parsed.events, parsed.seconds)} events/s ${mbPerSecond(parsed.bytes, parsed.seconds)} MB/s`);

  const runs100k = Array.from({ length: RUNS_100K }, () => measureIngest(file100k));
  const seconds100k = median(runs100k.map((r) => r.seconds));
  const rss100k = median(runs100k.map((r) => r.peakRssBytes));
  console.log(
    `ingest  100k events (median of ${RUNS_100K}):   ${perSecond(100_000, seconds100k)} events/s ${mbPerSecond(runs100k[0].bytes, seconds100k)} MB/s, peak RSS ${mb(rss100k)}, ${runs100k[0].objects} objects`,
  );
  const run1m = measureIngest(file1m);
  console.log(`ingest    1M events (1 run):           ${perSecond(run1m.events, run1m.seconds)} events/s ${mbPerSecond(run1m.bytes, run1m.seconds)} MB/s, peak RSS ${mb(run1m.peakRssBytes)}, ${run1m.objects} objects`);
  // Less sensitive to other processes on the machine than wall time: CPU spent per event.
  console.log(`ingest    1M events, CPU:              ${perSecond(run1m.events, run1m.cpuSeconds)} events per CPU-second (${run1m.cpuSeconds.toFixed(1)} CPU-s over ${run1m.seconds.toFixed(1)} s, both cores)`);

  const rate = run1m.events / run1m.seconds;
  console.log(`\nthroughput: ${Math.round(rate).toLocaleString('en-US')} events/s for 1M events = ${(rate / (parsed.events / parsed.seconds) * 100).toFixed(0)}% of the read+split+parse baseline; target ${TARGET_EVENTS_PER_SECOND.toLocaleString('en-US')} events/s ${rate >= TARGET_EVENTS_PER_SECOND ? 'met' : 'NOT met'}`);
  console.log(`memory: peak RSS ${mb(rss100k)} for a 100k-event input, ${mb(run1m.peakRssBytes)} for a 1M-event input (x${(run1m.peakRssBytes / rss100k).toFixed(2)} for 10x the input)`);
  console.log(`memory within the 1M run: ${[...run1m.peakRssAt, { events: run1m.events, peakRssBytes: run1m.peakRssBytes }].map((c) => `${mb(c.peakRssBytes)} after ${(c.events / 1000).toFixed(0)}k`).join(', ')}`);
}

if (process.argv[2] === 'child') {
  child(process.argv[3], process.argv[4]).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
