/**
 * freshlake as people install it: `npm pack` on a copy of this checkout (which runs the `prepare`
 * build, as publishing or a git install would), the tarball unpacked into a fresh CDK app's
 * node_modules, and then:
 *
 * - a TypeScript CDK app that imports FreshdeskLake from 'freshlake' type-checks against the
 *   shipped .d.ts (package.json `exports`/`types`) and synthesizes offline; the transform Lambda
 *   is the prebuilt bundle (no esbuild, no Docker in the app), and that bundle loads;
 * - the `freshlake` bin runs the compiled CLI: --version, the shipped saved queries, a saved
 *   question on DuckDB; `--help` and `queries` load neither the AWS SDK nor DuckDB;
 * - in the source copy, the launcher runs the build while it is current and the TypeScript
 *   sources (tsx) once a source is newer than the build.
 *
 * Offline: npm would fetch the dependencies from the registry, so the app's node_modules links
 * exactly the packages freshlake declares (dependencies and peer dependencies) to this checkout's
 * installed copies. A module the package needs but does not declare fails to resolve here, as it
 * would for a user.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, emptyLakeDir, tempDir } from './cli-harness';


interface PackageJson {
  name: string;
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

let work: string;
let source: string;
let app: string;
let installed: string;
let manifest: PackageJson;

function run(command: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    timeout: 180_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return result;
}

function expectSuccess(result: SpawnSyncReturns<string>, what: string): SpawnSyncReturns<string> {
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

/**
 * Lists, on stderr at exit, the AWS SDK, DuckDB and tsx modules the process loaded: from
 * require.cache, so a module reached through any path (the CLI bundle's one-file copy of
 * @duckdb/node-api, the native bindings by absolute path) counts. Labels are package names.
 */
function writeLoadRecorder(dir: string): string {
  const path = join(dir, 'record-loads.js');
  writeFileSync(
    path,
    `process.on('exit', () => {
  const seen = new Set();
  for (const file of Object.keys(require.cache)) {
    const pkg = /[\\\\/]node_modules[\\\\/]((?:@aws-sdk|@smithy|@duckdb)[\\\\/][^\\\\/]+|tsx)[\\\\/]/.exec(file);
    if (pkg) seen.add(pkg[1].replace(/\\\\/g, '/'));
    else if (/[\\\\/]duckdb-node-api\\.js$/.test(file)) seen.add('@duckdb/node-api');
  }
  require('node:fs').writeSync(2, 'LOADED ' + JSON.stringify([...seen].sort()) + '\\n');
});
`,
  );
  return path;
}

/** Lists, on stderr at exit, the source files (relative to `root`) and packages the process loaded. */
function writeSourceRecorder(dir: string, root: string): string {
  const path = join(dir, 'record-sources.js');
  writeFileSync(
    path,
    `process.on('exit', () => {
  const root = ${JSON.stringify(root + '/')};
  const seen = new Set();
  for (const file of Object.keys(require.cache)) {
    const pkg = /[\\\\/]node_modules[\\\\/]((?:@[^\\\\/]+[\\\\/])?[^\\\\/]+)[\\\\/]/.exec(file);
    if (pkg) seen.add(pkg[1]);
    else if (file.startsWith(root)) seen.add(file.slice(root.length));
  }
  require('node:fs').writeSync(2, 'LOADED ' + JSON.stringify([...seen].sort()) + '\\n');
});
`,
  );
  return path;
}

/**
 * What `freshlake --help` must not load (lib/cli/program.ts: command modules load these in their
 * actions): engines, DuckDB, the AWS SDK, the local pipeline, sync, report and view definitions.
 */
const HEAVY_AT_START_UP = [
  /^@aws-sdk\//,
  /^@smithy\//,
  /^@duckdb\//,
  /^string-width$/,
  /^csv-stringify$/,
  /^@observablehq\//,
  /^d3/,
  /^lib\/engines\/(local-engine|athena-engine|event-cache|lake-scan)\.ts$/,
  /^lib\/local\/(generator|ingest|demo|lake-writer|firehose-sender|input-reader)\.ts$/,
  /^lib\/freshdesk\/(sync|client|ticket-crawl|checkpoint|reconcile)\.ts$/,
  /^lib\/report\//,
  /^lib\/snapshot\//,
  /^lib\/(views|glue-drift)\.ts$/,
  /^lambda\//,
];

function loadedModules(stderr: string): string[] {
  const line = stderr.split('\n').find((l) => l.startsWith('LOADED '));
  if (!line) throw new Error(`no module record in stderr:\n${stderr}`);
  return JSON.parse(line.slice('LOADED '.length)) as string[];
}

beforeAll(() => {
  work = tempDir('freshlake-package-');
  source = join(work, 'source');
  // The sources as a clone has them, with this checkout's edits: tracked and new files, nothing
  // .gitignore excludes (node_modules, dist/, bench/out/ with its generated lakes, ...).
  const files = expectSuccess(run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], REPO_ROOT), 'git ls-files').stdout.split('\0');
  for (const file of files.filter((f) => f.length > 0 && existsSync(join(REPO_ROOT, f)))) {
    mkdirSync(dirname(join(source, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(source, file));
  }
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(source, 'node_modules'), 'dir');
  manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as PackageJson;

  // npm pack runs `prepare` (the build) and packs what `files` lists.
  const pack = expectSuccess(run('npm', ['pack', '--json', '--pack-destination', work], source), 'npm pack');
  const tarball = join(work, (JSON.parse(pack.stdout) as { filename: string }[])[0].filename);

  app = join(work, 'app');
  installed = join(app, 'node_modules', manifest.name);
  mkdirSync(installed, { recursive: true });
  expectSuccess(run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1'], work), 'unpacking the tarball');
  for (const dependency of [...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies ?? {})]) {
    const link = join(app, 'node_modules', dependency);
    mkdirSync(join(link, '..'), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules', dependency), link, 'dir');
  }
  mkdirSync(join(app, 'node_modules', '.bin'));
  for (const [name, target] of Object.entries(manifest.bin)) symlinkSync(join('..', manifest.name, target), join(app, 'node_modules', '.bin', name));
}, 300_000);

describe('the packed tarball', () => {
  it('holds the compiled CLI and constructs with their types, the Lambda bundles and the saved queries, and no TypeScript sources', () => {
    expect(existsSync(join(installed, 'dist', 'bin', 'freshlake.js'))).toBe(true);
    expect(existsSync(join(installed, 'dist', 'lib', 'constructs', 'index.d.ts'))).toBe(true);
    expect(existsSync(join(installed, 'dist', 'lambda-bundles', 'transform', 'index.js'))).toBe(true);
    const shipped = readdirSync(join(installed, 'queries')).filter((f) => f.endsWith('.sql')).sort();
    expect(shipped).toEqual(readdirSync(join(source, 'queries')).filter((f) => f.endsWith('.sql')).sort());
    expect(existsSync(join(installed, 'lib'))).toBe(false);
    expect(existsSync(join(installed, 'bin', 'freshlake.ts'))).toBe(false);
    // The repository's own CDK app needs dev dependencies (cdk-nag): not part of the package.
    expect(existsSync(join(installed, 'dist', 'bin', 'app.js'))).toBe(false);
  });
});

describe('a CDK app that installed the tarball', () => {
  it('type-checks an import of FreshdeskLake from "freshlake" and synthesizes it offline with the prebuilt transform bundle', () => {
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'lake-app', version: '0.0.0', private: true }));
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, skipLibCheck: true, types: [], outDir: 'out' },
        files: ['app.ts'],
      }),
    );
    writeFileSync(
      join(app, 'app.ts'),
      `import { App, Stack } from 'aws-cdk-lib';
import { CURRENTLY_RECOMMENDED_FLAGS } from 'aws-cdk-lib/cx-api';
import { FreshdeskLake, type FreshdeskLakeProps } from 'freshlake';

// The feature flags "cdk init" writes into a new app's cdk.json.
const app = new App({ outdir: 'cdk.out', context: CURRENTLY_RECOMMENDED_FLAGS });
const stack = new Stack(app, 'HelpdeskLake');
const props: FreshdeskLakeProps = { partnerEventSourceName: 'aws.partner/freshworks.com/1342406/freshdesk' };
new FreshdeskLake(stack, 'Lake', props);
app.synth();
`,
    );
    expectSuccess(run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', app], app), 'tsc on the app');
    expectSuccess(run(process.execPath, [join(app, 'out', 'app.js')], app), 'cdk synth of the app');

    const template = JSON.parse(readFileSync(join(app, 'cdk.out', 'HelpdeskLake.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler');
    expect(functions.length).toBeGreaterThanOrEqual(1);
    expect(Object.values(template.Resources).some((r) => r.Type === 'AWS::KinesisFirehose::DeliveryStream')).toBe(true);
    // The function's asset is the prebuilt bundle, copied as is, and it loads.
    const assets = readdirSync(join(app, 'cdk.out')).filter((name) => name.startsWith('asset.'));
    const bundle = assets.map((name) => join(app, 'cdk.out', name, 'index.js')).find((path) => existsSync(path));
    expect(bundle).toBeDefined();
    expect(readFileSync(bundle!, 'utf8')).toBe(readFileSync(join(installed, 'dist', 'lambda-bundles', 'transform', 'index.js'), 'utf8'));
    const loaded = expectSuccess(run(process.execPath, ['-e', `console.log(typeof require(${JSON.stringify(bundle)}).handler)`], app), 'loading the bundle');
    expect(loaded.stdout.trim()).toBe('function');
  });
});

describe('the installed freshlake bin', () => {
  const bin = () => join(app, 'node_modules', '.bin', 'freshlake');

  it('runs the compiled CLI: version, the shipped saved queries', () => {
    expect(expectSuccess(run(process.execPath, [bin(), '--version'], app), 'freshlake --version').stdout.trim()).toBe(manifest.version);
    const queries = expectSuccess(run(process.execPath, [bin(), 'queries', '--format', 'json'], app), 'freshlake queries');
    const names = (JSON.parse(queries.stdout) as { name: string }[]).map((q) => q.name);
    expect(names).toContain('urgent-unassigned');
    expect(names.length).toBe(readdirSync(join(installed, 'queries')).filter((f) => f.endsWith('.sql')).length);
  });

  it('answers a saved question on the local engine (DuckDB from the declared dependencies)', () => {
    const lake = emptyLakeDir();
    const result = expectSuccess(run(process.execPath, [bin(), 'run', 'urgent-unassigned', '--lake', lake, '--format', 'json'], app), 'freshlake run');
    expect(JSON.parse(result.stdout)).toEqual([]);
  });

  it('loads neither the AWS SDK nor DuckDB (nor tsx) for --help and queries', () => {
    const recorder = writeLoadRecorder(work);
    for (const args of [['--help'], ['queries']]) {
      const result = expectSuccess(run(process.execPath, ['-r', recorder, bin(), ...args], app), `freshlake ${args.join(' ')}`);
      expect(loadedModules(result.stderr), args.join(' ')).toEqual([]);
    }
    // The recorder does see them when a command needs them.
    const lake = emptyLakeDir();
    const query = expectSuccess(run(process.execPath, ['-r', recorder, bin(), 'sql', 'SELECT 1 AS one', '--lake', lake], app), 'freshlake sql');
    expect(loadedModules(query.stderr)).toEqual(expect.arrayContaining(['@duckdb/node-api', '@duckdb/node-bindings']));
  });
});

describe('the launcher in a source checkout', () => {
  it('runs the build while it is current, and the TypeScript sources through tsx once a source is newer', () => {
    const recorder = writeLoadRecorder(work);
    const launcher = join(source, 'bin', 'freshlake.js');
    const current = expectSuccess(run(process.execPath, ['-r', recorder, launcher, '--version'], source), 'launcher, current build');
    expect(current.stdout.trim()).toBe(manifest.version);
    expect(loadedModules(current.stderr)).toEqual([]);

    const later = new Date(Date.now() + 5_000);
    utimesSync(join(source, 'lib', 'errors.ts'), later, later);
    const stale = expectSuccess(run(process.execPath, ['-r', recorder, launcher, '--version'], source), 'launcher, stale build');
    expect(stale.stdout.trim()).toBe(manifest.version);
    expect(loadedModules(stale.stderr)).toContain('tsx');

    // From the sources every module is a file of its own, so the start-up set is visible.
    const sources = expectSuccess(run(process.execPath, ['-r', writeSourceRecorder(work, realpathSync(source)), launcher, '--help'], source), 'launcher, --help from the sources');
    const loaded = loadedModules(sources.stderr);
    expect(loaded).toContain('lib/cli/program.ts');
    expect(loaded.filter((m) => HEAVY_AT_START_UP.some((heavy) => heavy.test(m)))).toEqual([]);
  });
});
