/**
 * One benchmark measurement, run in a fresh child process per mesh size (so that peak RSS and the
 * heap are that size's own): the whole build of a generated mesh, stage by stage — load, validate,
 * check, lower, each target's emit, write (src/output's transactional writer into a temporary
 * directory, durable as the CLI does it) — with wall time and CPU time (user + system of this
 * process, GC threads included) per stage; then, in the same process, the floor (floor.ts) and the
 * sidecar sizes (sidecars.ts).
 * @module
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compileLoaded, emitTargets, hashInput, selectTargets, settleHeap, type StageTimer } from '../src/compiler.js';
import { DiagnosticBag } from '../src/diagnostics/bag.js';
import { loadMesh } from '../src/dsl/load.js';
import { MANIFEST_NAME } from '../src/output/paths.js';
import { beginOutput, OutputWrite } from '../src/output/write.js';
import type { MeshIR } from '../src/ir/types.js';
import type { OutputFile, Target } from '../src/target/types.js';
import { meshcVersion } from '../src/util/package.js';
import { measureFloor, type FloorResult } from './floor.js';
import { sidecarSizes, type SidecarSizes } from './sidecars.js';

/** Wall and CPU milliseconds of a span of the build. */
export interface Clocked {
  wallMs: number;
  cpuMs: number;
}

/** Wall and CPU milliseconds of one stage. */
export interface StageTime {
  wallMs: number;
  /**
   * CPU time of the whole process over the stage (GC and the writer's threads included); absent
   * for each target's emit, whose owners are interleaved: see the `emit` stage.
   */
  cpuMs?: number;
}

/** What one size's child process reports. */
export interface Sample {
  /** Services in the mesh. */
  n: number;
  /** The targets that ran. */
  targets: string[];
  /** From the start of load to the end of write. */
  build: Clocked;
  /**
   * Per stage, in pipeline order: load, validate, check, lower, emit:<target>… (each target's own
   * wall time), write (handing files to the writer, `write:add`, and its commit, `write:commit`:
   * the background thread's last files, the manifest, the transaction), and `emit`: the whole of
   * emission and writing, with its CPU time.
   */
  stages: Record<string, StageTime>;
  /**
   * CPU milliseconds of the writer's background thread (planning, hashing, staging), which runs
   * beside the emission; each stage's CPU time is the whole process's over that stage, so this is
   * part of the emit stages' CPU and of write's. Undefined where the system does not tell.
   */
  writerCpuMs?: number;
  /** Peak resident set size of the process at the end of the build (before the floor ran), MiB. */
  peakRssMiB: number;
  /** Files and bytes the write stage wrote (the targets' files plus meshc-manifest.json). */
  filesWritten: number;
  bytesWritten: number;
  /** Errors and warnings the build reported (a bench mesh must have none). */
  errors: number;
  warnings: number;
  /** The floor: the same files serialised from their object models and written plainly. */
  floor: FloorResult;
  /** Median sidecar config sizes. */
  sidecars: SidecarSizes;
}

/** Starts a stage clock. */
function clock(): () => Clocked {
  const w = performance.now();
  const c = process.cpuUsage();
  return () => {
    const d = process.cpuUsage(c);
    return { wallMs: performance.now() - w, cpuMs: (d.user + d.system) / 1000 };
  };
}

/** A {@link StageTimer} that records wall and CPU time into `stages`. */
function stageTimer(stages: Record<string, StageTime>): StageTimer {
  return (stage, run) => {
    const stop = clock();
    try {
      return run();
    } finally {
      stages[stage] = stop();
    }
  };
}

/** The files of a written tree, read back one at a time (for the floor), in manifest order. */
/** The paths the manifest of the tree in `dir` lists. */
function listTree(dir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_NAME), 'utf8')) as { files: { path: string }[] };
  return manifest.files.map((f) => f.path);
}

function* readTree(dir: string): Generator<OutputFile> {
  for (const path of listTree(dir)) yield { path, content: readFileSync(join(dir, path), 'utf8') };
}

/**
 * Builds the mesh in `input` with `targets`, writing into `scratch/out` and the floor into
 * `scratch/floor` (both removed afterwards). As `meshc build` does, every file goes to the
 * writer as soon as it is emitted (src/output OutputWrite, planned and staged on its background
 * thread), then the write is committed; the time spent handing files to the writer during emission
 * and waiting for it at commit counts as write, not emit. The background thread's work overlaps
 * the emission: a stage's wall time is the main thread's, its CPU time (the process's) includes
 * whatever the writer's thread did meanwhile. Throws when the mesh does not build: a bench mesh
 * must compile cleanly.
 */
export async function measure(input: string, n: number, targetNames: string[], scratch: string): Promise<Sample> {
  const bag = new DiagnosticBag();
  const targets = await selectTargets(targetNames, bag);
  if (bag.hasErrors) throw new Error(bag.items.map((d) => d.message).join('\n'));
  const stages: Record<string, StageTime> = {};
  const version = meshcVersion();
  (globalThis as { gc?: () => void }).gc?.();

  const total = clock();
  // load → IR; as in the CLI (compiler.ts finish), only the input's hash outlives it, not the
  // parsed documents.
  const { ir, inputHash } = front(input, stages, bag);
  const settle: Record<string, number> = {};
  settleHeap(ir, settle);
  if (settle.gc !== undefined) stages.gc = { wallMs: settle.gc };

  const out = join(scratch, 'out');
  const writer = beginOutput(out, { background: true });
  if (!(writer instanceof OutputWrite)) throw new Error(`cannot write: ${writer.diagnostics.map((d) => d.message).join('\n')}`);
  if (!writer.background) throw new Error('the bench measures the compiled JavaScript (dist/), where the writer stages in the background');
  // Only wall time per file: reading the process's CPU time per file (twice for each of 180,015
  // files) cost the build seconds of its own.
  let sinkMs = 0;
  const sink = (f: OutputFile) => {
    const t = performance.now();
    writer.add(f);
    sinkMs += performance.now() - t;
  };
  // The targets interleave owner by owner: each one's wall time is emitTargets' own count; the
  // emission's CPU time is the whole phase's (every target, and the writer's thread beside them).
  const timings: Record<string, number> = {};
  const emitting = clock();
  emitTargets(ir, targets, bag, timings, [], sink);
  const e = emitting();
  for (const t of targets) stages[`emit:${t.name}`] = { wallMs: timings[`emit:${t.name}`] ?? 0 };
  if (bag.hasErrors) {
    writer.abort();
    throw new Error(`bench mesh does not emit:\n${summary(bag)}`);
  }
  const commit = clock();
  const written = writer.commit({ inputHash, meshcVersion: version });
  const c = commit();
  stages.write = { wallMs: sinkMs + c.wallMs };
  stages['write:add'] = { wallMs: sinkMs };
  stages['write:commit'] = { wallMs: c.wallMs, cpuMs: c.cpuMs };
  stages.emit = { wallMs: e.wallMs + c.wallMs, cpuMs: e.cpuMs + c.cpuMs };
  const build = total();
  if (written.diagnostics.some((d) => d.severity === 'error')) throw new Error(`write failed:\n${written.diagnostics.map((d) => d.message).join('\n')}`);
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;

  // Sizes from the tree written (after the clock): the files the manifest lists, and itself.
  const sizes = [...listTree(out)].map((path) => ({ path, bytes: statSync(join(out, path)).size }));
  const bytesWritten = sizes.reduce((a, f) => a + f.bytes, 0) + statSync(join(out, MANIFEST_NAME)).size;
  const sidecars = sidecarSizes(sizes);
  (globalThis as { gc?: () => void }).gc?.();
  const floor = measureFloor(readTree(out), join(scratch, 'floor'));
  rmSync(join(scratch, 'floor'), { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });

  return {
    n,
    targets: targets.map((t) => t.name),
    build,
    stages,
    peakRssMiB,
    ...(written.backgroundCpuMs !== undefined ? { writerCpuMs: written.backgroundCpuMs } : {}),
    filesWritten: written.created.length + 1,
    bytesWritten,
    errors: bag.items.filter((d) => d.severity === 'error').length,
    warnings: bag.items.filter((d) => d.severity === 'warning').length,
    floor,
    sidecars,
  };
}

/** The stages load, validate, check and lower, timed into `stages`; throws when the mesh does not check. */
function front(input: string, stages: Record<string, StageTime>, bag: DiagnosticBag): { ir: MeshIR; inputHash: string } {
  const time = stageTimer(stages);
  const load = time('load', () => loadMesh(input));
  const ir = compileLoaded(load, bag, {}, false, time);
  if (!ir) throw new Error(`bench mesh does not check:\n${summary(bag)}`);
  return { ir, inputHash: hashInput(load) };
}

function summary(bag: DiagnosticBag): string {
  return bag.items
    .slice(0, 10)
    .map((d) => `${d.code} ${d.span ? `${d.span.file}:${d.span.line}:${d.span.column} ` : ''}${d.message}`)
    .join('\n');
}
