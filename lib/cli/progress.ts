/**
 * Progress on stderr, one line rewritten in place, only when stderr is a terminal: in a pipe or a
 * log file, carriage-return updates are noise (and stdout carries the data, so it stays clean).
 */
import type { CliOutputStream } from './context';

export interface ProgressLine {
  /** Replaces the current progress line. */
  update(message: string): void;
  /** Erases the progress line (before results or an error are printed). */
  clear(): void;
}

export function progressLine(stderr: CliOutputStream): ProgressLine {
  if (!stderr.isTTY) return { update() {}, clear() {} };
  let shown = false;
  return {
    update(message) {
      // \r returns to column 0; ESC[K erases the rest of the previous, possibly longer, line.
      stderr.write(`\r${message}\x1b[K`);
      shown = true;
    },
    clear() {
      if (shown) stderr.write('\r\x1b[K');
      shown = false;
    },
  };
}
