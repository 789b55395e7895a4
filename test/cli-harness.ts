/**
 * Runs the freshlake CLI in-process (so aws-sdk-client-mock stands in for AWS) with captured
 * stdout/stderr, or as a child process through bin/freshlake.js (to check the real launcher,
 * exit codes and that no stack trace leaks). The child runs what a user of this checkout runs:
 * the compiled build when it is current (after `npm ci` / `npm run build`, as in CI), else the
 * TypeScript sources through tsx (bin/build-state.js decides), never a stale build.
 * test/package.test.ts covers the installed package's compiled CLI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../lib/cli/program';
import type { CliContext } from '../lib/cli/context';

export const REPO_ROOT = join(__dirname, '..');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface InProcessOptions {
  readonly env?: Record<string, string | undefined>;
  readonly cwd?: string;
  readonly stdin?: string;
  readonly stderrIsTTY?: boolean;
  readonly now?: Date;
  /** Receives the function that simulates Ctrl-C, once the command registers its handler. */
  readonly onInterruptHandler?: (pressCtrlC: () => void, stopping?: string) => void;
}

export async function runCliInProcess(args: readonly string[], options: InProcessOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const context: CliContext = {
    stdout: { write: (chunk: string) => (stdout += chunk), isTTY: false },
    stderr: { write: (chunk: string) => (stderr += chunk), isTTY: options.stderrIsTTY ?? false },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    now: () => options.now ?? new Date('2026-11-27T12:00:00Z'),
    readStdin: async () => options.stdin ?? '',
    onInterrupt: (handler, stopping) => {
      options.onInterruptHandler?.(handler, stopping);
      return () => {};
    },
  };
  const code = await main(['node', 'freshlake', ...args], context);
  return { code, stdout, stderr };
}

export function runCliProcess(args: readonly string[], env: Record<string, string> = {}, cwd = REPO_ROOT): CliRun {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'freshlake.js'), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A temporary saved-query directory with the given files (name -> text). */
export function savedQueryDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'freshlake-queries-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export function tempDir(prefix = 'freshlake-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** An empty but valid lake layout (events/ folder only). */
export function emptyLakeDir(): string {
  const dir = tempDir('freshlake-lake-');
  mkdirSync(join(dir, 'events'));
  return dir;
}

/** Saved queries used by the CLI tests, independent of the shipped queries/ catalog. */
export const TEST_QUERIES: Record<string, string> = {
  'tickets-of-type.sql': [
    '-- name: tickets-of-type',
    '-- description: Latest state of tickets of one type.',
    '-- param: type string = Refund | Ticket type',
    '-- param: limit integer = 100 | Most rows to return',
    // Athena binds parameters only in WHERE clauses: the row limit is a WHERE on a row number.
    'SELECT ticket_id, subject, status_name FROM (',
    '  SELECT ticket_id, subject, status_name, row_number() OVER (ORDER BY ticket_id) AS n',
    '  FROM tickets_latest',
    '  WHERE ticket_type = :type',
    ')',
    'WHERE n <= :limit',
    'ORDER BY ticket_id',
    '',
  ].join('\n'),
  'created-on.sql': [
    '-- name: created-on',
    '-- description: Tickets created on a UTC day.',
    '-- param: day date = today | UTC day',
    '-- param: channel enum(Email,Portal,Phone) | Channel name',
    'SELECT ticket_id FROM tickets_latest',
    "WHERE CAST(created_at AS date) = CAST(:day AS date) AND channel_name = :channel",
    '',
  ].join('\n'),
};
