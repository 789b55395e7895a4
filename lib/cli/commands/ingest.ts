/**
 * `freshlake ingest <file|dir|->`: events into the local lake through the production rule
 * pattern and transform, or (`--to firehose`) into the deployed delivery stream.
 *
 * Exit codes: 0 when every record ended up somewhere (events in the lake; malformed lines and
 * ProcessingFailed records under errors/, as Firehose does with records it cannot process, and
 * counted in the summary); 1 when records could not be delivered to Firehose (they are in the
 * failure file), AWS refused, or the lake could not be written (the summary says what was);
 * 2 for a usage or input error (missing file, input inside the lake); 3 when some inputs were
 * damaged (everything readable was ingested, the summary names each one and how far it was
 * read); 130 after Ctrl-C (what was read is in the lake: run the same command again, the
 * duplicates it creates are removed by the views). The summary is printed in every case.
 */
import { Command, Option } from 'commander';
import { relative, resolve } from 'node:path';
import { PartialInputError, RemoteError, UsageError, WriteError } from '../../errors';
import type { DamagedInput, IngestSummary } from '../../local/ingest';
import type { FirehoseSendSummary } from '../../local/firehose-sender';
import { cliContext, type CliOutputStream } from '../context';
import { addAwsOptions, awsClientConfig, type AwsOptions } from '../aws-options';
import { InterruptedError } from '../error-report';
import { addLakeOption, positiveInteger, resolveLakeDir } from '../options';
import { progressLine } from '../progress';
import { readStackOutputs, requireStackOutput } from '../stack-outputs';

interface IngestCommandOptions extends AwsOptions {
  readonly lake?: string;
  readonly to: 'lake' | 'firehose';
  readonly stream?: string;
  readonly stack?: string;
  readonly failedOutput?: string;
  readonly maxAttempts?: number;
  readonly account?: string;
  readonly bufferSizeMib: number;
  readonly bufferIntervalSeconds: number;
  readonly format: 'text' | 'json';
}

export function registerIngestCommand(program: Command): void {
  const command = program
    .command('ingest')
    .description('Ingest events (JSON Lines, a JSON array, or gzip\'d objects Firehose wrote to S3; files, directories or - for stdin) into the local lake through the same rule pattern and transform as AWS, or send them to the deployed Firehose stream.')
    .argument('<inputs...>', 'files, directories (read recursively, e.g. a day copied with "aws s3 cp --recursive"), or - for standard input')
    .addOption(new Option('--to <destination>', 'lake: the local lake directory; firehose: the deployed delivery stream').choices(['lake', 'firehose']).default('lake'));
  addLakeOption(command);
  command
    .option('--account <id>', 'only events delivered to this AWS account, like the deployed rule (default: any account)')
    .option('--buffer-size-mib <n>', 'lake: deliver a day partition as one object once it holds this many MiB (Firehose buffering hint)', positiveInteger(1024), 64)
    .option('--buffer-interval-seconds <n>', 'lake: or once its oldest event waited this long (Firehose buffering hint)', positiveInteger(900), 60)
    .option('--stream <name>', 'firehose: delivery stream name')
    .option('--stack <name>', 'firehose: take the stream from this deployed stack\'s outputs (e.g. Freshlake-1342406)')
    .option('--failed-output <file>', 'firehose: where events that could not be delivered go (default freshlake-failed-<time>.jsonl)')
    .option('--max-attempts <n>', 'firehose: attempts per record, with exponential backoff and jitter between them (default 8)', positiveInteger(100))
    .addOption(new Option('--format <format>', 'summary format').choices(['text', 'json']).default('text'));
  addAwsOptions(command);
  command.addHelpText(
    'after',
    `
Every record goes through the EventBridge rule's pattern (records it does not match are counted,
not written), then the Firehose transform Lambda's handler, then a Firehose-like buffer per day,
then gzip'd objects under <lake>/events/dt=YYYY-MM-DD/, written atomically (temporary file,
fsync, rename). Lines that are not JSON objects go to <lake>/errors/malformed-input/<day>/ and
are listed by line number.

Exit codes: 0 done (rejected records are in <lake>/errors/ and counted in the summary),
1 records could not be delivered to Firehose (see the failure file), AWS refused, or the lake
could not be written (disk full, read-only; the summary says what was written), 2 usage or
input error, 3 partly ingested (damaged inputs, named in the summary; everything readable was
ingested), 130 interrupted (run it again: duplicates are removed by the views). The lake is
created even when nothing matches, so the next query answers with zero rows.

Examples:
  $ freshlake ingest events.jsonl
  $ freshlake generate --days 7 | freshlake ingest -
  $ aws s3 cp --recursive s3://<bucket>/events/dt=2026-11-27/ day/ && freshlake ingest day/
  $ freshlake ingest history.json --to firehose --stack Freshlake-1342406`,
  );
  command.action(async (inputs: string[], options: IngestCommandOptions, cmd: Command) => {
    const context = cliContext(cmd);
    const controller = new AbortController();
    const stopping =
      options.to === 'firehose' ? 'the ingest: the records read so far are sent first' : 'the ingest: the events read so far are written to the lake first';
    const removeInterruptHandler = context.onInterrupt(() => controller.abort(), stopping);
    const progress = progressLine(context.stderr);
    try {
      if (options.to === 'firehose') {
        await ingestToFirehose(inputs, options, context, controller.signal, progress);
      } else {
        await ingestIntoLake(inputs, options, cmd, controller.signal, progress);
      }
    } finally {
      progress.clear();
      removeInterruptHandler();
    }
  });
}

const LAKE_ONLY: readonly [keyof IngestCommandOptions, string][] = [['lake', '--lake']];
const FIREHOSE_ONLY: readonly [keyof IngestCommandOptions, string][] = [
  ['stream', '--stream'],
  ['stack', '--stack'],
  ['failedOutput', '--failed-output'],
  ['maxAttempts', '--max-attempts'],
  ['region', '--region'],
  ['profile', '--profile'],
];

function rejectMisplaced(options: IngestCommandOptions, flags: readonly [keyof IngestCommandOptions, string][], destination: string): void {
  const misplaced = flags.filter(([key]) => options[key] !== undefined).map(([, flag]) => flag);
  if (misplaced.length > 0) throw new UsageError(`${misplaced.join(', ')} ${misplaced.length === 1 ? 'applies' : 'apply'} only with --to ${destination}.`);
}

async function ingestIntoLake(
  inputs: string[],
  options: IngestCommandOptions,
  cmd: Command,
  signal: AbortSignal,
  progress: ReturnType<typeof progressLine>,
): Promise<void> {
  const context = cliContext(cmd);
  rejectMisplaced(options, FIREHOSE_ONLY, 'firehose');
  const lakeDir = resolveLakeDir(options.lake, context);
  // The pipeline (transform, lake writer, gzip) loads with the command, not at CLI start-up.
  const { ingestToLake } = await import('../../local/ingest');
  // Inputs inside the lake (symlinks resolved) are refused by ingestToLake: re-reading the lake
  // into itself would only add a duplicate of every event.
  const summary = await ingestToLake({
    inputs,
    cwd: context.cwd,
    lakeDir,
    account: options.account,
    bufferSizeBytes: options.bufferSizeMib * 1024 * 1024,
    bufferIntervalMs: options.bufferIntervalSeconds * 1000,
    signal,
    onProgress: (p) =>
      progress.update(`ingest: read ${p.recordsRead.toLocaleString('en-US')} events (${mb(p.bytesRead)}), matched ${p.matched.toLocaleString('en-US')}, written ${p.eventsWritten.toLocaleString('en-US')}, ${rate(p.recordsRead, p.elapsedMs)} events/s`),
  });
  progress.clear();
  const displayLake = relative(context.cwd, lakeDir) || '.';
  if (options.format === 'json') context.stdout.write(`${JSON.stringify({ destination: 'lake', ...summary, lake: lakeDir }, null, 2)}\n`);
  else writeLakeSummary(summary, displayLake, context.stdout);
  const again = `"freshlake ingest ${[...inputs, '--lake', options.lake ?? displayLake, ...(options.account ? ['--account', options.account] : [])].map(shellWord).join(' ')}"${
    inputs.includes('-') ? ' (with the same standard input)' : ''
  }`;
  if (summary.writeFailure) {
    const { code, message } = summary.writeFailure;
    const notWritten =
      summary.eventsRead === 0 ? 'nothing was read' : `${summary.notWritten} read ${summary.notWritten === 1 ? 'was' : 'were'} not${summary.writeFailure.inputLeft ? ', nor the rest of the input' : ''}`;
    throw new WriteError(
      `The lake could not be written (${message.replace(/[()]/g, '')}): ${summary.written} event${summary.written === 1 ? ' was' : 's were'} written, ${notWritten}. ` +
        `${WRITE_FAILURE_HINTS[code] ?? 'Fix the cause'}, then run ${again} again (the duplicates it writes are removed by the views).`,
    );
  }
  if (summary.interrupted) {
    throw new InterruptedError(`Interrupted: ${summary.written} events read so far are in the lake; run ${again} again to ingest the rest (the duplicates it writes are removed by the views).`);
  }
  if (summary.damaged.length > 0) throw new PartialInputError(partlyIngested(summary.damaged, summary.written, 'in the lake'));
}

/** What to do about a write failure, by its code. */
const WRITE_FAILURE_HINTS: Readonly<Record<string, string>> = {
  ENOSPC: 'Free some disk space (or pass another --lake)',
  EDQUOT: 'Free some space within your disk quota (or pass another --lake)',
  EACCES: 'Make the lake directory writable (or pass another --lake)',
  EPERM: 'Make the lake directory writable (or pass another --lake)',
  EROFS: 'The lake is on a read-only file system: pass a --lake on a writable one',
  ENOTDIR: 'A file stands where a lake directory should be: move it, or pass another --lake',
  EEXIST: 'A file stands where a lake directory should be: move it, or pass another --lake',
};

/** A word as a POSIX shell reads it: quoted only when it needs to be. */
function shellWord(word: string): string {
  return /^[\w./=:@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function partlyIngested(damaged: readonly DamagedInput[], done: number, where: string): string {
  const names = damaged.map((d) => d.input);
  return (
    `Partly ingested: ${damaged.length} damaged input${damaged.length === 1 ? '' : 's'} (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', ...' : ''}) ` +
    `could not be read to the end; ${done} events are ${where}, everything readable included. Replace the damaged files (e.g. copy them again) and ingest them alone.`
  );
}

async function ingestToFirehose(
  inputs: string[],
  options: IngestCommandOptions,
  context: ReturnType<typeof cliContext>,
  signal: AbortSignal,
  progress: ReturnType<typeof progressLine>,
): Promise<void> {
  rejectMisplaced(options, LAKE_ONLY, 'lake');
  if (options.bufferSizeMib !== 64 || options.bufferIntervalSeconds !== 60) {
    throw new UsageError('--buffer-size-mib and --buffer-interval-seconds apply only with --to lake: the stream has its own buffering hints.');
  }
  if (!options.stream === !options.stack) throw new UsageError('--to firehose needs --stream <name> or --stack <name> (one of them).');
  const clientConfig = awsClientConfig(options);
  const streamName = options.stream ?? requireStackOutput(options.stack!, await readStackOutputs(options.stack!, clientConfig), 'deliveryStreamName');
  const failedOutput = resolve(context.cwd, options.failedOutput ?? `freshlake-failed-${context.now().toISOString().replace(/[:.]/g, '-')}.jsonl`);
  // The AWS SDK loads with the command that calls AWS, not at CLI start-up (lib/cli/program.ts).
  const [{ FirehoseClient }, { sendToFirehose }] = await Promise.all([import('@aws-sdk/client-firehose'), import('../../local/firehose-sender')]);
  const client = new FirehoseClient(clientConfig);
  let summary: FirehoseSendSummary;
  try {
    summary = await sendToFirehose({
      inputs,
      cwd: context.cwd,
      client,
      deliveryStreamName: streamName,
      failedOutputPath: failedOutput,
      maxAttempts: options.maxAttempts,
      account: options.account,
      signal,
      onProgress: (p) =>
        progress.update(`ingest: read ${p.recordsRead.toLocaleString('en-US')} events, matched ${p.matched.toLocaleString('en-US')}, sent ${p.sent.toLocaleString('en-US')}, ${rate(p.recordsRead, p.elapsedMs)} events/s`),
    });
  } finally {
    client.destroy();
  }
  progress.clear();
  if (options.format === 'json') context.stdout.write(`${JSON.stringify({ destination: 'firehose', ...summary }, null, 2)}\n`);
  else writeFirehoseSummary(summary, context.stdout);
  if (summary.failed > 0) {
    throw new RemoteError(
      `${summary.failed} events could not be delivered to ${streamName}; they are in ${summary.failedOutput}: send them again with "freshlake ingest ${summary.failedOutput} --to firehose --stream ${streamName}".`,
    );
  }
  if (summary.interrupted) throw new InterruptedError(`Interrupted after sending ${summary.sent} events; run the same command again (the views remove the duplicates it sends).`);
  if (summary.damaged.length > 0) throw new PartialInputError(partlyIngested(summary.damaged, summary.sent, `sent to ${streamName}`));
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

function rate(count: number, ms: number): string {
  return ms > 0 ? Math.round((count * 1000) / ms).toLocaleString('en-US') : '-';
}

function count(n: number): string {
  return n.toLocaleString('en-US').padStart(12);
}

function rejectedLines(records: IngestSummary['rejected']['records'], total: number): string[] {
  const lines = records.map((r) => `                 ${r.input} line ${r.line}: ${r.reason}`);
  if (total > records.length) lines.push(`                 ... and ${total - records.length} more (all are in the error location)`);
  return lines;
}

/** The text summary of a lake ingest: counts, where things went, rejected records by line. */
export function writeLakeSummary(summary: IngestSummary, lake: string, out: CliOutputStream): void {
  const seconds = summary.elapsedMs / 1000;
  const inputs = summary.inputs.length === 1 ? `${summary.inputs[0].name} (${summary.inputs[0].format})` : `${summary.inputs.length} inputs`;
  const days = summary.days.length === 0 ? '' : summary.days.length === 1 ? ` (dt=${summary.days[0]})` : ` (dt=${summary.days[0]} .. dt=${summary.days[summary.days.length - 1]}, ${summary.days.length} days)`;
  const lines = [
    `Ingested ${inputs} into ${lake} in ${seconds.toFixed(1)} s (${rate(summary.eventsRead, summary.elapsedMs)} events/s, ${(summary.bytesRead / 1e6 / Math.max(seconds, 1e-3)).toFixed(1)} MB/s)${summary.interrupted ? ', INTERRUPTED' : ''}`,
    `  read         ${count(summary.eventsRead)} events (${mb(summary.bytesRead)})`,
    `  matched      ${count(summary.matched)} by the rule's event pattern`,
    `  written      ${count(summary.written)} to ${lake}/events/${days}, ${summary.objectsWritten} objects, ${mb(summary.compressedBytesWritten)} gzip'd`,
    `  not matched  ${count(summary.notMatched)} (not Freshdesk ticket events: dropped, as the rule would)`,
    `  rejected     ${count(summary.rejected.total)}${summary.rejected.total > 0 ? ` (${summary.rejected.malformedInput} malformed input, ${summary.rejected.processingFailed} processing failed, ${summary.rejected.tooLarge} too large) -> ${summary.rejected.locations.map((l) => `${lake}/${l}`).join(', ')}` : ''}`,
    ...rejectedLines(summary.rejected.records, summary.rejected.total),
    ...damagedLines(summary.damaged),
    ...(summary.writeFailure
      ? [`  NOT WRITTEN  ${count(summary.notWritten)} events read${summary.writeFailure.inputLeft ? ', and the rest of the input' : ''}: the lake could not be written (${summary.writeFailure.code})`]
      : []),
  ];
  out.write(`${lines.join('\n')}\n`);
}

function damagedLines(damaged: readonly DamagedInput[]): string[] {
  if (damaged.length === 0) return [];
  return [
    `  damaged      ${count(damaged.length)} input${damaged.length === 1 ? '' : 's'} not read to the end (everything before the damage was ingested)`,
    ...damaged.map((d) => `                 ${d.input}: ${d.reason}; read up to line ${d.lastLine} (${d.recordsRead} records, ${d.rawBytesRead} bytes of the file)`),
  ];
}

function writeFirehoseSummary(summary: FirehoseSendSummary, out: CliOutputStream): void {
  const seconds = summary.elapsedMs / 1000;
  const codes = Object.entries(summary.errorCodes).map(([code, n]) => `${code} ${n}`).join(', ');
  const lines = [
    `Sent to Firehose stream ${summary.deliveryStream} in ${seconds.toFixed(1)} s (${rate(summary.sent, summary.elapsedMs)} events/s)${summary.interrupted ? ', INTERRUPTED' : ''}`,
    `  read         ${count(summary.eventsRead)} events (${mb(summary.bytesRead)})`,
    `  matched      ${count(summary.matched)} by the rule's event pattern`,
    `  sent         ${count(summary.sent)} in ${summary.calls} PutRecordBatch calls (${summary.retries} records retried)`,
    `  failed       ${count(summary.failed)}${summary.failed > 0 ? ` (${codes}) -> ${summary.failedOutput}` : ''}`,
    `  not matched  ${count(summary.notMatched)} (not Freshdesk ticket events: not sent, as the rule would)`,
    `  malformed    ${count(summary.malformed)} (not JSON objects: not sent)${summary.malformed > 0 ? ` -> ${summary.failedOutput}` : ''}`,
    ...rejectedLines(summary.malformedRecords, summary.malformed),
    ...damagedLines(summary.damaged),
  ];
  out.write(`${lines.join('\n')}\n`);
}
