#!/usr/bin/env node
// Launcher for the TypeScript CLI: tsx compiles on the fly (esbuild), so a fresh clone runs
// `npx freshlake` without a build step and never runs stale compiled output.
require('tsx/cjs');
require('./freshlake.ts');
