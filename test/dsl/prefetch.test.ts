/**
 * The loader's reader thread (src/dsl/prefetch.ts, reader.ts): what it hands over must be exactly
 * what reading each file in this thread gives. The thread runs compiled JavaScript, so these tests
 * drive the modules in dist/ (npm test builds them first).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const dist = (p: string) => import(pathToFileURL(join(import.meta.dirname, '../../dist/src/dsl', p)).href);
const { Prefetcher, BATCH_BYTES } = (await dist('prefetch.js')) as typeof import('../../src/dsl/prefetch.js');
const { readBounded } = (await dist('readfile.js')) as typeof import('../../src/dsl/readfile.js');
const { loadMesh, loadFromMemory } = (await dist('load.js')) as typeof import('../../src/dsl/load.js');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshc-prefetch-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** What reading happens to give, comparable: bytes as text, sizes, or the error's code. */
function outcome(read: () => unknown): unknown {
  try {
    const r = read();
    return Buffer.isBuffer(r) ? r.toString('latin1') : r;
  } catch (err) {
    return { threw: (err as NodeJS.ErrnoException).code };
  }
}

describe('the reader thread', () => {
  it('hands over, in order, what reading each file here gives: bytes, and the errors of missing files', () => {
    const paths: string[] = [];
    for (let i = 0; i < 700; i++) {
      const p = join(dir, `f${String(i).padStart(4, '0')}.yaml`);
      // Every 50th file is missing; runs of four files of a third of a batch's bytes each cut
      // their batch short (the rest of its claim is given back and read in the next one).
      if (i % 50 !== 25) writeFileSync(p, i % 97 >= 3 && i % 97 <= 6 ? 'x'.repeat(BATCH_BYTES / 3) : `n: ${i}\n`);
      paths.push(p);
    }
    const ahead = Prefetcher.start(paths, BATCH_BYTES);
    expect(ahead, 'the compiled reader module is there').toBeDefined();
    expect(ahead!.waitForReader(10_000), 'the reader thread runs').toBe(true);
    const got = paths.map((_, i) => outcome(() => ahead!.read(i)));
    ahead!.close();
    const want = paths.map((p) => outcome(() => readBounded(p, BATCH_BYTES)));
    expect(got).toEqual(want);
    expect(ahead!.readHere, 'every file came from the reader (none after a stall)').toBe(0);
    expect(want.filter((w) => (w as { threw?: string }).threw === 'ENOENT')).toHaveLength(14);
  });

  it('reports sizes over the limit as reading here does', () => {
    const paths = Array.from({ length: 300 }, (_, i) => {
      const p = join(dir, `g${String(i).padStart(4, '0')}.yaml`);
      writeFileSync(p, i % 3 === 0 ? `big: ${'y'.repeat(60)}\n` : `n: ${i}\n`);
      return p;
    });
    const ahead = Prefetcher.start(paths, 40)!;
    expect(ahead.waitForReader(10_000)).toBe(true);
    const got = paths.map((_, i) => outcome(() => ahead.read(i)));
    ahead.close();
    expect(got).toEqual(paths.map((p) => outcome(() => readBounded(p, 40))));
    expect(ahead.readHere).toBe(0);
    expect(got.filter((g) => typeof g === 'object')).toHaveLength(100);
  });

  it('once closed (a load that stopped early), later files are read in this thread', () => {
    const paths = Array.from({ length: 400 }, (_, i) => {
      const p = join(dir, `h${i}.yaml`);
      writeFileSync(p, `n: ${i}\n`);
      return p;
    });
    const ahead = Prefetcher.start(paths, 1024)!;
    expect(ahead.waitForReader(10_000)).toBe(true);
    for (let i = 0; i < 10; i++) expect(outcome(() => ahead.read(i))).toBe(`n: ${i}\n`);
    ahead.close();
    for (let i = 10; i < 400; i++) expect(outcome(() => ahead.read(i))).toBe(`n: ${i}\n`);
    expect(ahead.readHere).toBe(390);
  });

  it('a mesh of many files loads as the same files from memory do (documents, positions, diagnostics)', () => {
    const files: Record<string, string> = {};
    files['mesh.yaml'] = 'apiVersion: meshc/v1alpha1\nkind: Mesh\nmetadata: { name: m }\nspec: { namespace: m, trustDomain: t.local }\n';
    for (let i = 0; i < 300; i++) {
      files[`services/s${String(i).padStart(3, '0')}.yaml`] =
        `apiVersion: meshc/v1alpha1\nkind: Service\nmetadata: { name: s${i} }\nspec:\n  ports: [ { name: http, port: 80 } ]\n`;
    }
    files['services/s007.yaml'] = 'apiVersion: meshc/v1alpha1\nkind: Service\nmetadata: { name: [ }\n'; // a syntax error
    files['services/s008.yaml'] = '\xff\xfe not utf-8'; // (written as latin1 bytes below)
    mkdirSync(join(dir, 'services'));
    for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text, f.endsWith('s008.yaml') ? 'latin1' : 'utf8');
    const fromDisk = loadMesh(dir);
    const { ['services/s008.yaml']: _notUtf8, ...readable } = files;
    const fromMemory = loadFromMemory(readable, dir);
    const view = (r: ReturnType<typeof loadMesh>) => ({
      files: r.files.map((f) => [f.file, f.text]),
      documents: r.documents.map((d) => [d.file, d.index, d.value, d.span(['metadata', 'name'])]),
      diagnostics: r.diagnostics.map((d) => [d.code, d.span?.file, d.span?.line, d.span?.column]),
    });
    const disk = view(fromDisk);
    const memory = view(fromMemory);
    expect(disk.documents).toHaveLength(299); // the Mesh and 298 Services (s007 does not parse; s008 is not UTF-8)
    expect(disk.documents).toEqual(memory.documents);
    expect(disk.files).toEqual(memory.files);
    expect(disk.diagnostics).toEqual([...memory.diagnostics, ['MC1013', 'services/s008.yaml', 1, 1]].sort((a, b) => String(a[1]).localeCompare(String(b[1]))));
  });
});
