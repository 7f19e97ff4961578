import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closest, compareStrings, editDistance, sortByName, sortStrings, sortWith } from '../../src/util/strings.js';

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

describe('the sorts of short lists', () => {
  // Short strings from a small alphabet: many duplicates, so stability is tested too; lengths on
  // both sides of the insertion sort's limit (16).
  const words = fc.array(fc.string({ unit: fc.constantFrom('a', 'b', 'B', 'é', '1', '-'), maxLength: 3 }), { maxLength: 40 });

  it('sortStrings orders as Array.prototype.sort with compareStrings', () => {
    fc.assert(
      fc.property(words, (a) => {
        expect(sortStrings([...a])).toEqual([...a].sort(compareStrings));
      }),
    );
  });

  it('sortByName and sortWith keep equal items in their order, as Array.prototype.sort does', () => {
    fc.assert(
      fc.property(words, (a) => {
        const items = a.map((name, i) => ({ name, i }));
        const byName = (x: { name: string }, y: { name: string }) => compareStrings(x.name, y.name);
        expect(sortByName([...items])).toEqual([...items].sort(byName));
        expect(sortWith([...items], byName)).toEqual([...items].sort(byName));
      }),
    );
  });
});
