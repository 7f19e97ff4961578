/**
 * The floor: the least work any compiler producing exactly these files must do — turn an in-memory
 * object model of each file into its bytes and write them — measured on the files the build emitted.
 *
 * The object model of a file is recovered from its content before the clock starts:
 * - YAML files (Envoy bootstraps, Kubernetes manifests): the parsed documents (js-yaml), serialised
 *   with `JSON.stringify` (JSON is YAML 1.2, so the result is a valid config of the same data;
 *   several documents are joined with `---`), the fastest serialiser Node has;
 * - JSON files: the parsed value, `JSON.stringify`;
 * - every other file (HAProxy `.cfg` and `.map`, nftables rulesets, PEM keys) is line-oriented text:
 *   its model is its array of lines, serialised with `join('\n')`.
 *
 * Timed: the serialisation of every file and a plain `writeFileSync` of the result into a fresh
 * directory (one `mkdir` per directory), no transaction, no manifest, no fsync. Parsing is not timed.
 * Files are handled one at a time so that the parsed models never all live at once.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import jsyaml from 'js-yaml';
import type { OutputFile } from '../src/target/types.js';

/** What the floor measured. */
export interface FloorResult {
  /** Serialisation plus writing, wall and CPU milliseconds. */
  wallMs: number;
  cpuMs: number;
  /** Of which serialisation alone (wall). */
  serialiseMs: number;
  /** Files and bytes the floor wrote. */
  files: number;
  bytes: number;
}

type Model = { kind: 'json'; docs: unknown[] } | { kind: 'lines'; lines: string[] };

function model(f: OutputFile): Model {
  if (/\.ya?ml$/.test(f.path)) return { kind: 'json', docs: jsyaml.loadAll(f.content, null, { schema: jsyaml.CORE_SCHEMA }) };
  if (f.path.endsWith('.json')) return { kind: 'json', docs: [JSON.parse(f.content)] };
  return { kind: 'lines', lines: f.content.split('\n') };
}

function serialise(m: Model): string {
  if (m.kind === 'lines') return m.lines.join('\n');
  if (m.docs.length === 1) return JSON.stringify(m.docs[0]) + '\n';
  return m.docs.map((d) => JSON.stringify(d)).join('\n---\n') + '\n';
}

/** Serialises and writes `files` from their object models into `dir`; returns the times. */
export function measureFloor(files: Iterable<OutputFile>, dir: string): FloorResult {
  const made = new Set<string>();
  let wallMs = 0;
  let cpuMs = 0;
  let serialiseMs = 0;
  let bytes = 0;
  let count = 0;
  for (const f of files) {
    count++;
    const m = model(f);
    const path = join(dir, f.path);
    const parent = dirname(path);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const text = serialise(m);
    const t1 = performance.now();
    if (!made.has(parent)) {
      mkdirSync(parent, { recursive: true });
      made.add(parent);
    }
    writeFileSync(path, text);
    const t2 = performance.now();
    const c = process.cpuUsage(c0);
    serialiseMs += t1 - t0;
    wallMs += t2 - t0;
    cpuMs += (c.user + c.system) / 1000;
    bytes += Buffer.byteLength(text);
  }
  return { wallMs, cpuMs, serialiseMs, files: count, bytes };
}
