/**
 * The GitHub Actions format (`--format github`): one workflow command per diagnostic,
 * `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=MC1234::message`, which the runner turns
 * into annotations on the pull request. `note` becomes `notice`. The hint and related places follow
 * the message on further (escaped) lines. Escaping follows the runner's rules: `%`, CR and LF in the
 * message; additionally `:` and `,` in properties. Other control characters are made inert.
 * @module
 */
import type { Diagnostic, Severity } from '../types.js';
import { displayPath, prepare, terminalSafe, type RenderOptions } from './common.js';

/** Escapes a workflow command's data (the message). */
export function escapeData(s: string): string {
  return terminalSafe(s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
}

/** Escapes a workflow command's property value. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(s: Severity): string {
  return s === 'note' ? 'notice' : s;
}

/** Renders diagnostics as GitHub Actions workflow commands, one line each. */
export function renderGithub(diagnostics: readonly Diagnostic[], opts: RenderOptions = {}): string {
  const out: string[] = [];
  for (const d of prepare(diagnostics)) {
    const props: string[] = [];
    if (d.span) {
      props.push(`file=${escapeProperty(displayPath(d.span.file, opts.root))}`);
      props.push(`line=${d.span.line}`, `col=${d.span.column}`, `endLine=${d.span.endLine}`, `endColumn=${d.span.endColumn}`);
    }
    props.push(`title=${escapeProperty(d.code)}`);
    let text = d.message;
    if (d.hint) text += `\nhint: ${d.hint}`;
    for (const r of d.related ?? []) {
      text += `\nnote: ${displayPath(r.span.file, opts.root)}:${r.span.line}:${r.span.column}: ${r.message}`;
    }
    out.push(`::${command(d.severity)} ${props.join(',')}::${escapeData(text)}`);
  }
  return out.length > 0 ? out.join('\n') + '\n' : '';
}
