/**
 * Source documents: parsed YAML with positions, and the means to find the span of any value in it.
 * @module
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { Span } from '../diagnostics/types.js';
import type { Resource } from './types.js';

/** A path into a document's value: mapping keys and list indexes. */
export type ValuePath = readonly (string | number)[];

/** One mesh file as read. */
export interface SourceFile {
  /** Path relative to the input root, posix separators (what diagnostics show). */
  file: string;
  /** Absolute path on disk. */
  absPath: string;
  /** The text. */
  text: string;
}

/** One YAML document of a file, parsed, with its plain value. */
export class SourceDocument {
  constructor(
    /** The file it came from. */
    readonly source: SourceFile,
    /** 0-based index of the document in its file. */
    readonly index: number,
    /** The YAML AST. */
    readonly doc: Document.Parsed,
    /** Offsets → line/column for the file. */
    readonly lineCounter: LineCounter,
    /** The document as plain data (aliases expanded, bounded). */
    readonly value: unknown,
  ) {}

  /** Relative file path. */
  get file(): string {
    return this.source.file;
  }

  /** The span between two offsets of the file. */
  spanOfRange(start: number, end: number): Span {
    const a = this.lineCounter.linePos(start);
    const b = this.lineCounter.linePos(Math.max(start, end));
    return { file: this.source.file, line: a.line, column: a.col, endLine: b.line, endColumn: b.col };
  }

  /** The span of a node, or of the whole document when the node has no range. */
  spanOfNode(node: Node | null | undefined): Span {
    const range = node?.range;
    if (range) return this.spanOfRange(range[0], range[1]);
    const r = this.doc.contents?.range ?? this.doc.range;
    return this.spanOfRange(r[0], r[1]);
  }

  /**
   * The span of the value at `path` (or of its key with `which: 'key'`). When the path does not
   * exist, the span of its deepest existing ancestor (its key where it has one), so that "missing
   * field" errors point at the mapping that lacks it.
   */
  span(path: ValuePath, which: 'value' | 'key' = 'value'): Span {
    let node: unknown = this.doc.contents;
    let keyNode: unknown = undefined;
    for (const seg of path) {
      node = this.deref(node);
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) return this.spanOfNode((keyNode ?? node) as Node);
        keyNode = pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
        keyNode = undefined;
        node = node.items[seg];
      } else {
        return this.spanOfNode((keyNode ?? node) as Node);
      }
    }
    if (which === 'key' && keyNode) return this.spanOfNode(keyNode as Node);
    // A key with no value (`key:`) has a null node without range: point at the key.
    const target = this.deref(node) as Node | null;
    if (!target?.range && keyNode) return this.spanOfNode(keyNode as Node);
    return this.spanOfNode((target ?? keyNode ?? this.doc.contents) as Node);
  }

  /** Whether a value exists at `path`. */
  has(path: ValuePath): boolean {
    let v: unknown = this.value;
    for (const seg of path) {
      if (v === null || typeof v !== 'object') return false;
      if (!Object.prototype.hasOwnProperty.call(v, seg)) return false;
      v = (v as Record<string | number, unknown>)[seg];
    }
    return true;
  }

  private deref(node: unknown): unknown {
    let n = node;
    for (let i = 0; i < 16 && isAlias(n); i++) n = (n as { resolve(doc: Document): unknown }).resolve(this.doc);
    return n;
  }
}

/** A resource that passed schema validation, with the document it came from. */
export interface LocatedResource<R extends Resource = Resource> {
  /** The resource, as typed data. */
  resource: R;
  /** Where it came from. */
  doc: SourceDocument;
}
