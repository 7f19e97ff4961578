/**
 * Diagnostics are data: a stable code, a severity, a message, where it happened, related places
 * and a hint. User errors are never exceptions; an exception is a bug in meshc.
 * @module
 */

/** How bad a diagnostic is. `error` fails the build; `warning` fails it only under `--strict`. */
export type Severity = 'error' | 'warning' | 'note';

/**
 * A range in a source file. Lines and columns are 1-based; `endLine`/`endColumn` point just past
 * the last character. `file` is relative to the input root (posix separators), so that output is the
 * same on every machine.
 */
export interface Span {
  /** The file, relative to the input root, posix separators. */
  file: string;
  /** 1-based line of the first character. */
  line: number;
  /** 1-based column of the first character. */
  column: number;
  /** 1-based line of the end. */
  endLine: number;
  /** 1-based column just past the last character. */
  endColumn: number;
}

/** Another place that matters to a diagnostic, e.g. the first declaration of a duplicate name. */
export interface RelatedSpan {
  /** Where. */
  span: Span;
  /** What is there, e.g. "first declared here". */
  message: string;
}

/** One problem (or remark) about the input. */
export interface Diagnostic {
  /** The stable code, e.g. `MC3001`. Documented by `meshc explain CODE`. */
  code: string;
  /** How bad it is. */
  severity: Severity;
  /** What is wrong, in one sentence. */
  message: string;
  /** Where; absent only for problems that belong to no file (e.g. an empty input directory). */
  span?: Span;
  /** Other places involved. */
  related?: RelatedSpan[];
  /** How to fix it. */
  hint?: string;
  /** The target that reported it, for target diagnostics. */
  target?: string;
  /**
   * For the diagnostic that stands for errors left out (MC4005): how many. Summaries count them
   * instead of it; not part of the JSON or SARIF output (its message says the number).
   */
  standsFor?: number;
}

/**
 * A catalog entry: what a code means. Message and hint templates use `{name}` placeholders filled
 * from the arguments of `report`.
 */
export interface DiagnosticInfo {
  /** The stable code, `MC` + four digits. */
  code: string;
  /** The default severity. */
  severity: Severity;
  /** A short title, e.g. "Duplicate name". */
  title: string;
  /** The message template. */
  message: string;
  /** The hint template. */
  hint?: string;
  /** A few sentences (Markdown) that `meshc explain CODE` prints: the why and an example fix. */
  doc: string;
}

/** Arguments that fill a template's `{placeholders}`. */
export type DiagnosticArgs = Record<string, string | number>;
