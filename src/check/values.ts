/**
 * Parsing of the language's scalar values (durations, endpoints, CIDRs, regexes), shared by the
 * checker and the lowering.
 * @module
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The longest duration meshc accepts: 30 days. */
export const MAX_DURATION_MS = 30 * 24 * 3600 * 1000;

/** Durations parsed so far (a mesh repeats a few values thousands of times); bounded. */
const DURATIONS = new Map<string, number>();

/** Parses a duration (`250ms`, `1.5s`, `1m`, `1h`) to whole milliseconds (rounded up). */
export function parseDuration(s: string): number {
  let ms = DURATIONS.get(s);
  if (ms === undefined) {
    ms = parseDurationOnce(s);
    if (DURATIONS.size < 4096) DURATIONS.set(s, ms);
  }
  return ms;
}

function parseDurationOnce(s: string): number {
  const m = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)$/.exec(s);
  if (!m) return NaN;
  const n = Number(m[1]);
  const unit = m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 3_600_000;
  return Math.ceil(n * unit - 1e-9);
}

/** A parsed endpoint. */
export interface ParsedEndpoint {
  host: string;
  kind: 'ipv4' | 'ipv6' | 'dns';
  port?: number;
}

/** Parses an endpoint string; returns an error phrase when it is malformed. */
export function parseEndpoint(s: string): ParsedEndpoint | { error: string } {
  // [v6]:port or [v6]
  let m = /^\[([^\]]+)\](?::([0-9]{1,5}))?$/.exec(s);
  if (m) {
    if (!isIPv6(m[1]!)) return { error: 'IPv6 address' };
    return withPort({ host: m[1]!.toLowerCase(), kind: 'ipv6' }, m[2]);
  }
  if (s.includes(':') && isIPv6(s)) return { host: s.toLowerCase(), kind: 'ipv6' };
  if (s.split(':').length > 2) return { error: 'IPv6 address' };
  m = /^([^:]+)(?::([0-9]{1,5}))?$/.exec(s);
  if (!m) return { error: 'endpoint' };
  const host = m[1]!;
  if (/^[0-9.]+$/.test(host)) {
    if (!isIPv4(host)) return { error: 'IPv4 address' };
    return withPort({ host, kind: 'ipv4' }, m[2]);
  }
  const labels = host.split('.');
  if (labels.some((l) => !/^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?$/.test(l)) || host.length > 253) {
    return { error: 'DNS name' };
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return { error: 'DNS name (its last label is numeric)' };
  return withPort({ host: host.toLowerCase(), kind: 'dns' }, m[2]);
}

function withPort(e: ParsedEndpoint, port: string | undefined): ParsedEndpoint | { error: string } {
  if (port === undefined) return e;
  const p = Number(port);
  if (!(p >= 1 && p <= 65535)) return { error: 'port' };
  return { ...e, port: p };
}

/** A parsed CIDR. */
export interface ParsedCidr {
  /** Normalised `network/prefix`. */
  cidr: string;
  family: 'ipv4' | 'ipv6';
  /** Whether the input had host bits set (and was normalised). */
  hostBits: boolean;
}

/** Parses and normalises a CIDR or bare address. */
export function parseCidr(s: string): ParsedCidr | { error: string } {
  const [addr, len, extra] = s.split('/');
  if (extra !== undefined || addr === undefined) return { error: 'CIDR' };
  if (isIPv4(addr)) {
    const prefix = len === undefined ? 32 : Number(len);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) return { error: 'CIDR prefix length' };
    const octets = addr.split('.').map(Number);
    const n = ((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!;
    const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0;
    const net = (n & mask) >>> 0;
    const text = [net >>> 24, (net >>> 16) & 255, (net >>> 8) & 255, net & 255].join('.');
    return { cidr: `${text}/${prefix}`, family: 'ipv4', hostBits: net !== n };
  }
  if (isIPv6(addr)) {
    const prefix = len === undefined ? 128 : Number(len);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > 128) return { error: 'CIDR prefix length' };
    const words = expandIPv6(addr);
    if (!words) return { error: 'IPv6 address' };
    let big = 0n;
    for (const w of words) big = (big << 16n) | BigInt(w);
    const mask = prefix === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n);
    const net = big & mask;
    return { cidr: `${compressIPv6(net)}/${prefix}`, family: 'ipv6', hostBits: net !== big };
  }
  return { error: 'CIDR' };
}

/** Expands an IPv6 address (incl. embedded IPv4) into 8 16-bit words. */
function expandIPv6(a: string): number[] | undefined {
  let s = a.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const o = v4[1]!.split('.').map(Number);
    s = s.slice(0, -v4[1]!.length) + ((o[0]! << 8) | o[1]!).toString(16) + ':' + ((o[2]! << 8) | o[3]!).toString(16);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 && missing !== 0) return undefined;
  const words = [...head, ...Array<string>(Math.max(0, missing)).fill('0'), ...tail].map((w) => parseInt(w, 16));
  return words.length === 8 && words.every((w) => w >= 0 && w <= 0xffff) ? words : undefined;
}

/** RFC 5952 text of a 128-bit value. */
function compressIPv6(v: bigint): string {
  const words: number[] = [];
  for (let i = 7; i >= 0; i--) words.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLen).join(':');
}

/** Whether an IPv6 address (already valid) lies in a parsed network. */
export function normaliseIPv6(addr: string): string {
  const words = expandIPv6(addr);
  if (!words) return addr;
  let big = 0n;
  for (const w of words) big = (big << 16n) | BigInt(w);
  return compressIPv6(big);
}

/** RE2's bound on a repetition count (`{n}`, `{n,m}`); PCRE2's is higher. */
const MAX_REPEAT = 1000;

/**
 * What JavaScript (which the checker compiles with) accepts but RE2 (Envoy) or PCRE2 (HAProxy)
 * refuse or read otherwise: an escape other than ASCII punctuation, the classes and anchors
 * \d \D \s \S \w \W \b \B (not \b inside a class), \n \r \t \f and \xHH (not \v: PCRE2's
 * vertical-space class) (JavaScript reads any other letter as
 * itself, `\0` as NUL, `\é` as é; RE2 refuses them); an empty class `[]` or `[^]` (JavaScript: no
 * character or any; RE2 and PCRE2: `]` is the class's first member); a class range with \d, \s or
 * \w at an end (`[\w-.]`: PCRE2 refuses it); `[:`, `[.` or `[=` inside a class, or a class that
 * reads as one (`[:alpha:]`: POSIX syntax to PCRE2, which refuses it outside a class; text to
 * JavaScript); repetition counts whose product through nested groups is over 1000 (RE2 refuses it).
 */
function portableSyntaxProblem(src: string): string | undefined {
  let classOpen = -1; // where the current class's members start (after `[` or `[^`), or -1
  let lastEscapeEnd = -1; // the last character of the last escape
  // Repetition counts multiply through nested groups (RE2 bounds the product): per open group,
  // the largest product inside it; and the product of the group just closed, for a count after it.
  const groups: number[] = [1];
  let closed = 0;
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]!;
    const afterGroup = closed;
    closed = 0;
    if (ch === '\\') {
      const c = src[i + 1];
      if (c === undefined) return 'ends with a lone backslash';
      let end = i + 1; // the escape's last character
      if (c === 'x') {
        if (!/^[0-9A-Fa-f]{2}$/.test(src.slice(i + 2, i + 4))) return 'uses the escape \\x without two hex digits';
        end = i + 3;
      } else if (c === 'v') {
        return 'uses \\v (vertical white space to PCRE2, one character to RE2: write \\x0b)';
      } else if (!/[dDsSwWbBnrtf]/.test(c) && !/[!-/:-@[-`{-~]/.test(c)) {
        return `uses the escape \\${c}, which not every proxy understands`;
      } else if (classOpen >= 0 && (c === 'b' || c === 'B')) {
        return `uses \\${c} inside a character class (a backspace to JavaScript and PCRE2, refused by RE2)`;
      }
      if (classOpen >= 0 && /[dDsSwW]/.test(c)) {
        const rangeAfter = src[end + 1] === '-' && src[end + 2] !== undefined && src[end + 2] !== ']';
        // (A `-` right before is a range's, unless it is the class's first member or itself escaped.)
        const rangeBefore = src[i - 1] === '-' && i - 1 > classOpen && lastEscapeEnd !== i - 1;
        if (rangeAfter || rangeBefore) return `uses \\${c} as an end of a range in a character class`;
      }
      lastEscapeEnd = end;
      i = end;
      continue;
    }
    if (classOpen >= 0) {
      if (ch === ']') classOpen = -1;
      else if (ch === '[' && /[:.=]/.test(src[i + 1] ?? '')) return `uses [${src[i + 1]} inside a character class (POSIX syntax to RE2 and PCRE2, text to JavaScript)`;
      continue;
    }
    if (ch === '[') {
      let j = i + 1;
      if (src[j] === '^') j++;
      if (src[j] === ']') return 'has an empty character class ([] or [^]), which RE2 and PCRE2 read differently';
      // `[:alpha:]` (or `[.a.]`, `[=a=]`) outside a class: PCRE2 refuses it as POSIX syntax.
      const first = src[j];
      if (first === ':' || first === '.' || first === '=') {
        const close = src.indexOf(']', j + 1);
        if (close > j + 1 && src[close - 1] === first) return `has a class that reads as POSIX syntax ([${first}…${first}]) to PCRE2`;
      }
      classOpen = j;
      i = j - 1;
      continue;
    }
    if (ch === '(') {
      groups.push(1);
    } else if (ch === ')' && groups.length > 1) {
      closed = groups.pop()!;
      groups[groups.length - 1] = Math.max(groups[groups.length - 1]!, closed);
    } else if (ch === '{') {
      const m = /^\{([0-9]+)(?:,([0-9]*))?\}/.exec(src.slice(i, i + 32));
      if (m) {
        const count = Math.max(Number(m[1]), m[2] ? Number(m[2]) : 0);
        const product = (afterGroup || 1) * count;
        if (product > MAX_REPEAT) return `repeats more than ${MAX_REPEAT} times, counting nested repetitions (RE2's limit)`;
        groups[groups.length - 1] = Math.max(groups[groups.length - 1]!, product);
        i += m[0].length - 1;
      }
    }
  }
  return undefined;
}

/**
 * Checks a regular expression against the portable RE2 subset. Returns a phrase describing the
 * problem, or undefined when it is fine.
 */
export function regexProblem(src: string): string | undefined {
  // No proxy config can hold a NUL (HAProxy's strings are C strings); `\x00` spells one portably.
  if (src.includes('\0')) return 'contains a NUL character (write \\x00 to match one)';
  if (/\\[1-9]/.test(src.replace(/\\\\/g, ''))) return 'uses a backreference';
  if (/\(\?<?[=!]/.test(src)) return 'uses lookaround';
  if (/\(\?>/.test(src)) return 'uses an atomic group';
  if (/[*+?}][+]/.test(src.replace(/\\./g, ''))) return 'uses a possessive quantifier';
  if (/\\[kg]/.test(src)) return 'uses a named backreference';
  const syntax = portableSyntaxProblem(src);
  if (syntax) return syntax;
  try {
    new RegExp(src);
  } catch (err) {
    return `does not compile (${String((err as Error).message).replace(/^Invalid regular expression: /, '')})`;
  }
  return undefined;
}
