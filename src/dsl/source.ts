/**
 * Source documents: parsed YAML with positions, and the means to find the span of any value in it.
 * @module
 */
import type { Span } from '../diagnostics/types.js';
import type { LineIndex, Locator, ValuePath } from './positions.js';
import { FlatLocator } from './quickyaml.js';
import type { Resource } from './types.js';

export type { ValuePath } from './positions.js';

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
    /** Finds the offsets of values in the document. */
    private readonly locator: Locator,
    /** Offsets → lines and columns of the file. */
    private readonly lines: LineIndex,
    /** The document as plain data (aliases expanded, bounded). */
    readonly value: unknown,
  ) {}

  /** Relative file path. */
  get file(): string {
    return this.source.file;
  }

  /** The span between two offsets of the file. */
  spanOfRange(start: number, end: number): Span {
    // Trailing blanks and line breaks are not part of a value.
    const text = this.source.text;
    // Within the text: a parser may place the end of its input one past it.
    start = Math.min(start, text.length);
    let e = Math.min(Math.max(start, end), text.length);
    while (e > start && isSpace(text.charCodeAt(e - 1))) e--;
    const lines = this.lines;
    const a = lines.lineIndex(start);
    const b = lines.lineIndex(e);
    return { file: this.source.file, line: a + 1, column: start - lines.lineStart(a) + 1, endLine: b + 1, endColumn: e - lines.lineStart(b) + 1 };
  }

  /**
   * The span of the value at `path` (or of its key with `which: 'key'`). When the path does not
   * exist, the span of its deepest existing ancestor (its key where it has one), so that "missing
   * field" errors point at the mapping that lacks it.
   */
  span(path: ValuePath, which: 'value' | 'key' = 'value'): Span {
    return this.spanAt(path, undefined, which);
  }

  /** {@link span} of `path` followed by `rest`, without joining them into one array. */
  spanAt(path: ValuePath, rest: ValuePath | undefined, which: 'value' | 'key' = 'value'): Span {
    const loc = this.locator;
    if (loc instanceof FlatLocator) {
      loc.locate(path, rest, which);
      return this.spanOfRange(loc.start, loc.end);
    }
    const [s, e] = loc.range(rest === undefined ? path : [...path, ...rest], which);
    return this.spanOfRange(s, e);
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
}

/** Whether a UTF-16 code unit is what `/\s/` matches (white space and line terminators). */
function isSpace(c: number): boolean {
  if (c < 128) return c === 32 || (c >= 9 && c <= 13);
  return /\s/.test(String.fromCharCode(c));
}

/** A resource that passed schema validation, with the document it came from. */
export interface LocatedResource<R extends Resource = Resource> {
  /** The resource, as typed data. */
  resource: R;
  /** Where it came from. */
  doc: SourceDocument;
}
