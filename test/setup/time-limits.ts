/**
 * Bounds on the time any test file can take, so a hung test fails the run instead of stalling CI.
 *
 * - Property tests: fast-check runs (and shrinks) synchronously between awaits, so vitest's
 *   testTimeout, a timer on the same event loop, never fires while it works. Every property is
 *   interrupted after PROPERTY_TIME_LIMIT_MS and the interruption counts as a failure; the report
 *   fast-check prints then carries the seed, and `FC_SEED=<seed> npx vitest run <file>` replays it.
 * - Anything else that blocks the event loop: a watchdog on its own thread kills the test process
 *   after FILE_TIME_LIMIT_MS; vitest then reports the file as failed ("worker exited unexpectedly").
 */
import fc from 'fast-check';
import { Worker } from 'node:worker_threads';

const PROPERTY_TIME_LIMIT_MS = Number(process.env.FC_TIME_LIMIT_MS ?? 60_000);
const FILE_TIME_LIMIT_MS = Number(process.env.FRESHLAKE_TEST_FILE_LIMIT_MS ?? 10 * 60_000);

const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
fc.configureGlobal({
  interruptAfterTimeLimit: PROPERTY_TIME_LIMIT_MS,
  markInterruptAsFailure: true,
  ...(seed === undefined || Number.isNaN(seed) ? {} : { seed }),
});

const watchdogSource = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
setTimeout(() => {
  // writeSync: a worker's process.stderr is relayed by the main thread, which is the one blocked.
  writeSync(2, 'freshlake tests: ' + workerData.file + ' ran longer than ' + workerData.limitMs / 1000 + ' s; killing it (a hang).\\n');
  process.kill(workerData.pid, 'SIGKILL');
}, workerData.limitMs);
`;

// One watchdog per test process: setup files run again for each file in a reused worker.
const WATCHDOG_KEY = Symbol.for('freshlake.test-watchdog');
const globalWithWatchdog = globalThis as typeof globalThis & { [WATCHDOG_KEY]?: Worker };
globalWithWatchdog[WATCHDOG_KEY]?.terminate();
const watchdog = new Worker(watchdogSource, {
  eval: true,
  workerData: { pid: process.pid, limitMs: FILE_TIME_LIMIT_MS, file: `test process ${process.pid}` },
});
watchdog.unref();
globalWithWatchdog[WATCHDOG_KEY] = watchdog;
