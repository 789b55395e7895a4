/**
 * `freshlake report`: runs the KPI saved queries on either engine and writes ONE self-contained
 * HTML file (lib/report): headline numbers, a chart per question, the urgent tickets nobody owns.
 * The report module (and with it the chart library and DuckDB) is loaded inside the action, so
 * `freshlake --help` never pays for it.
 */
import { relative, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { UsageError } from '../../errors';
import { resolveParameter } from '../../saved-queries';
import { cliContext, type CliContext } from '../context';
import { addEngineOptions, openEngine, type EngineOptions } from '../engine-options';
import { InterruptedError } from '../error-report';
import { addQueriesDirOption, loadCatalog, resolveLakeDir } from '../options';
import { progressLine } from '../progress';

interface ReportOptions extends EngineOptions {
  readonly from?: string;
  readonly to?: string;
  readonly output: string;
  /** false with --no-subjects. */
  readonly subjects: boolean;
  readonly queries?: string;
  readonly format: 'text' | 'json';
}

/** Trino's sequence() makes at most 10,000 days; ten years is plenty for a support report. */
const MAX_REPORT_DAYS = 3660;
/**
 * Queries at once. Athena runs them in parallel in the workgroup. DuckDB already spreads one query
 * over every core, and its memory limit is per engine: queries at once would split it and spill.
 */
const CONCURRENCY = { local: 1, athena: 8 } as const;

export function registerReportCommand(program: Command): void {
  const command = program
    .command('report')
    .description('Write the support dashboard as one HTML file that opens offline: backlog trend, incoming and resolved tickets, response and resolution times, SLA, reopens and hand-offs, workload, urgent unassigned tickets.')
    .option('--from <day>', 'first UTC day of the report: YYYY-MM-DD or today-N (default: 29 days before --to)')
    .option('--to <day>', 'last UTC day of the report: YYYY-MM-DD or today (default: today)')
    .option('-o, --output <file>', 'the HTML file to write', 'report.html')
    .option('--no-subjects', 'leave ticket subjects out of the file (the urgent-tickets table shows ids only)')
    .addOption(new Option('--format <format>', 'summary on stdout').choices(['text', 'json']).default('text'));
  addEngineOptions(command);
  addQueriesDirOption(command);
  command
    .addHelpText(
      'after',
      `
The file holds its data, styles and chart library (Observable Plot): it makes no network request
when opened, prints on paper, and follows the reader's light or dark mode. No requester names or
e-mails are in it; ticket subjects only in the urgent-tickets table (none with --no-subjects).
Every number comes from a saved query (freshlake queries lists them; docs/metrics.md explains
the definitions). On Athena, stderr shows what the queries scanned and cost.

Examples:
  $ freshlake report
  $ freshlake report --from 2026-01-01 --to 2026-03-31 -o q1.html
  $ freshlake report --engine athena --stack Freshlake-123456 --no-subjects -o report.html`,
    )
    .action(async (options: ReportOptions, cmd: Command) => {
      await runReport(options, cliContext(cmd));
    });
}

function reportDay(name: string, raw: string, now: Date): string {
  return String(resolveParameter({ name, type: 'date', description: '' }, raw, now));
}

async function runReport(options: ReportOptions, context: CliContext): Promise<void> {
  const now = context.now();
  const to = options.to === undefined ? undefined : reportDayOption('--to', options.to, now);
  const from = options.from === undefined ? undefined : reportDayOption('--from', options.from, now);
  // Checked before anything runs: a bad catalog or period should not open an engine.
  const catalog = loadCatalog(options.queries, context);
  const { buildReport, writeReportFile } = await import('../../report/build-report');
  const { reportPeriod } = await import('../../report/sections');
  const period = reportPeriod(now, from, to);
  if (period.from > period.to) throw new UsageError(`--from ${period.from} is after --to ${period.to}: give a --from on or before --to.`);
  const days = (Date.parse(`${period.to}T00:00:00Z`) - Date.parse(`${period.from}T00:00:00Z`)) / 86_400_000 + 1;
  if (days > MAX_REPORT_DAYS) throw new UsageError(`The report covers ${days} days; at most ${MAX_REPORT_DAYS} (ten years): give a later --from.`);
  const file = resolve(context.cwd, options.output);

  const engine = await openEngine(options, context);
  const controller = new AbortController();
  const removeInterruptHandler = context.onInterrupt(() => controller.abort());
  const progress = progressLine(context.stderr);
  const started = Date.now();
  let state = { done: 0, total: 0, running: [] as readonly string[] };
  const show = () =>
    progress.update(`report: ${state.done}/${state.total} queries done${state.running.length > 0 ? `, running ${state.running.join(', ')}` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const ticker = context.stderr.isTTY ? setInterval(show, 500) : undefined;
  ticker?.unref();
  let built;
  try {
    built = await buildReport({
      engine,
      catalog,
      period,
      source: sourceLabel(options, context),
      subjects: options.subjects !== false,
      concurrency: CONCURRENCY[options.engine],
      now,
      signal: controller.signal,
      onProgress: (p) => {
        state = p;
        show();
      },
    });
  } catch (error) {
    if (controller.signal.aborted) throw new InterruptedError(`Interrupted. ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    throw error;
  } finally {
    if (ticker) clearInterval(ticker);
    progress.clear();
    removeInterruptHandler();
    await engine.close();
  }
  writeReportFile(file, built.html);

  const bytes = Buffer.byteLength(built.html);
  const nearby = relative(context.cwd, file);
  const shown = nearby && !nearby.startsWith('..') ? nearby : file;
  if (options.engine === 'athena') {
    context.stderr.write(`athena: ${built.results.length} queries, data scanned ${(built.bytesScanned / (1024 * 1024)).toFixed(1)} MB, cost $${built.costUsd.toFixed(4)}\n`);
  }
  if (options.format === 'json') {
    const summary = {
      file,
      bytes,
      period,
      headline: built.headline,
      queries: built.results.map((r) => ({
        name: r.section.query,
        rows: r.rows.length,
        ms: r.wallMs,
        ...(r.statistics.engine === 'athena' ? { bytesScanned: r.statistics.bytesScanned ?? 0, costUsd: r.statistics.costUsd ?? 0, queryExecutionId: r.statistics.queryExecutionId } : {}),
      })),
      ...(options.engine === 'athena' ? { bytesScanned: built.bytesScanned, costUsd: built.costUsd } : {}),
    };
    context.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const h = built.headline;
  context.stdout.write(
    `Wrote ${shown} (${Math.round(bytes / 1024)} KB): ${period.from} to ${period.to}, ${built.results.length} saved queries in ${(built.queriesMs / 1000).toFixed(1)} s.\n` +
      `  ${h.backlogNow} unresolved (${h.backlogChange >= 0 ? '+' : ''}${h.backlogChange} over the period), ${h.urgentUnassigned} urgent unassigned, ${h.breachingNow} breaching an SLA now.\n` +
      `Open it in a browser: file://${file}\n`,
  );
}

function reportDayOption(flag: string, raw: string, now: Date): string {
  try {
    return reportDay(flag, raw, now);
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${flag}: "${raw}" is not a day YYYY-MM-DD (or today, today-30).`);
    throw error;
  }
}

/** Where the numbers come from, for the page header: the lake directory or the Athena database. */
function sourceLabel(options: ReportOptions, context: CliContext): string {
  if (options.engine === 'local') {
    const lakeDir = resolveLakeDir(options.lake, context);
    const nearby = relative(context.cwd, lakeDir);
    return `local lake ${nearby === '' ? '.' : nearby.startsWith('..') ? lakeDir : nearby}`;
  }
  if (options.stack) return `Athena, stack ${options.stack}`;
  return `Athena database ${options.database ?? ''}${options.workgroup ? `, workgroup ${options.workgroup}` : ''}`;
}
