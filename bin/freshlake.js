#!/usr/bin/env node
'use strict';
/**
 * Launcher of the freshlake CLI.
 *
 * Runs the compiled CLI, dist/bin/freshlake.js: `npm run build` writes it, and `npm ci` /
 * `npm install` / `npm pack` run the build as the `prepare` script. An installed package has only
 * the compiled CLI, so it starts at once, with nothing compiled at run time.
 *
 * In a source checkout (lib/ holds the TypeScript), the build is used only when no source changed
 * since it started (bin/build-state.js). Otherwise the sources run through tsx instead (slower
 * start, same behaviour), so an edit is never answered by old compiled code; on a terminal it
 * says so, with the command that makes it fast.
 */
const { join } = require('node:path');
const { isSourceCheckout, staleBuildReason } = require('./build-state');

const ROOT = join(__dirname, '..');

/** Runs bin/freshlake.ts through tsx (CommonJS and ESM hooks, so lazy import() of .ts works). */
function runSources(reason) {
  if (process.stderr.isTTY) {
    process.stderr.write(`freshlake: running the TypeScript sources (${reason}); "npm run build" makes the CLI start fast.\n`);
  }
  let esmApi;
  try {
    require.resolve('tsx/cjs');
    esmApi = import('tsx/esm/api');
  } catch {
    process.stderr.write(`freshlake: ${reason}, and tsx is not installed to run the sources: run "npm ci" (it builds), or "npm run build".\n`);
    process.exit(1);
  }
  esmApi
    .then((tsx) => {
      tsx.register();
      require('tsx/cjs');
      require('./freshlake.ts');
    })
    .catch((error) => {
      process.stderr.write(`freshlake: could not run the sources through tsx (${error.message}): run "npm run build".\n`);
      process.exit(1);
    });
}

const reason = isSourceCheckout(ROOT) ? staleBuildReason(ROOT) : undefined;
if (reason === undefined) {
  // Node 22.1+: V8 keeps the compiled code of the bundle between runs (in the OS temp directory).
  require('node:module').enableCompileCache?.();
  require(join(ROOT, 'dist', 'bin', 'freshlake.js'));
} else {
  runSources(reason);
}
