/**
 * A lower bound below the floor (`npm run bench -- --ideal`): what writing meshc's output costs
 * when nothing is compiled at all. The files of one service of a small bench build serve as
 * templates; for each of N services, its 18 files are made by substituting the service's name into
 * them (string concatenation, no objects), hashed (sha256, as the manifest needs) and written with
 * one open/write/close each into a fresh directory, on one thread. What remains is the cost of the
 * bytes and files themselves on this machine.
 * @module
 */
import { hash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compileMemory } from '../src/compiler.js';
import { meshFiles, serviceName } from './generate.js';

/** What the template-filling writer measured. */
export interface IdealResult {
  services: number;
  files: number;
  bytes: number;
  /** Wall milliseconds: all of it, and its parts. */
  wallMs: number;
  fillMs: number;
  hashMs: number;
  writeMs: number;
}

/** Fills, hashes and writes the output of `n` services from templates, into `dir` (removed after). */
export async function measureIdeal(n: number, dir: string): Promise<IdealResult> {
  const model = serviceName(7);
  const built = await compileMemory(meshFiles(100), {});
  const templates = built.files
    // The model service's own files: its sidecars (with the maps they load) and its manifests.
    .filter((f) => f.path === `envoy/${model}.yaml` || f.path.startsWith(`haproxy/${model}.`) || (f.path.startsWith('kubernetes/') && f.path.includes(model)))
    .map((f) => ({ path: f.path.split(model), content: f.content.split(model) }));
  if (templates.length === 0) throw new Error('ideal: no files of the model service');
  const fill = (parts: string[], name: string): string => {
    let s = parts[0]!;
    for (let i = 1; i < parts.length; i++) s += name + parts[i]!;
    return s;
  };
  rmSync(dir, { recursive: true, force: true });
  for (const d of new Set(templates.map((t) => dirname(t.path[0]! + 'x')))) mkdirSync(join(dir, d), { recursive: true });
  let fillMs = 0;
  let hashMs = 0;
  let writeMs = 0;
  let files = 0;
  let bytes = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const name = serviceName(i);
    for (const t of templates) {
      let t1 = performance.now();
      const path = fill(t.path, name);
      const buf = Buffer.from(fill(t.content, name), 'utf8');
      let t2 = performance.now();
      fillMs += t2 - t1;
      hash('sha256', buf, 'hex');
      t1 = performance.now();
      hashMs += t1 - t2;
      const fd = openSync(join(dir, path), 'wx');
      writeSync(fd, buf);
      closeSync(fd);
      t2 = performance.now();
      writeMs += t2 - t1;
      files++;
      bytes += buf.length;
    }
  }
  const wallMs = performance.now() - t0;
  rmSync(dir, { recursive: true, force: true });
  return { services: n, files, bytes, wallMs, fillMs, hashMs, writeMs };
}
