/**
 * Mutations of valid meshes, for the broken-input properties: the kinds of mistake a user or a
 * broken tool makes in YAML files. Each is an arbitrary of (files → files).
 * @module
 */
import fc from 'fast-check';
import { parseAllDocuments, stringify } from 'yaml';

/** Every path to a value inside `v`. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function getAt(v: unknown, path: (string | number)[]): unknown {
  let cur = v;
  for (const p of path) cur = (cur as Record<string | number, unknown>)?.[p];
  return cur;
}

/** A value of another type than `v` (or a hostile one of the same type). */
const replacement = fc.oneof(
  fc.constantFrom<unknown>(null, true, 0, -1, 1.5, 1e300, '', 'x', '5s', '10.0.0.0/33', [], {}, [1, 2], { a: 1 }, 'Mesh', '*', '\u0000', 'a\nb'),
  fc.string({ maxLength: 6 }),
  fc.integer({ min: -70000, max: 70000 }),
);

/** One kind of mistake. */
export type Mutation =
  | { kind: 'truncate'; file: number; at: number }
  | { kind: 'insert'; file: number; at: number; text: string }
  | { kind: 'delete-line'; file: number; line: number }
  | { kind: 'duplicate-line'; file: number; line: number }
  | { kind: 'indent-line'; file: number; line: number; by: number }
  | { kind: 'replace-value'; file: number; doc: number; path: number; value: unknown }
  | { kind: 'delete-key'; file: number; doc: number; path: number }
  | { kind: 'wrong-kind'; file: number; doc: number; kindName: string }
  | { kind: 'drop-file'; file: number }
  | { kind: 'swap-docs'; file: number; other: number };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), file: fc.nat(), at: fc.nat() }),
  fc.record({
    kind: fc.constant('insert' as const),
    file: fc.nat(),
    at: fc.nat(),
    text: fc.oneof(
      fc.constantFrom(':', '- ', '{', '}', '[', ']', '"', "'", '\t', '&a ', '*a', '!!str ', '---\n', '\n  ', '#', '? ', '|\n', '>-\n', '%YAML 1.1\n', '\uFEFF', '\u0085'),
      fc.string({ unit: 'binary', maxLength: 4 }),
    ),
  }),
  fc.record({ kind: fc.constant('delete-line' as const), file: fc.nat(), line: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-line' as const), file: fc.nat(), line: fc.nat() }),
  fc.record({ kind: fc.constant('indent-line' as const), file: fc.nat(), line: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
  fc.record({ kind: fc.constant('replace-value' as const), file: fc.nat(), doc: fc.nat(), path: fc.nat(), value: replacement }),
  fc.record({ kind: fc.constant('delete-key' as const), file: fc.nat(), doc: fc.nat(), path: fc.nat() }),
  fc.record({ kind: fc.constant('wrong-kind' as const), file: fc.nat(), doc: fc.nat(), kindName: fc.constantFrom('Mesh', 'Service', 'Route', 'Filter', 'Gateway', 'service', 'Deployment', '') }),
  fc.record({ kind: fc.constant('drop-file' as const), file: fc.nat() }),
  fc.record({ kind: fc.constant('swap-docs' as const), file: fc.nat(), other: fc.nat() }),
);

/** Applies mutations in order to a set of files. */
export function mutate(files: Record<string, string>, mutations: readonly Mutation[]): Record<string, string> {
  const out = { ...files };
  for (const m of mutations) {
    const names = Object.keys(out).sort();
    if (names.length === 0) break;
    const name = names[m.file % names.length]!;
    const text = out[name]!;
    const lines = text.split('\n');
    switch (m.kind) {
      case 'truncate':
        out[name] = text.slice(0, m.at % (text.length + 1));
        break;
      case 'insert': {
        const at = m.at % (text.length + 1);
        out[name] = text.slice(0, at) + m.text + text.slice(at);
        break;
      }
      case 'delete-line':
        lines.splice(m.line % lines.length, 1);
        out[name] = lines.join('\n');
        break;
      case 'duplicate-line': {
        const i = m.line % lines.length;
        lines.splice(i, 0, lines[i]!);
        out[name] = lines.join('\n');
        break;
      }
      case 'indent-line': {
        const i = m.line % lines.length;
        const l = lines[i]!;
        lines[i] = m.by >= 0 ? ' '.repeat(m.by) + l : l.replace(new RegExp(`^ {0,${-m.by}}`), '');
        out[name] = lines.join('\n');
        break;
      }
      case 'replace-value':
      case 'delete-key':
      case 'wrong-kind': {
        // Structural mutations need text that parses (an earlier mutation may have broken it).
        const docs = parseAllDocuments(text);
        if (!Array.isArray(docs) || docs.length === 0 || docs.some((d) => d.errors.length > 0)) break;
        let values: unknown[];
        try {
          values = docs.map((d) => d.toJS() as unknown);
        } catch {
          break; // e.g. an alias without its anchor
        }
        const di = m.doc % values.length;
        const v = values[di];
        if (m.kind === 'wrong-kind') {
          if (v && typeof v === 'object') (v as Record<string, unknown>).kind = m.kindName;
        } else {
          const all = paths(v).filter((p) => p.length > 0);
          if (all.length === 0) break;
          const p = all[m.path % all.length]!;
          const parent = getAt(v, p.slice(0, -1)) as Record<string | number, unknown> | unknown[];
          const key = p[p.length - 1]!;
          if (m.kind === 'delete-key') {
            if (Array.isArray(parent)) parent.splice(key as number, 1);
            else delete (parent as Record<string | number, unknown>)[key];
          } else (parent as Record<string | number, unknown>)[key] = m.value;
        }
        out[name] = values.map((x) => stringify(x)).join('---\n');
        break;
      }
      case 'drop-file':
        delete out[name];
        break;
      case 'swap-docs': {
        const other = names[m.other % names.length]!;
        const a = text.split(/^---$/m);
        const b = out[other]!.split(/^---$/m);
        if (a.length > 0 && b.length > 0 && other !== name) {
          const x = a[0]!;
          a[0] = b[0]!;
          b[0] = x;
          out[name] = a.join('---');
          out[other] = b.join('---');
        }
        break;
      }
    }
  }
  return out;
}
