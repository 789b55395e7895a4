/**
 * The chart library, read from node_modules and inlined into the report so the file opens with no
 * network at all: d3 (Plot's only runtime dependency, as its UMD bundle) and Observable Plot's UMD
 * bundle, which finds d3 as a global. Their packages export these files only under the "umd"
 * condition, so the paths are found next to each package's resolvable entry point.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface ChartLibrary {
  /** Script texts, in load order. */
  readonly scripts: readonly { readonly name: string; readonly text: string }[];
}

let cached: ChartLibrary | undefined;

export function chartLibrary(): ChartLibrary {
  if (cached) return cached;
  // Plot's entry is src/index.js with dist/ beside src/; d3's is dist/d3.mjs. d3 is resolved from
  // Plot's folder: the copy Plot depends on, wherever npm placed it.
  const plotEntry = require.resolve('@observablehq/plot');
  const plotFile = join(dirname(plotEntry), '..', 'dist', 'plot.umd.min.js');
  const d3File = join(dirname(require.resolve('d3', { paths: [dirname(plotEntry)] })), 'd3.min.js');
  cached = {
    scripts: [
      { name: 'd3', text: readFileSync(d3File, 'utf8') },
      { name: '@observablehq/plot', text: readFileSync(plotFile, 'utf8') },
    ],
  };
  return cached;
}

/** Text safe inside a <script> element (a library never contains "</script", but a check costs nothing). */
export function inlineScriptText(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1');
}
