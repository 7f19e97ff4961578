/**
 * The JSON format (`--format json`): one object, stable field order, for scripts and editors.
 *
 * ```json
 * { "version": 1,
 *   "diagnostics": [ { "code": "MC1003", "severity": "error", "message": "…",
 *                      "span": { "path": "mesh/a.yaml", "file": "a.yaml", "line": 3, "column": 5, "endLine": 3, "endColumn": 9 },
 *                      "hint": "…", "related": [ { "message": "…", "span": { … } } ], "target": "envoy" } ],
 *   "summary": { "errors": 1, "warnings": 0, "notes": 0 } }
 * ```
 * `span.file` is relative to the input root; `span.path` is the root as typed joined with it.
 * Optional fields are absent when empty. Version 1 only ever gains fields.
 * @module
 */
import type { Diagnostic, Span } from '../types.js';
import { displayPath, prepare, summarize, type RenderOptions } from './common.js';

/** A span as the JSON format prints it. */
export interface JsonSpan {
  path: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** A diagnostic as the JSON format prints it. */
export interface JsonDiagnostic {
  code: string;
  severity: string;
  message: string;
  span?: JsonSpan;
  hint?: string;
  related?: { message: string; span: JsonSpan }[];
  target?: string;
}

/** The JSON document. */
export interface JsonReport {
  version: 1;
  diagnostics: JsonDiagnostic[];
  /** Counts of every diagnostic found, the errors left out of the list (MC4005) included. */
  summary: { errors: number; warnings: number; notes: number };
}

function jsonSpan(s: Span, root: string | undefined): JsonSpan {
  return { path: displayPath(s.file, root), file: s.file, line: s.line, column: s.column, endLine: s.endLine, endColumn: s.endColumn };
}

/** The JSON report as a value (sorted, de-duplicated). */
export function toJsonReport(diagnostics: readonly Diagnostic[], opts: RenderOptions = {}): JsonReport {
  const ds = prepare(diagnostics);
  return {
    version: 1,
    diagnostics: ds.map((d) => {
      const j: JsonDiagnostic = { code: d.code, severity: d.severity, message: d.message };
      if (d.span) j.span = jsonSpan(d.span, opts.root);
      if (d.hint) j.hint = d.hint;
      if (d.related && d.related.length > 0) j.related = d.related.map((r) => ({ message: r.message, span: jsonSpan(r.span, opts.root) }));
      if (d.target) j.target = d.target;
      return j;
    }),
    summary: summarize(ds),
  };
}

/** Renders the JSON report (two-space indented, trailing newline). */
export function renderJson(diagnostics: readonly Diagnostic[], opts: RenderOptions = {}): string {
  return JSON.stringify(toJsonReport(diagnostics, opts), null, 2) + '\n';
}
