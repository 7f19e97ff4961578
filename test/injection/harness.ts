/**
 * Runs one hostile value in one field through the whole pipeline and classifies the result:
 *
 * - `refused`: the build failed, and every error points exactly at the field (file, line, column);
 * - `inert`: the build succeeded, every emitted file has the same structure as with the harmless
 *   value ({@link compareFile}), and every target's own checker accepts the files that changed;
 * - `broken`: anything else (an error elsewhere, a crash, a changed structure, a checker failure).
 *
 * Checking with real programs is batched: HAProxy configs of many cases are renamed apart and
 * checked in one verifier call; Envoy, Kubernetes and nftables files are checked when they differ
 * from the harmless build.
 * @module
 */
import { performance } from 'node:perf_hooks';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { compileMemory } from '../../src/compiler.js';
import type { Diagnostic } from '../../src/diagnostics/types.js';
import { loadTarget, targetNames } from '../../src/target/registry.js';
import type { OutputFile, Target } from '../../src/target/types.js';
import { fill, type Field, type Position } from './base.js';
import { compareFile } from './skeleton.js';

/** Where HAProxy configs load their files from (targets/haproxy/build.ts). */
const HAPROXY_DIR = '/etc/meshc/haproxy';

/** The result of one case. */
export interface CaseResult {
  field: string;
  hostile: string;
  value: string;
  outcome: 'refused' | 'inert' | 'broken';
  /** Codes of the refusal. */
  codes: string[];
  /** What broke, per target (`*` for the pipeline). */
  problems: { target: string; detail: string }[];
  /** The inputs, to write a regression fixture. */
  files: Record<string, string>;
  jwks: string;
  /** Where a refusal may point (the field's value or key; for JWKS content, the filter). */
  at: Position[];
}

/** Targets whose unsupported features are warnings: every one, so that all of them emit. */
export const ALL_TARGETS = targetNames();

function fmt(d: Diagnostic): string {
  const at = d.span ? `${d.span.file}:${d.span.line}:${d.span.column}` : '-';
  return `${d.code} ${at} ${d.message.slice(0, 400)}`;
}

/** One run of the injection tests: a scratch directory, the harmless build, queued checks. */
export class InjectionRun {
  readonly dir: string;
  readonly jwksPath: string;
  private base: Map<string, string> = new Map();
  private targets = new Map<string, Target>();
  private queue: { result: CaseResult; files: OutputFile[] }[] = [];
  /** Counters: cases per outcome, verifier runs per target. */
  readonly counts = { verified: {} as Record<string, number> };
  /** Milliseconds per phase. */
  readonly ms: Record<string, number> = {};
  private tick(phase: string, t0: number): number {
    const t = performance.now();
    this.ms[phase] = (this.ms[phase] ?? 0) + (t - t0);
    return t;
  }

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'meshc-injection-'));
    this.jwksPath = join(this.dir, 'jwks.json');
  }

  /** Loads the targets and builds (and fully verifies) the harmless mesh; returns its problems. */
  async init(): Promise<string[]> {
    for (const n of ALL_TARGETS) this.targets.set(n, await loadTarget(n));
    const h = fill(this.jwksPath);
    writeFileSync(this.jwksPath, h.jwks);
    const r = await compileMemory(h.files, { targets: ALL_TARGETS, allowPartial: ALL_TARGETS, verify: true });
    const problems = r.diagnostics.filter((d) => d.severity === 'error').map(fmt);
    this.base = new Map(r.files.map((f) => [f.path, f.content]));
    if (this.base.size === 0) problems.push('the harmless mesh emitted nothing');
    return problems;
  }

  /** Runs one case (its HAProxy check is queued until {@link flush}). */
  async run(field: Field, hostileId: string, value: string): Promise<CaseResult> {
    const h = fill(this.jwksPath, field.id, value);
    writeFileSync(this.jwksPath, h.jwks);
    const result: CaseResult = { field: field.id, hostile: hostileId, value, outcome: 'inert', codes: [], problems: [], files: h.files, jwks: h.jwks, at: h.at };
    let t = performance.now();
    const r = await compileMemory(h.files, { targets: ALL_TARGETS, allowPartial: ALL_TARGETS });
    t = this.tick('compile', t);
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      const atField = (d: Diagnostic): boolean => h.at.some((a) => d.span?.file === a.file && d.span.line === a.line && d.span.column === a.column);
      const elsewhere = errors.filter((d) => !atField(d));
      const at = h.at[0]!;
      if (elsewhere.length === 0) {
        result.outcome = 'refused';
        result.codes = [...new Set(errors.map((d) => d.code))].sort();
      } else {
        result.outcome = 'broken';
        for (const d of elsewhere) result.problems.push({ target: d.target ?? '*', detail: `error not at ${at.file}:${at.line}:${at.column}: ${fmt(d)}` });
      }
      return result;
    }
    // Structure: the same files, each with the harmless build's skeleton (the empty string may
    // legitimately drop an optional element, so only its checkers' verdict counts).
    // A value that is a name may appear in file names: compare those files under the harmless name.
    // (Mapped from the harmless build's paths, so that a short value such as `a` does not rename
    // every path that happens to contain its letters.)
    const renames = new Map<string, string>();
    if (field.inFileNames === true && value !== '') {
      for (const p of this.base.keys()) if (p.includes(field.harmless)) renames.set(p.split(field.harmless).join(value), p);
    }
    const files = new Map(r.files.map((f) => [renames.get(f.path) ?? f.path, f.content]));
    if (value !== '') {
      for (const p of new Set([...this.base.keys(), ...files.keys()])) {
        const a = this.base.get(p);
        const b = files.get(p);
        const target = p.split('/')[0]!;
        if (a === undefined || b === undefined) {
          result.problems.push({ target, detail: `${p} ${a === undefined ? 'appeared' : 'vanished'}` });
          continue;
        }
        if (a === b) continue;
        const why = compareFile(p, a, b);
        if (why) result.problems.push({ target, detail: `${p}: ${why}` });
      }
    }
    t = this.tick('compare', t);
    // The targets' own checkers, on what changed.
    for (const [name, target] of this.targets) {
      if (!target.verify || name === 'haproxy') continue;
      const mine = r.files.filter((f) => f.path.startsWith(name + '/'));
      const changed = mine.filter((f) => this.base.get(f.path) !== f.content);
      if (changed.length === 0 && mine.length === [...this.base.keys()].filter((p) => p.startsWith(name + '/')).length) continue;
      const toCheck = name === 'envoy' ? changed : mine;
      this.counts.verified[name] = (this.counts.verified[name] ?? 0) + 1;
      const tmp = mkdtempSync(join(this.dir, `verify-${name}-`));
      try {
        const v = await target.verify(toCheck, { tmpDir: tmp });
        for (const d of v.diagnostics.filter((x) => x.severity === 'error')) result.problems.push({ target: name, detail: fmt(d) });
      } catch (err) {
        result.problems.push({ target: name, detail: `verifier threw: ${String(err)}` });
      } finally {
        rmSync(tmp, { recursive: true, force: true });
        t = this.tick(`verify:${name}`, t);
      }
    }
    const hx = r.files.filter((f) => f.path.startsWith('haproxy/'));
    if (hx.some((f) => this.base.get(f.path) !== f.content)) this.queue.push({ result, files: hx });
    this.settle(result);
    return result;
  }

  private settle(result: CaseResult): void {
    if (result.outcome !== 'inert') return;
    if (result.problems.length > 0) result.outcome = 'broken';
  }

  /**
   * Checks the queued HAProxy configs with `haproxy -c`, many cases per verifier call: each case's
   * files are renamed `c<k>-<name>` and the paths inside its configs follow.
   */
  async flush(): Promise<void> {
    const queue = this.queue;
    this.queue = [];
    if (queue.length === 0) return;
    const haproxy = this.targets.get('haproxy');
    if (!haproxy?.verify) return;
    const batch: OutputFile[] = [];
    queue.forEach(({ files }, k) => {
      const names = files.map((f) => posix.basename(f.path)).sort((a, b) => b.length - a.length);
      for (const f of files) {
        const changed = this.base.get(f.path) !== f.content;
        const isCfg = f.path.endsWith('.cfg');
        // Check the configs that changed or load a file that changed; carry every other file along.
        if (isCfg && !changed && !files.some((g) => !g.path.endsWith('.cfg') && this.base.get(g.path) !== g.content && f.content.includes(posix.basename(g.path)))) continue;
        let content = f.content;
        for (const n of names) content = content.split(`${HAPROXY_DIR}/${n}`).join(`${HAPROXY_DIR}/\u0000${n}`);
        content = content.split(`${HAPROXY_DIR}/\u0000`).join(`${HAPROXY_DIR}/c${k}-`);
        batch.push({ path: `haproxy/c${k}-${posix.basename(f.path)}`, content });
      }
    });
    this.counts.verified.haproxy = (this.counts.verified.haproxy ?? 0) + batch.filter((f) => f.path.endsWith('.cfg')).length;
    const run = async (files: OutputFile[]): Promise<{ diagnostics: Diagnostic[] } | { error: string }> => {
      const tmp = mkdtempSync(join(this.dir, 'verify-haproxy-'));
      try {
        const v = await haproxy.verify!(files, { tmpDir: tmp });
        if (v.skipped.length > 0 && process.env.CI) throw new Error(`haproxy -c skipped in CI: ${v.skipped.join('; ')}`);
        return { diagnostics: v.diagnostics.filter((x) => x.severity === 'error') };
      } catch (err) {
        if (String(err).includes('skipped in CI')) throw err;
        return { error: `the haproxy verifier threw: ${String((err as Error)?.message ?? err).split('\n')[0]}` };
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    };
    const attribute = (d: Diagnostic, item?: { result: CaseResult }): void => {
      const m = /haproxy\/c(\d+)-/.exec(d.message);
      const it = item ?? (m ? queue[Number(m[1])] : undefined);
      if (!it) throw new Error(`unattributable haproxy diagnostic: ${fmt(d)}`);
      it.result.problems.push({ target: 'haproxy', detail: fmt(d).replace(/c\d+-/g, '') });
      it.result.outcome = 'broken';
    };
    const t0 = performance.now();
    const all = await run(batch);
    this.tick('verify:haproxy', t0);
    if ('diagnostics' in all) {
      for (const d of all.diagnostics) attribute(d);
      return;
    }
    // The verifier itself failed: check case by case to find the culprit.
    for (const [k, item] of queue.entries()) {
      const r = await run(batch.filter((f) => f.path.startsWith(`haproxy/c${k}-`)));
      if ('diagnostics' in r) for (const d of r.diagnostics) attribute(d, item);
      else {
        item.result.problems.push({ target: 'haproxy', detail: r.error });
        item.result.outcome = 'broken';
      }
    }
  }

  /** Removes the scratch directory. */
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Writes a broken case as a regression fixture directory: `hostile/` and `harmless/` meshes (the
 * JWKS beside them, referred to as `jwks.json`) and `case.json` (owner, field, value, what broke).
 */
export function writeInjectionFixture(root: string, field: Field, result: CaseResult, owner: string): string {
  const dir = join(root, `injection-${field.id.toLowerCase().replace(/_/g, '-')}-${result.hostile}`);
  const variants = { hostile: fill('jwks.json', field.id, result.value), harmless: fill('jwks.json') };
  for (const [sub, v] of Object.entries(variants)) {
    mkdirSync(join(dir, sub), { recursive: true });
    for (const [f, text] of Object.entries(v.files)) writeFileSync(join(dir, sub, f), text);
    writeFileSync(join(dir, sub, 'jwks.json'), v.jwks);
  }
  const at = variants.hostile.at;
  writeFileSync(
    join(dir, 'case.json'),
    JSON.stringify(
      { kind: 'injection', status: 'open', owner, field: field.id, hostile: result.hostile, value: result.value, at, problems: result.problems },
      null,
      2,
    ) + '\n',
  );
  return dir;
}
