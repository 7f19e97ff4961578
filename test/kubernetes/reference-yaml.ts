/**
 * The Kubernetes target's YAML writer as it was before the one-pass serialiser (a sorted copy, then
 * lines): the reference the serialiser must match byte for byte, with the canonical-JSON size.
 */
/* eslint-disable */
import { sortKeys, type Json } from '../../targets/kubernetes/util.js';

// The sorted copy is the target's own `sortKeys` (still what canonicalJson uses); what this file
// keeps as it was is the writer over that copy.

/**
 * YAML text of a value, keys sorted, in the block style of `kubectl get -o yaml`. Written by hand
 * (the `yaml` library is an order of magnitude slower on large ConfigMaps); the tests check that
 * every output parses back to the value under both YAML 1.1 (sigs.k8s.io/yaml) and 1.2:
 * - a string is plain only when no YAML 1.1 or 1.2 reader can take it for anything but a string
 *   (`yes`, `on`, `0123`, `1e3`, `12:30`, `null` are quoted);
 * - a multi-line string is a block literal (`|`, `|-`, `|+`) unless it holds characters or line
 *   shapes a literal cannot carry exactly, then double-quoted with JSON escapes (which YAML shares).
 */
export function referenceToYaml(value: unknown): string {
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
  // JSON, with what a YAML 1.1 reader would not keep escaped: DEL, C1 (NEL is a line break to it),
  // the line and paragraph separators, the BOM.
  // eslint-disable-next-line no-control-regex
  return JSON.stringify(v).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
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


/** The old canonical JSON's UTF-8 size (what the size check measured). */
export function referenceJsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(sortKeys(value)));
}
