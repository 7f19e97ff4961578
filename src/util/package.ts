/**
 * Where meshc's own files are, and its version.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The package root (the folder of meshc's package.json), from source or compiled code alike. */
export function packageRoot(): string {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'meshc') return (root = dir);
      } catch {
        /* keep looking */
      }
    }
    dir = dirname(dir);
  }
  throw new Error('meshc bug: cannot find meshc package.json');
}

let version: string | undefined;

/** meshc's version, from package.json. */
export function meshcVersion(): string {
  version ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}
