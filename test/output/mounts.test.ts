/**
 * Output directories that are not one plain file system: a directory or a single file mounted
 * inside `--out` (a volume, a Docker `-v file:…`), and an output directory that cannot be written
 * at all (read-only). meshc moves files into place by renaming, which cannot cross a mount point:
 * the write must fail with MC5007 and leave the previous tree and manifest exactly as they were —
 * not half new — and the next build must not be stuck on an unrecoverable transaction.
 *
 * Each scenario runs the real CLI (bin/meshc.js, from dist/) in a private mount namespace
 * (`unshare -m`), so that no mount outlives it whatever happens. Needs root: skipped loudly
 * locally without it, an error under CI.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mustRun } from '../nftables/env.js';
import { inconsistencies, snapshot, tempDir } from './helpers.js';

const MESHC = resolve('bin/meshc.js');

/** Why mounts in a private mount namespace cannot be made here, or undefined when they can. */
const mountUnavailable: string | undefined = (() => {
  if (process.platform !== 'linux') return 'not Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'not running as root';
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs none /mnt && umount /mnt'], { encoding: 'utf8' });
  if (r.error) return `unshare: ${r.error.message}`;
  if (r.status !== 0) return `cannot mount in a private mount namespace: ${r.stderr.trim()}`;
  return undefined;
})();

const runs = mustRun('output directories with mount points', mountUnavailable);

let tmp: { dir: string; cleanup: () => void };
let mesh1: string;
let mesh2: string;
let out: string;
beforeEach(() => {
  tmp = tempDir('meshc-mounts-');
  mesh1 = join(tmp.dir, 'm1.yaml');
  mesh2 = join(tmp.dir, 'm2.yaml');
  out = join(tmp.dir, 'out');
  const text = readFileSync('fixtures/good/minimal.yaml', 'utf8');
  writeFileSync(mesh1, text);
  writeFileSync(mesh2, text.replace('namespace: demo', 'namespace: demo2')); // every file changes
});
afterEach(() => tmp.cleanup());

/** Runs a shell script (mounts first) in a private mount namespace; `meshc` in it is the CLI, printing `<rc> <codes…>` per call. */
function inMountNamespace(script: string): string[] {
  const meshc = `meshc() { node ${JSON.stringify(MESHC)} "$@" -f json > "$T/r.json"; rc=$?; echo "$rc $(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); console.log(r.diagnostics.map(d=>d.code).join(" "))' "$T/r.json")"; }`;
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'bash', '-c', `set -u; T=${JSON.stringify(tmp.dir)}; ${meshc}\n${script}`], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, MESHC_BACKGROUND_FROM: '0' },
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split('\n').map((l) => l.trim());
}

/** Builds mesh1 into out (no mounts) and returns the tree. */
function firstBuild(): Record<string, string> {
  const r = spawnSync('node', [MESHC, 'build', mesh1, '--out', out], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return snapshot(out);
}

describe.runIf(runs)('an output directory with mount points', () => {
  it('a directory mounted inside --out: the write fails (MC5007) and every file is the old one, build after build', () => {
    const before = firstBuild();
    const vol = join(tmp.dir, 'vol');
    cpSync(join(out, 'kubernetes'), vol, { recursive: true });
    const lines = inMountNamespace(`
      mount --bind "$T/vol" "$T/out/kubernetes"
      meshc build "$T/m2.yaml" --out "$T/out"
      meshc build "$T/m2.yaml" --out "$T/out"
      meshc build "$T/m1.yaml" --out "$T/out" --check
      ls -A "$T/out"
    `);
    // envoy/ and haproxy/ come before kubernetes/: they were replaced, then put back.
    expect(lines.slice(0, 3)).toEqual(['1 MC5007', '1 MC5007', '0']);
    expect(lines.slice(3)).not.toContain('.meshc-txn');
    expect(snapshot(out)).toEqual(before); // (the mount is gone: out/kubernetes is the directory under it)
    const inVol = snapshot(vol);
    for (const [k, v] of Object.entries(inVol)) expect(v, k).toBe(before[`kubernetes/${k}`]);
    expect(inconsistencies(out)).toEqual([]);
  });

  it('a single file mounted inside --out: MC5007, nothing changed', () => {
    const before = firstBuild();
    const vol = join(tmp.dir, 'one.yaml');
    copyFileSync(join(out, 'kubernetes', 'namespace.yaml'), vol);
    const lines = inMountNamespace(`
      mount --bind "$T/one.yaml" "$T/out/kubernetes/namespace.yaml"
      meshc build "$T/m2.yaml" --out "$T/out"
      meshc build "$T/m1.yaml" --out "$T/out" --check
    `);
    expect(lines).toEqual(['1 MC5007', '0']);
    expect(snapshot(out)).toEqual(before);
    expect(readFileSync(vol, 'utf8')).toBe(before['kubernetes/namespace.yaml']);
  });

  it('a read-only output directory: MC5007 (not an internal error), and --check still reads it', () => {
    const before = firstBuild();
    const lines = inMountNamespace(`
      mount --bind "$T/out" "$T/out" && mount -o remount,bind,ro "$T/out"
      meshc build "$T/m1.yaml" --out "$T/out"
      meshc build "$T/m2.yaml" --out "$T/out"
      meshc build "$T/m1.yaml" --out "$T/out" --check
    `);
    expect(lines).toEqual(['1 MC5007', '1 MC5007', '0']);
    expect(snapshot(out)).toEqual(before);
  });
});
