/**
 * Golden files: `expectGolden(path, actual)` compares with the committed file. `npm run goldens`
 * (MESHC_UPDATE_GOLDENS=1) rewrites them; CI never does (it refuses when CI is set).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { expect } from 'vitest';

/** Whether this run rewrites goldens. */
export const updating = process.env.MESHC_UPDATE_GOLDENS === '1' && !process.env.CI;

/** Asserts that `actual` equals the golden file at `path` (relative to the repository root). */
export function expectGolden(path: string, actual: string): void {
  const abs = resolve(path);
  if (updating) {
    mkdirSync(dirname(abs), { recursive: true });
    if (!existsSync(abs) || readFileSync(abs, 'utf8') !== actual) writeFileSync(abs, actual);
    return;
  }
  if (!existsSync(abs)) throw new Error(`golden file ${path} is missing: run \`npm run goldens\` and review the diff`);
  expect(actual, `golden ${path} differs: run \`npm run goldens\` and review the diff`).toBe(readFileSync(abs, 'utf8'));
}
