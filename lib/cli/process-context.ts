/**
 * The CLI context of the real process: its streams, environment and Ctrl-C.
 *
 * Ctrl-C while a query runs: the first press calls the registered handlers (run/sql abort the
 * engine, which sends Athena StopQueryExecution) and the command exits 130 once the stop is
 * sent; a second press exits 130 at once. With no query running, Ctrl-C exits 130 at once.
 */
import type { CliContext } from './context';
import { EXIT_INTERRUPTED } from './error-report';

export function processCliContext(): CliContext {
  const handlers = new Set<() => void>();
  /** What the registered handlers stop, for the line Ctrl-C prints. */
  const stoppingOf = new Map<() => void, string>();
  let interrupted = false;
  const onSigint = () => {
    if (interrupted || handlers.size === 0) {
      process.stderr.write('\nfreshlake: interrupted\n');
      process.exit(EXIT_INTERRUPTED);
    }
    interrupted = true;
    const stopping = [...new Set(handlers)].map((handler) => stoppingOf.get(handler) ?? 'the query');
    process.stderr.write(`\nfreshlake: stopping ${[...new Set(stopping)].join(' and ')} (Ctrl-C again to quit at once)\n`);
    for (const handler of handlers) handler();
  };
  // `freshlake run ... | head` closes the pipe early: that is the reader being done, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    now: () => new Date(),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    onInterrupt: (handler, stopping) => {
      handlers.add(handler);
      if (stopping !== undefined) stoppingOf.set(handler, stopping);
      if (handlers.size === 1) process.on('SIGINT', onSigint);
      return () => {
        handlers.delete(handler);
        stoppingOf.delete(handler);
        // With no listener, Node's default applies: Ctrl-C ends the process (status 130).
        if (handlers.size === 0) process.off('SIGINT', onSigint);
      };
    },
  };
}
