/**
 * Where the freshlake package's files are at run time: the package root holds package.json and
 * queries/; the compiled build mirrors the sources under dist/ (dist/lib/... for lib/...).
 */
import { join } from 'node:path';

/** True when this runs as the compiled package (dist/), false from the TypeScript sources. */
export const RUNNING_COMPILED = __filename.endsWith('.js');

/**
 * The package root: the directory with package.json, queries/ and (when built) dist/. Compiled
 * modules are two levels below it (dist/lib/x.js), and so is the CLI bundle (dist/bin/freshlake.js)
 * that includes this module.
 */
export const PACKAGE_ROOT = RUNNING_COMPILED ? join(__dirname, '..', '..') : join(__dirname, '..');
