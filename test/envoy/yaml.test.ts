/**
 * The Envoy YAML writer: whatever the strings, the file reads back to exactly the value written,
 * under YAML 1.1 (what yaml-cpp, and so Envoy, resolves plain scalars by) and YAML 1.2.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { toYaml } from '../../targets/envoy/yaml.js';

const tricky = fc.constantFrom('yes', 'No', 'on', 'OFF', 'y', '~', 'null', '0x1F', '0o17', '012', '1e3', 'e0', 'E-5', '.5', '1:20', '-', '- a', 'a: b', '#c', '&a', '*a', '!t', '%d', '@x', '`x', '|', '>', '"', "'", '\\', '\t', '\n', '\n\n', ' x', 'x ', 'a\n', 'a\n\n', ' a\nb', 'a\n b\n', '\u0085', '\u2028', '\u00a0', '\ufeff', '\u0000', '\r\n', 'ünï', '𝄞', '');
const str = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), tricky);
const key = fc.oneof(fc.string({ maxLength: 8 }).filter((k) => k !== '__proto__'), tricky);
const leaf = fc.oneof(str, fc.integer(), fc.boolean(), fc.constant(null));
const value = fc.letrec((tie) => ({
  any: fc.oneof({ depthSize: 'small' }, leaf, tie('list'), tie('map')),
  list: fc.array(tie('any'), { maxLength: 4 }),
  map: fc.dictionary(key, tie('any'), { maxKeys: 4 }),
})).map;

describe('toYaml', () => {
  it('reads back exactly, under YAML 1.1 and 1.2', () => {
    fc.assert(
      fc.property(value, (v) => {
        const text = toYaml(v as Record<string, unknown>, 'header line\nsecond');
        expect(YAML.parse(text, { version: '1.1' }) ?? {}).toEqual(v);
        expect(YAML.parse(text, { version: '1.2' }) ?? {}).toEqual(v);
      }),
      { numRuns: Number(process.env.MESHC_PROPERTY_RUNS ?? 300) },
    );
  });

  it('writes plain only what cannot be read as anything else, blocks for text, quotes for the rest', () => {
    expect(toYaml({ a: 'plain.name/x-y', b: 'yes', c: '10.0.0.1', d: 'two\nlines\n', e: 'tab\there', '@type': 't', f: [], g: {}, h: [{ i: 1, j: [true] }] })).toBe(
      ['a: plain.name/x-y', 'b: "yes"', 'c: "10.0.0.1"', 'd: |', '  two', '  lines', 'e: "tab\\there"', '"@type": t', 'f: []', 'g: {}', 'h:', '  - i: 1', '    j:', '      - true', ''].join('\n'),
    );
  });
});
