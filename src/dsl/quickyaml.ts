/**
 * The quick path of the loader: a parser for the plain subset of YAML that mesh files are written in
 * (block mappings and sequences, one-line flow collections, one-line plain and quoted scalars,
 * comments, `---` between documents), producing the same values as js-yaml with the core schema
 * and the same positions as the js-yaml position tree (positions.ts), stored flat.
 *
 * It gives up — returns undefined, and the caller takes the js-yaml path, then the careful one —
 * on anything else: tabs, carriage returns, escapes in double quotes, block scalars, multi-line
 * plain or quoted scalars and flow collections, empty sequence items or flow entries, keys that do
 * not read as strings (or that start with a digit, which JavaScript objects reorder), duplicate
 * keys, `__proto__`, indentation it does not expect, deep nesting, non-printable characters, and
 * documents whose root is not a block mapping. What it accepts it reads exactly as js-yaml does:
 * scalars are resolved with js-yaml's own core-schema resolvers, and test/dsl checks that both
 * paths agree on every example and fixture.
 *
 * It exists for speed: a mesh of 10,000 services is 10,000 such files; this reads them about three
 * times faster than js-yaml with a position listener, and its positions are a few flat arrays per
 * document instead of an object per node.
 * @module
 */
import jsyaml from 'js-yaml';
import type { Locator, ValuePath } from './positions.js';

/** js-yaml's implicit scalar types of the core schema (null, bool, int, float), in its order. */
interface ImplicitType {
  resolve(data: string): boolean;
  construct(data: string): unknown;
}
const IMPLICIT = (jsyaml.CORE_SCHEMA as unknown as { compiledImplicit: ImplicitType[] }).compiledImplicit;

/** js-yaml refuses these characters anywhere in its input (PATTERN_NON_PRINTABLE). */
// eslint-disable-next-line no-control-regex
const NON_PRINTABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/;

/** Any character but printable ASCII and line feed: text without one has nothing NON_PRINTABLE matches. */
// eslint-disable-next-line no-control-regex
const NOT_PLAIN_ASCII = /[^\x0A\x20-\x7E]/;

/** js-yaml's one-character escapes in double-quoted scalars (simpleEscapeSequence), by code. */
const ESCAPES: (string | undefined)[] = [];
for (const [ch, v] of Object.entries({
  '0': '\x00', a: '\x07', b: '\x08', t: '\x09', n: '\x0A', v: '\x0B', f: '\x0C', r: '\x0D', e: '\x1B',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\x85', _: '\xA0', L: '\u2028', P: '\u2029',
})) {
  ESCAPES[ch.charCodeAt(0)] = v;
}

const SCALAR = 0;
const MAPPING = 1;
const SEQUENCE = 2;
/**
 * Fields per node in {@link Doc.nodes}: start, end, kind, then for a collection the index of its
 * first child in `kids` and its child count, for a key its index in `keys`.
 */
const F = 5;

/**
 * One file's positions: nodes in pre-order (each document's root first), children lists, key texts.
 * Typed arrays keep them off the JavaScript heap (a mesh of 10,000 services has millions of nodes:
 * as objects, the garbage collector would copy them around). 16-bit where every offset, node and
 * key index of the file fits (files under 64 KiB: half the memory, which is time to fault in).
 */
interface Doc {
  nodes: Int32Array | Uint16Array;
  kids: Int32Array | Uint16Array;
  keys: string[];
}

/** A growable Int32Array, reused across documents and files (one parse at a time). */
class IntBuf {
  a = new Int32Array(1 << 12);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  /**
   * A copy of the contents, exactly sized (a view into a shared block: one allocation per many
   * files); 16-bit when `small` (the caller knows every value is below 65,536).
   */
  take(small: boolean): Int32Array | Uint16Array {
    const out = small ? BLOCKS16.carve(this.n) : BLOCKS32.carve(this.n);
    out.set(this.a.subarray(0, this.n));
    return out;
  }
}

/** Elements per block that {@link Blocks.carve} cuts copies from. */
const BLOCK = 1 << 18;

/**
 * Zeroed typed arrays cut from shared blocks (allocating a buffer per file cost more than the
 * copy). A block is freed once no file's positions view it.
 */
class Blocks<A extends Int32Array | Uint16Array> {
  private block: A;
  private used = 0;
  constructor(private readonly make: (n: number) => A) {
    this.block = make(0);
  }
  carve(n: number): A {
    if (n > BLOCK / 4) return this.make(n);
    if (this.used + n > this.block.length) {
      this.block = this.make(BLOCK);
      this.used = 0;
    }
    const out = this.block.subarray(this.used, this.used + n) as A;
    this.used += n;
    return out;
  }
}
const BLOCKS32 = new Blocks((n) => new Int32Array(n));
const BLOCKS16 = new Blocks((n) => new Uint16Array(n));

const NODES = new IntBuf();
const KIDS = new IntBuf();
const SCRATCH = new IntBuf();

/** A locator over a quick-parsed document; answers exactly as positions.ts's TreeLocator would. */
export class FlatLocator implements Locator {
  constructor(
    private readonly d: Doc,
    private readonly root: number,
  ) {}

  /** The range {@link locate} found last. */
  start = 0;
  end = 0;

  range(path: ValuePath, which: 'value' | 'key'): [number, number] {
    this.locate(path, undefined, which);
    return [this.start, this.end];
  }

  /**
   * What {@link range} answers for `path` followed by `rest` (not joined into one array), into
   * {@link start} and {@link end}.
   */
  locate(path: ValuePath, rest: ValuePath | undefined, which: 'value' | 'key'): void {
    const { nodes, kids, keys } = this.d;
    let node = this.root;
    let key = -1;
    const n1 = path.length;
    const n = n1 + (rest === undefined ? 0 : rest.length);
    for (let s = 0; s < n; s++) {
      const seg = s < n1 ? path[s]! : rest![s - n1]!;
      const kind = nodes[node * F + 2]!;
      const first = nodes[node * F + 3]!;
      const count = nodes[node * F + 4]!;
      if (kind === MAPPING && count > 0) {
        const want = String(seg);
        let found = -1;
        for (let i = 0; i + 1 < count; i += 2) {
          if (keys[nodes[kids[first + i]! * F + 3]!] === want) {
            found = i;
            break;
          }
        }
        if (found < 0) return this.rangeOf(key >= 0 ? key : node);
        key = kids[first + found]!;
        node = kids[first + found + 1]!;
      } else if (kind === SEQUENCE && count > 0 && typeof seg === 'number' && seg < count) {
        key = -1;
        node = kids[first + seg]!;
      } else {
        return this.rangeOf(key >= 0 ? key : node);
      }
    }
    if (which === 'key' && key >= 0) return this.rangeOf(key);
    if (nodes[node * F + 1]! <= nodes[node * F]! && key >= 0) return this.rangeOf(key);
    return this.rangeOf(node);
  }

  private rangeOf(n: number): void {
    const s = this.d.nodes[n * F]!;
    this.start = s;
    this.end = Math.max(s, this.d.nodes[n * F + 1]!);
  }
}

/** What {@link quickParse} returns: per document its value, its locator and its node count. */
export interface QuickParse {
  values: unknown[];
  locators: Locator[];
  /** Nodes per document: keys and values, so at least the number of values. */
  sizes: number[];
}

/** Thrown inside the parser to give up; caught by {@link quickParse}. */
class GiveUp extends Error {}
const GIVE_UP = new GiveUp();

/** What {@link Parser.nextContent} returns at the end of the text and at a document marker. */
const EOF = -1;
const MARKER = -2;

const SP = 32;
const NL = 10;
const HASH = 35;
const COLON = 58;
const DASH = 45;
const COMMA = 44;
const DQ = 34;
const SQ = 39;
const LBRACKET = 91;
const RBRACKET = 93;
const LBRACE = 123;
const RBRACE = 125;

/**
 * Whether a plain scalar may not start with this character (YAML indicators js-yaml refuses, and `:`
 * to be safe); `-` and `?` only when followed by a space or the end of the line (`-1` is a number).
 */
function badPlainStart(c: number, next: number, flow: boolean): boolean {
  if (c === DASH || c === 63) {
    return Number.isNaN(next) || next === SP || next === NL || (flow && (next === COMMA || next === LBRACKET || next === RBRACKET || next === LBRACE || next === RBRACE));
  }
  // : , [ ] { } # & * ! | > ' " % @ `
  return (
    c === COLON || c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE ||
    c === HASH || c === 38 || c === 42 || c === 33 || c === 124 || c === 62 || c === SQ || c === DQ || c === 37 || c === 64 || c === 96
  );
}

class Parser {
  /** Position tree of the document being parsed. */
  private readonly nodes = NODES;
  private readonly kids = KIDS;
  private keys: string[] = [];
  /** Children of the collections being parsed (each collection's are on top while it is open). */
  private readonly scratch = SCRATCH;
  /** Collection nesting depth. */
  private depth = 0;

  constructor(
    private readonly t: string,
    private readonly maxDepth: number,
  ) {}

  // --- lines -----------------------------------------------------------------------------------

  /** End of the line starting at or containing `p` (index of its newline, or the text's length). */
  private eol(p: number): number {
    const i = this.t.indexOf('\n', p);
    return i < 0 ? this.t.length : i;
  }

  /** Index of the first non-space character at or after `p` on its line. */
  private skipSpaces(p: number): number {
    const t = this.t;
    while (t.charCodeAt(p) === SP) p++;
    return p;
  }

  /** The end of a line's content: trailing spaces trimmed (a same-line comment is content here). */
  private trimmedEnd(lineStart: number): number {
    let e = this.eol(lineStart);
    while (e > lineStart && this.t.charCodeAt(e - 1) === SP) e--;
    return e;
  }

  /** Whether the line at `p` (a line start) is a document marker `---` (then only spaces or a comment). */
  private isMarker(p: number): boolean {
    const t = this.t;
    if (t.charCodeAt(p) !== DASH || t.charCodeAt(p + 1) !== DASH || t.charCodeAt(p + 2) !== DASH) return false;
    const c = t.charCodeAt(p + 3);
    if (Number.isNaN(c) || c === NL) return true;
    if (c !== SP) {
      if (c === DASH || c === 46) return false; // `----…` is a plain scalar; give up below
      throw GIVE_UP;
    }
    const q = this.skipSpaces(p + 3);
    const d = t.charCodeAt(q);
    if (Number.isNaN(d) || d === NL || d === HASH) return true;
    throw GIVE_UP; // `--- content`
  }

  /**
   * The start of the next content line at or after line start `p`: blank and comment-only lines are
   * skipped. {@link EOF} at the end of the text, {@link MARKER} at a document marker (which ends the
   * document): both negative.
   */
  private nextContent(p: number): number {
    const t = this.t;
    const n = t.length;
    while (p < n) {
      const q = this.skipSpaces(p);
      const c = t.charCodeAt(q);
      if (q >= n) return -1;
      if (c === NL || c === HASH) {
        p = this.eol(q) + 1;
        continue;
      }
      if (q === p && this.isMarker(p)) return MARKER;
      if (q === p && c === 46 && t.startsWith('...', p)) throw GIVE_UP; // document end marker
      return p;
    }
    return EOF;
  }

  /**
   * The end the js-yaml path gives a block collection that is still open at the end of the text:
   * when the last line has no newline and is neither blank nor a comment line, the end of its
   * content (js-yaml reads past it, having appended a newline; its path clamps that to the text
   * and trims the blanks). Otherwise the ordinary end (the last content line's).
   */
  private endAtEof(end: number, next: number): number {
    const t = this.t;
    if (next !== EOF || t.charCodeAt(t.length - 1) === NL) return end;
    const lineStart = t.lastIndexOf('\n') + 1;
    const q = this.skipSpaces(lineStart);
    if (q >= t.length || t.charCodeAt(q) === HASH) return end;
    let e = t.length;
    while (e > q && t.charCodeAt(e - 1) === SP) e--;
    return e;
  }

  // --- nodes -----------------------------------------------------------------------------------

  private node(s: number, e: number, kind: number): number {
    const nodes = this.nodes;
    const id = nodes.n / F;
    nodes.push(s);
    nodes.push(e);
    nodes.push(kind);
    nodes.push(0);
    nodes.push(0);
    return id;
  }

  private open(): number {
    if (++this.depth > this.maxDepth) throw GIVE_UP;
    return this.scratch.n;
  }

  private close(id: number, mark: number, end: number): void {
    const nodes = this.nodes.a;
    const kids = this.kids;
    const scratch = this.scratch;
    const count = scratch.n - mark;
    nodes[id * F + 1] = end;
    nodes[id * F + 3] = kids.n;
    nodes[id * F + 4] = count;
    for (let i = mark; i < scratch.n; i++) kids.push(scratch.a[i]!);
    scratch.n = mark;
    this.depth--;
  }

  // --- scalars ---------------------------------------------------------------------------------

  /** Resolves a plain scalar as js-yaml's core schema does. */
  private resolve(s: string): unknown {
    const c = s.charCodeAt(0);
    // Only these can start a null, bool, int or float: ~ n N t T f F digits + - .
    if ((c >= 97 && c <= 122 && c !== 110 && c !== 116 && c !== 102) || (c >= 65 && c <= 90 && c !== 78 && c !== 84 && c !== 70)) return s;
    for (const type of IMPLICIT) if (type.resolve(s)) return type.construct(s);
    return s;
  }

  /** A single- or double-quoted scalar at `p` on one line; its end in {@link end}. */
  private quoted(p: number): string {
    const t = this.t;
    if (t.charCodeAt(p) === DQ) return this.doubleQuoted(p);
    let i = p + 1;
    let out = '';
    const nl = this.eol(p); // (once: a long line of '' escapes must not cost a scan per escape)
    for (;;) {
      const j = t.indexOf("'", i);
      if (j < 0 || j > nl) throw GIVE_UP; // unterminated or multi-line
      out += t.slice(i, j);
      if (t.charCodeAt(j + 1) === SQ) {
        out += "'";
        i = j + 2;
        continue;
      }
      this.end = j + 1;
      return out;
    }
  }

  /** A double-quoted scalar on one line, with js-yaml's escapes; its end in {@link end}. */
  private doubleQuoted(p: number): string {
    const t = this.t;
    const n = t.length;
    let out = '';
    let run = p + 1;
    for (let i = p + 1; i < n; i++) {
      const c = t.charCodeAt(i);
      if (c === DQ) {
        this.end = i + 1;
        return out + t.slice(run, i);
      }
      if (c === NL) throw GIVE_UP; // multi-line: folding is js-yaml's business
      if (c !== 92 /* \\ */) continue;
      out += t.slice(run, i);
      const e = t.charCodeAt(i + 1);
      const simple = ESCAPES[e];
      if (simple !== undefined && e < 128) {
        out += simple;
        i++;
      } else {
        const len = e === 120 /* x */ ? 2 : e === 117 /* u */ ? 4 : e === 85 /* U */ ? 8 : 0;
        if (len === 0) throw GIVE_UP; // unknown escape, or a line continuation
        const hex = t.slice(i + 2, i + 2 + len);
        if (hex.length !== len || !/^[0-9A-Fa-f]+$/.test(hex)) throw GIVE_UP;
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) throw GIVE_UP;
        out += String.fromCodePoint(cp);
        i += 1 + len;
      }
      run = i + 1;
    }
    throw GIVE_UP; // unterminated
  }

  /**
   * A plain scalar at `p`: in block context it runs to the end of the line or a ` #` comment; in a
   * flow collection also to `,` `]` `}`. A `:` followed by a space (or, in flow, by a flow
   * indicator, or the end of the line) ends it too: `stopAtColon` says whether that is allowed (a
   * key) or a reason to give up (a value). Returns the text; its end in {@link end}.
   */
  private plain(p: number, flow: boolean, stopAtColon: boolean): string {
    const t = this.t;
    if (badPlainStart(t.charCodeAt(p), t.charCodeAt(p + 1), flow)) throw GIVE_UP;
    const n = t.length;
    let i = p;
    let end = p; // after the last non-space character
    while (i < n) {
      const c = t.charCodeAt(i);
      if (c === NL) break;
      if (c === HASH && t.charCodeAt(i - 1) === SP) break;
      if (c === COLON) {
        const d = t.charCodeAt(i + 1);
        if (Number.isNaN(d) || d === SP || d === NL || (flow && (d === COMMA || d === RBRACKET || d === RBRACE || d === LBRACKET || d === LBRACE))) {
          if (stopAtColon) break;
          throw GIVE_UP;
        }
      }
      if (flow && (c === COMMA || c === RBRACKET || c === RBRACE || c === LBRACKET || c === LBRACE)) break;
      i++;
      if (c !== SP) end = i;
    }
    if (end === p) throw GIVE_UP;
    this.end = end;
    return t.slice(p, end);
  }

  /**
   * A mapping key at `p` (plain or quoted), followed by `:` and then a space, or the end of the
   * line (block), or a space or flow indicator (flow). Returns the key; its end (the colon's index)
   * in {@link end}.
   */
  private key(p: number, flow: boolean): string {
    const t = this.t;
    const c = t.charCodeAt(p);
    let k: string;
    if (c === DQ || c === SQ) {
      k = this.quoted(p);
      if (t.charCodeAt(this.end) !== COLON) throw GIVE_UP;
    } else {
      const text = this.plain(p, flow, true);
      if (t.charCodeAt(this.end) !== COLON) throw GIVE_UP; // no colon, or a space before it
      const v = this.resolve(text);
      if (typeof v !== 'string') throw GIVE_UP; // null, bool or number keys: js-yaml's path
      k = v;
    }
    const d = t.charCodeAt(this.end + 1);
    if (!(Number.isNaN(d) || d === SP || d === NL || (flow && (d === COMMA || d === RBRACE)))) throw GIVE_UP;
    const k0 = k.charCodeAt(0);
    if (k === '__proto__' || (k0 >= 48 && k0 <= 57) || k.length > 1024) throw GIVE_UP;
    return k;
  }

  /** After a value on a line: only spaces or a comment may follow. */
  private lineRest(p: number): void {
    const q = this.skipSpaces(p);
    const c = this.t.charCodeAt(q);
    if (Number.isNaN(c) || c === NL) return;
    if (c === HASH && q > p) return;
    throw GIVE_UP;
  }

  // --- flow collections (one line) -------------------------------------------------------------

  /** A flow value at `p`; pushes its node onto scratch; its end in {@link end}. */
  private flowValue(p: number): unknown {
    const t = this.t;
    const c = t.charCodeAt(p);
    if (c === LBRACKET || c === LBRACE) return this.flowCollection(p);
    if (c === DQ || c === SQ) {
      const v = this.quoted(p);
      this.scratch.push(this.node(p, this.end, SCALAR));
      return v;
    }
    const text = this.plain(p, true, false);
    this.scratch.push(this.node(p, this.end, SCALAR));
    return this.resolve(text);
  }

  /** A one-line flow collection at `p`; its end in {@link end}. */
  private flowCollection(p: number): unknown {
    const t = this.t;
    const isMap = t.charCodeAt(p) === LBRACE;
    const closer = isMap ? RBRACE : RBRACKET;
    const id = this.node(p, p, isMap ? MAPPING : SEQUENCE);
    const mark = this.open();
    const obj: Record<string, unknown> = {};
    const arr: unknown[] = [];
    let i = this.skipSpaces(p + 1);
    if (t.charCodeAt(i) === closer) {
      i++;
    } else {
      for (;;) {
        if (isMap) {
          const k = this.key(i, true);
          const kend = this.end;
          if (Object.prototype.hasOwnProperty.call(obj, k)) throw GIVE_UP;
          const kid = this.node(i, kend, SCALAR);
          this.nodes.a[kid * F + 3] = this.keys.push(k) - 1;
          this.scratch.push(kid);
          const v0 = this.skipSpaces(kend + 1);
          const vc = t.charCodeAt(v0);
          if (vc === COMMA || vc === RBRACE || vc === NL || Number.isNaN(vc)) throw GIVE_UP; // empty value
          obj[k] = this.flowValue(v0);
          i = this.end;
        } else {
          arr.push(this.flowValue(i));
          i = this.end;
        }
        i = this.skipSpaces(i);
        const c = t.charCodeAt(i);
        if (c === closer) {
          i++;
          break;
        }
        if (c !== COMMA) throw GIVE_UP;
        i = this.skipSpaces(i + 1);
        const d = t.charCodeAt(i);
        if (d === closer || d === COMMA || d === NL || d === HASH || Number.isNaN(d)) throw GIVE_UP; // trailing comma, empty entry, multi-line
        if (isMap ? false : d === COLON) throw GIVE_UP;
      }
    }
    this.close(id, mark, i);
    this.scratch.push(id);
    this.end = i;
    return isMap ? obj : arr;
  }

  // --- block collections -----------------------------------------------------------------------

  /** Indentation of the line starting at `p`. */
  private indent(p: number): number {
    return this.skipSpaces(p) - p;
  }

  /** Whether the content at `q` starts a block sequence item (`- ` or `-` at the end of the line). */
  private isItem(q: number): boolean {
    const t = this.t;
    if (t.charCodeAt(q) !== DASH) return false;
    const d = t.charCodeAt(q + 1);
    return d === SP || d === NL || Number.isNaN(d);
  }

  /**
   * The value of a mapping entry whose key ends the line (at indentation `ind` of the mapping): a
   * nested block collection, or null. `after` is the index after the colon; the next content line in
   * {@link next}.
   */
  private blockValueBelow(after: number, ind: number): unknown {
    const lineNext = this.eol(after) + 1;
    const next = this.nextContent(lineNext);
    if (next >= 0) {
      const ni = this.indent(next);
      const q = next + ni;
      if (ni > ind || (ni === ind && this.isItem(q))) {
        return this.isItem(q) ? this.sequence(next, ni) : this.mapping(next, ni, q); // (they set next)
      }
    }
    // An empty value: null, at the next token (only its emptiness matters to the locator).
    const at = next >= 0 ? next + this.indent(next) : this.t.length;
    this.scratch.push(this.node(at, at, SCALAR));
    this.next = next;
    return null;
  }

  /**
   * A block mapping whose entries are at indentation `ind`; its first key is at `first` (on the line
   * starting at `lineStart`, possibly after a sequence dash). Returns the value; the start of the
   * next content line after it, or -1, in {@link next}.
   */
  private mapping(lineStart: number, ind: number, first: number): unknown {
    const t = this.t;
    const id = this.node(first, first, MAPPING);
    const mark = this.open();
    const obj: Record<string, unknown> = {};
    let line = lineStart;
    let at = first;
    let end = first;
    let next: number;
    for (;;) {
      const k = this.key(at, false);
      const kend = this.end;
      const after = kend + 1;
      if (Object.prototype.hasOwnProperty.call(obj, k)) throw GIVE_UP;
      const kid = this.node(at, kend, SCALAR);
      this.nodes.a[kid * F + 3] = this.keys.push(k) - 1;
      this.scratch.push(kid);
      const v0 = this.skipSpaces(after);
      const vc = t.charCodeAt(v0);
      if (Number.isNaN(vc) || vc === NL || (vc === HASH && v0 > after)) {
        end = this.trimmedEnd(line);
        const v = this.blockValueBelow(after, ind);
        next = this.next;
        obj[k] = v;
        if (v !== null) end = this.lastEnd;
      } else {
        if (v0 === after) throw GIVE_UP;
        let v: unknown;
        let vend: number;
        if (vc === LBRACKET || vc === LBRACE) {
          v = this.flowCollection(v0);
          vend = this.end;
        } else if (vc === DQ || vc === SQ) {
          v = this.quoted(v0);
          vend = this.end;
          this.scratch.push(this.node(v0, vend, SCALAR));
        } else {
          const text = this.plain(v0, false, false);
          vend = this.end;
          v = this.resolve(text);
          this.scratch.push(this.node(v0, vend, SCALAR));
        }
        this.lineRest(vend);
        obj[k] = v;
        end = this.trimmedEnd(line);
        next = this.nextContent(this.eol(vend) + 1);
        // A more indented line after a scalar would continue it (or be an error): js-yaml's business.
        if (next >= 0 && this.indent(next) > ind) throw GIVE_UP;
      }
      if (next < 0) break;
      const ni = this.indent(next);
      if (ni < ind) break;
      if (ni > ind) throw GIVE_UP;
      at = next + ni;
      if (this.isItem(at)) break; // a sequence at the parent's indentation: the parent's business
      line = next;
    }
    end = this.endAtEof(end, next);
    this.close(id, mark, end);
    this.lastEnd = end;
    this.scratch.push(id);
    this.next = next;
    return obj;
  }

  /** End of the last block collection closed (the end of its last content line). */
  private lastEnd = 0;
  /** End of the last scalar, key (its colon) or flow collection read (a second result, without a tuple). */
  private end = 0;
  /** The next content line after the last block value read, or -1 (a second result, without a tuple). */
  private next = 0;

  /** A block sequence whose dashes are at indentation `ind`, from the line at `lineStart`; the next content line in {@link next}. */
  private sequence(lineStart: number, ind: number): unknown {
    const t = this.t;
    const id = this.node(lineStart + ind, lineStart + ind, SEQUENCE);
    const mark = this.open();
    const arr: unknown[] = [];
    let line = lineStart;
    let end = lineStart + ind;
    let next: number;
    for (;;) {
      const dash = line + ind;
      const q = this.skipSpaces(dash + 1);
      const c = t.charCodeAt(q);
      if (q === dash + 1 || Number.isNaN(c) || c === NL || c === HASH) throw GIVE_UP; // `-` alone: an empty or nested item
      if (c === DASH && this.isItem(q)) throw GIVE_UP; // `- - x`
      if (c === LBRACKET || c === LBRACE) {
        const v = this.flowCollection(q);
        const vend = this.end;
        this.lineRest(vend);
        arr.push(v);
        end = this.trimmedEnd(line);
        next = this.nextContent(this.eol(vend) + 1);
        if (next >= 0 && this.indent(next) > ind) throw GIVE_UP;
      } else if ((c === DQ || c === SQ) && !this.quotedKey(q)) {
        const v = this.quoted(q);
        const vend = this.end;
        this.scratch.push(this.node(q, vend, SCALAR));
        this.lineRest(vend);
        arr.push(v);
        end = this.trimmedEnd(line);
        next = this.nextContent(this.eol(vend) + 1);
        if (next >= 0 && this.indent(next) > ind) throw GIVE_UP;
      } else if (c !== DQ && c !== SQ && !this.plainKey(q)) {
        const text = this.plain(q, false, false);
        const pend = this.end;
        this.scratch.push(this.node(q, pend, SCALAR));
        this.lineRest(pend);
        arr.push(this.resolve(text));
        end = this.trimmedEnd(line);
        next = this.nextContent(this.eol(pend) + 1);
        if (next >= 0 && this.indent(next) > ind) throw GIVE_UP;
      } else {
        // A compact mapping: `- key: value`, its entries at the key's column.
        arr.push(this.mapping(line, q - line, q));
        end = this.lastEnd;
        next = this.next;
      }
      if (next < 0) break;
      const ni = this.indent(next);
      if (ni < ind) break;
      if (ni > ind) throw GIVE_UP;
      if (!this.isItem(next + ni)) break; // the parent mapping's next key (same indentation)
      line = next;
    }
    end = this.endAtEof(end, next);
    this.close(id, mark, end);
    this.lastEnd = end;
    this.scratch.push(id);
    this.next = next;
    return arr;
  }

  /** Whether a quoted scalar at `q` is a mapping key (`"k": …`). */
  private quotedKey(q: number): boolean {
    this.quoted(q);
    return this.t.charCodeAt(this.end) === COLON;
  }

  /** Whether the plain text at `q` is a mapping key: a `:` followed by a space or the line's end comes first. */
  private plainKey(q: number): boolean {
    const t = this.t;
    const n = t.length;
    for (let i = q; i < n; i++) {
      const c = t.charCodeAt(i);
      if (c === NL) return false;
      if (c === HASH && t.charCodeAt(i - 1) === SP) return false;
      if (c === COLON) {
        const d = t.charCodeAt(i + 1);
        if (Number.isNaN(d) || d === SP || d === NL) return true;
      }
    }
    return false;
  }

  // --- documents -------------------------------------------------------------------------------

  /** Roots of the documents parsed (node indexes). */
  private readonly roots: number[] = [];
  /** Nodes of each document (an upper bound of its values). */
  private readonly sizes: number[] = [];

  /** Parses every document; values and locators, as js-yaml's loadAll composes them. */
  parse(): QuickParse {
    const t = this.t;
    const values: unknown[] = [];
    this.nodes.n = 0;
    this.kids.n = 0;
    this.scratch.n = 0;
    this.keys = [];
    if (t.length > 0) this.documents(values);
    // Offsets go up to the text's length + 1; node ids, key indexes and child counts stay below it.
    const small = t.length < 0xfffe && this.nodes.n / F < 0xffff && this.keys.length < 0xffff;
    const d: Doc = { nodes: this.nodes.take(small), kids: this.kids.take(small), keys: this.keys };
    return { values, locators: this.roots.map((r) => new FlatLocator(d, r)), sizes: this.sizes };
  }

  private documents(values: unknown[]): void {
    const t = this.t;
    // Where documents start: after each marker line; the first one also at the top when content
    // (not only comments and blank lines) comes before the first marker, or there is no marker.
    let p = 0;
    let explicit = false;
    for (;;) {
      // p is a line start; find the document's first content line.
      const first = this.nextContent(p);
      if (first < 0) {
        // No content before a marker or the end.
        const marker = this.markerAt(p);
        if (marker >= 0) {
          if (explicit) this.emptyDoc(values);
          explicit = true;
          p = this.eol(marker) + 1;
          if (p > t.length) {
            this.emptyDoc(values); // a marker at the very end
            break;
          }
          continue;
        }
        if (explicit || values.length === 0) this.emptyDoc(values);
        break;
      }
      const ind = this.indent(first);
      if (ind !== 0) throw GIVE_UP;
      if (this.isItem(first)) throw GIVE_UP; // a root sequence: js-yaml's path
      this.scratch.n = 0;
      this.depth = 0;
      const root = this.nodes.n / F;
      const v = this.mapping(first, 0, first);
      if (this.next >= 0) throw GIVE_UP; // content after the root mapping that is not a marker
      values.push(v);
      this.roots.push(root);
      this.sizes.push(this.nodes.n / F - root);
      explicit = false;
      const after = this.afterDoc(this.lastEnd);
      if (after < 0) break;
      explicit = true;
      p = this.eol(after) + 1;
      if (p > t.length) {
        this.emptyDoc(values);
        break;
      }
    }
  }

  private emptyDoc(values: unknown[]): void {
    values.push(null);
    this.roots.push(this.node(0, 0, SCALAR));
    this.sizes.push(1);
  }

  /** The marker line at or after line start `p` past blank and comment lines, or -1. */
  private markerAt(p: number): number {
    const t = this.t;
    const n = t.length;
    while (p < n) {
      const q = this.skipSpaces(p);
      const c = t.charCodeAt(q);
      if (q >= n) return -1;
      if (c === NL || c === HASH) {
        p = this.eol(q) + 1;
        continue;
      }
      return q === p && this.isMarker(p) ? p : -1;
    }
    return -1;
  }

  /** After a document's content ending at `end`: the next marker line's start, or -1 at the end. */
  private afterDoc(end: number): number {
    const m = this.markerAt(this.eol(end) + 1);
    if (m < 0 && this.nextContent(this.eol(end) + 1) >= 0) throw GIVE_UP;
    return m;
  }
}

/**
 * Parses a mesh file with the quick parser; undefined when the file uses anything beyond the
 * plain subset (the caller then takes the js-yaml path).
 */
export function quickParse(text: string, maxDepth: number): QuickParse | undefined {
  if (text.includes('\t') || text.includes('\r') || (NOT_PLAIN_ASCII.test(text) && NON_PRINTABLE.test(text))) return undefined;
  try {
    return new Parser(text, Math.floor(maxDepth / 2) - 1).parse();
  } catch (err) {
    if (err instanceof GiveUp) return undefined;
    throw err;
  }
}
