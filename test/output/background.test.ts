/**
 * A write whose files are planned, hashed and staged on a worker thread (WriteOptions.background,
 * src/output/stager.ts), as `meshc build` does it. The worker is compiled JavaScript, so these
 * tests drive the compiled module in dist/ (npm test builds it first) and compare every outcome
 * with the same write done in this thread.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutputFile } from '../../src/target/types.js';
import { inconsistencies, snapshot, tempDir } from './helpers.js';

const dist = (await import(pathToFileURL(join(import.meta.dirname, '../../dist/src/output/write.js')).href)) as typeof import('../../src/output/write.js');
const { beginOutput, checkOutput, OutputCheck, OutputWrite, writeOutput } = dist;

const meta = { inputHash: 'a'.repeat(64), meshcVersion: '0.1.0' };
const meta2 = { inputHash: 'b'.repeat(64), meshcVersion: '0.1.0' };
const f = (path: string, content: string): OutputFile => ({ path, content });

const v1: OutputFile[] = [
  f('envoy/web.yaml', 'web: 1\nport: 8080\n'),
  f('envoy/cart.yaml', 'cart: 1\n'),
  f('haproxy/haproxy.cfg', 'global\n  maxconn 100\n'),
  f('old/only/gone.txt', 'soon gone\n'),
  f('kind', 'a file that becomes a directory\n'),
  f('utf8/unicode.txt', 'naïve café — 名前 😀\n'),
  f('empty', ''),
];
const v2: OutputFile[] = [
  f('envoy/web.yaml', 'web: 2\nport: 8080\n'), // same size, other bytes: replaced
  f('envoy/cart.yaml', 'cart: 1\n'),
  f('envoy/new.yaml', 'new: true\n'),
  f('kind/now-a-dir.yaml', 'x: 1\n'),
  f('utf8/unicode.txt', 'naïve café — 名前 😀 and more\n'),
  f('empty', ''),
];

let tmp: { dir: string; cleanup: () => void };
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

function begin(out: string, background: boolean) {
  const w = beginOutput(out, { background, displayOut: 'out' });
  if (!(w instanceof OutputWrite)) throw new Error(w.diagnostics.map((d) => d.message).join('\n'));
  expect(w.background).toBe(background);
  return w;
}

/** Writes `files` through an OutputWrite in the background and in this thread; returns both results. */
function both(files: readonly OutputFile[], m = meta, prepare: (out: string) => void = () => {}) {
  return [true, false].map((background) => {
    const out = join(tmp.dir, background ? 'bg' : 'fg');
    prepare(out);
    const w = begin(out, background);
    for (const file of files) w.add(file);
    const { backgroundCpuMs, ...r } = w.commit(m);
    // The stager's thread says how much CPU it used (Linux); a write in this thread has no such thread.
    if (background && process.platform === 'linux') expect(backgroundCpuMs).toBeGreaterThanOrEqual(0);
    else expect(backgroundCpuMs).toBeUndefined();
    return { out, r };
  });
}

describe('OutputWrite in the background', () => {
  it('creates, replaces, keeps and prunes exactly as a write in this thread does', () => {
    for (const background of [true, false]) {
      const out = join(tmp.dir, background ? 'bg' : 'fg');
      for (const [files, m] of [[v1, meta], [v2, meta2], [v2, meta2], [v1, meta]] as const) {
        const w = begin(out, background);
        for (const file of [...files].reverse()) w.add(file);
        const r = w.commit(m);
        expect(r.diagnostics).toEqual([]);
      }
    }
    expect(snapshot(join(tmp.dir, 'bg'))).toEqual(snapshot(join(tmp.dir, 'fg')));
    const [bg, fg] = both(v2, meta2, (out) => writeOutput(out, v1, meta));
    expect(bg!.r).toEqual(fg!.r);
    expect(bg!.r.replaced).toEqual(['envoy/web.yaml', 'utf8/unicode.txt']);
    expect(bg!.r.unchanged).toEqual(['envoy/cart.yaml', 'empty']);
    expect(snapshot(bg!.out)).toEqual(snapshot(fg!.out));
    expect(inconsistencies(bg!.out)).toEqual([]);
    expect(readFileSync(join(bg!.out, 'utf8/unicode.txt'), 'utf8')).toBe('naïve café — 名前 😀 and more\n');
  });

  it('hands over more than its ring holds (files that wrap at its end, files too big for it, small ones) and hashes every byte', () => {
    // 32 MiB ring: the big files (1.2-2.4 MB each, 60 MB in all) wrap around it several times and
    // wait for room; huge.txt (up to 9 MB of UTF-8) goes over the command port instead.
    expect(dist.RING_BYTES).toBe(32 << 20);
    const files: OutputFile[] = [];
    for (let i = 0; i < 40; i++) files.push(f(`big/${i}.txt`, `${i}é`.repeat(400_000 + i * 997)));
    for (let i = 0; i < 3000; i++) files.push(f(`small/${i % 7}/${i}.txt`, `file ${i} ✓\n`.repeat(1 + (i % 50))));
    files.push(f('huge.txt', 'x'.repeat(3 << 20)));
    const [bg, fg] = both(files);
    expect(bg!.r.diagnostics).toEqual([]);
    expect(bg!.r).toEqual(fg!.r);
    expect(inconsistencies(bg!.out)).toEqual([]);
    expect(readFileSync(join(bg!.out, 'meshc-manifest.json'), 'utf8')).toBe(readFileSync(join(fg!.out, 'meshc-manifest.json'), 'utf8'));
    expect(readFileSync(join(bg!.out, 'big/39.txt'), 'utf8')).toBe(files[39]!.content);
  });

  it('reports a foreign file in the way (MC5002) from the worker, changing nothing', () => {
    const outs = both(v1, meta, (out) => {
      mkdirSync(join(out, 'envoy'), { recursive: true });
      writeFileSync(join(out, 'envoy', 'web.yaml'), 'hand-written\n');
    });
    for (const { out, r } of outs) {
      expect(r.diagnostics.map((d) => d.code)).toEqual(['MC5002']);
      expect(snapshot(out)).toEqual({ 'envoy/web.yaml': 'hand-written\n' });
    }
    expect(outs[0]!.r.diagnostics[0]!.message).toBe(outs[1]!.r.diagnostics[0]!.message);
  });

  it('reads the previous manifest in the worker: a bad one (MC5004) or a directory in its place (MC5003) is reported as in this thread, and nothing changes', () => {
    const cases: [string, (out: string) => void, string][] = [
      ['not JSON', (out) => writeFileSync(join(out, 'meshc-manifest.json'), '{ not json'), 'MC5004'],
      ['an unsafe path', (out) => writeFileSync(join(out, 'meshc-manifest.json'), JSON.stringify({ generator: 'meshc', manifestVersion: 1, meshcVersion: '0', inputHash: '', files: [{ path: '../x', sha256: 'a'.repeat(64) }] })), 'MC5004'],
      ['a directory', (out) => mkdirSync(join(out, 'meshc-manifest.json')), 'MC5003'],
    ];
    for (const [name, spoil, code] of cases) {
      const messages = [true, false].map((background) => {
        const out = join(tmp.dir, `${background ? 'bg' : 'fg'}-${code}-${name.length}`);
        writeOutput(out, v2, meta2);
        rmSync(join(out, 'meshc-manifest.json'));
        spoil(out);
        const before = snapshot(out);
        const w = beginOutput(out, { background, displayOut: 'out' });
        if (!(w instanceof OutputWrite)) throw new Error('no write');
        // A bad manifest is found by the worker; what is not a file at all, by the write's lstat.
        expect(w.background, name).toBe(background && code === 'MC5004');
        for (const file of v1) w.add(file);
        const r = w.commit(meta);
        expect(r.diagnostics.map((d) => d.code), name).toEqual([code]);
        expect(r.created, name).toEqual([]);
        expect(snapshot(out), name).toEqual(before);
        expect(existsSync(join(out, '.meshc-txn')) || existsSync(join(out, '.meshc-lock')), name).toBe(false);
        return r.diagnostics[0]!.message;
      });
      expect(messages[0]).toBe(messages[1]);
    }
    // A write given up before its commit says the same: the worker's MC5004 comes back with its stop.
    for (const background of [true, false]) {
      const out = join(tmp.dir, `abort-${background}`);
      writeOutput(out, v2, meta2);
      writeFileSync(join(out, 'meshc-manifest.json'), '{ not json');
      const before = snapshot(out);
      const w = beginOutput(out, { background, displayOut: 'out' });
      if (!(w instanceof OutputWrite)) throw new Error('no write');
      expect(w.background).toBe(background);
      for (const file of v1) w.add(file);
      expect(w.abort().diagnostics.map((d) => d.code), `background ${background}`).toEqual(['MC5004']);
      expect(snapshot(out)).toEqual(before);
    }
  });

  it('checks (--check) in the worker exactly as checkOutput does, whatever order the files come in, writing nothing', () => {
    const trees: [string, (out: string) => void][] = [
      ['up to date', (out) => writeOutput(out, v1, meta)],
      ['an older build', (out) => writeOutput(out, v2, meta2)],
      ['no tree', () => {}],
      ['a foreign file in the way, a stale one, a missing one', (out) => {
        writeOutput(out, v1, meta);
        writeFileSync(join(out, 'envoy', 'web.yaml'), 'hand-written\n');
        writeFileSync(join(out, 'utf8', 'unicode.txt'), 'naïve café — 名前 😀 edited\n');
        rmSync(join(out, 'envoy', 'cart.yaml'));
        const m = JSON.parse(readFileSync(join(out, 'meshc-manifest.json'), 'utf8')) as { files: { path: string }[] };
        m.files = m.files.filter((e) => e.path !== 'envoy/web.yaml' && e.path !== 'kind' && e.path !== 'empty');
        writeFileSync(join(out, 'kind'), 'mine now\n');
        writeFileSync(join(out, 'meshc-manifest.json'), JSON.stringify(m));
      }],
      ['a bad manifest', (out) => {
        writeOutput(out, v1, meta);
        writeFileSync(join(out, 'meshc-manifest.json'), '[]');
      }],
      ['an interrupted build', (out) => {
        writeOutput(out, v1, meta);
        mkdirSync(join(out, '.meshc-txn'));
        writeFileSync(join(out, '.meshc-txn', 'journal.json'), '{}');
      }],
    ];
    for (const [name, prepare] of trees) {
      const out = join(tmp.dir, name.replaceAll(' ', '-'));
      prepare(out);
      const before = existsSync(out) ? snapshot(out) : undefined;
      const want = checkOutput(out, v1, meta, { displayOut: 'out' });
      const check = new OutputCheck(out, { displayOut: 'out', background: true });
      expect(check.background, name).toBe(name !== 'an interrupted build');
      for (const file of [...v1].reverse()) check.add(file);
      expect(check.files).toBe(v1.length);
      expect(check.finish(meta), name).toEqual(want);
      expect(existsSync(out) ? snapshot(out) : undefined, name).toEqual(before);
    }
    // A write that begins while the files are compared (a check takes no lock) is told at the end,
    // not mixed in; a check stopped half way leaves nothing behind either.
    for (const background of [true, false]) {
      const out = join(tmp.dir, `racing-${background}`);
      writeOutput(out, v1, meta);
      const check = new OutputCheck(out, { displayOut: 'out', background });
      expect(check.background).toBe(background);
      for (const file of v1.slice(0, 3)) check.add(file);
      mkdirSync(join(out, '.meshc-txn'));
      writeFileSync(join(out, '.meshc-txn', 'journal.json'), '{}');
      for (const file of v1.slice(3)) check.add(file);
      expect(check.finish(meta)).toEqual({ diagnostics: [expect.objectContaining({ code: 'MC5009' })], stale: true, diff: '' });
      const stopped = new OutputCheck(join(tmp.dir, 'up-to-date'), { displayOut: 'out', background });
      for (const file of v1.slice(0, 3)) stopped.add(file);
      stopped.abort();
      expect(existsSync(join(tmp.dir, 'up-to-date', '.meshc-txn'))).toBe(false);
    }
    // What the cases must show, so that the comparison above means something.
    const spoiled = checkOutput(join(tmp.dir, 'a-foreign-file-in-the-way,-a-stale-one,-a-missing-one'), v1, meta, { displayOut: 'out' });
    // (kind arrives before envoy/web.yaml above: the problems are told in path order all the same.)
    expect(spoiled.diagnostics.map((d) => [d.code, d.message.split(' ')[0]])).toEqual([
      ['MC5002', 'out/envoy/web.yaml'], ['MC5002', 'out/kind'], ['MC5010', 'out/envoy/cart.yaml'], ['MC5010', 'out/meshc-manifest.json'], ['MC5010', 'out/utf8/unicode.txt'],
    ]);
    expect(checkOutput(join(tmp.dir, 'a-bad-manifest'), v1, meta).diagnostics.map((d) => d.code)).toEqual(['MC5004']);
  });

  it('`meshc build --check` (the compiled CLI, which compares in the worker) is clean on its own output, then finds a stale file', () => {
    const bin = join(import.meta.dirname, '../../dist/src/cli/main.js');
    const webshop = join(import.meta.dirname, '../../examples/webshop');
    const out = join(tmp.dir, 'cli');
    // The webshop is below BACKGROUND_FROM: MESHC_BACKGROUND_FROM=0 puts the comparison on the worker.
    const env = { ...process.env, MESHC_BACKGROUND_FROM: '0' };
    const run = (...extra: string[]) => spawnSync(process.execPath, [bin, 'build', webshop, '--out', out, ...extra], { encoding: 'utf8', env });
    expect(run().status).toBe(0);
    const before = snapshot(out);
    const clean = run('--check');
    expect([clean.status, clean.stdout], clean.stderr).toEqual([0, '']);
    expect(clean.stderr).toMatch(/is up to date \((\d+) files, targets: envoy, haproxy, kubernetes, nftables\)/);
    expect(Number(/\((\d+) files/.exec(clean.stderr)![1])).toBe(Object.keys(before).length - 1);
    writeFileSync(join(out, 'envoy', 'cart.yaml'), 'edited: by hand\n');
    const stale = run('--check', '--format', 'json');
    expect(stale.status).toBe(1);
    const errors = (JSON.parse(stale.stdout).diagnostics as { code: string; severity: string; message: string }[]).filter((d) => d.severity === 'error');
    expect(errors.map((d) => [d.code, d.message.includes('envoy/cart.yaml')])).toEqual([['MC5010', true]]);
    expect(stale.stderr).toContain('-edited: by hand\n');
    expect(snapshot(out)).toEqual({ ...before, 'envoy/cart.yaml': 'edited: by hand\n' });
  });

  it('`meshc build` run from `node --input-type=module -e` (an embedding script) still writes through its worker threads, and loads no verifier, ajv compiler or yaml library', () => {
    const bin = join(import.meta.dirname, '../../dist/src/cli/main.js');
    const webshop = join(import.meta.dirname, '../../examples/webshop');
    const out = join(tmp.dir, 'embedded');
    // Workers inherit the parent's options, and a file worker refuses --input-type: without
    // src/util/worker.ts the writer's stager never starts and the build waits 60 s for it.
    const script = `import { createRequire } from 'node:module';
import { writeSync } from 'node:fs';
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => writeSync(3, JSON.stringify(Object.keys(cache))));
process.argv = [process.argv[0], 'meshc', 'build', ${JSON.stringify(webshop)}, '--out', ${JSON.stringify(out)}];
await import(${JSON.stringify(pathToFileURL(bin).href)});`;
    const env = { ...process.env, MESHC_BACKGROUND_FROM: '0' }; // the webshop would be written in this thread
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', 'pipe'], timeout: 30_000, env });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/wrote .*embedded \(targets: envoy, haproxy, kubernetes, nftables; \d+ created/);
    expect(inconsistencies(out)).toEqual([]);
    // CommonJS packages loaded in the process (ES modules do not show here; their CommonJS dependencies do).
    const packages = new Set((JSON.parse(r.output[3] as string) as string[]).flatMap((p) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(p)?.[1] ?? []));
    expect([...packages]).toEqual(expect.arrayContaining(['commander', 'handlebars']));
    for (const lazy of ['yaml', 'protobufjs', 'ajv-formats', 'ajv-i18n']) expect(packages.has(lazy), lazy).toBe(false);
    expect((JSON.parse(r.output[3] as string) as string[]).some((p) => p.endsWith('node_modules/ajv/dist/ajv.js'))).toBe(false);
  });

  it('keeps --check\'s diff under CHECK_DIFF_CHARS when everything differs (MC5012), still reporting every stale file, in the worker and in this thread', () => {
    // 48 files of 1 MiB whose every line changes: 96 MiB of diff if it were all kept.
    const big = (tag: string) => Array.from({ length: 48 }, (_, i) => f(`big/${String(i).padStart(2, '0')}.txt`, Array.from({ length: 16384 }, (_, j) => `${tag}${i}-${j}`.padEnd(63, '.')).join('\n') + '\n'));
    const before = big('old');
    const after = big('new');
    for (const background of [true, false]) {
      const out = join(tmp.dir, `everything-${background}`);
      writeOutput(out, before, meta);
      const check = new OutputCheck(out, { displayOut: 'out', background });
      expect(check.background).toBe(background);
      for (const file of after) check.add(file);
      const r = check.finish(meta2);
      expect(r.stale).toBe(true);
      const codes = r.diagnostics.map((d) => d.code);
      expect(codes.filter((c) => c === 'MC5010')).toHaveLength(49); // 48 files and the manifest
      const note = r.diagnostics.find((d) => d.code === 'MC5012');
      const m = /shows (\d+) of the 49 differing files; the other (\d+) are left out once it reached 32 MiB/.exec(note?.message ?? '');
      expect(m, note?.message).not.toBeNull();
      const shownFiles = Number(m![1]);
      expect(shownFiles + Number(m![2])).toBe(49);
      expect(r.diff.split('\ndiff --git ').length).toBe(shownFiles);
      expect(r.diff.length).toBeGreaterThanOrEqual(dist.CHECK_DIFF_CHARS);
      expect(r.diff.length).toBeLessThan(dist.CHECK_DIFF_CHARS + (3 << 20)); // at most one file's diff past it
    }
  });

  it('writes in the background whatever Node options the process was started with (V8 flags, --input-type, both)', () => {
    const write = pathToFileURL(join(import.meta.dirname, '../../dist/src/output/write.js')).href;
    const load = pathToFileURL(join(import.meta.dirname, '../../dist/src/dsl/prefetch.js')).href;
    // Node refuses V8 flags given to a worker explicitly, and --input-type inherited by a file worker.
    const script = (out: string) => `const { beginOutput } = await import(${JSON.stringify(write)});
const { Prefetcher } = await import(${JSON.stringify(load)});
const w = beginOutput(${JSON.stringify(out)}, { background: true });
w.add({ path: 'a/b.txt', content: 'x' });
const r = w.commit({ inputHash: 'h', meshcVersion: '0' });
// The loader's reader thread, on the file just written.
const reader = Prefetcher.start([${JSON.stringify(join(out, 'a/b.txt'))}], 1000);
const readerRan = reader !== undefined && reader.waitForReader(20000);
const got = reader?.read(0);
reader?.close();
console.log(JSON.stringify({ background: w.background, created: r.created, cpu: r.backgroundCpuMs !== undefined, readerRan, readHere: reader?.readHere, got: Buffer.isBuffer(got) ? got.toString() : got }));`;
    for (const flags of [['--expose-gc', '--max-old-space-size=512'], ['--input-type=module'], ['--input-type=module', '--expose-gc']]) {
      const out = join(tmp.dir, `flags-${flags.join('').replace(/[^a-z]/g, '')}`);
      const args = flags.includes('--input-type=module') ? [...flags, '-e', script(out)] : (() => {
        const file = join(tmp.dir, `flags-${flags.length}.mjs`);
        writeFileSync(file, script(out));
        return [...flags, file];
      })();
      const r = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 30_000 });
      expect(r.status, `${flags.join(' ')}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout), flags.join(' ')).toEqual({ background: true, created: ['a/b.txt'], cpu: process.platform === 'linux', readerRan: true, readHere: 0, got: 'x' });
    }
  });

  it('abort stops the worker and leaves the tree as it was, with no staging directory or lock', () => {
    const out = join(tmp.dir, 'out');
    writeOutput(out, v1, meta);
    const before = snapshot(out);
    const w = begin(out, true);
    for (const file of v2) w.add(file);
    for (let i = 0; i < 2000; i++) w.add(f(`more/${i}.txt`, 'y'.repeat(4000)));
    w.abort();
    expect(snapshot(out)).toEqual(before);
    const fresh = join(tmp.dir, 'fresh', 'out');
    const w2 = begin(fresh, true);
    w2.add(f('a/b.yaml', 'x: 1\n'));
    w2.abort();
    expect(existsSync(join(tmp.dir, 'fresh'))).toBe(false);
  });

  it('a path emitted twice is a meshc bug thrown at commit, and the tree stays as it was', () => {
    const out = join(tmp.dir, 'out');
    writeOutput(out, v1, meta);
    const before = snapshot(out);
    const w = begin(out, true);
    w.add(f('envoy/web.yaml', 'web: 9\n'));
    w.add(f('envoy/web.yaml', 'web: 10\n'));
    expect(() => w.commit(meta2)).toThrow(/meshc bug: two output files at envoy\/web.yaml/);
    expect(snapshot(out)).toEqual(before);
    // An unsafe path is refused at once, in this thread.
    const w2 = begin(out, true);
    expect(() => w2.add(f('../escape', 'x'))).toThrow(/meshc bug/);
    w2.abort();
    expect(snapshot(out)).toEqual(before);
  });

  it.runIf(process.platform === 'linux')('a stager whose thread ends without answering (out of memory, say) is a meshc bug at commit, not a wait for ever', async () => {
    const out = join(tmp.dir, 'out');
    writeOutput(out, v1, meta);
    const before = snapshot(out);
    const w = begin(out, true);
    for (const file of v2) w.add(file);
    // What a fatal error in the worker does, once it has started: its thread ends; nothing answers.
    const backend = (w as unknown as { backend: { worker: { terminate(): Promise<number> }; control: Int32Array } }).backend;
    for (let i = 0; i < 200 && Atomics.load(backend.control, dist.CONTROL.started) === 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(Atomics.load(backend.control, dist.CONTROL.started)).toBe(1);
    await backend.worker.terminate();
    const started = Date.now();
    expect(() => w.commit(meta2)).toThrow(/meshc bug: the background stager stopped without answering/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(snapshot(out)).toEqual(before);
    // The lock is released: the next write goes through.
    expect(writeOutput(out, v2, meta2).diagnostics).toEqual([]);
  });
});
