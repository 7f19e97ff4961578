/**
 * Printing diagnostics for a command (format, stream, colour) and turning them into an exit code.
 * @module
 */
import { statSync } from 'node:fs';
import { dirname, posix, resolve } from 'node:path';
import { render, shouldColor, type Format, type SourceLookup } from '../diagnostics/render/index.js';
import type { Diagnostic } from '../diagnostics/types.js';
import { INTERNAL_CODES, USAGE_CODES } from '../output/codes.js';
import { meshcVersion } from '../util/package.js';
import { EXIT, type CliIO } from './io.js';

/**
 * Prints diagnostics: the human format on stderr (it is commentary), the machine formats on
 * stdout (they are the result). The JSON and SARIF formats print even an empty list.
 */
export function printDiagnostics(io: CliIO, format: Format, diagnostics: readonly Diagnostic[], root?: string, sources?: SourceLookup): void {
  const stream = format === 'human' ? io.stderr : io.stdout;
  const opts: Parameters<typeof render>[2] = { color: format === 'human' && shouldColor(stream, io.env), version: meshcVersion() };
  if (root !== undefined) opts.root = root;
  if (sources !== undefined) opts.sources = sources;
  const text = render(format, diagnostics, opts);
  if (text) stream.write(text);
}

/**
 * The exit code for a set of diagnostics: 70 when one reports a meshc bug, 2 for a usage error,
 * 1 for any other error (or a warning under `strict`), else 0.
 */
export function exitCodeFor(diagnostics: readonly Diagnostic[], strict = false): number {
  if (diagnostics.some((d) => INTERNAL_CODES.has(d.code))) return EXIT.internal;
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.some((d) => USAGE_CODES.has(d.code))) return EXIT.usage;
  if (errors.length > 0) return EXIT.failed;
  if (strict && diagnostics.some((d) => d.severity === 'warning')) return EXIT.failed;
  return EXIT.ok;
}

/** A path as typed, normalised to posix form for display (`./out/` → `out`). */
export function shownPath(typed: string): string {
  const p = posix.normalize(typed.replace(/\\/g, '/'));
  return p.length > 1 ? p.replace(/\/+$/, '') : p;
}

/**
 * The input root as the user typed it: the path itself for a directory, its directory for a file,
 * so that `root + '/' + span.file` is a path the user can click from where they ran meshc.
 */
export function displayRoot(typed: string, cwd: string): string {
  try {
    if (!statSync(resolve(cwd, typed)).isDirectory()) return shownPath(dirname(typed));
  } catch {
    /* missing: the loader says so */
  }
  return shownPath(typed);
}
