/**
 * `freshlake demo` (what `npm start` runs): a month of a mid-size helpdesk, generated, ingested
 * through the production rule pattern and transform into a fresh local lake, ready for the saved
 * queries. This module builds the lake; lib/cli/commands/demo.ts runs the queries and prints.
 *
 * The demo lake is rebuilt on every run so its results are consistent. It is a directory of its
 * own (DEFAULT_DEMO_LAKE_DIR, never the default lake of ingest and run), and it is deleted first
 * only if it is empty or holds nothing but what a previous demo wrote: a marker file lists every
 * file the demo wrote, and a file it does not list (an ingest or sync into the demo lake) makes
 * the demo refuse. A user's data is never deleted, nor mixed with the demo's.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { dimensionRowsFromApi, writeDimensionSnapshots } from '../dimensions';
import { UsageError, WriteError } from '../errors';
import { utcDay } from '../lake-layout';
import { generateTicketEvents, type GenerateOptions, type TicketGroundTruth } from './generator';
import { helpdeskApiDimensions } from './helpdesk-catalog';
import { writeEventFile } from './event-file-writer';
import { ingestToLake, type IngestSummary } from './ingest';
import type { ObjectFileWriter } from './lake-writer';
import { DEFAULT_DEMO_LAKE_DIR } from './demo-defaults';

/** Marks a lake directory as made by the demo and lists its files, so the next demo may delete them. */
export const DEMO_MARKER_FILE = '.freshlake-demo';

export { DEFAULT_DEMO_LAKE_DIR };

/**
 * Entries of a demo lake that are not data: the local engine's event cache (derived from the
 * files, rebuilt at will), temporary files of an interrupted write, the marker itself, and what a
 * file browser leaves behind (macOS Finder writes .DS_Store into every folder it shows).
 */
const notData = (name: string) => name === '.cache' || name.startsWith('.tmp-') || name === DEMO_MARKER_FILE || name === '.DS_Store';

interface DemoMarker {
  readonly madeBy: 'freshlake demo';
  /** False while the demo builds the lake: everything in it is the demo's. */
  readonly complete: boolean;
  /** Lake-relative paths of the files the demo wrote ('/'-separated). */
  readonly files: readonly string[];
}

/** Files under the lake (lake-relative, '/'-separated), cache and temporary files left out. */
async function dataFiles(lakeDir: string, dir = lakeDir): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (notData(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await dataFiles(lakeDir, path)));
    else files.push(relative(lakeDir, path).split(sep).join('/'));
  }
  return files.sort();
}

function readMarker(lakeDir: string): DemoMarker | undefined {
  try {
    const marker = JSON.parse(readFileSync(join(lakeDir, DEMO_MARKER_FILE), 'utf8')) as DemoMarker;
    return marker?.madeBy === 'freshlake demo' && typeof marker.complete === 'boolean' && Array.isArray(marker.files) ? marker : undefined;
  } catch {
    return undefined;
  }
}

async function writeMarker(lakeDir: string, marker: DemoMarker): Promise<void> {
  await writeFile(join(lakeDir, DEMO_MARKER_FILE), `${JSON.stringify(marker, null, 1)}\n`);
}

/**
 * Records every file now in the demo lake as the demo's, so the next demo may delete them. Call it
 * again after writing anything else into the demo lake (e.g. dimension tables): files that appear
 * after the last call are someone else's, and make the next demo refuse.
 */
export async function sealDemoLake(lakeDir: string): Promise<void> {
  await writeMarker(lakeDir, { madeBy: 'freshlake demo', complete: true, files: await dataFiles(lakeDir) });
}

export interface DemoProps {
  /** The demo lake directory (deleted and rebuilt). */
  readonly lakeDir: string;
  /**
   * The JSONL file the generated events are written to before ingest.
   * @default demo-events.jsonl next to the lake directory
   */
  readonly eventsFile?: string;
  /**
   * Days of history, ending now.
   * @default 30
   */
  readonly days?: number;
  /**
   * Average tickets per day.
   * @default 200 (a mid-size helpdesk)
   */
  readonly ticketsPerDay?: number;
  /** @default 'freshlake-demo' */
  readonly seed?: string;
  /** The demo's "now": tickets are created up to this instant. */
  readonly now: Date;
  readonly onStep?: (message: string) => void;
  /** How lake objects reach the disk (tests inject failures). @default writeFileAtomically */
  readonly writeObjectFile?: ObjectFileWriter;
}

export interface DemoLake {
  readonly lakeDir: string;
  readonly eventsFile: string;
  readonly generateOptions: GenerateOptions;
  readonly eventsGenerated: number;
  readonly duplicatesGenerated: number;
  readonly tickets: number;
  readonly generateMs: number;
  readonly ingest: IngestSummary;
}

/**
 * Deletes a previous demo lake (only an empty directory, or one holding nothing but the files a
 * demo wrote) and marks the directory as a demo lake being built.
 * @throws UsageError when the directory holds anything the demo did not write
 */
export async function prepareDemoLake(lakeDir: string): Promise<void> {
  if (existsSync(lakeDir)) {
    const entries = readdirSync(lakeDir);
    if (entries.length > 0) {
      if (!entries.includes(DEMO_MARKER_FILE)) {
        throw new UsageError(
          `${lakeDir} already holds a lake the demo did not make; the demo rebuilds its lake from scratch, so pass another --lake (e.g. --lake ${DEFAULT_DEMO_LAKE_DIR}).`,
        );
      }
      const marker = readMarker(lakeDir);
      if (!marker) {
        throw new UsageError(
          `${lakeDir} holds a demo marker that lists no files (an older freshlake made it), so the demo cannot tell its files from yours: delete the directory yourself if nothing in it is yours, or pass another --lake.`,
        );
      }
      if (marker.complete) {
        const demoFiles = new Set(marker.files);
        const others = (await dataFiles(lakeDir)).filter((file) => !demoFiles.has(file));
        if (others.length > 0) {
          throw new UsageError(
            `${lakeDir} holds files the demo did not write (${others.slice(0, 3).join(', ')}${others.length > 3 ? `, and ${others.length - 3} more` : ''}), ` +
              'so the demo will not delete it: keep your data in a lake of its own (freshlake ingest writes to .freshlake/lake by default), or pass the demo another --lake.',
          );
        }
      }
    }
    await rm(lakeDir, { recursive: true, force: true });
  }
  await mkdir(lakeDir, { recursive: true });
  await writeMarker(lakeDir, { madeBy: 'freshlake demo', complete: false, files: [] });
}

/** Generates the demo helpdesk and ingests it into a fresh demo lake. */
export async function buildDemoLake(props: DemoProps): Promise<DemoLake> {
  const days = props.days ?? 30;
  const today = utcDay(props.now.getTime());
  const generateOptions: GenerateOptions = {
    from: utcDay(Date.parse(`${today}T00:00:00Z`) - (days - 1) * 86_400_000),
    to: today,
    until: props.now.getTime(),
    ticketsPerDay: props.ticketsPerDay ?? 200,
    seed: props.seed ?? 'freshlake-demo',
  };
  await prepareDemoLake(props.lakeDir);
  const eventsFile = props.eventsFile ?? join(dirname(props.lakeDir), 'demo-events.jsonl');
  await mkdir(dirname(eventsFile), { recursive: true });

  props.onStep?.(`Generating ${days} days of a helpdesk with about ${generateOptions.ticketsPerDay} tickets a day ...`);
  const generateStarted = Date.now();
  let tickets = 0;
  const written = await writeEventFile(eventsFile, generateTicketEvents(generateOptions, (_truth: TicketGroundTruth) => tickets++));
  const generateMs = Date.now() - generateStarted;

  props.onStep?.(`Ingesting ${written.events.toLocaleString('en-US')} events through the rule pattern and the transform into ${props.lakeDir} ...`);
  const ingest = await ingestToLake({ inputs: [eventsFile], lakeDir: props.lakeDir, writeObjectFile: props.writeObjectFile });
  if (ingest.writeFailure) {
    // Queries on a half-written lake would answer wrongly, and quietly.
    throw new WriteError(`The demo lake ${props.lakeDir} could not be written (${ingest.writeFailure.message}): free some space or pass another --lake, then run the demo again.`);
  }
  // The helpdesk's names (agents, groups, statuses incl. the custom one), as a sync would store them.
  writeDimensionSnapshots(props.lakeDir, dimensionRowsFromApi(helpdeskApiDimensions()));
  await sealDemoLake(props.lakeDir);
  return {
    lakeDir: props.lakeDir,
    eventsFile,
    generateOptions,
    eventsGenerated: written.events,
    duplicatesGenerated: written.duplicates,
    tickets,
    generateMs,
    ingest,
  };
}
