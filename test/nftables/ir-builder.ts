/**
 * Typed IR fixtures for the nftables tests: small builders that fill every field the IR requires,
 * so a test states only what matters to the ruleset (endpoints, ports, policy).
 */
import type {
  ClusterIR,
  EndpointIR,
  GatewayIR,
  InboundIR,
  JwtIR,
  ListenerIR,
  MeshIR,
  PolicyRuleIR,
  PortIR,
  RateLimitIR,
  ServiceIR,
  SourceIR,
  Span,
  VersionIR,
} from '../../src/ir/types.js';
import { IR_VERSION } from '../../src/ir/types.js';
import type { EmitContext } from '../../src/target/types.js';
import type { Diagnostic } from '../../src/diagnostics/types.js';
import { makeDiagnostic } from '../../src/diagnostics/bag.js';
import { PipelineCodes } from '../../src/compiler.js';

/** A span on one line of a file (columns 1–10 unless given). */
export function span(line: number, column = 1, file = 'mesh.yaml'): Span {
  return { file, line, column, endLine: line, endColumn: column + 10 };
}

let autoLine = 1000;
const next = (): Span => span(autoLine++);

/** An endpoint: kind from the text (IPv4, IPv6 or DNS name). */
export function ep(host: string, s: Span | undefined = next(), port?: number): EndpointIR {
  const kind = /^[0-9.]+$/.test(host) ? 'ipv4' : host.includes(':') ? 'ipv6' : 'dns';
  const e: EndpointIR = { host, kind };
  if (port !== undefined) e.port = port;
  if (s) e.span = s;
  return e;
}

/** Sources of a policy rule. */
export const src = {
  service(name: string, hosts: string[], s: Span = next(), sidecar = true): SourceIR {
    return { kind: 'service', name, identity: `spiffe://test.local/ns/t/sa/${name}`, addresses: hosts.map((h) => ep(h)), sidecar, span: s };
  },
  gateway(name: string, hosts: string[], s: Span = next()): SourceIR {
    return { kind: 'gateway', name, identity: `spiffe://test.local/ns/t/sa/gateway-${name}`, addresses: hosts.map((h) => ep(h)), span: s };
  },
  cidr(cidr: string, s: Span = next()): SourceIR {
    return { kind: 'cidr', cidr, family: cidr.includes(':') ? 'ipv6' : 'ipv4', span: s };
  },
};

/** An allow or deny rule. */
export function rule(filter: string, from: SourceIR[], s: Span = next(), http?: PolicyRuleIR['http']): PolicyRuleIR {
  const r: PolicyRuleIR = { filter, from, span: s };
  if (http) r.http = http;
  return r;
}

/** A rate limit. */
export function limit(filter: string, requests: number, perMs: number, by: RateLimitIR['by'], burst = requests, s: Span = next()): RateLimitIR {
  return { filter, requests, perMs, burst, by, span: s };
}

/** A JWT requirement. */
export function jwt(filter: string, s: Span = next()): JwtIR {
  return { filter, issuer: 'https://auth.example.com', audiences: [], jwks: '{"keys":[]}', jwksFile: 'jwks.json', fromHeader: 'authorization', allowMissing: false, span: s };
}

/** The policy of one port. */
export interface PolicyInput {
  allow?: PolicyRuleIR[];
  deny?: PolicyRuleIR[];
  rateLimits?: RateLimitIR[];
  jwt?: JwtIR[];
  defaultAction?: 'deny' | 'allow';
}

function inbound(port: string, listenPort: number, appPort: number | undefined, protocol: InboundIR['protocol'], p: PolicyInput = {}): InboundIR {
  const i: InboundIR = {
    port,
    listenPort,
    protocol,
    isHttp: protocol !== 'tcp',
    deny: p.deny ?? [],
    allow: p.allow ?? [],
    defaultAction: p.defaultAction ?? 'deny',
    rateLimits: p.rateLimits ?? [],
    jwt: p.jwt ?? [],
  };
  if (appPort !== undefined) i.appPort = appPort;
  return i;
}

/** A port of a service, with its policy. */
export interface PortInput extends PolicyInput {
  name: string;
  port: number;
  sidecarPort?: number;
  protocol?: PortIR['protocol'];
}

/** A service. */
export interface ServiceInput {
  name: string;
  sidecar?: boolean;
  ports: PortInput[];
  endpoints?: EndpointIR[];
  versions?: { name: string; endpoints: EndpointIR[] }[];
  clusters?: ClusterIR[];
}

const lb = { policy: 'round-robin' } as const;
const cb = { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 };

/** Builds a ServiceIR; sidecar ports default to 15006 + index. */
export function service(s: ServiceInput): ServiceIR {
  const sidecar = s.sidecar ?? true;
  const ports: PortIR[] = s.ports.map((p, i) => ({
    name: p.name,
    port: p.port,
    protocol: p.protocol ?? 'http',
    isHttp: (p.protocol ?? 'http') !== 'tcp',
    sidecarPort: sidecar ? (p.sidecarPort ?? 15006 + i) : p.port,
    rules: [],
    span: next(),
  }));
  const versions: VersionIR[] = (s.versions ?? []).map((v) => ({
    name: v.name,
    labels: { version: v.name },
    endpoints: v.endpoints,
    replicas: 1,
    headlessService: `${s.name}-${v.name}`,
    headlessDns: `${s.name}-${v.name}.t.svc.cluster.local`,
    span: next(),
  }));
  const seen = new Set<string>();
  const endpoints: EndpointIR[] = [];
  for (const e of [...(s.endpoints ?? []), ...versions.flatMap((v) => v.endpoints)]) {
    if (seen.has(e.host)) continue;
    seen.add(e.host);
    const copy: EndpointIR = { host: e.host, kind: e.kind };
    if (e.port !== undefined) copy.port = e.port;
    if (e.span) copy.span = e.span;
    endpoints.push(copy);
  }
  return {
    name: s.name,
    labels: {},
    annotations: {},
    sidecar,
    identity: `spiffe://test.local/ns/t/sa/${s.name}`,
    serviceAccount: s.name,
    ports,
    versions,
    endpoints,
    headlessService: s.name,
    headlessDns: `${s.name}.t.svc.cluster.local`,
    loadBalancer: lb,
    circuitBreaker: cb,
    connectTimeoutMs: 1000,
    outbound: [],
    clusters: s.clusters ?? [],
    inbound: s.ports.map((p, i) => inbound(p.name, ports[i]!.sidecarPort, p.port, ports[i]!.protocol, p)),
    span: next(),
  };
}

/** A gateway listener with its policy. */
export interface ListenerInput extends PolicyInput {
  name: string;
  port: number;
  protocol?: ListenerIR['protocol'];
}

/** Builds a GatewayIR. */
export function gateway(name: string, endpoints: EndpointIR[], listeners: ListenerInput[]): GatewayIR {
  return {
    name,
    labels: {},
    annotations: {},
    proxy: 'haproxy',
    image: 'haproxy:2.6',
    replicas: 1,
    identity: `spiffe://test.local/ns/t/sa/gateway-${name}`,
    serviceAccount: `gateway-${name}`,
    endpoints,
    adminPort: 15000,
    listeners: listeners.map((l) => ({
      name: l.name,
      port: l.port,
      protocol: l.protocol ?? 'http',
      hosts: [],
      redirectToHttps: false,
      virtualHosts: [],
      tcpRules: [],
      inbound: inbound(l.name, l.port, undefined, l.protocol ?? 'http', { defaultAction: 'allow', ...l }),
      span: next(),
    })),
    clusters: [],
    span: next(),
  };
}

/** A whole mesh. */
export function mesh(opts: { name?: string; refuse?: 'drop' | 'reject'; services?: ServiceIR[]; gateways?: GatewayIR[] }): MeshIR {
  const services = [...(opts.services ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
  const gateways = [...(opts.gateways ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    irVersion: IR_VERSION,
    mesh: {
      name: opts.name ?? 'test',
      namespace: 't',
      trustDomain: 'test.local',
      mtls: 'strict',
      defaultAction: 'deny',
      sidecar: { proxy: 'envoy', image: 'envoyproxy/envoy:v1.31.2', adminPort: 15000, inboundPort: 15006 },
      allowPartial: [],
      nftables: { refuse: opts.refuse ?? 'drop' },
      certs: { dir: '/etc/meshc/certs', cert: 'c', key: 'k', haproxyKey: 'h', ca: 'a' },
      span: span(1),
    },
    services,
    gateways,
  };
}

/** An emit context that records diagnostics (unsupported features as MC4001 errors). */
export function recordingContext(): EmitContext & { diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  return {
    meshcVersion: '0.0.0-test',
    diagnostics,
    unsupported(feature, s, detail) {
      diagnostics.push(makeDiagnostic(PipelineCodes.Unsupported, s, { target: 'nftables', feature, detail: detail ? `: ${detail}` : '' }));
    },
    report(info, s, args, extras) {
      diagnostics.push(makeDiagnostic(info, s, args, extras));
    },
  };
}

/** Diagnostics as `CODE file:line:col` strings, sorted: what tests compare. */
export function diagKeys(ds: readonly Diagnostic[]): string[] {
  return ds.map((d) => `${d.code} ${d.span ? `${d.span.file}:${d.span.line}:${d.span.column}` : '-'}`).sort();
}
