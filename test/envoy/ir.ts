/**
 * Typed IR builders for the Envoy target's tests. Each builder fills every field the IR requires,
 * so that a fixture states only what matters; spans are explicit where a test asserts a diagnostic.
 */
import { DiagnosticBag } from '../../src/diagnostics/bag.js';
import type { Diagnostic } from '../../src/diagnostics/types.js';
import {
  IR_VERSION,
  type ActionIR,
  type ClusterIR,
  type EndpointIR,
  type GatewayIR,
  type InboundIR,
  type JwtIR,
  type ListenerIR,
  type MeshIR,
  type OutboundIR,
  type PolicyRuleIR,
  type PortIR,
  type RateLimitIR,
  type RuleIR,
  type ServiceIR,
  type SourceIR,
  type Span,
} from '../../src/ir/types.js';
import { PipelineCodes } from '../../src/compiler.js';
import type { EmitContext } from '../../src/target/types.js';

/** A span at a line of a file. */
export function span(line: number, column = 3, file = 'mesh.yaml'): Span {
  return { file, line, column, endLine: line, endColumn: column + 8 };
}

/** The mesh settings every fixture starts from. */
export function mesh(over: Partial<MeshIR['mesh']> = {}): MeshIR['mesh'] {
  return {
    name: 'test',
    namespace: 'shop',
    trustDomain: 'test.local',
    mtls: 'strict',
    defaultAction: 'deny',
    sidecar: { proxy: 'envoy', image: 'envoyproxy/envoy:v1.31.2', adminPort: 15000, inboundPort: 15006 },
    allowPartial: [],
    nftables: { refuse: 'drop' },
    certs: { dir: '/etc/meshc/certs', cert: '/etc/meshc/certs/tls.crt', key: '/etc/meshc/certs/tls.key', haproxyKey: '/etc/meshc/certs/tls.crt.key', ca: '/etc/meshc/certs/ca.crt' },
    span: span(1, 1),
    ...over,
  };
}

/** An endpoint, its kind from its text. */
export function ep(host: string, port?: number): EndpointIR {
  const kind = /^[0-9.]+$/.test(host) ? 'ipv4' : host.includes(':') ? 'ipv6' : 'dns';
  const e: EndpointIR = { host, kind };
  if (port !== undefined) e.port = port;
  return e;
}

/** A routing rule that forwards to `clusters` (equal weights unless given as `id=weight`). */
export function rule(name: string, clusters: string[], over: Partial<RuleIR> = {}, line = 100): RuleIR {
  const action: ActionIR = {
    kind: 'forward',
    backends: clusters.map((c) => {
      const [id, w] = c.split('=');
      const parts = id!.split('.');
      const b = { cluster: id!, service: parts[0]!, port: parts[1] ?? 'http', weight: w === undefined ? 1 : Number(w), span: span(line) };
      return parts[2] ? { ...b, version: parts[2] } : b;
    }),
  };
  return {
    name,
    index: 0,
    match: { headers: [], query: [], methods: [] },
    action,
    timeoutMs: 15000,
    headers: { request: { set: [], add: [], remove: [] }, response: { set: [], add: [], remove: [] } },
    span: span(line),
    featureSpans: {},
    ...over,
  };
}

/** A cluster of `service.port[.version]`. */
export function cluster(id: string, over: Partial<ClusterIR> = {}): ClusterIR {
  const [service, port, version] = id.split('.');
  const c: ClusterIR = {
    id,
    service: service!,
    port: port!,
    protocol: 'http',
    discovery: 'dns',
    endpoints: [ep(`${service}${version ? '-' + version : ''}-headless.shop.svc.cluster.local`, 15006)],
    tls: { peerIdentity: `spiffe://test.local/ns/shop/sa/${service}`, sni: `${service}.shop.svc.cluster.local` },
    loadBalancer: { policy: 'round-robin' },
    circuitBreaker: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
    connectTimeoutMs: 1000,
    ...over,
  };
  if (version) c.version = version;
  return c;
}

/** A port. */
export function port(name: string, p: number, sidecarPort: number, protocol: PortIR['protocol'] = 'http', line = 20): PortIR {
  return { name, port: p, protocol, isHttp: protocol !== 'tcp', sidecarPort, rules: [], span: span(line) };
}

/** The policy at a port. */
export function inbound(p: PortIR, over: Partial<InboundIR> = {}): InboundIR {
  return {
    port: p.name,
    listenPort: p.sidecarPort,
    appPort: p.port,
    protocol: p.protocol,
    isHttp: p.isHttp,
    deny: [],
    allow: [],
    defaultAction: 'deny',
    rateLimits: [],
    jwt: [],
    ...over,
  };
}

/** An outbound `uses` entry. */
export function uses(service: string, portName: string, localPort: number, rules: RuleIR[], protocol: OutboundIR['protocol'] = 'http', line = 30): OutboundIR {
  return { service, port: portName, protocol, isHttp: protocol !== 'tcp', localPort, rules, span: span(line) };
}

/** A service with a sidecar; ports default to one HTTP port 8080 (sidecar 15006) with its inbound policy. */
export function service(name: string, over: Partial<ServiceIR> = {}): ServiceIR {
  const ports = over.ports ?? [port('http', 8080, 15006)];
  return {
    name,
    labels: {},
    annotations: {},
    sidecar: true,
    identity: `spiffe://test.local/ns/shop/sa/${name}`,
    serviceAccount: name,
    ports,
    versions: [],
    endpoints: [],
    headlessService: `${name}-headless`,
    headlessDns: `${name}-headless.shop.svc.cluster.local`,
    loadBalancer: { policy: 'round-robin' },
    circuitBreaker: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
    connectTimeoutMs: 1000,
    outbound: [],
    clusters: [],
    inbound: ports.map((p) => inbound(p)),
    span: span(10, 1, `services/${name}.yaml`),
    ...over,
  };
}

/** Sources. */
export const from = {
  service(name: string, line: number, addresses: string[] = [], sidecar = true): SourceIR {
    return { kind: 'service', name, identity: `spiffe://test.local/ns/shop/sa/${name}`, addresses: addresses.map((a) => ep(a)), sidecar, span: span(line) };
  },
  gateway(name: string, line: number, addresses: string[] = []): SourceIR {
    return { kind: 'gateway', name, identity: `spiffe://test.local/ns/shop/sa/gateway-${name}`, addresses: addresses.map((a) => ep(a)), span: span(line) };
  },
  cidr(cidr: string, line: number): SourceIR {
    return { kind: 'cidr', cidr, family: cidr.includes(':') ? 'ipv6' : 'ipv4', span: span(line) };
  },
};

/** An allow/deny Filter at a port. */
export function policy(filter: string, sources: SourceIR[], line: number, http?: PolicyRuleIR['http']): PolicyRuleIR {
  const p: PolicyRuleIR = { filter, from: sources, span: span(line, 1, `filters/${filter}.yaml`) };
  if (http) p.http = http;
  return p;
}

/** A rate limit. */
export function rateLimit(filter: string, requests: number, perMs: number, by: RateLimitIR['by'], line: number, burst = requests): RateLimitIR {
  return { filter, requests, perMs, burst, by, span: span(line, 1, `filters/${filter}.yaml`) };
}

/** A JWT requirement. */
export function jwt(filter: string, line: number, over: Partial<JwtIR> = {}): JwtIR {
  return {
    filter,
    issuer: 'https://auth.example.com',
    audiences: ['shop'],
    jwks: '{"keys":[{"kty":"oct","kid":"k1","k":"c2VjcmV0"}]}',
    jwksFile: 'jwks.json',
    fromHeader: 'authorization',
    allowMissing: false,
    span: span(line, 1, `filters/${filter}.yaml`),
    ...over,
  };
}

/** A gateway listener. */
export function listener(name: string, portNumber: number, protocol: ListenerIR['protocol'], over: Partial<ListenerIR> = {}): ListenerIR {
  return {
    name,
    port: portNumber,
    protocol,
    hosts: [],
    redirectToHttps: false,
    virtualHosts: [],
    tcpRules: [],
    inbound: {
      port: name,
      listenPort: portNumber,
      protocol,
      isHttp: protocol !== 'tcp',
      deny: [],
      allow: [],
      defaultAction: 'deny',
      rateLimits: [],
      jwt: [],
    },
    span: span(5, 1, 'gateways/gw.yaml'),
    ...over,
  };
}

/** A gateway. */
export function gateway(name: string, over: Partial<GatewayIR> = {}): GatewayIR {
  return {
    name,
    labels: {},
    annotations: {},
    proxy: 'envoy',
    image: 'envoyproxy/envoy:v1.31.2',
    replicas: 2,
    identity: `spiffe://test.local/ns/shop/sa/gateway-${name}`,
    serviceAccount: `gateway-${name}`,
    endpoints: [],
    adminPort: 15000,
    listeners: [],
    clusters: [],
    span: span(1, 1, `gateways/${name}.yaml`),
    ...over,
  };
}

/** A whole mesh. */
export function meshIR(services: ServiceIR[], gateways: GatewayIR[] = [], over: Partial<MeshIR['mesh']> = {}): MeshIR {
  return {
    irVersion: IR_VERSION,
    mesh: mesh(over),
    services: [...services].sort((a, b) => (a.name < b.name ? -1 : 1)),
    gateways: [...gateways].sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}

/** An emit context that collects diagnostics the way the pipeline does. */
export function collecting(allowPartial = false): { ctx: EmitContext; diagnostics: Diagnostic[] } {
  const bag = new DiagnosticBag();
  const ctx: EmitContext = {
    meshcVersion: '0.0.0-test',
    unsupported(feature, s, detail) {
      bag.report(PipelineCodes.Unsupported, s, { target: 'envoy', feature, detail: detail ? `: ${detail}` : '' }, { severity: allowPartial ? 'warning' : 'error', target: 'envoy' });
    },
    report(info, s, args, extras) {
      bag.report(info, s, args, { ...extras, target: 'envoy' });
    },
  };
  return { ctx, diagnostics: bag.items };
}

/** `code@file:line:column` of each diagnostic, for exact assertions. */
export function where(ds: readonly Diagnostic[]): string[] {
  return ds.map((d) => `${d.code}@${d.span ? `${d.span.file}:${d.span.line}:${d.span.column}` : '-'}`);
}
