/**
 * `freshlake demo` (what `npm start` runs): a month of a mid-size helpdesk, generated, ingested
 * through the production rule pattern and transform into a fresh local lake, ready for the saved
 * queries. This module builds the lake; lib/cli/commands/demo.ts runs the queries and prints.
 *
 * The demo lake is rebuilt on every run so its results are consistent: it is deleted first, but
 * only if it is empty or a previous demo made it (a marker file says so). A user's real lake is
 * never deleted.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UsageError } from '../errors';
import { utcDay } from '../lake-layout';
import { generateTicketEvents, type GenerateOptions, type TicketGroundTruth } from './generator';
import { writeEventFile } from './event-file-writer';
import { ingestToLake, type IngestSummary } from './ingest';

/** Marks a lake directory as made by the demo, so the next demo may delete it. */
export const DEMO_MARKER_FILE = '.freshlake-demo';

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
 * Deletes a previous demo lake (only one the demo made, or an empty directory) and marks the
 * directory as a demo lake.
 * @throws UsageError when the directory holds something the demo did not make
 */
export async function prepareDemoLake(lakeDir: string): Promise<void> {
  if (existsSync(lakeDir)) {
    const entries = readdirSync(lakeDir);
    if (entries.length > 0 && !entries.includes(DEMO_MARKER_FILE)) {
      throw new UsageError(
        `${lakeDir} already holds a lake the demo did not make; the demo rebuilds its lake from scratch, so pass another --lake (e.g. --lake .freshlake/demo-lake).`,
      );
    }
    await rm(lakeDir, { recursive: true, force: true });
  }
  await mkdir(lakeDir, { recursive: true });
  await writeFile(join(lakeDir, DEMO_MARKER_FILE), 'This lake was made by "freshlake demo" and is rebuilt on every demo run.\n');
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
  const ingest = await ingestToLake({ inputs: [eventsFile], lakeDir: props.lakeDir });
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
