/**
 * Source positions for parsed YAML, three ways:
 *
 * - the quick path (quickyaml.ts) reads the plain subset of YAML that mesh files use, with its own
 *   parser, about three times faster than the fast path, giving the same values and positions;
 * - the fast path parses with js-yaml (about ten times faster than the `yaml` library) and records,
 *   through its node listener, a compact tree of node ranges parallel to the value;
 * - the careful path keeps the `yaml` library's AST (used for files with anchors, aliases, tags or
 *   merge keys, for files js-yaml refuses, and whenever the fast tree does not match the value
 *   exactly), which also gives every syntax error with its position.
 *
 * Both answer the same question: the offsets of the value (or key) at a path.
 * @module
 */
import jsyaml from 'js-yaml';
import type { Document, Node } from 'yaml';
import { yamlLib } from './yamllib.js';
import { quickParse } from './quickyaml.js';

/** A path into a document's value: mapping keys and list indexes. */
export type ValuePath = readonly (string | number)[];

/** Offsets → 1-based line and column. Lines end as YAML's do: at a line feed, a CR LF or a lone CR. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    if (text.indexOf('\r') < 0) {
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
      return;
    }
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) this.starts.push(i + 1);
    }
  }
  /** 1-based line and column of an offset. */
  pos(offset: number): { line: number; col: number } {
    const lo = this.lineIndex(offset);
    return { line: lo + 1, col: offset - this.starts[lo]! + 1 };
  }
  /** 0-based index of the line that holds an offset. */
  lineIndex(offset: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  /** The offset where a line (0-based) starts. */
  lineStart(line: number): number {
    return this.starts[line]!;
  }
}

/** Finds the offsets of the value (or key) at a path; `undefined` ranges fall back to the nearest ancestor. */
export interface Locator {
  /** [start, end) of the value at `path` (or its key), or of its deepest existing ancestor. */
  range(path: ValuePath, which: 'value' | 'key'): [number, number];
}

// ---------------------------------------------------------------------------------------------
// The careful path: the yaml library's AST
// ---------------------------------------------------------------------------------------------

/** js-yaml's implicit scalar types of its core schema (null, bool, int, float), in its order. */
interface JsYamlType {
  tag: string;
  resolve(data: string): boolean;
  construct(data: string): unknown;
}

/** The yaml library's core scalar tags, replaced on the careful path by js-yaml's. */
const CORE_SCALAR_TAGS = new Set(['null', 'bool', 'int', 'float'].map((t) => `tag:yaml.org,2002:${t}`));

/**
 * The careful path's parse options: the yaml library's core schema with js-yaml's scalar
 * resolution in place of its own (the two differ: js-yaml reads `0b11` and `-0x1F` as numbers,
 * `+.5` as a string; the quick and fast paths read scalars as js-yaml does), so that a value means
 * the same whichever path its file takes; and keys compared as the strings they become in the
 * document's value, so that `1` and `"1"` in one mapping are a duplicate key (MC1004), as on the
 * other paths, not one value silently dropped.
 */
export function carefulParseOptions(lineCounter: InstanceType<ReturnType<typeof yamlLib>['LineCounter']>): import('yaml').ParseOptions & import('yaml').DocumentOptions & import('yaml').SchemaOptions {
  const { isScalar } = yamlLib();
  const implicit = (jsyaml.CORE_SCHEMA as unknown as { compiledImplicit: JsYamlType[] }).compiledImplicit;
  const NULL = 'tag:yaml.org,2002:null';
  const jsTags = implicit.map((t) => ({
    tag: t.tag,
    default: true as const,
    // The yaml library only calls its tags' `test.test(data)`, so a RegExp-like object will do.
    // An empty plain scalar is null (js-yaml makes it null before resolving).
    test: { test: (data: string) => (data === '' ? t.tag === NULL : t.resolve(data)) } as unknown as RegExp,
    resolve: (data: string) => (data === '' ? null : t.construct(data)),
  }));
  return {
    lineCounter,
    uniqueKeys: (a, b) => a === b || (isScalar(a) && isScalar(b) && String(a.value) === String(b.value)),
    prettyErrors: false,
    strict: true,
    stringKeys: false,
    customTags: (tags) => [...tags.filter((t) => typeof t === 'string' || !CORE_SCALAR_TAGS.has(t.tag)), ...jsTags],
  };
}

/** A locator over a `yaml` Document. */
export class YamlLocator implements Locator {
  constructor(private readonly doc: Document.Parsed) {}

  private nodeRange(node: unknown): [number, number] {
    const r = (node as Node | null)?.range;
    if (r) return [r[0], r[1]];
    const d = this.doc.contents?.range ?? this.doc.range;
    return [d[0], d[1]];
  }

  private deref(node: unknown): unknown {
    const { isAlias } = yamlLib();
    let n = node;
    for (let i = 0; i < 16 && isAlias(n); i++) n = (n as { resolve(doc: Document): unknown }).resolve(this.doc);
    return n;
  }

  range(path: ValuePath, which: 'value' | 'key'): [number, number] {
    const { isMap, isPair, isScalar, isSeq } = yamlLib();
    let node: unknown = this.doc.contents;
    let keyNode: unknown = undefined;
    for (const seg of path) {
      node = this.deref(node);
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) return this.nodeRange(keyNode ?? node);
        keyNode = pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
        keyNode = undefined;
        node = node.items[seg];
      } else {
        return this.nodeRange(keyNode ?? node);
      }
    }
    if (which === 'key' && keyNode) return this.nodeRange(keyNode);
    const target = this.deref(node) as Node | null;
    if (!target?.range && keyNode) return this.nodeRange(keyNode);
    return this.nodeRange(target ?? keyNode ?? this.doc.contents);
  }
}

// ---------------------------------------------------------------------------------------------
// The fast path: js-yaml with a position tree
// ---------------------------------------------------------------------------------------------

/** A node of the position tree: its range and, for collections, its children. */
interface PosNode {
  /** Start offset (leading blanks and comments skipped). */
  s: number;
  /** End offset (trailing blanks trimmed). */
  e: number;
  /** m: mapping (children alternate key, value), q: sequence, s: scalar or null. */
  k: 'm' | 'q' | 's';
  /** Children. */
  c: PosNode[] | undefined;
  /** The key text, for scalars that are mapping keys. */
  v: string | undefined;
}

/** A locator over a position tree. */
export class TreeLocator implements Locator {
  constructor(private readonly root: PosNode) {}

  range(path: ValuePath, which: 'value' | 'key'): [number, number] {
    let node = this.root;
    let key: PosNode | undefined;
    for (const seg of path) {
      const c = node.c;
      if (node.k === 'm' && c) {
        let found = -1;
        for (let i = 0; i + 1 < c.length; i += 2) {
          if (c[i]!.v === String(seg)) {
            found = i;
            break;
          }
        }
        if (found < 0) return rangeOf(key ?? node);
        key = c[found];
        node = c[found + 1]!;
      } else if (node.k === 'q' && c && typeof seg === 'number' && seg < c.length) {
        key = undefined;
        node = c[seg]!;
      } else {
        return rangeOf(key ?? node);
      }
    }
    if (which === 'key' && key) return rangeOf(key);
    if (node.e <= node.s && key) return rangeOf(key);
    return rangeOf(node);
  }
}

function rangeOf(n: PosNode): [number, number] {
  return [n.s, Math.max(n.s, n.e)];
}

/** Text that the fast path leaves to the careful one: anchors, aliases, tags, merge keys, directives. */
const NEEDS_CAREFUL = /(^|[\s,[{:-])[&*!][^\s,\]}]|<<\s*:|^%|^\s*\?(\s|$)/m;
/** Every match of {@link NEEDS_CAREFUL} holds one of these: a scan for them is many times faster. */
const MAYBE_CAREFUL = /[&*!<%?]/;

/** The fast parse of a file: one value and one locator per document. */
export interface FastParse {
  values: unknown[];
  locators: Locator[];
  /** When known, per document an upper bound of the number of values in it. */
  sizes?: number[];
}

/**
 * Parses a file with js-yaml, recording node positions. Returns undefined when the careful path
 * must handle the file: it uses YAML features whose positions or bounds need the `yaml` library,
 * js-yaml refuses it (syntax error, duplicate key, too deep), or the position tree does not match
 * the value exactly.
 */
export function fastParse(text: string, maxDepth: number): FastParse | undefined {
  if (MAYBE_CAREFUL.test(text) && NEEDS_CAREFUL.test(text)) return undefined;
  // The plain subset most mesh files are written in: read by quickyaml.ts, same values and positions.
  const quick = quickParse(text, maxDepth);
  if (quick) return quick;
  return jsyamlParse(text, maxDepth);
}

/** The js-yaml path of {@link fastParse}. */
export function jsyamlParse(text: string, maxDepth: number): FastParse | undefined {
  const stack: { node: PosNode; result?: unknown }[] = [];
  const roots: PosNode[] = [];
  let values: unknown[];
  try {
    // maxDepth exists in js-yaml 4.1+ but not in its type definitions.
    const options = {
      schema: jsyaml.CORE_SCHEMA,
      json: false,
      maxDepth,
      listener(event: jsyaml.EventType, state: jsyaml.State) {
        if (event === 'open') {
          stack.push({ node: { s: state.position, e: 0, k: 's', c: undefined, v: undefined } });
          return;
        }
        const frame = stack.pop()!;
        let node = frame.node;
        node.e = state.position;
        const kind = (state as unknown as { kind: string | null }).kind;
        const result = (state as unknown as { result: unknown }).result;
        node.k = kind === 'mapping' ? 'm' : kind === 'sequence' ? 'q' : 's';
        if (node.k === 's' && typeof result !== 'object') node.v = result === null ? '' : String(result);
        trim(text, node);
        // A block-sequence item that is a flow collection comes wrapped in a node of the same range.
        const only = node.c && node.c.length === 1 ? node.c[0]! : undefined;
        if (only && only.k === node.k && only.s === node.s && only.e === node.e) node = only;
        const parent = stack[stack.length - 1];
        if (parent) (parent.node.c ??= []).push(node);
        else roots.push(node);
      },
    };
    values = jsyaml.loadAll(text, null, options as jsyaml.LoadOptions);
  } catch {
    return undefined;
  }
  // js-yaml composes one (possibly empty) root per document.
  if (roots.length !== values.length) return undefined;
  for (let i = 0; i < roots.length; i++) {
    if (!matches(roots[i]!, values[i])) return undefined;
  }
  return { values, locators: roots.map((r) => new TreeLocator(r)) };
}

/**
 * Skips leading blanks and comments, trims trailing blanks; ends within the text (js-yaml reads a
 * text without a final newline with one appended, and may end a node one past the text).
 */
function trim(text: string, n: PosNode): void {
  let e = Math.min(n.e, text.length);
  let s = Math.min(n.s, e);
  while (s < e) {
    const ch = text.charCodeAt(s);
    if (ch === 32 || ch === 9 || ch === 10 || ch === 13) s++;
    else if (ch === 35 /* # */ && (s === 0 || /\s/.test(text[s - 1]!))) {
      while (s < e && text.charCodeAt(s) !== 10) s++;
    } else break;
  }
  for (;;) {
    while (e > s) {
      const ch = text.charCodeAt(e - 1);
      if (ch === 32 || ch === 9 || ch === 10 || ch === 13) e--;
      else break;
    }
    // A block collection's range runs over the comment lines that follow it: drop them.
    if (n.k === 's' || e <= s) break;
    const lineStart = text.lastIndexOf('\n', e - 1) + 1;
    if (lineStart <= s || !/^[ \t]*#/.test(text.slice(lineStart, e))) break;
    e = lineStart;
  }
  n.s = s;
  n.e = e;
}

/**
 * Whether a position tree mirrors a value: same kinds, a key/value pair per mapping entry (in
 * order, with the same key text), an item per sequence element. Drops a trailing empty child that
 * js-yaml leaves at the end of a block mapping.
 */
function matches(root: PosNode, value: unknown): boolean {
  const stack: [PosNode, unknown][] = [[root, value]];
  while (stack.length > 0) {
    const [n, v] = stack.pop()!;
    if (Array.isArray(v)) {
      if (n.k !== 'q') return false;
      const c = n.c ?? [];
      if (c.length === v.length + 1 && c[c.length - 1]!.k === 's' && c[c.length - 1]!.e <= c[c.length - 1]!.s) c.pop();
      if (c.length !== v.length) return false;
      for (let i = 0; i < v.length; i++) stack.push([c[i]!, v[i]]);
    } else if (v !== null && typeof v === 'object') {
      if (n.k !== 'm') return false;
      const keys = Object.keys(v);
      const c = n.c ?? [];
      if (c.length === keys.length * 2 + 1) c.pop();
      if (c.length !== keys.length * 2) return false;
      for (let i = 0; i < keys.length; i++) {
        const k = c[2 * i]!;
        if (k.k !== 's' || k.v !== keys[i]) return false;
        stack.push([c[2 * i + 1]!, (v as Record<string, unknown>)[keys[i]!]]);
      }
    } else if (n.k !== 's') return false;
  }
  return true;
}
