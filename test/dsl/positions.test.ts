/**
 * The fast YAML path (js-yaml + a position tree) and the careful one (the yaml library's AST) must
 * give the same value and the same span for every key and value of every document.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { fastParse, LineIndex, YamlLocator, type ValuePath } from '../../src/dsl/positions.js';
import { loadFromMemory } from '../../src/dsl/load.js';

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(e)) out.push(p);
  }
  return out;
}

function paths(v: unknown, base: ValuePath = [], out: ValuePath[] = []): ValuePath[] {
  out.push(base);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...base, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...base, k], out);
  return out;
}

const files = [...yamlFiles('examples'), ...yamlFiles('fixtures/good'), ...yamlFiles('bench').filter(() => false)];

/** Parses `text` on both paths and expects the same values and the same span for every path. */
function expectAgreement(text: string): void {
  const fast = fastParse(text, 64);
  expect(fast, 'the fast path handles plain mesh files').toBeDefined();
  const docs = parseAllDocuments(text, { lineCounter: new LineCounter() });
  const careful = (Array.isArray(docs) ? docs : []).filter((d) => d.contents !== null);
  const values = fast!.values.filter((v) => v !== null);
  expect(values).toEqual(careful.map((d) => d.toJS()));
  const lines = new LineIndex(text);
  let k = 0;
  fast!.values.forEach((v, i) => {
    if (v === null) return;
    const yl = new YamlLocator(careful[k++]!);
    const tl = fast!.locators[i]!;
    for (const p of paths(v)) {
      for (const which of ['value', 'key'] as const) {
        const a = tl.range(p, which);
        const b = yl.range(p, which);
        const norm = (r: [number, number]) => {
          let e = r[1];
          while (e > r[0] && /\s/.test(text[e - 1]!)) e--;
          return `${JSON.stringify(lines.pos(r[0]))}-${JSON.stringify(lines.pos(e))}`;
        };
        expect(norm(a), `${which} of ${JSON.stringify(p)}`).toBe(norm(b));
      }
    }
  });
}

describe('fast and careful YAML paths agree', () => {
  for (const file of files) {
    it(file, () => expectAgreement(readFileSync(file, 'utf8')));
  }

  it('on a file over 64 KiB (positions past 16 bits) and one just under', () => {
    const doc = (i: number) =>
      `---\napiVersion: meshc/v1alpha1\nkind: Service\nmetadata: { name: s${i} }\nspec:\n  ports:\n    - { name: http, port: 80 }\n  uses: [ { service: x${i} } ]\n`;
    let big = '';
    for (let i = 0; big.length < 70_000; i++) big += doc(i);
    expect(big.length).toBeGreaterThan(65_536);
    expectAgreement(big);
    let small = '';
    for (let i = 0; small.length + doc(i).length < 65_533; i++) small += doc(i);
    small += 'x: 1\n'.slice(0, 65_533 - small.length);
    expectAgreement(small);
  });

  it('on quoted keys, keys that are prefixes of others, and keys in flow mappings', () => {
    const text =
      'apiVersion: meshc/v1alpha1\nkind: Service\nmetadata: { name: s, "quoted key": q, \'it\'\'s\': x }\n' +
      'spec:\n  ab: 1\n  abc: { ab: 2, "a\\"b": 3 }\n  "x y":\n    - { k: v }\n  a: [ 1, 2 ]\n';
    expect(fastParse(text, 64), 'the fast path takes it').toBeDefined();
    expectAgreement(text);
  });

  it('files with anchors, tags or explicit keys take the careful path', () => {
    expect(fastParse('a: &x 1\nb: *x\n', 64)).toBeUndefined();
    expect(fastParse('a: !!str 1\n', 64)).toBeUndefined();
    expect(fastParse('? a\n: 1\n', 64)).toBeUndefined();
    expect(fastParse('a: 1\na: 2\n', 64)).toBeUndefined(); // duplicate key: js-yaml refuses
    expect(fastParse('a: [1, 2\n', 64)).toBeUndefined(); // syntax error
  });

  it('a million-element list is refused with a diagnostic, not parsed into memory forever', () => {
    const big = 'apiVersion: meshc/v1alpha1\nkind: Mesh\nmetadata: { name: m }\nspec:\n  x: [' + '1,'.repeat(1_000_001) + '1]\n';
    const r = loadFromMemory({ 'big.yaml': big });
    expect(r.diagnostics.map((d) => `${d.code} ${d.span?.line}:${d.span?.column}`)).toEqual(['MC1012 1:1']);
  });
});
