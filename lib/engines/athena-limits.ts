/**
 * Athena facts the CLI needs while parsing options and printing statistics, without loading the
 * Athena engine and the AWS SDK behind it (lib/engines/athena-engine.ts re-exports them).
 */

/** Result reuse accepts a maximum age of at most 7 days. */
export const ATHENA_MAX_REUSE_MINUTES = 7 * 24 * 60;

/** A byte count for people: 512 B, 1.50 KB, 12.3 MB (1024-based units). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}
