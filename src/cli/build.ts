/**
 * `meshc build [path]` and `meshc check [path]`: compile, print diagnostics, write (or compare)
 * the output, return the exit code.
 * @module
 */
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { capErrors, compile, PipelineCodes } from '../compiler.js';
import { DiagnosticBag } from '../diagnostics/bag.js';
import type { Format } from '../diagnostics/render/index.js';
import { summaryLine } from '../diagnostics/render/index.js';
import { summarize } from '../diagnostics/render/common.js';
import type { Diagnostic } from '../diagnostics/types.js';
import type { MeshIR } from '../ir/types.js';
import { OutputCodes } from '../output/codes.js';
import { realish, unsafeOutDirReason } from '../output/paths.js';
import { within } from '../util/paths.js';
import { beginOutput, checkOutput, OutputCheck, OutputWrite, recoverOutput, writeOutput, type WriteResult } from '../output/write.js';
import { loadTargets, targetNames } from '../target/registry.js';
import { meshcVersion } from '../util/package.js';
import type { CliIO } from './io.js';
import { displayRoot, exitCodeFor, printDiagnostics, shownPath } from './report.js';
import { shouldColor } from '../diagnostics/render/common.js';

/** Options of `meshc build`. */
export interface BuildOptions {
  out: string;
  target: string[];
  check?: boolean;
  verify?: boolean;
  allowPartial: string[];
  format: Format;
  strict?: boolean;
}

/** Options of `meshc check`. */
export interface CheckOptions {
  format: Format;
  strict?: boolean;
}

/** Splits repeated and comma-separated names; reports unknown ones (MC4002, a usage error). */
function targetList(values: readonly string[], bag: DiagnosticBag): string[] {
  const names = [...new Set(values.flatMap((v) => v.split(',')).map((n) => n.trim()).filter(Boolean))];
  const known = targetNames();
  for (const n of names) {
    if (!known.includes(n)) bag.report(PipelineCodes.UnknownTarget, undefined, { name: n, known: known.join(', ') });
  }
  return names;
}

function colorDiff(diff: string): string {
  return diff
    .split('\n')
    .map((l) =>
      l.startsWith('+++') || l.startsWith('---') || l.startsWith('diff --git')
        ? `\u001b[1m${l}\u001b[0m`
        : l.startsWith('@@')
          ? `\u001b[36m${l}\u001b[0m`
          : l.startsWith('+')
            ? `\u001b[32m${l}\u001b[0m`
            : l.startsWith('-')
              ? `\u001b[31m${l}\u001b[0m`
              : l,
    )
    .join('\n');
}

/** A mesh file (relative to the input root) that lies below the output directory, if any. */
function meshFileBelow(outDir: string, inputRoot: string, files: readonly string[]): string | undefined {
  const root = realish(inputRoot);
  const out = realish(outDir);
  if (out === root || !within(out, root)) return undefined;
  const rel = relative(root, out).split(sep).join('/');
  return files.find((f) => f.startsWith(rel + '/'));
}

/** The input path for the compiler: as typed when it resolves the same (so messages show it as typed). */
function inputPath(path: string, io: CliIO): string {
  return isAbsolute(path) || resolve(io.cwd) === process.cwd() ? path : resolve(io.cwd, path);
}

/** How to show the output directory: as typed, or relative to the working directory when typed absolute below it. */
function outDisplay(typed: string, abs: string, cwd: string): string {
  if (!isAbsolute(typed)) return shownPath(typed);
  const rel = relative(cwd, abs);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? shownPath(rel) : shownPath(typed);
}

/**
 * From this many services and gateways, `meshc build` writes (or `--check` compares) on a second
 * thread (not with `--verify`, which writes after the build, in this thread). Below, starting the
 * thread and loading its modules cost about what they save. Measured, first builds: the webshop
 * (9 services) 560 → 501 ms and 30 services 798 → 790 ms in this thread (medians of 12 pairs);
 * 100 services 1,326 against 1,283 ms and 1,000 services 3,568 against 3,255 ms in this thread
 * against the second (medians of 5).
 */
export const BACKGROUND_FROM = 64;

/**
 * Whether a build of `ir` writes (or checks) on a second thread: from {@link BACKGROUND_FROM}
 * services and gateways, or from as many as `MESHC_BACKGROUND_FROM` says (an integer ≥ 0; tests
 * set 0 to drive the second thread with a small mesh).
 */
export function writesInBackground(ir: Pick<MeshIR, 'services' | 'gateways'>, env: Readonly<Record<string, string | undefined>>): boolean {
  const v = env.MESHC_BACKGROUND_FROM;
  const from = v !== undefined && /^\d+$/.test(v) ? Number(v) : BACKGROUND_FROM;
  return ir.services.length + ir.gateways.length >= from;
}

const emptyWrite: WriteResult = { diagnostics: [], created: [], replaced: [], removed: [], unchanged: [], recovery: 'none' };

/** `meshc build`. Returns the exit code. */
export async function runBuild(path: string, opts: BuildOptions, io: CliIO): Promise<number> {
  const bag = new DiagnosticBag();
  const input = inputPath(path, io);
  const outDir = resolve(io.cwd, opts.out);
  const displayOut = outDisplay(opts.out, outDir, io.cwd);
  const root = displayRoot(path, io.cwd);
  if (opts.format === 'sarif') await loadTargets(); // every catalog entry becomes a SARIF rule
  const targets = targetList(opts.target, bag);
  const allowPartial = targetList(opts.allowPartial, bag);
  const unsafe = unsafeOutDirReason(outDir, input);
  if (unsafe) bag.report(OutputCodes.UnsafeOutDir, undefined, { out: displayOut, reason: unsafe });
  if (bag.hasErrors) {
    printDiagnostics(io, opts.format, bag.items, root);
    return exitCodeFor(bag.items);
  }
  // An interrupted earlier write is completed or rolled back before anything else.
  if (!opts.check && existsSync(outDir)) {
    const r = recoverOutput(outDir, { displayOut });
    bag.addAll(r.diagnostics);
    if (bag.hasErrors) {
      printDiagnostics(io, opts.format, bag.items, root);
      return exitCodeFor(bag.items);
    }
  }
  const compileOpts: Parameters<typeof compile>[0] = { input, allowPartial, verify: opts.verify ?? false };
  if (targets.length > 0) compileOpts.targets = targets;
  // A build writes each file into its staging directory as soon as it is emitted (so the output
  // need not be held in memory), and swaps them in only if the whole build succeeds.
  // A check, likewise, compares each file with the tree on disk as it is emitted. Both run on a
  // second thread for a mesh large enough to pay for starting it.
  let writer: ReturnType<typeof beginOutput> | undefined;
  let checker: OutputCheck | undefined;
  let background = true;
  if (!opts.verify) {
    compileOpts.beforeEmit = (ir) => {
      background = writesInBackground(ir, io.env);
    };
    compileOpts.output = opts.check
      ? (file) => (checker ??= new OutputCheck(outDir, { displayOut, background })).add(file)
      : (file) => {
          writer ??= beginOutput(outDir, { displayOut, background });
          if (writer instanceof OutputWrite) writer.add(file);
        };
  }
  const stop = () => {
    if (writer instanceof OutputWrite) writer.abort();
    checker?.abort();
  };
  let result: Awaited<ReturnType<typeof compile>>;
  try {
    result = await compile(compileOpts);
  } catch (err) {
    stop();
    throw err;
  }
  // A write begun during the build is committed or aborted below; if anything throws first, it is
  // aborted (its lock released, its staging removed) before the error goes on.
  try {
    const diagnostics: Diagnostic[] = [...bag.items, ...result.diagnostics];
    // An output directory inside the input must not hold mesh files: meshc would later skip them as output.
    const inside = meshFileBelow(outDir, result.root, Object.keys(result.sources));
    if (inside) {
      const b = new DiagnosticBag();
      b.report(OutputCodes.UnsafeOutDir, undefined, { out: displayOut, reason: `it holds files of the mesh (${inside})` });
      diagnostics.push(...b.items);
    }
    const failing = exitCodeFor(diagnostics, opts.strict) !== 0;
    if (failing) {
      stop();
      printDiagnostics(io, opts.format, diagnostics, root, result.sources);
      return exitCodeFor(diagnostics, opts.strict);
    }
    const meta = { inputHash: result.inputHash, meshcVersion: meshcVersion() };
    if (opts.check) {
      const c = checker ? checker.finish(meta) : checkOutput(outDir, result.files, meta, { displayOut });
      // (A loop, not a spread: a tree where every file differs gives 180,000 MC5010 at 10,000 services.)
      for (const d of c.diagnostics) diagnostics.push(d);
      printDiagnostics(io, opts.format, capErrors(diagnostics), root, result.sources);
      if (c.diff) {
        // The diff is the result in human and GitHub formats; beside JSON or SARIF it goes to stderr.
        const stream = opts.format === 'json' || opts.format === 'sarif' ? io.stderr : io.stdout;
        stream.write(shouldColor(stream, io.env) ? colorDiff(c.diff) : c.diff);
      }
      const code = Math.max(exitCodeFor(diagnostics, opts.strict), c.stale ? 1 : 0);
      if (opts.format === 'human' && code === 0) {
        const n = checker?.files ?? result.files.length;
        io.stderr.write(`meshc: ${displayOut} is up to date (${n} file${n === 1 ? '' : 's'}, targets: ${result.targets.join(', ') || 'none'})\n`);
      }
      return code;
    }
    const w = writer === undefined ? writeOutput(outDir, result.files, meta, { displayOut }) : writer instanceof OutputWrite ? writer.commit(meta) : { ...emptyWrite, diagnostics: writer.diagnostics };
    for (const d of w.diagnostics) diagnostics.push(d);
    printDiagnostics(io, opts.format, capErrors(diagnostics), root, result.sources);
    const code = exitCodeFor(diagnostics, opts.strict);
    if (opts.format === 'human' && !diagnostics.some((d) => d.severity === 'error')) {
      io.stderr.write(
        `meshc: wrote ${displayOut} (targets: ${result.targets.join(', ') || 'none'}; ${w.created.length} created, ${w.replaced.length} updated, ${w.removed.length} removed, ${w.unchanged.length} unchanged)\n`,
      );
    }
    return code;
  } catch (err) {
    stop();
    throw err;
  }
}

/** `meshc check`: load, validate and check; no output. Returns the exit code. */
export async function runCheck(path: string, opts: CheckOptions, io: CliIO): Promise<number> {
  const input = inputPath(path, io);
  const root = displayRoot(path, io.cwd);
  if (opts.format === 'sarif') await loadTargets(); // every catalog entry becomes a SARIF rule
  const result = await compile({ input, checkOnly: true });
  printDiagnostics(io, opts.format, result.diagnostics, root, result.sources);
  const code = exitCodeFor(result.diagnostics, opts.strict);
  if (opts.format === 'human' && code === 0) {
    const s = summaryLine(summarize(result.diagnostics));
    const n = Object.keys(result.sources).length;
    io.stderr.write(`meshc: ${root} checked (${n} file${n === 1 ? '' : 's'}${s ? `; ${s}` : ', no problems'})\n`);
  }
  return code;
}
