/**
 * The loader: a file or a directory tree of YAML files → source documents with positions.
 * The only stage besides `write` that touches the file system.
 * @module
 */
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Document, Node } from 'yaml';
import { DiagnosticBag } from '../diagnostics/bag.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { closest } from '../util/strings.js';
import { LoadCodes } from './codes.js';
import { fastParse, LineIndex, YamlLocator } from './positions.js';
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

/** Lists mesh files below a directory, sorted, skipping hidden entries, node_modules and meshc output trees. */
function listYaml(dir: string, out: string[], root = true): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // A meshc output tree below the input (`--out ./out` inside the mesh) is not part of the mesh.
  if (!root && entries.some((e) => e.isFile() && e.name === 'meshc-manifest.json')) return;
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) listYaml(p, out, false);
    else if (e.isFile() && /\.ya?ml$/.test(e.name)) out.push(p);
  }
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
      listYaml(abs, paths);
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
      bag.report(LoadCodes.NotUtf8, fileSpan);
      continue;
    }
    const source: SourceFile = { file: s.file, absPath: s.absPath, text };
    files.push(source);
    const lines = new LineIndex(text);
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
        if (checkEnvelope(sd, bag)) documents.push(sd);
      }
      continue;
    }
    const { LineCounter, parseAllDocuments } = yamlLib();
    const lineCounter = new LineCounter();
    let parsed: Document.Parsed[];
    try {
      const all = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, stringKeys: false });
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
        for (const e of doc.errors) {
          const span = sd0.spanOfRange(e.pos[0], e.pos[1]);
          if (/call stack/i.test(e.message)) {
            // The yaml library caught its own stack overflow on hostile nesting.
            bag.report(LoadCodes.TooDeep, sd0.spanOfRange(0, 0), { limit: LIMITS.depth });
            break;
          } else if (e.code === 'DUPLICATE_KEY') {
            bag.report(LoadCodes.DuplicateKey, span, { key: duplicateKeyName(text, e.pos[0]) });
          } else if (!syntaxReported) {
            syntaxReported = true;
            bag.report(LoadCodes.YamlSyntax, span, { detail: firstLine(e.message) });
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
        bag.report(LoadCodes.AliasLimit, sd0.span([]), { detail: firstLine(String((err as Error).message ?? err)) });
        continue;
      }
      const sd = new SourceDocument(source, i, new YamlLocator(doc), lines, value);
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

function nodeSpan(sd: SourceDocument, node: unknown): ReturnType<SourceDocument['span']> {
  const r = (node as Node | null)?.range;
  return r ? sd.spanOfRange(r[0], r[1]) : sd.span([]);
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
