/**
 * The lowering: a checked mesh → the IR. Applies every default, resolves every reference, works
 * out endpoints, sidecar ports and clusters, and fixes the order of everything. Pure and linear in
 * the size of the mesh: per-service work depends only on what the service uses.
 * @module
 */
import { posix } from 'node:path';
import { filterPorts } from '../check/filters.js';
import { CheckContext } from '../check/context.js';
import type { CheckedMesh } from '../check/model.js';
import { attachGatewayRoutes, backendPortName, routePortName } from '../check/resolve.js';
import { DEFAULT_ADMIN_PORT, DEFAULT_INBOUND_PORT, sidecarPortOf } from '../check/services.js';
import { parseCidr, parseDuration, parseEndpoint } from '../check/values.js';
import type { Span } from '../diagnostics/types.js';
import type { LocatedResource, ValuePath } from '../dsl/source.js';
import type {
  Backend,
  FilterResource,
  GatewayResource,
  Listener,
  RetryPolicy,
  RouteResource,
  RouteRule,
  ServiceResource,
  StringMatch,
} from '../dsl/types.js';
import { compareStrings, flat, sortByName, sortStrings } from '../util/strings.js';
import {
  IR_VERSION,
  type ActionIR,
  type BackendIR,
  type CertPathsIR,
  type CircuitBreakerIR,
  type ClusterIR,
  type EndpointIR,
  type GatewayIR,
  type HeaderOpsIR,
  type InboundIR,
  type ListenerIR,
  type MeshIR,
  type MeshSettingsIR,
  type OutboundIR,
  type PolicyRuleIR,
  type PortIR,
  type RetryIR,
  type RuleFeature,
  type RuleIR,
  type ServiceIR,
  type SourceIR,
  type StringMatchIR,
  type VersionIR,
} from './types.js';

/** Default images per proxy. */
export const DEFAULT_IMAGES = { envoy: 'envoyproxy/envoy:v1.31.2', haproxy: 'haproxy:2.6' } as const;

/** Where every proxy finds its mesh identity. */
export const CERTS: CertPathsIR = {
  dir: '/etc/meshc/certs',
  cert: '/etc/meshc/certs/tls.crt',
  key: '/etc/meshc/certs/tls.key',
  haproxyKey: '/etc/meshc/certs/tls.crt.key',
  ca: '/etc/meshc/certs/ca.crt',
};

/** Where a gateway listener's TLS Secret is mounted. */
export const LISTENER_TLS_DIR = '/etc/meshc/tls';

/** The DNS suffix of Kubernetes Services. */
export const CLUSTER_DOMAIN = 'svc.cluster.local';

const BUILTIN_RETRIES: RetryPolicy = { attempts: 2, on: ['connect-failure', 'refused-stream'] };
const TCP_IDLE_TIMEOUT_MS = 3_600_000;

const byName = <T extends { name: string }>(a: T, b: T) => compareStrings(a.name, b.name);

/** Lowers a checked mesh to the IR. */
export function lowerMesh(checked: CheckedMesh): MeshIR {
  return new Lowering(checked).run();
}

class Lowering {
  private readonly settings: MeshSettingsIR;
  private readonly clusters = new Map<string, ClusterIR>();
  /** Addresses off Kubernetes, by service name and by gateway name. */
  private readonly addressesByService = new Map<string, EndpointIR[]>();
  private readonly addressesByGateway = new Map<string, EndpointIR[]>();
  private readonly upstreams = new Map<string, Upstream>();
  private readonly portRules = new Map<string, { rules: RuleIR[]; route?: string }>();
  private readonly filtersByTarget = new Map<string, LocatedResource<FilterResource>[]>();
  private readonly ctx: CheckContext;

  constructor(private readonly m: CheckedMesh) {
    const spec = m.mesh.resource.spec;
    const proxy = spec.sidecar?.proxy ?? 'envoy';
    this.settings = {
      name: m.mesh.resource.metadata.name,
      namespace: spec.namespace,
      trustDomain: spec.trustDomain,
      mtls: spec.mtls ?? 'strict',
      defaultAction: spec.defaultAction ?? 'deny',
      sidecar: {
        proxy,
        image: spec.sidecar?.image ?? DEFAULT_IMAGES[proxy],
        adminPort: spec.sidecar?.adminPort ?? DEFAULT_ADMIN_PORT,
        inboundPort: spec.sidecar?.inboundPort ?? DEFAULT_INBOUND_PORT,
      },
      allowPartial: [...new Set(spec.allowPartial ?? [])].sort(compareStrings),
      nftables: { refuse: spec.nftables?.refuse ?? 'drop' },
      certs: { ...CERTS },
      span: m.mesh.doc.span(['kind']),
    };
    // A context that only resolves (filterPorts needs the resources by name).
    this.ctx = new CheckContext();
    for (const [k, v] of m.services) this.ctx.services.set(k, v);
    for (const [k, v] of m.gateways) this.ctx.gateways.set(k, v);
    for (const f of [...m.filters.values()].sort((a, b) => compareStrings(a.resource.metadata.name, b.resource.metadata.name))) {
      const t = f.resource.spec.target;
      const key = 'service' in t ? `s/${t.service}` : `g/${t.gateway}`;
      let list = this.filtersByTarget.get(key);
      if (!list) this.filtersByTarget.set(key, (list = []));
      list.push(f);
    }
  }

  run(): MeshIR {
    // Route tables per service port, first (callers share them).
    for (const r of this.m.routes.values()) {
      const svcName = r.resource.spec.service;
      if (svcName === undefined) continue;
      const svc = this.m.services.get(svcName)!;
      const port = routePortName(r.resource, svc.resource)!;
      const protocol = svc.resource.spec.ports.find((p) => p.name === port)!.protocol ?? 'http';
      const rules = r.resource.spec.rules.map((rule, i) => this.rule(r, rule, i, port, protocol === 'tcp'));
      this.portRules.set(`${svcName}/${port}`, { rules, route: r.resource.metadata.name });
    }
    const services = [...this.m.services.values()].map((s) => this.service(s)).sort(byName);
    const byGw = new Map<string, LocatedResource<RouteResource>[]>();
    for (const r of [...this.m.routes.values()].sort((a, b) => compareStrings(a.resource.metadata.name, b.resource.metadata.name))) {
      const g = r.resource.spec.gateway;
      if (g === undefined) continue;
      let list = byGw.get(g);
      if (!list) byGw.set(g, (list = []));
      list.push(r);
    }
    const gateways = [...this.m.gateways.values()].map((g) => this.gateway(g, byGw.get(g.resource.metadata.name) ?? [])).sort(byName);
    return { irVersion: IR_VERSION, mesh: this.settings, services, gateways };
  }

  // -------------------------------------------------------------------------------------------
  // Names and identities
  // -------------------------------------------------------------------------------------------

  /** SPIFFE identities and DNS names, made once per name (each service's is named by every caller). */
  private readonly identities = new Map<string, string>();
  private readonly dnsNames = new Map<string, string>();

  private identity(sa: string): string {
    let v = this.identities.get(sa);
    if (v === undefined) this.identities.set(sa, (v = flat(`spiffe://${this.settings.trustDomain}/ns/${this.settings.namespace}/sa/${sa}`)));
    return v;
  }

  /** A headless Service's DNS name (not memoised: its name is made afresh by the caller, and each is used once or twice). */
  private hostname(name: string): string {
    return `${name}.${this.settings.namespace}.${CLUSTER_DOMAIN}`;
  }

  /** A service's DNS name (memoised: it is the SNI of each of its clusters). */
  private dns(name: string): string {
    let v = this.dnsNames.get(name);
    if (v === undefined) this.dnsNames.set(name, (v = flat(this.hostname(name))));
    return v;
  }

  // -------------------------------------------------------------------------------------------
  // Services
  // -------------------------------------------------------------------------------------------

  private service(lr: LocatedResource<ServiceResource>): ServiceIR {
    const svc = lr.resource;
    const spec = svc.spec;
    const name = svc.metadata.name;
    const sidecar = spec.sidecar !== false;
    const ports: PortIR[] = spec.ports.map((p, i) => {
      const protocol = p.protocol ?? 'http';
      const table = this.portRules.get(`${name}/${p.name}`) ?? { rules: this.defaultRules(lr, p.name, protocol === 'tcp') };
      const port: PortIR = {
        name: p.name,
        port: p.port,
        protocol,
        isHttp: protocol !== 'tcp',
        sidecarPort: sidecarPortOf(svc, i, this.settings.sidecar.inboundPort),
        rules: table.rules,
        span: lr.doc.span(['spec', 'ports', i]),
      };
      if (table.route !== undefined) port.route = table.route;
      this.portRules.set(`${name}/${p.name}`, table);
      return port;
    });
    const versions: VersionIR[] = Object.entries(spec.versions ?? {})
      .map(([v, def]) => {
        const labels: Record<string, string> = sortRecord({ ...(def.labels ?? {}), version: v });
        const out: VersionIR = {
          name: v,
          labels,
          endpoints: this.endpoints(lr, def.endpoints, ['spec', 'versions', v, 'endpoints'], !sidecar),
          replicas: def.replicas ?? spec.workload?.replicas ?? 1,
          headlessService: `${name}-${v}-headless`,
          headlessDns: this.hostname(`${name}-${v}-headless`),
          span: lr.doc.span(['spec', 'versions', v], 'key'),
        };
        const image = def.image ?? spec.workload?.image;
        if (image !== undefined) out.image = image;
        return out;
      })
    sortByName(versions);
    const endpoints = dedupeEndpoints([
      ...this.endpoints(lr, spec.endpoints, ['spec', 'endpoints'], !sidecar),
      ...versions.flatMap((v) => v.endpoints),
    ], !sidecar);
    const outbound: OutboundIR[] = sidecar
      ? (spec.uses ?? []).map((u, i) => {
          const callee = this.m.services.get(u.service)!.resource;
          const port = callee.spec.ports.find((p) => p.name === (u.port ?? callee.spec.ports[0]!.name))!;
          const protocol = port.protocol ?? 'http';
          const table = this.portTable(callee, port.name);
          const o: OutboundIR = {
            service: u.service,
            port: port.name,
            protocol,
            isHttp: protocol !== 'tcp',
            localPort: u.localPort ?? port.port,
            rules: table.rules,
            span: lr.doc.span(['spec', 'uses', i]),
          };
          if (table.route !== undefined) o.route = table.route;
          return o;
        })
      : [];
    const up = this.upstream(lr);
    const ir: ServiceIR = {
      name,
      labels: sortRecord(svc.metadata.labels ?? {}),
      annotations: sortRecord(svc.metadata.annotations ?? {}),
      sidecar,
      identity: this.identity(name),
      serviceAccount: name,
      ports,
      versions,
      endpoints,
      headlessService: `${name}-headless`,
      headlessDns: this.hostname(`${name}-headless`),
      loadBalancer: up.loadBalancer,
      circuitBreaker: up.circuitBreaker,
      connectTimeoutMs: up.connectTimeoutMs,
      outbound,
      clusters: this.clustersOf(outbound.flatMap((o) => o.rules)),
      inbound: ports.map((p) => this.inbound(`s/${name}`, { name: p.name, protocol: p.protocol, isHttp: p.isHttp, listenPort: p.sidecarPort, appPort: p.port })),
      span: lr.doc.span(['kind']),
    };
    if (up.healthCheck) ir.healthCheck = up.healthCheck;
    if (up.outlierDetection) ir.outlierDetection = up.outlierDetection;
    if (spec.workload) {
      const w = spec.workload;
      ir.workload = {
        image: w.image,
        replicas: w.replicas ?? 1,
        resources: w.resources ? { ...(w.resources.cpu ? { cpu: w.resources.cpu } : {}), ...(w.resources.memory ? { memory: w.resources.memory } : {}) } : {},
        env: sortByName(Object.entries(w.env ?? {}).map(([k, v]) => ({ name: k, value: String(v) }))),
        readOnlyRootFilesystem: w.readOnlyRootFilesystem ?? true,
        runAsUser: w.runAsUser ?? 10001,
        span: lr.doc.span(['spec', 'workload'], 'key'),
      };
      if (w.command) ir.workload.command = [...w.command];
      if (w.args) ir.workload.args = [...w.args];
    }
    return ir;
  }

  /** The route table of a service port (lowered on first use). */
  private portTable(svc: ServiceResource, port: string): { rules: RuleIR[]; route?: string } {
    const key = `${svc.metadata.name}/${port}`;
    let t = this.portRules.get(key);
    if (!t) {
      const lr = this.m.services.get(svc.metadata.name)!;
      const protocol = svc.spec.ports.find((p) => p.name === port)!.protocol ?? 'http';
      t = { rules: this.defaultRules(lr, port, protocol === 'tcp') };
      this.portRules.set(key, t);
    }
    return t;
  }

  /** The default rule of a service port without Route: every version (or all instances), equal weights. */
  private defaultRules(lr: LocatedResource<ServiceResource>, port: string, tcp: boolean): RuleIR[] {
    const svc = lr.resource;
    const span = lr.doc.span(['kind']);
    const versions = sortStrings(Object.keys(svc.spec.versions ?? {}));
    const backends: BackendIR[] = (versions.length > 0 ? versions : [undefined]).map((v) => {
      const c = this.cluster(svc, port, v);
      const b: BackendIR = { cluster: c.id, service: svc.metadata.name, port, weight: 1, span };
      if (v !== undefined) b.version = v;
      return b;
    });
    const rule: RuleIR = {
      name: 'default',
      index: 0,
      match: { headers: [], query: [], methods: [] },
      action: { kind: 'forward', backends },
      timeoutMs: tcp ? this.tcpTimeout(undefined, svc) : this.httpTimeout(undefined, svc),
      headers: NO_HEADER_OPS,
      span,
      featureSpans: {},
    };
    const retries = tcp ? undefined : this.retries(undefined, svc);
    if (retries) rule.retries = retries;
    return [rule];
  }

  private httpTimeout(rule: RouteRule | undefined, svc: ServiceResource | undefined): number {
    const d = rule?.timeout ?? svc?.spec.timeout ?? this.m.mesh.resource.spec.defaults?.timeout ?? '15s';
    return parseDuration(d);
  }

  private tcpTimeout(rule: RouteRule | undefined, svc: ServiceResource | undefined): number {
    const d = rule?.timeout ?? svc?.spec.timeout;
    return d === undefined ? TCP_IDLE_TIMEOUT_MS : parseDuration(d);
  }

  /** The retry policy of a rule (`ruleSpan` locates paths inside the rule), its Service's, or the Mesh default. */
  private retries(rule: RouteRule | undefined, svc: ServiceResource | undefined, ruleSpan?: (p: ValuePath) => Span): RetryIR | undefined {
    const r = rule?.retries ?? svc?.spec.retries ?? this.m.mesh.resource.spec.defaults?.retries ?? BUILTIN_RETRIES;
    if (r.attempts <= 0) return undefined;
    const out: RetryIR = { attempts: r.attempts, on: [...new Set(r.on ?? BUILTIN_RETRIES.on!)] };
    if (r.perTryTimeout !== undefined) {
      out.perTryTimeoutMs = parseDuration(r.perTryTimeout);
      const p: ValuePath = ['retries', 'perTryTimeout'];
      const where = rule?.retries && ruleSpan
        ? ruleSpan(p)
        : svc?.spec.retries
          ? this.m.services.get(svc.metadata.name)?.doc.span(['spec', ...p], 'value')
          : this.m.mesh.doc.span(['spec', 'defaults', ...p], 'value');
      if (where) out.perTryTimeoutSpan = where;
    }
    return out;
  }

  /**
   * A service's upstream settings, made once per service: its own IR and each of its clusters
   * carry the same objects (with their spans).
   */
  private upstream(lr: LocatedResource<ServiceResource>): Upstream {
    const name = lr.resource.metadata.name;
    let u = this.upstreams.get(name);
    if (!u) {
      u = {
        loadBalancer: this.loadBalancer(lr.resource),
        circuitBreaker: circuitBreaker(lr),
        connectTimeoutMs: this.connectTimeout(lr.resource),
        healthCheck: this.healthCheck(lr),
        outlierDetection: this.outlier(lr),
      };
      this.upstreams.set(name, u);
    }
    return u;
  }

  private connectTimeout(svc: ServiceResource): number {
    return parseDuration(svc.spec.connectTimeout ?? this.m.mesh.resource.spec.defaults?.connectTimeout ?? '1s');
  }

  private loadBalancer(svc: ServiceResource): ServiceIR['loadBalancer'] {
    const lb = svc.spec.loadBalancer;
    const policy = lb?.policy ?? 'round-robin';
    if ((policy === 'ring-hash' || policy === 'maglev') && lb?.hashOn !== undefined) {
      const h = lb.hashOn;
      if (h === 'source-ip') return { policy, hashOn: { kind: 'source-ip' } };
      if ('header' in h) return { policy, hashOn: { kind: 'header', header: h.header.toLowerCase() } };
      const c: { kind: 'cookie'; name: string; ttlMs?: number } = { kind: 'cookie', name: h.cookie.name };
      if (h.cookie.ttl !== undefined) c.ttlMs = parseDuration(h.cookie.ttl);
      return { policy, hashOn: c };
    }
    return { policy };
  }

  private healthCheck(lr: LocatedResource<ServiceResource>): ServiceIR['healthCheck'] {
    const h = lr.resource.spec.healthCheck;
    if (!h) return undefined;
    const out: NonNullable<ServiceIR['healthCheck']> = {
      intervalMs: parseDuration(h.interval ?? '5s'),
      timeoutMs: parseDuration(h.timeout ?? '1s'),
      healthyThreshold: h.healthyThreshold ?? 2,
      unhealthyThreshold: h.unhealthyThreshold ?? 3,
      span: lr.doc.span(['spec', 'healthCheck'], 'key'),
    };
    if (h.path !== undefined) out.path = h.path;
    return out;
  }

  private outlier(lr: LocatedResource<ServiceResource>): ServiceIR['outlierDetection'] {
    const o = lr.resource.spec.outlierDetection;
    if (!o) return undefined;
    return {
      consecutive5xx: o.consecutive5xx ?? 5,
      intervalMs: parseDuration(o.interval ?? '10s'),
      baseEjectionTimeMs: parseDuration(o.baseEjectionTime ?? '30s'),
      maxEjectionPercent: o.maxEjectionPercent ?? 10,
      span: lr.doc.span(['spec', 'outlierDetection'], 'key'),
    };
  }

  private endpoints(lr: LocatedResource, list: string[] | undefined, base: ValuePath, withPort: boolean): EndpointIR[] {
    return (list ?? []).map((e, i) => {
      const p = parseEndpoint(e);
      if ('error' in p) throw new Error(`meshc bug: unchecked endpoint ${e}`);
      const out: EndpointIR = { host: p.host, kind: p.kind, span: lr.doc.spanAt(base, [i]) };
      if (withPort && p.port !== undefined) out.port = p.port;
      return out;
    });
  }

  // -------------------------------------------------------------------------------------------
  // Clusters
  // -------------------------------------------------------------------------------------------

  /** The cluster for (service, port, version), made once and shared. */
  private cluster(svc: ServiceResource, port: string, version: string | undefined): ClusterIR {
    const name = svc.metadata.name;
    const id = version === undefined ? `${name}.${port}` : `${name}.${port}.${version}`;
    const cached = this.clusters.get(id);
    if (cached) return cached;
    const lr = this.m.services.get(name)!;
    const spec = svc.spec;
    const i = spec.ports.findIndex((p) => p.name === port);
    const p = spec.ports[i]!;
    const sidecar = spec.sidecar !== false;
    const targetPort = sidecarPortOf(svc, i, this.settings.sidecar.inboundPort);
    const versionDefs = spec.versions ?? {};
    const onHosts =
      (spec.endpoints?.length ?? 0) > 0 || Object.values(versionDefs).some((v) => (v.endpoints?.length ?? 0) > 0);
    let endpoints: EndpointIR[];
    if (onHosts) {
      const raw: EndpointIR[] =
        version !== undefined
          ? this.endpoints(lr, versionDefs[version]!.endpoints, ['spec', 'versions', version, 'endpoints'], true)
          : [
              ...this.endpoints(lr, spec.endpoints, ['spec', 'endpoints'], true),
              ...sortStrings(Object.keys(versionDefs))
                .flatMap((v) => this.endpoints(lr, versionDefs[v]!.endpoints, ['spec', 'versions', v, 'endpoints'], true)),
            ];
      endpoints = dedupeEndpoints(raw.map((e) => ({ ...e, port: sidecar ? targetPort : (e.port ?? p.port) })), true);
    } else {
      const host = this.hostname(version === undefined ? `${name}-headless` : `${name}-${version}-headless`);
      endpoints = [{ host, kind: 'dns', port: targetPort }];
    }
    const protocol = p.protocol ?? 'http';
    const up = this.upstream(lr);
    const c: ClusterIR = {
      id,
      service: name,
      port,
      protocol,
      discovery: endpoints.some((e) => e.kind === 'dns') ? 'dns' : 'static',
      endpoints,
      loadBalancer: up.loadBalancer,
      circuitBreaker: up.circuitBreaker,
      connectTimeoutMs: up.connectTimeoutMs,
    };
    if (version !== undefined) c.version = version;
    if (sidecar && this.settings.mtls !== 'off') c.tls = { peerIdentity: this.identity(name), sni: this.dns(name) };
    if (up.healthCheck) c.healthCheck = up.healthCheck;
    if (up.outlierDetection) c.outlierDetection = up.outlierDetection;
    this.clusters.set(id, c);
    return c;
  }

  /** The clusters that a list of rules sends to (backends and mirrors), sorted by id. */
  private clustersOf(rules: readonly RuleIR[]): ClusterIR[] {
    const ids = new Set<string>();
    for (const r of rules) {
      if (r.action.kind === 'forward') for (const b of r.action.backends) ids.add(b.cluster);
      if (r.mirror) ids.add(r.mirror.cluster);
    }
    return sortStrings([...ids]).map((id) => this.clusters.get(id)!);
  }

  // -------------------------------------------------------------------------------------------
  // Rules
  // -------------------------------------------------------------------------------------------

  private rule(lr: LocatedResource<RouteResource>, rule: RouteRule, index: number, routePort: string | undefined, tcp: boolean): RuleIR {
    const at: ValuePath = ['spec', 'rules', index];
    const route = lr.resource;
    const routeSvc = route.spec.service !== undefined ? this.m.services.get(route.spec.service)!.resource : undefined;
    const span = (p: ValuePath, which: 'key' | 'value' = 'key') => lr.doc.spanAt(at, p, which);
    const featureSpans: Partial<Record<RuleFeature, Span>> = {};
    const m = rule.match;
    const match: RuleIR['match'] = {
      headers: Object.entries(m?.headers ?? {}).map(([n, sm]) => stringMatch(n.toLowerCase(), sm)),
      query: Object.entries(m?.query ?? {}).map(([n, sm]) => stringMatch(n, sm)),
      methods: [...(m?.methods ?? [])],
    };
    if (m?.path) {
      const p = m.path;
      match.path = 'exact' in p ? { kind: 'exact', value: p.exact } : 'prefix' in p ? { kind: 'prefix', value: p.prefix } : { kind: 'regex', value: p.regex };
      featureSpans['match.path'] = span(['match', 'path']);
    }
    if (m?.headers) featureSpans['match.headers'] = span(['match', 'headers']);
    if (m?.query) featureSpans['match.query'] = span(['match', 'query']);
    if (m?.methods) featureSpans['match.methods'] = span(['match', 'methods']);
    let action: ActionIR;
    if (rule.redirect) {
      const r = rule.redirect;
      action = { kind: 'redirect', status: r.status ?? 302 };
      if (r.scheme !== undefined) action.scheme = r.scheme;
      if (r.host !== undefined) action.host = r.host;
      if (r.port !== undefined) action.port = r.port;
      if (r.path !== undefined) action.path = r.path;
      featureSpans.redirect = span(['redirect']);
    } else if (rule.directResponse) {
      const d = rule.directResponse;
      action = { kind: 'directResponse', status: d.status, body: d.body ?? '', contentType: d.contentType ?? 'text/plain' };
      if (d.body !== undefined) action.bodySpan = span(['directResponse', 'body'], 'value');
      featureSpans.directResponse = span(['directResponse']);
    } else {
      action = {
        kind: 'forward',
        backends: (rule.backends ?? []).map((b, j) => this.backend(route, routePort, b, span(['backends', j], 'value'))),
      };
    }
    // The service whose settings (timeout, retries) apply: the route's service, or for a gateway
    // route the first backend's service.
    const settingsSvc = routeSvc ?? (rule.backends?.[0] ? this.m.services.get(rule.backends[0].service)?.resource : undefined);
    const out: RuleIR = {
      name: rule.name ?? `${route.metadata.name}-${index}`,
      index,
      match,
      action,
      timeoutMs: tcp ? this.tcpTimeout(rule, settingsSvc) : this.httpTimeout(rule, settingsSvc),
      headers: rule.headers ? { request: headerOps(rule.headers.request), response: headerOps(rule.headers.response) } : NO_HEADER_OPS,
      span: lr.doc.span(at),
      featureSpans,
    };
    if (rule.timeout !== undefined) featureSpans.timeout = span(['timeout']);
    if (!tcp && action.kind === 'forward') {
      const retries = this.retries(rule, settingsSvc, (p) => span(p, 'value'));
      if (retries) out.retries = retries;
      if (rule.retries) featureSpans.retries = span(['retries']);
    }
    if (rule.rewrite) {
      const rw = rule.rewrite;
      out.rewrite = {};
      if (rw.path) {
        const p = rw.path;
        out.rewrite.path =
          'prefix' in p
            ? { kind: 'prefix', matchedPrefix: match.path?.value ?? '/', replacement: p.prefix }
            : 'regex' in p
              ? { kind: 'regex', pattern: p.regex.pattern, substitution: p.regex.substitution }
              : { kind: 'full', path: p.full };
        featureSpans['rewrite.path'] = span(['rewrite', 'path']);
      }
      if (rw.host !== undefined) {
        out.rewrite.host = rw.host;
        featureSpans['rewrite.host'] = span(['rewrite', 'host']);
      }
    }
    if (rule.headers?.request) featureSpans['headers.request'] = span(['headers', 'request']);
    if (rule.headers?.response) featureSpans['headers.response'] = span(['headers', 'response']);
    if (rule.mirror) {
      const b = this.backend(route, routePort, { service: rule.mirror.service, version: rule.mirror.version, port: rule.mirror.port }, span(['mirror']));
      out.mirror = { cluster: b.cluster, percent: rule.mirror.percent ?? 100 };
      featureSpans.mirror = span(['mirror']);
    }
    if (rule.fault) {
      out.fault = {};
      if (rule.fault.delay) {
        out.fault.delay = { durationMs: parseDuration(rule.fault.delay.duration), percent: rule.fault.delay.percent };
        featureSpans['fault.delay'] = span(['fault', 'delay']);
      }
      if (rule.fault.abort) {
        out.fault.abort = { status: rule.fault.abort.status, percent: rule.fault.abort.percent };
        featureSpans['fault.abort'] = span(['fault', 'abort']);
      }
    }
    if (rule.cors) {
      const c = rule.cors;
      out.cors = {
        allowOrigins: [...c.allowOrigins],
        allowMethods: [...(c.allowMethods ?? [])],
        allowHeaders: (c.allowHeaders ?? []).map((h) => h.toLowerCase()),
        exposeHeaders: (c.exposeHeaders ?? []).map((h) => h.toLowerCase()),
        allowCredentials: c.allowCredentials ?? false,
      };
      if (c.maxAge !== undefined) out.cors.maxAgeSeconds = Math.ceil(parseDuration(c.maxAge) / 1000);
      featureSpans.cors = span(['cors']);
    }
    return out;
  }

  private backend(route: RouteResource, routePort: string | undefined, b: Backend, span: Span): BackendIR {
    const svc = this.m.services.get(b.service)!.resource;
    const port = backendPortName(route, routePort, svc, b.port)!;
    const c = this.cluster(svc, port, b.version);
    const out: BackendIR = { cluster: c.id, service: b.service, port, weight: b.weight ?? 1, span };
    if (b.version !== undefined) out.version = b.version;
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Inbound policy
  // -------------------------------------------------------------------------------------------

  private inbound(targetKey: string, p: InboundPort): InboundIR {
    const portName = p.name;
    const isHttp = p.isHttp;
    const filters = (this.filtersByTarget.get(targetKey) ?? []).filter((f) => filterPorts(this.ctx, f.resource).some((x) => x.name === portName));
    const deny: PolicyRuleIR[] = [];
    const allow: PolicyRuleIR[] = [];
    const rateLimits: InboundIR['rateLimits'] = [];
    const jwt: InboundIR['jwt'] = [];
    for (const f of filters) {
      const s = f.resource.spec;
      const fname = f.resource.metadata.name;
      const span = f.doc.span(['metadata', 'name']);
      if (s.type === 'allow' || s.type === 'deny') {
        const rule: PolicyRuleIR = { filter: fname, from: (s.from ?? []).map((src, i) => this.source(f, src, i)), span };
        if (s.http && isHttp) {
          rule.http = {
            methods: [...(s.http.methods ?? [])],
            paths: (s.http.paths ?? []).map((x) => (x.endsWith('*') ? { kind: 'prefix' as const, value: x.slice(0, -1) } : { kind: 'exact' as const, value: x })),
          };
        }
        (s.type === 'allow' ? allow : deny).push(rule);
      } else if (s.type === 'rateLimit') {
        rateLimits.push({
          filter: fname,
          requests: s.rateLimit.requests,
          perMs: parseDuration(s.rateLimit.per),
          burst: s.rateLimit.burst ?? s.rateLimit.requests,
          by: s.rateLimit.by ?? 'global',
          span,
          perSpan: f.doc.span(['spec', 'rateLimit', 'per'], 'value'),
        });
      } else if (isHttp) {
        jwt.push({
          filter: fname,
          issuer: s.jwt.issuer,
          audiences: [...(s.jwt.audiences ?? [])],
          jwks: this.m.jwks.get(fname) ?? '',
          jwksFile: s.jwt.jwksFile,
          fromHeader: (s.jwt.fromHeader ?? 'authorization').toLowerCase(),
          allowMissing: s.jwt.allowMissing ?? false,
          span,
        });
      }
    }
    // Services: the mesh's default. Gateways face the outside world: they admit everyone unless an
    // allow Filter applies to the listener, in which case only what it admits (as Istio does).
    const defaultAction: 'deny' | 'allow' = p.appPort !== undefined ? this.settings.defaultAction : allow.length > 0 ? 'deny' : 'allow';
    const out: InboundIR = {
      port: portName,
      listenPort: p.listenPort,
      protocol: p.protocol,
      isHttp,
      deny,
      allow,
      defaultAction,
      rateLimits,
      jwt,
    };
    if (p.appPort !== undefined) out.appPort = p.appPort;
    return out;
  }

  private source(f: LocatedResource<FilterResource>, src: NonNullable<Extract<FilterResource['spec'], { type: 'allow' }>['from']>[number], i: number): SourceIR {
    const span = f.doc.span(['spec', 'from', i]);
    if ('cidr' in src) {
      const c = parseCidr(src.cidr);
      if ('error' in c) throw new Error(`meshc bug: unchecked CIDR ${src.cidr}`);
      return { kind: 'cidr', cidr: c.cidr, family: c.family, span };
    }
    if ('service' in src) {
      const s = this.m.services.get(src.service)!;
      const addrs = this.addressesOf(s.resource, s);
      return { kind: 'service', name: src.service, identity: this.identity(src.service), addresses: addrs, sidecar: s.resource.spec.sidecar !== false, span };
    }
    const g = this.m.gateways.get(src.gateway)!;
    return {
      kind: 'gateway',
      name: src.gateway,
      identity: this.identity(`gateway-${src.gateway}`),
      addresses: this.gatewayAddresses(g),
      span,
    };
  }

  /** A gateway's addresses off Kubernetes (made once: every Filter that admits it names them). */
  private gatewayAddresses(g: LocatedResource<GatewayResource>): EndpointIR[] {
    const name = g.resource.metadata.name;
    let out = this.addressesByGateway.get(name);
    if (!out) this.addressesByGateway.set(name, (out = this.endpoints(g, g.resource.spec.endpoints, ['spec', 'endpoints'], false)));
    return out;
  }

  /** The addresses of a service's instances off Kubernetes (made once per service: every caller's Filter names them). */
  private addressesOf(svc: ServiceResource, lr: LocatedResource): EndpointIR[] {
    const name = svc.metadata.name;
    let out = this.addressesByService.get(name);
    if (!out) {
      out = dedupeEndpoints([
        ...this.endpoints(lr, svc.spec.endpoints, ['spec', 'endpoints'], false),
        ...sortStrings(Object.keys(svc.spec.versions ?? {})).flatMap((v) =>
          this.endpoints(lr, svc.spec.versions![v]!.endpoints, ['spec', 'versions', v, 'endpoints'], false),
        ),
      ]);
      this.addressesByService.set(name, out);
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Gateways
  // -------------------------------------------------------------------------------------------

  private gateway(lr: LocatedResource<GatewayResource>, routes: LocatedResource<RouteResource>[]): GatewayIR {
    const gw = lr.resource;
    const name = gw.metadata.name;
    const { attachments } = attachGatewayRoutes(gw, routes);
    const ruleCache = new Map<string, RuleIR[]>();
    const rulesOf = (r: LocatedResource<RouteResource>, tcp: boolean) => {
      const key = `${r.resource.metadata.name}/${tcp}`;
      let rules = ruleCache.get(key);
      if (!rules) {
        rules = r.resource.spec.rules.map((rule, i) => this.rule(r, rule, i, undefined, tcp));
        ruleCache.set(key, rules);
      }
      return rules;
    };
    const httpsPort = gw.spec.listeners.find((l) => l.protocol === 'https')?.port;
    const listeners: ListenerIR[] = gw.spec.listeners.map((l, i) => {
      const mine = attachments.filter((a) => a.listenerIndex === i);
      const tcp = l.protocol === 'tcp';
      const out: ListenerIR = {
        name: l.name,
        port: l.port,
        protocol: l.protocol,
        hosts: [...(l.hosts ?? [])],
        redirectToHttps: l.redirectToHttps ?? false,
        virtualHosts: tcp
          ? []
          : mine.map((a) => ({ route: a.route.resource.metadata.name, hosts: a.hosts, rules: rulesOf(a.route, false), span: a.route.doc.span(['kind']) })),
        tcpRules: tcp && mine[0] ? rulesOf(mine[0].route, true).slice(0, 1) : [],
        inbound: this.inbound(`g/${name}`, { name: l.name, protocol: l.protocol, isHttp: l.protocol !== 'tcp', listenPort: l.port }),
        span: lr.doc.span(['spec', 'listeners', i]),
      };
      if (out.redirectToHttps && httpsPort !== undefined) out.httpsPort = httpsPort;
      if (l.protocol === 'https' && l.tls) {
        if (l.tls.secretName !== undefined) {
          const dir = `${LISTENER_TLS_DIR}/${l.name}`;
          out.tls = {
            certPath: `${dir}/tls.crt`,
            keyPath: `${dir}/tls.key`,
            haproxyKeyPath: `${dir}/tls.crt.key`,
            secretName: l.tls.secretName,
            mountDir: dir,
          };
        } else {
          // A relative path is relative to /etc/meshc on the gateway's host.
          const file = posix.resolve('/etc/meshc', l.tls.certificateFile!);
          out.tls = { certPath: file, keyPath: file, haproxyKeyPath: file };
        }
      }
      return out;
    });
    const allRules = listeners.flatMap((l) => [...l.virtualHosts.flatMap((v) => v.rules), ...l.tcpRules]);
    const proxy = gw.spec.proxy;
    return {
      name,
      labels: sortRecord(gw.metadata.labels ?? {}),
      annotations: sortRecord(gw.metadata.annotations ?? {}),
      proxy,
      image: gw.spec.image ?? (proxy === this.settings.sidecar.proxy ? this.settings.sidecar.image : DEFAULT_IMAGES[proxy]),
      replicas: gw.spec.replicas ?? 2,
      identity: this.identity(`gateway-${name}`),
      serviceAccount: `gateway-${name}`,
      endpoints: this.endpoints(lr, gw.spec.endpoints, ['spec', 'endpoints'], false),
      adminPort: this.settings.sidecar.adminPort,
      listeners,
      clusters: this.clustersOf(allRules),
      span: lr.doc.span(['kind']),
    };
  }
}

/** What a service's IR and its clusters share: how to reach and balance its instances. */
interface Upstream {
  loadBalancer: ServiceIR['loadBalancer'];
  circuitBreaker: CircuitBreakerIR;
  connectTimeoutMs: number;
  healthCheck: ServiceIR['healthCheck'];
  outlierDetection: ServiceIR['outlierDetection'];
}

/** A service port or gateway listener, as the inbound policy needs it. */
interface InboundPort {
  name: string;
  protocol: InboundIR['protocol'];
  isHttp: boolean;
  listenPort: number;
  /** The app port (services only). */
  appPort?: number;
}

function circuitBreaker(lr: LocatedResource<ServiceResource>): CircuitBreakerIR {
  const c = lr.resource.spec.circuitBreaker ?? {};
  const out: CircuitBreakerIR = {
    maxConnections: c.maxConnections ?? 1024,
    maxPendingRequests: c.maxPendingRequests ?? 1024,
    maxRequests: c.maxRequests ?? 1024,
    maxRetries: c.maxRetries ?? 3,
  };
  if (c.maxRetries !== undefined) out.maxRetriesSpan = lr.doc.span(['spec', 'circuitBreaker', 'maxRetries'], 'key');
  return out;
}

function stringMatch(name: string, sm: StringMatch): StringMatchIR {
  if ('exact' in sm) return { name, kind: 'exact', value: sm.exact };
  if ('prefix' in sm) return { name, kind: 'prefix', value: sm.prefix };
  if ('regex' in sm) return { name, kind: 'regex', value: sm.regex };
  return { name, kind: sm.present ? 'present' : 'absent', value: '' };
}

/** No header operations: one frozen object shared by every rule without any (most rules). */
const NO_OPS: HeaderOpsIR = Object.freeze({ set: Object.freeze([]), add: Object.freeze([]), remove: Object.freeze([]) }) as unknown as HeaderOpsIR;
const NO_HEADER_OPS: RuleIR['headers'] = Object.freeze({ request: NO_OPS, response: NO_OPS });

function headerOps(ops: { set?: Record<string, string>; add?: Record<string, string>; remove?: string[] } | undefined): HeaderOpsIR {
  if (!ops) return NO_OPS;
  const pairs = (r: Record<string, string> | undefined) =>
    sortByName(Object.entries(r ?? {}).map(([name, value]) => ({ name: name.toLowerCase(), value: String(value) })));
  return { set: pairs(ops.set), add: pairs(ops.add), remove: (ops.remove ?? []).map((h) => h.toLowerCase()) };
}

function sortRecord(r: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of sortStrings(Object.keys(r))) out[k] = String(r[k]);
  return out;
}

function dedupeEndpoints(list: EndpointIR[], withPort = false): EndpointIR[] {
  const seen = new Set<string>();
  const out: EndpointIR[] = [];
  for (const e of list) {
    const key = withPort ? `${e.host}|${e.port ?? ''}` : e.host;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}
