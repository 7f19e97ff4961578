/**
 * IP addresses and prefixes as numbers, for the nftables target: parsing what the IR holds,
 * printing canonical text (so that no user string reaches the ruleset verbatim), ordering, and
 * removing prefixes that another prefix of the same set already covers (the kernel refuses
 * overlapping elements in concatenated interval sets).
 * @module
 */

/** An address family as the IR names it. */
export type Family = 'ipv4' | 'ipv6';

/** A network: a family, its first address as a number, and the prefix length. */
export interface Prefix {
  /** The family. */
  family: Family;
  /** The network address (host bits cleared). */
  addr: bigint;
  /** The prefix length: 0–32 (IPv4) or 0–128 (IPv6). */
  len: number;
}

/** Bits of an address of the family. */
export function familyBits(family: Family): number {
  return family === 'ipv4' ? 32 : 128;
}

/** Parses dotted-quad IPv4 text; undefined when it is not exactly that. */
export function parseIPv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

/** Parses IPv6 text (with `::` and an optional embedded dotted quad); undefined when malformed. */
export function parseIPv6(text: string): bigint | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return undefined;
  let words: number[] = [];
  let tail = text;
  let v4: bigint | undefined;
  const lastColon = text.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  if (text.slice(lastColon + 1).includes('.')) {
    v4 = parseIPv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = text.slice(0, lastColon + 1);
    // keep a trailing "::" intact, else drop the single ':' that preceded the dotted quad
    if (!tail.endsWith('::')) tail = tail.slice(0, -1);
  }
  const groupsWanted = v4 === undefined ? 8 : 6;
  const halves = tail.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0] ?? '');
  if (!head) return undefined;
  if (halves.length === 2) {
    const rest = parse(halves[1] ?? '');
    if (!rest) return undefined;
    const missing = groupsWanted - head.length - rest.length;
    if (missing < 1) return undefined;
    words = [...head, ...new Array<number>(missing).fill(0), ...rest];
  } else {
    words = head;
  }
  if (words.length !== groupsWanted) return undefined;
  let n = 0n;
  for (const w of words) n = (n << 16n) | BigInt(w);
  if (v4 !== undefined) n = (n << 32n) | v4;
  return n;
}

/** Parses an address of the given family. */
export function parseAddress(text: string, family: Family): bigint | undefined {
  return family === 'ipv4' ? parseIPv4(text) : parseIPv6(text);
}

/** Prints an IPv4 address as a dotted quad. */
export function formatIPv4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
}

/** Prints an IPv6 address in RFC 5952 form (lower case, the longest run of two or more zero groups as `::`). */
export function formatIPv6(n: bigint): string {
  const words: number[] = [];
  for (let i = 7; i >= 0; i--) words.push(Number((n >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]) => ws.map((w) => w.toString(16)).join(':');
  if (bestLen < 2) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLen))}`;
}

/** Prints an address of the family. */
export function formatAddress(n: bigint, family: Family): string {
  return family === 'ipv4' ? formatIPv4(n) : formatIPv6(n);
}

/** Prints a prefix: a bare address for a full-length prefix, else `addr/len`. */
export function formatPrefix(p: Prefix): string {
  const a = formatAddress(p.addr, p.family);
  return p.len === familyBits(p.family) ? a : `${a}/${p.len}`;
}

/** Parses `addr` or `addr/len` of the family, clearing host bits; undefined when malformed. */
export function parsePrefix(text: string, family: Family): Prefix | undefined {
  const slash = text.indexOf('/');
  const bits = familyBits(family);
  const addrText = slash < 0 ? text : text.slice(0, slash);
  let len = bits;
  if (slash >= 0) {
    const l = text.slice(slash + 1);
    if (!/^[0-9]{1,3}$/.test(l)) return undefined;
    len = Number(l);
    if (len > bits) return undefined;
  }
  const addr = parseAddress(addrText, family);
  if (addr === undefined) return undefined;
  return { family, addr: addr & prefixMask(len, bits), len };
}

/** A host as a full-length prefix. */
export function hostPrefix(family: Family, addr: bigint): Prefix {
  return { family, addr, len: familyBits(family) };
}

function prefixMask(len: number, bits: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return len === 0 ? 0n : (all >> BigInt(bits - len)) << BigInt(bits - len);
}

/** The last address of a prefix. */
export function prefixEnd(p: Prefix): bigint {
  const bits = familyBits(p.family);
  return p.addr | ((1n << BigInt(bits - p.len)) - 1n);
}

/** Orders prefixes of one family: by network address, then shorter prefix first. */
export function comparePrefixes(a: Prefix, b: Prefix): number {
  if (a.addr !== b.addr) return a.addr < b.addr ? -1 : 1;
  return a.len - b.len;
}

/**
 * Removes every prefix that another one in the list contains (prefixes either nest or are
 * disjoint), keeping the widest. Items of one family; each item carries a prefix and a payload.
 * The `merge` callback hands a dropped item's payload to the item that covers it.
 * Returns the survivors sorted by address. O(n log n).
 */
export function removeCovered<T extends { prefix: Prefix }>(items: readonly T[], merge: (into: T, from: T) => void): T[] {
  const sorted = [...items].sort((a, b) => comparePrefixes(a.prefix, b.prefix));
  const out: T[] = [];
  let cover: T | undefined;
  let coverEnd = -1n;
  for (const it of sorted) {
    if (cover && it.prefix.addr <= coverEnd) {
      merge(cover, it);
      continue;
    }
    cover = it;
    coverEnd = prefixEnd(it.prefix);
    out.push(it);
  }
  return out;
}
