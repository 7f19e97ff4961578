/**
 * The manifest, `meshc-manifest.json` at the root of the output directory: the meshc version, the
 * hash of the input, and every file meshc wrote with its sha256, sorted by path. No timestamps: the
 * same input gives the same manifest. It is how meshc tells its own files from anyone else's.
 * @module
 */
import { hash } from 'node:crypto';
import { compareStrings } from '../util/strings.js';
import { isSafeOutputPath } from './paths.js';

/** One file meshc wrote. */
export interface ManifestEntry {
  /** Relative to the output root, posix separators. */
  path: string;
  /** Lower-case hex sha256 of the file's bytes. */
  sha256: string;
}

/** The manifest's content. */
export interface Manifest {
  /** Always `meshc`. */
  generator: 'meshc';
  /** The manifest format (1). */
  manifestVersion: 1;
  /** The version of meshc that wrote the tree. */
  meshcVersion: string;
  /** sha256 over the input's relative paths and contents (see compiler.ts hashInput). */
  inputHash: string;
  /** Every file meshc wrote, sorted by path (UTF-16 code units). */
  files: ManifestEntry[];
}

/** Hex sha256 of text (UTF-8) or bytes. */
export function sha256(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex');
}

/** Builds the manifest of a file set from each file's path and sha256 (in any order). */
export function buildManifest(files: readonly ManifestEntry[], meta: { meshcVersion: string; inputHash: string }): Manifest {
  return {
    generator: 'meshc',
    manifestVersion: 1,
    meshcVersion: meta.meshcVersion,
    inputHash: meta.inputHash,
    files: files.map((f) => ({ path: f.path, sha256: f.sha256 })).sort((a, b) => compareStrings(a.path, b.path)),
  };
}

/** The manifest's bytes: fixed key order, two-space indent, trailing newline. */
export function serializeManifest(m: Manifest): string {
  const ordered = {
    generator: m.generator,
    manifestVersion: m.manifestVersion,
    meshcVersion: m.meshcVersion,
    inputHash: m.inputHash,
    files: m.files.map((f) => ({ path: f.path, sha256: f.sha256 })),
  };
  return JSON.stringify(ordered, null, 2) + '\n';
}

/** Parses and validates a manifest read from disk. */
export function parseManifest(text: string): { manifest: Manifest } | { error: string } {
  return parseCanonical(text) ?? parseJson(text);
}

/** A JSON string token (what JSON.stringify writes), at the sticky regular expression's position. */
const JSON_STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const HEAD = '{\n  "generator": "meshc",\n  "manifestVersion": 1,\n  "meshcVersion": ';
const ENTRY_OPEN = '\n    {\n      "path": "';
const ENTRY_MID = '",\n      "sha256": "';
const ENTRY_CLOSE = '"\n    }';

/** The JSON string token at `at` in `text`, decoded, and where it ends; or undefined. */
function stringAt(text: string, at: number): { value: string; end: number } | undefined {
  JSON_STRING.lastIndex = at;
  let m: RegExpExecArray | null;
  try {
    m = JSON_STRING.exec(text);
  } catch {
    return undefined; // a token of megabytes can exhaust the regular expression's backtracking: the JSON path decides
  }
  return m ? { value: JSON.parse(m[0]) as string, end: at + m[0].length } : undefined;
}

/** Whether `text` holds 64 lower-case hex digits at `at`. */
function hexAt(text: string, at: number): boolean {
  if (at + 64 > text.length) return false;
  for (let i = at; i < at + 64; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/**
 * The manifest, when `text` is exactly what {@link serializeManifest} writes and every entry is
 * valid; else undefined (then {@link parseJson} decides, errors included). It reads the entries
 * without building the JSON value first: a 180,000-entry manifest (28 MB) cost a rebuild's writer
 * thread ~45 MB of short-lived objects that way. Its paths and hashes are slices of `text`.
 */
export function parseCanonical(text: string): { manifest: Manifest } | undefined {
  if (!text.startsWith(HEAD)) return undefined;
  const version = stringAt(text, HEAD.length);
  if (!version || !text.startsWith(',\n  "inputHash": ', version.end)) return undefined;
  const input = stringAt(text, version.end + ',\n  "inputHash": '.length);
  if (!input || !text.startsWith(',\n  "files": [', input.end)) return undefined;
  let i = input.end + ',\n  "files": ['.length;
  const files: ManifestEntry[] = [];
  if (text.startsWith(']\n}\n', i)) i += 4;
  else {
    const seen = new Set<string>();
    for (;;) {
      if (!text.startsWith(ENTRY_OPEN, i)) return undefined;
      const start = i + ENTRY_OPEN.length;
      const q = text.indexOf('"', start);
      if (q < 0 || !text.startsWith(ENTRY_MID, q)) return undefined;
      // A safe path holds no quote, backslash or control character: its token is its text.
      const path = text.slice(start, q);
      const h = q + ENTRY_MID.length;
      if (!isSafeOutputPath(path) || seen.has(path) || !hexAt(text, h) || !text.startsWith(ENTRY_CLOSE, h + 64)) return undefined;
      seen.add(path);
      files.push({ path, sha256: text.slice(h, h + 64) });
      i = h + 64 + ENTRY_CLOSE.length;
      if (text.charCodeAt(i) !== 44) break; // ','
      i++;
    }
    if (!text.startsWith('\n  ]\n}\n', i)) return undefined;
    i += 7;
  }
  if (i !== text.length) return undefined;
  return { manifest: { generator: 'meshc', manifestVersion: 1, meshcVersion: version.value, inputHash: input.value, files } };
}

/** Parses and validates a manifest as any JSON (a manifest written by hand, or damaged). */
export function parseJson(text: string): { manifest: Manifest } | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { error: 'not JSON' };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { error: 'not a JSON object' };
  const o = v as Record<string, unknown>;
  if (o.generator !== 'meshc') return { error: 'generator is not "meshc"' };
  if (o.manifestVersion !== 1) return { error: `unknown manifestVersion ${JSON.stringify(o.manifestVersion)}` };
  if (typeof o.meshcVersion !== 'string' || typeof o.inputHash !== 'string') return { error: 'meshcVersion or inputHash is missing' };
  if (!Array.isArray(o.files)) return { error: 'files is not a list' };
  const files: ManifestEntry[] = [];
  const seen = new Set<string>();
  for (const f of o.files as unknown[]) {
    const e = f as Record<string, unknown> | null;
    if (!e || typeof e.path !== 'string' || typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) {
      return { error: 'a file entry lacks a path or a sha256' };
    }
    if (!isSafeOutputPath(e.path)) return { error: `unsafe path ${JSON.stringify(e.path)}` };
    if (seen.has(e.path)) return { error: `path ${JSON.stringify(e.path)} listed twice` };
    seen.add(e.path);
    files.push({ path: e.path, sha256: e.sha256 });
  }
  return { manifest: { generator: 'meshc', manifestVersion: 1, meshcVersion: o.meshcVersion, inputHash: o.inputHash, files } };
}
