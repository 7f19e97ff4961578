/**
 * NetworkPolicies from the Filters: admitted sources per port, unconditional denies where
 * Kubernetes can express them, default deny, and sources it cannot match.
 */
import { describe, expect, it } from 'vitest';
import type { InboundIR, MeshIR, PolicyRuleIR, SourceIR, Span } from '../../src/ir/types.js';
import { emit, objects, webshopIR } from './helpers.js';

const at: Span = { file: 'filters/test.yaml', line: 7, column: 3, endLine: 7, endColumn: 9 };
const cidr = (c: string): SourceIR => ({ kind: 'cidr', cidr: c, family: c.includes(':') ? 'ipv6' : 'ipv4', span: at });
const rule = (filter: string, from: SourceIR[], http?: PolicyRuleIR['http']): PolicyRuleIR => ({ filter, from, ...(http ? { http } : {}), span: at });

function inboundOf(ir: MeshIR, service: string, port = 0): InboundIR {
  return ir.services.find((s) => s.name === service)!.inbound[port]!;
}

function policyOf(ir: MeshIR, name: string): { ingress: any[] } {
  const r = emit(ir);
  const o = objects(r.files).get(`kubernetes/networkpolicy-${name}.yaml`);
  expect(o, name).toBeDefined();
  return o!.spec;
}

const podSel = (component: string, name: string) => ({ podSelector: { matchLabels: { 'app.kubernetes.io/component': component, 'app.kubernetes.io/name': name } } });

describe('NetworkPolicies of the webshop', () => {
  it('admit exactly the allowed callers on the sidecar ports; ports with the same callers share a rule', async () => {
    const ir = await webshopIR();
    const catalog = policyOf(ir, 'catalog');
    expect(catalog.ingress).toHaveLength(1);
    expect(catalog.ingress[0].ports).toEqual([{ port: 15006, protocol: 'TCP' }, { port: 15007, protocol: 'TCP' }]);
    expect(catalog.ingress[0].from).toEqual([
      podSel('service', 'frontend'),
      podSel('service', 'cart'),
      podSel('service', 'orders'),
      podSel('gateway', 'edge'),
      { ipBlock: { cidr: '192.0.2.10/32' } },
      { ipBlock: { cidr: '192.0.2.11/32' } },
      podSel('gateway', 'api'),
    ]);
    // An allow with L7 conditions still admits its sources at L4.
    expect(policyOf(ir, 'orders').ingress[0].from).toEqual([podSel('service', 'frontend'), podSel('gateway', 'api')]);
  });

  it('add a namespace-wide default deny exactly when defaultAction is deny', async () => {
    const ir = await webshopIR();
    const deny = objects(emit(ir).files).get('kubernetes/networkpolicy-default-deny.yaml')!;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress'] });
    ir.mesh.defaultAction = 'allow';
    for (const s of ir.services) for (const i of s.inbound) i.defaultAction = 'allow';
    const files = objects(emit(ir).files);
    expect(files.has('kubernetes/networkpolicy-default-deny.yaml')).toBe(false);
    // Each service's policy then opens its sidecar ports to every source (and keeps the app ports closed).
    expect(files.get('kubernetes/networkpolicy-catalog.yaml')!.spec.ingress).toEqual([{ ports: [{ port: 15006, protocol: 'TCP' }, { port: 15007, protocol: 'TCP' }] }]);
  });
});

describe('unconditional denies', () => {
  it('carve a denied CIDR out of an admitted one (same family only)', async () => {
    const ir = await webshopIR();
    const users = inboundOf(ir, 'users');
    users.allow = [rule('nets', [cidr('10.0.0.0/8'), cidr('2001:db8::/32')])];
    users.deny = [rule('quarantine', [cidr('10.66.0.0/16'), cidr('2001:db8:66::/48'), cidr('192.168.0.0/16')])];
    expect(policyOf(ir, 'users').ingress[0].from).toEqual([
      { ipBlock: { cidr: '10.0.0.0/8', except: ['10.66.0.0/16'] } },
      { ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:66::/48'] } },
    ]);
  });

  it('drop admitted addresses and CIDRs that a denied CIDR covers', async () => {
    const ir = await webshopIR();
    const cart = inboundOf(ir, 'cart');
    cart.deny = [rule('no-edge-hosts', [cidr('192.0.2.0/24'), cidr('10.1.0.0/16')])];
    cart.allow = [...cart.allow, rule('nets', [cidr('10.1.2.0/24')])];
    expect(policyOf(ir, 'cart').ingress[0].from).toEqual([podSel('service', 'frontend'), podSel('gateway', 'edge')]);
  });

  it('drop a denied service, and close a port nothing is admitted to', async () => {
    const ir = await webshopIR();
    const users = inboundOf(ir, 'users');
    const frontend = users.allow[0]!.from[0]!;
    expect(frontend.kind).toBe('service');
    users.deny = [rule('no-frontend', [frontend])];
    expect(policyOf(ir, 'users').ingress).toEqual([]);
  });

  it("carve a denied service's hosts out of an admitted CIDR", async () => {
    const ir = await webshopIR();
    const users = inboundOf(ir, 'users');
    const batch: SourceIR = { kind: 'service', name: 'batch', identity: 'spiffe://x/ns/shop/sa/batch', addresses: [{ kind: 'ipv4', host: '10.2.0.5' }, { kind: 'ipv6', host: '2001:db8::5' }], span: at } as SourceIR;
    users.allow = [rule('nets', [cidr('10.0.0.0/8'), cidr('2001:db8::/32')])];
    users.deny = [rule('no-batch', [batch])];
    expect(policyOf(ir, 'users').ingress[0].from).toEqual([
      { ipBlock: { cidr: '10.0.0.0/8', except: ['10.2.0.5/32'] } },
      { ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8::5/128'] } },
    ]);
  });

  it('under defaultAction allow cannot be expressed: the port is open to all, and a warning (MC9009) says so at the deny Filter', async () => {
    const ir = await webshopIR();
    const users = inboundOf(ir, 'users');
    users.defaultAction = 'allow';
    users.deny = [rule('quarantine', [cidr('10.66.0.0/16')])];
    const r = emit(ir);
    expect(objects(r.files).get('kubernetes/networkpolicy-users.yaml')!.spec.ingress[0].from).toBeUndefined();
    expect(r.diagnostics.map((d) => `${d.code} ${d.severity} ${d.span?.line}:${d.span?.column}`)).toEqual(['MC9009 warning 7:3']);
  });

  it('from everyone close the port; with L7 conditions they close nothing', async () => {
    const ir = await webshopIR();
    const catalog = ir.services.find((s) => s.name === 'catalog')!;
    catalog.inbound[1]!.deny = [rule('no-grpc', [])];
    catalog.inbound[0]!.deny = [rule('no-admin', [], { methods: [], paths: [{ kind: 'prefix', value: '/admin/' }] })];
    const ingress = policyOf(ir, 'catalog').ingress;
    expect(ingress).toHaveLength(1);
    expect(ingress[0].ports).toEqual([{ port: 15006, protocol: 'TCP' }]);
  });
});

describe('sources', () => {
  it('an allow without sources opens the port to everyone', async () => {
    const ir = await webshopIR();
    inboundOf(ir, 'users').allow.push(rule('anyone', []));
    expect(policyOf(ir, 'users').ingress).toEqual([{ ports: [{ port: 15006, protocol: 'TCP' }] }]);
  });

  it('a source known only by DNS name leaves the port open, with warning MC9004 at the source', async () => {
    const ir = await webshopIR();
    const users = inboundOf(ir, 'users');
    const span: Span = { file: 'filters/access.yaml', line: 50, column: 7, endLine: 50, endColumn: 20 };
    users.allow = [rule('legacy', [{ kind: 'service', name: 'legacy', identity: 'spiffe://x/ns/shop/sa/legacy', sidecar: true, addresses: [{ host: 'legacy.internal', kind: 'dns' }], span }])];
    const r = emit(ir);
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.span])).toEqual([['MC9004', 'warning', span]]);
    expect(objects(r.files).get('kubernetes/networkpolicy-users.yaml')!.spec.ingress).toEqual([{ ports: [{ port: 15006, protocol: 'TCP' }] }]);
  });

  it('services without a sidecar are reached on their app ports', async () => {
    const ir = await webshopIR();
    const users = ir.services.find((s) => s.name === 'users')!;
    users.sidecar = false;
    for (const p of users.ports) p.sidecarPort = p.port;
    for (const i of users.inbound) i.listenPort = i.appPort!;
    const files = objects(emit(ir).files);
    expect(files.get('kubernetes/networkpolicy-users.yaml')!.spec.ingress[0].ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
    expect(files.get('kubernetes/service-users-headless.yaml')!.spec.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP', targetPort: 8080 }]);
    const pod = files.get('kubernetes/deployment-users.yaml')!.spec.template.spec;
    expect(pod.containers.map((c: any) => c.name)).toEqual(['app']);
    expect(files.has('kubernetes/configmap-users-sidecar.yaml')).toBe(false);
  });
});
