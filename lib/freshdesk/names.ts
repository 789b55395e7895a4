/**
 * Names and defaults of the sync that the CLI's options and help text show. No dependencies, so
 * `freshlake --help` loads nothing else of the sync.
 */

/** Key of the sync checkpoint, relative to the lake directory or the bucket. */
export const CHECKPOINT_KEY = 'sync/freshdesk-checkpoint.json';

/** Overlap of an incremental or resumed crawl before the checkpoint, seconds. */
export const DEFAULT_OVERLAP_SECONDS = 60;

/** Envelope `source` of snapshots when none is given (a stack's sync uses its partner event source name). */
export const LOCAL_SNAPSHOT_SOURCE = 'freshlake.sync';
