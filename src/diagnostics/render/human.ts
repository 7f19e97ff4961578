/**
 * The human format: `path:line:col: error MC1234: message`, a code frame with the span underlined,
 * a `hint:` line, related places as `path:line:col: note: message`, and a summary line. The first
 * line of each diagnostic is the form editors and CI problem matchers parse.
 * @module
 */
import type { Diagnostic, Severity, Span } from '../types.js';
import { displayPath, prepare, sourceText, summarize, terminalSafe, type RenderOptions, type Summary } from './common.js';

/** Lines of a multi-line span shown in a code frame before it is cut short. */
const MAX_FRAME_LINES = 4;
/** Columns of a source line shown; longer lines are shown as a window around the span. */
const MAX_LINE_WIDTH = 120;

type Style = (s: string) => string;
interface Styles {
  bold: Style;
  dim: Style;
  gutter: Style;
  sev: Record<Severity, Style>;
  hint: Style;
}

const plain: Style = (s) => s;
const sgr = (open: string): Style => (s) => (s === '' ? s : `\u001b[${open}m${s}\u001b[0m`);

function styles(color: boolean): Styles {
  if (!color) return { bold: plain, dim: plain, gutter: plain, sev: { error: plain, warning: plain, note: plain }, hint: plain };
  return {
    bold: sgr('1'),
    dim: sgr('2'),
    gutter: sgr('34'),
    sev: { error: sgr('1;31'), warning: sgr('1;33'), note: sgr('1;36') },
    hint: sgr('1;32'),
  };
}

/** `1 error, 2 warnings`; empty when there is nothing to count. */
export function summaryLine(s: Summary): string {
  const parts: string[] = [];
  const n = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  if (s.errors) parts.push(n(s.errors, 'error'));
  if (s.warnings) parts.push(n(s.warnings, 'warning'));
  if (s.notes) parts.push(n(s.notes, 'note'));
  return parts.join(', ');
}

/** `path:line:col` of a span. */
function location(span: Span, root: string | undefined): string {
  return `${terminalSafe(displayPath(span.file, root))}:${span.line}:${span.column}`;
}

/** Splits text into lines (LF, CRLF or a lone CR: YAML's line breaks, as LineIndex counts them), without the terminators. */
function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** The blank prefix that puts a marker under column `col` (1-based) of `line`: tabs kept. */
function padUnder(line: string, col: number): string {
  let out = '';
  const prefix = line.slice(0, Math.max(0, col - 1));
  for (const ch of prefix) out += ch === '\t' ? '\t' : ' ';
  return out;
}

/** Counts code points of a slice (so a surrogate pair takes one marker cell). */
function cells(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * The code frame of a span: the source lines it covers, each followed by a marker line underlining
 * the span. Empty when the text is unknown or the span lies outside it.
 */
export function codeFrame(text: string | readonly string[], span: Span, st: Styles, sev: Severity, minWidth = 1): string[] {
  const lines = typeof text === 'string' ? splitLines(text) : text;
  let endLine = span.endLine;
  let endCol = span.endColumn;
  // A span that ends at column 1 of a later line really ends at the end of the line before.
  if (endLine > span.line && endCol <= 1) {
    endLine--;
    endCol = (lines[endLine - 1]?.length ?? 0) + 1;
  }
  if (span.line < 1 || span.line > lines.length) return [];
  endLine = Math.min(Math.max(endLine, span.line), lines.length);
  const last = Math.min(endLine, span.line + MAX_FRAME_LINES - 1);
  const width = Math.max(minWidth, String(last).length);
  const out: string[] = [];
  for (let ln = span.line; ln <= last; ln++) {
    const raw = lines[ln - 1] ?? '';
    const from = ln === span.line ? span.column : firstNonBlank(raw);
    let to = ln === endLine ? endCol : raw.length + 1;
    if (to <= from) to = from + 1;
    // Window long lines around the start of the underline.
    let shown = raw;
    let a = from;
    let b = to;
    let lead = '';
    if (raw.length > MAX_LINE_WIDTH) {
      const start = Math.max(0, Math.min(from - 1 - 20, raw.length - MAX_LINE_WIDTH));
      shown = raw.slice(start, start + MAX_LINE_WIDTH);
      lead = start > 0 ? '…' : '';
      const tail = start + MAX_LINE_WIDTH < raw.length ? '…' : '';
      a = from - start + lead.length;
      b = Math.min(to - start, MAX_LINE_WIDTH + 1) + lead.length;
      if (b <= a) b = a + 1;
      shown = lead + shown + tail;
    }
    const safe = terminalSafe(shown, true);
    const marker = padUnder(safe, a) + st.sev[sev]('^'.repeat(Math.max(1, cells(safe.slice(a - 1, b - 1)))));
    out.push(`${st.gutter(` ${String(ln).padStart(width)} |`)} ${safe}`.trimEnd());
    out.push(`${st.gutter(` ${' '.repeat(width)} |`)} ${marker}`);
  }
  if (last < endLine) out.push(st.gutter(` ${' '.repeat(width)} | …`));
  return out;
}

function firstNonBlank(line: string): number {
  const m = /\S/.exec(line);
  return m ? m.index + 1 : 1;
}

/** Renders diagnostics for people: sorted, de-duplicated, each with its frame, then a summary. */
export function renderHuman(diagnostics: readonly Diagnostic[], opts: RenderOptions = {}): string {
  const ds = prepare(diagnostics);
  if (ds.length === 0) return '';
  const st = styles(opts.color ?? false);
  const blocks: string[] = [];
  // Each file is split into lines once, however many diagnostics point into it.
  const cache = new Map<string, readonly string[] | undefined>();
  const linesOf = (file: string) => {
    if (!cache.has(file)) {
      const text = sourceText(opts.sources, file);
      cache.set(file, text === undefined ? undefined : splitLines(text));
    }
    return cache.get(file);
  };
  for (const d of ds) {
    const lines: string[] = [];
    const where = d.span ? location(d.span, opts.root) : 'meshc';
    // One gutter width for the whole diagnostic, so that its frames line up.
    const width = Math.max(...[d.span, ...(d.related ?? []).map((r) => r.span)].map((s) => (s ? String(Math.min(s.endLine, s.line + MAX_FRAME_LINES - 1)).length : 1)));
    lines.push(`${st.bold(where + ':')} ${st.sev[d.severity](`${d.severity} ${d.code}:`)} ${st.bold(terminalSafe(d.message))}`);
    if (d.span) {
      const text = linesOf(d.span.file);
      if (text !== undefined) lines.push(...codeFrame(text, d.span, st, d.severity, width));
    }
    if (d.hint) lines.push(`${st.hint('hint:')} ${terminalSafe(d.hint)}`);
    for (const r of d.related ?? []) {
      lines.push(`${st.bold(location(r.span, opts.root) + ':')} ${st.sev.note('note:')} ${terminalSafe(r.message)}`);
      const text = linesOf(r.span.file);
      if (text !== undefined) lines.push(...codeFrame(text, r.span, st, 'note', width));
    }
    blocks.push(lines.join('\n'));
  }
  const summary = summaryLine(summarize(ds));
  return blocks.join('\n\n') + '\n\n' + st.bold(summary) + '\n';
}
