/**
 * The loader on input that users write by hand: linked files and folders, every YAML line break,
 * files that end without one, scalars and keys whose reading could depend on which of the three
 * parser paths a file takes, and bytes that are not text. Diagnostics are asserted by code and
 * position (line:column), not wording.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileMemory } from '../../src/compiler.js';
import { sortDiagnostics } from '../../src/diagnostics/bag.js';
import type { Diagnostic } from '../../src/diagnostics/types.js';
import { loadFromMemory, loadMesh } from '../../src/dsl/load.js';

const MESH = 'apiVersion: meshc/v1alpha1\nkind: Mesh\nmetadata: { name: m }\nspec: { namespace: ns, trustDomain: td.local }\n';
const service = (name: string) =>
  `apiVersion: meshc/v1alpha1\nkind: Service\nmetadata: { name: ${name} }\nspec:\n  ports: [ { name: http, port: 8080 } ]\n  workload: { image: ${name}:1 }\n`;

/** Each diagnostic as `code file:line:column` (with its related spans' positions), sorted. */
function where(ds: readonly Diagnostic[]): string[] {
  return sortDiagnostics([...ds]).map((d) => {
    const at = d.span ? `${d.span.file}:${d.span.line}:${d.span.column}` : '-';
    const rel = (d.related ?? []).map((r) => ` ~ ${r.span.line}:${r.span.column}`).join('');
    return `${d.code} ${at}${rel}`;
  });
}

/** Problems of a one-file mesh (with a Mesh beside it), through the whole front end. */
async function problems(text: string): Promise<string[]> {
  const r = await compileMemory({ 'mesh.yaml': MESH, 'svc.yaml': text }, { targets: ['ir'] });
  return where(r.diagnostics);
}

describe('symbolic links in the input directory', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'meshc-links-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('follows links to files and folders, and says which links it cannot follow', () => {
    mkdirSync(join(dir, 'shared/more'), { recursive: true });
    mkdirSync(join(dir, 'm/sub'), { recursive: true });
    writeFileSync(join(dir, 'm/mesh.yaml'), MESH);
    writeFileSync(join(dir, 'shared/api.yaml'), service('api'));
    writeFileSync(join(dir, 'shared/more/web.yaml'), service('web'));
    symlinkSync('../shared/api.yaml', join(dir, 'm/api.yaml'));
    symlinkSync('../../shared/more', join(dir, 'm/sub/linked'));
    symlinkSync('..', join(dir, 'm/sub/up')); // back to m: not walked again
    symlinkSync('../..', join(dir, 'm/sub/top')); // above the input: never walked
    symlinkSync('../../shared/more', join(dir, 'm/sub/twice')); // read already, as sub/linked
    symlinkSync('../sub', join(dir, 'm/sub/inside')); // into the input: read as itself
    symlinkSync('nowhere', join(dir, 'm/gone')); // dangling, not a mesh file's name
    symlinkSync('nowhere.yaml', join(dir, 'm/dangling.yaml')); // dangling mesh file
    symlinkSync('loop2.yaml', join(dir, 'm/loop1.yaml'));
    symlinkSync('loop1.yaml', join(dir, 'm/loop2.yaml'));
    const r = loadMesh(join(dir, 'm'));
    expect(r.files.map((f) => f.file)).toEqual(['api.yaml', 'mesh.yaml', 'sub/linked/web.yaml']);
    expect(r.documents.map((d) => (d.value as { metadata: { name: string } }).metadata.name)).toEqual(['api', 'm', 'web']);
    expect(where(r.diagnostics)).toEqual([
      'MC1001 dangling.yaml:1:1',
      'MC1017 gone:1:1',
      'MC1001 loop1.yaml:1:1',
      'MC1001 loop2.yaml:1:1',
      'MC1017 sub/inside:1:1',
      'MC1017 sub/top:1:1',
      'MC1017 sub/twice:1:1',
      'MC1017 sub/up:1:1',
    ]);
    expect(r.diagnostics.find((d) => d.code === 'MC1017' && d.span?.file === 'gone')!.severity).toBe('warning');
  });

  it('reads a directory reached through many links once (the walk stays linear)', () => {
    // Each level links twice to the next: walked naively, 2^12 copies of the one file at the bottom.
    const levels = 12;
    for (let i = 0; i <= levels; i++) mkdirSync(join(dir, `l${i}`));
    writeFileSync(join(dir, `l${levels}`, 'svc.yaml'), service('deep'));
    for (let i = 0; i < levels; i++) {
      symlinkSync(`../l${i + 1}`, join(dir, `l${i}`, 'a'));
      symlinkSync(`../l${i + 1}`, join(dir, `l${i}`, 'b'));
    }
    const r = loadMesh(join(dir, 'l0'));
    expect(r.files).toHaveLength(1);
    expect(r.diagnostics.map((d) => d.code)).toEqual(Array(levels).fill('MC1017'));
  });

  it('a linked folder and a linked file reaching the same resource are a duplicate, not one silently dropped', () => {
    mkdirSync(join(dir, 'shared'));
    mkdirSync(join(dir, 'm'));
    writeFileSync(join(dir, 'm/mesh.yaml'), MESH);
    writeFileSync(join(dir, 'shared/api.yaml'), service('api'));
    symlinkSync('../shared/api.yaml', join(dir, 'm/api.yaml'));
    symlinkSync('../shared', join(dir, 'm/shared'));
    const r = loadMesh(join(dir, 'm'));
    expect(r.files.map((f) => f.file)).toEqual(['api.yaml', 'mesh.yaml', 'shared/api.yaml']);
    expect(r.diagnostics).toEqual([]);
  });
});

describe('line breaks and the end of the file', () => {
  // Line 8, column 15: a port out of range.
  const bad = 'apiVersion: meshc/v1alpha1\nkind: Service\nmetadata:\n  name: catalog\nspec:\n  workload: { image: c:1 }\n  ports:\n    - { port: 99999, name: http }\n';

  it('positions are the same with LF, CRLF and lone CR line breaks, on every parser path', async () => {
    const want = ['MC2007 svc.yaml:8:15'];
    for (const text of [bad, bad.replace('image: c:1', 'image: &i c:1') /* the careful path */]) {
      expect(await problems(text)).toEqual(want);
      expect(await problems(text.replace(/\n/g, '\r\n'))).toEqual(want);
      expect(await problems(text.replace(/\n/g, '\r'))).toEqual(want);
    }
  });

  it('an empty value on the last line, without a final line break, is reported at its key on every path', async () => {
    const text = `${service('catalog')}  timeout:`; // line 7
    for (const t of [text, text.replace(/\n/g, '\r\n'), `# a\ttab: js-yaml's path\n${text}`, text.replace('image: catalog:1', 'image: &i catalog:1')]) {
      const shift = t.startsWith('#') ? 1 : 0;
      const r = await compileMemory({ 'mesh.yaml': MESH, 'svc.yaml': t }, { targets: ['ir'] });
      const d = r.diagnostics.filter((x) => x.span?.file === 'svc.yaml');
      expect(where(d)).toEqual([`MC2003 svc.yaml:${7 + shift}:3`]);
      expect(d[0]!.span!.endLine).toBe(7 + shift);
      expect(d[0]!.span!.endColumn).toBe(10); // `timeout`
    }
  });

  it('no span ends past the text, whichever path read it', () => {
    for (const text of [`${service('a')}  uses:\n    - service: b`, `${service('a')}  uses:\n    - service: b  `, `${service('a')}  uses:\n    - service: &x b`]) {
      const r = loadFromMemory({ 'svc.yaml': text });
      const doc = r.documents[0]!;
      const span = doc.span(['spec', 'uses']);
      expect(span).toMatchObject({ line: 8, column: 5, endLine: 8 });
      // Just past the `b` (the item starts at column 5, `service` at 7), never past the text.
      expect(span.endColumn).toBe(7 + 'service: b'.length + (text.includes('&x') ? 3 : 0));
    }
  });

  it('an unclosed quote is reported where it opens', async () => {
    const text = service('catalog').replace('image: catalog:1', 'image: "catalog:1');
    for (const t of [text, text.replace(/"/g, "'")]) {
      const r = loadFromMemory({ 'svc.yaml': t });
      expect(where(r.diagnostics)).toEqual(['MC1003 svc.yaml:6:22']);
    }
  });
});

describe('one reading of a document, whichever parser path its file takes', () => {
  const scalars = ['0b11', '-0b11', '0x1F', '-0x1F', '+0x1F', '0o17', '-0o7', '+.5', '-.5', '.5', '-0', '1_000', '012', '1e3', '.inf', '-.Inf', '.NaN', '~', 'Null', 'TRUE', 'yes', '1:20'];

  it('scalars resolve as js-yaml resolves them (the quick path), also on the careful path', () => {
    const body = scalars.map((s, i) => `  k${i}: ${s}\n`).join('');
    const plain = loadFromMemory({ 'a.yaml': `apiVersion: meshc/v1alpha1\nkind: Service\nspec:\n${body}` });
    const careful = loadFromMemory({ 'a.yaml': `apiVersion: meshc/v1alpha1\nkind: &k Service\nspec:\n${body}` });
    expect(plain.diagnostics).toEqual([]);
    expect(careful.diagnostics).toEqual([]);
    const a = (plain.documents[0]!.value as { spec: unknown }).spec;
    const b = (careful.documents[0]!.value as { spec: unknown }).spec;
    expect(b).toStrictEqual(a);
    expect(a).toMatchObject({ k0: 3, k3: -31, k7: '+.5', k8: '-.5', k9: 0.5, k11: '1_000', k17: null, k20: 'yes' });
  });

  it('keys that become the same string are a duplicate key (MC1004), pointing at the first', async () => {
    for (const [first, second] of [['"1"', '1'], ['"true"', 'true'], ['1', '"1"'], ['1.0', '"1"']]) {
      const text = `apiVersion: meshc/v1alpha1\nkind: Service\nmetadata:\n  name: catalog\n  labels:\n    ${first}: a\n    ${second}: b\n`;
      const r = loadFromMemory({ 'svc.yaml': text });
      expect(where(r.diagnostics), `${first} / ${second}`).toEqual(['MC1004 svc.yaml:7:5 ~ 6:5']);
    }
  });

  it('a duplicate key points at the first one on the careful path', () => {
    const text = 'apiVersion: meshc/v1alpha1\nkind: Service\nspec:\n  ports:\n    - { name: http, port: 8080, protocol: http, port: 9090 }\n  workload:\n    image: a:1\n    image: b:1\n';
    for (const t of [text, text.replace(/\n/g, '\r\n'), text.replace(/\n/g, '\r')]) {
      expect(where(loadFromMemory({ 'svc.yaml': t }).diagnostics)).toEqual(['MC1004 svc.yaml:5:49 ~ 5:21', 'MC1004 svc.yaml:8:5 ~ 7:5']);
    }
  });
});

describe('byte order marks', () => {
  it('one at the start of a file is dropped; one at the start of a later document is MC1003 there (not an unknown field "\\ufeffapiVersion")', () => {
    expect(loadFromMemory({ 'a.yaml': `\ufeff${MESH}` }).diagnostics).toEqual([]);
    expect(where(loadFromMemory({ 'a.yaml': `${MESH}---\n\ufeff${service('a')}` }).diagnostics)).toEqual(['MC1003 a.yaml:6:1']);
    // Inside a value it is a character like any other.
    expect(loadFromMemory({ 'a.yaml': `${MESH.replace('name: m', 'name: "m\ufeff"')}` }).diagnostics).toEqual([]);
  });
});

describe('aliases', () => {
  it('an alias without an anchor before it in its document is a syntax error at the alias, not an alias bomb', () => {
    const text = `${service('web')}---\napiVersion: meshc/v1alpha1\nkind: Route\nmetadata: { name: r }\nspec:\n  service: *p\n`;
    expect(where(loadFromMemory({ 'svc.yaml': text }).diagnostics)).toEqual(['MC1003 svc.yaml:12:12']);
    const bomb = `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`;
    expect(where(loadFromMemory({ 'bomb.yaml': bomb }).diagnostics)).toEqual(['MC1010 bomb.yaml:1:1']);
  });
});

describe('escapes that make no character', () => {
  it('a lone surrogate in a value or a key is MC1018 where it is written; a pair is a character', () => {
    const svc = (env: string) => `apiVersion: meshc/v1alpha1\nkind: Service\nmetadata: { name: web }\nspec:\n  ports: [ { name: http, port: 8080 } ]\n  workload:\n    image: web:1\n    env: ${env}\n`;
    expect(where(loadFromMemory({ 'svc.yaml': svc('{ A: "ok \\ud83d\\ude00", B: "a\\ud800b" }') }).diagnostics)).toEqual(['MC1018 svc.yaml:8:37']);
    expect(where(loadFromMemory({ 'svc.yaml': svc('{ "x\\udc00": v }') }).diagnostics)).toEqual(['MC1018 svc.yaml:8:12']);
    const fine = loadFromMemory({ 'svc.yaml': svc('{ A: "\\U0001F600 \\ud83d\\ude00" }') });
    expect(fine.diagnostics).toEqual([]);
    expect((fine.documents[0]!.value as { spec: { workload: { env: { A: string } } } }).spec.workload.env.A).toBe('😀 😀');
  });
});

describe('bytes that are not UTF-8 text', () => {
  const at = (bytes: Buffer) => where(loadFromMemoryBytes(bytes));

  it('are reported at the first bad byte (line and UTF-16 column)', () => {
    expect(at(Buffer.from('a: 1\nb: "\u00e9t\u00e9"\n', 'latin1'))).toEqual(['MC1013 x.yaml:2:5']); // Latin-1: é is one byte 0xe9
    const utf8 = Buffer.concat([Buffer.from('a: 1\nb: "\u00e9t\u00e9 ', 'utf8'), Buffer.from([0xe9]), Buffer.from('"\n')]);
    expect(at(utf8)).toEqual(['MC1013 x.yaml:2:9']);
    expect(at(Buffer.from('a: 1\r\nb: x\u0000\n', 'utf8'))).toEqual(['MC1013 x.yaml:2:5']);
    expect(at(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('ab'), Buffer.from([0xed, 0xa0, 0x80])]))).toEqual(['MC1013 x.yaml:1:3']);
  });

  it('a byte sequence is refused exactly when strict UTF-8 decoding refuses it', () => {
    const strict = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), (a) => {
        const bytes = Buffer.from(a.map((b) => (b === 0 ? 1 : b)));
        let ok = true;
        try {
          strict.decode(bytes);
        } catch {
          ok = false;
        }
        const ds = loadFromMemoryBytes(Buffer.concat([Buffer.from('# '), bytes, Buffer.from('\n')])).filter((d) => d.code === 'MC1013');
        expect(ds.length === 0).toBe(ok);
      }),
      { numRuns: 3000 },
    );
  });
});

/** Loads one file of raw bytes (loadFromMemory takes text). */
function loadFromMemoryBytes(bytes: Buffer): Diagnostic[] {
  const dir = mkdtempSync(join(tmpdir(), 'meshc-bytes-'));
  try {
    writeFileSync(join(dir, 'x.yaml'), bytes);
    return loadMesh(dir).diagnostics;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
