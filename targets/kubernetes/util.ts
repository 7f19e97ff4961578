/**
 * Small, pure helpers of the Kubernetes target: canonical YAML, content hashes, the API server's
 * canonical forms (quantities, image pull policy) and Kubernetes name rules.
 * @module
 */
import { createHash } from 'node:crypto';
import YAML from 'yaml';

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
 * YAML text of a value, keys sorted. Quoting follows YAML 1.1, which is what the Kubernetes
 * tooling (sigs.k8s.io/yaml) reads, so strings such as `yes`, `on` or `0123` stay strings.
 * Multi-line strings are block literals; no line folding.
 */
export function toYaml(value: unknown): string {
  return YAML.stringify(sortKeys(value), { version: '1.1', lineWidth: 0, minContentWidth: 0 });
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
