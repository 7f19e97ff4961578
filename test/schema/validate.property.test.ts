import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadFromMemory, loadMesh } from '../../src/dsl/load.js';
import { validateDocuments, validateValue } from '../../src/schema/validate.js';

// Mutations of real resources: every field of every webshop document replaced by an arbitrary
// value, or an arbitrary key added somewhere. Whatever the input, validation never throws, a
// document is returned as a resource exactly when the schema accepts it, and every rejected
// document gets at least one diagnostic, each with a position inside its file.
const webshop = loadMesh('examples/webshop').documents.map((d) => d.value);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value inside `v`. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function setAt(v: Json, path: (string | number)[], value: Json): Json {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(v)) return v.map((x, i) => (i === head ? setAt(x, rest, value) : x));
  if (v !== null && typeof v === 'object') return { ...v, [head]: setAt(v[head as string] ?? null, rest, value) };
  return v;
}

const scalar = fc.oneof(
  fc.constantFrom('', 'x', 'Catalog', '5s', '5', '10.0.0.0/33', '/api', 'http', 'allow', 'rateLimit', 'GET', '503', 'source-ip', 'a\nb'),
  fc.string({ maxLength: 8 }),
  fc.integer({ min: -5, max: 70000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('service', 'gateway', 'cidr', 'exact', 'prefix', 'name', 'port', 'x'), scalar, { maxKeys: 2 }) },
);

describe('validateDocuments on mutated resources', () => {
  it('never throws, and reports every rejected document', () => {
    fc.assert(
      fc.property(fc.nat(webshop.length - 1), fc.nat(), value, fc.boolean(), (docIndex, pathSeed, replacement, addKey) => {
        const original = webshop[docIndex] as Json;
        const all = paths(original);
        const path = all[pathSeed % all.length]!;
        const mutated = addKey ? setAt(original, [...path.filter((p) => typeof p === 'string').slice(0, 2), 'extraField'], replacement) : setAt(original, path, replacement);
        const text = stringify(mutated);
        const load = loadFromMemory({ 'm.yaml': text });
        const r = validateDocuments(load.documents);
        const lines = text.split('\n').length;
        for (const doc of load.documents) {
          const accepted = validateValue(doc.value).valid;
          const own = r.diagnostics.filter((d) => d.span?.file === doc.file);
          expect(r.resources.some((x) => x.doc === doc)).toBe(accepted);
          if (!accepted) expect(own.length).toBeGreaterThan(0);
        }
        for (const d of r.diagnostics) {
          expect(d.code).toMatch(/^MC20(0[1-9]|1[0-2])$/);
          expect(d.span!.line).toBeGreaterThanOrEqual(1);
          expect(d.span!.line).toBeLessThanOrEqual(lines);
        }
      }),
      { numRuns: Number(process.env.MESHC_PROPERTY_RUNS ?? 300), seed: process.env.CI ? 42 : undefined },
    );
  });
});
