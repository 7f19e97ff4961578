/**
 * Diagnostic renderers, one per output format. Each sorts (sortDiagnostics) and de-duplicates.
 * @module
 */
import type { Diagnostic } from '../types.js';
import type { RenderOptions } from './common.js';
import { renderGithub } from './github.js';
import { renderHuman } from './human.js';
import { renderJson } from './json.js';
import { renderSarif } from './sarif.js';

export { displayPath, prepare, shouldColor, summarize, terminalSafe, type RenderOptions, type SourceLookup, type Summary } from './common.js';
export { codeFrame, renderHuman, summaryLine } from './human.js';
export { renderJson, toJsonReport, type JsonDiagnostic, type JsonReport, type JsonSpan } from './json.js';
export { renderSarif, toSarif, pathToUri, SARIF_SCHEMA } from './sarif.js';
export { escapeData, escapeProperty, renderGithub } from './github.js';

/** The output formats of `--format`. */
export const FORMATS = ['human', 'json', 'sarif', 'github'] as const;
/** One of {@link FORMATS}. */
export type Format = (typeof FORMATS)[number];

/** Renders diagnostics in a format. */
export function render(format: Format, diagnostics: readonly Diagnostic[], opts: RenderOptions = {}): string {
  switch (format) {
    case 'human':
      return renderHuman(diagnostics, opts);
    case 'json':
      return renderJson(diagnostics, opts);
    case 'sarif':
      return renderSarif(diagnostics, opts);
    case 'github':
      return renderGithub(diagnostics, opts);
  }
}
