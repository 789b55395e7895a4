/**
 * The latest-state snapshot's scheduled maintenance (lib/constructs/latest-state-snapshot): runs
 * lib/snapshot/athena-maintenance with the stack's names from the environment. The schedules send
 * `{ "action": "merge" }` (hourly) or `{ "action": "optimize" }` (daily). Logs counts and ids only.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { S3Client } from '@aws-sdk/client-s3';
import { runLatestStateMaintenance, type MaintenanceSummary } from '../../lib/snapshot/athena-maintenance';
import { maintenanceConfigFromEnvironment } from '../../lib/snapshot/maintenance-config';

const clients = { athena: new AthenaClient({}), s3: new S3Client({}) };

export async function handler(event: { readonly action?: string } | undefined): Promise<MaintenanceSummary> {
  const action = event?.action ?? 'merge';
  if (action !== 'merge' && action !== 'optimize') throw new Error(`Unknown action "${action}": send {"action": "merge"} or {"action": "optimize"}.`);
  const summary = await runLatestStateMaintenance(clients, maintenanceConfigFromEnvironment(process.env), action);
  const { objectsMerged, fullMerge, watermark, viewFromDay, queries } = summary;
  console.log(JSON.stringify({ action, objectsMerged, fullMerge, watermark, viewFromDay, queries }));
  return summary;
}
