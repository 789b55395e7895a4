/**
 * The scheduled sync's configuration: environment variables the construct
 * (lib/constructs/scheduled-sync.ts) sets and the handler (./index.ts) reads. One definition of the
 * names, so the two cannot drift apart.
 */

/** Environment variable names of the sync function. */
export const SYNC_ENV = {
  /** API base, `https://<domain>.freshdesk.com`. */
  freshdeskUrl: 'FRESHLAKE_FRESHDESK_URL',
  /** ARN of the Secrets Manager secret that holds the API key. */
  apiKeySecretArn: 'FRESHLAKE_API_KEY_SECRET_ARN',
  /** The stack's Firehose stream (ticket snapshots go through it, like events). */
  deliveryStreamName: 'FRESHLAKE_DELIVERY_STREAM',
  /** The data bucket (dimension snapshots, the checkpoint). */
  dataBucketName: 'FRESHLAKE_DATA_BUCKET',
  /** Envelope `source` of the snapshots: the stack's partner event source name. */
  snapshotSource: 'FRESHLAKE_SNAPSHOT_SOURCE',
  /** Optional ISO-8601 start of the first sync (default: the whole history). */
  since: 'FRESHLAKE_SYNC_SINCE',
} as const;

/** What the handler needs, read from the environment. */
export interface ScheduledSyncConfig {
  readonly freshdeskUrl: string;
  readonly apiKeySecretArn: string;
  readonly deliveryStreamName: string;
  readonly dataBucketName: string;
  readonly snapshotSource: string;
  readonly since?: string;
}

/**
 * Reads the configuration.
 * @throws Error naming every missing variable (a deployment fault: the construct sets them all)
 */
export function scheduledSyncConfig(env: Readonly<Record<string, string | undefined>>): ScheduledSyncConfig {
  const required = ['freshdeskUrl', 'apiKeySecretArn', 'deliveryStreamName', 'dataBucketName', 'snapshotSource'] as const;
  const missing = required.filter((key) => !env[SYNC_ENV[key]]);
  if (missing.length > 0) {
    throw new Error(`The sync function lacks ${missing.map((key) => SYNC_ENV[key]).join(', ')}: deploy it with the ScheduledSync construct, which sets them.`);
  }
  const since = env[SYNC_ENV.since] || undefined;
  return {
    freshdeskUrl: env[SYNC_ENV.freshdeskUrl]!,
    apiKeySecretArn: env[SYNC_ENV.apiKeySecretArn]!,
    deliveryStreamName: env[SYNC_ENV.deliveryStreamName]!,
    dataBucketName: env[SYNC_ENV.dataBucketName]!,
    snapshotSource: env[SYNC_ENV.snapshotSource]!,
    ...(since ? { since } : {}),
  };
}

/**
 * The API key from the secret's value: the key itself, or a JSON object with an `apiKey` member
 * (the shape `aws secretsmanager create-secret --secret-string '{"apiKey":"..."}'` gives).
 * @throws Error (without the value) when the secret holds neither
 */
export function apiKeyOfSecret(secretString: string | undefined): string {
  const text = secretString?.trim() ?? '';
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error('The API key secret holds text that starts like JSON but is not: store the key alone, or {"apiKey": "<key>"}.');
    }
    const key = (parsed as { apiKey?: unknown }).apiKey;
    if (typeof key !== 'string' || key.trim() === '') throw new Error('The API key secret is a JSON object without a non-empty "apiKey" string: store {"apiKey": "<key>"} or the key alone.');
    return key.trim();
  }
  if (text === '') throw new Error('The API key secret is empty (or binary): store the Freshdesk API key as its secret string.');
  return text;
}
