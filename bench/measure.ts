/**
 * One benchmark measurement, run in a fresh child process per mesh size (so that peak RSS and the
 * heap are that size's own): the whole build of a generated mesh, stage by stage — load, validate,
 * check, lower, each target's emit, write (src/output's transactional writer into a temporary
 * directory, durable as the CLI does it) — with wall time and CPU time (user + system of this
 * process, GC threads included) per stage; then, in the same process, the floor (floor.ts) and the
 * sidecar sizes (sidecars.ts).
 * @module
 */
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { compileLoaded, emitTargets, hashInput, selectTargets, type StageTimer } from '../src/compiler.js';
import { DiagnosticBag } from '../src/diagnostics/bag.js';
import { loadMesh } from '../src/dsl/load.js';
import { MANIFEST_NAME } from '../src/output/paths.js';
import { writeOutput } from '../src/output/write.js';
import type { MeshIR } from '../src/ir/types.js';
import type { OutputFile, Target } from '../src/target/types.js';
import { meshcVersion } from '../src/util/package.js';
import { measureFloor, type FloorResult } from './floor.js';
import { sidecarSizes, type SidecarSizes } from './sidecars.js';

/** Wall and CPU milliseconds of one stage. */
export interface StageTime {
  wallMs: number;
  cpuMs: number;
}

/** What one size's child process reports. */
export interface Sample {
  /** Services in the mesh. */
  n: number;
  /** The targets that ran. */
  targets: string[];
  /** From the start of load to the end of write. */
  build: StageTime;
  /** Per stage, in pipeline order: load, validate, check, lower, emit:<target>…, write. */
  stages: Record<string, StageTime>;
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
function clock(): () => StageTime {
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

/** Wraps a target so that its emit is timed (wall and CPU) into `stages`. */
function timed(target: Target, stages: Record<string, StageTime>): Target {
  const time = stageTimer(stages);
  return { ...target, emit: (ir, ctx) => time(`emit:${target.name}`, () => target.emit(ir, ctx)) };
}

/**
 * Builds the mesh in `input` with `targets`, writing into `scratch/out` and the floor into
 * `scratch/floor` (both removed afterwards). Throws when the mesh does not build: a bench mesh must
 * compile cleanly.
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

  const wall: Record<string, number> = {};
  const wrapped = targets.map((t) => timed(t, stages));
  const files: OutputFile[] = emitTargets(ir, wrapped, bag, wall);
  if (bag.hasErrors) throw new Error(`bench mesh does not emit:\n${summary(bag)}`);

  const out = join(scratch, 'out');
  const written = stageTimer(stages)('write', () => writeOutput(out, files, { inputHash, meshcVersion: version }));
  const build = total();
  if (written.diagnostics.some((d) => d.severity === 'error')) throw new Error(`write failed:\n${written.diagnostics.map((d) => d.message).join('\n')}`);
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;

  let bytesWritten = 0;
  for (const f of files) bytesWritten += Buffer.byteLength(f.content);
  bytesWritten += statSync(join(out, MANIFEST_NAME)).size;
  rmSync(out, { recursive: true, force: true });

  const sidecars = sidecarSizes(files);
  (globalThis as { gc?: () => void }).gc?.();
  const floor = measureFloor(files, join(scratch, 'floor'));
  rmSync(join(scratch, 'floor'), { recursive: true, force: true });

  return {
    n,
    targets: targets.map((t) => t.name),
    build,
    stages,
    peakRssMiB,
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
