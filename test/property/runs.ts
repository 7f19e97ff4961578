/**
 * How many cases a property tries, and the counts it reports.
 *
 * - `npm test`: each property runs a fixed, small number of cases (sized so that every property
 *   test together stays under two minutes on two cores). Under CI the seed is fixed, so CI runs
 *   are reproducible; locally every run draws new cases.
 * - `npm run fuzz` (MESHC_FUZZ_SECONDS=N): each property runs for its share of N seconds, with no
 *   upper bound on the number of cases.
 *
 * MESHC_FUZZ_SEED replays a run (fast-check prints the seed and the path of a failure).
 * Every property records how many cases it tried, per target where it matters; the counts are
 * printed at the end of the file and appended, as JSON lines, to MESHC_FUZZ_REPORT when set.
 * @module
 */
import { appendFileSync } from 'node:fs';
import type fc from 'fast-check';

/** Seconds of the long fuzz, or undefined in a normal test run. */
export const FUZZ_SECONDS = process.env.MESHC_FUZZ_SECONDS !== undefined ? Number(process.env.MESHC_FUZZ_SECONDS) : undefined;

/** Whether this is the long fuzz. */
export const FUZZING = FUZZ_SECONDS !== undefined && FUZZ_SECONDS > 0;

/** The share of the fuzz time each property gets (properties run one after another per file, files two at a time). */
/**
 * The share of the fuzz time each property gets. Two test files run at a time, so the shares add
 * up to about two: the whole fuzz takes about MESHC_FUZZ_SECONDS, plus the fixed-size injection run.
 */
const SHARES: Record<string, number> = {
  'every target verifies': 0.8,
  'mutations give positioned diagnostics': 0.3,
  deterministic: 0.2,
  'order independent': 0.2,
  'random hostile strings': 0.2,
  'valid meshes check clean': 0.1,
  'cli on mutations': 0.1,
  'secure defaults': 0.1,
};

/** fast-check parameters for a property: `n` cases in a normal run, a time budget in the long fuzz. */
export function params<T>(property: string, n: number): fc.Parameters<T> {
  const seed = process.env.MESHC_FUZZ_SEED !== undefined ? Number(process.env.MESHC_FUZZ_SEED) : process.env.CI ? 20260 : undefined;
  const base: fc.Parameters<T> = seed !== undefined ? { seed } : {};
  if (!FUZZING) return { ...base, numRuns: n };
  const budget = Math.max(5, (FUZZ_SECONDS ?? 0) * (SHARES[property] ?? 0.1)) * 1000;
  return { ...base, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: budget, markInterruptAsFailure: false };
}

/** The time a test may take: generous in the long fuzz. */
export function timeout(normalMs: number): number {
  return FUZZING ? (FUZZ_SECONDS! + 600) * 1000 : normalMs;
}

const counts = new Map<string, number>();

/** Counts one case of a property (optionally per target). */
export function count(property: string, target = '-', n = 1): void {
  const key = `${property}\u0000${target}`;
  counts.set(key, (counts.get(key) ?? 0) + n);
}

/** The counts so far: property → target → cases. */
export function counted(): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const [k, n] of [...counts].sort()) {
    const [p, t] = k.split('\u0000') as [string, string];
    (out[p] ??= {})[t] = n;
  }
  return out;
}

/** Prints the counts (and appends them to MESHC_FUZZ_REPORT). Call from afterAll. */
export function report(file: string): void {
  const c = counted();
  const lines = Object.entries(c).map(([p, ts]) => `${p}: ${Object.entries(ts).map(([t, n]) => (t === '-' ? `${n}` : `${t} ${n}`)).join(', ')}`);
  console.log(`[cases] ${file}\n  ${lines.join('\n  ')}`);
  if (process.env.MESHC_FUZZ_REPORT) appendFileSync(process.env.MESHC_FUZZ_REPORT, JSON.stringify({ file, counts: c }) + '\n');
}
