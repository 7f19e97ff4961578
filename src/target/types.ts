/**
 * The target interface. A target is a folder under `targets/` whose `index.ts` default-exports one
 * `Target`; the registry finds it, and nothing in `src/` changes when a target is added.
 * Targets read only the IR.
 * @module
 */
import type { Diagnostic, DiagnosticArgs, DiagnosticInfo, Span } from '../diagnostics/types.js';
import type { ReportExtras } from '../diagnostics/bag.js';
import type { MeshIR } from '../ir/types.js';

/** One emitted file, in memory. */
export interface OutputFile {
  /**
   * Path relative to the output root, posix separators, starting with the target's folder
   * (e.g. `envoy/catalog.yaml`). Only `[A-Za-z0-9._/-]` characters; no `..` segment.
   */
  path: string;
  /** The file's content (UTF-8). Text files end with a newline. */
  content: string;
}

/** What `emit` gets besides the IR. */
export interface EmitContext {
  /** The meshc version (for headers that name the generator; never a timestamp). */
  meshcVersion: string;
  /**
   * Reports a feature this target cannot express: an error, or a warning when the user accepted
   * partial output for this target (`--allow-partial` or `Mesh.spec.allowPartial`). Never drop a
   * feature silently. `feature` is a short stable phrase such as `route fault delay`.
   */
  unsupported(feature: string, span: Span | undefined, detail?: string): void;
  /** Reports a target-specific diagnostic from the target's own catalog. */
  report(info: DiagnosticInfo, span: Span | undefined, args?: DiagnosticArgs, extras?: ReportExtras): void;
  /**
   * The context to pass to another target whose `emit` this target calls (the Kubernetes target
   * embeds the proxy targets' configs): that target's reports carry its own name and are
   * deduplicated against its own run.
   */
  forTarget?(name: string): EmitContext;
  /**
   * The files another target already emitted in this run from the same IR, when it ran before
   * this one (targets run in name order) and this one declares it in `Target.embeds`, so that an
   * embedding target need not emit them again. Read-only. When the build writes files as they
   * are made, the list is handed over once: the caller then holds the only reference, and may
   * let each file go once used.
   */
  emittedBy?(target: string): readonly OutputFile[] | undefined;
  /**
   * When present, the caller takes files as they are made: a target may hand each finished file
   * to it instead of returning it, so that the caller can write it and let its text go (a large
   * mesh's output need not be in memory at once). A file is handed over once and is final; the
   * files handed over and the files returned are together the target's output. Absent when
   * another target calls this one's `emit` to embed its files.
   */
  output?(file: OutputFile): void;
  /**
   * In a build that emits owner by owner ({@link Target.units}): the files `target` emitted for
   * `unit` in this build, when that target runs by units too, came before this one for the unit
   * (targets run in name order) and this one declares it in `Target.embeds`. Only the current
   * unit's files are kept: valid while this unit is emitted. Read-only.
   */
  unitFiles?(target: string, unit: string): readonly OutputFile[] | undefined;
}

/**
 * A target's output split by owner — the mesh itself, each service, each gateway — so that a build
 * can emit one owner's files with every target, hand them to the writer and let them go before
 * the next owner: an embedding target (Kubernetes ConfigMaps) takes another target's files for the
 * same owner ({@link EmitContext.unitFiles}) without the whole output held in memory. The files of
 * every unit and of `finish` are together exactly what `emit` returns.
 */
export interface UnitEmitter {
  /** The owners this target emits for, in its order, each once: `mesh`, `service/<name>`, `gateway/<name>`. */
  readonly units: readonly string[];
  /** The files of one unit (each unit is emitted once, in the order of {@link units}). */
  emit(unit: string): OutputFile[];
  /** After every unit: the files that depend on all of them (e.g. `kustomization.yaml`); often none. */
  finish(): OutputFile[];
}

/** What `verify` gets. */
export interface VerifyContext {
  /** A scratch directory the verifier may use (created and removed by the caller). */
  tmpDir: string;
}

/** Result of a target's verification. */
export interface VerifyResult {
  /** Problems found in the emitted files (a problem here is a meshc bug or an unsupported input). */
  diagnostics: Diagnostic[];
  /** Checks that could not run (a missing binary, no CAP_NET_ADMIN): each a sentence. */
  skipped: string[];
}

/** A compilation target. */
export interface Target {
  /** Its name, the folder's name (`--target NAME`). */
  name: string;
  /** One line: what it emits. */
  description: string;
  /**
   * What it can express, for documentation and `meshc targets`: short phrases, e.g.
   * `route regex match`, `fault delay`. What it cannot express is reported by `emit` via
   * `ctx.unsupported`.
   */
  capabilities: readonly string[];
  /**
   * The targets whose files this one takes from their own run in the same build, for this IR (the
   * Kubernetes target puts the proxy targets' configs into ConfigMaps): when they run before it,
   * their files are kept for its {@link EmitContext.emittedBy}, which hands each list over once.
   * Pure and cheap.
   */
  embeds?(ir: MeshIR): readonly string[];
  /** Its own diagnostic catalog entries (already registered with `defineCodes`). */
  codes?: readonly DiagnosticInfo[];
  /** Turns the IR into files. Pure: no I/O, deterministic. */
  emit(ir: MeshIR, ctx: EmitContext): OutputFile[];
  /**
   * The same output owner by owner, when the target can split it so (see {@link UnitEmitter}); a
   * build then interleaves every such target per owner. Pure, like `emit`, and the files the same.
   */
  units?(ir: MeshIR, ctx: EmitContext): UnitEmitter;
  /** Checks emitted files with the target's own checker. May run programs; never writes outside `ctx.tmpDir`. */
  verify?(files: readonly OutputFile[], ctx: VerifyContext): Promise<VerifyResult>;
}

/** The unit key of the mesh-wide part of a target's output. */
export const MESH_UNIT = 'mesh';
/** The unit key of a service's part. */
export const serviceUnit = (name: string): string => `service/${name}`;
/** The unit key of a gateway's part. */
export const gatewayUnit = (name: string): string => `gateway/${name}`;

/**
 * The units of a target that configures one proxy per service and per gateway: a unit for each of
 * `services` and `gateways` (in that order), emitted by `service` and `gateway`; nothing at `finish`.
 */
export function ownerUnits<S extends { name: string }, G extends { name: string }>(
  services: readonly S[],
  gateways: readonly G[],
  service: (s: S) => OutputFile[],
  gateway: (g: G) => OutputFile[],
): UnitEmitter {
  const byService = new Map(services.map((s) => [serviceUnit(s.name), s]));
  const byGateway = new Map(gateways.map((g) => [gatewayUnit(g.name), g]));
  return {
    units: [...byService.keys(), ...byGateway.keys()],
    emit(unit) {
      const s = byService.get(unit);
      if (s) return service(s);
      const g = byGateway.get(unit);
      return g ? gateway(g) : [];
    },
    finish: () => [],
  };
}

/**
 * A target's whole output from its units, as `emit` returns it: every unit's files and `finish`'s,
 * handed to `ctx.output` as they are made when the caller takes them so, else returned sorted by path.
 */
export function emitAllUnits(u: UnitEmitter, ctx: EmitContext): OutputFile[] {
  const files: OutputFile[] = [];
  const add = (fs: OutputFile[]) => {
    if (ctx.output) for (const f of fs) ctx.output(f);
    else for (const f of fs) files.push(f);
  };
  for (const unit of u.units) add(u.emit(unit));
  add(u.finish());
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
