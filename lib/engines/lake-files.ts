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
 */
import { isUtf8 } from 'node:buffer';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzipSync } from 'node:zlib';
import { EVENTS_PREFIX, LAKE_OBJECT_EXTENSION, PARTITION_KEY } from '../lake-layout';

/** Bump when the checks or the repair change: remembered verdicts and copies are then redone. */
const CHECK_REVISION = 1;
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

export interface LakeObject {
  /** Path relative to the lake, `/`-separated: `events/dt=2026-11-27/<name>.gz`. */
  readonly path: string;
  readonly absolutePath: string;
  /** The file DuckDB reads: the object itself, or its repaired copy. */
  readonly readPath: string;
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

interface Manifest {
  readonly revision: number;
  readonly objects: Record<string, ManifestEntry>;
}

/**
 * Checks the lake's event objects (absolute paths, as the lake glob lists them).
 * @param options.remember keep verdicts and repaired copies in `<lake>/.cache` (false: write nothing to the lake)
 * @param options.reuse use the verdicts remembered by earlier opens (default true; false reads every object)
 */
export async function checkLakeObjects(lakeDir: string, files: readonly string[], options: { remember: boolean; reuse?: boolean }): Promise<LakeObjects> {
  const lake = resolve(lakeDir);
  const realLake = safeRealpath(lake) ?? lake;
  // Without the cache nothing is written, but what a cached open remembered still saves the reads.
  const manifest = options.reuse === false ? undefined : readManifest(lake);
  const entries: Record<string, ManifestEntry> = {};
  let tempDir: string | undefined;
  let changed = false;
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

  const checkOne = async (absolutePath: string): Promise<LakeObject> => {
    const path = relative(lake, absolutePath).split(sep).join('/');
    let stats;
    try {
      stats = statSync(absolutePath, { bigint: true });
    } catch (error) {
      return { path, absolutePath, readPath: absolutePath, problem: { kind: 'unreadable', detail: describe(error) } };
    }
    const key = { size: String(stats.size), mtimeNs: String(stats.mtimeNs) };
    const known = manifest?.objects[path];
    const rememberedCopy = join(lake, REPAIRED_DIR, ...path.split('/'));
    if (known && known.size === key.size && known.mtimeNs === key.mtimeNs && (known.problem?.kind !== 'invalid-text' || existsSync(rememberedCopy))) {
      entries[path] = known;
      return { path, absolutePath, readPath: known.problem?.kind === 'invalid-text' ? rememberedCopy : absolutePath, problem: known.problem };
    }
    changed = true;
    const { problem, copy } = await inspect(absolutePath, realLake, (repaired) => writeCopy(path, repaired));
    entries[path] = { ...key, problem };
    return { path, absolutePath, readPath: copy ?? absolutePath, problem };
  };

  const objects: LakeObject[] = new Array(files.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CHECK_CONCURRENCY, files.length) }, async () => {
      for (let i = next++; i < files.length; i = next++) objects[i] = await checkOne(files[i]);
    }),
  );
  if (options.remember && (changed || Object.keys(manifest?.objects ?? {}).length !== files.length)) writeManifest(lake, { revision: CHECK_REVISION, objects: entries });
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
 * The lake's event objects, `<lake>/events/dt=<day>/*.gz` (the lake glob of lib/engines/lake-scan),
 * listed without DuckDB, sorted by path.
 */
export function listLakeObjects(lakeDir: string): string[] {
  const events = join(resolve(lakeDir), EVENTS_PREFIX);
  const out: string[] = [];
  for (const day of readdirSync(events, { withFileTypes: true })) {
    if (!day.name.startsWith(`${PARTITION_KEY}=`) || !(day.isDirectory() || day.isSymbolicLink())) continue;
    let names: string[];
    try {
      names = readdirSync(join(events, day.name));
    } catch {
      continue;
    }
    for (const name of names) if (name.endsWith(LAKE_OBJECT_EXTENSION)) out.push(join(events, day.name, name));
  }
  return out.sort();
}
