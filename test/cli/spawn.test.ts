/**
 * The real program: `node bin/meshc.js` (compiled by `npm test`'s tsc step) — one exit code per
 * class, and no stack trace for hostile input.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../output/helpers.js';

const bin = fileURLToPath(new URL('../../bin/meshc.js', import.meta.url));
const compiled = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));
const haveDist = existsSync(compiled);
if (!haveDist) console.warn(`CLI spawn tests skipped: ${compiled} is missing (run \`npx tsc -p tsconfig.json\`; npm test does)`);
if (!haveDist && process.env.CI) throw new Error('dist/ is missing in CI: npm test must compile first');

function run(args: string[], nodeArgs: string[] = [], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [...nodeArgs, bin, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const STACK = /\n\s+at .+[:(]\d+:\d+\)?/;

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = tempDir('meshc-spawn-');
});
afterAll(() => tmp.cleanup());

(haveDist ? describe : describe.skip)('node bin/meshc.js', () => {
  it('exit 0: explain, build --target ir', () => {
    const e = run(['explain', 'MC5010']);
    expect(e.code).toBe(0);
    expect(e.stdout).toContain('MC5010 (error): Output out of date');
    const b = run(['build', 'examples/webshop', '--target', 'ir', '--out', join(tmp.dir, 'out')]);
    expect(b.code, b.stderr).toBe(0);
  });

  it('exit 1: errors in the mesh', () => {
    const dir = join(tmp.dir, 'bad');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.yaml'), 'kind: [\n');
    const r = run(['check', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a\.yaml:\d+:\d+: error MC1003: /);
  });

  it('exit 2: usage errors', () => {
    expect(run(['build', '--nope']).code).toBe(2);
    expect(run(['explain', 'MC0000']).code).toBe(2);
    expect(run(['build', 'examples/webshop', '--out', 'examples/webshop']).code).toBe(2);
  });

  it('exit 70: an exception, reported without a stack unless MESHC_DEBUG=1', () => {
    const breakStdout = ['--import', 'data:text/javascript,process.stdout.write=()=>{throw new Error("boom")}'];
    const r = run(['schema'], breakStdout);
    expect(r.code).toBe(70);
    expect(r.stderr).toContain('meshc: internal error: boom');
    expect(r.stderr).not.toMatch(STACK);
    const d = run(['schema'], breakStdout, { MESHC_DEBUG: '1' });
    expect(d.code).toBe(70);
    expect(d.stderr).toMatch(STACK);
  });

  it('hostile input gives diagnostics, never a stack trace', () => {
    const dir = join(tmp.dir, 'hostile');
    mkdirSync(dir);
    writeFileSync(join(dir, 'binary.yaml'), Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x9c]));
    writeFileSync(join(dir, 'deep.yaml'), '['.repeat(20000) + ']'.repeat(20000) + '\n');
    writeFileSync(join(dir, 'bomb.yaml'), 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`).join('\n') + '\n');
    writeFileSync(join(dir, 'ctl.yaml'), 'apiVersion: meshc/v1alpha1\nkind: "\u001b[2J\u202eService"\n');
    for (const format of ['human', 'json', 'sarif', 'github']) {
      const r = run(['build', dir, '--out', join(tmp.dir, 'hostile-out'), '--format', format]);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr + r.stdout).not.toMatch(STACK);
      expect(r.stderr + r.stdout).not.toContain('\u001b[2J');
    }
  });
});
