/**
 * The sync checkpoint: where the next `freshlake sync` of each ticket list starts, kept in the
 * lake (`sync/freshdesk-checkpoint.json` in the local lake directory or the data bucket).
 *
 * `updatedSince` means "a crawl started at updated_since = this value loses nothing": every
 * ticket version updated before it is durably in the lake. It is written only after the records
 * before it are durable (lake objects fsync'd and renamed, or accepted by Firehose), so a sync
 * killed at any point resumes from the last checkpoint without loss; what it writes twice has the
 * same event ids and the views remove the copies.
 *
 * The next run starts `overlapSeconds` earlier (updated_since has second precision, and a ticket
 * saved in the same second as the last list request may not have been visible yet). `recent`
 * holds the versions already synced inside that overlap, so re-reading them writes nothing and
 * they count as unchanged.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { InputError } from '../errors';
import { writeFileAtomically } from '../local/lake-writer';
import { CHECKPOINT_KEY } from './names';
import type { TicketListFilter } from './ticket-crawl';

export { CHECKPOINT_KEY, DEFAULT_OVERLAP_SECONDS } from './names';

export const CHECKPOINT_VERSION = 1;

export interface ListCheckpoint {
  /** ISO-8601 second: the next crawl of this list may start here (minus the overlap). */
  readonly updatedSince: string;
  /**
   * Tie blocks (ISO-8601 seconds) an interrupted crawl paged by offset: the resumed crawl reads
   * them again, since a ticket may have shifted past a page boundary there (./ticket-crawl).
   */
  readonly tieBlocks?: readonly string[];
  /** Versions synced at or after updatedSince - overlap: [ticket id, updated_at]. */
  readonly recent?: readonly (readonly [number, string])[];
}

export interface SyncCheckpoint {
  readonly version: typeof CHECKPOINT_VERSION;
  /** The account's API origin (e.g. https://acme.freshdesk.com): a checkpoint belongs to one account. */
  readonly account: string;
  readonly lists: Partial<Record<TicketListFilter, ListCheckpoint>>;
  /** When the last complete sync ended (absent while the first one is still running). */
  readonly completedAt?: string;
  /** When this checkpoint was written. */
  readonly writtenAt: string;
}

export function encodeCheckpoint(checkpoint: SyncCheckpoint): Buffer {
  return Buffer.from(`${JSON.stringify(checkpoint, null, 2)}\n`);
}

/**
 * Reads a checkpoint's JSON.
 * @throws InputError when it is not a checkpoint this version wrote (say where and what to do)
 */
export function decodeCheckpoint(text: string, where: string): SyncCheckpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError(`The sync checkpoint ${where} is not valid JSON: delete it to sync again from --since (re-synced tickets are deduplicated).`);
  }
  const c = value as Partial<SyncCheckpoint>;
  const listsOk =
    typeof c?.lists === 'object' &&
    c.lists !== null &&
    Object.entries(c.lists).every(([name, list]) => ['default', 'spam', 'deleted'].includes(name) && typeof list?.updatedSince === 'string' && Number.isFinite(Date.parse(list.updatedSince)));
  if (c?.version !== CHECKPOINT_VERSION || typeof c.account !== 'string' || !listsOk) {
    throw new InputError(`The sync checkpoint ${where} is not one this freshlake version reads: delete it to sync again from --since (re-synced tickets are deduplicated).`);
  }
  return c as SyncCheckpoint;
}

/** Where a list's next crawl starts: the checkpoint minus the overlap, or `since` on a first sync. */
export function crawlStart(list: ListCheckpoint | undefined, since: string, overlapSeconds: number): string {
  if (!list) return since;
  const ms = Date.parse(list.updatedSince) - overlapSeconds * 1000;
  return new Date(Math.max(ms, 0)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The checkpoint's overlap versions, as the crawl's `known` map (id -> updated_at ms). */
export function knownVersions(checkpoint: SyncCheckpoint | undefined): Map<number, number> {
  const known = new Map<number, number>();
  for (const list of Object.values(checkpoint?.lists ?? {})) {
    for (const [id, updatedAt] of list?.recent ?? []) {
      const ms = Date.parse(updatedAt);
      if (Number.isFinite(ms) && (known.get(id) ?? -Infinity) < ms) known.set(id, ms);
    }
  }
  return known;
}

/** Reads `<lakeDir>/sync/freshdesk-checkpoint.json`; undefined when there is none yet. */
export async function readLocalCheckpoint(lakeDir: string): Promise<SyncCheckpoint | undefined> {
  const path = join(lakeDir, CHECKPOINT_KEY);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(`Cannot read the sync checkpoint ${path}: ${(error as Error).message}`);
  }
  return decodeCheckpoint(text, path);
}

/** Replaces the local checkpoint atomically (temporary file, fsync, rename). */
export async function writeLocalCheckpoint(lakeDir: string, checkpoint: SyncCheckpoint): Promise<void> {
  const path = join(lakeDir, CHECKPOINT_KEY);
  await writeFileAtomically(dirname(path), basename(path), encodeCheckpoint(checkpoint));
}
