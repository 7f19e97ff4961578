/**
 * The Kubernetes target takes the proxy configs the Envoy and HAProxy targets already emitted in the
 * same run (`EmitContext.emittedBy`) when they were emitted from the IR it would give them, and
 * emits them itself otherwise: either way the manifests are the same.
 */
import { describe, expect, it } from 'vitest';
import { meshFiles } from '../../bench/generate.js';
import { compile, compileMemory, emitTargets, type CompileResult } from '../../src/compiler.js';
import { DiagnosticBag } from '../../src/diagnostics/bag.js';
import type { EmitContext, OutputFile, Target } from '../../src/target/types.js';
import { emitKubernetes } from '../../targets/kubernetes/emit.js';
import envoy from '../../targets/envoy/index.js';
import haproxy from '../../targets/haproxy/index.js';
import { collectingContext, irOf } from './helpers.js';

const ALL = ['envoy', 'haproxy', 'kubernetes', 'nftables'];

function kubeFiles(r: CompileResult): OutputFile[] {
  return r.files.filter((f) => f.path.startsWith('kubernetes/'));
}

function same(a: CompileResult, b: CompileResult): void {
  expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const x = kubeFiles(a);
  const y = kubeFiles(b);
  expect(x.length).toBeGreaterThan(0);
  expect(x.map((f) => f.path)).toEqual(y.map((f) => f.path));
  for (let i = 0; i < x.length; i++) expect(x[i]!.content, x[i]!.path).toBe(y[i]!.content);
  const kube = (r: CompileResult) => r.diagnostics.filter((d) => d.target === 'kubernetes');
  expect(kube(a)).toEqual(kube(b));
}

describe('proxy configs emitted earlier in the run', () => {
  it('the bench mesh (every service deployed with an Envoy sidecar): the same manifests with or without the proxy targets', async () => {
    const files = meshFiles(12);
    same(await compileMemory(files, { targets: ALL }), await compileMemory(files, { targets: ['kubernetes'] }));
  });

  it('the webshop: the same manifests with or without the proxy targets', async () => {
    const opts = { input: 'examples/webshop', allowPartial: ['kubernetes'] };
    same(await compile({ ...opts, targets: ALL }), await compile({ ...opts, targets: ['kubernetes'] }));
  });

  it('a mesh with services on hosts (not deployed): the same manifests with or without the proxy targets', async () => {
    const opts = { input: 'fixtures/good/hosts.yaml', allowPartial: ['kubernetes'] };
    same(await compile({ ...opts, targets: ALL }), await compile({ ...opts, targets: ['kubernetes'] }));
  });

  it('are reused when every service is deployed with that proxy, and not emitted again', async () => {
    const r = await compileMemory(meshFiles(6), { targets: ['ir'] });
    const ir = r.ir!;
    const { ctx } = collectingContext();
    const emitted = new Map<string, readonly OutputFile[]>([['envoy', envoy.emit(ir, ctx)]]);
    const calls: string[] = [];
    const spy = (t: Target): Target => ({ ...t, emit: (i, c) => (calls.push(t.name), t.emit(i, c)) });
    const withRun: EmitContext = { ...ctx, emittedBy: (name) => emitted.get(name) };
    const reused = emitKubernetes(ir, withRun, { envoy: spy(envoy), haproxy: spy(haproxy) });
    // The sidecars are Envoys: the Envoy files are reused; HAProxy runs only the gateway, so it is
    // emitted for that alone (its own run also emitted sidecars for every service).
    expect(calls).toEqual(['haproxy']);
    calls.length = 0;
    const fresh = emitKubernetes(ir, ctx, { envoy: spy(envoy), haproxy: spy(haproxy) });
    expect(calls.sort()).toEqual(['envoy', 'haproxy']);
    expect(reused).toEqual(fresh);
  });

  it('are not reused when some service is not deployed (the proxy target emitted more than is deployed)', async () => {
    const ir = await irOf('fixtures/good/hosts.yaml');
    const { ctx } = collectingContext();
    const calls: string[] = [];
    const spy = (t: Target): Target => ({ ...t, emit: (i, c) => (calls.push(t.name), t.emit(i, c)) });
    const emitted = new Map<string, readonly OutputFile[]>([
      ['envoy', envoy.emit(ir, ctx)],
      ['haproxy', haproxy.emit(ir, ctx)],
    ]);
    emitKubernetes(ir, { ...ctx, emittedBy: (name) => emitted.get(name) }, { envoy: spy(envoy), haproxy: spy(haproxy) });
    expect(ir.services.some((s) => !s.workload)).toBe(true);
    expect(calls.length).toBeGreaterThan(0);
  });
});

describe('files handed over as they are made (CompileOptions.output, as meshc build writes them)', () => {
  const check = (whole: CompileResult, r: CompileResult, streamed: OutputFile[]) => {
    expect(r.files).toEqual([]);
    expect(r.diagnostics).toEqual(whole.diagnostics);
    expect(whole.files.length).toBeGreaterThan(0);
    // Each file once, and the same set.
    expect([...streamed].sort((a, b) => (a.path < b.path ? -1 : 1))).toEqual(whole.files);
  };

  it('the webshop and the bench mesh: the same files and diagnostics as the returned set, with every target', async () => {
    const opts = { input: 'examples/webshop', allowPartial: ['kubernetes'] };
    const streamed: OutputFile[] = [];
    check(await compile({ ...opts, targets: ALL }), await compile({ ...opts, targets: ALL, output: (f) => streamed.push(f) }), streamed);
    const files = meshFiles(12);
    const streamed2: OutputFile[] = [];
    check(await compileMemory(files, { targets: ALL }), await compileMemory(files, { targets: ALL, output: (f) => streamed2.push(f) }), streamed2);
  });
});

describe('what the pipeline keeps of a target that another embeds (emitTargets with a sink)', () => {
  const fake = (name: string, body: (ctx: EmitContext) => OutputFile[], embeds?: string[]): Target => ({
    name,
    description: name,
    capabilities: [],
    emit: (_ir, ctx) => body(ctx),
    ...(embeds ? { embeds: () => embeds } : {}),
  });

  it('keeps it only for a later target that embeds it, hands the list over once, and forgets the rest', async () => {
    const ir = await irOf('examples/webshop');
    const seen: Record<string, (readonly OutputFile[] | undefined)[]> = {};
    const a = fake('a', (ctx) => {
      const handed = { path: 'a/handed.txt', content: '1\n' };
      if (!ctx.output) return [handed, { path: 'a/returned.txt', content: '2\n' }];
      ctx.output(handed);
      return [{ path: 'a/returned.txt', content: '2\n' }];
    });
    const b = fake('b', () => [{ path: 'b/x.txt', content: '3\n' }]);
    const c = fake('c', (ctx) => {
      seen.c = [ctx.emittedBy!('a'), ctx.emittedBy!('a'), ctx.emittedBy!('b')];
      return [];
    }, ['a']);
    const sunk: string[] = [];
    const bag = new DiagnosticBag();
    const out = emitTargets(ir, [a, b, c], bag, {}, [], (f) => sunk.push(f.path));
    expect(bag.items).toEqual([]);
    expect(out).toEqual([]);
    expect(sunk).toEqual(['a/handed.txt', 'a/returned.txt', 'b/x.txt']);
    expect(seen.c![0]!.map((f) => f.path)).toEqual(['a/handed.txt', 'a/returned.txt']);
    expect(seen.c![1]).toBeUndefined(); // handed over once
    expect(seen.c![2]).toBeUndefined(); // nobody embeds b: not kept
    // Without a sink every list stays available (and every file is returned, sorted).
    const all = emitTargets(ir, [a, b, c], new DiagnosticBag(), {});
    expect(all.map((f) => f.path)).toEqual(['a/handed.txt', 'a/returned.txt', 'b/x.txt']);
    expect(seen.c![0]!.map((f) => f.path)).toEqual(['a/handed.txt', 'a/returned.txt']);
    expect(seen.c![1]!.map((f) => f.path)).toEqual(['a/handed.txt', 'a/returned.txt']);
    expect(seen.c![2]!.map((f) => f.path)).toEqual(['b/x.txt']);
  });
});

describe('targets that emit owner by owner (Target.units), interleaved by emitTargets', () => {
  const unitTarget = (name: string, units: string[], body: (unit: string, ctx: EmitContext) => OutputFile[], embeds?: string[]): Target => ({
    name,
    description: name,
    capabilities: [],
    emit: () => {
      throw new Error('emitTargets runs a target with units by its units');
    },
    units: (_ir, ctx) => ({ units, emit: (u) => body(u, ctx), finish: () => [{ path: `${name}/finish.txt`, content: `${units.length}\n` }] }),
    ...(embeds ? { embeds: () => embeds } : {}),
  });

  it('runs every unit with each target in name order, hands an embedder the files of the same unit only, and lets them go after it', async () => {
    const ir = await irOf('examples/webshop');
    const calls: string[] = [];
    const seen: string[] = [];
    const a = unitTarget('a', ['mesh', 'service/x', 'service/y'], (u) => (calls.push(`a ${u}`), [{ path: `a/${u.replace('/', '-')}.txt`, content: `${u}\n` }]));
    const b = unitTarget('b', ['mesh', 'service/y', 'gateway/g'], (u, ctx) => {
      calls.push(`b ${u}`);
      const mine = ctx.unitFiles!('a', u);
      seen.push(`${u}: ${mine ? mine.map((f) => f.path).join(',') : 'none'}; other unit ${ctx.unitFiles!('a', 'service/x') === undefined ? 'none' : 'some'}`);
      return [];
    }, ['a']);
    const sunk: string[] = [];
    const bag = new DiagnosticBag();
    const timings: Record<string, number> = {};
    expect(emitTargets(ir, [a, b], bag, timings, [], (f) => sunk.push(f.path))).toEqual([]);
    expect(bag.items).toEqual([]);
    // Units in the order the targets list them, first seen first; within a unit, targets in name order.
    expect(calls).toEqual(['a mesh', 'b mesh', 'a service/x', 'a service/y', 'b service/y', 'b gateway/g']);
    expect(seen).toEqual([
      'mesh: a/mesh.txt; other unit none',
      'service/y: a/service-y.txt; other unit none',
      // a has no gateway unit: an empty list (a runs by units in this build), not undefined.
      'gateway/g: ; other unit none',
    ]);
    expect(sunk).toEqual(['a/mesh.txt', 'a/service-x.txt', 'a/service-y.txt', 'a/finish.txt', 'b/finish.txt']);
    expect(Object.keys(timings).sort()).toEqual(['emit:a', 'emit:b']);
  });

  it('the Envoy, HAProxy and Kubernetes targets: their units make exactly what emit makes', async () => {
    for (const input of ['examples/webshop', 'fixtures/good/hosts.yaml']) {
      const ir = await irOf(input);
      for (const t of [envoy, haproxy]) {
        const { ctx } = collectingContext();
        const u = t.units!(ir, ctx);
        const byUnits = [...u.units.flatMap((x) => u.emit(x)), ...u.finish()].sort((x, y) => (x.path < y.path ? -1 : 1));
        expect(byUnits, `${t.name} ${input}`).toEqual(t.emit(ir, collectingContext().ctx));
      }
    }
  });

  it('a target that crashes in one unit is reported once and skipped for the rest; the others go on', async () => {
    const ir = await irOf('examples/webshop');
    const a = unitTarget('a', ['mesh', 'service/x', 'service/y'], (u) => {
      if (u === 'service/x') throw new Error('boom');
      return [{ path: `a/${u.replace('/', '-')}.txt`, content: 'a\n' }];
    });
    const c = unitTarget('c', ['mesh', 'service/x', 'service/y'], (u) => [{ path: `c/${u.replace('/', '-')}.txt`, content: 'c\n' }]);
    const bag = new DiagnosticBag();
    const files = emitTargets(ir, [a, c], bag, {});
    expect(bag.items.map((d) => [d.code, d.message])).toEqual([['MC4004', 'internal error in target a: boom']]);
    expect(files.map((f) => f.path)).toEqual(['a/mesh.txt', 'c/finish.txt', 'c/mesh.txt', 'c/service-x.txt', 'c/service-y.txt']);
  });
});
