/**
 * Shared helpers of the Kubernetes target's tests: the webshop IR from the real pipeline, proxy
 * targets (fakes that follow the Envoy and HAProxy targets' file layout), and an emit context that
 * collects diagnostics.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import YAML from 'yaml';
import { compile } from '../../src/compiler.js';
import { meshcVersion } from '../../src/util/package.js';
import { DiagnosticBag } from '../../src/diagnostics/bag.js';
import type { Diagnostic } from '../../src/diagnostics/types.js';
import type { MeshIR } from '../../src/ir/types.js';
import type { EmitContext, OutputFile, Target } from '../../src/target/types.js';
import { emitKubernetes } from '../../targets/kubernetes/emit.js';
import type { ProxyTargets } from '../../targets/kubernetes/proxy.js';
import envoy from '../../targets/envoy/index.js';
import haproxy from '../../targets/haproxy/index.js';

/** Compiles a mesh directory to the IR; fails on errors. */
export async function irOf(dir: string): Promise<MeshIR> {
  const r = await compile({ input: dir, targets: ['ir'] });
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !r.ir) throw new Error(`mesh does not compile: ${JSON.stringify(errors, null, 1)}`);
  return r.ir;
}

/** The IR of a copy of examples/webshop with `edit` applied to the copy's files (relative path → text). */
export async function editedWebshopIR(edit: (files: Map<string, string>) => void): Promise<MeshIR> {
  const dir = mkdtempSync(join(tmpdir(), 'meshc-k8s-'));
  try {
    cpSync('examples/webshop', dir, { recursive: true });
    const files = new Map<string, string>();
    const walk = (d: string) => {
      for (const n of readdirSync(d)) {
        const p = join(d, n);
        if (statSync(p).isDirectory()) walk(p);
        else files.set(relative(dir, p), readFileSync(p, 'utf8'));
      }
    };
    walk(dir);
    const before = new Map(files);
    edit(files);
    for (const [f, text] of files) if (before.get(f) !== text) writeFileSync(join(dir, f), text);
    return await irOf(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let cached: MeshIR | undefined;

/** A fresh copy of the webshop IR. */
export async function webshopIR(): Promise<MeshIR> {
  cached ??= await irOf('examples/webshop');
  return structuredClone(cached);
}

/** An emit context whose diagnostics land in a bag. */
export function collectingContext(): { ctx: EmitContext; diagnostics: Diagnostic[] } {
  const bag = new DiagnosticBag();
  const ctx: EmitContext = {
    meshcVersion: meshcVersion(),
    unsupported(feature, span, detail) {
      bag.report({ code: 'MC4001', severity: 'error', title: 'unsupported', message: `${feature}${detail ? `: ${detail}` : ''}`, doc: '' }, span);
    },
    report(info, span, args, extras) {
      bag.report(info, span, args, extras);
    },
  };
  return { ctx, diagnostics: bag.items };
}

/**
 * A fake proxy target with the real targets' layout: `<kind>/<service>` and
 * `<kind>/gateway-<name>` configs whose content is what they depend on (a sidecar: what it uses
 * and the rules of those services; a gateway: its listeners), plus, for HAProxy, a map file beside
 * each (`haproxy/<owner>.hosts.map`).
 */
export function fakeProxy(kind: 'envoy' | 'haproxy', opts: { pad?: number } = {}): Target {
  const ext = kind === 'envoy' ? 'yaml' : 'cfg';
  return {
    name: kind,
    description: `fake ${kind}`,
    capabilities: [],
    emit(ir) {
      const files: OutputFile[] = [];
      const put = (base: string, body: unknown) => {
        let content = `# fake ${kind} config\n${YAML.stringify(body, { aliasDuplicateObjects: false })}`;
        if (opts.pad) content += `# ${'x'.repeat(opts.pad)}\n`;
        files.push({ path: `${kind}/${base}.${ext}`, content });
        if (kind === 'haproxy') files.push({ path: `${kind}/${base}.hosts.map`, content: `# hosts of ${base}\n` });
      };
      for (const s of ir.services) if (s.sidecar) put(s.name, { service: s.name, outbound: s.outbound, clusters: s.clusters, inbound: s.inbound });
      for (const g of ir.gateways) if (g.proxy === kind) put(`gateway-${g.name}`, { gateway: g.name, listeners: g.listeners, clusters: g.clusters });
      return files;
    },
  };
}

/** The proxy targets the tests use: the real ones where they exist. */
export function testProxies(): ProxyTargets {
  return { envoy, haproxy };
}

/**
 * Emits an IR with the test proxies; returns the files, the Kubernetes target's own diagnostics
 * (MC9xxx) and all diagnostics (including what the proxy targets report, e.g. MC4001).
 */
export function emit(ir: MeshIR, proxies: ProxyTargets = testProxies()): { files: OutputFile[]; diagnostics: Diagnostic[]; all: Diagnostic[] } {
  const { ctx, diagnostics } = collectingContext();
  const files = emitKubernetes(ir, ctx, proxies);
  return { files, diagnostics: diagnostics.filter((d) => d.code.startsWith('MC9')), all: diagnostics };
}

/** The objects of an emitted tree (without kustomization.yaml), by file path. */
export function objects(files: readonly OutputFile[]): Map<string, Record<string, any>> {
  const out = new Map<string, Record<string, any>>();
  for (const f of files) {
    if (f.path.endsWith('/kustomization.yaml')) continue;
    out.set(f.path, YAML.parse(f.content, { version: '1.1' }) as Record<string, any>);
  }
  return out;
}
