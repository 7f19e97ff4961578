import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { beginOutput, checkOutput, MANIFEST_NAME, OutputWrite, parseManifest, recoverOutput, sha256, unsafeOutDirReason, writeOutput } from '../../src/output/index.js';
import { acquireLock } from '../../src/output/lock.js';
import { SimulatedCrash } from '../../src/output/txn.js';
import type { OutputFile } from '../../src/target/types.js';
import { inconsistencies, snapshot, tempDir } from './helpers.js';

const meta = { inputHash: 'a'.repeat(64), meshcVersion: '0.1.0' };
const meta2 = { inputHash: 'b'.repeat(64), meshcVersion: '0.1.0' };
const f = (path: string, content: string): OutputFile => ({ path, content });

/** Version 1 of an output: files in nested directories. */
const v1: OutputFile[] = [
  f('envoy/web.yaml', 'web: 1\nport: 8080\n'),
  f('envoy/cart.yaml', 'cart: 1\n'),
  f('haproxy/haproxy.cfg', 'global\n  maxconn 100\n'),
  f('old/only/gone.txt', 'soon gone\n'),
  f('kind', 'a file that becomes a directory\n'),
];
/** Version 2: one replaced, one unchanged, two removed (one whose directories empty), two created. */
const v2: OutputFile[] = [
  f('envoy/web.yaml', 'web: 2\nport: 8080\n'),
  f('envoy/cart.yaml', 'cart: 1\n'),
  f('envoy/new.yaml', 'new: true\n'),
  f('kind/now-a-dir.yaml', 'x: 1\n'),
  f('nft/rules.nft', 'table inet mesh {}\n'),
];

let tmp: { dir: string; cleanup: () => void };
let out: string;
beforeEach(() => {
  tmp = tempDir();
  out = join(tmp.dir, 'out');
});
afterEach(() => tmp.cleanup());

describe('writeOutput', () => {
  it('writes the files and a sorted, timestamp-free manifest; identical input → identical bytes', () => {
    const r = writeOutput(out, [...v1].reverse(), meta);
    expect(r.diagnostics).toEqual([]);
    expect(r.created).toEqual(['envoy/cart.yaml', 'envoy/web.yaml', 'haproxy/haproxy.cfg', 'kind', 'old/only/gone.txt']);
    const snap = snapshot(out);
    expect(Object.keys(snap)).toEqual(['envoy/cart.yaml', 'envoy/web.yaml', 'haproxy/haproxy.cfg', 'kind', MANIFEST_NAME, 'old/only/gone.txt']);
    const m = JSON.parse(snap[MANIFEST_NAME]!);
    expect(Object.keys(m)).toEqual(['generator', 'manifestVersion', 'meshcVersion', 'inputHash', 'files']);
    expect(m.files.map((x: { path: string }) => x.path)).toEqual(['envoy/cart.yaml', 'envoy/web.yaml', 'haproxy/haproxy.cfg', 'kind', 'old/only/gone.txt']);
    expect(m.files[0].sha256).toBe(sha256('cart: 1\n'));
    expect(snap[MANIFEST_NAME]).not.toMatch(/20\d\d-\d\d-\d\d|time|date/i);
    const out2 = join(tmp.dir, 'again');
    writeOutput(out2, v1, meta);
    expect(snapshot(out2)).toEqual(snap);
    // Writing the same thing again changes nothing.
    const r2 = writeOutput(out, v1, meta);
    expect(r2.created.length + r2.replaced.length + r2.removed.length).toBe(0);
    expect(r2.unchanged).toHaveLength(5);
  });

  it('replaces, creates and prunes only what the previous manifest lists; foreign files survive', () => {
    writeOutput(out, v1, meta);
    writeFileSync(join(out, 'README.md'), 'mine\n');
    writeFileSync(join(out, 'envoy', 'custom.yaml'), 'mine too\n');
    mkdirSync(join(out, 'old', 'keep'), { recursive: true });
    writeFileSync(join(out, 'old', 'keep', 'notes.txt'), 'also mine\n');
    const r = writeOutput(out, v2, meta2);
    expect(r.diagnostics).toEqual([]);
    expect(r.replaced).toEqual(['envoy/web.yaml']);
    expect(r.created).toEqual(['envoy/new.yaml', 'kind/now-a-dir.yaml', 'nft/rules.nft']);
    expect(r.removed).toEqual(['haproxy/haproxy.cfg', 'kind', 'old/only/gone.txt']);
    expect(r.unchanged).toEqual(['envoy/cart.yaml']);
    expect(Object.keys(snapshot(out))).toEqual([
      'README.md',
      'envoy/cart.yaml',
      'envoy/custom.yaml',
      'envoy/new.yaml',
      'envoy/web.yaml',
      'kind/now-a-dir.yaml',
      MANIFEST_NAME,
      'nft/rules.nft',
      'old/keep/notes.txt',
    ]);
    expect(inconsistencies(out, ['README.md', 'envoy/custom.yaml', 'old/keep/notes.txt'])).toEqual([]);
    // And back: the directory `kind` becomes a file again.
    const r3 = writeOutput(out, v1, meta);
    expect(r3.diagnostics).toEqual([]);
    expect(inconsistencies(out, ['README.md', 'envoy/custom.yaml', 'old/keep/notes.txt'])).toEqual([]);
    expect(readFileSync(join(out, 'kind'), 'utf8')).toBe('a file that becomes a directory\n');
  });

  it('removes an old file only while it is what meshc wrote: an edited one, or one a manifest lists wrongly, stays (MC5005)', () => {
    writeOutput(out, v1, meta);
    writeFileSync(join(out, 'haproxy', 'haproxy.cfg'), 'global\n  maxconn 100\n# a local hotfix, keep\n');
    writeFileSync(join(out, 'README.md'), 'mine\n');
    const m = JSON.parse(readFileSync(join(out, MANIFEST_NAME), 'utf8')) as { files: { path: string; sha256: string }[] };
    m.files.unshift({ path: 'README.md', sha256: '0'.repeat(64) }); // a bad merge of the manifest
    writeFileSync(join(out, MANIFEST_NAME), JSON.stringify(m));
    const check = checkOutput(out, v2, meta2);
    const warned = (ds: { code: string; message: string }[]) => ds.filter((d) => d.code === 'MC5005').map((d) => d.message.split(':')[0]!.replace(`${out}/`, ''));
    expect(warned(check.diagnostics)).toEqual(['not removing README.md', 'not removing haproxy/haproxy.cfg']);
    expect(check.diff).not.toMatch(/^diff --git .*haproxy\.cfg/m);
    const r = writeOutput(out, v2, meta2);
    expect(warned(r.diagnostics)).toEqual(['not removing README.md', 'not removing haproxy/haproxy.cfg']);
    expect(r.removed).toEqual(['kind', 'old/only/gone.txt']);
    expect(readFileSync(join(out, 'haproxy', 'haproxy.cfg'), 'utf8')).toContain('hotfix');
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe('mine\n');
    // No longer claimed: the next build leaves them alone without a word.
    expect(inconsistencies(out, ['README.md', 'haproxy/haproxy.cfg'])).toEqual([]);
    expect(writeOutput(out, v2, meta2).diagnostics).toEqual([]);
  });

  it('an empty directory where a file goes blocks it (MC5003) in a check and in a write alike, before anything changes', () => {
    writeOutput(out, v1, meta);
    mkdirSync(join(out, 'envoy', 'new.yaml', 'sub'), { recursive: true });
    const before = snapshot(out);
    const check = checkOutput(out, v2, meta2);
    // The check blocks it as the write does (it said "missing", and the write then failed at apply).
    const blocked = check.diagnostics.filter((d) => d.message.includes('new.yaml'));
    expect(blocked.map((d) => d.code)).toEqual(['MC5003']);
    expect(check.diff).not.toMatch(/^diff --git .*new\.yaml/m);
    const r = writeOutput(out, v2, meta2);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MC5003']);
    expect(snapshot(out)).toEqual(before);
  });

  it('an edited old file where a directory (or a file) now goes blocks it (MC5003) in a check and in a write alike', () => {
    // v1 has the file `kind`; v2 puts `kind/now-a-dir.yaml` there, and back.
    writeOutput(out, v1, meta);
    writeFileSync(join(out, 'kind'), 'edited by hand\n');
    let before = snapshot(out);
    const blockedIn = (ds: { code: string; severity: string; message: string }[]) => ds.filter((d) => d.severity !== 'note' && /kind/.test(d.message)).map((d) => d.code).sort();
    expect(blockedIn(checkOutput(out, v2, meta2).diagnostics)).toEqual(['MC5003', 'MC5005']);
    expect(blockedIn(writeOutput(out, v2, meta2).diagnostics)).toEqual(['MC5003', 'MC5005']);
    expect(snapshot(out)).toEqual(before);
    writeFileSync(join(out, 'kind'), 'a file that becomes a directory\n');
    expect(writeOutput(out, v2, meta2).diagnostics).toEqual([]);
    writeFileSync(join(out, 'kind', 'now-a-dir.yaml'), 'edited by hand\n');
    before = snapshot(out);
    expect(blockedIn(checkOutput(out, v1, meta).diagnostics)).toEqual(['MC5003', 'MC5005']);
    expect(blockedIn(writeOutput(out, v1, meta).diagnostics)).toEqual(['MC5003', 'MC5005']);
    expect(snapshot(out)).toEqual(before);
  });

  it('refuses to overwrite a file it did not write (MC5002), changing nothing; adopts identical files', () => {
    mkdirSync(join(out, 'envoy'), { recursive: true });
    writeFileSync(join(out, 'envoy', 'web.yaml'), 'hand-written\n');
    writeFileSync(join(out, 'envoy', 'cart.yaml'), 'cart: 1\n');
    const before = snapshot(out);
    const r = writeOutput(out, v1, meta, { displayOut: 'out' });
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([['MC5002', 'out/envoy/web.yaml exists and was not written by meshc; refusing to overwrite it']]);
    expect(snapshot(out)).toEqual(before);
    writeFileSync(join(out, 'envoy', 'web.yaml'), 'web: 1\nport: 8080\n');
    const r2 = writeOutput(out, v1, meta);
    expect(r2.diagnostics).toEqual([]);
    expect(r2.unchanged).toEqual(['envoy/cart.yaml', 'envoy/web.yaml']);
    expect(inconsistencies(out)).toEqual([]);
  });

  it('never follows a symbolic link below the output root, neither to write nor to prune', () => {
    const elsewhere = join(tmp.dir, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'web.yaml'), 'precious\n');
    writeOutput(out, v1, meta);
    // Someone replaces the envoy directory by a link to elsewhere.
    const envoyFiles = snapshot(join(out, 'envoy'));
    execFileSync('rm', ['-r', join(out, 'envoy')]);
    symlinkSync(elsewhere, join(out, 'envoy'));
    const r = writeOutput(out, v1, meta, { displayOut: 'out' });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MC5003', 'MC5003']);
    expect(r.diagnostics[0]!.message).toBe('cannot write out/envoy/cart.yaml: out/envoy is a symbolic link, not a directory');
    // Pruning through it is refused too, with a warning; elsewhere is untouched.
    const r2 = writeOutput(out, v1.filter((x) => !x.path.startsWith('envoy/')), meta, { displayOut: 'out' });
    expect(r2.diagnostics.map((d) => [d.code, d.severity])).toEqual([
      ['MC5005', 'warning'],
      ['MC5005', 'warning'],
    ]);
    expect(snapshot(elsewhere)).toEqual({ 'web.yaml': 'precious\n' });
    expect(Object.keys(envoyFiles)).toHaveLength(2);
  });

  it('refuses a manifest that names a path outside the output directory (MC5004) and deletes nothing', () => {
    writeFileSync(join(tmp.dir, 'victim'), 'keep me\n');
    mkdirSync(out);
    const evil = { generator: 'meshc', manifestVersion: 1, meshcVersion: '0', inputHash: '', files: [{ path: '../victim', sha256: sha256('keep me\n') }] };
    writeFileSync(join(out, MANIFEST_NAME), JSON.stringify(evil));
    const r = writeOutput(out, v1, meta);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MC5004']);
    expect(readFileSync(join(tmp.dir, 'victim'), 'utf8')).toBe('keep me\n');
    expect(parseManifest('{"generator":"meshc","manifestVersion":1,"meshcVersion":"x","inputHash":"y","files":[{"path":"/etc/passwd","sha256":"' + 'a'.repeat(64) + '"}]}')).toHaveProperty('error');
    expect(parseManifest('not json')).toEqual({ error: 'not JSON' });
  });

  it('treats a bad output path from a target as a meshc bug', () => {
    expect(() => writeOutput(out, [f('../x', '')], meta)).toThrow(/meshc bug/);
    expect(() => writeOutput(out, [f('a', ''), f('a/b', '')], meta)).toThrow(/meshc bug/);
    expect(() => writeOutput(out, [f(MANIFEST_NAME, '')], meta)).toThrow(/meshc bug/);
    expect(existsSync(out)).toBe(false);
  });

  it('holds a lock: a live holder blocks (MC5006), a dead one is taken over', () => {
    mkdirSync(out);
    const held = acquireLock(out);
    expect('lock' in held).toBe(true);
    // A lock held by another live process on this machine: pid 1 with its real start time.
    const stat = readFileSync('/proc/1/stat', 'utf8');
    const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
    writeFileSync(join(out, '.meshc-lock'), JSON.stringify({ pid: 1, host: hostname(), start }));
    const r = writeOutput(out, v1, meta);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['MC5006']);
    // The same pid with another start time is a reused pid: stale.
    writeFileSync(join(out, '.meshc-lock'), JSON.stringify({ pid: 1, host: hostname(), start: '1' }));
    expect(writeOutput(out, v1, meta).diagnostics).toEqual([]);
    expect(existsSync(join(out, '.meshc-lock'))).toBe(false);
    // An empty lock (a build killed between creating and filling it) is waited on while it could be
    // its owner's, being filled, then taken over: recovery removes it (it did not: flaky MC5006).
    writeFileSync(join(out, '.meshc-lock'), '');
    const aged = new Date(Date.now() - 1800);
    utimesSync(join(out, '.meshc-lock'), aged, aged);
    expect(recoverOutput(out).diagnostics).toEqual([]);
    expect(existsSync(join(out, '.meshc-lock'))).toBe(false);
  });
});

describe('crash at every step (in process)', () => {
  const cases: [string, OutputFile[], OutputFile[]][] = [
    ['v1 → v2 (a file becomes a directory)', v1, v2],
    ['v2 → v1 (a directory becomes a file)', v2, v1],
    ['nothing → v1 (first build)', [], v1],
  ];
  it.each(cases)('%s: recovers to exactly the previous or exactly the new tree, whatever the step', (_name, from, to) => {
    const base = tempDir('meshc-crash-');
    const start = (dir: string) => {
      writeOutput(dir, from, meta);
      writeFileSync(join(dir, 'README.md'), 'mine\n');
    };
    try {
      const ref1 = join(base.dir, 'ref1');
      const ref2 = join(base.dir, 'ref2');
      start(ref1);
      start(ref2);
      writeOutput(ref2, to, meta2);
      const t1 = snapshot(ref1);
      const t2 = snapshot(ref2);
      // Count the steps of a full write.
      const steps: string[] = [];
      const probe = join(base.dir, 'probe');
      start(probe);
      writeOutput(probe, to, meta2, { onStep: (s) => steps.push(s) });
      expect(steps.length).toBeGreaterThan(10);
      const outcomes = new Set<string>();
      for (let k = 0; k < steps.length; k++) {
        const dir = join(base.dir, `k${k}`);
        start(dir);
        let n = 0;
        expect(() =>
          writeOutput(dir, to, meta2, {
            onStep: (s) => {
              if (n++ === k) throw new SimulatedCrash(s);
            },
          }),
        ).toThrow(SimulatedCrash);
        const rec = recoverOutput(dir);
        expect(rec.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        const snap = snapshot(dir);
        const which = JSON.stringify(snap) === JSON.stringify(t1) ? 'old' : JSON.stringify(snap) === JSON.stringify(t2) ? 'new' : 'neither';
        expect(which, `crash before step ${k} (${steps[k]})`).not.toBe('neither');
        // Before the commit point the old tree comes back; after it, the new one stays.
        expect(which).toBe(steps.indexOf('commit') < k ? 'new' : 'old');
        outcomes.add(`${which}:${rec.recovery}`);
        // Recovery twice is harmless, and a later write works.
        expect(recoverOutput(dir).recovery).toBe('none');
        expect(writeOutput(dir, to, meta2).diagnostics).toEqual([]);
        expect(snapshot(dir)).toEqual(t2);
      }
      expect([...outcomes].sort()).toEqual(['new:completed', 'new:discarded', 'old:discarded', 'old:rolled-back']);
    } finally {
      base.cleanup();
    }
  });
});

describe('OutputWrite (files staged as they are emitted)', () => {
  it('files added one at a time, in any order, give exactly what writeOutput writes', () => {
    const ref = join(tmp.dir, 'ref');
    writeOutput(ref, v1, meta);
    writeOutput(ref, v2, meta2);
    writeOutput(out, v1, meta);
    const w = beginOutput(out);
    if (!(w instanceof OutputWrite)) throw new Error('no write');
    for (const file of [...v2].reverse()) w.add(file);
    // Changed files wait in the staging directory; the live tree is untouched until commit.
    expect(existsSync(join(out, '.meshc-txn', 'new', 'envoy', 'new.yaml'))).toBe(true);
    expect(existsSync(join(out, 'envoy', 'new.yaml'))).toBe(false);
    const r = w.commit(meta2);
    expect(r.diagnostics).toEqual([]);
    expect(r.created).toEqual(['envoy/new.yaml', 'kind/now-a-dir.yaml', 'nft/rules.nft']);
    expect(r.replaced).toEqual(['envoy/web.yaml']);
    expect(r.removed).toEqual(['haproxy/haproxy.cfg', 'kind', 'old/only/gone.txt']);
    expect(snapshot(out)).toEqual(snapshot(ref));
    expect(() => w.add(f('late', 'x\n'))).toThrow(/meshc bug/);
  });

  it('abort leaves the tree as it was, and removes an output directory it created', () => {
    writeOutput(out, v1, meta);
    const before = snapshot(out);
    const w = beginOutput(out);
    if (!(w instanceof OutputWrite)) throw new Error('no write');
    for (const file of v2) w.add(file);
    w.abort();
    expect(snapshot(out)).toEqual(before);
    expect(existsSync(join(out, '.meshc-lock'))).toBe(false);
    const fresh = join(tmp.dir, 'fresh', 'out');
    const w2 = beginOutput(fresh);
    if (!(w2 instanceof OutputWrite)) throw new Error('no write');
    w2.add(f('a/b.yaml', 'x: 1\n'));
    w2.abort();
    expect(existsSync(join(tmp.dir, 'fresh'))).toBe(false);
    expect(existsSync(tmp.dir)).toBe(true);
  });

  it('holds the lock from begin to commit, and a blocked file fails the commit, changing nothing', () => {
    const w = beginOutput(out);
    if (!(w instanceof OutputWrite)) throw new Error('no write');
    // Another process would find the lock held (MC5006, as the lock test above shows).
    expect(JSON.parse(readFileSync(join(out, '.meshc-lock'), 'utf8')).pid).toBe(process.pid);
    w.add(f('envoy/web.yaml', 'web: 1\n'));
    expect(existsSync(join(out, '.meshc-lock'))).toBe(true);
    expect(w.commit(meta).diagnostics).toEqual([]);
    expect(existsSync(join(out, '.meshc-lock'))).toBe(false);
    writeFileSync(join(out, 'mine.txt'), 'mine\n');
    const before = snapshot(out);
    const w2 = beginOutput(out);
    if (!(w2 instanceof OutputWrite)) throw new Error('no write');
    w2.add(f('envoy/web.yaml', 'web: 2\n'));
    w2.add(f('mine.txt', 'theirs\n'));
    expect(w2.commit(meta2).diagnostics.map((d) => d.code)).toEqual(['MC5002']);
    expect(snapshot(out)).toEqual(before);
  });
});

describe('checkOutput (--check)', () => {
  it('is clean for an up-to-date tree and reports stale, missing and extra files with an applicable diff', () => {
    writeOutput(out, v1, meta);
    writeFileSync(join(out, 'notes.md'), 'mine\n');
    expect(checkOutput(out, v1, meta)).toEqual({ diagnostics: [], stale: false, diff: '' });
    const before = snapshot(out);
    const c = checkOutput(out, v2, meta2, { displayOut: 'out' });
    expect(snapshot(out)).toEqual(before); // writes nothing
    expect(c.stale).toBe(true);
    expect(c.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['MC5010', 'out/envoy/new.yaml is out of date: missing'],
      ['MC5010', 'out/envoy/web.yaml is out of date: content differs'],
      ['MC5010', 'out/haproxy/haproxy.cfg is out of date: no longer emitted (a build would remove it)'],
      ['MC5010', 'out/kind is out of date: no longer emitted (a build would remove it)'],
      ['MC5010', 'out/kind/now-a-dir.yaml is out of date: missing'],
      ['MC5010', 'out/meshc-manifest.json is out of date: content differs'],
      ['MC5010', 'out/nft/rules.nft is out of date: missing'],
      ['MC5010', 'out/old/only/gone.txt is out of date: no longer emitted (a build would remove it)'],
    ]);
    expect(c.diff).toContain(
      ['diff --git a/out/envoy/web.yaml b/out/envoy/web.yaml', '--- a/out/envoy/web.yaml', '+++ b/out/envoy/web.yaml', '@@ -1,2 +1,2 @@', '-web: 1', '+web: 2', ' port: 8080', ''].join('\n'),
    );
    expect(c.diff).toContain(['diff --git a/out/nft/rules.nft b/out/nft/rules.nft', 'new file mode 100644', '--- /dev/null', '+++ b/out/nft/rules.nft', '@@ -0,0 +1 @@', '+table inet mesh {}', ''].join('\n'));
    // The diff is what `git apply` takes: applied, the tree is what a build writes.
    const ref = join(tmp.dir, 'ref');
    writeOutput(ref, v1, meta);
    writeOutput(ref, v2, meta2);
    writeFileSync(join(tmp.dir, 'fix.patch'), c.diff);
    execFileSync('git', ['apply', 'fix.patch'], { cwd: tmp.dir });
    const fixed = snapshot(out);
    delete fixed['notes.md'];
    expect(fixed).toEqual(snapshot(ref));
    expect(checkOutput(out, v2, meta2)).toEqual({ diagnostics: [], stale: false, diff: '' });
  });

  it('an --out outside the working directory (absolute, or through ..): the patch names paths relative to it, and applies there', () => {
    writeOutput(out, v1, meta);
    const rel = checkOutput(out, v2, meta2, { displayOut: '../elsewhere/out' });
    expect(rel.diff).toContain('diff --git a/envoy/web.yaml b/envoy/web.yaml\n');
    const c = checkOutput(out, v2, meta2, { displayOut: out });
    expect(c.diagnostics.map((d) => d.message)).toContain(`${out}/envoy/web.yaml is out of date: content differs`);
    expect(c.diff).toContain('diff --git a/envoy/web.yaml b/envoy/web.yaml\n--- a/envoy/web.yaml\n+++ b/envoy/web.yaml\n');
    expect(c.diff).not.toContain('a//');
    writeFileSync(join(tmp.dir, 'fix.patch'), c.diff);
    execFileSync('git', ['apply', join(tmp.dir, 'fix.patch')], { cwd: out });
    expect(checkOutput(out, v2, meta2)).toEqual({ diagnostics: [], stale: false, diff: '' });
  });

  it('reports a foreign file in the way, a missing tree, and an interrupted build', () => {
    expect(checkOutput(out, v1, meta).diagnostics).toHaveLength(6);
    mkdirSync(join(out, 'envoy'), { recursive: true });
    writeFileSync(join(out, 'envoy', 'web.yaml'), 'hand-written\n');
    const c = checkOutput(out, v1, meta, { displayOut: 'out' });
    expect(c.diagnostics.map((d) => d.code)).toContain('MC5002');
    expect(c.diff).toContain('-hand-written\n+web: 1\n');
    mkdirSync(join(out, '.meshc-txn'));
    writeFileSync(join(out, '.meshc-txn', 'journal.json'), '{}');
    expect(checkOutput(out, v1, meta).diagnostics.map((d) => d.code)).toEqual(['MC5009']);
    // A damaged journal cannot be recovered: an error, nothing else touched.
    expect(recoverOutput(out).diagnostics.map((d) => d.code)).toEqual(['MC5011']);
    expect(readFileSync(join(out, 'envoy', 'web.yaml'), 'utf8')).toBe('hand-written\n');
  });
});

describe('unsafeOutDirReason', () => {
  it('refuses /, the input directory, a parent of it, a symlink to it and an existing file; allows a subdirectory', () => {
    const input = join(tmp.dir, 'mesh');
    mkdirSync(join(input, 'sub'), { recursive: true });
    writeFileSync(join(input, 'mesh.yaml'), 'x: 1\n');
    expect(unsafeOutDirReason('/', input)).toBe('it is the root directory');
    expect(unsafeOutDirReason(input, input)).toBe('it is the input directory');
    expect(unsafeOutDirReason(input + '/', join(input, 'mesh.yaml'))).toBe('it is the input directory');
    expect(unsafeOutDirReason(tmp.dir, input)).toBe('it contains the input directory');
    expect(unsafeOutDirReason(join(input, 'sub', '..', '..'), join(input, 'sub'))).toBe('it contains the input directory');
    symlinkSync(input, join(tmp.dir, 'link'));
    expect(unsafeOutDirReason(join(tmp.dir, 'link'), input)).toBe('it is the input directory');
    expect(unsafeOutDirReason(join(input, 'mesh.yaml'), join(input, 'sub'))).toBe('it exists and is not a directory');
    expect(unsafeOutDirReason(join(input, 'out'), input)).toBeUndefined();
    expect(unsafeOutDirReason(join(tmp.dir, 'elsewhere', 'deep'), input)).toBeUndefined();
    expect(unsafeOutDirReason(join(tmp.dir, 'meshy'), input)).toBeUndefined();
    symlinkSync('nowhere', join(tmp.dir, 'dangling'));
    expect(unsafeOutDirReason(join(tmp.dir, 'dangling'), input)).toBe('it is a symbolic link to nowhere, which does not exist');
  });

  it("refuses another mesh's directory (a mistyped --out), but not a meshc output tree or a directory of other YAML", () => {
    const input = join(tmp.dir, 'staging');
    mkdirSync(input);
    writeFileSync(join(input, 'mesh.yaml'), 'apiVersion: meshc/v1alpha1\nkind: Mesh\n');
    const prod = join(tmp.dir, 'prod');
    mkdirSync(join(prod, 'team', '.hidden'), { recursive: true });
    writeFileSync(join(prod, 'README.md'), 'apiVersion: meshc/v1alpha1\n'); // not YAML
    writeFileSync(join(prod, 'team', '.hidden', 'x.yaml'), 'apiVersion: meshc/v1alpha1\n'); // hidden
    writeFileSync(join(prod, 'team', 'other.yaml'), 'apiVersion: apps/v1\nkind: Deployment\n');
    expect(unsafeOutDirReason(prod, input)).toBeUndefined();
    writeFileSync(join(prod, 'team', 'svc.yml'), '# yaml-language-server: $schema=x\napiVersion: "meshc/v1alpha1"\nkind: Service\n');
    expect(unsafeOutDirReason(prod, input)).toBe('it holds mesh files (team/svc.yml)');
    writeFileSync(join(prod, 'a.yaml'), '\ufeffapiVersion: meshc/v1alpha1\nkind: Mesh\n'); // after a BOM, which the loader drops
    expect(unsafeOutDirReason(prod, input)).toBe('it holds mesh files (a.yaml)');
    // A meshc output tree is meshc's (the loader skips it): not looked into.
    writeOutput(prod, v1, meta);
    expect(unsafeOutDirReason(prod, input)).toBeUndefined();
  });
});
