#!/usr/bin/env node
'use strict';
/**
 * `npm run build` (also the `prepare` script, so `npm ci`, `npm install` and `npm pack` run it):
 *
 * 1. tsc -p tsconfig.build.json: bin/, lib/ and lambda/ compiled to JavaScript with .d.ts files
 *    (the package's typed `exports`, and the CLI that bin/freshlake.js runs).
 * 2. esbuild: the CLI (dist/bin/freshlake.js and everything of lib/ it reaches) bundled into that
 *    one file, packages left external: one file to read and compile at start-up instead of ~80.
 *    Modules the commands import lazily (`await import()`, compiled to require()) stay lazy: the
 *    bundle evaluates them on first use only. @duckdb/node-api (pure JavaScript, 180 files over
 *    the native @duckdb/node-bindings) is bundled on its own into dist/bin/duckdb-node-api.js,
 *    which the CLI loads when a command opens the local engine: ~700 module loads become one.
 * 3. esbuild: each Lambda handler lambda/<name>/index.ts bundled alone into
 *    lambda-bundles/<name>/index.js, with the options NodejsFunction uses in the constructs
 *    (lib/constructs/lambda-code.ts), so an installed package deploys them with Code.fromAsset and
 *    needs neither esbuild nor Docker.
 * 4. build-info.json: when this build started. bin/freshlake.js runs the build only when no
 *    source changed since then (an edit during the build makes it stale, as it should).
 *
 * Everything is written to a fresh directory that then replaces dist/ in one rename, so a CLI
 * started meanwhile sees the old complete build or the new one, never half of each, and files of
 * deleted sources do not linger.
 */
const { spawnSync } = require('node:child_process');
const { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const DIST = join(ROOT, 'dist');
const LAMBDA_DIR = join(ROOT, 'lambda');

async function main() {
  const startedAtMs = Date.now();
  const out = mkdtempSync(join(ROOT, '.dist-build-'));
  try {
    compile(out);
    await bundleCli(out);
    const bundles = bundleLambdas(join(out, 'lambda-bundles'), out);
    writeFileSync(join(out, 'build-info.json'), `${JSON.stringify({ startedAtMs, lambdaBundles: bundles }, null, 2)}\n`);
    replaceDist(out);
  } catch (error) {
    rmSync(out, { recursive: true, force: true });
    console.error(`build failed: ${error.message}`);
    process.exitCode = 1;
    return;
  }
  console.error(`build: dist/ (compiled CLI and constructs, ${readdirSync(join(DIST, 'lambda-bundles')).length} Lambda bundle(s)) in ${((Date.now() - startedAtMs) / 1000).toFixed(1)} s`);
}

function compile(out) {
  const tsc = require.resolve('typescript/bin/tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out], { cwd: ROOT, stdio: 'inherit' });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error('tsc reported errors (above); fix them and run "npm run build" again');
}

const DUCKDB_API_BUNDLE = 'duckdb-node-api.js';

async function bundleCli(out) {
  const esbuild = require('esbuild');
  const entry = join(out, 'bin', 'freshlake.js');
  esbuild.buildSync({
    entryPoints: [entry],
    outfile: entry,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    // Less to read and parse at every start; identifiers stay, so --debug stack traces read well.
    minifyWhitespace: true,
    minifySyntax: true,
    // Resolved by esbuild's resolver before `packages: 'external'` applies: the one-file copy.
    alias: { '@duckdb/node-api': `./${DUCKDB_API_BUNDLE}` },
    external: [`./${DUCKDB_API_BUNDLE}`],
    logLevel: 'warning',
  });
  // The native bindings stay where npm installed them for @duckdb/node-api (hoisted or nested).
  const nativeBindings =
    "module.exports = require(require.resolve('@duckdb/node-bindings', { paths: [require('node:path').dirname(require.resolve('@duckdb/node-api/package.json'))] }));";
  await esbuild.build({
    entryPoints: [require.resolve('@duckdb/node-api', { paths: [ROOT] })],
    outfile: join(out, 'bin', DUCKDB_API_BUNDLE),
    external: ['@duckdb/node-api/package.json'],
    minifyWhitespace: true,
    minifySyntax: true,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'warning',
    plugins: [
      {
        name: 'duckdb-native-bindings',
        setup(build) {
          build.onResolve({ filter: /^@duckdb\/node-bindings$/ }, () => ({ path: 'native-bindings', namespace: 'duckdb-native' }));
          build.onLoad({ filter: /.*/, namespace: 'duckdb-native' }, () => ({ contents: nativeBindings, loader: 'js' }));
        },
      },
    ],
  });
}

function bundleLambdas(out, compiled) {
  const esbuild = require('esbuild');
  // The options NodejsFunction gets in the constructs, from the module that defines them.
  const { LAMBDA_BUNDLING } = require(join(compiled, 'lib', 'constructs', 'lambda-code.js'));
  const names = readdirSync(LAMBDA_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(LAMBDA_DIR, entry.name, 'index.ts')))
    .map((entry) => entry.name)
    .sort();
  for (const name of names) {
    esbuild.buildSync({
      entryPoints: [join(LAMBDA_DIR, name, 'index.ts')],
      outfile: join(out, name, 'index.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: LAMBDA_BUNDLING.target,
      minify: LAMBDA_BUNDLING.minify,
      sourcemap: LAMBDA_BUNDLING.sourceMap,
      external: [...LAMBDA_BUNDLING.externalModules],
      logLevel: 'warning',
    });
  }
  return names;
}

function replaceDist(out) {
  // Another build may swap its dist/ in between the two renames: then set that one aside too.
  for (let attempt = 0; ; attempt++) {
    const old = `${DIST}.old-${process.pid}-${attempt}`;
    try {
      if (existsSync(DIST)) renameSync(DIST, old);
      renameSync(out, DIST);
      rmSync(old, { recursive: true, force: true });
      return;
    } catch (error) {
      // Never leave no build at all: the previous one goes back unless another build's took its place.
      if (existsSync(old)) {
        if (existsSync(DIST)) rmSync(old, { recursive: true, force: true });
        else renameSync(old, DIST);
      }
      if (attempt >= 3 || !['ENOTEMPTY', 'EEXIST', 'ENOENT'].includes(error.code)) throw error;
    }
  }
}

main().catch((error) => {
  console.error(`build failed: ${error.message}`);
  process.exitCode = 1;
});
