/**
 * `freshlake sync`: the Freshdesk API into the lake (lib/freshdesk). Ticket snapshots go through
 * the transform + lake writer of `ingest` (or the Firehose sender of `ingest --to firehose`),
 * dimensions into dimensions/<name>/, the checkpoint into sync/; `--check` compares the lake with
 * the API instead of writing.
 *
 * Exit codes: 0 synced (or --check found no difference); 1 Freshdesk or AWS refused (401 key,
 * 403 plan, retries exhausted, records Firehose did not take) or --check found differences;
 * 2 usage error; 130 interrupted (the checkpoint holds what was written: run it again to resume).
 */
import { Command, Option } from 'commander';
import { readFile } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { RemoteError, UsageError, InputError } from '../../errors';
import type { FreshdeskClientConfig } from '../../freshdesk/client';
import { CHECKPOINT_KEY, DEFAULT_OVERLAP_SECONDS, LOCAL_SNAPSHOT_SOURCE } from '../../freshdesk/names';
import type { ReconcileReport } from '../../freshdesk/reconcile';
import type { SyncSink, SyncSummary } from '../../freshdesk/sync';
import { cliContext, type CliContext, type CliOutputStream } from '../context';
import { addAwsOptions, awsClientConfig, type AwsOptions } from '../aws-options';
import { InterruptedError } from '../error-report';
import { addLakeOption, positiveInteger, resolveLakeDir } from '../options';
import { progressLine } from '../progress';

/** Environment variable holding the Freshdesk API key. */
export const API_KEY_ENV = 'FRESHDESK_API_KEY';

/**
 * The window Freshdesk's X-RateLimit-Total counts over is a minute; a test server or benchmark
 * that scales time down says how long its "minute" is here.
 */
export const RATE_WINDOW_ENV = 'FRESHLAKE_SYNC_RATE_WINDOW_MS';

/** Default period of --check: the last 30 days. */
const CHECK_DEFAULT_DAYS = 30;

interface SyncCommandOptions extends AwsOptions {
  readonly url?: string;
  readonly domain?: string;
  readonly apiKeyFile?: string;
  readonly lake?: string;
  readonly to: 'lake' | 'firehose';
  readonly stack?: string;
  readonly stream?: string;
  readonly bucket?: string;
  readonly source?: string;
  readonly failedOutput?: string;
  readonly since?: string;
  readonly check?: boolean;
  readonly overlapSeconds?: number;
  readonly dimensions: boolean;
  readonly format: 'text' | 'json';
}

export function registerSyncCommand(program: Command): void {
  const command = program
    .command('sync')
    .description('Sync tickets (with spam and deleted ones), agents, groups, ticket fields, business hours and SLA policies from the Freshdesk API into the lake, incrementally from a checkpoint; or --check the lake against the API.')
    .option('--url <base-url>', 'Freshdesk API base URL (a proxy or a test server), e.g. https://acme.freshdesk.com')
    .option('--domain <name>', 'Freshdesk account name: https://<name>.freshdesk.com')
    .option('--api-key-file <path>', `file holding the API key (default: env ${API_KEY_ENV})`)
    .addOption(new Option('--to <destination>', 'lake: the local lake directory; firehose: the deployed stack (delivery stream + data bucket)').choices(['lake', 'firehose']).default('lake'));
  addLakeOption(command);
  command
    .option('--stack <name>', 'firehose: the deployed stack (its delivery stream and data bucket)')
    .option('--stream <name>', 'firehose: delivery stream name (instead of --stack)')
    .option('--bucket <name>', 'firehose: data bucket for dimensions and the checkpoint (instead of --stack)')
    .option('--source <name>', `envelope source of the snapshots, e.g. the stack's partner event source (default ${LOCAL_SNAPSHOT_SOURCE})`)
    .option('--failed-output <file>', 'firehose: where snapshots that could not be delivered go (default freshlake-sync-failed-<time>.jsonl)')
    .option('--since <date>', 'first sync: start of the history to fetch (default 2010-01-01, i.e. all); --check: start of the period (default 30 days ago)')
    .option('--check', 'compare the lake\'s latest state with the API for the period (with --to firehose --stack: the stack\'s lake, through Athena); write nothing; exit 1 on differences')
    .option('--overlap-seconds <n>', `incremental sync: start this much before the checkpoint (default ${DEFAULT_OVERLAP_SECONDS})`, positiveInteger(86_400))
    .option('--no-dimensions', 'skip agents, groups, ticket fields, business hours and SLA policies')
    .addOption(new Option('--format <format>', 'summary format').choices(['text', 'json']).default('text'));
  addAwsOptions(command);
  command.addHelpText(
    'after',
    `
The API key comes from ${API_KEY_ENV} or --api-key-file (Freshdesk: Profile settings > Your API
key); it is sent only as HTTP Basic auth to the --url/--domain host, never logged or written.

The first sync fetches the whole history (or from --since); later ones fetch only what changed
since the checkpoint (<lake>/${CHECKPOINT_KEY}), with a ${DEFAULT_OVERLAP_SECONDS} s overlap. A sync
killed at any point resumes from the last checkpoint without loss. Requests are paced by the
X-RateLimit headers; 429 waits Retry-After; 5xx and network errors are retried.

--check lists tickets missing from the lake, stale in it, or wrongly open in it (counted in the
backlog while Freshdesk has them resolved, closed, spam or deleted); a normal sync repairs them.

Exit codes: 0 done / no differences, 1 Freshdesk or AWS refused, or --check found differences,
2 usage error, 130 interrupted (run it again: it resumes from the checkpoint).

Examples:
  $ FRESHDESK_API_KEY=... freshlake sync --domain acme
  $ freshlake sync --domain acme --api-key-file ~/.freshdesk-key --since 2025-01-01
  $ freshlake sync --domain acme --check --since 2026-11-01
  $ freshlake sync --domain acme --check --to firehose --stack Freshlake-1342406
  $ freshlake sync --domain acme --to firehose --stack Freshlake-1342406`,
  );
  command.action(async (options: SyncCommandOptions, cmd: Command) => {
    const context = cliContext(cmd);
    const controller = new AbortController();
    const removeInterruptHandler = context.onInterrupt(() => controller.abort());
    const progress = progressLine(context.stderr);
    try {
      const clientConfig = await freshdeskClientConfig(options, context, controller.signal);
      if (options.check) await runCheck(options, context, clientConfig, controller.signal, progress);
      else await runSyncCommand(options, context, clientConfig, controller.signal, progress);
    } catch (error) {
      progress.clear();
      if (controller.signal.aborted) {
        throw new InterruptedError('Interrupted: what was synced up to the last checkpoint is in the lake; run the same command again to resume.');
      }
      throw error;
    } finally {
      progress.clear();
      removeInterruptHandler();
    }
  });
}

async function freshdeskClientConfig(options: SyncCommandOptions, context: CliContext, signal: AbortSignal): Promise<FreshdeskClientConfig> {
  if (!options.url === !options.domain) throw new UsageError('Pass --domain <name> (https://<name>.freshdesk.com) or --url <base-url> (one of them).');
  const { domainBaseUrl } = await import('../../freshdesk/client');
  const baseUrl = options.url ?? domainBaseUrl(options.domain!);
  let apiKey: string | undefined;
  if (options.apiKeyFile) {
    const path = resolve(context.cwd, options.apiKeyFile);
    try {
      apiKey = (await readFile(path, 'utf8')).trim();
    } catch (error) {
      throw new InputError(`Cannot read the API key file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
    }
    if (!apiKey) throw new InputError(`The API key file ${path} is empty.`);
  } else {
    apiKey = context.env[API_KEY_ENV]?.trim();
    if (!apiKey) throw new UsageError(`No Freshdesk API key: set ${API_KEY_ENV} or pass --api-key-file <path> (Freshdesk: Profile settings > Your API key).`);
  }
  const windowMs = context.env[RATE_WINDOW_ENV];
  if (windowMs !== undefined && !/^\d+$/.test(windowMs)) throw new UsageError(`${RATE_WINDOW_ENV} must be a number of milliseconds.`);
  return { baseUrl, apiKey, signal, rateLimitWindowMs: windowMs === undefined ? undefined : Number(windowMs) };
}

function rejectMisplaced(options: SyncCommandOptions): void {
  const firehoseOnly: [keyof SyncCommandOptions, string][] = [
    ['stack', '--stack'],
    ['stream', '--stream'],
    ['bucket', '--bucket'],
    ['failedOutput', '--failed-output'],
    ['region', '--region'],
    ['profile', '--profile'],
  ];
  if (options.to === 'lake') {
    const misplaced = firehoseOnly.filter(([key]) => options[key] !== undefined).map(([, flag]) => flag);
    if (misplaced.length > 0) throw new UsageError(`${misplaced.join(', ')} ${misplaced.length === 1 ? 'applies' : 'apply'} only with --to firehose.`);
  } else if (options.lake !== undefined) {
    throw new UsageError('--lake applies only with --to lake.');
  }
}

interface SinkHandle {
  readonly sink: SyncSink;
  readonly destination: string;
  readonly checkpoint: string;
  /** Destination-specific lines for the summary. */
  readonly details: () => Record<string, unknown>;
  readonly close: () => void;
}

async function openSink(options: SyncCommandOptions, context: CliContext): Promise<SinkHandle> {
  rejectMisplaced(options);
  if (options.to === 'lake') {
    const lakeDir = resolveLakeDir(options.lake, context);
    const { LocalLakeSink } = await import('../../freshdesk/lake-sink');
    const sink = new LocalLakeSink({ lakeDir, source: options.source });
    const shown = relative(context.cwd, lakeDir) || '.';
    return {
      sink,
      destination: shown,
      checkpoint: `${shown}/${CHECKPOINT_KEY}`,
      details: () => ({ lake: lakeDir, eventsWritten: sink.counts.eventsWritten, objectsWritten: sink.counts.objectsWritten, processingFailed: sink.counts.processingFailed }),
      close: () => {},
    };
  }
  if (!options.stack && !(options.stream && options.bucket)) throw new UsageError('--to firehose needs --stack <name>, or both --stream <name> and --bucket <name>.');
  const clientConfig = awsClientConfig(options);
  let stream = options.stream;
  let bucket = options.bucket;
  if (options.stack) {
    const { readStackOutputs, requireStackOutput } = await import('../stack-outputs');
    const outputs = await readStackOutputs(options.stack, clientConfig);
    stream ??= requireStackOutput(options.stack, outputs, 'deliveryStreamName');
    bucket ??= requireStackOutput(options.stack, outputs, 'dataBucketName');
  }
  const [{ FirehoseClient }, { S3Client }, { FirehoseSink }, { s3ObjectStore }] = await Promise.all([
    import('@aws-sdk/client-firehose'),
    import('@aws-sdk/client-s3'),
    import('../../freshdesk/firehose-sink'),
    import('../../freshdesk/s3-object-store'),
  ]);
  const firehose = new FirehoseClient(clientConfig);
  const s3 = new S3Client(clientConfig);
  const failedOutputPath = resolve(context.cwd, options.failedOutput ?? `freshlake-sync-failed-${context.now().toISOString().replace(/[:.]/g, '-')}.jsonl`);
  const sink = new FirehoseSink({ client: firehose, deliveryStreamName: stream!, source: options.source ?? LOCAL_SNAPSHOT_SOURCE, store: s3ObjectStore(s3, bucket!), failedOutputPath });
  return {
    sink,
    destination: `Firehose stream ${stream} (dimensions and checkpoint in s3://${bucket})`,
    checkpoint: `s3://${bucket}/${CHECKPOINT_KEY}`,
    details: () => ({ deliveryStream: stream, bucket, sent: sink.counts.sent, putRecordBatchCalls: sink.counts.calls }),
    close: () => {
      firehose.destroy();
      s3.destroy();
    },
  };
}

function waitSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function n(value: number): string {
  return value.toLocaleString('en-US');
}

async function runSyncCommand(
  options: SyncCommandOptions,
  context: CliContext,
  clientConfig: FreshdeskClientConfig,
  signal: AbortSignal,
  progress: ReturnType<typeof progressLine>,
): Promise<void> {
  const handle = await openSink(options, context);
  const { runSync } = await import('../../freshdesk/sync');
  let summary: SyncSummary;
  try {
    summary = await runSync({
      client: clientConfig,
      sink: handle.sink,
      since: options.since,
      overlapSeconds: options.overlapSeconds,
      dimensions: options.dimensions,
      signal,
      now: context.now,
      onProgress: (p) =>
        progress.update(`sync: ${p.list === 'dimensions' ? 'names and definitions' : `${p.list} tickets`}, ${n(p.tickets)} tickets, ${n(p.calls)} calls, rate-limit wait ${waitSeconds(p.rateLimitWaitMs)}${p.rateLimited > 0 ? ` (${p.rateLimited} x 429)` : ''}, ${waitSeconds(p.elapsedMs)}`),
    });
  } finally {
    handle.close();
  }
  progress.clear();
  if (options.format === 'json') {
    context.stdout.write(`${JSON.stringify({ destination: options.to, ...summary, ...handle.details(), checkpoint: handle.checkpoint }, null, 2)}\n`);
  } else {
    writeSyncSummary(summary, handle, context.stdout);
  }
  const failed = handle.details().processingFailed;
  if (typeof failed === 'number' && failed > 0) {
    throw new RemoteError(`${failed} ticket snapshots were rejected by the transform; they are under ${handle.destination}/errors/processing-failed/.`);
  }
}

export function writeSyncSummary(summary: SyncSummary, handle: Pick<SinkHandle, 'destination' | 'checkpoint'>, out: CliOutputStream): void {
  const t = summary.tickets;
  const dims = summary.dimensions.map((d) => `${d.name} ${n(d.rows)}`).join(', ') || 'none';
  const skipped = summary.skippedDimensions.length > 0 ? `; skipped ${summary.skippedDimensions.map((s) => `${s.name} (${s.reason})`).join(', ')}` : '';
  const next = summary.lists.map((l) => `${l.filter} ${l.nextUpdatedSince}`).join(', ');
  const lines = [
    `Synced ${summary.account} into ${handle.destination} in ${waitSeconds(summary.elapsedMs)}${summary.firstSync ? ' (first sync)' : ''}`,
    `  tickets     ${n(t.new)} new, ${n(t.changed)} changed, ${n(t.unchanged)} unchanged (written: ${n(t.byList.default)} listed, ${n(t.byList.spam)} spam, ${n(t.byList.deleted)} deleted)`,
    `  calls       ${n(summary.calls)} (${n(summary.crawl.pages)} ticket pages, ${summary.retries} retried, ${summary.rateLimited} answered 429), rate-limit wait ${waitSeconds(summary.rateLimitWaitMs)}`,
    `  names       ${dims}${skipped}`,
    `  checkpoint  ${handle.checkpoint}: next sync from ${next}`,
  ];
  out.write(`${lines.join('\n')}\n`);
}

async function runCheck(
  options: SyncCommandOptions,
  context: CliContext,
  clientConfig: FreshdeskClientConfig,
  signal: AbortSignal,
  progress: ReturnType<typeof progressLine>,
): Promise<void> {
  rejectMisplaced(options);
  const onStack = options.to === 'firehose';
  if (onStack && !options.stack) throw new UsageError('--check --to firehose reads the stack\'s lake through Athena: pass --stack <name>.');
  if (onStack && (options.stream || options.bucket || options.failedOutput)) throw new UsageError('--check writes nothing: --stream, --bucket and --failed-output do not apply.');
  const lakeDir = onStack ? undefined : resolveLakeDir(options.lake, context);
  const lakeName = onStack ? `stack ${options.stack}` : relative(context.cwd, lakeDir!) || '.';
  const since = options.since ?? new Date(context.now().getTime() - CHECK_DEFAULT_DAYS * 86_400_000).toISOString();
  if (!Number.isFinite(Date.parse(since))) throw new UsageError(`--since "${since}" is not a date: use e.g. 2026-11-01 or 2026-11-01T00:00:00Z.`);
  const [{ reconcile, readLakeStates }, { FreshdeskClient }] = await Promise.all([import('../../freshdesk/reconcile'), import('../../freshdesk/client')]);
  const client = new FreshdeskClient(clientConfig);
  const report = await reconcile({
    client,
    since,
    signal,
    onProgress: (tickets) => progress.update(`check: ${n(tickets)} tickets from the API, ${n(client.stats.calls)} calls, rate-limit wait ${waitSeconds(client.stats.rateLimitWaitMs)}`),
    lakeStates: async () => {
      progress.update(`check: reading the latest state of ${lakeName}`);
      const { openEngine } = await import('../engine-options');
      const engine = onStack ? await openEngine({ engine: 'athena', stack: options.stack, region: options.region, profile: options.profile }, context) : await openLocalLake(lakeDir!);
      try {
        return await readLakeStates(engine, signal);
      } finally {
        await engine.close();
      }
    },
  });
  progress.clear();
  if (options.format === 'json') context.stdout.write(`${JSON.stringify({ account: client.baseUrl, lake: lakeDir ?? `stack ${options.stack}`, ...report }, null, 2)}\n`);
  else writeCheckReport(report, client.baseUrl, lakeName, context.stdout);
  if (!report.inSync) {
    throw new RemoteError(`The lake differs from Freshdesk for ${n(report.missing.count + report.stale.count + report.notInFreshdesk.count)} tickets: run "freshlake sync" to repair missing and stale ones.`);
  }
}

async function openLocalLake(lakeDir: string) {
  const { LocalEngine } = await import('../../engines/local-engine');
  return LocalEngine.open({ lakeDir });
}

function idList(ids: readonly number[], count: number): string {
  if (count === 0) return '';
  return `: ${ids.join(', ')}${count > ids.length ? `, ... (${n(count - ids.length)} more)` : ''}`;
}

export function writeCheckReport(report: ReconcileReport, account: string, lake: string, out: CliOutputStream): void {
  const lines = [
    `Checked ${lake} against ${account} for tickets updated since ${report.since}: ${report.inSync ? 'in sync' : 'DIFFERENCES'} (${n(report.calls)} calls, ${waitSeconds(report.elapsedMs)})`,
    `  Freshdesk        ${n(report.apiTickets)} tickets (listed, spam and deleted)`,
    `  lake             ${n(report.lakeTickets)} tickets updated in the period; ${n(report.matching)} match`,
    `  missing          ${n(report.missing.count)}${idList(report.missing.ids, report.missing.count)}`,
    `  stale            ${n(report.stale.count)}${idList(report.stale.ids, report.stale.count)}`,
    `  wrongly open     ${n(report.wronglyOpen.count)}${idList(report.wronglyOpen.ids, report.wronglyOpen.count)}`,
    `  not in Freshdesk ${n(report.notInFreshdesk.count)}${idList(report.notInFreshdesk.ids, report.notInFreshdesk.count)}`,
  ];
  if (!report.inSync) lines.push('  "freshlake sync" repairs missing and stale tickets (wrongly open ones are stale ones).');
  out.write(`${lines.join('\n')}\n`);
}
