/**
 * Reads an emitted Envoy YAML file the way Envoy does, keeping source positions.
 *
 * Envoy converts YAML to JSON before the protobuf JSON parser sees it (yaml-cpp): a quoted scalar is
 * a string; a plain scalar is a bool when yaml-cpp reads it as one (`true`, `yes`, `on`, `y`… — the
 * YAML 1.1 booleans), else a number when it reads as one, else `null` for `~`/`null`/empty, else a
 * string. Parsing with the YAML 1.1 schema reproduces that, so a plain `yes` meant as a string is
 * caught here as a bool, as Envoy would see it.
 * @module
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';

/** A YAML node with its offset in the file. */
export type YNode = YMap | YSeq | YScalar;

/** A mapping; keys are strings (as Envoy reads them). */
export interface YMap {
  k: 'map';
  /** Entries in file order. */
  entries: { key: string; keyOff: number; value: YNode }[];
  /** Offset of the node in the file. */
  off: number;
}

/** A sequence. */
export interface YSeq {
  k: 'seq';
  /** Items in order. */
  items: YNode[];
  /** Offset. */
  off: number;
}

/** A scalar as Envoy reads it. */
export interface YScalar {
  k: 'scalar';
  /** The value: string, number, bigint (large integers), boolean or null. */
  v: string | number | bigint | boolean | null;
  /** Offset. */
  off: number;
}

/** A parsed file. */
export interface YFile {
  /** The root node, absent for an empty document. */
  root?: YNode;
  /** Maps an offset to a 1-based line and column. */
  pos(off: number): { line: number; column: number };
  /** Syntax errors, each with its offset. */
  errors: { message: string; off: number }[];
}

/** Parses one YAML document the way Envoy reads it. */
export function parseYamlTree(text: string): YFile {
  const lc = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', schema: 'yaml-1.1', lineCounter: lc, intAsBigInt: false, uniqueKeys: true, prettyErrors: false });
  const pos = (off: number) => {
    const p = lc.linePos(off);
    return { line: p.line, column: p.col };
  };
  const errors = [...doc.errors, ...doc.warnings].map((e) => ({ message: e.message.split('\n')[0] ?? e.message, off: e.pos[0] }));
  const conv = (n: unknown, depth: number): YNode => {
    if (depth > 200) throw new Error('YAML nested too deeply');
    let node = n as YamlNode | null;
    if (isAlias(node)) node = node.resolve(doc) ?? null;
    const off = (node as { range?: [number, number, number] } | null)?.range?.[0] ?? 0;
    if (isMap(node)) {
      const entries: YMap['entries'] = [];
      for (const pair of node.items) {
        const k = pair.key as YamlNode | null;
        const key = isScalar(k) ? String(k.value ?? '') : String(k);
        const keyOff = (k as { range?: [number, number, number] } | null)?.range?.[0] ?? off;
        entries.push({ key, keyOff, value: conv(pair.value, depth + 1) });
      }
      return { k: 'map', entries, off };
    }
    if (isSeq(node)) return { k: 'seq', items: node.items.map((i) => conv(i, depth + 1)), off };
    if (isScalar(node)) {
      const v = node.value;
      if (v === null || v === undefined) return { k: 'scalar', v: null, off };
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return { k: 'scalar', v, off };
      // Timestamps and other YAML 1.1 types: Envoy keeps the text.
      return { k: 'scalar', v: node.source ?? String(v), off };
    }
    return { k: 'scalar', v: null, off };
  };
  const out: YFile = { pos, errors };
  if (doc.contents !== null && doc.contents !== undefined) out.root = conv(doc.contents, 0);
  return out;
}
