/** `freshlake generate`: realistic Freshdesk ticket events (JSON Lines) for trying the pipeline without Freshdesk. */
import { Command, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import { InputError, UsageError } from '../../errors';
import { isDay, utcDay } from '../../lake-layout';
import { validateGenerateOptions } from '../../local/generate-options';
import type { GenerateOptions } from '../../local/generator';
import type { TextSink } from '../../local/event-file-writer';
import { cliContext } from '../context';
import { positiveInteger } from '../options';

interface GenerateCommandOptions {
  readonly from?: string;
  readonly to?: string;
  readonly days?: number;
  readonly ticketsPerDay: number;
  readonly seed: string;
  readonly account: string;
  readonly freshdeskAccount: string;
  readonly region: string;
  readonly maxEvents?: number;
  readonly output?: string;
  readonly dimensions?: string;
}

function day(text: string): string {
  if (!isDay(text)) throw new InvalidArgumentError('expected a day YYYY-MM-DD.');
  return text;
}

/** The generator options a command line asks for; `now` anchors --days. */
export function generateOptionsFromCommandLine(options: GenerateCommandOptions, now: Date): GenerateOptions {
  if (options.days !== undefined && (options.from !== undefined || options.to !== undefined)) {
    throw new UsageError('Give either --days or --from/--to, not both.');
  }
  let from = options.from;
  let to = options.to;
  let until: number | undefined;
  if (from === undefined || options.days !== undefined) {
    // A window ending now: tickets of today exist up to the current minute, never in the future.
    const days = options.days ?? 7;
    to ??= utcDay(now.getTime());
    from = utcDay(Date.parse(`${to}T00:00:00Z`) - (days - 1) * 86_400_000);
    until = now.getTime();
  } else {
    to ??= utcDay(now.getTime());
  }
  const generateOptions: GenerateOptions = {
    from,
    to,
    until,
    ticketsPerDay: options.ticketsPerDay,
    seed: options.seed,
    awsAccount: options.account,
    freshdeskAccount: options.freshdeskAccount,
    region: options.region,
    maxEvents: options.maxEvents,
  };
  try {
    validateGenerateOptions(generateOptions);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return generateOptions;
}

export function registerGenerateCommand(program: Command): void {
  program
    .command('generate')
    .description('Generate realistic Freshdesk ticket events (EventBridge partner events, one JSON per line): lifecycles with assignments, holds, escalations, resolutions, reopens, duplicates and out-of-order delivery.')
    .option('--from <day>', 'first UTC day tickets are created, YYYY-MM-DD', day)
    .option('--to <day>', 'last UTC day tickets are created (included), YYYY-MM-DD (default: today)', day)
    .option('--days <n>', 'the last n days up to now (default 7 when --from is not given)', positiveInteger(3660))
    .option('--tickets-per-day <n>', 'average tickets created per day (weekdays more, weekends fewer)', positiveInteger(1_000_000), 200)
    .option('--seed <text>', 'seed of the random generator: the same seed and options give the same bytes', 'freshlake')
    .option('--account <id>', 'AWS account the events are delivered to (envelope "account")', '111122223333')
    .option('--freshdesk-account <n>', 'Freshdesk account number in the source aws.partner/freshworks.com/<n>/freshdesk', '1342406')
    .option('--region <region>', 'AWS region in the envelope', 'us-east-1')
    .option('--max-events <n>', 'stop after n events', positiveInteger(Number.MAX_SAFE_INTEGER))
    .option('-o, --output <file>', 'write to a file instead of stdout')
    .option('--dimensions <lake-dir>', "also write the made-up helpdesk's dimension tables (agents, groups, ticket statuses incl. the custom one, ...) into this lake, so its queries show names")
    .addHelpText(
      'after',
      `
With --from/--to the output depends only on the options and --seed (byte for byte); with --days
the window ends at the current time, so tickets of today stop at the current minute.

Examples:
  $ freshlake generate --days 30 --tickets-per-day 200 -o events.jsonl
  $ freshlake generate --from 2026-11-01 --to 2026-11-30 --seed demo | freshlake ingest -
  $ freshlake generate --days 30 --dimensions .freshlake/lake | freshlake ingest -
  $ freshlake generate --from 2026-01-01 --to 2026-12-31 --tickets-per-day 550 -o year.jsonl`,
    )
    .action(async (options: GenerateCommandOptions, cmd: Command) => {
      const context = cliContext(cmd);
      const started = Date.now();
      const generateOptions = generateOptionsFromCommandLine(options, context.now());
      // The generator loads with the command, not at CLI start-up (lib/cli/program.ts).
      const [{ generateTicketEvents }, { writeEventFile, writeEventLines }] = await Promise.all([
        import('../../local/generator'),
        import('../../local/event-file-writer'),
      ]);
      let tickets = 0;
      const events = generateTicketEvents(generateOptions, () => tickets++);
      let result;
      if (options.output) {
        const path = resolve(context.cwd, options.output);
        try {
          result = await writeEventFile(path, events);
        } catch (error) {
          throw new InputError(`Cannot write ${options.output}: ${(error as Error).message}`, { cause: error });
        }
      } else {
        result = await writeEventLines(events, context.stdout as TextSink);
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (options.dimensions) {
        const [{ dimensionRowsFromApi, writeDimensionSnapshots }, { helpdeskApiDimensions }] = await Promise.all([
          import('../../dimensions'),
          import('../../local/helpdesk-catalog'),
        ]);
        let written;
        try {
          written = writeDimensionSnapshots(resolve(context.cwd, options.dimensions), dimensionRowsFromApi(helpdeskApiDimensions()));
        } catch (error) {
          throw new InputError(`Cannot write the dimension tables into ${options.dimensions}: ${(error as Error).message}`, { cause: error });
        }
        context.stderr.write(`Wrote ${written.map((t) => `${t.name} (${t.rows})`).join(', ')} to ${options.dimensions}/dimensions/.\n`);
      }
      context.stderr.write(
        `Generated ${result.events} events (${tickets} tickets, ${result.duplicates} duplicate deliveries, ${(result.bytes / 1e6).toFixed(1)} MB) ` +
          `for ${generateOptions.from}..${generateOptions.to} in ${seconds} s${options.output ? ` to ${options.output}` : ''}.\n`,
      );
    });
}
