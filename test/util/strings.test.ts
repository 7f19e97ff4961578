import { describe, expect, it } from 'vitest';
import { closest, editDistance } from '../../src/util/strings.js';

describe('did-you-mean', () => {
  it('counts insertions, deletions, substitutions and transpositions as one edit each', () => {
    expect(editDistance('port', 'port')).toBe(0);
    expect(editDistance('prt', 'port')).toBe(1);
    expect(editDistance('prot', 'port')).toBe(1);
    expect(editDistance('pott', 'port')).toBe(1);
    expect(editDistance('ports', 'port')).toBe(1);
    expect(editDistance('abcdef', 'ghijkl', 2)).toBe(3);
  });
  it('suggests only near names', () => {
    expect(closest('prot', ['port', 'protocol'])).toBe('port');
    expect(closest('ordres', ['orders', 'users'])).toBe('orders');
    expect(closest('xyz', ['orders', 'users'])).toBeUndefined();
    expect(closest('Servce', ['Service', 'Route'], { ignoreCase: true })).toBe('Service');
  });
});
