/**
 * The manifest's reader: the quick path over the canonical text (what serializeManifest writes)
 * must give exactly what the JSON path gives, for every manifest meshc writes and for every
 * damaged or hand-edited text (where it must hand over, so that the JSON path decides).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildManifest, parseCanonical, parseJson, parseManifest, serializeManifest } from '../../src/output/manifest.js';

const segment = fc.stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,11}$/);
const path = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
const hex = fc.stringMatching(/^[0-9a-f]{64}$/);
// Versions and hashes are free text in the format: quotes, backslashes, controls, non-ASCII.
const free = fc.string({ unit: fc.oneof(fc.constantFrom('"', '\\', '\n', '\u0001', 'é', '😀', '\u2028'), fc.string({ minLength: 1, maxLength: 1 })), maxLength: 12 });
const manifestText = fc
  .record({ files: fc.uniqueArray(fc.record({ path, sha256: hex }), { selector: (f) => f.path, maxLength: 12 }), meshcVersion: free, inputHash: free })
  .filter(({ files }) => files.every((f) => f.path !== 'meshc-manifest.json' && !f.path.startsWith('.meshc')))
  .map(({ files, meshcVersion, inputHash }) => serializeManifest(buildManifest(files, { meshcVersion, inputHash })));

describe('parseManifest', () => {
  it('reads every manifest meshc writes on the quick path, with exactly the JSON path\'s result', () => {
    fc.assert(
      fc.property(manifestText, (text) => {
        const quick = parseCanonical(text);
        expect(quick).toBeDefined();
        expect(quick).toEqual(parseJson(text));
        expect(parseManifest(text)).toEqual(parseJson(text));
      }),
      { numRuns: 300 },
    );
  });

  it('gives the JSON path\'s result (manifest or error) for damaged and hand-edited texts', () => {
    const edit = fc.record({ at: fc.nat(), cut: fc.nat({ max: 3 }), put: fc.constantFrom('', ' ', '"', ',', '\\', 'x', '0', '\n', '}', ']', '{"path": "a", "sha256": "' + 'a'.repeat(64) + '"},', '..', '/') });
    fc.assert(
      fc.property(manifestText, fc.array(edit, { minLength: 1, maxLength: 3 }), (text, edits) => {
        let t = text;
        for (const e of edits) {
          const at = e.at % (t.length + 1);
          t = t.slice(0, at) + e.put + t.slice(at + e.cut);
        }
        expect(parseManifest(t)).toEqual(parseJson(t));
      }),
      { numRuns: 2000 },
    );
  });

  it('hands over what the quick path must not decide: duplicates, unsafe paths, bad hashes, extra keys', () => {
    const good = serializeManifest(buildManifest([{ path: 'envoy/a.yaml', sha256: 'a'.repeat(64) }, { path: 'envoy/b.yaml', sha256: 'b'.repeat(64) }], { meshcVersion: '1', inputHash: 'h' }));
    expect(parseCanonical(good)).toBeDefined();
    for (const bad of [
      good.replace('envoy/b.yaml', 'envoy/a.yaml'),
      good.replace('envoy/b.yaml', '../b.yaml'),
      good.replace('b'.repeat(64), 'B'.repeat(64)),
      good.replace('"sha256": "' + 'a'.repeat(64) + '"', '"sha256": "' + 'a'.repeat(64) + '",\n      "extra": 1'),
      good.replace('"manifestVersion": 1', '"manifestVersion": 2'),
      good + ' ',
    ]) {
      expect(parseCanonical(bad)).toBeUndefined();
      expect(parseManifest(bad)).toEqual(parseJson(bad));
    }
    expect(parseManifest(good.replace('envoy/b.yaml', 'envoy/a.yaml'))).toEqual({ error: 'path "envoy/a.yaml" listed twice' });
  });
});
