/**
 * Regression fixtures (fixtures/regressions/<id>/): every case that once broke, with `case.json`
 * saying who owns it and whether it is `open` or `fixed`.
 *
 * - `kind: verify`: `mesh/` must build with every target and pass every verifier, or be refused
 *   only at one of `refusalMayPointAt` (where the fix may choose to refuse the value instead).
 * - `kind: injection`: `hostile/` must be refused only at `at`, or build, verify and have the same
 *   structure as `harmless/`.
 *
 * An `open` case must still fail (so that a fix is noticed: then set `status: fixed` and remove the
 * matching entry from test/arbitraries/known.ts or test/injection/known.ts); a `fixed` one must pass.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler.js';
import type { Diagnostic } from '../../src/diagnostics/types.js';
import { targetNames } from '../../src/target/registry.js';
import { KNOWN_GENERATOR } from '../arbitraries/known.js';
import { compareFile } from '../injection/skeleton.js';

const ROOT = 'fixtures/regressions';
const TARGETS = targetNames();

interface Pos {
  file: string;
  line: number;
  column: number;
}
interface Case {
  kind: 'verify' | 'injection';
  status: 'open' | 'fixed';
  owner: string;
  refusalMayPointAt?: Pos[];
  at?: Pos[];
}

const at = (d: Diagnostic, ps: Pos[]): boolean => ps.some((p) => d.span?.file === p.file && d.span.line === p.line && d.span.column === p.column);
const show = (d: Diagnostic): string => `${d.target ?? '-'} ${d.code} ${d.span ? `${d.span.file}:${d.span.line}:${d.span.column}` : '-'} ${d.message.slice(0, 300)}`;

/** What is wrong with the case today (empty: it passes). */
async function problems(dir: string, c: Case): Promise<string[]> {
  if (c.kind === 'verify') {
    const r = await compile({ input: join(dir, 'mesh'), targets: TARGETS, allowPartial: TARGETS, verify: true });
    return r.diagnostics.filter((d) => d.severity === 'error' && !at(d, c.refusalMayPointAt ?? [])).map(show);
  }
  const hostile = await compile({ input: join(dir, 'hostile'), targets: TARGETS, allowPartial: TARGETS, verify: true });
  const errors = hostile.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) return errors.filter((d) => !at(d, c.at ?? [])).map(show);
  const harmless = await compile({ input: join(dir, 'harmless'), targets: TARGETS, allowPartial: TARGETS });
  const a = new Map(harmless.files.map((f) => [f.path, f.content]));
  const out: string[] = [];
  for (const f of hostile.files) {
    const base = a.get(f.path);
    if (base === undefined) out.push(`${f.path} appeared`);
    else if (base !== f.content) {
      const why = compareFile(f.path, base, f.content);
      if (why) out.push(`${f.path}: ${why.slice(0, 300)}`);
    }
  }
  return out;
}

const cases = existsSync(ROOT) ? readdirSync(ROOT).filter((n) => existsSync(join(ROOT, n, 'case.json'))).sort() : [];

describe('regression fixtures', () => {
  it('every generator known issue has its fixture', () => {
    expect(KNOWN_GENERATOR.filter((id) => !cases.includes(id))).toEqual([]);
  });
  for (const name of cases) {
    const c = JSON.parse(readFileSync(join(ROOT, name, 'case.json'), 'utf8')) as Case;
    it(`${name} (${c.status}, ${c.owner})`, async () => {
      const p = await problems(join(ROOT, name), c);
      if (c.status === 'open') expect(p.length, `${name} passes now: set "status": "fixed" in its case.json and drop it from the known lists`).toBeGreaterThan(0);
      else expect(p).toEqual([]);
    }, 60_000);
  }
});
