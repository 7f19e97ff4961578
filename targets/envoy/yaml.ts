/**
 * Deterministic YAML for Envoy. Key order is the order the emitter builds objects in (fixed by the
 * code; maps whose order is free are built sorted). Block style, no anchors, aliases or tags.
 *
 * A string is written plain only when nothing can read it as anything but that string — neither
 * YAML 1.2 nor yaml-cpp (which Envoy uses, and which reads `yes`, `on`, `y`, `0x10`… as bools and
 * numbers): it must start with a letter and hold only letters, digits and `._/-`, and not be a
 * YAML 1.1 keyword. A string of several lines without other control characters is a literal block;
 * every other string is double-quoted with escapes for every character YAML would not keep as is.
 * So no user string can change the structure of the file.
 *
 * (A hand-written writer: this shape of data needs a few dozen lines, and it is about ten times
 * faster than a general YAML library, which matters at thousands of sidecars.)
 * @module
 */
import { yamlQuoted } from '../../src/util/strings.js';

// YAML 1.1 keywords, and the exponent-only form some YAML 1.1 float resolvers accept (`e5`).
const YAML11_WORDS = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|nan|NaN|NAN|inf|Inf|INF|[eE][-+]?[0-9]+)$/;
// Characters a literal block cannot hold as text (control characters other than LF, YAML 1.1 line
// breaks other than LF, the BOM), and lines a literal block would not keep exactly.
// eslint-disable-next-line no-control-regex
const NOT_IN_BLOCK = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029\uFEFF]/;
/** Whether a multi-line string can be a literal block that reads back exactly. */
function blockable(s: string): boolean {
  if (!s.includes('\n') || NOT_IN_BLOCK.test(s)) return false;
  const lines = s.split('\n');
  // trailing spaces survive a literal block, but a whitespace-only first line would need care
  return !/^[ ]*$/.test(lines[0]!) && lines.every((l) => !/^\s+$/.test(l) || l === '');
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return str(v);
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`meshc bug: non-finite number ${v} in an Envoy config`);
    return String(v);
  }
  if (typeof v === 'bigint') return v.toString();
  return str(String(v));
}

/** Whether `s` may be plain: `^[A-Za-z][A-Za-z0-9._/-]*$` and not a YAML 1.1 word (a character loop: hot). */
function plainOk(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  const c0 = s.charCodeAt(0);
  if (!((c0 >= 65 && c0 <= 90) || (c0 >= 97 && c0 <= 122))) return false;
  for (let i = 1; i < n; i++) {
    const c = s.charCodeAt(i);
    // [A-Za-z0-9._/-]
    if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 45 && c <= 57) || c === 95)) return false;
  }
  // YAML 1.1 words have at most 5 letters; the exponent form starts with e or E.
  return n > 5 && c0 !== 101 && c0 !== 69 ? true : !YAML11_WORDS.test(s);
}

function str(s: string): string {
  return plainOk(s) ? s : yamlQuoted(s);
}

/** A literal block for `s` at `indent` spaces (the key's indent + 2). */
function block(s: string, indent: number): string {
  const pad = ' '.repeat(indent);
  const m = /\n*$/.exec(s)!;
  const trailing = m[0].length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const indicator = s.startsWith(' ') ? String(2) : '';
  const body = trailing > 0 ? s.slice(0, s.length - trailing) : s;
  const lines = body.split('\n').map((l) => (l === '' ? '' : pad + l));
  const extra = trailing > 1 ? '\n'.repeat(trailing - 1) : '';
  return `|${indicator}${chomp}\n${lines.join('\n')}\n${extra}`;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const PADS: string[] = [];
function padOf(indent: number): string {
  return (PADS[indent] ??= ' '.repeat(indent));
}

function nonEmptyObj(v: unknown): v is Record<string, unknown> {
  if (!isObj(v)) return false;
  for (const _ in v) return true;
  return false;
}

/**
 * The texts of keys already written (the emitter's own field names, mostly): each checked once.
 * Values are not kept: most are names unique to one sidecar, and a table of them would keep every
 * one alive (at 10,000 sidecars that cost more in garbage collection than it saved). Bounded.
 */
const KEYS = new Map<string, string>();

function keyText(k: string): string {
  let t = KEYS.get(k);
  if (t === undefined) {
    if (KEYS.size >= 1 << 12) KEYS.clear();
    KEYS.set(k, (t = str(k)));
  }
  return t;
}

/** The text written so far. */
interface Out {
  s: string;
}

/**
 * Writes `value` (a map or a list) at `indent`, as whole lines. `first`, when given, replaces the
 * indentation of the first line (a list item's `- `).
 */
function node(value: unknown, indent: number, out: Out, first?: string): void {
  const pad = padOf(indent);
  let lead = first ?? pad;
  if (Array.isArray(value)) {
    const dash = `${pad}- `;
    for (const item of value) {
      if (nonEmptyObj(item)) {
        node(item, indent + 2, out, dash);
      } else if (Array.isArray(item) && item.length > 0) {
        out.s += pad + '-\n';
        node(item, indent + 2, out);
      } else {
        out.s += dash + inline(item, indent + 2) + '\n';
      }
    }
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const k in obj) {
    const v = obj[k];
    if (v === undefined) continue;
    const key = keyText(k);
    if (nonEmptyObj(v) || (Array.isArray(v) && v.length > 0)) {
      out.s += lead + key + ':\n';
      node(v, indent + 2, out);
    } else {
      out.s += lead + key + ': ' + inline(v, indent + 2) + '\n';
    }
    lead = pad;
  }
  if (first !== undefined && lead === first) throw new Error('meshc bug: a list item without values in an Envoy config');
}

/** A value that fits after `key: ` or `- `: a scalar, an empty collection, or a literal block. */
function inline(v: unknown, indent: number): string {
  if (isObj(v)) return '{}';
  if (Array.isArray(v)) return '[]';
  if (typeof v === 'string' && blockable(v)) return block(v, indent).replace(/\n$/, '');
  return scalar(v);
}

/** Serialises a JSON-like object to YAML, deterministically, after an optional `# ` header. */
export function toYaml(value: Record<string, unknown>, header?: string): string {
  const out: Out = { s: header ? header.split('\n').map((l) => `# ${l}`.trimEnd() + '\n').join('') : '' };
  node(value, 0, out);
  // One flat string (see flat() in src/util/strings.ts): reading a character flattens the rope.
  out.s.charCodeAt(0);
  return out.s;
}
