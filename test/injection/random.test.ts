/**
 * Random hostile strings (short strings over an alphabet weighted towards characters that are
 * structure somewhere) in random fields: refused at the field or inert, as for the fixed list.
 * A handful per `npm test`; as many as time allows in `npm run fuzz`.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, params, report, timeout } from '../property/runs.js';
import { FIELDS } from './base.js';
import { InjectionRun, type CaseResult } from './harness.js';
import { hostileStringArb } from './hostile.js';
import { knownIssue } from './known.js';

const run = new InjectionRun();
beforeAll(async () => {
  expect(await run.init()).toEqual([]);
}, 120_000);
afterAll(() => {
  run.dispose();
  report('injection/random.test.ts');
});

describe('random hostile strings', () => {
  it('are refused at their field or arrive inert', async () => {
    let pending: CaseResult[] = [];
    const settle = async (): Promise<void> => {
      await run.flush();
      const broken = pending.filter((r) => r.outcome === 'broken' && !knownIssue(r));
      for (const r of pending) {
        count('random hostile strings');
        count('random hostile strings', r.outcome === 'broken' ? 'broken (known)' : r.outcome);
      }
      pending = [];
      expect(broken.map((r) => `${r.field} ${JSON.stringify(r.value)}: ${r.problems.map((p) => `[${p.target}] ${p.detail}`).join(' | ').slice(0, 1000)}`)).toEqual([]);
    };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...FIELDS), hostileStringArb, async (field, s) => {
        const value = field.wrap(s);
        if (value === field.harmless) return;
        pending.push(await run.run(field, 'random', value));
        if (pending.length >= 20) await settle();
      }),
      { ...params('random hostile strings', 40), endOnFailure: true },
    );
    await settle();
  }, timeout(120_000));
});
