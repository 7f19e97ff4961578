import { describe, expect, it } from 'vitest';
import { collectGarbage } from '../../src/util/gc.js';

describe('collectGarbage', () => {
  it('runs a full collection: an object only a WeakRef holds is gone after it', async () => {
    const ref = (() => new WeakRef({ big: new Array(1000).fill('x') }))();
    // A WeakRef keeps its target for the rest of the job that made or read it.
    await new Promise((r) => setTimeout(r, 0));
    expect(collectGarbage()).toBe(true);
    expect(ref.deref()).toBeUndefined();
  });
});
