/**
 * The loader: a file or a directory tree of YAML files → source documents with positions.
 * The only stage besides `write` that touches the file system.
 * @module
 */
import { readdirSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Document, Node } from 'yaml';
import { DiagnosticBag } from '../diagnostics/bag.js';
import type { Diagnostic, Span } from '../diagnostics/types.js';
import { within } from '../util/paths.js';
import { closest, compareStrings } from '../util/strings.js';
import { LoadCodes } from './codes.js';
import { carefulParseOptions, fastParse, LineIndex, YamlLocator } from './positions.js';
import { Prefetcher } from './prefetch.js';
import { readBounded } from './readfile.js';
import { SourceDocument, type SourceFile } from './source.js';
import { yamlLib } from './yamllib.js';

/** Bounds that stop mistaken or hostile input from exhausting time or memory. */
export const LIMITS = {
  /** Bytes per file. */
  fileBytes: 16 * 1024 * 1024,
  /** Bytes of all files together. */
  totalBytes: 256 * 1024 * 1024,
  /** Documents in the whole input. */
  documents: 100_000,
  /** Nesting depth of one document. */
  depth: 64,
  /** Values (nodes, aliases expanded) in one document. */
  nodes: 1_000_000,
  /** Alias expansion (the `yaml` library's maxAliasCount). */
  aliasCount: 1000,
};

/** What the loader produces. */
export interface LoadResult {
  /** The input root (a directory), absolute. Spans are relative to it. */
  root: string;
  /** Every file read, sorted by relative path. */
  files: SourceFile[];
  /** Every non-empty document whose envelope (apiVersion, kind) is right, in file order. */
  documents: SourceDocument[];
  /** Problems found. */
  diagnostics: Diagnostic[];
}

/** From this many files, they are read on a worker thread ({@link Prefetcher}). */
const PREFETCH_FILES = 256;

const KINDS = ['Mesh', 'Service', 'Route', 'Filter', 'Gateway'];
const API_VERSION = 'meshc/v1alpha1';

/**
 * Lists mesh files below a directory, sorted, skipping hidden entries, node_modules and meshc output
 * trees. Symbolic links are followed (a shared policy file or folder linked into a team's mesh is
 * part of the mesh): a link to a file is listed under its own path, a link to a directory is walked
 * — unless it leads back to a directory being walked or to one that holds the input, into the
 * input itself, or to a directory read already through another link, which is reported (MC1017)
 * and not walked (again).
 * A link that cannot be followed is listed when its name is a mesh file's (reading it then reports
 * why, MC1001), and reported otherwise (it may have been a directory of mesh files).
 */
function listYaml(dir: string, out: string[], bag: DiagnosticBag, root: string, walking: Walk): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => compareStrings(a.name, b.name));
  // A meshc output tree below the input (`--out ./out` inside the mesh) is not part of the mesh.
  if (walking.chain.size > 1 && entries.some((e) => e.isFile() && e.name === 'meshc-manifest.json')) return;
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    const yamlName = /\.ya?ml$/.test(e.name);
    let isDir = e.isDirectory();
    if (e.isSymbolicLink()) {
      let st: Stats;
      try {
        st = statSync(p);
      } catch (err) {
        if (yamlName) out.push(p);
        else bag.report(LoadCodes.LinkNotFollowed, linkSpan(root, p), { path: toPosix(relative(root, p)), reason: errReason(err) });
        continue;
      }
      isDir = st.isDirectory();
      if (!isDir) {
        if (yamlName && st.isFile()) out.push(p);
        continue;
      }
    } else if (!isDir) {
      if (yamlName && e.isFile()) out.push(p);
      continue;
    }
    const real = realpathSync(p);
    if (e.isSymbolicLink()) {
      const why = walking.refuse(real);
      if (why !== undefined) {
        bag.report(LoadCodes.LinkNotFollowed, linkSpan(root, p), { path: toPosix(relative(root, p)), reason: why });
        continue;
      }
    }
    walking.walked.set(real, toPosix(relative(root, p)));
    walking.chain.add(real);
    listYaml(p, out, bag, root, walking);
    walking.chain.delete(real);
  }
}

/**
 * The directories of a listing: the ones being walked (`chain`: real paths, the input root's first)
 * and every one walked so far (`walked`: real path → the path it was read as).
 */
class Walk {
  readonly chain = new Set<string>();
  readonly walked = new Map<string, string>();
  private readonly rootReal: string;
  constructor(root: string) {
    this.rootReal = realpathSync(root);
    this.chain.add(this.rootReal);
    this.walked.set(this.rootReal, '.');
  }
  /**
   * Why a directory link to `real` is not walked, or undefined when it is: it leads to a directory
   * being walked or one that holds the input (a loop); into the input itself (its directories are
   * read as themselves: through the link, every resource there would be declared twice); or to a
   * directory read already through another link (read once: links could make the walk exponential).
   */
  refuse(real: string): string | undefined {
    if (this.chain.has(real) || within(this.rootReal, real)) return 'it leads back to a directory above it';
    if (within(real, this.rootReal)) return `it leads into the input, to ${toPosix(relative(this.rootReal, real))}, read as itself`;
    const as = this.walked.get(real);
    return as === undefined ? undefined : `the directory it leads to is read already, as ${as}`;
  }
}

/** The span naming a directory entry (no line: the entry itself, not its content). */
function linkSpan(root: string, p: string): Span {
  return { file: toPosix(relative(root, p)), line: 1, column: 1, endLine: 1, endColumn: 1 };
}

function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/** Reads the input at `path` (a file or a directory tree). */
export function loadMesh(path: string): LoadResult {
  const bag = new DiagnosticBag();
  const abs = resolve(path);
  let st: Stats;
  try {
    st = statSync(abs);
  } catch (err) {
    bag.report(LoadCodes.InputNotFound, undefined, { path, reason: errReason(err) });
    return { root: abs, files: [], documents: [], diagnostics: bag.items };
  }
  const root = st.isDirectory() ? abs : dirname(abs);
  const paths: string[] = [];
  if (st.isDirectory()) {
    try {
      listYaml(abs, paths, bag, abs, new Walk(abs));
    } catch (err) {
      bag.report(LoadCodes.InputNotFound, undefined, { path, reason: errReason(err) });
    }
    if (paths.length === 0 && !bag.hasErrors) bag.report(LoadCodes.NoYamlFiles, undefined, { path });
  } else {
    paths.push(abs);
  }
  // Many files are read ahead on a worker thread while this one parses.
  const ahead = paths.length >= PREFETCH_FILES ? Prefetcher.start(paths, LIMITS.fileBytes) : undefined;
  const sources: Source[] = paths.map((p, i) => ({
    file: toPosix(relative(root, p)) || basename(p),
    absPath: p,
    read: ahead ? () => ahead.read(i) : () => readBounded(p, LIMITS.fileBytes),
  }));
  try {
    return loadSources(root, sources, bag);
  } finally {
    ahead?.close();
  }
}

/** Loads in-memory files (for tests and tools): relative path → text. */
export function loadFromMemory(files: Record<string, string>, root = '/mesh'): LoadResult {
  const bag = new DiagnosticBag();
  const names = Object.keys(files).sort();
  const sources: Source[] = names.map((f) => {
    const buf = Buffer.from(files[f] ?? '', 'utf8');
    return { file: f, absPath: join(root, f), read: () => (buf.length > LIMITS.fileBytes ? { tooLarge: buf.length } : buf) };
  });
  return loadSources(root, sources, bag);
}

/** An input file: its path as spans name it, where it is, and how to read it (within the file limit). */
interface Source {
  file: string;
  absPath: string;
  /** Its bytes, or its size when that exceeds the per-file limit (then it is not read). */
  read: () => Buffer | { tooLarge: number };
}

function errReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'no such file or directory';
  if (e?.code === 'EACCES') return 'permission denied';
  if (e?.code === 'EISDIR') return 'is a directory';
  if (e?.code === 'ELOOP') return 'too many levels of symbolic links';
  return e?.code ?? 'unreadable';
}

function loadSources(
  root: string,
  sources: Source[],
  bag: DiagnosticBag,
): LoadResult {
  const files: SourceFile[] = [];
  const documents: SourceDocument[] = [];
  let total = 0;
  let docCount = 0;
  for (const s of sources) {
    const fileSpan = { file: s.file, line: 1, column: 1, endLine: 1, endColumn: 1 };
    let got: Buffer | { tooLarge: number };
    try {
      got = s.read();
    } catch (err) {
      bag.report(LoadCodes.InputNotFound, fileSpan, { path: s.file, reason: errReason(err) });
      continue;
    }
    if (!Buffer.isBuffer(got)) {
      bag.report(LoadCodes.FileTooLarge, fileSpan, { size: got.tooLarge, limit: LIMITS.fileBytes });
      continue;
    }
    const buf = got;
    if (total + buf.length > LIMITS.totalBytes) {
      bag.report(LoadCodes.FileTooLarge, fileSpan, { size: buf.length, limit: LIMITS.totalBytes });
      continue;
    }
    total += buf.length;
    const text = decodeUtf8(buf);
    if (text === undefined) {
      bag.report(LoadCodes.NotUtf8, badByteSpan(s.file, buf));
      continue;
    }
    const source: SourceFile = { file: s.file, absPath: s.absPath, text };
    files.push(source);
    const lines = new LineIndex(text);
    // A BOM at the start of a later document (YAML allows it there) is read by every parser here
    // as part of the first key ("\ufeffapiVersion"): said plainly instead.
    const bom = text.indexOf('\ufeff');
    const at = bom >= 0 ? innerBom(text, bom) : -1;
    if (at >= 0) {
      const { line, col } = lines.pos(at);
      bag.report(LoadCodes.YamlSyntax, { file: s.file, line, column: col, endLine: line, endColumn: col + 1 }, { detail: 'a byte order mark (U+FEFF) at the start of a line; meshc reads one only at the start of a file: save the file without it' });
      continue;
    }
    // Only an escape in a double-quoted scalar can make a string that is not Unicode text.
    const escapes = text.includes('\\');
    const fast = fastParse(text, LIMITS.depth);
    if (fast) {
      for (let i = 0; i < fast.values.length; i++) {
        const value = fast.values[i];
        if (value === null || value === undefined) continue; // an empty document
        const sd = new SourceDocument(source, i, fast.locators[i]!, lines, value);
        if (++docCount > LIMITS.documents) {
          bag.report(LoadCodes.TooManyDocuments, sd.span([]), { limit: LIMITS.documents });
          return { root, files, documents, diagnostics: bag.items };
        }
        // (The quick parser counted the document's nodes: an upper bound of its values.)
        if ((fast.sizes?.[i] ?? Infinity) > LIMITS.nodes && countValues(value) > LIMITS.nodes) {
          bag.report(LoadCodes.TooManyNodes, sd.span([]), { limit: LIMITS.nodes });
          continue;
        }
        if (escapes && !wellFormed(sd, bag)) continue;
        if (checkEnvelope(sd, bag)) documents.push(sd);
      }
      continue;
    }
    const { LineCounter, parseAllDocuments } = yamlLib();
    const lineCounter = new LineCounter();
    let parsed: Document.Parsed[];
    let careful = text;
    try {
      // A lone CR is a YAML line break that the yaml library does not take: as a line feed (the
      // same length, so every offset stays the file's; YAML reads every line break as one).
      careful = text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
      const all = parseAllDocuments(careful, carefulParseOptions(lineCounter));
      parsed = Array.isArray(all) ? all : [];
    } catch {
      // The yaml library reports syntax problems as data; an exception here is a stack overflow
      // or similar on hostile input.
      bag.report(LoadCodes.TooDeep, fileSpan, { limit: LIMITS.depth });
      continue;
    }
    for (let i = 0; i < parsed.length; i++) {
      const doc = parsed[i]!;
      const sd0 = new SourceDocument(source, i, new YamlLocator(doc), lines, undefined);
      if (doc.errors.length > 0) {
        // After the first syntax error of a document, the parser's further ones are mostly echoes
        // of it (one per token that follows): the first is reported, duplicate keys all.
        let syntaxReported = false;
        let firstKeys: Map<number, [number, number]> | undefined;
        for (const e of doc.errors) {
          const span = sd0.spanOfRange(e.pos[0], e.pos[1]);
          if (/call stack/i.test(e.message)) {
            // The yaml library caught its own stack overflow on hostile nesting.
            bag.report(LoadCodes.TooDeep, sd0.spanOfRange(0, 0), { limit: LIMITS.depth });
            break;
          } else if (e.code === 'DUPLICATE_KEY') {
            const first = (firstKeys ??= firstKeysOf(doc)).get(e.pos[0]);
            bag.report(LoadCodes.DuplicateKey, span, { key: duplicateKeyName(text, e.pos[0]) }, first ? { related: [{ span: sd0.spanOfRange(first[0], first[1]), message: 'first here' }] } : {});
          } else if (!syntaxReported) {
            syntaxReported = true;
            // An unclosed quote is found at the end of the input: point at where it opens.
            const open = e.code === 'MISSING_CHAR' && /quote/.test(e.message) ? openingQuote(careful, e.pos[0]) : undefined;
            bag.report(LoadCodes.YamlSyntax, open === undefined ? span : sd0.spanOfRange(open, open + 1), { detail: firstLine(e.message) });
          }
        }
        continue;
      }
      for (const w of doc.warnings) {
        bag.report(LoadCodes.YamlWarning, sd0.spanOfRange(w.pos[0], w.pos[1]), { detail: firstLine(w.message) });
      }
      if (doc.contents === null) continue; // an empty document
      if (++docCount > LIMITS.documents) {
        bag.report(LoadCodes.TooManyDocuments, sd0.span([]), { limit: LIMITS.documents });
        return { root, files, documents, diagnostics: bag.items };
      }
      if (!checkShape(doc, sd0, bag)) continue;
      let value: unknown;
      try {
        value = doc.toJS({ maxAliasCount: LIMITS.aliasCount });
      } catch (err) {
        const message = firstLine(String((err as Error).message ?? err));
        const unresolved = /Unresolved alias/.test(message) ? unresolvedAlias(doc) : undefined;
        if (unresolved) bag.report(LoadCodes.YamlSyntax, sd0.spanOfRange(unresolved.range[0], unresolved.range[1]), { detail: `the alias *${unresolved.name} has no anchor &${unresolved.name} before it in its document` });
        else bag.report(LoadCodes.AliasLimit, sd0.span([]), { detail: message });
        continue;
      }
      const sd = new SourceDocument(source, i, new YamlLocator(doc), lines, value);
      if (escapes && !wellFormed(sd, bag)) continue;
      if (checkEnvelope(sd, bag)) documents.push(sd);
    }
  }
  return { root, files, documents, diagnostics: bag.items };
}

/** A strict UTF-8 decoder (each decode is whole: no state carries over between files). */
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes strict UTF-8 without NUL bytes, dropping a BOM; undefined when invalid. */
function decodeUtf8(buf: Buffer): string | undefined {
  try {
    const text = UTF8.decode(buf);
    if (text.includes('\u0000')) return undefined;
    return text;
  } catch {
    return undefined;
  }
}

/** The offset of the first U+FEFF at the start of a line (from `from`, its first occurrence), or -1. */
function innerBom(text: string, from: number): number {
  for (let i = from; i >= 0; i = text.indexOf('\ufeff', i + 1)) {
    const before = text.charCodeAt(i - 1);
    if (i > 0 && (before === 10 || before === 13)) return i;
  }
  return -1;
}

/** The span of the first byte that is not UTF-8 text (an invalid sequence or a NUL). */
function badByteSpan(file: string, buf: Buffer): Span {
  const at = Math.max(0, firstBadByte(buf));
  // What comes before it is valid: its text gives the line and the column (in UTF-16 units, as every span).
  const before = new TextDecoder('utf-8', { ignoreBOM: false }).decode(buf.subarray(0, at));
  const lines = new LineIndex(before);
  const { line, col } = lines.pos(before.length);
  return { file, line, column: col, endLine: line, endColumn: col + 1 };
}

/** The offset of the first byte of an ill-formed UTF-8 sequence or of a NUL byte; -1 if none. */
function firstBadByte(buf: Buffer): number {
  for (let i = 0; i < buf.length; ) {
    const b = buf[i]!;
    if (b === 0) return i;
    if (b < 0x80) {
      i++;
      continue;
    }
    // Well-formed sequences (Unicode, table 3-7): lead byte, then the second byte's range, then continuations.
    const n = b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : 0;
    if (n === 0 || i + n >= buf.length) return i;
    const lo = b === 0xe0 ? 0xa0 : b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xed ? 0x9f : b === 0xf4 ? 0x8f : 0xbf;
    if (buf[i + 1]! < lo || buf[i + 1]! > hi) return i;
    for (let k = 2; k <= n; k++) if ((buf[i + k]! & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return -1;
}

function firstLine(msg: string): string {
  const line = msg.split('\n')[0] ?? msg;
  return line.replace(/ at line \d+, column \d+:?$/, '').trim();
}

function duplicateKeyName(text: string, offset: number): string {
  const m = /^["']?([^"':\n]*)/.exec(text.slice(offset, offset + 200));
  return m?.[1]?.trim() || '?';
}

/**
 * Walks the AST iteratively (no recursion, so hostile depth cannot overflow the stack), bounding
 * depth and node count (aliases counted by what they expand to, approximately) and refusing
 * non-string keys.
 */
function checkShape(doc: Document.Parsed, sd: SourceDocument, bag: DiagnosticBag): boolean {
  const { isAlias, isCollection, isMap, isPair, isScalar } = yamlLib();
  const stack: { node: unknown; depth: number }[] = [{ node: doc.contents, depth: 1 }];
  let count = 0;
  let ok = true;
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (++count > LIMITS.nodes) {
      bag.report(LoadCodes.TooManyNodes, sd.span([]), { limit: LIMITS.nodes });
      return false;
    }
    if (depth > LIMITS.depth) {
      bag.report(LoadCodes.TooDeep, nodeSpan(sd, node), { limit: LIMITS.depth });
      return false;
    }
    if (isAlias(node)) continue; // expansion is bounded by maxAliasCount in toJS
    if (isCollection(node)) {
      for (const item of node.items) {
        if (isPair(item)) {
          const k = item.key;
          if (!isScalar(k) || (typeof k.value !== 'string' && typeof k.value !== 'number' && typeof k.value !== 'boolean')) {
            bag.report(LoadCodes.NonStringKey, nodeSpan(sd, k ?? node), {
              found: isMap(k) ? 'a mapping' : isScalar(k) ? String(k.value) : k === null ? 'an empty key' : 'a list',
            });
            ok = false;
            continue;
          }
          stack.push({ node: item.value, depth: depth + 1 });
        } else {
          stack.push({ node: item, depth: depth + 1 });
        }
      }
    }
  }
  return ok;
}

/**
 * The first alias of a document that no anchor before it defines (anchors do not carry across
 * documents): one walk in document order, recording anchors as they come.
 */
function unresolvedAlias(doc: Document.Parsed): { name: string; range: [number, number] } | undefined {
  const { isAlias, visit } = yamlLib();
  const anchors = new Set<string>();
  let found: { name: string; range: [number, number] } | undefined;
  visit(doc, (_, node) => {
    if (isAlias(node)) {
      if (!anchors.has(node.source) && node.range) {
        found = { name: node.source, range: [node.range[0], node.range[1]] };
        return visit.BREAK;
      }
    } else if (node && typeof node === 'object' && 'anchor' in node && typeof node.anchor === 'string') {
      anchors.add(node.anchor);
    }
    return undefined;
  });
  return found;
}

/**
 * The offset of the quote that opens the quoted scalar running up to `end` (where the yaml library
 * found its closing quote missing), from the library's token stream; undefined if there is none.
 */
function openingQuote(text: string, end: number): number | undefined {
  let found: number | undefined;
  const stack: unknown[] = [];
  for (const token of new (yamlLib().Parser)().parse(text)) stack.push(token);
  while (stack.length > 0) {
    const t = stack.pop();
    if (t === null || typeof t !== 'object') continue;
    if (Array.isArray(t)) {
      for (const x of t) stack.push(x);
      continue;
    }
    const tok = t as { type?: unknown; offset?: unknown; source?: unknown };
    if ((tok.type === 'double-quoted-scalar' || tok.type === 'single-quoted-scalar') && typeof tok.offset === 'number' && typeof tok.source === 'string') {
      if (tok.offset < end && tok.offset + tok.source.length >= end && (found === undefined || tok.offset < found)) found = tok.offset;
      continue;
    }
    for (const v of Object.values(tok)) if (v !== null && typeof v === 'object') stack.push(v);
  }
  return found;
}

/**
 * For each key of the document that repeats an earlier key of its mapping (as the careful parse
 * compares them), the range of that earlier key, by the repeated key's start offset.
 */
function firstKeysOf(doc: Document.Parsed): Map<number, [number, number]> {
  const { isMap, isPair, isScalar, isSeq } = yamlLib();
  const out = new Map<number, [number, number]>();
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    } else if (isMap(node)) {
      const seen = new Map<string, [number, number]>();
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const k = item.key;
        if (isScalar(k) && k.range) {
          const name = String(k.value);
          const first = seen.get(name);
          if (first) out.set(k.range[0], first);
          else seen.set(name, [k.range[0], k.range[1]]);
        }
        stack.push(item.value);
      }
    }
  }
  return out;
}

function nodeSpan(sd: SourceDocument, node: unknown): ReturnType<SourceDocument['span']> {
  const r = (node as Node | null)?.range;
  return r ? sd.spanOfRange(r[0], r[1]) : sd.span([]);
}

/** A lone UTF-16 surrogate: half of a character (only an escape such as `\ud800` can make one). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:[^\ud800-\udbff]|^)[\udc00-\udfff]/;

/**
 * Whether every string of a document (keys included) is Unicode text; reports the first one that
 * is not (MC1018): no target could carry it (a YAML or JSON reader refuses it, a proxy config
 * would hold garbage).
 */
function wellFormed(sd: SourceDocument, bag: DiagnosticBag): boolean {
  const stack: { v: unknown; path: (string | number)[] }[] = [{ v: sd.value, path: [] }];
  while (stack.length > 0) {
    const { v, path } = stack.pop()!;
    if (typeof v === 'string') {
      if (LONE_SURROGATE.test(v)) {
        bag.report(LoadCodes.NotUnicode, sd.span(path), { what: 'value' });
        return false;
      }
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => stack.push({ v: x, path: [...path, i] }));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (LONE_SURROGATE.test(k)) {
          bag.report(LoadCodes.NotUnicode, sd.span([...path, k], 'key'), { what: 'key' });
          return false;
        }
        stack.push({ v: x, path: [...path, k] });
      }
    }
  }
  return true;
}

/** Counts the values of a plain document (iteratively), stopping past the limit. */
function countValues(value: unknown): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && count <= LIMITS.nodes) {
    const v = stack.pop();
    count++;
    if (v !== null && typeof v === 'object') {
      for (const child of Object.values(v as Record<string, unknown>)) stack.push(child);
    }
  }
  return count;
}

/** Checks apiVersion and kind; returns whether the document should go on to validation. */
function checkEnvelope(sd: SourceDocument, bag: DiagnosticBag): boolean {
  const v = sd.value;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) {
    bag.report(LoadCodes.MissingEnvelope, sd.span([]), { found: Array.isArray(v) ? 'a list' : v === null ? 'null' : `a ${typeof v}` });
    return false;
  }
  const obj = v as Record<string, unknown>;
  let ok = true;
  if (!('apiVersion' in obj) && !('kind' in obj)) {
    bag.report(LoadCodes.MissingEnvelope, sd.span([]), { found: 'a mapping without apiVersion and kind' });
    return false;
  }
  if ('apiVersion' in obj && obj.apiVersion !== API_VERSION) {
    bag.report(LoadCodes.UnknownApiVersion, sd.span(['apiVersion']), { apiVersion: String(obj.apiVersion) });
    ok = false;
  }
  if ('kind' in obj && (typeof obj.kind !== 'string' || !KINDS.includes(obj.kind))) {
    const near = typeof obj.kind === 'string' ? closest(obj.kind, KINDS, { ignoreCase: true }) : undefined;
    bag.report(LoadCodes.UnknownKind, sd.span(['kind']), {
      kind: String(obj.kind),
      suggestion: near ? ` (did you mean ${near}?)` : '',
    });
    ok = false;
  }
  // A missing apiVersion or kind is reported by schema validation, at the document.
  return ok;
}

/** Reads a file a resource refers to, relative to the YAML file that names it. */
export function readReferencedFile(from: SourceFile, path: string): { text: string } | { error: string } {
  const abs = isAbsolute(path) ? path : resolve(dirname(from.absPath), path);
  try {
    const st = statSync(abs);
    if (!st.isFile()) return { error: 'not a regular file' };
    if (st.size > 1024 * 1024) return { error: `larger than 1 MiB (${st.size} bytes)` };
    const text = decodeUtf8(readFileSync(abs));
    if (text === undefined) return { error: 'not valid UTF-8 text' };
    return { text };
  } catch (err) {
    return { error: errReason(err) };
  }
}
