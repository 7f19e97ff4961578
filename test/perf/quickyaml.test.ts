/**
 * The loader's quick YAML parser (src/dsl/quickyaml.ts, a speed-up for the plain subset of YAML)
 * must read exactly what the js-yaml path reads: the same values, and the same span for every key
 * and value (and for paths that do not exist). Whatever it does not handle it must hand over.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { meshFiles } from '../../bench/generate.js';
import { jsyamlParse, type ValuePath } from '../../src/dsl/positions.js';
import { quickParse } from '../../src/dsl/quickyaml.js';

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir).sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(e)) out.push(p);
  }
  return out;
}

/** Every path of a value, plus paths that do not exist below each. */
function paths(v: unknown, base: ValuePath = [], out: ValuePath[] = []): ValuePath[] {
  out.push(base, [...base, 'zz'], [...base, 0], [...base, 99]);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...base, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...base, k], out);
  return out;
}

/** Whether the quick parser took the text; throws when it reads it differently from js-yaml. */
function agrees(text: string): boolean {
  const quick = quickParse(text, 64);
  if (!quick) return false;
  const slow = jsyamlParse(text, 64);
  expect(slow, 'js-yaml refuses what the quick parser accepted').toBeDefined();
  expect(quick.values).toStrictEqual(slow!.values);
  slow!.values.forEach((v, i) => {
    if (v === null) return;
    for (const p of paths(v)) {
      for (const which of ['value', 'key'] as const) {
        expect(quick.locators[i]!.range(p, which), `${which} of ${JSON.stringify(p)}`).toEqual(slow!.locators[i]!.range(p, which));
      }
    }
    expect(quick.sizes[i]!).toBeGreaterThanOrEqual(paths(v).length / 4);
  });
  return true;
}

const corpus = [...yamlFiles('examples'), ...yamlFiles('fixtures')].map((f) => readFileSync(f, 'utf8'));

describe('the quick YAML parser reads what js-yaml reads', () => {
  it('on every example and fixture (and takes most of them)', () => {
    let taken = 0;
    for (const text of corpus) if (agrees(text)) taken++;
    expect(taken).toBeGreaterThan(corpus.length / 2);
  });

  it('takes every file of the bench mesh', () => {
    for (const text of Object.values(meshFiles(20))) expect(agrees(text)).toBe(true);
  });

  it('on edge cases', () => {
    const cases = [
      '', '# c\n', '\n\n', '---\n', '---\n---\n', 'a: 1\n---', 'a: 1\n---\n', '# c\n---\na: 1', '---  # c\na: 1\n--- \nb: 2\n',
      'a:\nb: 1\nc:   # cm\nd:\n', 'a: b   # c\nd:\n  e: 1 # x\n  # y\n\nf: [x, {g: h}]\nl:\n- 1\n- k: v\n  m: n\n-   "q"\n',
      'a: -1\nb: -x\nc: 1e3\nd: .5\ne: 0x1F\nf: 1_000\ng: +5\nh: 0o17\ni: 012\nj: .inf\nk: ~\nl: TRUE\nm: yes\nn: 1:20\no: .nan\n',
      "a: 'it''s'\nb: \"x\\ty\\u00e9\\x41\\\\\\\"\"\nc: x#y\nd: x #y\ne: http://a/b?c=d\nf: [a, 'b', \"c\", {d: e}]\ng: {}\nh: []\n",
      'x:\n  - a: 1\n    b: 2\n  - [1, 2]\n  - {c: d}\n  - "e"\n', 'a: b\n  c\n', 'a: 1\na: 2\n', 'a: [1, 2\n', '1: x\n', 'a: b: c\n',
      '"k": v\n\'l\': w\n', 'a:\n    - x\n    -  y\n', 'a: |\n  x\n', '- a\n', 'a: "\\q"\n', 'a:\n  b:\n    c:\n      d: 1\n  e: 2\n',
    ];
    for (const text of cases) agrees(text);
  });

  it('on mutated mesh files', () => {
    const base = corpus.filter((t) => t.length < 3000);
    const specials = [':', ': ', '#', ' #', '-', '- ', '"', "'", '[', ']', '{', '}', ',', ' ', '\n', '  ', '---', '~', 'null', '1', '0x1', '.5', '__proto__', 'é', '\\', '\\n', '\\x41', '|', '?', '&', '*', '%', '...', '\n---\n', '\n  ', '\n- ', 'a: b', '\n#c\n', '""', '{}', '[]'];
    const edit = fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom(...specials), fc.nat(3));
    fc.assert(
      fc.property(fc.nat(base.length - 1), fc.array(edit, { minLength: 1, maxLength: 3 }), (which, edits) => {
        let t = base[which]!;
        for (const [at, op, s, n] of edits) {
          const i = at % (t.length + 1);
          if (op === 0) t = t.slice(0, i) + s + t.slice(i);
          else if (op === 1) t = t.slice(0, i) + t.slice(i + 1 + n);
          else if (op === 2) t = t.slice(0, i) + s + t.slice(i + n + 1);
          else {
            const lines = t.split('\n');
            const li = i % lines.length;
            lines[li] = ' '.repeat(n) + lines[li]!.trimStart();
            t = lines.join('\n');
          }
        }
        agrees(t);
      }),
      { numRuns: Number(process.env.MESHC_PROPERTY_RUNS ?? 2000) },
    );
  });
});
