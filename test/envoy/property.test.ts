/**
 * Property: for any IR the schema and lowering can produce (random routing rules, clusters and
 * policies, with strings drawn from the DSL's own character classes), the Envoy target emits
 * without throwing, deterministically, and every file passes the verifier.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ClusterIR, CorsIR, FaultIR, HashOnIR, PolicyRuleIR, RetryIR, RuleIR, SourceIR, StringMatchIR } from '../../src/ir/types.js';
import { emitEnvoy } from '../../targets/envoy/index.js';
import { verifyEnvoyFiles } from '../../targets/envoy/verify/index.js';
import { cluster, collecting, ep, gateway, inbound, jwt, listener, meshIR, port, rateLimit, rule, service, span, uses } from './ir.js';

const RUNS = Number(process.env.MESHC_PROPERTY_RUNS ?? 25);

const printable = (min = 0, max = 12) => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: min, maxLength: max });
const token = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789!#$%&\'*+.^_`|~-'.split('')), minLength: 1, maxLength: 10 });
const headerName = token.filter((n) => n !== 'host');
const path = printable(0, 12).map((s) => '/' + s.replace(/ /g, ''));
const percent = fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 100, noNaN: true }).map((x) => Math.round(x * 10000) / 10000));
const ms = fc.integer({ min: 1, max: 3_600_000 });
const stringMatch = fc.record({
  name: headerName,
  kind: fc.constantFrom<StringMatchIR['kind']>('exact', 'prefix', 'regex', 'present', 'absent'),
  value: printable(),
}).map((m) => (m.kind === 'present' || m.kind === 'absent' ? { ...m, value: '' } : m.kind === 'regex' ? { ...m, value: 'v[0-9]+' } : m));
const headerOps = fc.record({
  set: fc.uniqueArray(fc.record({ name: headerName, value: printable() }), { selector: (h) => h.name, maxLength: 2 }),
  add: fc.uniqueArray(fc.record({ name: headerName, value: printable() }), { selector: (h) => h.name, maxLength: 2 }),
  remove: fc.uniqueArray(headerName, { maxLength: 2 }),
});
const retries: fc.Arbitrary<RetryIR> = fc.record({
  attempts: fc.integer({ min: 1, max: 5 }),
  on: fc.uniqueArray(fc.constantFrom('5xx', 'gateway-error', 'reset', 'connect-failure', 'refused-stream', 'retriable-4xx', '503', '429'), { minLength: 1, maxLength: 4 }),
  perTryTimeoutMs: fc.option(ms, { nil: undefined }),
}).map((r) => (r.perTryTimeoutMs === undefined ? { attempts: r.attempts, on: r.on } : r));
const fault: fc.Arbitrary<FaultIR> = fc.record({
  delay: fc.option(fc.record({ durationMs: ms, percent }), { nil: undefined }),
  abort: fc.option(fc.record({ status: fc.integer({ min: 200, max: 599 }), percent }), { nil: undefined }),
}).map((f) => Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as FaultIR);
const cors: fc.Arbitrary<CorsIR> = fc.record({
  allowOrigins: fc.array(fc.constantFrom('*', 'https://a.example', 'http://b.example:8080'), { minLength: 1, maxLength: 2 }),
  allowMethods: fc.uniqueArray(fc.constantFrom('GET', 'POST', 'PUT'), { maxLength: 3 }),
  allowHeaders: fc.uniqueArray(headerName, { maxLength: 2 }),
  exposeHeaders: fc.uniqueArray(headerName, { maxLength: 2 }),
  allowCredentials: fc.boolean(),
}).chain((c) => fc.option(fc.integer({ min: 0, max: 86400 }), { nil: undefined }).map((m) => (m === undefined ? c : { ...c, maxAgeSeconds: m })));

const CLUSTERS = ['api.http.v1', 'api.http.v2', 'api.http.v3'];

const httpRule = (i: number): fc.Arbitrary<RuleIR> =>
  fc
    .record({
      pathKind: fc.constantFrom('none', 'exact', 'prefix', 'regex'),
      pathValue: path,
      headers: fc.array(stringMatch, { maxLength: 2 }),
      query: fc.array(stringMatch.filter((q) => q.kind !== 'absent'), { maxLength: 2 }),
      methods: fc.uniqueArray(fc.constantFrom('GET', 'HEAD', 'POST', 'DELETE'), { maxLength: 3 }),
      action: fc.oneof(
        fc.array(fc.tuple(fc.constantFrom(...CLUSTERS), fc.integer({ min: 0, max: 100 })), { minLength: 1, maxLength: 3 }).filter((bs) => bs.some(([, w]) => w > 0)),
        fc.record({ kind: fc.constant('redirect' as const), path: fc.option(path, { nil: undefined }), status: fc.constantFrom(301 as const, 302 as const, 303 as const, 307 as const, 308 as const), scheme: fc.option(fc.constantFrom('http' as const, 'https' as const), { nil: undefined }), host: fc.option(fc.constantFrom('a.example.com', 'b.example'), { nil: undefined }), port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }) }),
        fc.record({ kind: fc.constant('directResponse' as const), status: fc.integer({ min: 200, max: 599 }), body: fc.string({ maxLength: 20 }), contentType: fc.constant('text/plain') }),
      ),
      timeoutMs: fc.oneof(fc.constant(0), ms),
      retries: fc.option(retries, { nil: undefined }),
      rewritePrefix: fc.option(fc.tuple(path, path), { nil: undefined }),
      rewriteHost: fc.option(fc.constantFrom('x.internal', 'api.example.com'), { nil: undefined }),
      ops: fc.record({ request: headerOps, response: headerOps }),
      mirror: fc.option(fc.record({ cluster: fc.constantFrom(...CLUSTERS), percent }), { nil: undefined }),
      fault: fc.option(fault, { nil: undefined }),
      cors: fc.option(cors, { nil: undefined }),
    })
    .map((r) => {
      const forward = Array.isArray(r.action);
      const over: Partial<RuleIR> = {
        index: i,
        match: { headers: r.headers, query: r.query, methods: r.methods, ...(r.pathKind === 'none' ? {} : { path: { kind: r.pathKind as 'exact', value: r.pathKind === 'regex' ? '/[a-z]+' : r.pathValue } }) },
        timeoutMs: r.timeoutMs,
        headers: r.ops,
      };
      if (!forward) over.action = Object.fromEntries(Object.entries(r.action as object).filter(([, v]) => v !== undefined)) as RuleIR['action'];
      if (forward && r.retries) over.retries = r.retries;
      if (forward && (r.rewritePrefix || r.rewriteHost)) {
        over.rewrite = {};
        if (r.rewritePrefix) over.rewrite.path = { kind: 'prefix', matchedPrefix: r.rewritePrefix[0], replacement: r.rewritePrefix[1] };
        if (r.rewriteHost) over.rewrite.host = r.rewriteHost;
      }
      if (forward && r.mirror) over.mirror = r.mirror;
      if (forward && r.fault && Object.keys(r.fault).length > 0) over.fault = r.fault;
      if (r.cors) over.cors = r.cors;
      const backends = forward ? (r.action as [string, number][]).map(([c, w]) => `${c}=${w}`) : [];
      return rule(`r${i}`, backends, over, 100 + i);
    });

const hashOn: fc.Arbitrary<HashOnIR | undefined> = fc.oneof(
  fc.constant(undefined),
  headerName.map((h) => ({ kind: 'header' as const, header: h })),
  fc.record({ kind: fc.constant('cookie' as const), name: token, ttlMs: ms }),
  fc.constant({ kind: 'source-ip' as const }),
);
const clusterOver: fc.Arbitrary<Partial<ClusterIR>> = fc.record({
  hashOn,
  policy: fc.constantFrom('round-robin', 'least-request', 'random') as fc.Arbitrary<'round-robin' | 'least-request' | 'random'>,
  protocol: fc.constantFrom('http', 'http2', 'grpc') as fc.Arbitrary<'http' | 'http2' | 'grpc'>,
  hc: fc.option(fc.record({ path: fc.option(path, { nil: undefined }), intervalMs: ms, timeoutMs: ms, healthyThreshold: fc.integer({ min: 1, max: 10 }), unhealthyThreshold: fc.integer({ min: 1, max: 10 }) }), { nil: undefined }),
  od: fc.option(fc.record({ consecutive5xx: fc.integer({ min: 1, max: 50 }), intervalMs: ms, baseEjectionTimeMs: ms, maxEjectionPercent: fc.integer({ min: 0, max: 100 }) }), { nil: undefined }),
  static: fc.boolean(),
  tls: fc.boolean(),
}).map((o) => {
  const c: Partial<ClusterIR> = {
    protocol: o.protocol,
    loadBalancer: o.hashOn ? { policy: o.hashOn.kind === 'header' ? 'ring-hash' : 'maglev', hashOn: o.hashOn } : { policy: o.policy },
  };
  if (o.hc) c.healthCheck = { ...(o.hc.path === undefined ? { intervalMs: o.hc.intervalMs, timeoutMs: o.hc.timeoutMs, healthyThreshold: o.hc.healthyThreshold, unhealthyThreshold: o.hc.unhealthyThreshold } : o.hc), span: span(40) } as ClusterIR['healthCheck'];
  if (o.od) c.outlierDetection = { ...o.od, span: span(41) };
  if (o.static) {
    c.discovery = 'static';
    c.endpoints = [ep('10.0.0.1', 15006), ep('2001:db8::1', 15006)];
  }
  return c;
});

const source: fc.Arbitrary<SourceIR> = fc.oneof(
  fc.constantFrom('web', 'api').map((n): SourceIR => ({ kind: 'service', name: n, identity: `spiffe://test.local/ns/shop/sa/${n}`, addresses: [ep('10.1.0.1')], sidecar: true, span: span(60) })),
  fc.constant<SourceIR>({ kind: 'gateway', name: 'edge', identity: 'spiffe://test.local/ns/shop/sa/gateway-edge', addresses: [ep('192.0.2.1')], span: span(61) }),
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 32 })).map(([a, l]): SourceIR => ({ kind: 'cidr', cidr: `10.${a}.0.0/${l}`, family: 'ipv4', span: span(62) })),
);
const policyRule = (name: string, http: boolean): fc.Arbitrary<PolicyRuleIR> =>
  fc.record({
    from: fc.array(source, { maxLength: 3 }),
    methods: fc.uniqueArray(fc.constantFrom('GET', 'POST'), { maxLength: 2 }),
    paths: fc.array(fc.record({ kind: fc.constantFrom('exact' as const, 'prefix' as const), value: path }), { maxLength: 2 }),
    l7: fc.boolean(),
  }).map((p) => ({ filter: name, from: p.from, span: span(70), ...(http && p.l7 ? { http: { methods: p.methods, paths: p.paths } } : {}) }));

const mesh = fc
  .record({
    rules: fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => httpRule(i)))),
    clusters: fc.tuple(clusterOver, clusterOver, clusterOver),
    mtls: fc.constantFrom('strict' as const, 'permissive' as const, 'off' as const),
    deny: fc.uniqueArray(fc.constantFrom('d1', 'd2'), { maxLength: 2 }).chain((ns) => fc.tuple(...ns.map((n) => policyRule(n, true)))),
    allow: fc.uniqueArray(fc.constantFrom('a1', 'a2', 'a3'), { maxLength: 3 }).chain((ns) => fc.tuple(...ns.map((n) => policyRule(n, true)))),
    defaultAction: fc.constantFrom('deny' as const, 'allow' as const),
    limit: fc.option(fc.record({ requests: fc.integer({ min: 1, max: 1000 }), perMs: ms, burst: fc.integer({ min: 1, max: 2000 }) }), { nil: undefined }),
    jwts: fc.uniqueArray(fc.constantFrom('j1', 'j2'), { maxLength: 2 }),
    allowMissing: fc.boolean(),
    hcPath: fc.option(path, { nil: undefined }),
  })
  .map((m) => {
    const clusters = CLUSTERS.map((id, i) => cluster(id, m.clusters[i]));
    for (const c of clusters) if (c.discovery === 'static') delete c.tls;
    const p = port('http', 8080, 15006);
    const policy = inbound(p, {
      deny: m.deny,
      allow: m.allow,
      defaultAction: m.defaultAction,
      rateLimits: m.limit ? [rateLimit('lim', m.limit.requests, m.limit.perMs, 'global', 80, m.limit.burst)] : [],
      jwt: m.jwts.map((j, i) => jwt(j, 90 + i, { allowMissing: m.allowMissing && i === 0 })),
    });
    const web = service('web', {
      outbound: [uses('api', 'http', 9001, m.rules)],
      clusters,
      inbound: [policy],
      ...(m.hcPath ? { healthCheck: { path: m.hcPath, intervalMs: 5000, timeoutMs: 1000, healthyThreshold: 1, unhealthyThreshold: 1, span: span(30) } } : {}),
    });
    const l = listener('https', 443, 'https', {
      tls: { certPath: '/etc/meshc/tls/https/tls.crt', keyPath: '/etc/meshc/tls/https/tls.key', haproxyKeyPath: '/etc/meshc/tls/https/tls.crt.key' },
      virtualHosts: [{ route: 'r', hosts: ['a.example.com', '*.b.example.com'], rules: m.rules, span: span(1) }],
    });
    l.inbound = { ...policy, port: 'https', listenPort: 443, protocol: 'https' };
    delete l.inbound.appPort;
    return meshIR([web], [gateway('edge', { listeners: [l], clusters })], { mtls: m.mtls });
  });

describe('Envoy target, random meshes', () => {
  it('emits deterministically, and every file passes the verifier', () => {
    fc.assert(
      fc.property(mesh, (ir) => {
        const a = collecting(true);
        const files = emitEnvoy(ir, a.ctx);
        const again = emitEnvoy(JSON.parse(JSON.stringify(ir)), collecting(true).ctx);
        expect(again).toEqual(files);
        // the only features these meshes hold that Envoy cannot express: none
        const ds = a.diagnostics.map((d) => `${d.code} ${d.message}`);
        if (ds.length > 0) throw new Error(`diagnostics:\n${ds.join('\n')}`);
        const problems = verifyEnvoyFiles(files).problems.map((p) => `${p.info.code} ${p.file}:${p.line}:${p.column} ${p.path} ${JSON.stringify(p.args)}`);
        if (problems.length > 0) throw new Error(`verifier:\n${problems.join('\n')}`);
      }),
      { numRuns: RUNS },
    );
  });
});
