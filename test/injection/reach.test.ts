/**
 * The injection tests only mean something for fields that reach an output: for every field, a
 * second harmless value must build without errors and change at least one emitted file. The golden
 * table records which targets each field reaches.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileMemory } from '../../src/compiler.js';
import { expectGolden } from '../helpers/golden.js';
import { FIELDS, fill } from './base.js';
import { ALL_TARGETS } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'meshc-reach-'));
const jwks = join(dir, 'jwks.json');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function build(id?: string, value?: string): Promise<{ errors: string[]; files: Map<string, string> }> {
  const h = fill(jwks, id, value);
  writeFileSync(jwks, h.jwks);
  const r = await compileMemory(h.files, { targets: ALL_TARGETS, allowPartial: ALL_TARGETS });
  return {
    errors: r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`),
    files: new Map(r.files.map((f) => [f.path, f.content])),
  };
}

describe('every injection field reaches an output', () => {
  const reach: string[] = [];
  it('each field changes some emitted file', async () => {
    const base = await build();
    expect(base.errors).toEqual([]);
    const missing: string[] = [];
    for (const f of FIELDS) {
      const alt = f.alt ?? f.wrap('zq');
      const r = await build(f.id, alt);
      expect(r.errors, `${f.id} = ${alt}`).toEqual([]);
      const targets = new Set<string>();
      for (const p of new Set([...base.files.keys(), ...r.files.keys()])) {
        if (base.files.get(p) !== r.files.get(p)) targets.add(p.split('/')[0]!);
      }
      if (targets.size === 0 || (!f.irOnly && [...targets].every((t) => t === 'ir'))) missing.push(f.id);
      reach.push(`${f.id.padEnd(18)} ${[...targets].sort().join(' ')}`);
    }
    expect(missing, 'fields whose value reaches no output in the base mesh').toEqual([]);
  }, 120_000);
  it('the reach table is the golden one', () => {
    expectGolden('test/injection/reach.txt', reach.join('\n') + '\n');
  });
});
