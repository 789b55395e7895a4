/**
 * The test suite's own time limits (test/setup/time-limits.ts): a hang must fail the run within
 * minutes, never stall CI. Runs vitest on deliberately hanging fixtures with short limits.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..');
const vitestBin = path.join(root, 'node_modules', 'vitest', 'vitest.mjs');
const config = path.join(root, 'test', 'fixtures', 'hang', 'vitest.hang.config.ts');

function runHangingFixture(file: string, env: Record<string, string>) {
  const started = Date.now();
  const result = spawnSync(process.execPath, [vitestBin, 'run', '--config', config, file], {
    cwd: root,
    env: { ...process.env, ...env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { ...result, seconds: (Date.now() - started) / 1000, output: `${result.stdout}${result.stderr}` };
}

describe('test time limits', () => {
  it('fails a test file that blocks the event loop, after the file limit, instead of hanging', () => {
    const run = runHangingFixture('blocked-event-loop', { FRESHLAKE_TEST_FILE_LIMIT_MS: '3000' });
    expect(run.error, 'vitest itself hung').toBeUndefined();
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/ran longer than 3 s; killing it/);
  });

  it('fails a property that runs past the time limit, and prints the seed that replays it', () => {
    const run = runHangingFixture('endless-property', { FC_TIME_LIMIT_MS: '2000' });
    expect(run.error, 'vitest itself hung').toBeUndefined();
    expect(run.status).not.toBe(0);
    expect(run.output).toMatch(/interrupted/i);
    expect(run.output).toMatch(/seed: -?\d+/);
  });
});
