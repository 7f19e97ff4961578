/**
 * Writing the output tree: deterministic, atomic (see txn.ts), with a manifest; pruning only what
 * meshc wrote before; never overwriting or deleting anything else. And `--check`: the same plan,
 * compared instead of written.
 * @module
 */
import { closeSync, existsSync, lstatSync, openSync, readSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { DiagnosticBag } from '../diagnostics/bag.js';
import type { Diagnostic, DiagnosticInfo } from '../diagnostics/types.js';
import type { OutputFile } from '../target/types.js';
import { compareStrings } from '../util/strings.js';
import { startWorker } from '../util/worker.js';
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
  /**
   * {@link beginOutput}: plan, hash and stage the added files on a worker thread, so that writing
   * overlaps whatever the caller does between `add`s (`meshc build` emits the next files);
   * {@link OutputCheck}: compare them there. The worker also reads the previous manifest. The
   * result is the same as in this thread. Used only where it can be: not with `onStep`, and not
   * when meshc runs from its TypeScript sources (the worker is compiled JavaScript).
   * {@link writeOutput} and {@link checkOutput} do not use it.
   * @default false
   */
  background?: boolean;
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
  /**
   * CPU milliseconds the background stager's thread used ({@link WriteOptions.background}), where
   * the system tells a thread's own time (Linux); for the benchmark.
   */
  backgroundCpuMs?: number;
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
type Found = { kind: 'missing' } | { kind: 'file'; bytes: Buffer; size: number } | { kind: 'other'; what: string };

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
  return { kind: 'file', bytes: read ? readFileSync(path) : Buffer.alloc(0), size: st.size };
}

/** Buffers reused per file: its text encoded (see {@link encode}), and a file read for comparison. */
let encoded: Buffer = Buffer.allocUnsafeSlow(1 << 16);
let scratch: Buffer = Buffer.allocUnsafeSlow(1 << 16);

const grown = (b: Buffer, n: number): Buffer => (b.length >= n ? b : Buffer.allocUnsafeSlow(Math.max(n, b.length * 2)));

/**
 * A file's text as UTF-8, in a buffer reused for the next file: valid until the next call. Each
 * file is encoded once, then hashed, compared and written from these bytes.
 */
function encode(content: string): Buffer {
  // At most 3 bytes per UTF-16 code unit.
  if (encoded.length < content.length * 3) encoded = grown(encoded, content.length * 3);
  return encoded.subarray(0, encoded.write(content, 0, 'utf8'));
}

/**
 * Whether the regular file at `path`, `size` bytes when it was looked at, holds exactly `want`.
 * Nothing is kept or allocated per file, and a file of another size is not opened: a rebuild
 * compares its whole output with what is on disk.
 */
function sameBytes(path: string, size: number, want: Uint8Array): boolean {
  if (size !== want.length) return false;
  const fd = openSync(path, 'r');
  try {
    scratch = grown(scratch, want.length + 1);
    let got = 0;
    // One byte more than expected is asked for: a file that grew since it was looked at is not the same.
    for (let n; got <= want.length && (n = readSync(fd, scratch, got, want.length + 1 - got, null)) > 0; ) got += n;
    return got === want.length && scratch.subarray(0, got).equals(want);
  } finally {
    closeSync(fd);
  }
}

/**
 * How much unified diff (UTF-16 code units) `--check` makes before it stops making more: the
 * file that crosses it is shown whole, the differing files after it are only counted (MC5012). A
 * namespace renamed at 10,000 services changes 120,000 files: their whole diff would not fit in
 * a string.
 */
export const CHECK_DIFF_CHARS = 32 << 20;

/** A file's decision, made as it arrives. */
type FileOp = 'create' | 'replace' | 'unchanged' | 'blocked';

/**
 * The plan of a write or a `--check`, built one file at a time ({@link Planner.add}) and completed
 * by {@link Planner.finish}: what changes, and what is in the way. In a write, each file that
 * changes is staged under `.meshc-txn/new/` as it arrives and its text is let go, so that a build
 * need not hold its whole output in memory; a check makes the diff of each file that differs as
 * it arrives, and keeps the diffs (up to {@link CHECK_DIFF_CHARS}), not the texts.
 */
export class Planner {
  /** The previous manifest's files: path → sha256 of what meshc wrote there. */
  private readonly owned: Map<string, string>;
  /** Every emitted path, and every directory above one (for file/directory clashes). */
  private readonly paths = new Set<string>();
  private readonly dirs = new Set<string>();
  /** Manifest entries, in arrival order. */
  private readonly entries: { path: string; sha256: string }[] = [];
  /** Directories: what exists, as what. Memoised: linear in the number of paths. */
  private readonly dirState = new Map<string, 'dir' | 'missing' | { what: string; ownedFile: boolean }>();
  readonly ops: TxnOp[] = [];
  readonly createdDirs = new Set<string>();
  readonly unchanged: string[] = [];
  /**
   * --check: the unified diff of each differing file, made as it is found until the diffs reach
   * {@link CHECK_DIFF_CHARS} (then only counted in {@link omitted}): a check of a tree where every
   * file differs keeps no texts, and diffs only up to about that much.
   */
  readonly diffs = new Map<string, string>();
  private diffChars = 0;
  /** --check: how many differing files' diffs were left out. */
  omitted = 0;
  /** Blockers of files, by path: reported after those of removals, in path order (in {@link finish}). */
  private readonly fileProblems: [string, DiagnosticInfo, Record<string, string>][] = [];
  blocked = 0;

  constructor(
    private readonly outDir: string,
    readonly prevManifest: Manifest | undefined,
    readonly prevManifestText: string | undefined,
    private readonly shown: (p: string) => string,
    private readonly forCheck: boolean,
    /** Stages a changed file from its bytes (valid only during the call). */
    private readonly stage?: (path: string, bytes: Uint8Array) => void,
  ) {
    this.owned = new Map((prevManifest?.files ?? []).map((f) => [f.path, f.sha256]));
  }

  private dirOf(rel: string) {
    let s = this.dirState.get(rel);
    if (s === undefined) {
      const f = look(join(this.outDir, rel), false);
      s = f.kind === 'missing' ? 'missing' : f.kind === 'other' && f.what === 'a directory' ? 'dir' : { what: f.kind === 'file' ? 'a file' : f.what, ownedFile: f.kind === 'file' && this.ownsAsWritten(rel) };
      this.dirState.set(rel, s);
    }
    return s;
  }

  /**
   * Whether a file on disk is meshc's as it wrote it: listed in the previous manifest, with that
   * content (its sha256). Only such a file is removed when it is no longer emitted ({@link finish}),
   * so only such a file may stand where a directory or a file now goes.
   */
  private ownsAsWritten(rel: string): boolean {
    const written = this.owned.get(rel);
    if (written === undefined) return false;
    try {
      return sha256(readFileSync(join(this.outDir, rel))) === written;
    } catch {
      return false;
    }
  }

  /** Plans one emitted file (and stages it when it changes). A bad path or a clash is a meshc bug (throws). */
  add(f: OutputFile): void {
    this.addBytes(f.path, encode(f.content), f.content);
  }

  /**
   * Plans one file from its UTF-8 bytes (valid only during the call: the background stager's
   * ring). `content`, its text, is needed only by a `--check` plan (its diff).
   */
  addBytes(path: string, bytes: Uint8Array, content?: string): void {
    assertSafePath(path);
    if (this.paths.has(path)) throw new Error(`meshc bug: two output files at ${path}`);
    if (this.dirs.has(path)) throw new Error(`meshc bug: output path ${path} is both a file and a directory`);
    const up = ancestors(path);
    for (const a of up) {
      if (this.paths.has(a)) throw new Error(`meshc bug: output path ${a} is both a file and a directory`);
      this.dirs.add(a);
    }
    this.paths.add(path);
    this.entries.push({ path, sha256: sha256(bytes) });
    const op = this.decide(path, bytes, up);
    if (op === 'create' || op === 'replace') {
      this.ops.push({ op, path });
      if (this.forCheck) {
        if (op === 'create' && this.wantDiff()) this.keepDiff(path, undefined, content ?? Buffer.from(bytes).toString('utf8'));
      } else if (this.blocked === 0 && this.stage) this.stage(path, bytes);
    } else if (op === 'unchanged') this.unchanged.push(path);
    else this.blocked++;
  }

  /**
   * --check: whether the diff of the next differing file is still made (the diffs have not reached
   * {@link CHECK_DIFF_CHARS}); if not, the file is counted as left out. Its texts are read only then.
   */
  wantDiff(): boolean {
    if (this.diffChars < CHECK_DIFF_CHARS) return true;
    this.omitted++;
    return false;
  }

  /** --check: makes and keeps the diff of a differing file (after {@link wantDiff}). */
  keepDiff(path: string, before: string | undefined, after: string | undefined): void {
    // Paths as shown, relative to where meshc ran; for an --out outside it (an absolute path, or
    // one through `..`), relative to --out (a patch cannot name paths outside the tree it is
    // applied to: apply it with `git -C OUT apply`).
    const shown = this.shown(path);
    const d = unifiedDiff(shown.startsWith('/') || shown.startsWith('../') ? path : shown, before, after);
    this.diffs.set(path, d);
    this.diffChars += d.length;
  }

  private problem(path: string, info: DiagnosticInfo, args: Record<string, string>): 'blocked' {
    this.fileProblems.push([path, info, args]);
    return 'blocked';
  }

  private decide(path: string, bytes: Uint8Array, up: string[]): FileOp {
    const shown = this.shown;
    let parentMissing = false;
    for (const a of up) {
      if (parentMissing) {
        this.createdDirs.add(a);
        continue;
      }
      const s = this.dirOf(a);
      if (s === 'dir') continue;
      // A file of ours where a directory must now be: it is no longer emitted (a path cannot be
      // both), so it is removed first.
      if (s === 'missing' || s.ownedFile) {
        this.createdDirs.add(a);
        parentMissing = true;
        continue;
      }
      return this.problem(path, OutputCodes.PathBlocked, { path: shown(path), reason: `${shown(a)} is ${s.what}, not a directory` });
    }
    if (parentMissing) return 'create';
    const found = look(join(this.outDir, path), false);
    // A directory that holds nothing but files of ours (no longer emitted: a path cannot be both a
    // file and a directory) is pruned before creations.
    if (found.kind === 'missing' || (found.kind === 'other' && found.what === 'a directory' && onlyOwned(join(this.outDir, path), path, (r) => this.ownsAsWritten(r)))) return 'create';
    if (found.kind === 'other') return this.problem(path, OutputCodes.PathBlocked, { path: shown(path), reason: `${found.what} is in the way` });
    // Ours, or identical and adopted. A file that cannot be read cannot be told apart: it blocks.
    // --check diffs what is on disk (only where it differs); a write only compares it.
    let current: string | undefined;
    const abs = join(this.outDir, path);
    try {
      if (sameBytes(abs, found.size, bytes)) return 'unchanged';
      if (this.forCheck && this.wantDiff()) current = readFileSync(abs, 'utf8');
    } catch (err) {
      return this.problem(path, OutputCodes.PathBlocked, { path: shown(path), reason: `it cannot be read (${osReason(err)})` });
    }
    // (A file meshc did not write is diffed too; it is a blocker, reported, not stale.)
    if (current !== undefined) this.keepDiff(path, current, Buffer.from(bytes).toString('utf8'));
    if (this.owned.has(path)) return 'replace';
    return this.problem(path, OutputCodes.ForeignFile, { path: shown(path), manifest: shown(MANIFEST_NAME) });
  }

  /**
   * Completes the plan once every file was added: removals of old files of ours no longer emitted
   * (with their diff, for --check), directories that empties, the new manifest. Reports every
   * blocker into `bag` (removals first, then files in path order).
   */
  finish(meta: OutputMeta, bag: DiagnosticBag) {
    const shown = this.shown;
    const prunedCandidates = new Set<string>();
    const deletes: TxnOp[] = [];
    for (const e of this.prevManifest?.files ?? []) {
      if (this.paths.has(e.path)) continue;
      let blocked: string | undefined;
      for (const a of ancestors(e.path)) {
        const s = this.dirOf(a);
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
      const abs = join(this.outDir, e.path);
      const f = look(abs, false);
      if (f.kind === 'missing') continue;
      if (f.kind === 'other') {
        if (!(f.what === 'a directory' && this.dirs.has(e.path))) bag.report(OutputCodes.NotPruned, undefined, { path: shown(e.path), reason: `it is now ${f.what}` });
        continue;
      }
      // Only what meshc wrote is removed: a file changed since (by hand, or listed by a manifest
      // meshc did not write) is kept, and no longer claimed.
      let content: Buffer;
      try {
        content = readFileSync(abs);
      } catch (err) {
        bag.report(OutputCodes.NotPruned, undefined, { path: shown(e.path), reason: `it cannot be read (${osReason(err)})` });
        continue;
      }
      if (sha256(content) !== e.sha256) {
        bag.report(OutputCodes.NotPruned, undefined, { path: shown(e.path), reason: 'its content is not what meshc wrote (changed since?)' });
        continue;
      }
      deletes.push({ op: 'delete', path: e.path });
      if (this.forCheck && this.wantDiff()) this.keepDiff(e.path, content.toString('utf8'), undefined);
      for (const a of ancestors(e.path)) if (!this.dirs.has(a)) prunedCandidates.add(a);
    }
    // Files arrive in the targets' order (a streamed check or write); their problems are told in path order.
    this.fileProblems.sort((a, b) => compareStrings(a[0], b[0]));
    for (const [, info, args] of this.fileProblems) bag.report(info, undefined, args);
    const byPath = (a: { path: string }, b: { path: string }) => compareStrings(a.path, b.path);
    const manifest = buildManifest(this.entries, meta);
    const depth = (p: string) => p.split('/').length;
    return {
      ops: [...deletes.sort(byPath), ...this.ops.sort(byPath)],
      createdDirs: [...this.createdDirs].sort((a, b) => depth(a) - depth(b) || compareStrings(a, b)),
      prunedDirs: [...prunedCandidates].sort((a, b) => depth(b) - depth(a) || compareStrings(a, b)),
      manifest,
      manifestText: serializeManifest(manifest),
    };
  }
}

/** Throws on a path no target may emit: a meshc bug. */
function assertSafePath(path: string): void {
  if (!isSafeOutputPath(path)) throw new Error(`meshc bug: a target emitted an unsafe output path ${JSON.stringify(path)}`);
}

/**
 * Whether a directory is all meshc's: it holds only files that are meshc's as it wrote them
 * (`owned`) and directories that are themselves all meshc's, and at least one such file — so that removing those
 * files (the write removes the files it no longer emits, then the directories this empties) leaves
 * nothing. An empty directory is not meshc's (meshc removes the directories it empties).
 */
function onlyOwned(abs: string, rel: string, owned: (rel: string) => boolean): boolean {
  let any = false;
  for (const e of readdirSync(abs, { withFileTypes: true })) {
    const r = `${rel}/${e.name}`;
    if (e.isDirectory()) {
      if (!onlyOwned(join(abs, e.name), r, owned)) return false;
    } else if (!(e.isFile() && owned(r))) return false;
    any = true;
  }
  return any;
}

/** The previous manifest: its text and entries; none (`{}`) when there is no manifest file. */
export interface Previous {
  manifest?: Manifest;
  text?: string;
}

/**
 * Reads and parses the previous manifest; a bad one or something in its place is reported (and
 * gives undefined). With `read` false, only looks: `{ exists: true }` when a file is there (the
 * background stager reads and parses it, off the build's thread).
 */
export function previousManifest(outDir: string, shown: (p: string) => string, bag: DiagnosticBag, read = true): (Previous & { exists?: true }) | undefined {
  let mf: Found;
  try {
    mf = look(join(outDir, MANIFEST_NAME), read);
  } catch (err) {
    bag.report(OutputCodes.InvalidManifest, undefined, { path: shown(MANIFEST_NAME), reason: osReason(err) });
    return undefined;
  }
  if (mf.kind === 'missing') return {};
  if (mf.kind === 'other') {
    bag.report(OutputCodes.PathBlocked, undefined, { path: shown(MANIFEST_NAME), reason: `${mf.what} is in the way` });
    return undefined;
  }
  if (!read) return { exists: true };
  let text: string;
  try {
    text = mf.bytes.toString('utf8');
  } catch {
    bag.report(OutputCodes.InvalidManifest, undefined, { path: shown(MANIFEST_NAME), reason: `too large to read (${mf.size} bytes)` });
    return undefined;
  }
  const parsed = parseManifest(text);
  if ('error' in parsed) {
    bag.report(OutputCodes.InvalidManifest, undefined, { path: shown(MANIFEST_NAME), reason: parsed.error });
    return undefined;
  }
  return { manifest: parsed.manifest, text };
}

export function osReason(err: unknown): string {
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

/** Why the output directory's lock could not be had: another build holds it (MC5006), or the directory cannot be written (MC5007). */
function reportNoLock(bag: DiagnosticBag, got: { heldBy: number } | { failed: unknown }, out: string, shown: (p: string) => string): void {
  if ('heldBy' in got) bag.report(OutputCodes.Locked, undefined, { pid: got.heldBy || '?', out, lock: shown(LOCK_NAME) });
  else bag.report(OutputCodes.WriteFailed, undefined, { out, reason: osReason(got.failed) });
}

export function shower(outDir: string, opts: WriteOptions): (p: string) => string {
  const base = (opts.displayOut ?? outDir).replace(/\\/g, '/').replace(/\/+$/, '');
  return (p) => (base === '' || base === '.' ? p : `${base}/${p}`);
}

/**
 * Completes or rolls back an interrupted write in `outDir` (see txn.ts), under the directory's
 * lock, and removes a lock left by a killed build. A note (MC5008) says what was done; an error
 * when the directory is locked or the journal is damaged. Nothing happens when there is nothing
 * to recover.
 */
export function recoverOutput(outDir: string, opts: WriteOptions = {}): { diagnostics: Diagnostic[]; recovery: RecoveryAction } {
  const bag = new DiagnosticBag();
  const out = opts.displayOut ?? outDir;
  if (look(join(outDir, TXN_DIR), false).kind === 'missing') {
    // A lock left by a killed build (outside its transaction) is taken over and removed.
    if (look(join(outDir, LOCK_NAME), false).kind === 'file') {
      const stale = acquireLock(outDir);
      if ('lock' in stale) stale.lock.release();
    }
    return { diagnostics: [], recovery: 'none' };
  }
  const got = acquireLock(outDir);
  if (!('lock' in got)) {
    reportNoLock(bag, got, out, shower(outDir, opts));
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

/** What planning and staging every file of a write came to (in this thread or the background one). */
export interface Settled {
  /** The changes to the live tree, in journal order, and the directories created and pruned. */
  ops: TxnOp[];
  createdDirs: string[];
  prunedDirs: string[];
  /** The new manifest's text. */
  manifestText: string;
  /** How many files are blocked (each reported). */
  blocked: number;
  unchanged: string[];
  prevManifestText: string | undefined;
  /**
   * The staging directories made, for the fsync fallback (the files staged are the creations and
   * replacements of `ops`, under `.meshc-txn/new/`).
   */
  made: string[];
  /** Whether `.meshc-txn` was made afresh for this write. */
  txnReady: boolean;
}

/** Stages changed files under `.meshc-txn/new/`; the first one makes `.meshc-txn` afresh. */
export class Staging {
  ready = false;
  readonly made = new Set<string>();

  constructor(
    private readonly paths: ReturnType<typeof txnPaths>,
    private readonly bag: DiagnosticBag,
    private readonly out: string,
    private readonly step: (step: string) => void = () => {},
  ) {}

  /** A fresh, empty `.meshc-txn` with its `new/`, once per write (whatever an earlier run left is gone). */
  prepare(): void {
    if (this.ready) return;
    rmSync(this.paths.txn, { recursive: true, force: true });
    mkdirSync(this.paths.newDir, { recursive: true });
    this.ready = true;
  }

  /** Stages one file; after a failure (MC5005, reported) nothing more is staged. */
  stage(path: string, content: string | Uint8Array): void {
    if (this.bag.hasErrors) return;
    try {
      this.prepare();
      this.step(`stage ${path}`);
      const at = join(this.paths.newDir, path);
      writeNew(at, content, false, this.made);
    } catch (err) {
      if (err instanceof SimulatedCrash) throw err;
      this.bag.report(OutputCodes.WriteFailed, undefined, { out: this.out, reason: osReason(err) });
    }
  }
}

/** Completes `planner`'s plan (problems into `bag`) with what `staging` did. */
export function settle(planner: Planner, staging: Staging, meta: OutputMeta, bag: DiagnosticBag): Settled {
  const p = planner.finish(meta, bag);
  return {
    ops: p.ops,
    createdDirs: p.createdDirs,
    prunedDirs: p.prunedDirs,
    manifestText: p.manifestText,
    blocked: planner.blocked,
    unchanged: planner.unchanged,
    prevManifestText: planner.prevManifestText,
    made: [...staging.made],
    txnReady: staging.ready,
  };
}

/** How a write's plan ended ({@link finishWrite}). */
export interface Finished {
  /**
   * `applied`: the new tree and manifest are in place. `failed`: an error was reported and the
   * previous tree is in place (or recovery failed, reported too). `skipped`: nothing was applied —
   * errors or blocked files were reported, or nothing changed — the write is to be aborted.
   */
  outcome: 'applied' | 'failed' | 'skipped';
  /** Whether `.meshc-txn` was made afresh for this write (and may need removing). */
  txnReady: boolean;
  created: string[];
  replaced: string[];
  removed: string[];
  unchanged: string[];
}

/** The files of each kind of change of a plan's ops. */
function listsOf(ops: readonly TxnOp[], unchanged: string[]): Pick<Finished, 'created' | 'replaced' | 'removed' | 'unchanged'> {
  const r: Pick<Finished, 'created' | 'replaced' | 'removed' | 'unchanged'> = { created: [], replaced: [], removed: [], unchanged };
  for (const op of ops) (op.op === 'create' ? r.created : op.op === 'replace' ? r.replaced : r.removed).push(op.path);
  return r;
}

/**
 * Completes a write whose files were all planned and staged (by `planner` and `staging`, in this
 * thread or the background one): settles the plan, and unless there are errors, blocked files or
 * no change, commits it — (1) stage the manifest and flush, (2) write the journal, (3–5) apply it
 * and commit (see txn.ts) — rolling back on failure. Problems go into `bag`.
 */
export function finishWrite(outDir: string, planner: Planner, staging: Staging, meta: OutputMeta, opts: WriteOptions, bag: DiagnosticBag): Finished {
  const p = settle(planner, staging, meta, bag);
  const skipped = (unchanged: string[]): Finished => ({ outcome: 'skipped', txnReady: staging.ready, created: [], replaced: [], removed: [], unchanged });
  if (bag.hasErrors || p.blocked > 0) return skipped([]);
  if (p.ops.length === 0 && p.prevManifestText === p.manifestText) return skipped(p.unchanged);
  const durable = opts.durable ?? true;
  const step = opts.onStep ?? (() => {});
  const out = opts.displayOut ?? outDir;
  const paths = txnPaths(outDir);
  const failed = (): Finished => ({ outcome: 'failed', txnReady: staging.ready, created: [], replaced: [], removed: [], unchanged: [] });
  // 1. Stage the manifest (the files are staged already). Encoded once, for the write and its hash.
  const manifestBytes = Buffer.from(p.manifestText, 'utf8');
  try {
    staging.prepare();
    step('stage manifest');
    writeNew(paths.manifest, manifestBytes, false);
    // Everything staged reaches the disk before the journal says to use it.
    const staged = () => [...p.ops.filter((o) => o.op !== 'delete').map((o) => join(paths.newDir, o.path)), paths.manifest];
    if (durable) flush(outDir, staged, [...p.made, paths.txn]);
  } catch (err) {
    if (err instanceof SimulatedCrash) throw err;
    rmSync(paths.txn, { recursive: true, force: true });
    bag.report(OutputCodes.WriteFailed, undefined, { out, reason: osReason(err) });
    return failed();
  }
  // 2. Journal, 3–5. apply and commit; roll back on failure.
  const journal: Journal = {
    version: 1,
    prevManifestSha256: p.prevManifestText === undefined ? null : sha256(p.prevManifestText),
    newManifestSha256: sha256(manifestBytes),
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
      bag.report(OutputCodes.RecoveryFailed, undefined, { out, reason: osReason(err2), txn: shower(outDir, opts)(TXN_DIR) });
      return failed();
    }
    bag.report(OutputCodes.WriteFailed, undefined, { out, reason: osReason(err) });
    return failed();
  }
  return { outcome: 'applied', txnReady: staging.ready, ...listsOf(p.ops, p.unchanged) };
}

/** What {@link OutputWrite} needs of whatever plans, stages and commits its files. */
interface Backend {
  add(file: OutputFile): void;
  /** Every file was added: {@link finishWrite}, its problems reported into the write's bag. */
  finish(meta: OutputMeta): Finished;
  /** Stops staging (nothing more reaches `.meshc-txn`); says whether `.meshc-txn` was made. */
  stop(): { txnReady: boolean };
}

/** Plans, stages and commits in this thread. */
class InThread implements Backend {
  private readonly staging: Staging;
  private readonly planner: Planner;

  constructor(
    private readonly outDir: string,
    prev: Previous,
    private readonly opts: WriteOptions,
    private readonly bag: DiagnosticBag,
  ) {
    this.staging = new Staging(txnPaths(outDir), bag, opts.displayOut ?? outDir, opts.onStep);
    this.planner = new Planner(outDir, prev.manifest, prev.text, shower(outDir, opts), false, (path, bytes) => this.staging.stage(path, bytes));
  }

  add(file: OutputFile): void {
    this.planner.add(file);
  }

  finish(meta: OutputMeta): Finished {
    return finishWrite(this.outDir, this.planner, this.staging, meta, this.opts, this.bag);
  }

  stop(): { txnReady: boolean } {
    return { txnReady: this.staging.ready };
  }
}

/** The background stager's module (compiled JavaScript only: when meshc runs from its TypeScript sources, files are staged in this thread). */
const STAGER = new URL('./stager.js', import.meta.url);

/**
 * Slots of the shared control array between a write and its background stager: the ring's head
 * (bytes the write published, a wrapping 32-bit count) and tail (bytes the stager consumed), the
 * write's request (0 none, 1 finish or check, 2 stop: its message is on the command port), whether a reply
 * is ready, whether staging was cancelled, whether the stager started (loaded its modules), whether
 * the stager waits for records or the write for room (each is woken only then, and in steps of
 * {@link WAKE_BYTES}: not once per file), a counter the write bumps at every publication and
 * request (what a waiting stager waits on, so that no request is missed), and the stager's thread
 * id (Linux), by which a write that waits for it can tell that it is gone.
 */
export const CONTROL = { head: 0, tail: 1, request: 2, replied: 3, cancelled: 4, started: 5, stagerWaits: 6, writerWaits: 7, signal: 8, tid: 9, length: 10 } as const;
/** A waiting side is woken when this many bytes were published or freed since it began to wait (or at the end). */
export const WAKE_BYTES = 1 << 20;
/** How long a write waits for its stager to start (load its modules) before giving up. */
const START_TIMEOUT_MS = 60_000;
/** The ring's size in bytes (a power of two): at most this much waits for the stager. */
export const RING_BYTES = 32 << 20;
/**
 * A record in the ring: a header of four 32-bit words — its length in bytes (header included,
 * a multiple of {@link RECORD_ALIGN}), its kind, the path's length and the content's length — then
 * the path (ASCII: output paths are) and the content (UTF-8). Records never wrap around the ring's
 * end: a `wrap` record fills the rest.
 */
export const RECORD = { header: 16, file: 1, wrap: 2, big: 3 } as const;
/** Records start on this boundary (so a `wrap` record always has room for its header). */
const RECORD_ALIGN = 16;
/** A file whose UTF-8 text may exceed this goes over the big-file port instead of the ring. */
const BIG_FILE_BYTES = RING_BYTES / 4;

/** The data a background stager starts with. */
export interface StagerInit {
  outDir: string;
  displayOut: string | undefined;
  /**
   * Whether the write found a previous manifest file: the stager reads, parses and checks it (a
   * bad one is reported at `finish`, like every problem found at the write's beginning), so that
   * the build's thread neither parses 180,000 entries nor holds them while it emits.
   */
  readManifest: boolean;
  /** A stager of a `--check`: it compares every file with the tree on disk, keeps the diffs of those that differ and stages nothing. */
  check: boolean;
  control: SharedArrayBuffer;
  ring: SharedArrayBuffer;
  /** How to commit (durability; no `onStep`: the background is not used with it). */
  commit: { durable?: boolean };
  /** Requests ({@link StagerRequest}) and files too big for the ring. */
  commands: MessagePort;
  reply: MessagePort;
}

/**
 * A {@link Finished} as the stager sends it: its lists (one entry per file) as lines of UTF-8 in
 * one shared buffer, which crosses threads without a copy (a structured clone of 180,000 entries
 * took a noticeable part of a second). Output paths hold no newline (assertSafePath).
 */
export type PackedFinished = Pick<Finished, 'outcome' | 'txnReady'> & { text: SharedArrayBuffer; lengths: number[] };

const LISTS = ['created', 'replaced', 'removed', 'unchanged'] as const;

export function packFinished(f: Finished): PackedFinished {
  const parts = LISTS.map((k) => f[k].join('\n'));
  const lengths = parts.map((t) => Buffer.byteLength(t, 'utf8'));
  const text = new SharedArrayBuffer(lengths.reduce((a, b) => a + b, 0));
  const buf = Buffer.from(text);
  let at = 0;
  for (const t of parts) at += buf.write(t, at, 'utf8');
  return { outcome: f.outcome, txnReady: f.txnReady, text, lengths };
}

function unpackFinished(p: PackedFinished): Finished {
  const buf = Buffer.from(p.text);
  let at = 0;
  const [created, replaced, removed, unchanged] = p.lengths.map((n) => {
    const t = buf.toString('utf8', at, (at += n));
    return t === '' ? [] : t.split('\n');
  });
  return { outcome: p.outcome, txnReady: p.txnReady, created: created!, replaced: replaced!, removed: removed!, unchanged: unchanged! };
}

/** What a write asks its background stager, after every file: to commit, to check (a stager of a check), or to stop. */
export type StagerRequest = { finish: OutputMeta } | { check: OutputMeta } | { stop: true };

/** What the background stager answers to `finish`, `check` or `stop`. */
export type StagerReply =
  | { finished: PackedFinished; diagnostics: Diagnostic[]; cpuMs?: number }
  | { checked: { stale: boolean; diff: string }; diagnostics: Diagnostic[]; cpuMs?: number }
  | { stopped: { txnReady: boolean }; diagnostics: Diagnostic[] }
  | { bug: string; txnReady: boolean };

const align = (n: number): number => (n + RECORD_ALIGN - 1) & -RECORD_ALIGN;

/**
 * Plans and stages files on a worker thread ({@link STAGER}), so that hashing and writing them
 * overlaps the emission of the next ones — or, for an {@link OutputCheck}, compares them there.
 * Each file's text is encoded straight into a shared ring of {@link RING_BYTES} (no copy of the
 * string is made for the worker, nothing is transferred): the write waits only when the ring is
 * full. `finish`, `check` and `stop` block until the worker answers, so the APIs stay synchronous.
 */
class Background implements Backend {
  private readonly worker: Worker;
  private readonly reply: MessagePort;
  private readonly commands: MessagePort;
  private readonly control: Int32Array;
  private readonly ring: Buffer;
  private readonly words: Int32Array;
  /** Bytes published so far (wrapping 32-bit), mirrored in CONTROL.head. */
  private head = 0;
  /** {@link head} when the stager was last woken. */
  private woke = 0;
  private done = false;
  private readonly begun = Date.now();
  /** Whether the worker made `.meshc-txn` (known once it answered). */
  private txnReady = false;

  constructor(
    outDir: string,
    readManifest: boolean,
    opts: WriteOptions,
    private readonly bag: DiagnosticBag,
    check = false,
  ) {
    const shared = new SharedArrayBuffer(CONTROL.length * 4);
    this.control = new Int32Array(shared);
    const ring = new SharedArrayBuffer(RING_BYTES);
    this.ring = Buffer.from(ring);
    this.words = new Int32Array(ring);
    const reply = new MessageChannel();
    const commands = new MessageChannel();
    this.reply = reply.port1;
    this.commands = commands.port1;
    const commit = opts.durable === undefined ? {} : { durable: opts.durable };
    const init: StagerInit = { outDir, displayOut: opts.displayOut, readManifest, check, control: shared, ring, commit, commands: commands.port2, reply: reply.port2 };
    this.worker = startWorker(STAGER, { workerData: init, transferList: [reply.port2, commands.port2] });
    // A build that ends without commit or abort (a thrown meshc bug) is not kept alive by it.
    this.worker.unref();
    // A stager that fails is noticed by the write (it never starts, or its thread is gone) and
    // reported as a meshc bug there; its 'error' event must not also end the process.
    this.worker.on('error', () => {});
  }

  /** Waits until `n` bytes of the ring are free. */
  private waitFree(n: number): void {
    const c = this.control;
    let tail = Atomics.load(c, CONTROL.tail);
    if (RING_BYTES - ((this.head - tail) | 0) >= n) return;
    this.wake(true);
    Atomics.store(c, CONTROL.writerWaits, 1);
    for (tail = Atomics.load(c, CONTROL.tail); RING_BYTES - ((this.head - tail) | 0) < n; tail = Atomics.load(c, CONTROL.tail)) {
      Atomics.wait(c, CONTROL.tail, tail, 100);
      this.checkAlive();
    }
    Atomics.store(c, CONTROL.writerWaits, 0);
  }

  /**
   * Wakes the stager when it waits and at least {@link WAKE_BYTES} were published since it began
   * to (or `now`). While it does not wait, the count starts again at every publication.
   */
  private wake(now: boolean): void {
    const c = this.control;
    if (Atomics.load(c, CONTROL.stagerWaits) !== 1) {
      this.woke = this.head;
      return;
    }
    if (now || ((this.head - this.woke) >>> 0) >= WAKE_BYTES) {
      this.woke = this.head;
      Atomics.notify(c, CONTROL.signal);
    }
  }

  /** Throws (a meshc bug) when the stager did not start in time, or its thread is gone. */
  private checkAlive(): void {
    const c = this.control;
    if (Atomics.load(c, CONTROL.started) === 0) {
      if (Date.now() - this.begun > START_TIMEOUT_MS) this.giveUp('did not start');
      return;
    }
    const tid = Atomics.load(c, CONTROL.tid);
    // An ended thread leaves /proc/self/task (Linux): the stager died (out of memory, say) without answering.
    if (tid > 0 && Atomics.load(c, CONTROL.replied) === 0 && !existsSync(`/proc/self/task/${tid}`)) this.giveUp('stopped without answering');
  }

  /** Writes a record's header at `pos` and publishes it. */
  private publish(pos: number, total: number, kind: number, pathBytes: number, contentBytes: number): void {
    const w = pos >> 2;
    this.words[w] = total;
    this.words[w + 1] = kind;
    this.words[w + 2] = pathBytes;
    this.words[w + 3] = contentBytes;
    this.head = (this.head + total) | 0;
    Atomics.store(this.control, CONTROL.head, this.head);
    Atomics.add(this.control, CONTROL.signal, 1);
    this.wake(false);
  }

  /** The ring position of a record of `n` bytes, once they are free (after a `wrap` record when it would pass the end). */
  private reserve(n: number): number {
    let pos = this.head & (RING_BYTES - 1);
    if (pos + n > RING_BYTES) {
      const rest = RING_BYTES - pos;
      this.waitFree(rest);
      this.publish(pos, rest, RECORD.wrap, 0, 0);
      pos = 0;
    }
    this.waitFree(n);
    return pos;
  }

  add(file: OutputFile): void {
    if (this.done) throw new Error('meshc bug: a file added to a finished write or check');
    const pathBytes = file.path.length; // ASCII (assertSafePath)
    const most = RECORD.header + pathBytes + file.content.length * 3;
    if (most > BIG_FILE_BYTES) {
      // Posted before its record is published: the stager finds it on the port when it gets there.
      this.commands.postMessage({ path: file.path, content: file.content });
      const pos = this.reserve(RECORD.header);
      this.publish(pos, RECORD.header, RECORD.big, 0, 0);
      return;
    }
    const pos = this.reserve(align(most));
    this.ring.write(file.path, pos + RECORD.header, 'latin1');
    const start = pos + RECORD.header + pathBytes;
    const written = this.ring.write(file.content, start, most - RECORD.header - pathBytes, 'utf8');
    this.publish(pos, align(RECORD.header + pathBytes + written), RECORD.file, pathBytes, written);
  }

  /**
   * A stager that never started, or whose thread is gone, will never answer: stop waiting for it
   * (and asking it). Cancelled first, so that one starting just now stages and commits nothing.
   */
  private giveUp(why: string): never {
    this.done = true;
    // What it staged is unknown: an abort removes `.meshc-txn` (nothing of the live tree is in it).
    this.txnReady = true;
    Atomics.store(this.control, CONTROL.cancelled, 1);
    void this.worker.terminate();
    throw new Error(`meshc bug: the background stager ${why}`);
  }

  /** Sends `message` after every file, then blocks until the worker's answer. */
  private request(message: StagerRequest): StagerReply {
    if (this.done) throw new Error('meshc bug: the background stager was asked twice');
    this.done = true;
    const c = this.control;
    this.commands.postMessage(message);
    Atomics.store(c, CONTROL.request, 'stop' in message ? 2 : 1);
    Atomics.add(c, CONTROL.signal, 1);
    Atomics.notify(c, CONTROL.signal);
    while (Atomics.load(c, CONTROL.replied) === 0) {
      Atomics.wait(c, CONTROL.replied, 0, 1000);
      // A stager that never started (its modules failed to load), or whose thread ended, will
      // never answer. Once started, it answers every request, a bug it meets included.
      this.checkAlive();
    }
    const got = receiveMessageOnPort(this.reply)?.message as StagerReply | undefined;
    void this.worker.terminate();
    this.reply.close();
    this.commands.close();
    if (got === undefined) throw new Error('meshc bug: the background stager answered nothing');
    this.txnReady = 'finished' in got ? got.finished.txnReady : 'stopped' in got ? got.stopped.txnReady : 'checked' in got ? false : got.txnReady;
    return got;
  }

  /** CPU milliseconds the stager's thread used, once it settled. */
  cpuMs: number | undefined;

  finish(meta: OutputMeta): Finished {
    const r = this.request({ finish: meta });
    if ('bug' in r) throw new Error(r.bug);
    if (!('finished' in r)) throw new Error('meshc bug: the background stager did not finish');
    this.bag.addAll(r.diagnostics);
    this.cpuMs = r.cpuMs;
    return unpackFinished(r.finished);
  }

  /** A check's end ({@link checkPlanned}, in the worker): its problems into the check's bag. */
  check(meta: OutputMeta): { stale: boolean; diff: string } {
    const r = this.request({ check: meta });
    if ('bug' in r) throw new Error(r.bug);
    if (!('checked' in r)) throw new Error('meshc bug: the background stager did not check');
    this.bag.addAll(r.diagnostics);
    this.cpuMs = r.cpuMs;
    return r.checked;
  }

  stop(): { txnReady: boolean } {
    if (!this.done) {
      Atomics.store(this.control, CONTROL.cancelled, 1);
      const r = this.request({ stop: true });
      // What it reported (a bad previous manifest, a failed staging) is the write's, as in this thread.
      if ('stopped' in r) this.bag.addAll(r.diagnostics);
    }
    return { txnReady: this.txnReady };
  }
}

/**
 * Where a write (or a check: `check`) plans its files: on the background stager when `opts` asks
 * for it and a thread can be had — the previous manifest is then only looked at here, and the
 * worker reads it — else in this thread, with the previous manifest read here. Undefined when the
 * manifest is bad or something else is in its place (reported into `bag`).
 */
function openPlan(outDir: string, opts: WriteOptions, bag: DiagnosticBag, shown: (p: string) => string, check: boolean): { background: Background } | { prev: Previous } | undefined {
  if (opts.background === true && opts.onStep === undefined && existsSync(fileURLToPath(STAGER))) {
    const found = previousManifest(outDir, shown, bag, false);
    if (!found) return undefined;
    try {
      return { background: new Background(outDir, found.exists === true, opts, bag, check) };
    } catch {
      // No thread to be had (a limit of the system): the same work, in this thread.
    }
  }
  const prev = previousManifest(outDir, shown, bag);
  return prev && { prev };
}

/**
 * A write of the output tree in progress ({@link beginOutput}): files are planned and, when they
 * change, staged as they are added — so a build can hand each file over as soon as it is emitted
 * and let its text go — then {@link OutputWrite.commit} swaps them in as one transaction, or
 * {@link OutputWrite.abort} leaves the tree exactly as it was. Holds the output directory's lock
 * from begin to commit or abort. With {@link WriteOptions.background}, planning and staging run on
 * a worker thread.
 */
export class OutputWrite {
  private readonly bag = new DiagnosticBag();
  private readonly result: WriteResult;
  private backend: Backend | undefined;
  private lock: { release(): void } | undefined;
  private readonly paths: ReturnType<typeof txnPaths>;
  private closed = false;
  /** Whether `.meshc-txn` was made afresh for this write. */
  private txnReady = false;
  /** Whether files are planned and staged on a worker thread. */
  readonly background: boolean = false;

  /** Use {@link beginOutput}. */
  constructor(
    private readonly outDir: string,
    private readonly opts: WriteOptions,
    /** The outermost directory that {@link beginOutput} created for the output directory, if any. */
    private readonly createdFrom: string | undefined,
  ) {
    this.result = { diagnostics: this.bag.items, created: [], replaced: [], removed: [], unchanged: [], recovery: 'none' };
    this.paths = txnPaths(outDir);
    const shown = shower(outDir, opts);
    const out = opts.displayOut ?? outDir;
    const got = acquireLock(outDir);
    if (!('lock' in got)) {
      reportNoLock(this.bag, got, out, shown);
      return;
    }
    this.lock = got.lock;
    this.result.recovery = recoverLocked(outDir, opts, this.bag);
    if (this.bag.hasErrors) return;
    const plan = openPlan(outDir, opts, this.bag, shown, false);
    if (plan && 'background' in plan) {
      this.backend = plan.background;
      this.background = true;
    } else if (plan) this.backend = new InThread(outDir, plan.prev, opts, this.bag);
  }

  /** Adds one emitted file: planned now, staged when it changes. A bad path or a clash is a meshc bug (throws; in the background, at commit). */
  add(file: OutputFile): void {
    if (this.closed) throw new Error('meshc bug: a file added to a finished write');
    assertSafePath(file.path);
    this.backend?.add(file);
  }

  /** Leaves the tree as it was: removes what was staged, releases the lock. */
  abort(): WriteResult {
    if (!this.closed) {
      this.closed = true;
      try {
        if ((this.backend?.stop().txnReady ?? false) || this.txnReady) rmSync(this.paths.txn, { recursive: true, force: true });
      } finally {
        this.release();
      }
    }
    return this.result;
  }

  private release(): void {
    this.lock?.release();
    this.lock = undefined;
    // The directories beginOutput made for the output directory go again, when still empty.
    for (let dir = this.outDir; this.createdFrom !== undefined; dir = dirname(dir)) {
      try {
        rmdirSync(dir);
      } catch {
        break; // not empty
      }
      if (dir === this.createdFrom || dirname(dir) === dir) break;
    }
  }

  /**
   * Swaps the staged files in as one transaction, with the new manifest (`meta`: what it records
   * besides the files), and removes the files meshc wrote before and no longer emits. On any
   * error the previous tree is left, or restored, exactly. With {@link WriteOptions.background},
   * the background thread commits (it holds the plan); this thread waits for it.
   */
  commit(meta: OutputMeta): WriteResult {
    if (this.closed) throw new Error('meshc bug: a write committed twice');
    const result = this.result;
    const backend = this.backend;
    if (!backend || this.bag.hasErrors) return this.abort();
    let f: Finished;
    try {
      f = backend.finish(meta);
    } catch (err) {
      if (!(err instanceof SimulatedCrash)) this.abort();
      throw err;
    }
    this.txnReady = f.txnReady;
    if (backend instanceof Background && backend.cpuMs !== undefined) result.backgroundCpuMs = backend.cpuMs;
    if (f.outcome === 'skipped') {
      result.unchanged = f.unchanged;
      return this.abort();
    }
    this.closed = true;
    result.created = f.created;
    result.replaced = f.replaced;
    result.removed = f.removed;
    result.unchanged = f.unchanged;
    this.release();
    return result;
  }
}

/**
 * Begins a write into `outDir` (created when missing): takes its lock, recovers an interrupted
 * earlier write, reads the previous manifest (in the background: looks that it is a file; the
 * worker reads it). Problems found here (MC5006 locked, a bad manifest, a failed recovery) make
 * the write fail at commit, having changed nothing.
 */
export function beginOutput(outDir: string, opts: WriteOptions = {}): OutputWrite | { diagnostics: Diagnostic[] } {
  let createdFrom: string | undefined;
  try {
    createdFrom = mkdirSync(outDir, { recursive: true });
  } catch (err) {
    const bag = new DiagnosticBag();
    bag.report(OutputCodes.WriteFailed, undefined, { out: opts.displayOut ?? outDir, reason: osReason(err) });
    return { diagnostics: bag.items };
  }
  return new OutputWrite(outDir, opts, createdFrom);
}

/**
 * Writes `files` into `outDir` as one transaction, with `meshc-manifest.json`. First recovers an
 * interrupted earlier write. Files meshc wrote before (per the previous manifest) and no longer
 * emits are removed; a file meshc did not write is never overwritten (MC5002) or removed. On any
 * error the previous tree is left, or restored, exactly. Bad output paths are meshc bugs (throws).
 */
export function writeOutput(outDir: string, files: readonly OutputFile[], meta: OutputMeta, opts: WriteOptions = {}): WriteResult {
  const sorted = [...files].sort((a, b) => compareStrings(a.path, b.path));
  // A meshc bug is thrown before anything on disk is touched.
  for (const f of sorted) assertSafePath(f.path);
  const w = beginOutput(outDir, opts);
  if (!(w instanceof OutputWrite)) return { diagnostics: w.diagnostics, created: [], replaced: [], removed: [], unchanged: [], recovery: 'none' };
  try {
    for (const f of sorted) w.add(f);
  } catch (err) {
    if (!(err instanceof SimulatedCrash)) w.abort();
    throw err;
  }
  return w.commit(meta);
}

/**
 * `meshc build --check`: compares what a write would produce with the tree on disk, writing
 * nothing. Stale, missing and no-longer-emitted files (and the manifest) are MC5010 errors with a
 * unified diff; an interrupted write (MC5009), a foreign file in the way (MC5002) or a bad manifest
 * (MC5004) are errors too.
 */
export function checkOutput(outDir: string, files: readonly OutputFile[], meta: OutputMeta, opts: WriteOptions = {}): CheckResult {
  const check = new OutputCheck(outDir, { ...opts, background: false });
  for (const f of [...files].sort((a, b) => compareStrings(a.path, b.path))) check.add(f);
  return check.finish(meta);
}

/**
 * The end of a check, once `planner` (of a check) has every file: MC5010 for each file that
 * differs, is missing or is no longer emitted (and the manifest), into `bag`, and the unified diff.
 */
export function checkPlanned(planner: Planner, meta: OutputMeta, bag: DiagnosticBag, shown: (p: string) => string): { stale: boolean; diff: string } {
  const p = planner.finish(meta, bag);
  // Each stale path with what is wrong with it, reported in path order.
  const stale: [string, string][] = p.ops.map((op) => [op.path, op.op === 'delete' ? 'no longer emitted (a build would remove it)' : op.op === 'create' ? 'missing' : 'content differs']);
  if (planner.prevManifestText !== p.manifestText) {
    stale.push([MANIFEST_NAME, planner.prevManifestText === undefined ? 'missing' : 'content differs']);
    if (planner.wantDiff()) planner.keepDiff(MANIFEST_NAME, planner.prevManifestText, p.manifestText);
  }
  stale.sort((a, b) => compareStrings(a[0], b[0]));
  for (const [path, what] of stale) bag.report(OutputCodes.Stale, undefined, { path: shown(path), what });
  // The diff: of every differing file (foreign files in the way too, reported by the plan), in path order.
  const diff = [...planner.diffs].sort((a, b) => compareStrings(a[0], b[0])).map(([, d]) => d).join('');
  if (planner.omitted > 0) {
    const count = planner.diffs.size + planner.omitted;
    bag.report(OutputCodes.DiffTruncated, undefined, { shown: String(planner.diffs.size), count: String(count), omitted: String(planner.omitted), limit: String(CHECK_DIFF_CHARS >> 20) });
  }
  // A foreign file in the way was reported (MC5002) into `bag` by the plan: stale too.
  return { stale: stale.length > 0 || bag.hasErrors, diff };
}

/**
 * A `meshc build --check` in progress: each emitted file is compared with the tree on disk as it
 * arrives ({@link OutputCheck.add}: only the diffs of the files that differ are kept, up to
 * {@link CHECK_DIFF_CHARS}), then
 * {@link OutputCheck.finish} reports, as {@link checkOutput} does. Nothing is written and no lock
 * is taken. With {@link WriteOptions.background}, files are compared on a worker thread (the
 * background stager, which then stages nothing), which also reads the previous manifest.
 */
export class OutputCheck {
  private readonly bag = new DiagnosticBag();
  private readonly shown: (p: string) => string;
  private planner: Planner | undefined;
  private backend: Background | undefined;
  private done = false;
  /** Whether an interrupted write was found (and reported). */
  private journal = false;
  /** How many files were added. */
  files = 0;

  constructor(
    private readonly outDir: string,
    private readonly opts: WriteOptions = {},
  ) {
    const shown = (this.shown = shower(outDir, opts));
    if (this.interrupted()) return;
    const plan = openPlan(outDir, opts, this.bag, shown, true);
    if (plan && 'background' in plan) this.backend = plan.background;
    else if (plan) this.planner = new Planner(outDir, plan.prev.manifest, plan.prev.text, shown, true);
  }

  /** Whether a write of the tree is half done (MC5009, reported): what is on disk is no answer. */
  private interrupted(): boolean {
    if (this.journal || !hasPendingJournal(this.outDir)) return this.journal;
    this.journal = true;
    this.bag.report(OutputCodes.Interrupted, undefined, { out: this.opts.displayOut ?? this.outDir });
    return true;
  }

  /** Whether files are compared on a worker thread. */
  get background(): boolean {
    return this.backend !== undefined;
  }

  /** Compares one emitted file. A bad path or a clash is a meshc bug (throws; in the background, at finish). */
  add(file: OutputFile): void {
    if (this.done) throw new Error('meshc bug: a file added to a finished check');
    assertSafePath(file.path);
    this.files++;
    if (this.backend) this.backend.add(file);
    else this.planner?.add(file);
  }

  /** Every file was added: what differs (MC5010 and the diff), and any blocker. */
  finish(meta: OutputMeta): CheckResult {
    if (this.done) throw new Error('meshc bug: a check finished twice');
    // No lock is taken: a write that began while files were compared is told, not mixed in.
    if (this.interrupted()) {
      this.abort();
      return { diagnostics: this.bag.items, stale: true, diff: '' };
    }
    this.done = true;
    const got = this.backend ? this.backend.check(meta) : this.planner ? checkPlanned(this.planner, meta, this.bag, this.shown) : { stale: true, diff: '' };
    return { diagnostics: this.bag.items, stale: got.stale || this.bag.hasErrors, diff: got.diff };
  }

  /** Stops the check (its worker, if any). */
  abort(): void {
    if (this.done) return;
    this.done = true;
    this.backend?.stop();
  }
}
