/**
 * The Kubernetes target on examples/webshop: goldens, schema validity, the restricted profile,
 * full defaulting, determinism, and minimal rollouts.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler.js';
import type { MeshIR } from '../../src/ir/types.js';
import type { OutputFile } from '../../src/target/types.js';
import { KIND_ORDER } from '../../targets/kubernetes/emit.js';
import { restrictedViolations } from '../../targets/kubernetes/restricted.js';
import { MODELS, verifyKubernetes } from '../../targets/kubernetes/verify.js';
import { expectGolden, updating } from '../helpers/golden.js';
import { applyServerDefaults } from './server-defaults.js';
import { editedWebshopIR, emit, objects, webshopIR } from './helpers.js';

const GOLDEN_DIR = 'test/kubernetes/goldens/webshop';

let ir: MeshIR;
let files: OutputFile[];
let objs: Map<string, Record<string, any>>;

beforeAll(async () => {
  ir = await webshopIR();
  const r = emit(ir);
  expect(r.diagnostics).toEqual([]);
  // Besides, only what a deployed proxy cannot express may be reported, by its target.
  expect(r.all.filter((d) => d.severity === 'error' && d.code !== 'MC4001')).toEqual([]);
  files = r.files;
  objs = objects(files);
});

const deployments = () => [...objs].filter(([, o]) => o.kind === 'Deployment');

describe('webshop goldens', () => {
  it('every file matches its golden', () => {
    for (const f of files) expectGolden(join(GOLDEN_DIR, f.path.slice('kubernetes/'.length)), f.content);
  });
  it('there is no golden without an emitted file', () => {
    const emitted = new Set(files.map((f) => f.path.slice('kubernetes/'.length)));
    const goldens = existsSync(GOLDEN_DIR) ? readdirSync(GOLDEN_DIR) : [];
    const orphans = goldens.filter((g) => !emitted.has(g));
    if (updating) for (const o of orphans) rmSync(join(GOLDEN_DIR, o));
    else expect(orphans).toEqual([]);
  });
});

describe('webshop manifests', () => {
  it('hold what the issue asks for', () => {
    const names = [...objs.values()].map((o) => `${o.kind}/${o.metadata.name}`);
    const has = (k: string, n: string | RegExp) => names.some((x) => (typeof n === 'string' ? x === `${k}/${n}` : x.startsWith(`${k}/`) && n.test(x.slice(k.length + 1))));
    expect(has('Namespace', 'shop')).toBe(true);
    expect(has('NetworkPolicy', 'default-deny')).toBe(true);
    for (const s of ir.services.filter((x) => x.workload)) {
      expect(has('ServiceAccount', s.name), s.name).toBe(true);
      expect(has('Service', s.name), s.name).toBe(true);
      expect(has('Service', s.headlessService), s.name).toBe(true);
      expect(has('NetworkPolicy', s.name), s.name).toBe(true);
      expect(has('ConfigMap', new RegExp(`^${s.name}-sidecar-[0-9a-f]{10}$`)), s.name).toBe(true);
      for (const v of s.versions) {
        expect(has('Deployment', `${s.name}-${v.name}`)).toBe(true);
        expect(has('Service', v.headlessService)).toBe(true);
      }
      if (s.versions.length === 0) expect(has('Deployment', s.name)).toBe(true);
    }
    for (const g of ir.gateways) {
      for (const k of ['ServiceAccount', 'Service', 'Deployment', 'NetworkPolicy', 'PodDisruptionBudget']) expect(has(k, `gateway-${g.name}`), `${k} ${g.name}`).toBe(true);
      const svc = [...objs.values()].find((o) => o.kind === 'Service' && o.metadata.name === `gateway-${g.name}`)!;
      expect(svc.spec.type).toBe('LoadBalancer');
    }
    // Services that run outside Kubernetes only get no pods.
    expect(names.filter((n) => /\/(payments|postgres|redis)/.test(n))).toEqual([]);
    // PodDisruptionBudgets exactly for Deployments with more than one replica.
    const pdbs = names.filter((n) => n.startsWith('PodDisruptionBudget/')).map((n) => n.split('/')[1]).sort();
    const multi = deployments().filter(([, d]) => d.spec.replicas > 1).map(([, d]) => d.metadata.name).sort();
    expect(pdbs).toEqual(multi);
    expect(multi).not.toContain('catalog-v2');
  });

  it('every object validates with kubernetes-models and passes the verifier', async () => {
    for (const [path, o] of objs) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect(Model, path).toBeDefined();
      expect(() => new Model!(o as never).validate(), path).not.toThrow();
    }
    const r = verifyKubernetes(files);
    expect(r.diagnostics).toEqual([]);
    expect(r.skipped).toEqual([]);
  });

  it('one object per file, named <kind>-<name>.yaml (ConfigMaps without their hash; namespace.yaml)', () => {
    for (const [path, o] of objs) {
      const logical = o.kind === 'ConfigMap' ? o.metadata.name.replace(/-[0-9a-f]{10}$/, '') : o.metadata.name;
      expect(path).toBe(o.kind === 'Namespace' ? 'kubernetes/namespace.yaml' : `kubernetes/${o.kind.toLowerCase()}-${logical}.yaml`);
    }
  });

  it('kustomization.yaml lists every file once, in kind order then by name', () => {
    const k = files.find((f) => f.path === 'kubernetes/kustomization.yaml')!;
    const resources = (k.content.match(/^ {2}- (.*)$/gm) ?? []).map((l) => l.slice(4));
    const want = [...objs]
      .map(([p, o]) => ({ file: p.slice('kubernetes/'.length), rank: KIND_ORDER.indexOf(o.kind) }))
      .sort((a, b) => a.rank - b.rank || (a.file < b.file ? -1 : 1))
      .map((x) => x.file);
    expect(resources).toEqual(want);
  });

  it('every pod template meets the restricted Pod Security profile', () => {
    expect(deployments().length).toBe(8);
    for (const [path, d] of deployments()) {
      expect(restrictedViolations(d.spec.template.spec, d.spec.template.metadata.annotations ?? {}), path).toEqual([]);
    }
  });

  it('proxies run with a read-only root filesystem, apps as their workload says, with a writable /tmp', () => {
    for (const [path, d] of deployments()) {
      for (const c of d.spec.template.spec.containers) {
        const ro = c.securityContext.readOnlyRootFilesystem;
        if (c.name === 'proxy') expect(ro, path).toBe(true);
        else {
          const svc = ir.services.find((s) => s.name === d.metadata.labels['app.kubernetes.io/name'])!;
          expect(ro, path).toBe(svc.workload!.readOnlyRootFilesystem);
          expect(c.securityContext.runAsUser).toBe(svc.workload!.runAsUser);
        }
        if (ro) expect(c.volumeMounts.map((m: any) => m.mountPath), path).toContain('/tmp');
      }
    }
  });

  it('is fully defaulted: the API server would add nothing', () => {
    for (const [path, o] of objs) {
      const copy = structuredClone(o);
      expect(applyServerDefaults(copy), path).toEqual(o);
    }
  });

  it('mounts the certificates where the proxy configs read them, and each listener Secret at its mountDir', () => {
    const c = ir.mesh.certs;
    for (const [path, d] of deployments()) {
      const pod = d.spec.template.spec;
      const proxy = pod.containers.find((x: any) => x.name === 'proxy');
      const mount = proxy.volumeMounts.find((m: any) => m.mountPath === c.dir);
      expect(mount, path).toBeDefined();
      const vol = pod.volumes.find((v: any) => v.name === mount.name);
      expect(vol.secret.secretName).toBe(`${pod.serviceAccountName}-mesh-tls`);
      const at = (key: string) => vol.secret.items.filter((i: any) => i.key === key).map((i: any) => `${c.dir}/${i.path}`).sort();
      expect(at('tls.crt')).toEqual([c.cert]);
      expect(at('tls.key')).toEqual([c.key, c.haproxyKey].sort());
      expect(at('ca.crt')).toEqual([c.ca]);
    }
    for (const g of ir.gateways) {
      const d = objs.get(`kubernetes/deployment-gateway-${g.name}.yaml`)!;
      const pod = d.spec.template.spec;
      for (const l of g.listeners) {
        if (!l.tls?.secretName) continue;
        const mount = pod.containers[0].volumeMounts.find((m: any) => m.mountPath === l.tls!.mountDir);
        const vol = pod.volumes.find((v: any) => v.name === mount.name);
        expect(vol.secret.secretName).toBe(l.tls.secretName);
        const paths = vol.secret.items.map((i: any) => `${l.tls!.mountDir}/${i.path}`);
        expect(paths).toContain(l.tls.certPath);
        expect(paths).toContain(l.tls.keyPath);
        if (g.proxy === 'haproxy') expect(paths).toContain(l.tls.haproxyKeyPath);
      }
    }
  });

  it('selects the pods the proxies resolve: headless Services on the sidecar ports, per version with the version label', () => {
    for (const s of ir.services.filter((x) => x.workload)) {
      const h = objs.get(`kubernetes/service-${s.headlessService}.yaml`)!;
      expect(h.spec.clusterIP).toBe('None');
      expect(h.spec.ports.map((p: any) => p.port)).toEqual(s.ports.map((p) => p.sidecarPort));
      for (const v of s.versions) {
        const hv = objs.get(`kubernetes/service-${v.headlessService}.yaml`)!;
        expect(hv.spec.selector.version).toBe(v.name);
        const dep = objs.get(`kubernetes/deployment-${s.name}-${v.name}.yaml`)!;
        for (const [k, val] of Object.entries(hv.spec.selector)) expect(dep.spec.template.metadata.labels[k]).toBe(val);
      }
      const svc = objs.get(`kubernetes/service-${s.name}.yaml`)!;
      expect(svc.spec.ports.map((p: any) => [p.port, p.targetPort])).toEqual(s.ports.map((p) => [p.port, p.sidecarPort]));
    }
  });
});

describe('determinism', () => {
  it('identical input gives byte-identical output, also from a JSON round-trip of the IR', () => {
    const again = emit(JSON.parse(JSON.stringify(ir)) as MeshIR).files;
    expect(again).toEqual(files);
  });
});

/** Paths whose content differs between two trees (added and removed ones included). */
function changed(a: readonly OutputFile[], b: readonly OutputFile[]): string[] {
  const m = new Map(a.map((f) => [f.path, f.content]));
  const n = new Map(b.map((f) => [f.path, f.content]));
  return [...new Set([...m.keys(), ...n.keys()])].filter((p) => m.get(p) !== n.get(p)).sort();
}

describe('minimal rollout', () => {
  it('changing one service Route changes only the ConfigMaps of its callers and the Deployments that mount them', async () => {
    const edited = await editedWebshopIR((f) => {
      const text = f.get('routes/catalog.yaml')!;
      expect(text).toContain('timeout: 2s');
      f.set('routes/catalog.yaml', text.replace('timeout: 2s', 'timeout: 3s'));
    });
    const after = emit(edited).files;
    const callers = ir.services.filter((s) => s.outbound.some((o) => o.route === 'catalog-canary')).map((s) => s.name);
    expect(callers.sort()).toEqual(['frontend', 'orders']);
    const want = callers.flatMap((s) => [`kubernetes/configmap-${s}-sidecar.yaml`, `kubernetes/deployment-${s}.yaml`]).sort();
    expect(changed(files, after)).toEqual(want);
    // The Deployments differ only in the ConfigMap they mount.
    const afterObjs = objects(after);
    for (const s of callers) {
      const before = objs.get(`kubernetes/deployment-${s}.yaml`)!;
      const now = afterObjs.get(`kubernetes/deployment-${s}.yaml`)!;
      const cmBefore = objs.get(`kubernetes/configmap-${s}-sidecar.yaml`)!.metadata.name;
      const cmAfter = afterObjs.get(`kubernetes/configmap-${s}-sidecar.yaml`)!.metadata.name;
      expect(cmAfter).not.toBe(cmBefore);
      expect(JSON.stringify(now).replaceAll(cmAfter, cmBefore)).toBe(JSON.stringify(before));
    }
  });

  it('changing a gateway Route changes only that gateway\'s ConfigMap and Deployment', async () => {
    const edited = await editedWebshopIR((f) => {
      const text = f.get('routes/edge.yaml')!;
      expect(text).toContain('body: ok }');
      f.set('routes/edge.yaml', text.replace('body: ok }', 'body: healthy }'));
    });
    expect(changed(files, emit(edited).files)).toEqual(['kubernetes/configmap-gateway-edge.yaml', 'kubernetes/deployment-gateway-edge.yaml']);
  });
});

describe('through the pipeline', () => {
  it('meshc build --target kubernetes --verify gives the goldens and verifies clean', async () => {
    const r = await compile({ input: 'examples/webshop', targets: ['kubernetes'], verify: true, allowPartial: ['kubernetes'] });
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.diagnostics.filter((d) => d.code.startsWith('MC9') || d.code === 'MC4003' || d.code === 'MC4004')).toEqual([]);
    expect(r.files.map((f) => f.path)).toEqual(files.map((f) => f.path).sort());
    for (const f of r.files) expect(f.content, f.path).toBe(files.find((g) => g.path === f.path)!.content);
  });
});
