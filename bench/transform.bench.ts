/**
 * Transform Lambda benchmark: how fast the Firehose transform handles the largest batch Firehose can
 * send it, against the bare floor of the same work done in the same run, plus the bundle size.
 *
 * - Batch: realistic partner events (the shared samples with varied ids, times, subjects and sizes
 *   of 1.5-3 KB) packed into one Firehose transformation event of just under 6 MiB, the Lambda
 *   synchronous invocation payload limit.
 * - Handler: `handler(event)` end to end (base64 decode, JSON-object validation, `dt` key, output).
 * - Floor: per record base64 decode + append "\n" + base64 encode, the least any transform that
 *   returns Firehose its records plus a newline must do. Target: handler >= 1/3 of the floor.
 * - Both are timed interleaved (warm-up first) and reported as the median, so machine noise hits
 *   both alike; the ratio is the figure to compare across machines, not the MB/s.
 * - As Lambda runs it: the same pair again with the request JSON.parse and response JSON.stringify
 *   the Lambda runtime adds, in a separate phase, so a saving that only moves work into the
 *   response serialization shows.
 * - Bundle: esbuild with the options the stack uses (LAMBDA_BUNDLING in lib/constructs/lambda-code.ts).
 *
 * Run: `npm run bench -- transform`. Iterations: BENCH_ITERATIONS (default 60).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import type { FirehoseTransformationEvent, FirehoseTransformationEventRecord } from 'aws-lambda';
import { handler } from '../lambda/transform';

/** Lambda synchronous invocation payload limit (request and response): 6 MB = 6 MiB. */
const LAMBDA_SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;
const WARM_UP_ITERATIONS = 10;
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 60);
const TARGET_RATIO = 1 / 3;
const SAMPLES_DIR = join(__dirname, '..', 'test', 'fixtures', 'samples');
const SAMPLE_FILES = ['ticket-create.json', 'ticket-update.json', 'ticket-update-variant.json'];
const SUBJECTS = [
  'Refund for duplicate charge',
  'Cannot log in after password reset',
  'Invoice address is wrong',
  'Não consigo acessar minha conta',
  'Lieferung verspätet – Bestellung 8812',
  'App crashes when uploading a photo',
  '请尽快处理退款',
  'Upgrade to the Pro plan',
  'Shipping label not received',
  'Two-factor code never arrives',
];
const NAMES = ['Ana Lima', 'João Souza', 'Priya Raman', 'Jonas Müller', 'Chen Wei', 'Fatima Zahra', 'Liam O’Brien'];
const SENTENCES = [
  'I was charged twice for the same order and would like one payment refunded.',
  'The page shows an error after I enter the code from the e-mail.',
  'We moved offices last month; please update the billing address on every open invoice.',
  'Attached is a screenshot of the message I get 😞 — it happens on every device.',
  'Could someone call me back this afternoon? My number is on the account.',
  'The tracking link says the parcel was delivered, but nothing arrived.',
];

/** Small deterministic PRNG (mulberry32) so every run measures the same batch. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A version-4-shaped UUID from the seeded PRNG, like EventBridge event ids. */
function seededUuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

interface SampleEvent {
  id: string;
  time: string;
  detail: {
    ticket: Record<string, unknown> & { subject: string; id: number };
    requester: Record<string, unknown> & { name: string; email: string };
  };
}

/** One partner event as EventBridge delivers it to Firehose (compact JSON), 1.5-3 KB. */
function realisticEvent(samples: readonly SampleEvent[], random: () => number, n: number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const event = structuredClone(pick(samples));
  event.id = seededUuid(random);
  // Events of the last 10 days, so several dt partitions occur, as after a replay.
  event.time = new Date(Date.UTC(2026, 10, 18) + Math.floor(random() * 10 * 86_400_000)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const ticket = event.detail.ticket;
  ticket.id = 4_000 + n;
  ticket.subject = pick(SUBJECTS);
  event.detail.requester.name = pick(NAMES);
  event.detail.requester.email = `customer${n}@example.com`;
  // The description grows a sentence at a time (up to ~180 B twice), so aim below 3 KB.
  const targetBytes = 1_500 + Math.floor(random() * 1_300);
  ticket.description = '';
  ticket.description_text = '';
  let text = '';
  while (Buffer.byteLength(JSON.stringify(event)) + 2 * Buffer.byteLength(text) + '<div></div>'.length < targetBytes) {
    text += `${pick(SENTENCES)} `;
  }
  ticket.description = `<div>${text.trim()}</div>`;
  ticket.description_text = text.trim();
  return JSON.stringify(event);
}

/** A Firehose transformation event of realistic records, its JSON just under the 6 MiB limit. */
function sixMegabyteBatch(): { event: FirehoseTransformationEvent; eventJsonBytes: number; payloadBytes: number } {
  const samples = SAMPLE_FILES.map((file) => JSON.parse(readFileSync(join(SAMPLES_DIR, file), 'utf8')) as SampleEvent);
  const random = prng(20261127);
  const event: FirehoseTransformationEvent = {
    invocationId: seededUuid(random),
    deliveryStreamArn: 'arn:aws:firehose:us-east-1:111122223333:deliverystream/Freshlake-1342406-Stream',
    region: 'us-east-1',
    records: [],
  };
  let eventJsonBytes = Buffer.byteLength(JSON.stringify(event));
  let payloadBytes = 0;
  const arrivalBase = Date.UTC(2026, 10, 27, 12);
  for (let n = 0; ; n++) {
    const json = realisticEvent(samples, random, n);
    const record: FirehoseTransformationEventRecord = {
      // Firehose record ids are long digit strings; only their length matters here.
      recordId: `49654331277618916426715744932151742339462014283405000${String(n).padStart(6, '0')}`,
      approximateArrivalTimestamp: arrivalBase + n,
      data: Buffer.from(json).toString('base64'),
    };
    const recordJsonBytes = Buffer.byteLength(JSON.stringify(record)) + 1; // + the comma
    if (eventJsonBytes + recordJsonBytes > LAMBDA_SYNC_PAYLOAD_LIMIT) break;
    event.records.push(record);
    eventJsonBytes += recordJsonBytes;
    payloadBytes += Buffer.byteLength(json);
  }
  return { event, eventJsonBytes, payloadBytes };
}

/** The floor: what any newline-appending transform must do per record, and nothing more. */
function floor(event: FirehoseTransformationEvent): string[] {
  return event.records.map((record) => {
    const bytes = Buffer.from(record.data, 'base64');
    const withNewline = Buffer.allocUnsafe(bytes.length + 1);
    bytes.copy(withNewline);
    withNewline[bytes.length] = 0x0a;
    return withNewline.toString('base64');
  });
}

/**
 * The floor as a Lambda function: request JSON parsed, the floor's records returned as Ok, the
 * response serialized, as the Lambda runtime does around any handler.
 */
function floorEndToEnd(requestJson: string): string {
  const event = JSON.parse(requestJson) as FirehoseTransformationEvent;
  const data = floor(event);
  return JSON.stringify({ records: event.records.map((r, i) => ({ recordId: r.recordId, result: 'Ok', data: data[i] })) });
}

/** The handler as Lambda runs it: request JSON parsed, handler, response serialized. */
async function handlerEndToEnd(requestJson: string): Promise<string> {
  return JSON.stringify(await handler(JSON.parse(requestJson) as FirehoseTransformationEvent));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

function elapsedMs(since: bigint): number {
  return Number(process.hrtime.bigint() - since) / 1e6;
}

/** Fails the benchmark rather than timing a handler that returns the wrong thing. */
async function checkHandlerMatchesFloor(event: FirehoseTransformationEvent): Promise<void> {
  const { records } = await handler(event);
  const expected = floor(event);
  if (records.length !== event.records.length) throw new Error(`handler returned ${records.length} of ${event.records.length} records`);
  records.forEach((out, i) => {
    if (out.recordId !== event.records[i].recordId || out.result !== 'Ok' || out.data !== expected[i]) {
      throw new Error(`handler output for record ${i} differs from the floor's (result ${out.result})`);
    }
  });
}

/** Milliseconds of each task per round, rounds after the warm-up; the tasks take turns within a round. */
async function timeInterleaved(tasks: ReadonlyArray<() => Promise<unknown> | unknown>): Promise<number[][]> {
  const timings = tasks.map(() => [] as number[]);
  const results: unknown[] = []; // kept alive until the round ends, so no work is optimized away
  for (let round = 0; round < WARM_UP_ITERATIONS + ITERATIONS; round++) {
    results.length = 0;
    for (const [k, task] of tasks.entries()) {
      const started = process.hrtime.bigint();
      results.push(await task());
      const ms = elapsedMs(started);
      if (round >= WARM_UP_ITERATIONS) timings[k].push(ms);
    }
  }
  return timings;
}

async function benchmarkThroughput(): Promise<void> {
  const { event, eventJsonBytes, payloadBytes } = sixMegabyteBatch();
  const sizes = event.records.map((r) => Buffer.byteLength(r.data, 'base64'));
  console.log(
    `batch: ${event.records.length} records, event JSON ${(eventJsonBytes / 2 ** 20).toFixed(2)} MiB ` +
      `(limit ${LAMBDA_SYNC_PAYLOAD_LIMIT / 2 ** 20} MiB), payload ${(payloadBytes / 1e6).toFixed(2)} MB, ` +
      `record size ${Math.min(...sizes)}-${Math.max(...sizes)} B (median ${median(sizes)} B)`,
  );
  await checkHandlerMatchesFloor(event);

  const requestJson = JSON.stringify(event);
  // Two phases, each interleaved (a noisy neighbour slows both sides of a pair alike), so the
  // end-to-end pair's garbage does not land in the transform-alone timings.
  const [handlerMs, floorMs] = await timeInterleaved([() => handler(event), () => floor(event)]);
  const [handlerEndToEndMs, floorEndToEndMs] = await timeInterleaved([() => handlerEndToEnd(requestJson), async () => floorEndToEnd(requestJson)]);

  // MB/s of event payload (decoded record bytes, 1 MB = 10^6 B): the data volume Firehose buffers.
  const mbPerSecond = (ms: number): number => payloadBytes / 1e6 / (ms / 1e3);
  const line = (label: string, ms: number[]): string =>
    `  ${label.padEnd(8)} ${mbPerSecond(median(ms)).toFixed(0).padStart(5)} MB/s   median ${median(ms).toFixed(1).padStart(5)} ms/batch ` +
    `(p10 ${percentile(ms, 0.1).toFixed(1)}, p90 ${percentile(ms, 0.9).toFixed(1)})`;
  const ratioLine = (handlerMs: number[], floorMs: number[]): string => {
    const ratio = median(floorMs) / median(handlerMs);
    return `  ratio handler/floor ${ratio.toFixed(2)} (target >= ${TARGET_RATIO.toFixed(2)}: ${ratio >= TARGET_RATIO ? 'met' : 'NOT met'})`;
  };
  console.log(`medians of ${ITERATIONS} runs after ${WARM_UP_ITERATIONS} warm-up runs, interleaved:`);
  console.log('transform alone (the figure the target applies to):');
  console.log(line('handler', handlerMs));
  console.log(line('floor', floorMs));
  console.log(ratioLine(handlerMs, floorMs));
  console.log('as Lambda runs it (+ request JSON.parse and response JSON.stringify, which the runtime does):');
  console.log(line('handler', handlerEndToEndMs));
  console.log(line('floor', floorEndToEndMs));
  console.log(ratioLine(handlerEndToEndMs, floorEndToEndMs));
}

/** Bundles the handler as the stack does (lib/constructs/lambda-code.ts: NodejsFunction, or the prebuilt bundle). */
async function benchmarkBundleSize(): Promise<void> {
  // Loaded only now: aws-cdk-lib takes a while to load and must not disturb the timings above.
  const { TRANSFORM_ENTRY } = await import('../lib/constructs/transform-function');
  const { LAMBDA_BUNDLING } = await import('../lib/constructs/lambda-code');
  const target = LAMBDA_BUNDLING.target;
  const result = await build({
    entryPoints: [TRANSFORM_ENTRY],
    bundle: true,
    platform: 'node',
    target,
    format: 'cjs',
    minify: LAMBDA_BUNDLING.minify,
    external: [...LAMBDA_BUNDLING.externalModules],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  const inputs = Object.keys(result.metafile.inputs);
  const runtimeImports = Object.values(result.metafile.outputs).flatMap((output) => output.imports.map((i) => i.path));
  console.log(
    `bundle (esbuild ${target}, cjs, minified, as NodejsFunction): ${code.length} B raw, ${gzipSync(code).length} B gzip; ` +
      `inputs: ${inputs.join(', ')}; required at run time: ${runtimeImports.length > 0 ? runtimeImports.join(', ') : 'nothing'}`,
  );
}

async function main(): Promise<void> {
  await benchmarkThroughput();
  await benchmarkBundleSize();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
