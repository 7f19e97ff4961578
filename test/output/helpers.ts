/** Helpers for output tests: temporary directories and whole-tree snapshots. */
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'meshc-out-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Every entry below `dir` (hidden ones included): files as their text, symlinks as `-> target`,
 * empty directories as `<dir>`.
 */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (abs: string, rel: string) => {
    const entries = readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    if (entries.length === 0 && rel !== '') out[rel + '/'] = '<dir>';
    for (const e of entries) {
      const p = join(abs, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[r] = `-> ${readlinkSync(p)}`;
      else if (st.isDirectory()) walk(p, r);
      else out[r] = readFileSync(p, 'utf8');
    }
  };
  walk(dir, '');
  return out;
}

/**
 * Checks a tree against its manifest: every listed file exists with its sha256, and every file
 * not listed is among `foreign`. Returns the problems (empty when consistent).
 */
export function inconsistencies(dir: string, foreign: readonly string[] = []): string[] {
  const snap = snapshot(dir);
  const problems: string[] = [];
  const text = snap['meshc-manifest.json'];
  if (text === undefined) return Object.keys(snap).filter((k) => !foreign.includes(k)).map((k) => `unlisted ${k} (no manifest)`);
  const m = JSON.parse(text) as { files: { path: string; sha256: string }[] };
  const listed = new Set<string>();
  for (const f of m.files) {
    listed.add(f.path);
    const content = snap[f.path];
    if (content === undefined) problems.push(`missing ${f.path}`);
    else if (createHash('sha256').update(content).digest('hex') !== f.sha256) problems.push(`sha256 mismatch ${f.path}`);
  }
  for (const k of Object.keys(snap)) {
    if (k !== 'meshc-manifest.json' && !listed.has(k) && !foreign.includes(k)) problems.push(`unlisted ${k}`);
  }
  return problems;
}
