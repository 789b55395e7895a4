/**
 * Runs one query for `run` and `sql`: opens the engine, wires Ctrl-C to the engine's abort signal,
 * shows progress on a terminal, writes the result, and reports what the query cost.
 */
import type { QueryStatistics } from '../engines/engine';
import type { BoundParameter } from '../saved-queries';
import { formatBytes } from '../engines/athena-limits';
import type { CliContext, CliOutputStream } from './context';
import { openEngine, type EngineOptions } from './engine-options';
import { InterruptedError } from './error-report';
import type { OutputOptions } from './options';
import { openOutputDestination, writeResult } from './output';
import { progressLine } from './progress';

export type QueryCommandOptions = EngineOptions & OutputOptions;

export async function runQuery(sql: string, values: readonly BoundParameter[], options: QueryCommandOptions, context: CliContext): Promise<void> {
  const engine = await openEngine(options, context);
  const controller = new AbortController();
  const removeInterruptHandler = context.onInterrupt(() => controller.abort());
  const progress = progressLine(context.stderr);
  try {
    const result = await engine.execute(sql, values, { signal: controller.signal, onProgress: (m) => progress.update(m) });
    progress.clear();
    // Opened only once the query succeeded, so a failed query does not truncate an existing file.
    const destination = await openOutputDestination(context, options.output);
    let rows: number;
    try {
      rows = await writeResult(result.columns, result.pages, options.format, destination);
    } finally {
      await destination.close();
    }
    reportStatistics(result.statistics, rows, context.stderr);
  } catch (error) {
    progress.clear();
    if (controller.signal.aborted) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new InterruptedError(`Interrupted. ${detail}`, { cause: error });
    }
    throw error;
  } finally {
    removeInterruptHandler();
    await engine.close();
  }
}

/**
 * After every Athena query: run time, data scanned, cost and whether a stored result was reused,
 * on stderr so stdout stays the data. Local queries cost nothing; their timing shows on a terminal.
 */
export function reportStatistics(statistics: QueryStatistics, rows: number, stderr: CliOutputStream): void {
  const rowText = `${rows} row${rows === 1 ? '' : 's'}`;
  if (statistics.engine !== 'athena') {
    if (stderr.isTTY) stderr.write(`local: ${rowText} in ${formatSeconds(statistics.elapsedMs)}\n`);
    return;
  }
  const parts = [
    `athena: ${rowText}`,
    `run time ${formatSeconds(statistics.elapsedMs)}`,
    `data scanned ${formatBytes(statistics.bytesScanned ?? 0)}`,
    `cost ${formatUsd(statistics.costUsd ?? 0)}`,
    statistics.reusedResult ? 'reused a stored result' : 'result not reused',
  ];
  stderr.write(`${parts.join(', ')}${statistics.queryExecutionId ? ` (query ${statistics.queryExecutionId})` : ''}\n`);
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** Dollars with enough digits to show the 10 MB minimum ($0.0000477). */
export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  if (usd >= 0.01) return `$${usd.toFixed(2)}`;
  return `$${usd.toPrecision(3)}`;
}
