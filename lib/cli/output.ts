/**
 * Result output: table (lib/cli/text-table), csv (csv-stringify), json (ONE array of objects keyed by
 * column name) and ndjson (one object per line), to stdout or to --output <file>.
 *
 * csv, json and ndjson stream page by page, so a large Athena result never sits in memory; a table
 * needs every row to size its columns, so it buffers.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { EventEmitter, once } from 'node:events';
import { resolve } from 'node:path';
import type { ResultColumn, RowValue } from '../engines/engine';
import { InputError } from '../errors';
import type { CliContext, CliOutputStream } from './context';

export const OUTPUT_FORMATS = ['table', 'csv', 'json', 'ndjson'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Where results go: stdout, or a file that is complete once close() resolves. */
export interface OutputDestination {
  write(text: string): Promise<void>;
  close(): Promise<void>;
}

/** Opens --output <file> (relative to the working directory), or stdout when no file is given. */
export async function openOutputDestination(context: CliContext, outputFile?: string): Promise<OutputDestination> {
  if (!outputFile) return streamDestination(context.stdout);
  const path = resolve(context.cwd, outputFile);
  const stream = createWriteStream(path);
  try {
    await once(stream, 'open');
  } catch (error) {
    throw new InputError(`Cannot write --output ${outputFile}: ${(error as Error).message}`, { cause: error });
  }
  return fileDestination(stream);
}

function streamDestination(stream: CliOutputStream): OutputDestination {
  return {
    async write(text) {
      // A pipe to a slow reader (| less) fills up: wait for it rather than buffer the whole result.
      if (stream.write(text) === false && stream instanceof EventEmitter) await once(stream, 'drain');
    },
    async close() {},
  };
}

function fileDestination(stream: WriteStream): OutputDestination {
  let failure: Error | undefined;
  stream.on('error', (error) => (failure = error));
  return {
    async write(text) {
      if (failure) throw new InputError(`Writing the output file failed: ${failure.message}`);
      // Respect backpressure so a multi-gigabyte result streams through a bounded buffer.
      if (!stream.write(text)) await once(stream, 'drain');
    },
    async close() {
      stream.end();
      await once(stream, 'close');
      if (failure) throw new InputError(`Writing the output file failed: ${failure.message}`);
    },
  };
}

/**
 * Writes the columns and every page of rows in the format; resolves to the number of rows.
 */
export async function writeResult(
  columns: readonly ResultColumn[],
  pages: AsyncIterable<RowValue[][]>,
  format: OutputFormat,
  destination: OutputDestination,
): Promise<number> {
  const names = uniqueColumnNames(columns.map((c) => c.name));
  switch (format) {
    case 'json':
      return writeJson(names, pages, destination);
    case 'ndjson':
      return writeNdjson(names, pages, destination);
    case 'csv':
      return writeCsv(names, pages, destination);
    case 'table':
      return writeTable(names, pages, destination);
  }
}

/**
 * Keys for JSON objects: a second column with the same name (`SELECT a.id, b.id`) would silently
 * overwrite the first, so repeats get a suffix (`id`, `id_2`).
 */
export function uniqueColumnNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((name) => {
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return count === 1 ? name : `${name}_${count}`;
  });
}

function rowObject(names: readonly string[], row: readonly RowValue[]): Record<string, RowValue> {
  const object: Record<string, RowValue> = {};
  names.forEach((name, i) => (object[name] = row[i] ?? null));
  return object;
}

async function writeJson(names: readonly string[], pages: AsyncIterable<RowValue[][]>, out: OutputDestination): Promise<number> {
  let count = 0;
  await out.write('[');
  for await (const page of pages) {
    if (page.length === 0) continue;
    const text = page.map((row) => `${count++ === 0 ? '\n' : ',\n'}  ${JSON.stringify(rowObject(names, row))}`).join('');
    await out.write(text);
  }
  await out.write(count === 0 ? ']\n' : '\n]\n');
  return count;
}

async function writeNdjson(names: readonly string[], pages: AsyncIterable<RowValue[][]>, out: OutputDestination): Promise<number> {
  let count = 0;
  for await (const page of pages) {
    if (page.length === 0) continue;
    await out.write(page.map((row) => `${JSON.stringify(rowObject(names, row))}\n`).join(''));
    count += page.length;
  }
  return count;
}

/** Text of one value in csv and table cells: NULL is empty in CSV, nested values are JSON. */
export function cellText(value: RowValue, nullText: string): string {
  if (value === null || value === undefined) return nullText;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

async function writeCsv(names: readonly string[], pages: AsyncIterable<RowValue[][]>, out: OutputDestination): Promise<number> {
  let count = 0;
  await out.write(await csvText([[...names]]));
  for await (const page of pages) {
    if (page.length === 0) continue;
    await out.write(await csvText(page.map((row) => names.map((_, i) => cellText(row[i] ?? null, '')))));
    count += page.length;
  }
  return count;
}

async function csvText(records: readonly string[][]): Promise<string> {
  // Loaded on first use, like the table renderer: the CLI starts without either (lib/cli/program.ts).
  const { stringify } = await import('csv-stringify');
  return new Promise((resolvePromise, reject) => {
    stringify(records.map((r) => [...r]), (error, output) => (error ? reject(error) : resolvePromise(output)));
  });
}

async function writeTable(names: readonly string[], pages: AsyncIterable<RowValue[][]>, out: OutputDestination): Promise<number> {
  const { textTable } = await import('./text-table');
  // No colours: output is often piped or saved, and escape codes would corrupt it.
  const rows: string[][] = [];
  for await (const page of pages) for (const row of page) rows.push(names.map((_, i) => cellText(row[i] ?? null, 'NULL')));
  await out.write(`${textTable(names, rows)}\n`);
  return rows.length;
}
