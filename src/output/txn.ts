/**
 * The write transaction: how a new output tree replaces the previous one so that a build killed at
 * any moment leaves a tree consistent with its manifest.
 *
 * Layout inside the output directory while a write is in progress:
 *
 * ```
 * .meshc-txn/new/<path>        staged new contents (only files that change)
 * .meshc-txn/manifest.json     the staged new manifest
 * .meshc-txn/journal.json      the plan; written (atomically) only once staging is complete
 * .meshc-txn/old/<path>        backups of replaced and removed files
 * .meshc-txn/committed         marker: the new manifest is in place
 * ```
 *
 * Protocol: (1) stage every changed file and the manifest under `.meshc-txn` — the live tree is
 * untouched; (2) write the journal (temp file, fsync, rename): from here on the live tree changes;
 * (3) apply: move removed files to `old/` and remove the directories this empties; for replaced files hard-link the live file to `old/`
 * then rename the new one over it (so the path never disappears); rename created files in (a
 * directory the write creates, with everything in it, in one rename);
 * (4) COMMIT POINT: rename the new manifest over `meshc-manifest.json`; (5) write `committed`,
 * remove the journal and the rest of `.meshc-txn`.
 *
 * Recovery (the next write, before anything else): no `.meshc-txn` → nothing to do; no journal →
 * the live tree was never touched: discard; journal and committed (marker present, or the live
 * manifest is the new one while the old one differed) → finish the clean-up; otherwise roll back:
 * undo creations and replacements, remove directories the write created, restore removed files,
 * so that the previous tree and manifest are exactly back. Rolling back is idempotent, so a kill
 * during recovery is recovered by the next run too.
 * @module
 */
import {
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { sha256 } from './manifest.js';
import { ancestors, isSafeOutputPath, MANIFEST_NAME, TXN_DIR } from './paths.js';

/** One change to the live tree. */
export interface TxnOp {
  op: 'create' | 'replace' | 'delete';
  /** Relative to the output root. */
  path: string;
}

/** The journal: the plan of one write. */
export interface Journal {
  version: 1;
  /** sha256 of the previous manifest's bytes, or null when there was none. */
  prevManifestSha256: string | null;
  /** sha256 of the new manifest's bytes. */
  newManifestSha256: string;
  /** Deletions first, then creations and replacements, each group sorted by path. */
  ops: TxnOp[];
  /** Directories the write creates, outermost first. */
  createdDirs: string[];
  /** Directories that become empty when files are removed and are then removed, innermost first. */
  prunedDirs: string[];
}

/** Where the transaction's parts are. */
export function txnPaths(outDir: string) {
  const txn = join(outDir, TXN_DIR);
  return {
    txn,
    newDir: join(txn, 'new'),
    oldDir: join(txn, 'old'),
    manifest: join(txn, 'manifest.json'),
    journal: join(txn, 'journal.json'),
    journalTmp: join(txn, 'journal.json.tmp'),
    committed: join(txn, 'committed'),
  };
}

/** Options of the file-system layer. */
export interface DurabilityOptions {
  /** fsync files and directories at each step, for power-loss safety (default true). */
  durable?: boolean;
  /**
   * For tests: called before every change to the file system during a write; throwing
   * {@link SimulatedCrash} from it stops the write on the spot, as a kill would.
   */
  onStep?: (step: string) => void;
}

/** Thrown by a test's `onStep` to stop a write as if the process had been killed (no roll-back). */
export class SimulatedCrash extends Error {
  constructor(step: string) {
    super(`simulated crash before ${step}`);
    this.name = 'SimulatedCrash';
  }
}

function fsyncPath(path: string, dir: boolean): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, dir ? 'r' : 'r+');
    fsyncSync(fd);
  } catch {
    /* some file systems cannot fsync a directory: best effort */
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Flushes files and directories to stable storage: one `sync -f` (syncfs(2), Linux coreutils) of
 * the file system holding `root` when available, else an fsync of each path.
 */
export function flush(root: string, files: readonly string[] | (() => readonly string[]), dirs: readonly string[]): void {
  const r = spawnSync('sync', ['-f', root], { stdio: 'ignore', timeout: 120_000 });
  if (r.status === 0) return;
  for (const f of typeof files === 'function' ? files() : files) fsyncPath(f, false);
  for (const d of dirs) fsyncPath(d, true);
}

/** Writes a file exclusively (it must not exist), optionally fsynced; `dirs` caches directories known to exist. */
export function writeNew(path: string, content: string | Uint8Array, durable: boolean, dirs?: Set<string>): void {
  const dir = dirname(path);
  if (!dirs?.has(dir)) {
    mkdirSync(dir, { recursive: true });
    dirs?.add(dir);
  }
  const fd = openSync(path, 'wx', 0o644);
  try {
    // A string is encoded by the write itself (no Buffer for the garbage collector to reclaim);
    // after a short write, the rest goes from a Buffer.
    let buf: Uint8Array | undefined = typeof content === 'string' ? undefined : content;
    let off = 0;
    if (buf === undefined) {
      const s = content as string;
      const wrote = writeSync(fd, s, null, 'utf8');
      if (wrote !== Buffer.byteLength(s, 'utf8')) {
        buf = Buffer.from(s, 'utf8');
        off = wrote;
      }
    }
    if (buf !== undefined) while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    if (durable) fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function unlinkIfExists(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function rmdirIfEmpty(path: string): void {
  try {
    rmdirSync(path);
  } catch {
    /* not empty, or gone */
  }
}

/** Writes the journal atomically: from then on the write will change the live tree. */
export function writeJournal(outDir: string, journal: Journal, durable: boolean): void {
  const p = txnPaths(outDir);
  unlinkIfExists(p.journalTmp);
  writeNew(p.journalTmp, JSON.stringify(journal) + '\n', durable);
  renameSync(p.journalTmp, p.journal);
  if (durable) fsyncPath(p.txn, true);
}

/** Applies a journal to the live tree and commits (steps 3–5). Throws on an I/O error; roll back then. */
export function applyJournal(outDir: string, journal: Journal, opts: DurabilityOptions = {}): void {
  const durable = opts.durable ?? true;
  const step = opts.onStep ?? (() => {});
  const p = txnPaths(outDir);
  const live = (rel: string) => join(outDir, rel);
  const touched = new Set<string>([outDir]);
  const made = new Set<string>();
  const mkdirp = (dir: string) => {
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
  };
  // Removals first (a removed file may be where a new directory goes), then empty directories.
  for (const op of journal.ops) {
    if (op.op !== 'delete') continue;
    const backup = join(p.oldDir, op.path);
    touched.add(dirname(live(op.path)));
    mkdirp(dirname(backup));
    step(`delete ${op.path}`);
    renameSync(live(op.path), backup);
  }
  for (const dir of journal.prunedDirs) {
    step(`prune ${dir}`);
    rmdirIfEmpty(live(dir));
  }
  // A directory the write creates arrives whole: its files were all staged below the same path in
  // new/, so one rename moves them (the live tree passes through no state a file-by-file move could
  // not reach, and roll-back undoes it the same way: staged file gone → remove the live one).
  const created = new Set(journal.createdDirs);
  const moved = new Set<string>();
  for (const op of journal.ops) {
    if (op.op === 'delete') continue;
    if (op.op === 'create') {
      const top = ancestors(op.path).find((a) => created.has(a));
      if (top !== undefined) {
        if (!moved.has(top)) {
          moved.add(top);
          touched.add(dirname(live(top)));
          step(`create ${top}/`);
          renameSync(join(p.newDir, top), live(top));
        }
        continue;
      }
    }
    const target = live(op.path);
    touched.add(dirname(target));
    if (op.op === 'replace') {
      const backup = join(p.oldDir, op.path);
      mkdirp(dirname(backup));
      step(`backup ${op.path}`);
      try {
        linkSync(target, backup);
      } catch {
        // No hard links here: copy, then rename, so that a backup is never partial.
        copyFileSync(target, backup + '.tmp');
        if (durable) fsyncPath(backup + '.tmp', false);
        renameSync(backup + '.tmp', backup);
      }
      step(`replace ${op.path}`);
      renameSync(join(p.newDir, op.path), target);
    } else {
      for (const dir of ancestors(op.path)) {
        if (!made.has(live(dir)) && !exists(live(dir))) {
          step(`mkdir ${dir}`);
          mkdirSync(live(dir));
        }
        made.add(live(dir));
      }
      step(`create ${op.path}`);
      renameSync(join(p.newDir, op.path), target);
    }
  }
  if (durable) flush(outDir, [], [p.oldDir, ...[...touched].sort().reverse()]);
  // The commit point.
  step('commit');
  renameSync(p.manifest, live(MANIFEST_NAME));
  if (durable) fsyncPath(outDir, true);
  cleanUp(outDir, step);
}

/** After the commit point: marks it and removes the transaction directory, journal before marker. */
function cleanUp(outDir: string, step: (s: string) => void = () => {}): void {
  const p = txnPaths(outDir);
  step('mark committed');
  if (!exists(p.committed)) writeNew(p.committed, '', false);
  step('remove backups');
  rmSync(p.oldDir, { recursive: true, force: true });
  rmSync(p.newDir, { recursive: true, force: true });
  unlinkIfExists(p.manifest);
  unlinkIfExists(p.journalTmp);
  step('remove journal');
  unlinkIfExists(p.journal);
  step('remove marker');
  unlinkIfExists(p.committed);
  rmSync(p.txn, { recursive: true, force: true });
}

/**
 * Undoes an applied (or partly applied) journal: the previous tree and manifest come back exactly.
 * Idempotent: safe to repeat after being interrupted itself. It undoes every step it can before it
 * throws the first error it met (the journal then stays, for the next run to finish the job), so
 * that one file it cannot restore does not leave the others new.
 */
export function rollBack(outDir: string, journal: Journal): void {
  const p = txnPaths(outDir);
  const live = (rel: string) => join(outDir, rel);
  let failure: { err: unknown } | undefined;
  const attempt = (undo: () => void) => {
    try {
      undo();
    } catch (err) {
      failure ??= { err };
    }
  };
  const writes = journal.ops.filter((o) => o.op !== 'delete').reverse();
  for (const op of writes) {
    const target = live(op.path);
    const backup = join(p.oldDir, op.path);
    const staged = join(p.newDir, op.path);
    attempt(() => {
      if (op.op === 'replace') {
        // No backup: the live file was never touched. A backup while the new file is still staged:
        // the live file is still the old one (the new one never went in), so the backup goes.
        // Otherwise the live file is the new one: the backup goes back in its place.
        if (!exists(backup)) return;
        if (exists(staged)) unlinkSync(backup);
        else restore(backup, target);
      } else if (!exists(staged)) {
        // The staged file is gone, so it was renamed in: remove it.
        unlinkIfExists(target);
      }
    });
  }
  for (const dir of [...journal.createdDirs].reverse()) attempt(() => rmdirIfEmpty(live(dir)));
  for (const op of journal.ops.filter((o) => o.op === 'delete')) {
    const backup = join(p.oldDir, op.path);
    attempt(() => {
      if (!exists(backup)) return;
      for (const dir of ancestors(op.path)) {
        if (!exists(live(dir))) mkdirSync(live(dir));
      }
      restore(backup, live(op.path));
    });
  }
  if (failure) throw failure.err;
  // The journal goes first: without it, what remains is only staging and is discarded.
  unlinkIfExists(p.journal);
  rmSync(p.txn, { recursive: true, force: true });
}

/**
 * Puts a backup back at its path: a rename, or — where a rename cannot reach the path (another
 * file system mounted below the output directory: EXDEV; a file that is itself a mount point:
 * EBUSY) — a copy of its content into the file, then the backup's removal (a copy cut short is
 * done again by the next run: the backup is still there).
 */
function restore(backup: string, target: string): void {
  try {
    renameSync(backup, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EBUSY') throw err;
    copyFileSync(backup, target);
    unlinkSync(backup);
  }
}

/** Parses a journal, refusing any path that is not a safe output path. */
export function parseJournal(text: string): Journal | undefined {
  try {
    const j = JSON.parse(text) as Journal;
    const okPath = (s: unknown) => typeof s === 'string' && isSafeOutputPath(s);
    if (j.version !== 1 || !Array.isArray(j.ops) || !Array.isArray(j.createdDirs) || !Array.isArray(j.prunedDirs)) return undefined;
    if (typeof j.newManifestSha256 !== 'string') return undefined;
    if (!j.ops.every((o) => o && ['create', 'replace', 'delete'].includes(o.op) && okPath(o.path))) return undefined;
    if (!j.createdDirs.every(okPath) || !j.prunedDirs.every(okPath)) return undefined;
    return j;
  } catch {
    return undefined;
  }
}

/** What recovery did. */
export type RecoveryAction = 'none' | 'discarded' | 'completed' | 'rolled-back';

/**
 * Brings an output directory back to a consistent state after an interrupted write (see the module
 * comment). Throws `Error('journal')` when the journal is damaged; other I/O errors propagate.
 */
export function recover(outDir: string): RecoveryAction {
  const p = txnPaths(outDir);
  if (!exists(p.txn)) return 'none';
  if (!exists(p.journal)) {
    rmSync(p.txn, { recursive: true, force: true });
    return 'discarded';
  }
  const journal = parseJournal(readFileSync(p.journal, 'utf8'));
  if (!journal) throw new Error('journal');
  let liveSha: string | null = null;
  try {
    liveSha = sha256(readFileSync(join(outDir, MANIFEST_NAME)));
  } catch {
    liveSha = null;
  }
  const committed = existsSync(p.committed) || (liveSha === journal.newManifestSha256 && journal.prevManifestSha256 !== journal.newManifestSha256);
  if (committed) {
    cleanUp(outDir);
    return 'completed';
  }
  rollBack(outDir, journal);
  return 'rolled-back';
}

/** Whether an output directory holds an unfinished write that changed (or may have changed) the live tree. */
export function hasPendingJournal(outDir: string): boolean {
  return exists(txnPaths(outDir).journal);
}
