/**
 * A collector of diagnostics: every stage reports all the problems it finds, then the pipeline
 * decides whether to go on.
 * @module
 */
import { fillTemplate } from './catalog.js';
import type { Diagnostic, DiagnosticArgs, DiagnosticInfo, RelatedSpan, Severity, Span } from './types.js';

/** Optional parts of a report beyond code, span and arguments. */
export interface ReportExtras {
  /** Other places involved (e.g. the first declaration). */
  related?: RelatedSpan[];
  /** Overrides the catalog's hint (already filled). */
  hint?: string;
  /** Overrides the catalog's severity. */
  severity?: Severity;
  /** The target reporting it. */
  target?: string;
}

/** Builds a diagnostic from a catalog entry. */
export function makeDiagnostic(
  info: DiagnosticInfo,
  span: Span | undefined,
  args: DiagnosticArgs = {},
  extras: ReportExtras = {},
): Diagnostic {
  const d: Diagnostic = {
    code: info.code,
    severity: extras.severity ?? info.severity,
    message: fillTemplate(info.message, args),
  };
  if (span) d.span = span;
  if (extras.related && extras.related.length > 0) d.related = extras.related;
  const hint = extras.hint ?? (info.hint !== undefined ? fillTemplate(info.hint, args) : undefined);
  if (hint) d.hint = hint;
  if (extras.target) d.target = extras.target;
  return d;
}

/** Collects diagnostics in the order they are reported. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  /** Reports a problem from the catalog at a span. */
  report(info: DiagnosticInfo, span: Span | undefined, args: DiagnosticArgs = {}, extras: ReportExtras = {}): Diagnostic {
    const d = makeDiagnostic(info, span, args, extras);
    this.items.push(d);
    return d;
  }

  /** Adds diagnostics made elsewhere. */
  add(...ds: Diagnostic[]): void {
    this.addAll(ds);
  }

  /**
   * Adds a list of diagnostics, however long (a stage's list can hold hundreds of thousands:
   * spread into a call's arguments, it would overflow the stack).
   */
  addAll(ds: readonly Diagnostic[]): void {
    for (const d of ds) this.items.push(d);
  }

  /** Whether any error was reported. */
  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }
}

/** Sorts diagnostics by file, line, column, then code: the order every renderer prints them in. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => {
    const fa = a.span?.file ?? '';
    const fb = b.span?.file ?? '';
    if (fa !== fb) return fa < fb ? -1 : 1;
    const la = a.span?.line ?? 0;
    const lb = b.span?.line ?? 0;
    if (la !== lb) return la - lb;
    const ca = a.span?.column ?? 0;
    const cb = b.span?.column ?? 0;
    if (ca !== cb) return ca - cb;
    return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
  });
}
