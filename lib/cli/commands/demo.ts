/**
 * `freshlake demo` (`npm start`): generate a month of a mid-size helpdesk, ingest it through the
 * production rule pattern and transform into a local lake, run every saved query on the local
 * engine, print a few rows of each, and say what to try next.
 */
import { Command } from 'commander';
import { dirname, join, relative, resolve } from 'node:path';
import type { QueryEngine, RowValue } from '../../engines/engine';
import { UsageError } from '../../errors';
import { DEFAULT_DEMO_LAKE_DIR } from '../../local/demo-defaults';
import { bindSavedQuery, type SavedQuery } from '../../saved-queries';
import { cliContext, type CliContext } from '../context';
import { openEngine } from '../engine-options';
import { DEFAULT_LAKE_DIR, addQueriesDirOption, loadCatalog, positiveInteger } from '../options';
import { openOutputDestination, writeResult } from '../output';

interface DemoOptions {
  readonly lake?: string;
  readonly queries?: string;
  readonly days: number;
  readonly ticketsPerDay: number;
  readonly seed: string;
  readonly rows: number;
}

export function registerDemoCommand(program: Command): void {
  const command = program
    .command('demo')
    .description('Build a local lake from a generated month of Freshdesk ticket events (through the same rule pattern and transform as AWS) and run every saved query on it. What "npm start" runs.');
  // Not the shared --lake (FRESHLAKE_LAKE, .freshlake/lake): the demo never writes into a user's lake.
  command.option('--lake <dir>', `the demo's own lake directory (default ${DEFAULT_DEMO_LAKE_DIR}; never FRESHLAKE_LAKE or ${DEFAULT_LAKE_DIR})`);
  addQueriesDirOption(command);
  command
    .option('--days <n>', 'days of history, ending now', positiveInteger(366), 30)
    .option('--tickets-per-day <n>', 'average tickets created per day', positiveInteger(100_000), 200)
    .option('--seed <text>', 'seed of the event generator', 'freshlake-demo')
    .option('--rows <n>', 'rows shown per query', positiveInteger(1000), 5)
    .addHelpText(
      'after',
      `
The demo lake (default ${DEFAULT_DEMO_LAKE_DIR}, or --lake) is a directory of its own, never the lake
that ingest and run use by default (${DEFAULT_LAKE_DIR}, FRESHLAKE_LAKE). It is deleted and rebuilt on
every run, so results are consistent; a directory that holds anything the demo did not write (a
marker file lists what it wrote) is refused and never deleted.

Examples:
  $ npm start
  $ freshlake demo --days 90 --tickets-per-day 500 --lake .freshlake/big-demo`,
    )
    .action(async (options: DemoOptions, cmd: Command) => {
      const context = cliContext(cmd);
      await runDemo(options, context);
    });
}

async function runDemo(options: DemoOptions, context: CliContext): Promise<void> {
  const started = Date.now();
  const out = (text = '') => context.stdout.write(`${text}\n`);
  const lakeDir = resolve(context.cwd, options.lake ?? DEFAULT_DEMO_LAKE_DIR);
  const shownLake = relative(context.cwd, lakeDir) || '.';
  // Loaded before any work: a broken catalog should fail before the lake is rebuilt.
  const catalog = loadCatalog(options.queries, context);
  const now = context.now();

  out('freshlake demo: the whole pipeline on this machine, no AWS account needed.');
  // The generator and the local pipeline load with the command, not at CLI start-up (lib/cli/program.ts).
  const { buildDemoLake } = await import('../../local/demo');
  const demo = await buildDemoLake({
    lakeDir,
    now,
    days: options.days,
    ticketsPerDay: options.ticketsPerDay,
    seed: options.seed,
    onStep: (message) => out(`  ${message}`),
  });
  const ingest = demo.ingest;
  out(
    `  Generated ${demo.eventsGenerated.toLocaleString('en-US')} events for ${demo.tickets.toLocaleString('en-US')} tickets ` +
      `(${demo.generateOptions.from} .. ${demo.generateOptions.to}, ${demo.duplicatesGenerated} delivered twice, some out of order) in ${seconds(demo.generateMs)}.`,
  );
  out(
    `  Ingested: ${ingest.eventsRead.toLocaleString('en-US')} read, ${ingest.matched.toLocaleString('en-US')} matched by the rule, ` +
      `${ingest.written.toLocaleString('en-US')} written to ${ingest.days.length} day partitions (${ingest.objectsWritten} gzip'd objects), ` +
      `${ingest.rejected.total} rejected, ${ingest.notMatched} not matched, in ${seconds(ingest.elapsedMs)}.`,
  );
  out(`  Lake: ${lakeDir}`);

  // The same engine `freshlake run` opens (through the QueryEngine interface).
  const engine = await openEngine({ engine: 'local', lake: lakeDir }, context);
  let failed = 0;
  let reportFile: string | undefined;
  try {
    out();
    out(`Saved queries on the local engine (DuckDB), ${options.rows} rows each; the same SQL runs on Athena:`);
    for (const query of catalog) {
      const ok = await runOneQuery(engine, query, now, options.rows, shownLake, context);
      if (!ok) failed++;
    }
    reportFile = await writeDemoReport(engine, catalog, now, lakeDir, shownLake, context);
    if (!reportFile) failed++;
  } finally {
    await engine.close();
  }

  // Every command below reads the demo lake only with --lake: by default they use the user's own lake.
  const lakeFlag = ` --lake ${shownLake}`;
  out();
  out(`Done in ${seconds(Date.now() - started)}. The lake is in ${shownLake}/ (events/dt=YYYY-MM-DD/*.gz, the same layout as the S3 bucket).`);
  if (reportFile) out(`The report: ${relative(context.cwd, reportFile) || reportFile}, open it in a browser: file://${reportFile}`);
  out('Try next:');
  const hints: [string, string][] = [
    ['npx freshlake queries', 'the saved queries and their parameters'],
    [`npx freshlake report${lakeFlag} --from today-13 -o report.html`, 'the support dashboard as one HTML file; --engine athena for a deployed stack'],
    [`npx freshlake run sla-due-soon -p hours=8${lakeFlag}`, 'any saved query; --format csv|json, --engine athena'],
    [`npx freshlake sql "SELECT status_name, count(*) AS tickets FROM tickets_latest GROUP BY 1"${lakeFlag}`, 'ad-hoc SQL'],
    [`npx freshlake ingest <events.jsonl | a day copied from S3>`, `your own events, into your own lake (${DEFAULT_LAKE_DIR}; the demo never touches it)`],
    ['npx cdk deploy -c partnerEventSource=aws.partner/freshworks.com/<account-number>/freshdesk', 'the same pipeline on AWS'],
  ];
  for (const [line, why] of hints) out(`  ${line}\n      ${why}`);
  if (failed > 0) throw new UsageError(`${failed} saved ${failed === 1 ? 'query' : 'queries'} failed on the demo lake (see above).`);
}

/**
 * Writes the demo's report (freshlake report over the demo lake, the last 30 days) next to the lake
 * and returns its path; undefined if it failed. The report module loads only here.
 */
async function writeDemoReport(engine: QueryEngine, catalog: readonly SavedQuery[], now: Date, lakeDir: string, shownLake: string, context: CliContext): Promise<string | undefined> {
  const out = (text = '') => context.stdout.write(`${text}\n`);
  out();
  try {
    const started = Date.now();
    const { buildReport, writeReportFile } = await import('../../report/build-report');
    const { reportPeriod } = await import('../../report/sections');
    const built = await buildReport({ engine, catalog, period: reportPeriod(now), source: `demo lake ${shownLake}`, subjects: true, concurrency: 1, now });
    const file = join(dirname(lakeDir), 'report.html');
    writeReportFile(file, built.html);
    out(`-- freshlake report: ${Math.round(Buffer.byteLength(built.html) / 1024)} KB written to ${relative(context.cwd, file) || file} in ${seconds(Date.now() - started)}.`);
    return file;
  } catch (error) {
    out(`-- freshlake report: FAILED: ${(error as Error).message.split('\n')[0]}`);
    return undefined;
  }
}

/** Runs one saved query with its default parameters and prints its first rows; false if it failed. */
async function runOneQuery(
  engine: QueryEngine,
  query: SavedQuery,
  now: Date,
  rowsShown: number,
  shownLake: string,
  context: CliContext,
): Promise<boolean> {
  const out = (text = '') => context.stdout.write(`${text}\n`);
  const description = query.description.split(/(?<=\.)\s/)[0];
  const parameters = query.parameters.length > 0 ? ` (${query.parameters.map((p) => `${p.name}=${p.defaultValue ?? '?'}`).join(', ')})` : '';
  out();
  try {
    const bound = bindSavedQuery(query, {}, now);
    const started = Date.now();
    const result = await engine.execute(bound.sql, bound.values);
    const shown: RowValue[][] = [];
    let total = 0;
    for await (const page of result.pages) {
      for (const row of page) if (shown.length < rowsShown) shown.push(row);
      total += page.length;
    }
    out(`-- ${query.name}${parameters}: ${description} ${total} row${total === 1 ? '' : 's'} in ${seconds(Date.now() - started)}.`);
    if (total === 0) return true;
    const destination = await openOutputDestination(context);
    await writeResult(
      result.columns,
      (async function* () {
        yield shown;
      })(),
      'table',
      destination,
    );
    await destination.close();
    if (total > shown.length) out(`   ... ${total - shown.length} more: npx freshlake run ${query.name} --lake ${shownLake}`);
    return true;
  } catch (error) {
    out(`-- ${query.name}${parameters}: FAILED: ${(error as Error).message.split('\n')[0]}`);
    return false;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
