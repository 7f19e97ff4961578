/**
 * Names meshc reserves in an output directory, the rule for output paths, and the refusal of
 * dangerous `--out` directories.
 * @module
 */
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { within } from '../util/paths.js';
import { compareStrings } from '../util/strings.js';

/** The manifest at the root of the output directory: what meshc wrote. */
export const MANIFEST_NAME = 'meshc-manifest.json';
/** The transaction directory of a write in progress (or interrupted). */
export const TXN_DIR = '.meshc-txn';
/** The lock file held while a build writes. */
export const LOCK_NAME = '.meshc-lock';

/**
 * Whether `p` is a path meshc may write below its output root: relative, posix, only
 * `[A-Za-z0-9._/-]`, no empty, `.` or `..` segment, not the manifest, not under a `.meshc*` name.
 * Paths from targets must pass (else it is a meshc bug); paths from a manifest on disk must pass
 * (else the manifest is refused), so that no manifest can make meshc touch a file outside `--out`.
 */
export function isSafeOutputPath(p: string): boolean {
  if (p.length === 0 || p.length > 1024 || !/^[A-Za-z0-9._/-]+$/.test(p)) return false;
  const segs = p.split('/');
  if (segs.some((s) => s === '' || s === '.' || s === '..' || s.length > 255)) return false;
  if (segs[0]!.startsWith('.meshc')) return false;
  return p !== MANIFEST_NAME;
}

/** The parent directories of a relative path, outermost first (`a/b/c` → `a`, `a/b`). */
export function ancestors(p: string): string[] {
  const out: string[] = [];
  for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) out.push(p.slice(0, i));
  return out;
}

/** The absolute path with symbolic links resolved as far as the path exists. */
export function realish(p: string): string {
  let abs = resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return join(realpathSync(abs), ...rest.reverse());
    } catch {
      const parent = dirname(abs);
      if (parent === abs) return resolve(p);
      rest.push(basename(abs));
      abs = parent;
    }
  }
}

/**
 * Why `outDir` must not receive output for the input at `input` (a file or a directory), or
 * undefined when it may: it is `/`, the input directory, a directory containing the input, or an
 * existing non-directory. Symbolic links are resolved on both sides.
 */
export function unsafeOutDirReason(outDir: string, input: string): string | undefined {
  const out = realish(outDir);
  if (out === resolve('/') || dirname(out) === out) return 'it is the root directory';
  let inputRoot = realish(input);
  try {
    if (!statSync(inputRoot).isDirectory()) inputRoot = dirname(inputRoot);
  } catch {
    /* a missing input is reported by the loader */
  }
  if (out === inputRoot) return 'it is the input directory';
  if (within(inputRoot, out)) return 'it contains the input directory';
  let st: Stats;
  try {
    st = lstatSync(outDir);
  } catch {
    return undefined; // does not exist yet: fine
  }
  if (st.isSymbolicLink()) {
    let target: Stats;
    try {
      target = statSync(outDir);
    } catch {
      return `it is a symbolic link to ${readlinkSync(outDir)}, which does not exist`;
    }
    if (!target.isDirectory()) return 'it exists and is not a directory';
  } else if (!st.isDirectory()) return 'it exists and is not a directory';
  // Another mesh's directory (`meshc build staging -o prod`): the output would be mixed into it.
  // A meshc output tree (it has a manifest) is not looked into: the loader skips those.
  if (!existsSync(join(out, MANIFEST_NAME))) {
    const mesh = meshFileIn(out);
    if (mesh) return `it holds mesh files (${mesh})`;
  }
  return undefined;
}

/** A line `apiVersion: meshc/…` (the first one may follow a BOM, which the loader drops). */
const MESH_FILE_HEAD = /^\uFEFF?apiVersion:[ \t]*["']?meshc\//m;

/** At most this many directory entries are looked at for {@link meshFileIn}. */
const MESH_SCAN_ENTRIES = 10_000;

/**
 * A file of a mesh below `dir` — a `*.yaml` / `*.yml` file whose first 4 KiB declare
 * `apiVersion: meshc/…` — as a path relative to it, or undefined. Walks as the loader does (hidden
 * entries and `node_modules` skipped; a linked file is read, but, unlike the loader, a linked
 * directory is not walked), and gives up after {@link MESH_SCAN_ENTRIES} entries: a safety net for
 * a mistyped `--out`, not a proof.
 */
export function meshFileIn(dir: string): string | undefined {
  let seen = 0;
  const stack = [''];
  const head = Buffer.alloc(4096);
  while (stack.length > 0) {
    const rel = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) => compareStrings(a.name, b.name));
    } catch {
      continue;
    }
    const subdirs: string[] = [];
    for (const e of entries) {
      if (++seen > MESH_SCAN_ENTRIES) return undefined;
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        subdirs.push(r);
      } else if ((e.isFile() || e.isSymbolicLink()) && /\.ya?ml$/.test(e.name)) {
        let n = 0;
        try {
          const fd = openSync(join(dir, r), 'r');
          try {
            n = readSync(fd, head, 0, head.length, 0);
          } finally {
            closeSync(fd);
          }
        } catch {
          continue;
        }
        if (MESH_FILE_HEAD.test(head.toString('utf8', 0, n))) return r;
      }
    }
    // (Walked in order: a directory's files first, then its subdirectories by name.)
    for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]!);
  }
  return undefined;
}
