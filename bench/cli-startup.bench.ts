/**
 * CLI start-up: how long a fresh `freshlake` process takes, against a bare `node -e 0` in the
 * same run (`npm run bench -- cli`).
 *
 * - The CLI measured is the compiled one, laid out as an installed package has it (bin/, dist/,
 *   queries/, package.json, this checkout's node_modules linked) in a temporary directory, so
 *   edits others make to the checkout meanwhile cannot turn the runs into tsx runs. The build is
 *   made first when it is missing or stale (scripts/build.js).
 * - Cases: `--help`, `queries`, and saved questions end to end on a demo lake (30 days, default
 *   volume, built once by `freshlake demo` under bench/out/, event cache warm after the warm-up
 *   runs). For reference, `--help` and `queries` from the TypeScript sources through tsx, which is
 *   how every run started before the build existed.
 * - hyperfine when it is on PATH (`-N`, no shell), else a loop of spawnSync; medians with min/max,
 *   and (hyperfine) the mean CPU time (user + system) of a run, which a busy shared machine
 *   inflates less than wall-clock time. BENCH_RUNS sets the runs per case (default 15), after 3
 *   warm-up runs.
 *
 * Goals (issue 10): --help and queries under 3x `node -e 0`; a saved question under 0.5 s.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const OUT = join(__dirname, 'out');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const WARMUP = 3;
const QUESTIONS = ['urgent-unassigned', 'backlog'];

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { staleBuildReason } = require('../bin/build-state') as { staleBuildReason: (root: string) => string | undefined };

interface Case {
  readonly name: string;
  readonly command: readonly string[];
  /** Counted against the 3x-of-node goal, the 0.5 s goal, or shown for reference. */
  readonly goal: 'ratio' | 'seconds' | 'reference';
}

interface Timing {
  readonly medianS: number;
  readonly minS: number;
  readonly maxS: number;
  /** Mean user + system CPU seconds of a run (hyperfine only): less sensitive to a busy machine. */
  readonly cpuS?: number;
}

function ensureBuild(): void {
  const reason = staleBuildReason(ROOT);
  if (reason === undefined) return;
  console.log(`building first (${reason})...`);
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.js')], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed; see above');
}

/** The installed-package layout, in a temporary directory. */
function installedLayout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'freshlake-startup-'));
  for (const file of ['bin/freshlake.js', 'bin/build-state.js', 'package.json']) cpSync(join(ROOT, file), join(dir, file), { recursive: true });
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(ROOT, 'queries'), join(dir, 'queries'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** The demo lake under bench/out/, built once by the CLI's own demo command. */
function demoLake(cli: string): string {
  const lake = join(OUT, 'cli-startup-demo-lake');
  if (existsSync(join(lake, 'events'))) return lake;
  mkdirSync(OUT, { recursive: true });
  console.log('building the demo lake (freshlake demo)...');
  const demo = spawnSync(process.execPath, [cli, 'demo', '--lake', lake, '--rows', '1'], { encoding: 'utf8' });
  if (demo.status !== 0) throw new Error(`freshlake demo failed:\n${demo.stderr}`);
  return lake;
}

function hyperfineAvailable(): boolean {
  return spawnSync('hyperfine', ['--version'], { encoding: 'utf8' }).status === 0;
}

function quote(arg: string): string {
  return /^[\w./=:-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function timeWithHyperfine(cases: readonly Case[]): Map<string, Timing> {
  const exportPath = join(mkdtempSync(join(tmpdir(), 'freshlake-hyperfine-')), 'result.json');
  const args = ['-N', '--warmup', String(WARMUP), '--runs', String(RUNS), '--style', 'none', '--export-json', exportPath];
  for (const c of cases) args.push('--command-name', c.name, c.command.map(quote).join(' '));
  const run = spawnSync('hyperfine', args, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0) throw new Error('hyperfine failed; see above');
  const results = (
    JSON.parse(readFileSync(exportPath, 'utf8')) as { results: { command: string; median: number; min: number; max: number; user: number; system: number }[] }
  ).results;
  return new Map(results.map((r) => [r.command, { medianS: r.median, minS: r.min, maxS: r.max, cpuS: r.user + r.system }]));
}

function timeWithLoop(cases: readonly Case[]): Map<string, Timing> {
  const timings = new Map<string, Timing>();
  for (const c of cases) {
    const samples: number[] = [];
    for (let i = 0; i < WARMUP + RUNS; i++) {
      const started = process.hrtime.bigint();
      const run = spawnSync(c.command[0], c.command.slice(1), { stdio: 'ignore' });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (run.status !== 0) throw new Error(`${c.name} exited with ${run.status}`);
      if (i >= WARMUP) samples.push(seconds);
    }
    samples.sort((a, b) => a - b);
    const middle = samples.length / 2;
    const median = samples.length % 2 === 1 ? samples[Math.floor(middle)] : (samples[middle - 1] + samples[middle]) / 2;
    timings.set(c.name, { medianS: median, minS: samples[0], maxS: samples[samples.length - 1] });
  }
  return timings;
}

function main(): void {
  ensureBuild();
  const layout = installedLayout();
  try {
    const cli = join(layout, 'bin', 'freshlake.js');
    const lake = demoLake(cli);
    const node = process.execPath;
    const tsxSources = [node, '--import', 'tsx', join(ROOT, 'bin', 'freshlake.ts')];
    const cases: Case[] = [
      { name: 'node -e 0', command: [node, '-e', '0'], goal: 'reference' },
      { name: 'freshlake --help', command: [node, cli, '--help'], goal: 'ratio' },
      { name: 'freshlake queries', command: [node, cli, 'queries'], goal: 'ratio' },
      ...QUESTIONS.map((q): Case => ({ name: `freshlake run ${q} (demo lake)`, command: [node, cli, 'run', q, '--lake', lake, '--format', 'json'], goal: 'seconds' })),
      { name: 'sources via tsx: --help', command: [...tsxSources, '--help'], goal: 'reference' },
      { name: 'sources via tsx: queries', command: [...tsxSources, 'queries'], goal: 'reference' },
    ];
    const useHyperfine = hyperfineAvailable();
    console.log(`${useHyperfine ? 'hyperfine -N' : 'spawnSync loop (hyperfine not on PATH)'}: ${RUNS} runs per case after ${WARMUP} warm-up runs; Node ${process.version}`);
    const timings = useHyperfine ? timeWithHyperfine(cases) : timeWithLoop(cases);
    const baseline = timings.get('node -e 0')!;
    console.log(
      `\n${'case'.padEnd(42)} ${'median'.padStart(9)} ${'min'.padStart(9)} ${'max'.padStart(9)} ${'x node'.padStart(7)} ${'CPU'.padStart(9)} ${'x node'.padStart(7)}  goal (on the median)`,
    );
    for (const c of cases) {
      const t = timings.get(c.name)!;
      const ratio = t.medianS / baseline.medianS;
      const goal =
        c.goal === 'ratio' ? `< 3x node: ${ratio < 3 ? 'met' : 'MISSED'}` : c.goal === 'seconds' ? `< 0.5 s: ${t.medianS < 0.5 ? 'met' : 'MISSED'}` : '';
      const ms = (s: number) => `${(s * 1000).toFixed(0)} ms`.padStart(9);
      const cpu = t.cpuS === undefined || baseline.cpuS === undefined ? `${'n/a'.padStart(9)} ${''.padStart(7)}` : `${ms(t.cpuS)} ${(t.cpuS / baseline.cpuS).toFixed(2).padStart(6)}x`;
      console.log(`${c.name.padEnd(42)} ${ms(t.medianS)} ${ms(t.minS)} ${ms(t.maxS)} ${ratio.toFixed(2).padStart(6)}x ${cpu}  ${goal}`);
    }
  } finally {
    rmSync(layout, { recursive: true, force: true });
  }
}

main();
