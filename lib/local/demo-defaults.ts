/** Defaults of the demo (lib/local/demo.ts), kept apart so the CLI's option help does not load the demo. */

/** The demo's lake, relative to the working directory: never the default lake (.freshlake/lake). */
export const DEFAULT_DEMO_LAKE_DIR = '.freshlake/demo-lake';
