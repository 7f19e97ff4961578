/**
 * `npm run fuzz`: the property, injection and secure-defaults tests for as long as asked.
 *
 *   MESHC_FUZZ_SECONDS=3600 npm run fuzz        # about an hour (default 600 s)
 *   MESHC_FUZZ_SEED=123 npm run fuzz            # replay a seed fast-check printed
 *   MESHC_FUZZ_KNOWN=1 npm run fuzz             # also generate the known open bugs (test/arbitraries/known.ts)
 *
 * Each property runs for its share of the time (test/property/runs.ts); the injection tests try
 * every hostile value (test/injection/outcomes-all.txt) plus random ones. At the end the number of
 * cases tried per property and target is printed (and kept in MESHC_FUZZ_REPORT when set).
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/property/**/*.test.ts', 'test/injection/**/*.test.ts', 'test/secure/**/*.test.ts'],
    globalSetup: ['test/fuzz/setup.ts'],
    testTimeout: 24 * 3600_000,
    hookTimeout: 600_000,
    maxWorkers: 2,
  },
});
