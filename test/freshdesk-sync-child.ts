/**
 * A sync in a process of its own, for the kill -9 test (test/freshdesk-sync.test.ts):
 * `tsx test/freshdesk-sync-child.ts <base-url> <lake-dir>`. Checkpoints often, so the kill lands
 * between checkpoints with records buffered and objects being written.
 */
import { runSync } from '../lib/freshdesk/sync';
import { LocalLakeSink } from '../lib/freshdesk/lake-sink';

const [baseUrl, lakeDir] = process.argv.slice(2);
runSync({ client: { baseUrl, apiKey: 'test-key' }, sink: new LocalLakeSink({ lakeDir }), checkpointEveryTickets: 300, checkpointEveryMs: 0 })
  .then((summary) => process.stdout.write(`${JSON.stringify({ done: true, calls: summary.calls })}\n`))
  .catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  });
