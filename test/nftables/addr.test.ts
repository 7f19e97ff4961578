/** Address arithmetic of the nftables target: parsing, canonical printing, covered prefixes, rates. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Prefix,
  formatIPv6,
  formatPrefix,
  parseIPv4,
  parseIPv6,
  parsePrefix,
  prefixEnd,
  removeCovered,
} from '../../targets/nftables/addr.js';
import { nftRate } from '../../targets/nftables/model.js';

describe('IPv4 and IPv6 text', () => {
  it('parses and refuses exactly', () => {
    expect(parseIPv4('10.0.1.255')).toBe(0x0a0001ffn);
    for (const bad of ['10.0.1', '10.0.1.256', '10.0.1.1.1', '1.2.3.04x', '', '1.2.3.-1']) expect(parseIPv4(bad)).toBeUndefined();
    expect(parseIPv6('::')).toBe(0n);
    expect(parseIPv6('::1')).toBe(1n);
    expect(parseIPv6('2001:DB8::1')).toBe(0x20010db8000000000000000000000001n);
    expect(parseIPv6('::ffff:10.0.0.1')).toBe(0xffff0a000001n);
    expect(parseIPv6('1:2:3:4:5:6:7:8')).toBe(0x00010002000300040005000600070008n);
    for (const bad of ['1:2:3:4:5:6:7:8:9', '1::2::3', ':::', '12345::', 'fe80::1%eth0', '1:2:3:4:5:6:7', '::1.2.3', 'g::1']) {
      expect(parseIPv6(bad), bad).toBeUndefined();
    }
  });

  it('prints IPv6 in RFC 5952 form', () => {
    expect(formatIPv6(0n)).toBe('::');
    expect(formatIPv6(1n)).toBe('::1');
    expect(formatIPv6(parseIPv6('2001:db8:0:0:1:0:0:1')!)).toBe('2001:db8::1:0:0:1');
    expect(formatIPv6(parseIPv6('2001:db8:0:1:1:1:1:1')!)).toBe('2001:db8:0:1:1:1:1:1');
    expect(formatIPv6(parseIPv6('fd00:1::10')!)).toBe('fd00:1::10');
  });

  it('round-trips every address (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), (n) => parseIPv6(formatIPv6(n)) === n),
      { numRuns: 300 },
    );
  });

  it('clears host bits of prefixes and prints full-length prefixes as addresses', () => {
    expect(formatPrefix(parsePrefix('10.1.2.3/16', 'ipv4')!)).toBe('10.1.0.0/16');
    expect(formatPrefix(parsePrefix('10.1.2.3/32', 'ipv4')!)).toBe('10.1.2.3');
    expect(formatPrefix(parsePrefix('fd00:1::5/32', 'ipv6')!)).toBe('fd00:1::/32');
    expect(formatPrefix(parsePrefix('::/0', 'ipv6')!)).toBe('::/0');
    expect(parsePrefix('10.0.0.0/33', 'ipv4')).toBeUndefined();
    expect(parsePrefix('10.0.0.0/8', 'ipv6')).toBeUndefined();
  });
});

describe('removeCovered', () => {
  const p = (text: string): { prefix: Prefix; names: string[] } => ({ prefix: parsePrefix(text, 'ipv4')!, names: [text] });

  it('keeps the widest prefix and hands the covered ones to it', () => {
    const out = removeCovered([p('10.1.2.3'), p('192.168.0.0/16'), p('10.0.0.0/8'), p('10.1.0.0/16'), p('11.0.0.0/8')], (into, from) => into.names.push(...from.names));
    expect(out.map((x) => x.names)).toEqual([['10.0.0.0/8', '10.1.0.0/16', '10.1.2.3'], ['11.0.0.0/8'], ['192.168.0.0/16']]);
  });

  it('leaves no overlap and covers the same addresses (property)', () => {
    const prefix = fc.record({ addr: fc.integer({ min: 0, max: 255 }), len: fc.integer({ min: 0, max: 8 }) }).map(({ addr, len }) => {
      // 8-bit "addresses" inside IPv4 keep collisions frequent
      const q = parsePrefix(`10.0.0.${addr}/${24 + len}`, 'ipv4')!;
      return { prefix: q };
    });
    fc.assert(
      fc.property(fc.array(prefix, { maxLength: 25 }), (items) => {
        const out = removeCovered(items, () => {});
        for (let i = 0; i < out.length; i++) {
          for (let j = i + 1; j < out.length; j++) {
            const a = out[i]!.prefix;
            const b = out[j]!.prefix;
            if (!(prefixEnd(a) < b.addr || prefixEnd(b) < a.addr)) return false;
          }
        }
        const covered = (x: bigint, list: readonly { prefix: Prefix }[]) => list.some((it) => it.prefix.addr <= x && x <= prefixEnd(it.prefix));
        for (let x = 0x0a000000n; x <= 0x0a0000ffn; x++) if (covered(x, items) !== covered(x, out)) return false;
        return true;
      }),
      { numRuns: 200 },
    );
  });
});

describe('nftRate', () => {
  it('uses the shortest unit with a whole number, else rounds up per week', () => {
    expect(nftRate(100, 1000)).toEqual({ text: '100/second', exact: true });
    expect(nftRate(10, 250)).toEqual({ text: '40/second', exact: true });
    expect(nftRate(1, 60_000)).toEqual({ text: '1/minute', exact: true });
    expect(nftRate(1, 1500)).toEqual({ text: '40/minute', exact: true });
    expect(nftRate(5, 3_600_000)).toEqual({ text: '5/hour', exact: true });
    expect(nftRate(1, 1237)).toEqual({ text: '488925/week', exact: false });
    expect(nftRate(1_000_000_000, 1)).toEqual({ text: '1000000000000/second', exact: true });
  });
});
