/**
 * Benchmark runner: `npm run bench` runs every bench/*.bench.ts, `npm run bench -- transform` only
 * those whose file name contains one of the given words.
 *
 * Each benchmark runs in its own child process (tsx), one after another: a benchmark measures on a
 * quiet process (no JIT state, heap or timers left over from the previous one), and two benchmarks
 * never compete for the machine's 2 cores. Output is streamed as it comes; the run fails when any
 * benchmark fails, after the others have run.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const BENCH_DIR = __dirname;
const BENCH_SUFFIX = '.bench.ts';

/** The benchmark files in run order (sorted), limited to those whose name (before .bench.ts) contains a filter word. */
function selectBenchmarks(fileNames: readonly string[], filters: readonly string[]): string[] {
  return fileNames
    .filter((file) => file.endsWith(BENCH_SUFFIX))
    .filter((file) => filters.length === 0 || filters.some((word) => benchmarkName(file).includes(word)))
    .sort();
}

function benchmarkName(file: string): string {
  return file.slice(0, -BENCH_SUFFIX.length);
}

function main(argv: readonly string[]): number {
  const filters = argv.filter((arg) => arg.length > 0);
  const available = selectBenchmarks(readdirSync(BENCH_DIR), []);
  const selected = selectBenchmarks(available, filters);
  if (selected.length === 0) {
    const names = available.map(benchmarkName).join(', ') || 'none';
    console.error(`No benchmark matches ${filters.join(' ')}; available: ${names}.`);
    return 2;
  }

  const tsxCli = require.resolve('tsx/cli');
  const failed: string[] = [];
  for (const name of selected) {
    console.log(`\n=== ${name} ===`);
    const started = process.hrtime.bigint();
    const run = spawnSync(process.execPath, [tsxCli, join(BENCH_DIR, name)], { stdio: 'inherit' });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (run.error !== undefined || run.status !== 0) {
      const why = run.error?.message ?? (run.signal !== null ? `signal ${run.signal}` : `exit code ${run.status}`);
      console.error(`=== ${name} FAILED (${why}) after ${seconds.toFixed(1)} s ===`);
      failed.push(name);
    } else {
      console.log(`=== ${name} done in ${seconds.toFixed(1)} s ===`);
    }
  }
  if (failed.length > 0) {
    console.error(`\n${failed.length} of ${selected.length} benchmarks failed: ${failed.join(', ')}`);
    return 1;
  }
  return 0;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
