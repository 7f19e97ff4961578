/**
 * One IR fixture per feature family of the Envoy target. Each emits without diagnostics, has golden
 * files under test/envoy/golden/<name>/, and passes the verifier.
 */
import type { MeshIR } from '../../src/ir/types.js';
import { cluster, ep, from, gateway, inbound, jwt, listener, meshIR, policy, port, rateLimit, rule, service, span, uses } from './ir.js';

/** A caller `web` that uses `api` (HTTP) and the routing rules given. */
function caller(rules: ReturnType<typeof rule>[], clusters: ReturnType<typeof cluster>[]): MeshIR {
  const api = service('api');
  api.ports[0]!.rules = rules;
  const web = service('web', { outbound: [uses('api', 'http', 9001, rules)], clusters });
  return meshIR([api, web]);
}

/** Every match kind, action kind and per-rule feature of HTTP routing. */
export function routing(): MeshIR {
  const v1 = cluster('api.http.v1');
  const v2 = cluster('api.http.v2');
  const rules = [
    rule('exact-path', ['api.http.v1'], { match: { path: { kind: 'exact', value: '/exact' }, headers: [], query: [], methods: ['GET'] } }),
    rule('regex-path', ['api.http.v1'], { match: { path: { kind: 'regex', value: '/items/[0-9]+' }, headers: [], query: [], methods: ['GET', 'HEAD', 'M-SEARCH'] } }),
    rule('headers-and-query', ['api.http.v2'], {
      match: {
        path: { kind: 'prefix', value: '/q' },
        headers: [
          { name: 'x-exact', kind: 'exact', value: 'yes' },
          { name: 'x-prefix', kind: 'prefix', value: 'abc' },
          { name: 'x-regex', kind: 'regex', value: '^v[0-9]+$' },
          { name: 'x-present', kind: 'present', value: '' },
          { name: 'x-absent', kind: 'absent', value: '' },
        ],
        query: [
          { name: 'debug', kind: 'exact', value: '1' },
          { name: 'lang', kind: 'prefix', value: 'en' },
          { name: 'id', kind: 'regex', value: '[a-f0-9]{8}' },
          { name: 'trace', kind: 'present', value: '' },
        ],
        methods: [],
      },
    }),
    rule('split', ['api.http.v1=90', 'api.http.v2=10', 'api.http.v1=0'], {
      match: { path: { kind: 'prefix', value: '/api/v2' }, headers: [], query: [], methods: [] },
      timeoutMs: 2500,
      retries: { attempts: 3, perTryTimeoutMs: 500, on: ['5xx', 'gateway-error', 'reset', 'connect-failure', 'refused-stream', 'retriable-4xx', '503', '429'] },
      rewrite: { path: { kind: 'prefix', matchedPrefix: '/api/v2', replacement: '/api' }, host: 'api.internal' },
      headers: {
        request: { set: [{ name: 'x-env', value: 'prod "quoted" # not a comment' }], add: [{ name: 'x-trace', value: 'yes' }], remove: ['x-debug'] },
        response: { set: [{ name: 'strict-transport-security', value: 'max-age=31536000' }], add: [], remove: ['server'] },
      },
      mirror: { cluster: 'api.http.v2', percent: 0.5 },
      fault: { delay: { durationMs: 150, percent: 1.25 }, abort: { status: 503, percent: 0.001 } },
      cors: { allowOrigins: ['https://shop.example.com', '*'], allowMethods: ['GET', 'POST'], allowHeaders: ['content-type'], exposeHeaders: ['x-request-id'], maxAgeSeconds: 3600, allowCredentials: true },
    }),
    rule('rewrite-other-prefix', ['api.http.v1'], {
      match: { headers: [{ name: 'x-legacy', kind: 'present', value: '' }], query: [], methods: [] },
      rewrite: { path: { kind: 'prefix', matchedPrefix: '/old.api', replacement: '/new\\1' } },
      timeoutMs: 0,
    }),
    rule('regex-rewrite', ['api.http.v1'], {
      match: { path: { kind: 'prefix', value: '/users/' }, headers: [], query: [], methods: [] },
      rewrite: { path: { kind: 'regex', pattern: '^/users/([^/]+)/profile$', substitution: '/profiles/\\1' } },
    }),
    rule('full-rewrite', ['api.http.v1'], {
      match: { path: { kind: 'exact', value: '/home' }, headers: [], query: [], methods: [] },
      rewrite: { path: { kind: 'full', path: '/index.html' } },
    }),
    rule('redirect', [], {
      match: { path: { kind: 'prefix', value: '/old' }, headers: [], query: [], methods: [] },
      action: { kind: 'redirect', scheme: 'https', host: 'new.example.com', port: 8443, path: '/new', status: 308 },
    }),
    rule('redirect-302', [], {
      match: { path: { kind: 'prefix', value: '/tmp' }, headers: [], query: [], methods: [] },
      action: { kind: 'redirect', path: '/elsewhere', status: 302 },
    }),
    rule('ping', [], {
      match: { path: { kind: 'exact', value: '/ping' }, headers: [], query: [], methods: [] },
      action: { kind: 'directResponse', status: 200, body: 'pong\n', contentType: 'text/plain' },
    }),
    rule('gone', [], {
      match: { path: { kind: 'exact', value: '/gone' }, headers: [], query: [], methods: [] },
      action: { kind: 'directResponse', status: 410, body: '', contentType: 'text/plain' },
    }),
    rule('default', ['api.http.v1']),
  ];
  rules.forEach((r, i) => (r.index = i));
  return caller(rules, [v1, v2]);
}

/** Clusters: every load-balancing policy and hash input, health checks, outlier detection, endpoints, protocols. */
export function clusters(): MeshIR {
  const cs = [
    cluster('rr.http', { loadBalancer: { policy: 'round-robin' }, healthCheck: { path: '/healthz', intervalMs: 5000, timeoutMs: 1000, healthyThreshold: 2, unhealthyThreshold: 3, span: span(40) } }),
    cluster('lr.http', { loadBalancer: { policy: 'least-request' }, outlierDetection: { consecutive5xx: 5, intervalMs: 10000, baseEjectionTimeMs: 30000, maxEjectionPercent: 50, span: span(41) } }),
    cluster('rnd.http', { loadBalancer: { policy: 'random' }, circuitBreaker: { maxConnections: 10, maxPendingRequests: 5, maxRequests: 20, maxRetries: 1 } }),
    cluster('rh.http', { loadBalancer: { policy: 'ring-hash', hashOn: { kind: 'header', header: 'x-user' } } }),
    cluster('mg.http', { loadBalancer: { policy: 'maglev', hashOn: { kind: 'cookie', name: 'sid', ttlMs: 3600000 } } }),
    cluster('src.http', { loadBalancer: { policy: 'ring-hash', hashOn: { kind: 'source-ip' } } }),
    cluster('session.http', { loadBalancer: { policy: 'maglev', hashOn: { kind: 'cookie', name: 'session' } } }),
    cluster('grpc.grpc', { protocol: 'grpc', healthCheck: { path: '/grpc.health.v1.Health/Check', intervalMs: 2000, timeoutMs: 500, healthyThreshold: 1, unhealthyThreshold: 2, span: span(42) } }),
    cluster('vm.grpc', { protocol: 'http2', discovery: 'static', endpoints: [ep('10.0.2.10', 15006), ep('2001:db8::10', 15006)] }),
    cluster('db.pg', {
      protocol: 'tcp',
      discovery: 'static',
      endpoints: [ep('10.0.3.10', 5432), ep('10.0.3.11', 5432)],
      healthCheck: { intervalMs: 5000, timeoutMs: 1000, healthyThreshold: 2, unhealthyThreshold: 3, span: span(43) },
      connectTimeoutMs: 500,
    }),
  ];
  delete cs[9]!.tls; // a callee without sidecar: no mTLS
  const rules = (id: string) => [rule('default', [id])];
  const outbound = cs.map((c, i) => uses(c.service, c.port, 9000 + i, rules(c.id), c.protocol));
  const web = service('web', { outbound, clusters: cs });
  return meshIR([web]);
}

/** Inbound policy: deny then allow, identities, CIDRs, L7 conditions, rate limit, JWT, a TCP port. */
export function policyFixture(): MeshIR {
  const http = port('http', 8080, 15006, 'http', 20);
  const grpc = port('grpc', 9090, 15007, 'grpc', 21);
  const tcp = port('raw', 7000, 15008, 'tcp', 22);
  const deny = [policy('quarantine', [from.cidr('10.66.0.0/16', 50), from.cidr('2001:db8:66::/48', 51)], 49), policy('no-admin', [], 52, { methods: [], paths: [{ kind: 'prefix', value: '/admin/' }] })];
  const allow = [
    policy('callers', [from.service('web', 60), from.gateway('edge', 61), from.service('legacy', 62, ['10.0.9.9', '2001:db8::9'], false)], 59, {
      methods: ['GET', 'POST'],
      paths: [
        { kind: 'exact', value: '/orders' },
        { kind: 'prefix', value: '/orders/' },
      ],
    }),
    policy('readers', [from.service('reports', 70)], 69, { methods: ['GET'], paths: [] }),
    policy('metrics', [from.cidr('10.244.0.0/16', 80)], 79, { methods: [], paths: [{ kind: 'exact', value: '/metrics' }] }),
  ];
  const svc = service('orders', {
    ports: [http, grpc, tcp],
    healthCheck: { path: '/healthz', intervalMs: 5000, timeoutMs: 1000, healthyThreshold: 2, unhealthyThreshold: 3, span: span(30) },
    inbound: [
      inbound(http, { deny, allow, rateLimits: [rateLimit('orders-limit', 100, 1000, 'global', 90, 200)], jwt: [jwt('orders-jwt', 91), jwt('partner-jwt', 92, { issuer: 'https://partner.example', audiences: [], fromHeader: 'x-partner-token', allowMissing: true })] }),
      inbound(grpc, { defaultAction: 'allow', deny: [policy('quarantine', [from.cidr('10.66.0.0/16', 50)], 49)], jwt: [jwt('orders-jwt', 91)] }),
      inbound(tcp, { allow: [policy('tcp-callers', [from.service('web', 95), from.cidr('192.168.0.0/24', 96)], 94)], rateLimits: [rateLimit('tcp-limit', 10, 60000, 'global', 97)] }),
    ],
  });
  return meshIR([svc]);
}

/** The same service under each mTLS mode. */
export function mtls(mode: 'strict' | 'permissive' | 'off'): MeshIR {
  const svc = service('api', { inbound: [inbound(port('http', 8080, 15006), { allow: [policy('lan', [from.cidr('10.0.0.0/8', 50)], 49)] })] });
  return meshIR([svc], [], { mtls: mode });
}

/** TCP outbound: weighted split and idle timeout; a callee without sidecar (host:port endpoints). */
export function tcp(): MeshIR {
  const a = cluster('db.pg.primary', { protocol: 'tcp', discovery: 'static', endpoints: [ep('10.0.3.10', 5432)] });
  const b = cluster('db.pg.replica', { protocol: 'tcp', discovery: 'dns', endpoints: [ep('db-replica.internal', 6432)] });
  delete a.tls;
  delete b.tls;
  const rules = [rule('split', ['db.pg.primary=3', 'db.pg.replica=1'], { timeoutMs: 3_600_000 })];
  const app = service('app', { outbound: [uses('db', 'pg', 5432, rules, 'tcp')], clusters: [a, b] });
  return meshIR([app]);
}

/** An Envoy gateway: http→https redirect, https with two virtual hosts, TCP with and without a route, filters. */
export function gatewayFixture(): MeshIR {
  const web = cluster('web.http');
  const api = cluster('api.http.v1', { healthCheck: { path: '/healthz', intervalMs: 5000, timeoutMs: 1000, healthyThreshold: 2, unhealthyThreshold: 3, span: span(40) } });
  const db = cluster('db.pg', { protocol: 'tcp' });
  const shopRules = [
    rule('api', ['api.http.v1'], {
      match: { path: { kind: 'prefix', value: '/api/' }, headers: [], query: [], methods: [] },
      cors: { allowOrigins: ['https://shop.example.com'], allowMethods: ['GET'], allowHeaders: [], exposeHeaders: [], allowCredentials: false },
      featureSpans: { cors: span(12) },
    }),
    rule('site', ['web.http']),
  ];
  const https = listener('https', 443, 'https', {
    hosts: ['shop.example.com', 'www.shop.example.com', 'api.example.com'],
    tls: { certPath: '/etc/meshc/tls/https/tls.crt', keyPath: '/etc/meshc/tls/https/tls.key', haproxyKeyPath: '/etc/meshc/tls/https/tls.crt.key', secretName: 'shop-tls', mountDir: '/etc/meshc/tls/https' },
    virtualHosts: [
      { route: 'api', hosts: ['api.example.com'], rules: [rule('all', ['api.http.v1'], { fault: { abort: { status: 503, percent: 5 } }, featureSpans: { 'fault.abort': span(20) } })], span: span(1, 1, 'routes/api.yaml') },
      { route: 'shop', hosts: ['shop.example.com', 'www.shop.example.com', '*.shop.example.com'], rules: shopRules, span: span(1, 1, 'routes/shop.yaml') },
    ],
  });
  https.inbound = { ...https.inbound, allow: [policy('world', [from.cidr('0.0.0.0/0', 60), from.cidr('::/0', 61)], 59)], jwt: [jwt('edge-jwt', 62, { allowMissing: true })], rateLimits: [rateLimit('edge-limit', 50, 1000, 'global', 63, 100)] };
  const http = listener('http', 80, 'http', { redirectToHttps: true, httpsPort: 443 });
  http.inbound = { ...http.inbound, defaultAction: 'allow' };
  const alt = listener('alt', 8080, 'http', { redirectToHttps: true, httpsPort: 8443 });
  alt.inbound = { ...alt.inbound, defaultAction: 'allow' };
  const pg = listener('pg', 5432, 'tcp', { tcpRules: [rule('db', ['db.pg'], { timeoutMs: 60000 })] });
  pg.inbound = { ...pg.inbound, allow: [policy('office', [from.cidr('192.0.2.0/24', 70)], 69)] };
  const closed = listener('closed', 6000, 'tcp');
  const gw = gateway('edge', { listeners: [http, https, alt, pg, closed], clusters: [api, db, web] });
  return meshIR([], [gw]);
}

/** Every fixture by name. */
export const FIXTURES: Record<string, () => MeshIR> = {
  routing,
  clusters,
  policy: policyFixture,
  'mtls-strict': () => mtls('strict'),
  'mtls-permissive': () => mtls('permissive'),
  'mtls-off': () => mtls('off'),
  tcp,
  gateway: gatewayFixture,
};
