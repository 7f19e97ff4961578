/**
 * Diagnostics of writing output and of the command line. MC5xxx: MC50xx the output tree,
 * MC51xx command-line usage.
 * @module
 */
import { defineCodes } from '../diagnostics/catalog.js';

/** Output-tree and command-line diagnostics. */
export const OutputCodes = defineCodes({
  UnsafeOutDir: {
    code: 'MC5001', severity: 'error', title: 'Unsafe output directory',
    message: 'refusing to write output to {out}: {reason}',
    hint: 'choose a directory of its own for the output, e.g. --out ./out',
    doc: 'meshc owns the files it writes below `--out` and prunes the ones it no longer emits, so the output directory must not be the input directory, a directory that contains the input, `/`, an existing file, or a directory holding files of a mesh — this one\'s, or another\'s: a directory without a `meshc-manifest.json` where a `*.yaml` file declares `apiVersion: meshc/…` (a mistyped `--out` would mix the output into that mesh). (An output directory *inside* the input is fine: the loader skips meshc output trees, i.e. directories with a `meshc-manifest.json`.) This is a usage error: exit code 2.',
  },
  ForeignFile: {
    code: 'MC5002', severity: 'error', title: 'File not written by meshc',
    message: '{path} exists and was not written by meshc; refusing to overwrite it',
    hint: 'move or delete it (or choose another --out); meshc replaces only files listed in its manifest, {manifest}',
    doc: 'meshc never overwrites or deletes a file it did not write. It knows what it wrote from the manifest (`meshc-manifest.json`) at the root of the output directory. A file that meshc would now emit exists there but is not in the manifest, and its content differs from what meshc would write (identical files are adopted silently). Nothing was written. Move the file away, or delete it if it is stale output from an older tool.',
  },
  PathBlocked: {
    code: 'MC5003', severity: 'error', title: 'Output path blocked',
    message: 'cannot write {path}: {reason}',
    hint: 'remove or rename what is in the way; meshc only writes regular files in real directories below --out',
    doc: 'An output file cannot be placed because something that meshc did not write is in the way: a directory or symbolic link where the file goes, or a regular file or symbolic link where one of its parent directories goes. meshc never follows symbolic links below the output root. Nothing was written.',
  },
  InvalidManifest: {
    code: 'MC5004', severity: 'error', title: 'Invalid manifest',
    message: '{path} is not a valid meshc manifest: {reason}',
    hint: 'delete it: meshc then adopts the files identical to what it emits and refuses to overwrite any other',
    doc: 'The manifest at the root of the output directory tells meshc which files it owns. It is unreadable, malformed, or lists a path outside the output directory, so meshc cannot tell its own files from yours and writes nothing. Restore it from version control or delete it.',
  },
  NotPruned: {
    code: 'MC5005', severity: 'warning', title: 'Old output not removed',
    message: 'not removing {path}: {reason}',
    hint: 'meshc no longer emits it and no longer claims it; remove it by hand if it is not needed',
    doc: 'meshc wrote this file in an earlier build and no longer emits it, so it would normally be pruned. It is no longer a regular file below real directories (it was replaced by a directory or a symbolic link, or a parent is now a symbolic link), or its content is not what meshc wrote (the sha256 in the manifest differs: it was edited by hand, or the manifest lists a file meshc did not write), so meshc leaves it alone and drops it from its manifest: meshc never deletes a file it did not write.',
  },
  Locked: {
    code: 'MC5006', severity: 'error', title: 'Output directory in use',
    message: 'another meshc (pid {pid}) is writing to {out}',
    hint: 'wait for it to finish; if no meshc is running on this machine, delete {lock}',
    doc: 'Two builds must not write to the same output directory at once. meshc holds a lock file (`.meshc-lock`) at the root of `--out` while it writes; a lock left by a process that no longer exists on this machine is taken over automatically.',
  },
  WriteFailed: {
    code: 'MC5007', severity: 'error', title: 'Cannot write output',
    message: 'cannot write the output to {out}: {reason}',
    hint: 'check permissions and free space; the previous output was left as it was',
    doc: 'An operating-system error (permission denied, no space left, a read-only file system...) stopped the write. The write is a transaction: the previous output tree and its manifest are left, or restored, exactly as they were.',
  },
  Recovered: {
    code: 'MC5008', severity: 'note', title: 'Interrupted build recovered',
    message: 'an earlier build was interrupted while writing {out}; {action}',
    doc: 'A build that was killed while writing left a transaction journal (`.meshc-txn`) in the output directory. The next `meshc build` completes it if it had committed (the new manifest was in place) and otherwise rolls it back, restoring the previous tree, before doing anything else.',
  },
  Interrupted: {
    code: 'MC5009', severity: 'error', title: 'Interrupted build',
    message: '{out} holds a build that was interrupted while writing',
    hint: 'run `meshc build` (without --check) to restore it first',
    doc: '`meshc build --check` writes nothing, so it cannot complete or roll back an interrupted write (`.meshc-txn` in the output directory). Run `meshc build` once; it restores a consistent tree before anything else.',
  },
  Stale: {
    code: 'MC5010', severity: 'error', title: 'Output out of date',
    message: '{path} is out of date: {what}',
    hint: 'run `meshc build` and commit the result',
    doc: '`meshc build --check` found that the output directory differs from what meshc would write now: a file is missing, has different content, or is no longer emitted (and would be removed). The unified diff printed with it shows the changes; exit code 1. This is the GitOps gate: committed configuration must be exactly what the committed mesh compiles to.',
  },
  DiffTruncated: {
    code: 'MC5012', severity: 'note', title: 'Diff truncated',
    message: 'the diff shows {shown} of the {count} differing files; the other {omitted} are left out once it reached {limit} MiB',
    hint: 'run `meshc build`, then `git diff` shows every change',
    doc: 'When `meshc build --check` finds more differences than a readable diff holds (a meshc upgrade or a renamed namespace changes every file), it still reports each stale file (MC5010) and exits 1, but the unified diff it prints covers only the first files (in the order they were emitted, then removed files, then the manifest) until it reaches 32 MiB (the file that crosses it is shown whole), so it is then a partial patch. The full diff would not fit in memory at 10,000 services. Run `meshc build` and let version control show the rest.',
  },
  RecoveryFailed: {
    code: 'MC5011', severity: 'error', title: 'Cannot recover interrupted build',
    message: 'cannot recover the interrupted build in {out}: {reason}',
    hint: 'restore the output directory from version control and delete {txn}',
    doc: 'The transaction journal of an interrupted build (`.meshc-txn`) is damaged or cannot be applied, so meshc cannot tell which files to restore. It writes nothing until the directory is repaired by hand.',
  },
  Usage: {
    code: 'MC5101', severity: 'error', title: 'Command-line usage error',
    message: '{detail}',
    hint: 'run `{command} --help`',
    doc: 'The command line is not understood: an unknown command or option, a missing argument, or a value outside the allowed choices. Exit code 2.',
  },
  UnknownCode: {
    code: 'MC5102', severity: 'error', title: 'Unknown diagnostic code',
    message: 'unknown diagnostic code "{code}"',
    hint: '{suggestion}codes look like MC1003; the ranges are MC1xxx loading, MC2xxx schema, MC3xxx checker, MC4xxx targets, MC5xxx output and CLI, MC6xxx-MC9xxx per target',
    doc: '`meshc explain CODE` prints what a diagnostic code means. The code given is not one this meshc knows. Exit code 2.',
  },
});

/** Codes that are usage errors (exit code 2) rather than problems of the mesh. */
export const USAGE_CODES: ReadonlySet<string> = new Set(['MC5001', 'MC5101', 'MC5102', 'MC4002']);

/** Codes that report a bug in meshc (exit code 70). */
export const INTERNAL_CODES: ReadonlySet<string> = new Set(['MC4004']);
