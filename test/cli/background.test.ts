import { describe, expect, it } from 'vitest';
import { BACKGROUND_FROM, writesInBackground } from '../../src/cli/build.js';

const ir = (services: number, gateways = 0) => ({ services: new Array(services), gateways: new Array(gateways) }) as Parameters<typeof writesInBackground>[0];

describe('writesInBackground', () => {
  it('uses the second thread from BACKGROUND_FROM services and gateways, or from MESHC_BACKGROUND_FROM when it is an integer', () => {
    expect(writesInBackground(ir(BACKGROUND_FROM - 1), {})).toBe(false);
    expect(writesInBackground(ir(BACKGROUND_FROM - 1, 1), {})).toBe(true);
    expect(writesInBackground(ir(10_000), {})).toBe(true);
    expect(writesInBackground(ir(9, 1), { MESHC_BACKGROUND_FROM: '0' })).toBe(true);
    expect(writesInBackground(ir(0), { MESHC_BACKGROUND_FROM: '0' })).toBe(true);
    expect(writesInBackground(ir(10_000), { MESHC_BACKGROUND_FROM: '20000' })).toBe(false);
    for (const bad of ['', '-1', 'x', '1.5']) expect(writesInBackground(ir(9), { MESHC_BACKGROUND_FROM: bad })).toBe(false);
  });
});
