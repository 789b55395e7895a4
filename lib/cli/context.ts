/**
 * What a CLI command needs from its surroundings: the streams it writes to, the environment, and
 * the clock. `main()` builds it from the process; tests build it from buffers, so commands run
 * in-process (where aws-sdk-client-mock can stand in for AWS) without touching the real stdout.
 */
import type { Command } from 'commander';

/** A writable text stream; `isTTY` decides whether progress is shown. */
export interface CliOutputStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
}

export interface CliContext {
  readonly stdout: CliOutputStream;
  readonly stderr: CliOutputStream;
  /** Environment variables (FRESHLAKE_LAKE, AWS_PROFILE, ...). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Reads all of standard input (for `freshlake sql -`). */
  readonly readStdin: () => Promise<string>;
  /** Current directory: relative paths (--lake, --output, --file) resolve against it. */
  readonly cwd: string;
  /** Current time (defaults like `today` resolve against it). */
  readonly now: () => Date;
  /**
   * Registers what to do on Ctrl-C while a query runs; returns a function that removes it.
   * `main()` wires it to SIGINT; tests call the handler directly. `stopping` names what Ctrl-C
   * stops, for the line it prints (default "the query").
   */
  readonly onInterrupt: (handler: () => void, stopping?: string) => () => void;
}

// Commands are registered as `register<Name>Command(program)` (one import + one call each), so the
// context travels with the root program instead of through every register function's signature.
const contexts = new WeakMap<Command, CliContext>();

export function attachCliContext(program: Command, context: CliContext): void {
  contexts.set(program, context);
}

/** The context of the program a (sub)command belongs to. */
export function cliContext(command: Command): CliContext {
  let root: Command = command;
  while (root.parent) root = root.parent;
  const context = contexts.get(root);
  if (!context) throw new Error('CLI context missing: build the program with buildProgram().');
  return context;
}
