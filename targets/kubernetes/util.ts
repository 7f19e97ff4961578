/**
 * Small, pure helpers of the Kubernetes target: canonical YAML, content hashes, the API server's
 * canonical forms (quantities, image pull policy) and Kubernetes name rules.
 * @module
 */
import { createHash } from 'node:crypto';

/** A JSON value as emitted into manifests. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * Deep copy with every mapping's keys sorted (code-unit order) and `undefined` members dropped.
 * Arrays keep their order: where order is free the emitter sorts them itself.
 */
export function sortKeys(value: unknown): Json {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined).map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const k of Object.keys(value).sort(compareStrings)) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  throw new Error(`meshc bug: cannot serialise a ${typeof value} into a manifest`);
}

/** Locale-independent string order (UTF-16 code units). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * YAML text of a value, keys sorted, in the block style of `kubectl get -o yaml`. Written by hand
 * (the `yaml` library is an order of magnitude slower on large ConfigMaps); the tests check that
 * every output parses back to the value under both YAML 1.1 (sigs.k8s.io/yaml) and 1.2:
 * - a string is plain only when no YAML 1.1 or 1.2 reader can take it for anything but a string
 *   (`yes`, `on`, `0123`, `1e3`, `12:30`, `null` are quoted);
 * - a multi-line string is a block literal (`|`, `|-`, `|+`) unless it holds characters or line
 *   shapes a literal cannot carry exactly, then double-quoted with JSON escapes (which YAML shares).
 */
export function toYaml(value: unknown): string {
  const v = sortKeys(value);
  if (isEmptyCollection(v)) return emptyText(v) + '\n';
  const out: string[] = [];
  writeBlock(v, '', out);
  return out.join('\n') + '\n';
}

const PLAIN = /^(?:[A-Za-z_/]|-[A-Za-z-])[A-Za-z0-9_./:@=+-]*$/;
/** Quantities and percentages: a digit first, but a suffix no YAML number or date has. */
const PLAIN_QUANTITY = /^[0-9]+(?:\.[0-9]+)?(?:[mkMGTPE]|[KMGTPE]i|%)$/;
const RESERVED = /^(?:y|n|yes|no|true|false|on|off|null|[-+]?[eE][-+]?[0-9_]+)$/i;

/** A scalar's YAML text (for a single-line context). */
function scalar(v: string | number | boolean | null): string {
  if (v === null) return 'null';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error('meshc bug: non-finite number in a manifest');
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (PLAIN_QUANTITY.test(v)) return v;
  if (PLAIN.test(v) && !RESERVED.test(v) && !v.endsWith(':') && !v.includes('://')) return v;
  return JSON.stringify(v);
}

/** Whether a multi-line string can be written as a literal block and read back exactly. */
function literalOk(s: string): boolean {
  if (!s.includes('\n')) return false;
  // Control characters (tab excepted), CR, BOM, line/paragraph separators and lone surrogates.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufeff\u2028\u2029]/.test(s) || /[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) return false;
  const lines = s.replace(/\n+$/, '').split('\n');
  // The indentation is detected from the first non-empty line: it must not start with a space or a
  // tab, and no line before it may be whitespace only.
  const first = lines.find((l) => l !== '');
  if (first === undefined || /^[ \t]/.test(first)) return false;
  for (const l of lines) {
    if (l === first) break;
    if (l !== '') return false;
  }
  return true;
}

/** Lines of a literal block for `s` at `indent`, with its header (`|`, `|-` or `|+`). */
function literal(s: string, indent: string): { header: string; lines: string[] } {
  const trailing = /\n*$/.exec(s)![0].length;
  const header = trailing === 0 ? '|-' : trailing === 1 ? '|' : '|+';
  const body = s.slice(0, s.length - trailing).split('\n');
  const lines = body.map((l) => (l === '' ? '' : indent + l));
  for (let i = 1; i < trailing; i++) lines.push('');
  return { header, lines };
}

function isEmptyCollection(v: Json): boolean {
  return (Array.isArray(v) && v.length === 0) || (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0);
}

function emptyText(v: Json): string {
  return Array.isArray(v) ? '[]' : '{}';
}

/** Writes a mapping's entries or a sequence's items at `indent`. */
function writeBlock(v: Json, indent: string, out: string[]): void {
  if (Array.isArray(v)) {
    for (const item of v) writeItem(item, indent, out);
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) writeEntry(k, x, indent, out);
  } else {
    out.push(indent + scalar(v));
  }
}

function writeEntry(key: string, v: Json, indent: string, out: string[]): void {
  const k = scalar(key);
  if (typeof v === 'string' && literalOk(v)) {
    const { header, lines } = literal(v, indent + '  ');
    out.push(`${indent}${k}: ${header}`, ...lines);
  } else if (v === null || typeof v !== 'object') {
    out.push(`${indent}${k}: ${scalar(v)}`);
  } else if (isEmptyCollection(v)) {
    out.push(`${indent}${k}: ${emptyText(v)}`);
  } else {
    out.push(`${indent}${k}:`);
    writeBlock(v, indent + '  ', out);
  }
}

function writeItem(v: Json, indent: string, out: string[]): void {
  if (typeof v === 'string' && literalOk(v)) {
    const { header, lines } = literal(v, indent + '  ');
    out.push(`${indent}- ${header}`, ...lines);
  } else if (v === null || typeof v !== 'object') {
    out.push(`${indent}- ${scalar(v)}`);
  } else if (isEmptyCollection(v)) {
    out.push(`${indent}- ${emptyText(v)}`);
  } else {
    // The first line of the nested block goes on the dash's line.
    const start = out.length;
    writeBlock(v, indent + '  ', out);
    out[start] = `${indent}- ${out[start]!.slice(indent.length + 2)}`;
  }
}

/** Canonical JSON (sorted keys, no spaces): what hashes and size checks are computed over. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** The first `n` hex digits of the SHA-256 of a text. */
export function hashHex(text: string, n = 10): string {
  return createHash('sha256').update(text).digest('hex').slice(0, n);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Why `name` is not a DNS-1123 label (at most 63), or undefined when it is. */
export function dns1123LabelProblem(name: string): string | undefined {
  if (name.length > 63) return `${name.length} characters, at most 63 allowed`;
  if (!DNS1123_LABEL.test(name)) return 'only lower-case letters, digits and inner hyphens are allowed';
  return undefined;
}

/** Why `name` is not a DNS-1035 label (Service names), or undefined when it is. */
export function dns1035LabelProblem(name: string): string | undefined {
  if (name.length > 63) return `${name.length} characters, at most 63 allowed`;
  if (!DNS1035_LABEL.test(name)) return 'it must start with a letter and hold only lower-case letters, digits and inner hyphens';
  return undefined;
}

/** Why `name` is not a DNS-1123 subdomain (most object names), or undefined when it is. */
export function dns1123SubdomainProblem(name: string): string | undefined {
  if (name.length > 253) return `${name.length} characters, at most 253 allowed`;
  if (!name.split('.').every((l) => DNS1123_LABEL.test(l))) return 'only lower-case letters, digits, inner hyphens and dots are allowed';
  return undefined;
}

/**
 * The pull policy the API server defaults for an image: `Always` for a `:latest` tag or no tag
 * (and no digest), else `IfNotPresent`.
 */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon < 0) return 'Always';
  return image.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_BY_EXP = new Map(Object.entries(DECIMAL_SUFFIX).map(([s, e]) => [e, s]));
const BINARY_BY_POW = new Map(Object.entries(BINARY_SUFFIX).map(([s, e]) => [e, s]));

/**
 * The canonical form the API server stores for a resource quantity (`resource.Quantity`), so the
 * live object equals the manifest: `1000m` → `1`, `0.5` → `500m`, `2048Mi` → `2Gi`,
 * `0.5Gi` → `512Mi`, `2000` → `2k`. Binary quantities stay binary when they are whole numbers of
 * at least 1024; everything else is decimal with the largest exact SI suffix, at nano precision
 * (rounded up, as the API server does). Returns undefined for a string that is not a quantity.
 */
export function canonicalQuantity(q: string): string | undefined {
  const m = /^([0-9]+)(?:\.([0-9]+))?(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(q);
  if (!m) return undefined;
  const int = m[1]!;
  const frac = m[2] ?? '';
  const suffix = m[3] ?? '';
  // value = digits / 10^frac.length * multiplier, as a fraction num / den with den a power of ten.
  let num = BigInt(int + frac);
  let den = 10n ** BigInt(frac.length);
  const bin = BINARY_SUFFIX[suffix];
  if (bin !== undefined) {
    num *= 1024n ** BigInt(bin);
  } else {
    const e = DECIMAL_SUFFIX[suffix]!;
    if (e >= 0) num *= 10n ** BigInt(e);
    else den *= 10n ** BigInt(-e);
  }
  if (num === 0n) return '0';
  if (bin !== undefined && num % den === 0n && num / den >= 1024n) {
    let v = num / den;
    let pow = 0;
    while (pow < 6 && v % 1024n === 0n) {
      v /= 1024n;
      pow++;
    }
    return `${v}${BINARY_BY_POW.get(pow) ?? ''}`;
  }
  // Decimal: nano units, rounded up.
  let nano = (num * 1_000_000_000n + den - 1n) / den;
  let exp = -9;
  while (exp < 18 && nano % 1000n === 0n) {
    nano /= 1000n;
    exp += 3;
  }
  return `${nano}${DECIMAL_BY_EXP.get(exp) ?? ''}`;
}

/** Whole seconds for a probe field from milliseconds: rounded up, at least 1. */
export function probeSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
