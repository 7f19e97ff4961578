/**
 * The pipeline: load → validate → check → lower → emit → (verify). Each stage is a pure function
 * of the previous stage's value, except load (reads files). Writing is the CLI's business
 * (src/output). User errors come back as diagnostics; an exception is a meshc bug.
 * @module
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { checkMesh } from './check/index.js';
import { DiagnosticBag, makeDiagnostic, type ReportExtras } from './diagnostics/bag.js';
import { defineCodes } from './diagnostics/catalog.js';
import type { Diagnostic, DiagnosticArgs, DiagnosticInfo, Span } from './diagnostics/types.js';
import { loadFromMemory, loadMesh, type LoadResult } from './dsl/load.js';
import { lowerMesh } from './ir/lower.js';
import type { MeshIR } from './ir/types.js';
import { validateDocuments } from './schema/validate.js';
import { loadTarget, targetNames } from './target/registry.js';
import type { EmitContext, OutputFile, Target, UnitEmitter } from './target/types.js';
import { meshcVersion } from './util/package.js';
import { collectGarbage } from './util/gc.js';
import { flat } from './util/strings.js';

/** Pipeline-level diagnostics (MC4xxx: lowering and targets). */
export const PipelineCodes = defineCodes({
  Unsupported: {
    code: 'MC4001', severity: 'error', title: 'Feature not supported by a target',
    message: '{target} cannot express {feature}{detail}',
    hint: 'remove the feature, choose another target, or accept partial output with --allow-partial {target} (or Mesh spec.allowPartial)',
    doc: 'A target met a feature of the mesh that its proxy cannot express. meshc never drops a feature silently: this is an error, or a warning when partial output for that target was accepted with `--allow-partial TARGET` or `allowPartial: [TARGET]` in the Mesh spec. The emitted config then lacks exactly the named feature.',
  },
  UnknownTarget: {
    code: 'MC4002', severity: 'error', title: 'Unknown target',
    message: 'unknown target "{name}"',
    hint: 'targets: {known}',
    doc: 'The `--target` option names a target that this meshc does not have. `meshc build --help` lists them.',
  },
  VerifySkipped: {
    code: 'MC4003', severity: 'warning', title: 'Verification skipped',
    message: '{target}: verification skipped: {reason}',
    doc: 'A target could not run its own checker (its program is not installed, or it lacks a privilege). The output was emitted but not verified.',
  },
  TooManyErrors: {
    code: 'MC4005', severity: 'error', title: 'Too many errors',
    message: '{count} more errors not shown (the first {shown} are)',
    hint: 'fix the first errors and build again: most of the rest usually follow from them',
    doc: 'meshc reports at most 1,000 errors per run, so that a mistaken input (a whole directory of unrelated YAML, say) gives a readable answer in bounded memory. The errors shown are the first ones in file order.',
  },
  TargetCrashed: {
    code: 'MC4004', severity: 'error', title: 'Target failed',
    message: 'internal error in target {target}: {detail}',
    hint: 'this is a bug in meshc; please report it with the input that caused it',
    doc: 'A target threw an exception while emitting or verifying. This is always a bug in meshc, never a problem with the mesh.',
  },
});

/** What to compile and how. */
export interface CompileOptions {
  /** A mesh file or directory. */
  input: string;
  /** Target names; default every registered target. */
  targets?: string[];
  /** Targets whose unsupported features are warnings. */
  allowPartial?: string[];
  /** Run each target's verifier on its output. */
  verify?: boolean;
  /** Stop after the checker (no IR, no output): `meshc check`. */
  checkOnly?: boolean;
  /**
   * Takes every emitted file as soon as it is made (`meshc build` writes it into its staging
   * directory); the result's `files` is then empty. Ignored with `verify`, which needs the files.
   * The files are final only when the result has no errors.
   */
  output?: (file: OutputFile) => void;
  /** Called with the IR once it is built, before the targets run (the CLI sizes its writer by it). */
  beforeEmit?: (ir: MeshIR) => void;
}

/** What a compilation produced. */
export interface CompileResult {
  /** The input root directory (spans are relative to it). */
  root: string;
  /** Every diagnostic, in report order (renderers sort them). */
  diagnostics: Diagnostic[];
  /** The IR, when the mesh checked without errors. */
  ir?: MeshIR;
  /** Emitted files of every selected target, sorted by path; empty when there are errors or they went to `output`. */
  files: OutputFile[];
  /** sha256 over the input files' relative paths and contents. */
  inputHash: string;
  /** Milliseconds per stage (load, validate, check, lower, emit:<target>, verify:<target>). */
  timings: Record<string, number>;
  /** The targets that ran. */
  targets: string[];
  /** The text of every input file read, keyed by the relative path that spans use. */
  sources: Record<string, string>;
}

/** What a crash diagnostic says: the first line of the error; the stack only under MESHC_DEBUG=1. */
function crashDetail(err: unknown): string {
  if (process.env.MESHC_DEBUG === '1') return String((err as Error)?.stack ?? err);
  return String((err as Error)?.message ?? err).split('\n')[0] ?? 'unknown error';
}

/** At most this many errors are reported per run; the rest are counted in one MC4005. */
export const MAX_ERRORS = 1000;

/** Limits of the input (file size, documents, aliases, depth, values) and of `--check`'s diff (MC5012): always reported. */
const ALWAYS_SHOWN = new Set(['MC1008', 'MC1009', 'MC1010', 'MC1011', 'MC1012', 'MC5012']);

/**
 * Keeps the first {@link MAX_ERRORS} errors (and every warning and note up to that point), and
 * every diagnostic about a limit of the input, which says why the rest may be missing. The errors
 * left out are counted in one MC4005 (a list capped before keeps its count in it).
 */
export function capErrors(ds: Diagnostic[]): Diagnostic[] {
  let errors = 0;
  let carried = 0;
  const out: Diagnostic[] = [];
  for (const d of ds) {
    if (d.standsFor !== undefined) {
      carried += d.standsFor;
      continue;
    }
    if (ALWAYS_SHOWN.has(d.code)) {
      out.push(d);
      continue;
    }
    if (d.severity === 'error' && ++errors > MAX_ERRORS) continue;
    if (errors <= MAX_ERRORS) out.push(d);
  }
  const hidden = Math.max(0, errors - MAX_ERRORS) + carried;
  if (hidden > 0) {
    out.push({ ...makeDiagnostic(PipelineCodes.TooManyErrors, undefined, { count: hidden, shown: Math.min(errors, MAX_ERRORS) }), standsFor: hidden });
  }
  return out;
}

/** Hash of the input: sorted relative paths and contents. */
export function hashInput(load: LoadResult): string {
  const h = createHash('sha256');
  for (const f of load.files) {
    h.update(f.file).update('\0').update(f.text).update('\0');
  }
  return h.digest('hex');
}

/** Resolves target names (repeated or comma-separated) against the registry. */
export async function selectTargets(names: string[] | undefined, bag: DiagnosticBag): Promise<Target[]> {
  const all = targetNames();
  const wanted =
    !names || names.length === 0
      ? all.filter((n) => n !== 'ir')
      : [...new Set(names.flatMap((n) => n.split(',')).map((n) => n.trim()).filter(Boolean))];
  const out: Target[] = [];
  for (const n of wanted) {
    if (all.includes(n)) out.push(await loadTarget(n));
    else bag.report(PipelineCodes.UnknownTarget, undefined, { name: n, known: all.join(', ') });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** Runs one stage of the pipeline and records how long it took, under the stage's name. */
export type StageTimer = <T>(stage: string, run: () => T) => T;

/** A {@link StageTimer} that records wall milliseconds into `timings`. */
export function wallTimer(timings: Record<string, number>): StageTimer {
  return (stage, run) => {
    const t = performance.now();
    try {
      return run();
    } finally {
      timings[stage] = performance.now() - t;
    }
  };
}

/**
 * Runs load → IR on an already loaded input; the part of the pipeline every target shares. Each
 * stage (validate, check, lower) is timed by `time` (default: wall time into `timings`).
 */
export function compileLoaded(
  load: LoadResult,
  bag: DiagnosticBag,
  timings: Record<string, number>,
  checkOnly = false,
  time: StageTimer = wallTimer(timings),
): MeshIR | undefined {
  bag.addAll(load.diagnostics);
  const validated = time('validate', () => validateDocuments(load.documents));
  bag.addAll(validated.diagnostics);
  const checked = time('check', () => checkMesh(validated.resources, load));
  bag.addAll(checked.diagnostics);
  const mesh = checked.mesh;
  if (bag.hasErrors || !mesh || checkOnly) return undefined;
  return time('lower', () => lowerMesh(mesh));
}

/**
 * Emits the IR with the given targets. Without `sink`, returns every file, sorted by path. With
 * `sink`, each file goes to it as soon as its target made it and is not kept; the result is then
 * empty.
 *
 * Targets that can emit owner by owner (Target.units) are interleaved: for each owner (the mesh,
 * each service, each gateway), every such target in name order emits its files for it, and a
 * target that embeds another (Target.embeds) takes that one's files for the same owner
 * (EmitContext.unitFiles); then each one's `finish`. So with a sink no owner's files outlive its
 * turn. The other targets run whole, first, in name order; their files are kept only for a later
 * target that embeds them (EmitContext.emittedBy), until it is done. Per target, `timings` gets
 * the wall milliseconds spent in it (not in `sink`).
 */
export function emitTargets(
  ir: MeshIR,
  targets: Target[],
  bag: DiagnosticBag,
  timings: Record<string, number>,
  allowPartial: string[] = [],
  sink?: (file: OutputFile) => void,
): OutputFile[] {
  const files: OutputFile[] = [];
  const partial = new Set([...allowPartial, ...ir.mesh.allowPartial]);
  const contexts = new Map<string, EmitContext>();
  /** Whole outputs of targets that run whole, kept for a later embedder. */
  const emitted = new Map<string, readonly OutputFile[]>();
  /** The current unit and the files unit targets emitted for it, kept for a later embedder. */
  let unitNow: string | undefined;
  const unitOutput = new Map<string, readonly OutputFile[]>();
  const byUnits = new Set<string>();
  const contextFor = (name: string): EmitContext => {
    let ctx = contexts.get(name);
    if (ctx) return ctx;
    ctx = {
      meshcVersion: meshcVersion(),
      unsupported(feature: string, span: Span | undefined, detail?: string) {
        report(PipelineCodes.Unsupported, span, { target: name, feature, detail: detail ? `: ${detail}` : '' }, {
          severity: partial.has(name) ? 'warning' : 'error',
          target: name,
        });
      },
      report(info: DiagnosticInfo, span: Span | undefined, args?: DiagnosticArgs, extras?: ReportExtras) {
        report(info, span, args ?? {}, { ...extras, target: name });
      },
      forTarget: (other: string) => contextFor(other),
      emittedBy: (other: string) => {
        const list = emitted.get(other);
        // Handed over once when the files are written as they go: the caller may let them go.
        if (sink && !embeddedAfter(current, other)) emitted.delete(other);
        return list;
      },
      unitFiles: (other: string, unit: string) => {
        if (!byUnits.has(other)) return undefined;
        return unit === unitNow ? (unitOutput.get(other) ?? []) : undefined;
      },
    };
    contexts.set(name, ctx);
    return ctx;
  };
  // The same problem reported twice (a target run directly and embedded by another) is one diagnostic.
  const seen = new Set<string>();
  const report = (info: DiagnosticInfo, span: Span | undefined, args: DiagnosticArgs, extras: ReportExtras) => {
    const d = makeDiagnostic(info, span, args, extras);
    const key = JSON.stringify([d.code, d.severity, d.message, d.span, d.target]);
    if (seen.has(key)) return;
    seen.add(key);
    bag.add(d);
  };
  const take = (f: OutputFile) => {
    flat(f.content);
    if (sink) sink(f);
    else files.push(f);
  };
  const embedders = targets.map((t) => t.embeds?.(ir) ?? []);
  /** Whether a target after the `i`-th embeds `name`'s files. */
  const embeddedAfter = (i: number, name: string) => embedders.slice(i + 1).some((e) => e.includes(name));
  const crashed = (target: Target, err: unknown) => bag.report(PipelineCodes.TargetCrashed, undefined, { target: target.name, detail: crashDetail(err) });
  const spent = (name: string, since: number) => (timings[`emit:${name}`] = (timings[`emit:${name}`] ?? 0) + performance.now() - since);
  let current = 0;

  // Targets that run whole, in name order.
  for (const [i, target] of targets.entries()) {
    if (target.units) continue;
    current = i;
    const t = performance.now();
    const base = contextFor(target.name);
    const keep = !sink || embeddedAfter(i, target.name);
    const handed: OutputFile[] = [];
    const ctx: EmitContext = sink ? { ...base, output: (f) => (keep && handed.push(f), take(f)) } : base;
    let out: OutputFile[] = [];
    try {
      out = target.emit(ir, ctx);
      if (keep) emitted.set(target.name, handed.length > 0 ? [...handed, ...out] : out);
    } catch (err) {
      crashed(target, err);
    }
    spent(target.name, t);
    for (const f of out) take(f);
    // What no later target embeds is let go.
    for (const name of emitted.keys()) if (sink && !embeddedAfter(i, name)) emitted.delete(name);
  }

  // Targets that run by units, interleaved per unit.
  const plans: { i: number; target: Target; units: UnitEmitter; has: Set<string>; keep: boolean; failed: boolean }[] = [];
  for (const [i, target] of targets.entries()) {
    if (!target.units) continue;
    const t = performance.now();
    try {
      const units = target.units(ir, contextFor(target.name));
      plans.push({ i, target, units, has: new Set(units.units), keep: embeddedAfter(i, target.name), failed: false });
      byUnits.add(target.name);
    } catch (err) {
      crashed(target, err);
    }
    spent(target.name, t);
  }
  const order: string[] = [];
  const listed = new Set<string>();
  for (const p of plans) for (const u of p.units.units) if (!listed.has(u)) (listed.add(u), order.push(u));
  for (const unit of order) {
    unitNow = unit;
    for (const p of plans) {
      if (p.failed || !p.has.has(unit)) continue;
      current = p.i;
      const t = performance.now();
      let out: OutputFile[] = [];
      try {
        out = p.units.emit(unit);
      } catch (err) {
        p.failed = true;
        crashed(p.target, err);
      }
      spent(p.target.name, t);
      if (p.keep) unitOutput.set(p.target.name, out);
      for (const f of out) take(f);
    }
    unitOutput.clear();
  }
  unitNow = undefined;
  for (const p of plans) {
    if (p.failed) continue;
    current = p.i;
    const t = performance.now();
    let out: OutputFile[] = [];
    try {
      out = p.units.finish();
    } catch (err) {
      crashed(p.target, err);
    }
    spent(p.target.name, t);
    for (const f of out) take(f);
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Runs the selected targets' verifiers over their files. */
export async function verifyTargets(files: OutputFile[], targets: Target[], bag: DiagnosticBag, timings: Record<string, number>): Promise<void> {
  for (const target of targets) {
    if (!target.verify) continue;
    const mine = files.filter((f) => f.path.startsWith(target.name + '/'));
    const t = performance.now();
    const tmpDir = mkdtempSync(join(tmpdir(), `meshc-verify-${target.name}-`));
    try {
      const r = await target.verify(mine, { tmpDir });
      for (const d of r.diagnostics) bag.add({ ...d, target: target.name });
      for (const reason of r.skipped) bag.report(PipelineCodes.VerifySkipped, undefined, { target: target.name, reason }, { target: target.name });
    } catch (err) {
      bag.report(PipelineCodes.TargetCrashed, undefined, { target: target.name, detail: crashDetail(err) });
    } finally {
      rmSync(tmpDir, { recursive: true, force: true });
    }
    timings[`verify:${target.name}`] = performance.now() - t;
  }
}

/** From this many services and gateways, one full garbage collection runs before the targets ({@link collectGarbage}). */
const GC_BEFORE_TARGETS = 2000;

/**
 * Between the front end and the targets of a large mesh (the parsed documents let go): one full
 * garbage collection, timed as `gc` (see {@link collectGarbage} for why).
 */
export function settleHeap(ir: MeshIR, timings: Record<string, number>): void {
  if (ir.services.length + ir.gateways.length < GC_BEFORE_TARGETS) return;
  const t = performance.now();
  if (collectGarbage()) timings.gc = performance.now() - t;
}

/** The whole pipeline, without writing. */
export async function compile(opts: CompileOptions): Promise<CompileResult> {
  const timings: Record<string, number> = {};
  const bag = new DiagnosticBag();
  const targets = opts.checkOnly ? [] : await selectTargets(opts.targets, bag);
  let t = performance.now();
  const load = loadMesh(opts.input);
  timings.load = performance.now() - t;
  return finish(load, opts, targets, bag, timings);
}

/** The whole pipeline over in-memory files (tests). */
export async function compileMemory(files: Record<string, string>, opts: Omit<CompileOptions, 'input'> = {}): Promise<CompileResult> {
  const timings: Record<string, number> = {};
  const bag = new DiagnosticBag();
  const targets = opts.checkOnly ? [] : await selectTargets(opts.targets, bag);
  const load = loadFromMemory(files);
  return finish(load, { ...opts, input: '/mesh' }, targets, bag, timings);
}

async function finish(load: LoadResult, opts: CompileOptions, targets: Target[], bag: DiagnosticBag, timings: Record<string, number>): Promise<CompileResult> {
  const ir = compileLoaded(load, bag, timings, opts.checkOnly);
  // What the rest needs of the input is its hash and its texts (for code frames): the parsed
  // documents (every value and position) are let go before the targets run.
  const inputHash = hashInput(load);
  const sources = Object.fromEntries(load.files.map((f) => [f.file, f.text]));
  load.documents.length = 0;
  let files: OutputFile[] = [];
  if (ir && !bag.hasErrors) {
    settleHeap(ir, timings);
    opts.beforeEmit?.(ir);
    files = emitTargets(ir, targets, bag, timings, opts.allowPartial, opts.verify ? undefined : opts.output);
    if (opts.verify && !bag.hasErrors) await verifyTargets(files, targets, bag, timings);
    if (bag.hasErrors) files = [];
  }
  const result: CompileResult = {
    root: load.root,
    diagnostics: capErrors(bag.items),
    files,
    inputHash,
    timings,
    targets: targets.map((x) => x.name),
    sources,
  };
  if (ir) result.ir = ir;
  return result;
}
