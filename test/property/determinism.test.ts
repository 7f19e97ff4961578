/**
 * Determinism: the same mesh built twice gives byte-identical output for every target; and the
 * output does not depend on how the resources are spread over files, in which order the documents
 * come, or how the YAML is written (block, flow, quoted). The IR records source positions, so for
 * it the layouts are compared without spans.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { compileMemory } from '../../src/compiler.js';
import { targetNames } from '../../src/target/registry.js';
import { layoutFiles, layoutPlanArb, meshArb } from '../arbitraries/mesh.js';
import { count, params, report, timeout } from './runs.js';

const TARGETS = targetNames();
afterAll(() => report('determinism.test.ts'));

async function build(files: Record<string, string>): Promise<Map<string, string>> {
  const r = await compileMemory(files, { targets: TARGETS, allowPartial: TARGETS });
  const errors = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`);
  expect(errors).toEqual([]);
  return new Map(r.files.map((f) => [f.path, f.content]));
}

/** Drops source positions (and the file list) from the IR: the only part that names input files. */
function withoutSpans(json: string): string {
  const isSpan = (v: unknown): boolean => v !== null && typeof v === 'object' && 'file' in v && 'line' in v && 'column' in v && 'endLine' in v;
  return JSON.stringify(JSON.parse(json), (_, v: unknown) => (isSpan(v) ? undefined : v));
}

function differences(a: Map<string, string>, b: Map<string, string>, normalise: (path: string, s: string) => string = (_, s) => s): string[] {
  const out: string[] = [];
  for (const p of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(p);
    const y = b.get(p);
    if (x === undefined || y === undefined) out.push(`${p} only in ${x === undefined ? 'the second' : 'the first'} build`);
    else if (normalise(p, x) !== normalise(p, y)) {
      let i = 0;
      while (x[i] === y[i]) i++;
      out.push(`${p} differs at ${i}: ${JSON.stringify(x.slice(Math.max(0, i - 60), i + 60))} vs ${JSON.stringify(y.slice(Math.max(0, i - 60), i + 60))}`);
    }
  }
  return out;
}

describe('determinism', () => {
  it('the same input twice gives identical bytes', async () => {
    await fc.assert(
      fc.asyncProperty(meshArb(), async (m) => {
        const a = await build(m.files);
        const b = await build(m.files);
        expect(differences(a, b)).toEqual([]);
        count('deterministic');
        for (const t of TARGETS) if ([...a.keys()].some((p) => p.startsWith(t + '/'))) count('deterministic', t);
      }),
      params('deterministic', 60),
    );
  }, timeout(120_000));

  it('the output does not depend on files, document order or YAML style', async () => {
    await fc.assert(
      fc.asyncProperty(meshArb(), layoutPlanArb, async (m, layout) => {
        const a = await build(m.files);
        const b = await build(layoutFiles(m.resources, layout));
        expect(differences(a, b, (p, s) => (p.startsWith('ir/') ? withoutSpans(s) : s))).toEqual([]);
        count('order independent');
        for (const t of TARGETS) if ([...a.keys()].some((p) => p.startsWith(t + '/'))) count('order independent', t);
      }),
      params('order independent', 60),
    );
  }, timeout(120_000));
});
