/**
 * One saved question in a fresh process, for bench/queries-snapshot.bench.ts: opens the local
 * engine over a lake (event cache on, latest-state snapshot on or off), runs the question with its
 * default parameters at a fixed "now", closes the engine, and prints one JSON line: times, row
 * count, a hash of the rows (the parent compares snapshot on/off), peak resident memory.
 *
 * Usage: tsx bench/snapshot-child.ts <lakeDir> <query name> <on|off> <now ISO>
 */
import { createHash } from 'node:crypto';
import { LocalEngine } from '../lib/engines/local-engine';
import { bindSavedQuery, findSavedQuery, loadSavedQueries } from '../lib/saved-queries';

export interface ChildResult {
  readonly openMs: number;
  readonly queryMs: number;
  /** Open + query + close: what a CLI invocation spends after start-up. */
  readonly totalMs: number;
  readonly rows: number;
  readonly hash: string;
  readonly maxRssMb: number;
  readonly cacheMode: string;
}

async function main(): Promise<void> {
  const [lakeDir, name, mode, now] = process.argv.slice(2);
  const query = findSavedQuery(loadSavedQueries(), name);
  const bound = bindSavedQuery(query, {}, new Date(now));
  const started = performance.now();
  const engine = await LocalEngine.open({ lakeDir, cache: true, snapshot: mode === 'on' });
  const opened = performance.now();
  const hash = createHash('sha256');
  let rows = 0;
  try {
    const result = await engine.execute(bound.sql, bound.values);
    for await (const page of result.pages) {
      for (const row of page) {
        hash.update(JSON.stringify(row));
        rows++;
      }
    }
  } finally {
    await engine.close();
  }
  const finished = performance.now();
  const out: ChildResult = {
    openMs: opened - started,
    queryMs: finished - opened,
    totalMs: finished - started,
    rows,
    hash: hash.digest('hex').slice(0, 16),
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    cacheMode: engine.cache.mode,
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
