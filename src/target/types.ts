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
  /** Checks emitted files with the target's own checker. May run programs; never writes outside `ctx.tmpDir`. */
  verify?(files: readonly OutputFile[], ctx: VerifyContext): Promise<VerifyResult>;
}
