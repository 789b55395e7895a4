/**
 * How the CLI ends on an error: one line on stderr that says what is wrong and what to do, and an
 * exit code scripts can rely on (lib/errors.ts). Stack traces only with --debug, because analysts
 * read these lines and a trace hides the one sentence that matters.
 */
import { CommanderError } from 'commander';
import { EXIT_FAILURE, EXIT_USAGE, FreshlakeError } from '../errors';
import type { CliOutputStream } from './context';

/** Exit code after Ctrl-C, as shells report a process ended by SIGINT (128 + 2). */
export const EXIT_INTERRUPTED = 130;

/** The user pressed Ctrl-C; the running query was stopped. */
export class InterruptedError extends FreshlakeError {
  readonly exitCode = EXIT_INTERRUPTED;
}

/**
 * Prints the error and returns the process exit code.
 * @param debug print the stack trace (and causes) too
 */
export function reportError(error: unknown, stderr: CliOutputStream, debug: boolean): number {
  if (error instanceof CommanderError) {
    // commander already printed its message (through configureOutput); map its exit code.
    return error.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`freshlake: ${oneLine(message)}\n`);
  if (debug) stderr.write(`${stackWithCauses(error)}\n`);
  if (error instanceof FreshlakeError) return error.exitCode;
  return EXIT_FAILURE;
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

function stackWithCauses(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? current.message) : String(current));
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) parts.push('Caused by:');
  }
  return parts.join('\n');
}
