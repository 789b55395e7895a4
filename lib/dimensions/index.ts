/**
 * Dimension tables: the account's names and definitions as small snapshots in the lake
 * (`dimensions/<name>/<name>.gz`). Definitions in ./tables, API objects to rows in ./rows, the
 * snapshot object and the local writer in ./snapshot-file.
 */
export * from './tables';
export * from './rows';
export * from './snapshot-file';
