/**
 * Small, pure helpers of the Kubernetes target: canonical YAML, content hashes, the API server's
 * canonical forms (quantities, image pull policy) and Kubernetes name rules.
 * @module
 */
import { hash } from 'node:crypto';
import { compareStrings, hasYamlOnlyEscapes, sortStrings, yamlQuoted } from '../../src/util/strings.js';

export { compareStrings };

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
    for (const k of sortStrings(Object.keys(value))) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  throw new Error(`meshc bug: cannot serialise a ${typeof value} into a manifest`);
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
  return serialise(value).yaml;
}

/** A value's YAML text and the size of its canonical JSON, from one walk. */
export interface Serialised {
  /** What {@link toYaml} returns (after `prefix`). */
  yaml: string;
  /** `Buffer.byteLength(canonicalJson(value))`: the size `kubectl apply` records. */
  jsonBytes: number;
}

/**
 * {@link toYaml} and the UTF-8 size of {@link canonicalJson} in one walk over the value, without
 * the sorted copy: keys are sorted per mapping as they are written, `undefined` members are
 * skipped. `prefix` (a comment header) starts the text.
 */
export function serialise(value: unknown, prefix = ''): Serialised {
  const w: Writer = { out: prefix, bytes: 0 };
  if (Array.isArray(value)) {
    const items = definedItems(value);
    if (items.length === 0) {
      w.out += '[]\n';
      w.bytes = 2;
    } else writeSequence(w, items, '', '');
  } else if (value !== null && typeof value === 'object') {
    const keys = definedKeys(value as Record<string, unknown>);
    if (keys.length === 0) {
      w.out += '{}\n';
      w.bytes = 2;
    } else writeMapping(w, value as Record<string, unknown>, keys, keys.length, '', '');
  } else {
    checkScalar(value);
    w.out += scalar(w, value as string | number | boolean | null) + '\n';
  }
  // One join: a flat string, not a rope of every piece for the GC to walk until it is written.
  return { yaml: flatten(w.out), jsonBytes: w.bytes };
}

interface Writer {
  /** The text so far. */
  out: string;
  /** Canonical JSON bytes so far. */
  bytes: number;
}

function checkScalar(value: unknown): void {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value === null) return;
  throw new Error(`meshc bug: cannot serialise a ${typeof value} into a manifest`);
}

/**
 * A mapping's keys in the order of {@link sortKeys}'s copy: keys with a value, sorted; as in any
 * object built by inserting them in that order, array-index keys (`"0"`, `"17"`) come first, in
 * numeric order (V8 lists them first, and so does `Object.keys` of the input).
 */
function definedKeys(o: Record<string, unknown>): string[] {
  const n = keysInOrder(o);
  if (n < 0) return sortedKeys(o);
  const all = Object.keys(o);
  return n === all.length ? all : all.filter((k) => o[k] !== undefined);
}

/**
 * How many keys with a value `o` has when its keys are already in {@link definedKeys}'s order —
 * the usual case: the emitter writes its literals sorted, absent fields `undefined` in their
 * place — so that they can be walked with for…in (which lists a plain object's own keys in
 * Object.keys order) without an array; else -1.
 */
function keysInOrder(o: Record<string, unknown>): number {
  let prev = '';
  let first = true;
  let n = 0;
  for (const k in o) {
    if ((first ? isArrayIndex(k) : !(prev < k)) || k === '__proto__') return -1;
    first = false;
    prev = k;
    if (o[k] !== undefined) n++;
  }
  return n;
}

function sortedKeys(o: Record<string, unknown>): string[] {
  const all = Object.keys(o);
  let index = 0;
  while (index < all.length && isArrayIndex(all[index]!)) index++;
  const keys: string[] = [];
  for (let i = 0; i < index; i++) if (o[all[i]!] !== undefined) keys.push(all[i]!);
  const rest: string[] = [];
  // `__proto__` never reached the copy (assigning it sets the copy's prototype): it is skipped.
  for (let i = index; i < all.length; i++) if (o[all[i]!] !== undefined && all[i] !== '__proto__') rest.push(all[i]!);
  rest.sort(); // code-unit order, as compareStrings
  for (const k of rest) keys.push(k);
  return keys;
}

function isArrayIndex(k: string): boolean {
  const c = k.charCodeAt(0);
  if (!(c >= 48 && c <= 57)) return false;
  return /^(?:0|[1-9][0-9]*)$/.test(k) && Number(k) < 4294967295;
}

function definedItems(a: readonly unknown[]): unknown[] {
  for (const x of a) if (x === undefined) return a.filter((v) => v !== undefined);
  return a as unknown[];
}

const PLAIN = /^(?:[A-Za-z_/]|-[A-Za-z-])[A-Za-z0-9_./:@=+-]*$/;
/** Quantities and percentages: a digit first, but a suffix no YAML number or date has. */
const PLAIN_QUANTITY = /^[0-9]+(?:\.[0-9]+)?(?:[mkMGTPE]|[KMGTPE]i|%)$/;
const RESERVED = /^(?:y|n|yes|no|true|false|on|off|null|[-+]?[eE][-+]?[0-9_]+)$/i;

/** `PLAIN`'s characters after the first: `[A-Za-z0-9_./:@=+-]`. */
const PLAIN_REST = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:@=+-') PLAIN_REST[c.charCodeAt(0)] = 1;

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * `PLAIN.test(v) && !RESERVED.test(v) && !v.endsWith(':') && !v.includes('://')`, with a character
 * table (the regular expressions only for the few strings that could be reserved words).
 */
function isPlain(v: string): boolean {
  const n = v.length;
  if (n === 0) return false;
  const c0 = v.charCodeAt(0);
  let i: number;
  if (isLetter(c0) || c0 === 95 || c0 === 47) i = 1;
  else if (c0 === 45 && n > 1 && (isLetter(v.charCodeAt(1)) || v.charCodeAt(1) === 45)) i = 2;
  else return false;
  let colon = false;
  for (; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c >= 128 || PLAIN_REST[c] === 0) return false;
    if (c === 58) colon = true;
  }
  if (colon && (v.charCodeAt(n - 1) === 58 || v.includes('://'))) return false;
  // Reserved words have at most 5 characters; exponents start with a sign or an e.
  if ((n <= 5 || c0 === 45 || c0 === 101 || c0 === 69) && RESERVED.test(v)) return false;
  return true;
}

/** A mapping key as written: `key: ` before a value on its line, `key:` before a block, its JSON size. */
interface KeyText {
  head: string;
  open: string;
  bytes: number;
}

/**
 * Mapping keys already written (field names and label keys: a small vocabulary), so each is
 * checked once. Values are not kept: many are names unique to one object, and a table of them
 * would keep every one alive. Bounded: cleared when full.
 */
const KEY_TEXTS = new Map<string, KeyText>();

function keyText(k: string): KeyText {
  let t = KEY_TEXTS.get(k);
  if (t === undefined) {
    if (KEY_TEXTS.size >= 1 << 12) KEY_TEXTS.clear();
    const text = stringText(k);
    t = { head: text + ': ', open: text + ':\n', bytes: stringBytes(k, text) };
    KEY_TEXTS.set(k, t);
  }
  return t;
}

/** A string's single-line YAML text; plain strings are ASCII, quoted ones JSON (with `yamlQuoted`'s further escapes). */
function stringText(v: string): string {
  const c0 = v.charCodeAt(0);
  if (c0 >= 48 && c0 <= 57) return PLAIN_QUANTITY.test(v) ? v : yamlQuoted(v);
  return isPlain(v) ? v : yamlQuoted(v);
}

/** The canonical JSON size of a string whose YAML text is `text` (plain: ASCII, quoted: its JSON, but for `yamlQuoted`'s further escapes). */
function stringBytes(v: string, text: string): number {
  if (text === v) return v.length + 2;
  return hasYamlOnlyEscapes(v) ? Buffer.byteLength(JSON.stringify(v)) : utf8Bytes(text);
}

function utf8Bytes(s: string): number {
  if (s.length > 64) return Buffer.byteLength(s);
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s);
  return s.length;
}

/** A scalar's YAML text (for a single-line context); adds its JSON size. */
function scalar(w: Writer, v: string | number | boolean | null): string {
  if (v === null) {
    w.bytes += 4;
    return 'null';
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error('meshc bug: non-finite number in a manifest');
    const t = String(v);
    w.bytes += t.length;
    return t;
  }
  if (typeof v === 'boolean') {
    w.bytes += v ? 4 : 5;
    return v ? 'true' : 'false';
  }
  const t = stringText(v);
  w.bytes += stringBytes(v, t);
  return t;
}

// Characters a literal block cannot carry: control characters (tab and LF excepted), DEL and C1,
// BOM, line/paragraph separators; and surrogates, allowed only in pairs (checked when present).
// eslint-disable-next-line no-control-regex
const NOT_LITERAL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufeff\u2028\u2029\ud800-\udfff]/;
// eslint-disable-next-line no-control-regex
const NOT_LITERAL_EXCEPT_SURROGATES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufeff\u2028\u2029]/;

/** Whether a multi-line string can be written as a literal block and read back exactly. */
function literalOk(s: string): boolean {
  if (s.indexOf('\n') < 0) return false;
  if (NOT_LITERAL.test(s)) {
    if (NOT_LITERAL_EXCEPT_SURROGATES.test(s) || /[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) return false;
  }
  // The indentation is detected from the first non-empty line: it must not start with a space or a
  // tab (lines before it are empty), and there must be one.
  let i = 0;
  while (i < s.length && s.charCodeAt(i) === 10) i++;
  if (i === s.length) return false;
  const c = s.charCodeAt(i);
  return c !== 32 && c !== 9;
}

/** Occurrences of the character `ch` in `s`. */
function count(s: string, ch: string): number {
  let n = 0;
  for (let i = s.indexOf(ch); i >= 0; i = s.indexOf(ch, i + 1)) n++;
  return n;
}

/**
 * Writes a literal block for `s` (its header `|`, `|-` or `|+` after `lead`, then its lines at
 * `indent`) and adds the size of its JSON string: the UTF-8 bytes, the quotes, and one escape byte
 * per `"`, `\`, newline and tab (a literal holds no other character JSON escapes).
 */
function writeLiteral(w: Writer, s: string, lead: string, indent: string): void {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 10) end--;
  const trailing = s.length - end;
  w.out += lead + (trailing === 0 ? '|-' : trailing === 1 ? '|' : '|+') + '\n';
  let newlines = trailing;
  const body = end === s.length ? s : s.slice(0, end);
  if (body.charCodeAt(0) !== 10 && body.indexOf('\n\n') < 0) {
    // No empty line: every line is indented.
    newlines += count(body, '\n');
    w.out += indent + body.replaceAll('\n', '\n' + indent) + '\n';
  } else {
    let start = 0;
    for (;;) {
      const nl = body.indexOf('\n', start);
      const stop = nl < 0 ? end : nl;
      if (stop > start) w.out += indent + body.slice(start, stop) + '\n';
      else w.out += '\n';
      if (stop === end) break;
      newlines++;
      start = stop + 1;
    }
  }
  for (let i = 1; i < trailing; i++) w.out += '\n';
  w.bytes += utf8Bytes(s) + 2 + newlines + count(s, '"') + count(s, '\\') + count(s, '\t');
}

const INDENTS: string[] = [];
for (let i = 0; i <= 64; i++) INDENTS.push(' '.repeat(2 * i));

/** `indent` and two spaces. */
function deeper(indent: string): string {
  return INDENTS[indent.length / 2 + 1] ?? indent + '  ';
}

/**
 * Writes a mapping's entries at `indent`; the first line starts with `first`. `keys`: its keys
 * with a value, sorted — or undefined when its own keys are already so (walked with for…in).
 * Not empty.
 */
function writeMapping(w: Writer, o: Record<string, unknown>, keys: string[] | undefined, count: number, indent: string, first: string): void {
  w.bytes += 1 + count * 2; // { : , }
  if (keys === undefined) {
    let lead = first;
    for (const k in o) {
      const v = o[k];
      if (v === undefined) continue;
      writeEntry(w, k, v, indent, lead);
      lead = indent;
    }
  } else for (let i = 0; i < keys.length; i++) writeEntry(w, keys[i]!, o[keys[i]!], indent, i === 0 ? first : indent);
}

/** Writes a sequence's items (not none) at `indent`; the first line starts with `first` (a sequence item's dash). */
function writeSequence(w: Writer, items: unknown[], indent: string, first: string): void {
  w.bytes += 1 + items.length; // [ , ]
  for (let i = 0; i < items.length; i++) writeItem(w, items[i], indent, i === 0 ? first : indent);
}

/**
 * Writes a value after `head` (`key: ` or `- `, with the line's lead): a scalar or empty
 * collection on the same line, a literal block, or a collection on the lines below (a mapping in
 * a sequence starts on the dash's line). Throws on what JSON cannot hold.
 */
function writeValue(w: Writer, v: unknown, lead: string, head: string, open: string, indent: string, item: boolean): void {
  if (typeof v === 'string') {
    if (v.indexOf('\n') >= 0 && literalOk(v)) {
      writeLiteral(w, v, lead + head, deeper(indent));
      return;
    }
    w.out += lead + head + scalar(w, v) + '\n';
    return;
  }
  if (v === null || typeof v !== 'object') {
    checkScalar(v);
    w.out += lead + head + scalar(w, v as number | boolean | null) + '\n';
    return;
  }
  if (Array.isArray(v)) {
    const items = definedItems(v);
    if (items.length === 0) {
      w.bytes += 2;
      w.out += lead + head + '[]\n';
    } else if (item) {
      // A sequence in a sequence: its first item goes on the dash's line.
      writeSequence(w, items, deeper(indent), lead + head);
    } else {
      w.out += lead + open;
      writeSequence(w, items, deeper(indent), deeper(indent));
    }
    return;
  }
  const o = v as Record<string, unknown>;
  const n = keysInOrder(o);
  const keys = n >= 0 ? undefined : sortedKeys(o);
  const count = keys === undefined ? n : keys.length;
  if (count === 0) {
    w.bytes += 2;
    w.out += lead + head + '{}\n';
  } else if (item) {
    // The first line of the nested block goes on the dash's line.
    writeMapping(w, o, keys, count, deeper(indent), lead + head);
  } else {
    w.out += lead + open;
    writeMapping(w, o, keys, count, deeper(indent), deeper(indent));
  }
}

function writeEntry(w: Writer, key: string, v: unknown, indent: string, lead: string): void {
  const k = keyText(key);
  w.bytes += k.bytes;
  writeValue(w, v, lead, k.head, k.open, indent, false);
}

function writeItem(w: Writer, v: unknown, indent: string, lead: string): void {
  writeValue(w, v, lead, '- ', '-\n', indent, true);
}

/** `s` as a flat string (not a rope of every piece for the GC to walk until it is written). */
function flatten(s: string): string {
  // Reading a character flattens a rope in place.
  s.charCodeAt(0);
  return s;
}

/** Canonical JSON (sorted keys, no spaces): what hashes and size checks are computed over. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** The first `n` hex digits of the SHA-256 of a text. */
export function hashHex(text: string, n = 10): string {
  return hash('sha256', text, 'hex').slice(0, n);
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
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
  if (!DNS1123_SUBDOMAIN.test(name)) return 'only lower-case letters, digits, inner hyphens and dots are allowed';
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
