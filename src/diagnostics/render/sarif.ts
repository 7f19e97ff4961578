/**
 * The SARIF 2.1.0 format (`--format sarif`), for GitHub code scanning and other SARIF viewers.
 * One run; `tool.driver.rules` is the catalog (every code registered when rendering, plus any code
 * met without an entry); each result has `ruleId`/`ruleIndex`, `level`, `message`, a location
 * (`artifactLocation.uri` is the displayed path, relative to where meshc ran unless the user
 * typed an absolute input path) and `relatedLocations`. Columns are UTF-16 code units, end
 * exclusive, as in meshc's spans. No timestamps or absolute paths of meshc's own.
 * @module
 */
import { allCodes } from '../catalog.js';
import type { Diagnostic, DiagnosticInfo, Severity, Span } from '../types.js';
import { displayPath, prepare, type RenderOptions } from './common.js';

/** The SARIF `$schema` URI. */
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

function level(s: Severity): 'error' | 'warning' | 'note' {
  return s;
}

/** A file path as a SARIF URI reference: relative paths stay relative; absolute ones become file: URIs. */
export function pathToUri(path: string): string {
  const p = path.replace(/\\/g, '/');
  const enc = p
    .split('/')
    .map((seg) => encodeURIComponent(seg))
    .join('/');
  return p.startsWith('/') ? `file://${enc}` : enc;
}

/** `DuplicateKey` from "Duplicate key": the rule's `name`. */
function ruleName(title: string): string {
  return title
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

function rule(info: DiagnosticInfo): Record<string, unknown> {
  const r: Record<string, unknown> = {
    id: info.code,
    name: ruleName(info.title),
    shortDescription: { text: info.title },
    fullDescription: { text: info.doc },
    help: { text: info.doc, markdown: info.doc },
    defaultConfiguration: { level: level(info.severity) },
  };
  return r;
}

function physical(span: Span, root: string | undefined): Record<string, unknown> {
  const endLine = Math.max(span.endLine, span.line);
  const endColumn = endLine === span.line ? Math.max(span.endColumn, span.column) : Math.max(1, span.endColumn);
  return {
    artifactLocation: { uri: pathToUri(displayPath(span.file, root)) },
    region: { startLine: Math.max(1, span.line), startColumn: Math.max(1, span.column), endLine, endColumn },
  };
}

/** The SARIF log as a value. */
export function toSarif(diagnostics: readonly Diagnostic[], opts: RenderOptions = {}): Record<string, unknown> {
  const ds = prepare(diagnostics);
  const infos = allCodes();
  const index = new Map<string, number>();
  const rules: Record<string, unknown>[] = [];
  for (const info of infos) {
    index.set(info.code, rules.length);
    rules.push(rule(info));
  }
  for (const d of ds) {
    if (!index.has(d.code)) {
      index.set(d.code, rules.length);
      rules.push({ id: d.code, shortDescription: { text: d.code }, defaultConfiguration: { level: level(d.severity) } });
    }
  }
  const results = ds.map((d) => {
    const r: Record<string, unknown> = {
      ruleId: d.code,
      ruleIndex: index.get(d.code)!,
      level: level(d.severity),
      message: { text: d.message },
    };
    if (d.span) r.locations = [{ physicalLocation: physical(d.span, opts.root) }];
    if (d.related && d.related.length > 0) {
      r.relatedLocations = d.related.map((rel, i) => ({ id: i + 1, physicalLocation: physical(rel.span, opts.root), message: { text: rel.message } }));
    }
    const props: Record<string, string> = {};
    if (d.hint) props.hint = d.hint;
    if (d.target) props.target = d.target;
    if (Object.keys(props).length > 0) r.properties = props;
    return r;
  });
  const driver: Record<string, unknown> = { name: 'meshc' };
  if (opts.version) driver.version = opts.version;
  driver.rules = rules;
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [{ tool: { driver }, columnKind: 'utf16CodeUnits', results }],
  };
}

/** Renders the SARIF log (two-space indented, trailing newline). */
export function renderSarif(diagnostics: readonly Diagnostic[], opts: RenderOptions = {}): string {
  return JSON.stringify(toSarif(diagnostics, opts), null, 2) + '\n';
}
