/**
 * Whether the local engine's event cache is on: what the CLI needs while parsing options, without
 * loading the cache itself (lib/engines/event-cache.ts re-exports both).
 */

/** Environment variable that turns the cache off for every engine that does not say otherwise: `FRESHLAKE_CACHE=0`. */
export const EVENT_CACHE_ENV = 'FRESHLAKE_CACHE';

/** False when the environment turns the cache off (`FRESHLAKE_CACHE=0`, `false`, `off` or `no`). */
export function eventCacheEnabled(env: Readonly<Record<string, string | undefined>> = process.env): boolean {
  return !/^(0|false|off|no)$/i.test((env[EVENT_CACHE_ENV] ?? '').trim());
}
