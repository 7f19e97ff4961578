/**
 * The Kubernetes target's diagnostics (exact codes and spans), and its verifier and restricted-
 * profile checker catching broken manifests.
 */
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { OutputFile } from '../../src/target/types.js';
import { KubernetesCodes } from '../../targets/kubernetes/codes.js';
import { restrictedViolations } from '../../targets/kubernetes/restricted.js';
import kubernetes from '../../targets/kubernetes/index.js';
import { verifyKubernetes } from '../../targets/kubernetes/verify.js';
import { emit, fakeProxy, objects, testProxies, webshopIR } from './helpers.js';

const where = (ds: { code: string; severity: string; span?: { file: string; line: number; column: number } }[]) =>
  ds.map((d) => `${d.severity} ${d.code} ${d.span ? `${d.span.file}:${d.span.line}:${d.span.column}` : '-'}`).sort();
const pos = (s: { file: string; line: number; column: number }) => `${s.file}:${s.line}:${s.column}`;

describe('emit diagnostics', () => {
  it('MC9001: an object over 256 KiB, at the service or gateway it is for', async () => {
    const ir = await webshopIR();
    const r = emit(ir, { envoy: fakeProxy('envoy', { pad: 300 * 1024 }), haproxy: fakeProxy('haproxy') });
    const want = [
      ...ir.services.filter((s) => s.workload && s.sidecar).map((s) => `error MC9001 ${pos(s.span)}`),
      ...ir.gateways.filter((g) => g.proxy === 'envoy').map((g) => `error MC9001 ${pos(g.span)}`),
    ].sort();
    expect(want.length).toBeGreaterThan(0);
    expect(where(r.diagnostics)).toEqual(want);
  });

  it('MC9002: two resources deriving the same object name', async () => {
    const ir = await webshopIR();
    const users = ir.services.find((s) => s.name === 'users')!;
    users.name = 'catalog-v1';
    users.headlessService = 'catalog-v1-hl';
    users.serviceAccount = 'catalog-v1';
    const r = emit(ir);
    const v1 = ir.services.find((s) => s.name === 'catalog')!.versions.find((v) => v.name === 'v1')!;
    // The Deployment and its PodDisruptionBudget collide with catalog's version v1.
    expect(where(r.diagnostics)).toEqual([`error MC9002 ${pos(users.workload!.span)}`, `error MC9002 ${pos(users.workload!.span)}`]);
    expect(r.diagnostics[0]!.related?.[0]?.span).toEqual(v1.span);
  });

  it('MC9003: a derived name invalid for its kind', async () => {
    const ir = await webshopIR();
    const g = ir.gateways[0]!;
    g.name = 'g'.repeat(56);
    g.serviceAccount = `gateway-${g.name}`;
    const users = ir.services.find((s) => s.name === 'users')!;
    users.name = '9users';
    users.serviceAccount = '9users';
    const r = emit(ir);
    // gateway-ggg… (64 characters) as a Service; 9users as a Service (must start with a letter).
    expect(where(r.diagnostics)).toEqual([`error MC9003 ${pos(g.span)}`, `error MC9003 ${pos(users.span)}`].sort());
    expect(r.diagnostics.map((d) => d.message).join('\n')).toContain('Service name');
  });

  it('MC9005: no proxy config for a sidecar or gateway', async () => {
    const ir = await webshopIR();
    const r = emit(ir, { envoy: fakeProxy('envoy') });
    expect(where(r.diagnostics)).toEqual(ir.gateways.filter((g) => g.proxy === 'haproxy').map((g) => `error MC9005 ${pos(g.span)}`));
    const none = emit(ir, {});
    expect(none.diagnostics.every((d) => d.code === 'MC9005')).toBe(true);
    expect(none.diagnostics).toHaveLength(ir.services.filter((s) => s.workload && s.sidecar).length + ir.gateways.length);
  });

  it('the target exports its catalog, every code in MC9000–MC9999 with message, hint and doc', () => {
    expect(kubernetes.name).toBe('kubernetes');
    expect(kubernetes.codes).toEqual(Object.values(KubernetesCodes));
    for (const c of kubernetes.codes!) {
      expect(c.code).toMatch(/^MC9\d{3}$/);
      expect(c.message && c.hint && c.doc).toBeTruthy();
    }
  });
});

/** The webshop tree with one object edited. */
async function tampered(file: string, edit: (o: any) => void): Promise<OutputFile[]> {
  const { files } = emit(await webshopIR(), testProxies());
  return files.map((f) => {
    if (f.path !== `kubernetes/${file}`) return f;
    const o = YAML.parse(f.content, { version: '1.1' });
    edit(o);
    return { path: f.path, content: YAML.stringify(o, { version: '1.1' }) };
  });
}

describe('verify catches broken manifests', () => {
  const cases: [string, string, (o: any) => void, string, RegExp][] = [
    ['schema', 'deployment-cart.yaml', (o) => (o.spec.replicas = 'two'), 'MC9006', /replicas must be integer/],
    ['selector not matching the template', 'deployment-cart.yaml', (o) => (o.spec.selector.matchLabels.version = 'v9'), 'MC9006', /does not match/],
    ['undeclared volume', 'deployment-cart.yaml', (o) => o.spec.template.spec.containers[0].volumeMounts.push({ name: 'nope', mountPath: '/x' }), 'MC9006', /undeclared volume nope/],
    ['missing ConfigMap', 'deployment-cart.yaml', (o) => (o.spec.template.spec.volumes.find((v: any) => v.configMap).configMap.name = 'gone'), 'MC9006', /ConfigMap gone/],
    ['bad Service name', 'service-cart.yaml', (o) => (o.metadata.name = 'Cart'), 'MC9006', /name:/],
    ['port out of range', 'service-cart.yaml', (o) => (o.spec.ports[0].port = 70000), 'MC9006', /not a port number/],
    ['bad label', 'serviceaccount-cart.yaml', (o) => (o.metadata.labels.team = 'a b'), 'MC9006', /label value/],
    ['wrong namespace', 'serviceaccount-cart.yaml', (o) => (o.metadata.namespace = 'other'), 'MC9006', /namespace other/],
    ['privileged', 'deployment-cart.yaml', (o) => (o.spec.template.spec.containers[1].securityContext.privileged = true), 'MC9007', /privileged/],
    ['root', 'deployment-cart.yaml', (o) => (o.spec.template.spec.containers[0].securityContext.runAsUser = 0), 'MC9007', /UID 0/],
    ['unknown kind', 'serviceaccount-cart.yaml', (o) => (o.kind = 'Gadget'), 'MC9008', /unknown apiVersion\/kind/],
  ];
  for (const [what, file, edit, code, message] of cases) {
    it(what, async () => {
      const r = verifyKubernetes(await tampered(file, edit));
      expect(r.diagnostics.map((d) => d.code)).toContain(code);
      expect(r.diagnostics.map((d) => d.message).join('\n')).toMatch(message);
    });
  }

  it('kustomization.yaml that does not list exactly the files', async () => {
    const r = verifyKubernetes(await tampered('kustomization.yaml', (o) => (o.resources = [...o.resources.slice(1), 'ghost.yaml', 'ghost.yaml'])));
    const msgs = r.diagnostics.map((d) => `${d.code} ${d.message}`);
    expect(msgs).toEqual([
      'MC9008 kubernetes/kustomization.yaml: lists ghost.yaml, which is not emitted',
      'MC9008 kubernetes/kustomization.yaml: lists ghost.yaml twice',
      'MC9008 kubernetes/kustomization.yaml: lists ghost.yaml, which is not emitted',
      'MC9008 kubernetes/kustomization.yaml: does not list namespace.yaml',
    ]);
  });

  it('a file with two documents', async () => {
    const { files } = emit(await webshopIR());
    const broken = files.map((f) => (f.path === 'kubernetes/service-cart.yaml' ? { ...f, content: f.content + '---\nkind: x\n' } : f));
    expect(verifyKubernetes(broken).diagnostics.map((d) => d.message)).toEqual(['kubernetes/service-cart.yaml: holds more than one YAML document']);
  });
});

describe('the restricted-profile checker', () => {
  const good = () => ({
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'a', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
    volumes: [{ name: 'v', emptyDir: {} }],
  });
  it('admits a minimal restricted pod', () => {
    expect(restrictedViolations(good())).toEqual([]);
  });
  const cases: [string, (p: any) => void, RegExp][] = [
    ['hostNetwork', (p) => (p.hostNetwork = true), /hostNetwork/],
    ['hostPID', (p) => (p.hostPID = true), /hostPID/],
    ['hostPath volume', (p) => p.volumes.push({ name: 'h', hostPath: { path: '/' } }), /type hostPath/],
    ['unsafe sysctl', (p) => (p.securityContext.sysctls = [{ name: 'kernel.msgmax', value: '1' }]), /kernel.msgmax/],
    ['no runAsNonRoot', (p) => delete p.securityContext.runAsNonRoot, /may run as root/],
    ['runAsNonRoot false in a container', (p) => (p.containers[0].securityContext.runAsNonRoot = false), /runAsNonRoot: false/],
    ['UID 0', (p) => (p.securityContext.runAsUser = 0), /UID 0/],
    ['no seccomp', (p) => delete p.securityContext.seccompProfile, /seccomp/],
    ['unconfined seccomp in a container', (p) => (p.containers[0].securityContext.seccompProfile = { type: 'Unconfined' }), /Unconfined/],
    ['privilege escalation', (p) => delete p.containers[0].securityContext.allowPrivilegeEscalation, /allowPrivilegeEscalation/],
    ['capabilities not dropped', (p) => (p.containers[0].securityContext.capabilities.drop = ['NET_RAW']), /drop ALL/],
    ['added capability', (p) => (p.containers[0].securityContext.capabilities.add = ['CHOWN']), /CHOWN/],
    ['privileged', (p) => (p.containers[0].securityContext.privileged = true), /privileged/],
    ['host port', (p) => (p.containers[0].ports = [{ containerPort: 80, hostPort: 80 }]), /host port/],
    ['procMount', (p) => (p.containers[0].securityContext.procMount = 'Unmasked'), /procMount/],
    ['SELinux user', (p) => (p.securityContext.seLinuxOptions = { user: 'root' }), /SELinux/],
    ['AppArmor unconfined', (p) => (p.containers[0].securityContext.appArmorProfile = { type: 'Unconfined' }), /AppArmor/],
    ['init container', (p) => (p.initContainers = [{ name: 'i' }]), /init container "i"/],
  ];
  for (const [what, edit, want] of cases) {
    it(`refuses ${what}`, () => {
      const p = good();
      edit(p);
      expect(restrictedViolations(p).join('\n')).toMatch(want);
    });
  }
  it('allows NET_BIND_SERVICE and the unprivileged-port sysctl', () => {
    const p: any = good();
    p.containers[0].securityContext.capabilities.add = ['NET_BIND_SERVICE'];
    p.securityContext.sysctls = [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '80' }];
    expect(restrictedViolations(p)).toEqual([]);
  });
});

describe('what Kubernetes cannot deploy', () => {
  it('a gateway listener certificate from a host file is unsupported (MC4001 at the listener) when the gateway has pods', async () => {
    const ir = await webshopIR();
    const edge = ir.gateways.find((g) => g.name === 'edge')!;
    const https = edge.listeners.find((l) => l.tls)!;
    https.tls = { certPath: '/etc/ssl/shop.pem', keyPath: '/etc/ssl/shop.pem', haproxyKeyPath: '/etc/ssl/shop.pem' };
    const r = emit(ir);
    expect(where(r.all.filter((d) => d.span?.file.startsWith('gateways/')))).toEqual([`error MC4001 ${pos(https.span)}`]);
    edge.replicas = 0;
    expect(emit(ir).all.filter((d) => d.span?.file.startsWith('gateways/'))).toEqual([]);
  });
});
