'use strict';
/**
 * Is the compiled build in dist/ current? Used by the launcher (bin/freshlake.js), the CLI
 * start-up benchmark and the tests; plain JavaScript because it runs before anything is compiled.
 *
 * dist/build-info.json records when the build started (scripts/build.js). The build is stale when
 * any .ts file under bin/, lib/ or lambda/, a tsconfig, package.json or the build script changed
 * since then. An installed package has no TypeScript sources, so only a checkout is checked.
 */
const { existsSync, readFileSync, readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');

const SOURCE_DIRS = ['bin', 'lib', 'lambda'];
const SOURCE_FILES = ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.js'];

/** True in a checkout of the repository (the TypeScript sources are there), false in an installed package. */
function isSourceCheckout(root) {
  return existsSync(join(root, 'lib', 'cli', 'program.ts'));
}

/** When the build in <root>/dist started (ms since the epoch), or undefined without a complete build. */
function buildStartedAt(root) {
  try {
    const info = JSON.parse(readFileSync(join(root, 'dist', 'build-info.json'), 'utf8'));
    return typeof info.startedAtMs === 'number' ? info.startedAtMs : undefined;
  } catch {
    return undefined;
  }
}

/** The first source file changed at or after `since` (ms), or undefined when none is. */
function sourceChangedSince(root, since) {
  for (const file of SOURCE_FILES) {
    const path = join(root, file);
    if (existsSync(path) && statSync(path).mtimeMs >= since) return path;
  }
  const pending = SOURCE_DIRS.map((dir) => join(root, dir));
  while (pending.length > 0) {
    const dir = pending.pop();
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // a source folder that does not exist has nothing newer
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules') pending.push(path);
      } else if (entry.name.endsWith('.ts') && statSync(path).mtimeMs >= since) {
        return path;
      }
    }
  }
  return undefined;
}

/** Why the build in <root>/dist must not run (one phrase), or undefined when it is current. */
function staleBuildReason(root) {
  const startedAt = buildStartedAt(root);
  if (startedAt === undefined) return 'there is no complete build in dist/';
  const changed = sourceChangedSince(root, startedAt);
  return changed === undefined ? undefined : `${relative(root, changed)} changed after the last build`;
}

module.exports = { isSourceCheckout, staleBuildReason };
