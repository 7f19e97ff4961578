/**
 * Injection: every user string that reaches an output, with every hostile value, is either
 * refused with a diagnostic exactly at that field or arrives inert (same structure as a harmless
 * value, every target's checker passes). The outcome of every case is a golden table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectGolden } from '../helpers/golden.js';
import { FIELDS } from './base.js';
import { InjectionRun, writeInjectionFixture, type CaseResult } from './harness.js';
import { ALL_HOSTILE, HOSTILE_RUN } from './hostile.js';
import { knownIssue, KNOWN_INJECTION } from './known.js';

const run = new InjectionRun();
const results: CaseResult[] = [];

beforeAll(async () => {
  expect(await run.init(), 'the harmless mesh builds and verifies cleanly').toEqual([]);
}, 120_000);
afterAll(() => {
  const by = (o: string): number => results.filter((r) => r.outcome === o).length;
  console.log(JSON.stringify({ cases: results.length, refused: by('refused'), inert: by('inert'), broken: by('broken'), verified: run.counts.verified, ms: Object.fromEntries(Object.entries(run.ms).map(([k, v]) => [k, Math.round(v)])) }));
  run.dispose();
});

function show(r: CaseResult): string {
  return `${r.field} ${r.hostile}: ${r.problems.map((p) => `[${p.target}] ${p.detail}`).join(' | ').slice(0, 1500)}`;
}

describe('hostile values are refused at their field or arrive inert', () => {
  for (const field of FIELDS) {
    it(`${field.id} (${field.path})`, async () => {
      const mine: CaseResult[] = [];
      for (const h of HOSTILE_RUN) {
        const value = field.wrap(h.value);
        if (value === field.harmless) continue;
        mine.push(await run.run(field, h.id, value));
      }
      await run.flush();
      results.push(...mine);
      if (process.env.MESHC_WRITE_REGRESSIONS === '1') {
        for (const r of mine.filter((x) => x.outcome === 'broken')) writeInjectionFixture('fixtures/regressions', field, r, knownIssue(r)?.owner ?? 'unknown');
      }
      const unexpected = mine.filter((r) => r.outcome === 'broken' && !knownIssue(r));
      expect(unexpected.map(show)).toEqual([]);
    }, 300_000);
  }

  it('every known issue still breaks (remove fixed ones from known.ts)', () => {
    const stale: string[] = [];
    for (const k of KNOWN_INJECTION) {
      for (const field of k.fields) {
        for (const hostile of k.hostile) {
          const r = results.find((x) => x.field === field && x.hostile === hostile);
          if (r && r.outcome !== 'broken') stale.push(`${field} ${hostile} (${k.owner}): now ${r.outcome}`);
        }
      }
    }
    expect(stale).toEqual([]);
  });

  it('the table of outcomes is the golden one', () => {
    const lines = results.map((r) => {
      const what = r.outcome === 'refused' ? `refused ${r.codes.join(',')}` : r.outcome === 'broken' ? `BROKEN (known: ${knownIssue(r)?.owner})` : 'inert';
      return `${r.field.padEnd(18)} ${r.hostile.padEnd(15)} ${what}`;
    });
    expectGolden(ALL_HOSTILE ? 'test/injection/outcomes-all.txt' : 'test/injection/outcomes.txt', lines.join('\n') + '\n');
  });
});
