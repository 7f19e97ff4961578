/**
 * The target registry: every folder under `targets/` with an `index` module that default-exports a
 * {@link Target}. Discovered at run time, so adding a target changes nothing in `src/`.
 * @module
 */
import { readdirSync, existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import type { Target } from './types.js';

let cache: Promise<Target[]> | undefined;

/** The folder holding the target folders (source or compiled, beside this module's tree). */
function targetsDir(): string {
  return fileURLToPath(new URL('../../targets/', import.meta.url));
}

const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const loaded = new Map<string, Promise<Target>>();

/** The names of every target (folders with an index module), sorted, without loading them. */
export function targetNames(): string[] {
  const dir = targetsDir();
  return existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'index' + ext)))
        .map((e) => e.name)
        .sort()
    : [];
}

/** Loads one target by name (the name must be one of {@link targetNames}). */
export function loadTarget(name: string): Promise<Target> {
  let p = loaded.get(name);
  if (!p) {
    p = (async () => {
      const mod = (await import(pathToFileURL(join(targetsDir(), name, 'index' + ext)).href)) as { default?: Target };
      const t = mod.default;
      if (!t || typeof t.emit !== 'function' || t.name !== name) {
        throw new Error(`meshc bug: targets/${name}/index must default-export a Target named "${name}"`);
      }
      return t;
    })();
    loaded.set(name, p);
  }
  return p;
}

/** Loads every target, sorted by name. */
export function loadTargets(): Promise<Target[]> {
  cache ??= Promise.all(targetNames().map(loadTarget));
  return cache;
}
