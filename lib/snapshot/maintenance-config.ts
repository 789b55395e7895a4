/**
 * The configuration of the snapshot's maintenance Lambda: the environment variables the construct
 * (lib/constructs/latest-state-snapshot) sets and the handler (lambda/snapshot-maintenance) reads.
 * No imports: the CDK app loads this without the AWS SDK.
 */
export interface LatestStateMaintenanceConfig {
  /** The lake's data bucket (`events/dt=.../*.gz`). */
  readonly bucket: string;
  /** Glue database of `ticket_events`, the views and the snapshot table. */
  readonly database: string;
  readonly workGroup: string;
  /** S3 URI of the Iceberg table's location (a prefix of its own: VACUUM deletes files it does not know there). */
  readonly snapshotLocation: string;
  /** Bucket and key of the watermark object (outside the table's location). */
  readonly stateBucket: string;
  readonly stateKey: string;
  /** Days before the watermark's day that the view still reads from the raw events. */
  readonly lookbackDays: number;
  /** Objects that arrived this long before the watermark are listed (and merged) again. */
  readonly overlapMinutes: number;
}

/** Environment variable of each setting. */
export const MAINTENANCE_ENV: Readonly<Record<keyof LatestStateMaintenanceConfig, string>> = {
  bucket: 'FRESHLAKE_DATA_BUCKET',
  database: 'FRESHLAKE_DATABASE',
  workGroup: 'FRESHLAKE_WORKGROUP',
  snapshotLocation: 'FRESHLAKE_SNAPSHOT_LOCATION',
  stateBucket: 'FRESHLAKE_SNAPSHOT_STATE_BUCKET',
  stateKey: 'FRESHLAKE_SNAPSHOT_STATE_KEY',
  lookbackDays: 'FRESHLAKE_SNAPSHOT_LOOKBACK_DAYS',
  overlapMinutes: 'FRESHLAKE_SNAPSHOT_OVERLAP_MINUTES',
};

/** @throws Error naming the variable that is missing or not a whole number */
export function maintenanceConfigFromEnvironment(env: Readonly<Record<string, string | undefined>>): LatestStateMaintenanceConfig {
  const text = (key: keyof LatestStateMaintenanceConfig) => {
    const value = env[MAINTENANCE_ENV[key]];
    if (!value) throw new Error(`${MAINTENANCE_ENV[key]} is not set: the function is configured by the LatestStateSnapshot construct.`);
    return value;
  };
  const whole = (key: 'lookbackDays' | 'overlapMinutes') => {
    const value = Number(text(key));
    if (!Number.isInteger(value) || value < 0) throw new Error(`${MAINTENANCE_ENV[key]} must be a whole number >= 0, got "${env[MAINTENANCE_ENV[key]]}".`);
    return value;
  };
  return {
    bucket: text('bucket'),
    database: text('database'),
    workGroup: text('workGroup'),
    snapshotLocation: text('snapshotLocation'),
    stateBucket: text('stateBucket'),
    stateKey: text('stateKey'),
    lookbackDays: whole('lookbackDays'),
    overlapMinutes: whole('overlapMinutes'),
  };
}
