/**
 * The lake's event objects as the local engine reads them, each checked once before DuckDB sees it
 * (issue 8 items 1 and 8):
 *
 * - Text that is not valid UTF-8 (a Latin-1 `é`, a stray 0xFF) or a JSON string holding a lone
 *   surrogate escape (`\ud800`) makes DuckDB's JSON reader turn the whole line into an all-NULL row
 *   that every view drops, where Athena reads the event with U+FFFD in place of the bad text. Such
 *   an object is read through a repaired copy (bad bytes and lone surrogates become U+FFFD), so the
 *   ticket shows in every answer on both engines.
 * - An object that cannot be read at all (zero bytes, not gzip, truncated, a symlink leading out of
 *   the lake) would fail every query: it is left out, and the engine names it (`onWarning`).
 *   `freshlake check --lake` lists both kinds.
 *
 * Checking an object means reading and gunzipping it once, so verdicts are remembered in
 * `<lake>/.cache/lake-objects.json` by path, size and modification time (lake objects are written
 * once and never change), and repaired copies are kept in `<lake>/.cache/repaired/`: opening an
 * unchanged lake checks nothing again. Without the cache (`cache: false`, nothing may be written
 * to the lake) the remembered verdicts are still used, but every open checks the objects no cached
 * open has checked, and their repaired copies go to a temporary directory that closing the engine
 * deletes.
 *
 * Listing the lake is part of every question's start-up, so it is cheap on a lake of years: the
 * same memo keeps each day directory's `.gz` names with the directory's modification time. Adding,
 * removing or renaming an entry changes that time, so an unchanged directory is not read again,
 * only stat'ed (a third of reading it). A listing taken less than LISTING_TRUST_MS after the
 * directory last changed is not trusted (coarse file-system clocks), like git's racy index.
 * Every object is still stat'ed, so an object rewritten in place is seen too.
 */
import { isUtf8 } from 'node:buffer';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzipSync } from 'node:zlib';
import { EVENTS_PREFIX, LAKE_OBJECT_EXTENSION, PARTITION_KEY } from '../lake-layout';

/** Bump when the checks or the repair change: remembered verdicts and copies are then redone. */
const CHECK_REVISION = 1;
/** A day directory's remembered names are used only when they were read this long after it last changed. */
const LISTING_TRUST_MS = 2000;
/** Objects checked at once (gunzip runs on libuv's thread pool). */
const CHECK_CONCURRENCY = 4;
const MANIFEST_FILE = join('.cache', 'lake-objects.json');
const REPAIRED_DIR = join('.cache', 'repaired');

const gunzipAsync = promisify(gunzip);

export type LakeObjectProblemKind = 'unreadable' | 'invalid-text';

export interface LakeObjectProblem {
  /** unreadable: left out of every answer; invalid-text: read with U+FFFD in place of the bad text. */
  readonly kind: LakeObjectProblemKind;
  /** What is wrong, one line (`empty (0 bytes)`, `not gzip data (incorrect header check)`, ...). */
  readonly detail: string;
}

/** An event object as listed: where it is, with its size and modification time when it could be stat'ed. */
export interface ListedLakeObject {
  /** Path relative to the lake, `/`-separated: `events/dt=2026-11-27/<name>.gz`. */
  readonly path: string;
  readonly absolutePath: string;
  readonly size?: bigint;
  readonly mtimeNs?: bigint;
  /** Why it could not be stat'ed (a dangling link, no permission). */
  readonly statProblem?: string;
}

export interface LakeObject {
  /** Path relative to the lake, `/`-separated: `events/dt=2026-11-27/<name>.gz`. */
  readonly path: string;
  readonly absolutePath: string;
  /** The file DuckDB reads: the object itself, or its repaired copy. */
  readonly readPath: string;
  /** Size and modification time of the object (0 when it could not be stat'ed: then it is unreadable). */
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly problem?: LakeObjectProblem;
}

export interface LakeObjects {
  /** Every object listed, in the order given. */
  readonly objects: readonly LakeObject[];
  /** The objects DuckDB can read (unreadable ones left out). */
  readonly readable: readonly LakeObject[];
  readonly unreadable: readonly LakeObject[];
  /** Directories outside the lake that DuckDB must be allowed to read (a temporary copy directory). */
  readonly extraReadDirectories: readonly string[];
  /** Deletes the temporary copies, if any. */
  dispose(): void;
}

interface ManifestEntry {
  readonly size: string;
  readonly mtimeNs: string;
  readonly problem?: LakeObjectProblem;
}

/** A day directory's `.gz` entries, read at listedAtMs, when the directory's mtime was mtimeNs. */
interface RememberedDirectory {
  readonly mtimeNs: string;
  readonly listedAtMs: number;
  readonly names: readonly string[];
}

interface Manifest {
  readonly revision: number;
  readonly objects: Record<string, ManifestEntry>;
  /** By directory name under events/ (`dt=2026-11-27`). */
  readonly directories?: Record<string, RememberedDirectory>;
}

/**
 * Lists the lake's event objects (`<lake>/events/dt=<day>/*.gz`, what the lake glob of
 * lib/engines/lake-scan reads) and checks each one.
 * @param options.remember keep verdicts, listings and repaired copies in `<lake>/.cache` (false: write nothing to the lake)
 * @param options.reuse use what earlier opens remembered (default true; false lists and reads every object)
 */
export async function checkLakeObjects(lakeDir: string, options: { remember: boolean; reuse?: boolean }): Promise<LakeObjects> {
  const lake = resolve(lakeDir);
  const realLake = safeRealpath(lake) ?? lake;
  // Without the cache nothing is written, but what a cached open remembered still saves the reads.
  const manifest = options.reuse === false ? undefined : readManifest(lake);
  const listing = listLakeObjects(lake, manifest?.directories);
  const files = listing.objects;
  const entries: Record<string, ManifestEntry> = {};
  let tempDir: string | undefined;
  let changed = listing.changed;
  const temporaryCopy = (path: string): string => {
    tempDir ??= mkdtempSync(join(tmpdir(), 'freshlake-repaired-'));
    return join(tempDir, ...path.split('/'));
  };
  /** Writes a repaired copy (in the lake's cache, else in a temporary directory); returns its path. */
  const writeCopy = (path: string, repaired: Buffer): string => {
    const bytes = gzipSync(repaired, { level: 1 });
    if (options.remember) {
      const copy = join(lake, REPAIRED_DIR, ...path.split('/'));
      try {
        mkdirSync(dirname(copy), { recursive: true });
        writeFileSync(copy, bytes);
        return copy;
      } catch {
        // A read-only lake: a copy for this engine only.
      }
    }
    const copy = temporaryCopy(path);
    mkdirSync(dirname(copy), { recursive: true });
    writeFileSync(copy, bytes);
    return copy;
  };

  const checkOne = async (listed: ListedLakeObject): Promise<LakeObject> => {
    const { path, absolutePath } = listed;
    if (listed.size === undefined || listed.mtimeNs === undefined) {
      return { path, absolutePath, readPath: absolutePath, size: 0n, mtimeNs: 0n, problem: { kind: 'unreadable', detail: listed.statProblem ?? 'cannot be stat\'ed' } };
    }
    const stat = { size: listed.size, mtimeNs: listed.mtimeNs };
    const key = { size: String(stat.size), mtimeNs: String(stat.mtimeNs) };
    const known = manifest?.objects[path];
    if (known && known.size === key.size && known.mtimeNs === key.mtimeNs) {
      const rememberedCopy = known.problem?.kind === 'invalid-text' ? join(lake, REPAIRED_DIR, ...path.split('/')) : undefined;
      if (rememberedCopy === undefined || existsSync(rememberedCopy)) {
        entries[path] = known;
        return { path, absolutePath, readPath: rememberedCopy ?? absolutePath, ...stat, problem: known.problem };
      }
    }
    changed = true;
    const { problem, copy } = await inspect(absolutePath, realLake, (repaired) => writeCopy(path, repaired));
    entries[path] = { ...key, problem };
    return { path, absolutePath, readPath: copy ?? absolutePath, ...stat, problem };
  };

  const objects: LakeObject[] = new Array(files.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CHECK_CONCURRENCY, files.length) }, async () => {
      for (let i = next++; i < files.length; i = next++) objects[i] = await checkOne(files[i]);
    }),
  );
  if (options.remember && (changed || Object.keys(manifest?.objects ?? {}).length !== files.length)) {
    writeManifest(lake, { revision: CHECK_REVISION, objects: entries, directories: listing.directories });
  }
  return {
    objects,
    readable: objects.filter((o) => o.problem?.kind !== 'unreadable'),
    unreadable: objects.filter((o) => o.problem?.kind === 'unreadable'),
    extraReadDirectories: tempDir ? [tempDir] : [],
    dispose() {
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

/** Reads one object; has its repaired copy written when its text needs one. */
async function inspect(
  absolutePath: string,
  realLake: string,
  writeCopy: (repaired: Buffer) => string,
): Promise<{ problem?: LakeObjectProblem; copy?: string }> {
  const unreadable = (detail: string) => ({ problem: { kind: 'unreadable' as const, detail } });
  const real = safeRealpath(absolutePath);
  // The engine reads the lake and nothing else (issue 8 item 12): a symlink must not lead out.
  if (real === undefined || !(real === realLake || real.startsWith(realLake + sep))) return unreadable('a link to a file outside the lake');
  let text: Buffer;
  try {
    const compressed = await readFile(absolutePath);
    if (compressed.length === 0) return unreadable('empty (0 bytes)');
    text = await gunzipAsync(compressed);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'Z_DATA_ERROR') return unreadable(`not gzip data: ${describe(error)}`);
    if (code === 'Z_BUF_ERROR') return unreadable(`truncated gzip data: ${describe(error)}`);
    return unreadable(describe(error));
  }
  const repaired = repairJsonText(text);
  if (!repaired) return {};
  try {
    return { problem: INVALID_TEXT, copy: writeCopy(repaired) };
  } catch (error) {
    return unreadable(`text not valid UTF-8, and no repaired copy could be written: ${describe(error)}`);
  }
}

const INVALID_TEXT: LakeObjectProblem = { kind: 'invalid-text', detail: 'text not valid UTF-8 (read with U+FFFD in place of the bad bytes)' };

/**
 * A lone surrogate escape in a JSON string, or an escaped backslash (matched first, so `\\ud800`
 * stays plain text), or a valid high + low pair (kept).
 */
const SURROGATE_ESCAPES = /\\\\|\\u[dD][89abAB][0-9a-fA-F]{2}(?:\\u[dD][c-fC-F][0-9a-fA-F]{2})?|\\u[dD][c-fC-F][0-9a-fA-F]{2}/g;

/**
 * The JSON lines with invalid UTF-8 sequences and lone surrogate escapes replaced by U+FFFD (the
 * WHATWG decoder's replacement, one per maximal bad subsequence), or undefined when the text is
 * already valid: the common case costs one native UTF-8 check and a search for `\u`+`d`.
 */
export function repairJsonText(text: Buffer): Buffer | undefined {
  const validUtf8 = isUtf8(text);
  const mayHaveSurrogates = text.indexOf('\\ud') !== -1 || text.indexOf('\\uD') !== -1;
  if (validUtf8 && !mayHaveSurrogates) return undefined;
  let decoded = validUtf8 ? text.toString('utf8') : new TextDecoder('utf-8', { fatal: false }).decode(text);
  let surrogatesReplaced = false;
  if (mayHaveSurrogates) {
    decoded = decoded.replace(SURROGATE_ESCAPES, (escape) => {
      // An escaped backslash, or a pair: as written.
      if (escape === '\\\\' || escape.length === 12) return escape;
      surrogatesReplaced = true;
      return '\\ufffd';
    });
  }
  if (validUtf8 && !surrogatesReplaced) return undefined;
  return Buffer.from(decoded, 'utf8');
}

function readManifest(lake: string): Manifest | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(lake, MANIFEST_FILE), 'utf8')) as Manifest;
    return manifest.revision === CHECK_REVISION && typeof manifest.objects === 'object' ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/** Written whole under a temporary name, then renamed: a concurrent reader sees the old or the new one. */
function writeManifest(lake: string, manifest: Manifest): void {
  const file = join(lake, MANIFEST_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temporary, JSON.stringify(manifest));
    renameSync(temporary, file);
  } catch {
    // Only a memo: the next open checks again.
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Nothing was written (no cache directory).
    }
  }
}

function safeRealpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n', 1)[0].trim();
}

/**
 * The lake's event objects, `<lake>/events/dt=<day>/*.gz` (the lake glob of lib/engines/lake-scan:
 * files and links to files, hidden names included, directories left out), sorted by path, each
 * stat'ed. A day directory whose remembered names are still valid (see the module comment) is not
 * read again.
 */
function listLakeObjects(
  lake: string,
  remembered: Readonly<Record<string, RememberedDirectory>> = {},
): { objects: ListedLakeObject[]; directories: Record<string, RememberedDirectory>; changed: boolean } {
  const events = join(lake, EVENTS_PREFIX);
  const objects: ListedLakeObject[] = [];
  const directories: Record<string, RememberedDirectory> = {};
  let changed = false;
  const now = Date.now();
  const days = readdirSync(events, { withFileTypes: true })
    .filter((day) => day.name.startsWith(`${PARTITION_KEY}=`) && (day.isDirectory() || day.isSymbolicLink()))
    .map((day) => day.name)
    .sort();
  for (const day of days) {
    const dir = join(events, day);
    // A partition that cannot be listed is named like an unreadable object (its events are left
    // out of the answers), never skipped in silence.
    const unlisted = (problem: string) => objects.push({ path: `${EVENTS_PREFIX}${day}/`, absolutePath: dir, statProblem: `the partition directory cannot be read: ${problem}` });
    let dirStats;
    try {
      dirStats = statSync(dir, { bigint: true });
    } catch (error) {
      unlisted(describe(error));
      continue;
    }
    if (!dirStats.isDirectory()) continue;
    const mtimeNs = String(dirStats.mtimeNs);
    const known = remembered[day];
    let entry: RememberedDirectory;
    if (known && known.mtimeNs === mtimeNs && Number(dirStats.mtimeNs / 1_000_000n) < known.listedAtMs - LISTING_TRUST_MS) {
      entry = known;
    } else {
      let names: string[];
      try {
        names = readdirSync(dir, { withFileTypes: true })
          .filter((e) => e.name.endsWith(LAKE_OBJECT_EXTENSION) && !e.isDirectory())
          .map((e) => e.name)
          .sort();
      } catch (error) {
        unlisted(describe(error));
        continue;
      }
      entry = { mtimeNs, listedAtMs: now, names };
      changed = true;
    }
    directories[day] = entry;
    for (const name of entry.names) {
      // Plain concatenation: `dir` is resolved already, and join() would normalize every path again.
      const absolutePath = `${dir}${sep}${name}`;
      const path = `${EVENTS_PREFIX}${day}/${name}`;
      try {
        const stats = statSync(absolutePath, { bigint: true });
        if (stats.isDirectory()) continue;
        objects.push({ path, absolutePath, size: stats.size, mtimeNs: stats.mtimeNs });
      } catch (error) {
        objects.push({ path, absolutePath, statProblem: describe(error) });
      }
    }
  }
  if (Object.keys(remembered).length !== Object.keys(directories).length) changed = true;
  // Day directories come sorted by name; only a name that is a prefix of another (`dt=1`, `dt=1x`) sorts otherwise by path.
  if (!isSortedByPath(objects)) objects.sort(byPath);
  return { objects, directories, changed };
}

/** Orders lake objects by path (code units: the order DuckDB's glob and the cache use). */
export function byPath(a: { readonly path: string }, b: { readonly path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** True when the objects are in path order (the digest and the cache's loads rely on it). */
export function isSortedByPath(objects: readonly { readonly path: string }[]): boolean {
  for (let i = 1; i < objects.length; i++) if (objects[i - 1].path > objects[i].path) return false;
  return true;
}
