/**
 * Writing the output tree: deterministic, atomic (see txn.ts), with a manifest; pruning only what
 * meshc wrote before; never overwriting or deleting anything else. And `--check`: the same plan,
 * compared instead of written.
 * @module
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { DiagnosticBag } from '../diagnostics/bag.js';
import type { Diagnostic } from '../diagnostics/types.js';
import type { OutputFile } from '../target/types.js';
import { compareStrings } from '../util/strings.js';
import { OutputCodes } from './codes.js';
import { unifiedDiff } from './diff.js';
import { buildManifest, parseManifest, serializeManifest, sha256, type Manifest } from './manifest.js';
import { acquireLock } from './lock.js';
import { ancestors, isSafeOutputPath, LOCK_NAME, MANIFEST_NAME, TXN_DIR } from './paths.js';
import { applyJournal, flush, hasPendingJournal, recover, rollBack, txnPaths, writeJournal, writeNew, type DurabilityOptions, type Journal, type RecoveryAction, type TxnOp, SimulatedCrash } from './txn.js';

/** What the manifest records besides the files. */
export interface OutputMeta {
  /** sha256 of the input (CompileResult.inputHash). */
  inputHash: string;
  /** The meshc version. */
  meshcVersion: string;
}

/** Options of {@link writeOutput} and {@link checkOutput}. */
export interface WriteOptions extends DurabilityOptions {
  /** How to show the output directory in messages and diffs (default: as given). */
  displayOut?: string;
}

/** What a write did. */
export interface WriteResult {
  /** Problems (errors mean nothing was changed). */
  diagnostics: Diagnostic[];
  /** Files created, replaced, removed and left as they were (the manifest not counted). */
  created: string[];
  replaced: string[];
  removed: string[];
  unchanged: string[];
  /** What recovery of an earlier interrupted write did first. */
  recovery: RecoveryAction;
}

/** What `--check` found. */
export interface CheckResult {
  /** Stale, missing and extra files as MC5010 errors, and any blocker (foreign file, bad manifest). */
  diagnostics: Diagnostic[];
  /** Whether the tree on disk differs from what a build would write. */
  stale: boolean;
  /** A unified diff (paths as `displayOut/path`) from the tree on disk to what a build would write. */
  diff: string;
}

/** A file as found on disk. */
type Found = { kind: 'missing' } | { kind: 'file'; bytes: Buffer } | { kind: 'other'; what: string };

function describe(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function look(path: string, read: boolean): Found {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return { kind: 'missing' };
    throw err;
  }
  if (!st.isFile()) return { kind: 'other', what: describe(st) };
  return { kind: 'file', bytes: read ? readFileSync(path) : Buffer.alloc(0) };
}

/** The plan of a write: what changes, and what is in the way. */
interface Plan {
  ops: TxnOp[];
  createdDirs: string[];
  prunedDirs: string[];
  unchanged: string[];
  manifest: Manifest;
  manifestText: string;
  prevManifestText: string | undefined;
  prevManifest: Manifest | undefined;
  /** Old owned files no longer emitted, with their content (for --check diffs). */
  removed: Map<string, Buffer>;
  /** Current contents of files to be replaced (for --check diffs). */
  current: Map<string, Buffer>;
}

/** Validates a target's file set; a bad path or a clash is a meshc bug (throws). */
function validateFiles(files: readonly OutputFile[]): OutputFile[] {
  const sorted = [...files].sort((a, b) => compareStrings(a.path, b.path));
  const paths = new Set<string>();
  for (const f of sorted) {
    if (!isSafeOutputPath(f.path)) throw new Error(`meshc bug: a target emitted an unsafe output path ${JSON.stringify(f.path)}`);
    if (paths.has(f.path)) throw new Error(`meshc bug: two output files at ${f.path}`);
    paths.add(f.path);
  }
  for (const f of sorted) {
    for (const a of ancestors(f.path)) {
      if (paths.has(a)) throw new Error(`meshc bug: output path ${a} is both a file and a directory`);
    }
  }
  return sorted;
}

/**
 * Works out what a write would do, reading the tree but changing nothing. Reports blockers (a
 * foreign file, something in the way, a bad manifest) into `bag`.
 */
function plan(outDir: string, files: readonly OutputFile[], meta: OutputMeta, shown: (p: string) => string, bag: DiagnosticBag, forCheck: boolean, validated?: OutputFile[]): Plan | undefined {
  const sorted = validated ?? validateFiles(files);
  const manifest = buildManifest(sorted, meta);
  const manifestText = serializeManifest(manifest);
  const manifestPath = join(outDir, MANIFEST_NAME);
  let prevManifest: Manifest | undefined;
  let prevManifestText: string | undefined;
  const mf = look(manifestPath, true);
  if (mf.kind === 'file') {
    prevManifestText = mf.bytes.toString('utf8');
    const parsed = parseManifest(prevManifestText);
    if ('error' in parsed) {
      bag.report(OutputCodes.InvalidManifest, undefined, { path: shown(MANIFEST_NAME), reason: parsed.error });
      return undefined;
    }
    prevManifest = parsed.manifest;
  } else if (mf.kind === 'other') {
    bag.report(OutputCodes.PathBlocked, undefined, { path: shown(MANIFEST_NAME), reason: `${mf.what} is in the way` });
    return undefined;
  }
  const owned = new Set((prevManifest?.files ?? []).map((f) => f.path));
  const emitted = new Set(sorted.map((f) => f.path));
  const neededDirs = new Set(sorted.flatMap((f) => ancestors(f.path)));

  // Directories: what exists, as what. Memoised: linear in the number of paths.
  const dirState = new Map<string, 'dir' | 'missing' | { what: string; ownedFile: boolean }>();
  const dirOf = (rel: string) => {
    let s = dirState.get(rel);
    if (s === undefined) {
      const f = look(join(outDir, rel), false);
      s = f.kind === 'missing' ? 'missing' : f.kind === 'other' && f.what === 'a directory' ? 'dir' : { what: f.kind === 'file' ? 'a file' : f.what, ownedFile: f.kind === 'file' && owned.has(rel) };
      dirState.set(rel, s);
    }
    return s;
  };

  const ops: TxnOp[] = [];
  const removed = new Map<string, Buffer>();
  const prunedCandidates = new Set<string>();
  // Old files no longer emitted: removed when still ours, else dropped from the manifest.
  for (const e of prevManifest?.files ?? []) {
    if (emitted.has(e.path)) continue;
    let blocked: string | undefined;
    for (const a of ancestors(e.path)) {
      const s = dirOf(a);
      if (s === 'missing') {
        blocked = 'gone';
        break;
      }
      if (s !== 'dir') {
        blocked = `${shown(a)} is now ${s.what}`;
        break;
      }
    }
    if (blocked === 'gone') continue;
    if (blocked) {
      bag.report(OutputCodes.NotPruned, undefined, { path: shown(e.path), reason: blocked });
      continue;
    }
    const f = look(join(outDir, e.path), forCheck);
    if (f.kind === 'missing') continue;
    if (f.kind === 'other') {
      if (!(f.what === 'a directory' && neededDirs.has(e.path))) bag.report(OutputCodes.NotPruned, undefined, { path: shown(e.path), reason: `it is now ${f.what}` });
      continue;
    }
    ops.push({ op: 'delete', path: e.path });
    removed.set(e.path, f.bytes);
    for (const a of ancestors(e.path)) if (!neededDirs.has(a)) prunedCandidates.add(a);
  }
  const deleting = new Set(ops.map((o) => o.path));

  const createdDirs = new Set<string>();
  const unchanged: string[] = [];
  const current = new Map<string, Buffer>();
  let blockedCount = 0;
  for (const f of sorted) {
    let ok = true;
    let parentMissing = false;
    for (const a of ancestors(f.path)) {
      if (parentMissing) {
        createdDirs.add(a);
        continue;
      }
      const s = dirOf(a);
      if (s === 'dir') continue;
      if (s === 'missing' || (s.ownedFile && deleting.has(a))) {
        createdDirs.add(a);
        parentMissing = true;
        continue;
      }
      bag.report(OutputCodes.PathBlocked, undefined, { path: shown(f.path), reason: `${shown(a)} is ${s.what}, not a directory` });
      ok = false;
      break;
    }
    if (!ok) {
      blockedCount++;
      continue;
    }
    if (parentMissing) {
      ops.push({ op: 'create', path: f.path });
      continue;
    }
    const found = look(join(outDir, f.path), true);
    const want = Buffer.from(f.content, 'utf8');
    if (found.kind === 'missing' || (found.kind === 'other' && found.what === 'a directory' && prunedCandidates.has(f.path) && onlyDeleted(join(outDir, f.path), f.path, deleting))) {
      // (A directory that holds nothing but files being removed is pruned before creations.)
      ops.push({ op: 'create', path: f.path });
    } else if (found.kind === 'other') {
      bag.report(OutputCodes.PathBlocked, undefined, { path: shown(f.path), reason: `${found.what} is in the way` });
      blockedCount++;
    } else if (found.bytes.equals(want)) {
      unchanged.push(f.path); // ours, or identical and adopted
    } else if (owned.has(f.path)) {
      ops.push({ op: 'replace', path: f.path });
      current.set(f.path, found.bytes);
    } else {
      bag.report(OutputCodes.ForeignFile, undefined, { path: shown(f.path), manifest: shown(MANIFEST_NAME) });
      current.set(f.path, found.bytes);
      blockedCount++;
    }
  }
  if (blockedCount > 0 && !forCheck) return undefined;
  const pruned = [...prunedCandidates].sort((a, b) => b.split('/').length - a.split('/').length || compareStrings(a, b));
  const sortedOps = [...ops.filter((o) => o.op === 'delete'), ...ops.filter((o) => o.op !== 'delete')];
  return {
    ops: sortedOps,
    createdDirs: [...createdDirs].sort((a, b) => a.split('/').length - b.split('/').length || compareStrings(a, b)),
    prunedDirs: pruned,
    unchanged,
    manifest,
    manifestText,
    prevManifestText,
    prevManifest,
    removed,
    current,
  };
}

/** Whether a directory holds only (directories and) files that are being removed. */
function onlyDeleted(abs: string, rel: string, deleting: ReadonlySet<string>): boolean {
  for (const e of readdirSync(abs, { withFileTypes: true })) {
    const r = `${rel}/${e.name}`;
    if (e.isDirectory()) {
      if (!onlyDeleted(join(abs, e.name), r, deleting)) return false;
    } else if (!(e.isFile() && deleting.has(r))) return false;
  }
  return true;
}

function osReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOSPC: 'no space left on device',
    EROFS: 'read-only file system',
    EDQUOT: 'disk quota exceeded',
    EXDEV: 'a mount point inside the output directory',
    ENOTDIR: 'a path component is not a directory',
    EISDIR: 'a directory is in the way',
    EMFILE: 'too many open files',
  };
  return (e?.code && known[e.code]) ?? e?.code ?? String((e as Error)?.message ?? e);
}

function shower(outDir: string, opts: WriteOptions): (p: string) => string {
  const base = (opts.displayOut ?? outDir).replace(/\\/g, '/').replace(/\/+$/, '');
  return (p) => (base === '' || base === '.' ? p : `${base}/${p}`);
}

/**
 * Completes or rolls back an interrupted write in `outDir` (see txn.ts), under the directory's
 * lock. A note (MC5008) says what was done; an error when the directory is locked or the journal
 * is damaged. Nothing happens when there is nothing to recover.
 */
export function recoverOutput(outDir: string, opts: WriteOptions = {}): { diagnostics: Diagnostic[]; recovery: RecoveryAction } {
  const bag = new DiagnosticBag();
  const out = opts.displayOut ?? outDir;
  if (look(join(outDir, TXN_DIR), false).kind === 'missing') return { diagnostics: [], recovery: 'none' };
  const got = acquireLock(outDir);
  if ('heldBy' in got) {
    bag.report(OutputCodes.Locked, undefined, { pid: got.heldBy || '?', out, lock: shower(outDir, opts)(LOCK_NAME) });
    return { diagnostics: bag.items, recovery: 'none' };
  }
  try {
    const recovery = recoverLocked(outDir, opts, bag);
    return { diagnostics: bag.items, recovery };
  } finally {
    got.lock.release();
  }
}

function recoverLocked(outDir: string, opts: WriteOptions, bag: DiagnosticBag): RecoveryAction {
  const out = opts.displayOut ?? outDir;
  let recovery: RecoveryAction;
  try {
    recovery = recover(outDir);
  } catch (err) {
    const reason = (err as Error).message === 'journal' ? `${shower(outDir, opts)(TXN_DIR)}/journal.json is damaged` : osReason(err);
    bag.report(OutputCodes.RecoveryFailed, undefined, { out, reason, txn: shower(outDir, opts)(TXN_DIR) });
    return 'none';
  }
  if (recovery === 'completed') bag.report(OutputCodes.Recovered, undefined, { out, action: 'it had committed; finished it' });
  if (recovery === 'rolled-back') bag.report(OutputCodes.Recovered, undefined, { out, action: 'rolled it back to the previous output' });
  return recovery;
}

/**
 * Writes `files` into `outDir` as one transaction, with `meshc-manifest.json`. First recovers an
 * interrupted earlier write. Files meshc wrote before (per the previous manifest) and no longer
 * emits are removed; a file meshc did not write is never overwritten (MC5002) or removed. On any
 * error the previous tree is left, or restored, exactly. Bad output paths are meshc bugs (throws).
 */
export function writeOutput(outDir: string, files: readonly OutputFile[], meta: OutputMeta, opts: WriteOptions = {}): WriteResult {
  const bag = new DiagnosticBag();
  const durable = opts.durable ?? true;
  const step = opts.onStep ?? (() => {});
  const shown = shower(outDir, opts);
  const out = opts.displayOut ?? outDir;
  const result: WriteResult = { diagnostics: bag.items, created: [], replaced: [], removed: [], unchanged: [], recovery: 'none' };
  const validated = validateFiles(files);
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (err) {
    bag.report(OutputCodes.WriteFailed, undefined, { out, reason: osReason(err) });
    return result;
  }
  const got = acquireLock(outDir);
  if ('heldBy' in got) {
    bag.report(OutputCodes.Locked, undefined, { pid: got.heldBy || '?', out, lock: shown(LOCK_NAME) });
    return result;
  }
  try {
    result.recovery = recoverLocked(outDir, opts, bag);
    if (bag.hasErrors) return result;
    const p = plan(outDir, files, meta, shown, bag, false, validated);
    if (!p || bag.hasErrors) return result;
    const paths = txnPaths(outDir);
    const manifestChanged = p.prevManifestText !== p.manifestText;
    if (p.ops.length === 0 && !manifestChanged) {
      result.unchanged = p.unchanged;
      return result;
    }
    const byPath = new Map(files.map((f) => [f.path, f.content]));
    // 1. Stage.
    try {
      rmSync(paths.txn, { recursive: true, force: true });
      mkdirSync(paths.newDir, { recursive: true });
      const made = new Set<string>();
      const staged: string[] = [];
      for (const op of p.ops) {
        if (op.op !== 'delete') {
          step(`stage ${op.path}`);
          const at = join(paths.newDir, op.path);
          writeNew(at, byPath.get(op.path)!, false, made);
          staged.push(at);
        }
      }
      step('stage manifest');
      writeNew(paths.manifest, p.manifestText, false);
      // Everything staged reaches the disk before the journal says to use it.
      if (durable) flush(outDir, [...staged, paths.manifest], [...made, paths.txn]);
    } catch (err) {
      if (err instanceof SimulatedCrash) throw err;
      rmSync(paths.txn, { recursive: true, force: true });
      bag.report(OutputCodes.WriteFailed, undefined, { out, reason: osReason(err) });
      return result;
    }
    // 2. Journal, 3–5. apply and commit; roll back on failure.
    const journal: Journal = {
      version: 1,
      prevManifestSha256: p.prevManifestText === undefined ? null : sha256(p.prevManifestText),
      newManifestSha256: sha256(p.manifestText),
      ops: p.ops,
      createdDirs: p.createdDirs,
      prunedDirs: p.prunedDirs,
    };
    try {
      step('journal');
      writeJournal(outDir, journal, durable);
      applyJournal(outDir, journal, opts);
    } catch (err) {
      if (err instanceof SimulatedCrash) throw err;
      try {
        if (hasPendingJournal(outDir)) rollBack(outDir, journal);
        else rmSync(paths.txn, { recursive: true, force: true });
      } catch (err2) {
        bag.report(OutputCodes.RecoveryFailed, undefined, { out, reason: osReason(err2), txn: shown(TXN_DIR) });
        return result;
      }
      bag.report(OutputCodes.WriteFailed, undefined, { out, reason: osReason(err) });
      return result;
    }
    for (const op of p.ops) (op.op === 'create' ? result.created : op.op === 'replace' ? result.replaced : result.removed).push(op.path);
    result.unchanged = p.unchanged;
    return result;
  } finally {
    got.lock.release();
  }
}

/**
 * `meshc build --check`: compares what a write would produce with the tree on disk, writing
 * nothing. Stale, missing and no-longer-emitted files (and the manifest) are MC5010 errors with a
 * unified diff; an interrupted write (MC5009), a foreign file in the way (MC5002) or a bad manifest
 * (MC5004) are errors too.
 */
export function checkOutput(outDir: string, files: readonly OutputFile[], meta: OutputMeta, opts: WriteOptions = {}): CheckResult {
  const bag = new DiagnosticBag();
  const shown = shower(outDir, opts);
  const out = opts.displayOut ?? outDir;
  if (hasPendingJournal(outDir)) {
    bag.report(OutputCodes.Interrupted, undefined, { out });
    return { diagnostics: bag.items, stale: true, diff: '' };
  }
  const p = plan(outDir, files, meta, shown, bag, true);
  if (!p) return { diagnostics: bag.items, stale: true, diff: '' };
  const byPath = new Map(files.map((f) => [f.path, f.content]));
  // One entry per differing path, in path order: [path, old text | undefined, new text | undefined].
  const changes: [string, string | undefined, string | undefined][] = [];
  for (const op of p.ops) {
    if (op.op === 'delete') changes.push([op.path, p.removed.get(op.path)!.toString('utf8'), undefined]);
    else if (op.op === 'create') changes.push([op.path, undefined, byPath.get(op.path)!]);
    else changes.push([op.path, p.current.get(op.path)!.toString('utf8'), byPath.get(op.path)!]);
  }
  // Foreign files in the way were reported by plan(); show what the build would want there too.
  for (const [path, cur] of p.current) {
    if (!p.ops.some((o) => o.path === path)) changes.push([path, cur.toString('utf8'), byPath.get(path)!]);
  }
  if (p.prevManifestText !== p.manifestText) changes.push([MANIFEST_NAME, p.prevManifestText, p.manifestText]);
  changes.sort((a, b) => compareStrings(a[0], b[0]));
  let diff = '';
  for (const [path, before, after] of changes) {
    const what = before === undefined ? 'missing' : after === undefined ? 'no longer emitted (a build would remove it)' : 'content differs';
    if (!p.current.has(path) || p.ops.some((o) => o.path === path)) bag.report(OutputCodes.Stale, undefined, { path: shown(path), what });
    diff += unifiedDiff(shown(path), before, after);
  }
  return { diagnostics: bag.items, stale: changes.length > 0 || bag.hasErrors, diff };
}
