/**
 * Errors are part of the CLI's interface: one class per kind, a one-line message that says what
 * is wrong and what to do, and an exit code scripts can rely on.
 */

/** Exit codes of the freshlake CLI (0 is success). */

/** A query or remote operation failed, or a check found drift. */
export const EXIT_FAILURE = 1;
/** The command line or the input is wrong: fix the invocation. */
export const EXIT_USAGE = 2;
/** `ingest`: some inputs were damaged; everything readable in them was ingested (the summary names them). */
export const EXIT_PARTIAL = 3;

export abstract class FreshlakeError extends Error {
  abstract readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Wrong command line: unknown query, missing or ill-typed parameter, bad option. */
export class UsageError extends FreshlakeError {
  readonly exitCode = EXIT_USAGE;
}

/** Unusable input: missing lake directory, unreadable file. */
export class InputError extends FreshlakeError {
  readonly exitCode = EXIT_USAGE;
}

/** A query ran and failed (SQL error, Athena FAILED/CANCELLED). */
export class QueryError extends FreshlakeError {
  readonly exitCode = EXIT_FAILURE;
}

/** AWS said no: missing credentials, access denied, throttled beyond retries, missing stack. */
export class RemoteError extends FreshlakeError {
  readonly exitCode = EXIT_FAILURE;
}

/** Writing failed: disk full, read-only or misplaced lake. What was written stays; the message says what was not. */
export class WriteError extends FreshlakeError {
  readonly exitCode = EXIT_FAILURE;
}

/** Some inputs could not be read to their end; everything readable in them was processed. */
export class PartialInputError extends FreshlakeError {
  readonly exitCode = EXIT_PARTIAL;
}
