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
