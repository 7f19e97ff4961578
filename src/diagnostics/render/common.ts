/**
 * What every renderer shares: options, ordering and de-duplication, display paths, terminal-safe text.
 * @module
 */
import { posix } from 'node:path';
import { sortDiagnostics } from '../bag.js';
import type { Diagnostic, Span } from '../types.js';

/** The text of input files by relative path (as in `Span.file`): a record or a lookup function. */
export type SourceLookup = Readonly<Record<string, string>> | ((file: string) => string | undefined);

/** Options every renderer accepts. */
export interface RenderOptions {
  /**
   * The input root as the user typed it (e.g. `examples/webshop`), joined with `Span.file` to make
   * the displayed path, so that it is clickable from the user's working directory. Default: none
   * (paths relative to the input root).
   */
  root?: string;
  /** Input file texts, for code frames (human format). */
  sources?: SourceLookup;
  /** ANSI colour (human format). Decide with {@link shouldColor}. */
  color?: boolean;
  /** meshc's version (SARIF `tool.driver.version`). */
  version?: string;
}

/** The path to show for a span's file: the typed root joined with it, posix separators. */
export function displayPath(file: string, root: string | undefined): string {
  if (!root || root === '.' || root === './') return posix.normalize(file);
  const r = root.replace(/\\/g, '/');
  return posix.join(r, file);
}

/** Looks up a file's text. */
export function sourceText(sources: SourceLookup | undefined, file: string): string | undefined {
  if (!sources) return undefined;
  if (typeof sources === 'function') return sources(file);
  return Object.prototype.hasOwnProperty.call(sources, file) ? sources[file] : undefined;
}

/** A canonical key of a diagnostic (fixed field order), for de-duplication. */
function key(d: Diagnostic): string {
  const s = (x: Span | undefined) => (x ? [x.file, x.line, x.column, x.endLine, x.endColumn] : null);
  return JSON.stringify([d.code, d.severity, d.message, s(d.span), d.hint ?? null, d.target ?? null, (d.related ?? []).map((r) => [s(r.span), r.message])]);
}

/** Sorted (by file, line, column, code) and with identical diagnostics reported once. */
export function prepare(ds: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of sortDiagnostics(ds)) {
    const k = key(d);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(d);
  }
  return out;
}

/** Counts by severity. */
export interface Summary {
  errors: number;
  warnings: number;
  notes: number;
}

/** Counts diagnostics by severity. */
export function summarize(ds: readonly Diagnostic[]): Summary {
  const s: Summary = { errors: 0, warnings: 0, notes: 0 };
  for (const d of ds) {
    // The diagnostic for errors left out (MC4005) counts as those errors.
    if (d.severity === 'error') s.errors += d.standsFor ?? 1;
    else if (d.severity === 'warning') s.warnings++;
    else s.notes++;
  }
  return s;
}

/**
 * Makes text safe to print on a terminal without changing its width: C0 controls become their
 * Unicode control pictures (U+2400…), DEL becomes ␡, C1 controls and bidirectional overrides
 * become U+FFFD. Tabs are kept when `keepTabs`. No user string can move the cursor, change colours
 * or reorder what is shown.
 */
export function terminalSafe(text: string, keepTabs = false): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => {
    const code = c.charCodeAt(0);
    if (code === 9 && keepTabs) return c;
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    if (code === 0x7f) return '\u2421';
    return '\uFFFD';
  });
}

/**
 * Whether to colour output on a stream: `FORCE_COLOR` (other than `0`/`false`) forces it, a
 * non-empty `NO_COLOR` forbids it, otherwise only on a TTY whose TERM is not `dumb`.
 */
export function shouldColor(stream: { isTTY?: boolean }, env: Readonly<Record<string, string | undefined>>): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !(force === '0' || force.toLowerCase() === 'false');
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}
