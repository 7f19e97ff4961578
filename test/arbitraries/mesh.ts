/**
 * fast-check arbitraries of VALID meshes, as the DSL YAML text a user would write.
 *
 * A mesh is drawn as a *plan* (shapes, options and references as plain indices) and then built
 * deterministically into resources that the checker accepts by construction: unique names, every
 * reference resolvable (indices are taken modulo what exists), no port collisions inside a workload,
 * at most one Route per service port and one owner per gateway host, HTTP-only features only on
 * HTTP ports, prefix rewrites only after prefix matches, JWT and `http:` filters only where a
 * proxy sees requests, and so on. Shrinking works on the plan, so a counterexample shrinks to a
 * small mesh that is still valid.
 *
 * Every language feature is reachable: services with versions, endpoints (IPv4, IPv6, DNS,
 * `host:port` for sidecar-less services) and every port protocol; routes with every kind of match
 * (path exact/prefix/regex, header and query exact/prefix/regex/present, methods) and every action
 * (weighted backends, redirect, direct response) and every rule option (timeout, retries, rewrite,
 * header changes, mirror, fault, CORS); filters of every type (allow, deny, rateLimit, jwt) on
 * services and gateways; gateways with http, https (file or Secret certificates, redirectToHttps)
 * and tcp listeners.
 *
 * A few values are deliberately kept out because a target refuses them with its own documented
 * diagnostic at the user's line (they are not bugs): a body on a 204/304 direct response (MC7007),
 * more than three rate limits at one port (MC7005), a rate-limit window (`per x burst / requests`)
 * past HAProxy's largest timer of 24.8 days (MC7011), names that start with a digit (MC9003), a
 * `host:port` endpoint on a sidecar-less service with several ports (MC8006: every port would map
 * to that one port). Known open bugs are avoided too, see known.ts.
 * @module
 */
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseDuration } from '../../src/check/values.js';
import type {
  Backend,
  Cors,
  DirectResponse,
  Fault,
  FilterResource,
  GatewayResource,
  HeaderModifiers,
  HealthCheck,
  Listener,
  LoadBalancer,
  Match,
  MeshResource,
  Metadata,
  Redirect,
  Resource,
  RetryPolicy,
  RouteResource,
  RouteRule,
  ServicePort,
  ServiceResource,
  Source,
  StringMatch,
  Version,
  Workload,
} from '../../src/dsl/types.js';

/** An absolute path to a public JWKS (one EC P-256 signing key) that jwt filters of random meshes use. */
export const JWKS_FILE = fileURLToPath(new URL('./jwks.json', import.meta.url));

const API = 'meshc/v1alpha1' as const;

// ---------------------------------------------------------------------------------------------
// Pools of harmless values (the injection tests cover hostile ones)
// ---------------------------------------------------------------------------------------------

const WORDS = ['catalog', 'cart', 'orders', 'users', 'payments', 'search', 'auth', 'media', 'ledger', 'mail', 'db', 'cache'];
const VERSION_NAMES = ['v1', 'v2', 'v3', 'canary', 'stable', 'blue', 'green'];
const PORT_WORDS: Record<string, string[]> = {
  http: ['http', 'web', 'api', 'rest'],
  http2: ['h2', 'h2c', 'stream'],
  grpc: ['grpc', 'rpc'],
  tcp: ['tcp', 'pg', 'redis', 'amqp'],
};
const durationArb = fc.constantFrom('250ms', '1s', '1.5s', '2s', '5s', '30s', '1m', '90m', '2h');
const positiveDuration = durationArb;
const timeoutArb = fc.constantFrom('0s', '100ms', '1s', '2s', '10s', '15s', '1m', '1h');
const percentArb = fc.oneof(
  fc.constantFrom(0, 0.5, 1, 5, 10, 50, 99.9, 100),
  fc.integer({ min: 0, max: 100 }),
  fc.double({ min: 0, max: 100, noNaN: true, noDefaultInfinity: true }),
);
const pathArb = fc.oneof(
  fc.constantFrom('/', '/api', '/api/v2', '/static/', '/cart', '/old', '/healthz', '/a-b_c.d~e', '/x/y/z/', "/o'k", '/%20', '/a+b', '/@me'),
  fc.array(fc.constantFrom('api', 'v1', 'v2', 'shop', 'items', 'x', '_', '-', 'a.b', 'caf%C3%A9'), { minLength: 1, maxLength: 4 }).map((s) => '/' + s.join('/')),
);
const regexArb = fc.constantFrom(
  '/shop/(.*)\\.html',
  '^/api/v[0-9]+/.*',
  '/items/[0-9]{1,6}',
  '/(a|b)+/c?',
  '[a-z]+',
  '.*\\.(png|jpg)',
  '/users/[^/]+/cart',
  '\\d+-\\w+',
);
const headerNameArb = fc.constantFrom('x-canary', 'x-user', 'x-env', 'x-request-id', 'user-agent', 'accept', 'x-a.b_c~d', "x-o'k", 'x-forwarded-proto', 'cookie-x');
const headerValueArb = fc.oneof(
  fc.constantFrom('', 'true', '1', 'prod', 'Mozilla/5.0 (X11)', 'a b  c', 'text/html; q=0.9', '"quoted"', 'x=y;z'),
  fc.stringMatching(/^[a-zA-Z0-9 ._~-]{0,24}$/),
);
const queryNameArb = fc.constantFrom('debug', 'q', 'page', 'sort_by', 'a.b', 'x-y', 'utm_source');
const methodArb = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PURGE');
const methodsArb = fc.uniqueArray(methodArb, { minLength: 1, maxLength: 3 });
const hostnameArb = fc.constantFrom('catalog.internal', 'shop.example.com', 'api.example.com', 'a.b.c', 'x-1.example.org', 'localhost');
const labelKeyArb = fc.constantFrom('team', 'tier', 'app.kubernetes.io/part-of', 'example.com/owner', 'cost_center');
const labelValueArb = fc.constantFrom('', 'web', 'checkout', 'a.b-c_d', 'x1', 'Platform');
const annotationValueArb = fc.oneof(
  fc.constantFrom('', 'owned by the web team', 'https://runbooks.example.com/x', '{"json": true}', 'multi\nline', 'tab\there'),
  fc.string({ maxLength: 20 }),
);
const envValueArb = fc.oneof(
  fc.constantFrom('info', '', 'http://127.0.0.1:9101', 'a b', '$HOME', '${X}', '"q"', "it's", '0', 'true'),
  fc.string({ maxLength: 16 }),
);
const argArb = fc.oneof(fc.constantFrom('--port=8080', '-v', 'serve', '--config', '/etc/app.yaml', 'a b', '$(X)'), fc.string({ maxLength: 10 }));
const imageArb = fc.constantFrom(
  'registry.example.com/app:1.0.0',
  'nginx',
  'ghcr.io/org/app:2.3',
  'app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
  'localhost:5000/x/y:latest',
);
const quantityCpu = fc.constantFrom('100m', '250m', '1', '2', '0.5');
const quantityMem = fc.constantFrom('64Mi', '128Mi', '1Gi', '512M', '1.5Gi');
const bodyArb = fc.oneof(
  fc.constantFrom('pong', 'ok', '', '{"status":"ok"}', '<h1>hi</h1>', 'line1\nline2\n', '100%', 'tab\tsep'),
  fc.string({ maxLength: 40 }),
);
const contentTypeArb = fc.constantFrom('text/plain', 'application/json', 'text/html; charset=utf-8', 'application/problem+json');
const originArb = fc.constantFrom('https://shop.example.com', 'http://localhost:3000', 'https://a.b.c', '*');
const issuerArb = fc.constantFrom('https://auth.example.com', 'https://login.example.org/realms/x', 'issuer-1', 'urn:example:issuer');

function lit<T>(v: T): fc.Arbitrary<T> {
  return fc.constant(v);
}

/** An optional value: absent about half the time (fast-check shrinks towards absent). */
function opt<T>(a: fc.Arbitrary<T>, freq = 2): fc.Arbitrary<T | undefined> {
  return fc.option(a, { nil: undefined, freq });
}

// ---------------------------------------------------------------------------------------------
// Plans
// ---------------------------------------------------------------------------------------------

interface PortPlan {
  protocol: 'http' | 'http2' | 'grpc' | 'tcp';
  omitProtocol: boolean;
  word: number;
  explicitSidecarPort: boolean;
}

interface VersionPlan {
  extraLabel: boolean;
  image?: string;
  replicas?: number;
  endpointMode: 'subset' | 'own';
}

interface UsePlan {
  service: number;
  port: number;
  explicitPort: boolean;
  explicitLocal: boolean;
}

interface ServicePlan {
  word: number;
  sidecar: boolean;
  ports: PortPlan[];
  placement: 'k8s' | 'hosts' | 'both';
  endpointKinds: ('v4' | 'v6' | 'dns')[];
  endpointPorts: boolean;
  versions: VersionPlan[];
  workload: Workload;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  loadBalancer?: LoadBalancer;
  healthCheck?: HealthCheck;
  outlierDetection?: ServiceResource['spec']['outlierDetection'];
  circuitBreaker?: ServiceResource['spec']['circuitBreaker'];
  timeout?: string;
  connectTimeout?: string;
  retries?: RetryPolicy;
  uses: UsePlan[];
}

interface BackendPlan {
  service: number;
  version: number | undefined;
  weight: number | undefined;
  explicitPort: boolean;
}

interface RulePlan {
  name: boolean;
  match?: Match;
  action:
    | { kind: 'backends'; backends: BackendPlan[] }
    | { kind: 'redirect'; redirect: Redirect }
    | { kind: 'direct'; response: DirectResponse };
  timeout?: string;
  retries?: RetryPolicy;
  rewrite?: { path?: 'prefix' | 'full' | 'regex'; prefix: string; full: string; regex: { pattern: string; substitution: string }; host?: string };
  headers?: HeaderModifiers;
  mirror?: { service: number; version: number | undefined; percent?: number };
  fault?: Fault;
  cors?: Cors;
}

interface RoutePlan {
  /** Which service port (flattened index) or gateway this route steers. */
  target: { kind: 'service' | 'gateway'; index: number };
  /** For service routes with one port: whether to name it anyway. */
  explicitPort: boolean;
  /** For gateway routes: hosts mode. */
  hosts: 'none' | 'one' | 'two';
  /** For gateway routes: name an http(s) listener explicitly. */
  namedListener: boolean;
  rules: RulePlan[];
}

interface ListenerPlan {
  http: boolean;
  https: 'none' | 'file' | 'secret';
  redirectToHttps: boolean;
  hostsWildcard: boolean;
  tcp: number;
}

interface GatewayPlan {
  proxy: 'envoy' | 'haproxy';
  replicas?: number;
  image?: string;
  endpoints: number;
  endpointV6: boolean;
  listeners: ListenerPlan;
  labels?: Record<string, string>;
}

interface SourcePlan {
  kind: 'service' | 'gateway' | 'cidr';
  index: number;
  cidr: string;
}

interface FilterPlan {
  target: { kind: 'service' | 'gateway'; index: number };
  ports: number[] | undefined;
  type: 'allow' | 'deny' | 'rateLimit' | 'jwt';
  from?: SourcePlan[];
  http?: { methods?: string[]; paths?: string[] };
  rateLimit: { requests: number; per: string; burst?: number; by?: 'source-ip' | 'global' };
  jwt: { issuer: string; audiences?: string[]; fromHeader?: string; allowMissing?: boolean };
}

interface MeshPlan {
  mtls?: 'strict' | 'permissive' | 'off';
  defaultAction?: 'deny' | 'allow';
  defaults?: MeshResource['spec']['defaults'];
  proxy?: 'envoy' | 'haproxy';
  image?: string;
  ports: 'default' | 'explicit-default' | 'moved';
  refuse?: 'drop' | 'reject';
  allowPartialInMesh: boolean;
  labels?: Record<string, string>;
}

/** How the resources are spread over files and written. */
export interface LayoutPlan {
  /** How many files (resources are dealt round-robin after a shuffle). */
  files: number;
  /** A permutation seed for the order of documents. */
  shuffle: number[];
  /** YAML style. */
  style: 'block' | 'flow' | 'quoted';
}

/** The whole plan. */
export interface Plan {
  mesh: MeshPlan;
  services: ServicePlan[];
  routes: RoutePlan[];
  gateways: GatewayPlan[];
  filters: FilterPlan[];
  layout: LayoutPlan;
}

const retriesArb: fc.Arbitrary<RetryPolicy> = fc.record(
  {
    attempts: fc.integer({ min: 0, max: 10 }),
    perTryTimeout: positiveDuration,
    on: fc.uniqueArray(fc.constantFrom('5xx', 'gateway-error', 'reset', 'connect-failure', 'refused-stream', 'retriable-4xx', '503', '429', '409'), {
      minLength: 1,
      maxLength: 4,
    }),
  },
  { requiredKeys: ['attempts'] },
);

const labelsArb = fc.dictionary(labelKeyArb, labelValueArb, { minKeys: 1, maxKeys: 3 });
const annotationsArb = fc.dictionary(labelKeyArb, annotationValueArb, { minKeys: 1, maxKeys: 2 });

const workloadArb: fc.Arbitrary<Workload> = fc.record(
  {
    image: imageArb,
    replicas: fc.integer({ min: 0, max: 5 }),
    resources: fc.record({ cpu: quantityCpu, memory: quantityMem }, { requiredKeys: [] }),
    env: fc.dictionary(fc.constantFrom('LOG_LEVEL', 'PAYMENTS_URL', 'A', '_X1', 'lower_case'), envValueArb, { maxKeys: 3 }),
    command: fc.array(argArb, { minLength: 1, maxLength: 2 }),
    args: fc.array(argArb, { maxLength: 3 }),
    readOnlyRootFilesystem: fc.boolean(),
    runAsUser: fc.integer({ min: 1, max: 65534 }),
  },
  { requiredKeys: ['image'] },
);

const loadBalancerArb: fc.Arbitrary<LoadBalancer> = fc.oneof(
  fc.record({ policy: fc.constantFrom('round-robin' as const, 'least-request' as const, 'random' as const) }),
  fc.record({
    policy: fc.constantFrom('ring-hash' as const, 'maglev' as const),
    hashOn: fc.oneof(
      fc.record({ header: headerNameArb }),
      fc.record({ cookie: fc.record({ name: fc.constantFrom('sid', 'session', 'x_y.z', 'a~b'), ttl: positiveDuration }, { requiredKeys: ['name'] }) }),
      lit('source-ip' as const),
    ),
  }),
);

const healthCheckArb: fc.Arbitrary<HealthCheck> = fc.record(
  {
    path: pathArb,
    interval: positiveDuration,
    timeout: fc.constantFrom('100ms', '1s', '2s'),
    healthyThreshold: fc.integer({ min: 1, max: 100 }),
    unhealthyThreshold: fc.integer({ min: 1, max: 100 }),
  },
  { requiredKeys: [] },
);

const servicePlanArb: fc.Arbitrary<ServicePlan> = fc.record({
  word: fc.nat(WORDS.length - 1),
  sidecar: fc.oneof({ weight: 4, arbitrary: lit(true) }, { weight: 1, arbitrary: lit(false) }),
  ports: fc.array(
    fc.record({
      protocol: fc.constantFrom('http' as const, 'http2' as const, 'grpc' as const, 'tcp' as const),
      omitProtocol: fc.boolean(),
      word: fc.nat(3),
      explicitSidecarPort: fc.boolean(),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  placement: fc.constantFrom('k8s' as const, 'hosts' as const, 'both' as const),
  endpointKinds: fc.array(fc.constantFrom('v4' as const, 'v6' as const, 'dns' as const), { minLength: 1, maxLength: 3 }),
  endpointPorts: fc.boolean(),
  versions: fc.array(
    fc.record(
      {
        extraLabel: fc.boolean(),
        image: imageArb,
        replicas: fc.integer({ min: 0, max: 4 }),
        endpointMode: fc.constantFrom('subset' as const, 'own' as const),
      },
      { requiredKeys: ['extraLabel', 'endpointMode'] },
    ),
    { maxLength: 3 },
  ),
  workload: workloadArb,
  labels: opt(labelsArb),
  annotations: opt(annotationsArb, 4),
  loadBalancer: opt(loadBalancerArb),
  healthCheck: opt(healthCheckArb),
  outlierDetection: opt(
    fc.record(
      { consecutive5xx: fc.integer({ min: 1, max: 1000 }), interval: positiveDuration, baseEjectionTime: positiveDuration, maxEjectionPercent: fc.integer({ min: 0, max: 100 }) },
      { requiredKeys: [] },
    ),
  ),
  circuitBreaker: opt(
    fc.record(
      {
        maxConnections: fc.integer({ min: 1, max: 1_000_000 }),
        maxPendingRequests: fc.integer({ min: 0, max: 1_000_000 }),
        maxRequests: fc.integer({ min: 1, max: 1_000_000 }),
        maxRetries: fc.integer({ min: 0, max: 1_000_000 }),
      },
      { requiredKeys: [] },
    ),
  ),
  timeout: opt(timeoutArb),
  connectTimeout: opt(positiveDuration),
  retries: opt(retriesArb),
  uses: fc.array(
    fc.record({ service: fc.nat(), port: fc.nat(), explicitPort: fc.boolean(), explicitLocal: fc.oneof({ weight: 3, arbitrary: lit(true) }, { weight: 1, arbitrary: lit(false) }) }),
    { maxLength: 3 },
  ),
});

const stringMatchArb: fc.Arbitrary<StringMatch> = fc.oneof(
  fc.record({ exact: headerValueArb }),
  fc.record({ prefix: headerValueArb }),
  fc.record({ regex: regexArb }),
  fc.record({ present: fc.boolean() }),
);

const matchArb: fc.Arbitrary<Match> = fc.record(
  {
    path: fc.oneof(fc.record({ exact: pathArb }), fc.record({ prefix: pathArb }), fc.record({ regex: regexArb })),
    headers: fc.dictionary(headerNameArb, stringMatchArb, { minKeys: 1, maxKeys: 2 }),
    query: fc.dictionary(queryNameArb, stringMatchArb, { minKeys: 1, maxKeys: 2 }),
    methods: methodsArb,
  },
  { requiredKeys: [] },
);

const redirectArb: fc.Arbitrary<Redirect> = fc
  .record(
    {
      scheme: fc.constantFrom('http' as const, 'https' as const),
      host: hostnameArb,
      port: fc.integer({ min: 1, max: 65535 }),
      path: pathArb,
      status: fc.constantFrom(301 as const, 302 as const, 303 as const, 307 as const, 308 as const),
    },
    { requiredKeys: [] },
  )
  .map((r) => (r.scheme === undefined && r.host === undefined && r.port === undefined && r.path === undefined ? { ...r, path: '/moved' } : r));

const directResponseArb: fc.Arbitrary<DirectResponse> = fc
  .record(
    {
      status: fc.oneof(fc.constantFrom(200, 204, 403, 404, 418, 429, 503), fc.integer({ min: 200, max: 599 })),
      body: bodyArb,
      contentType: contentTypeArb,
    },
    { requiredKeys: ['status'] },
  )
  // A 204 or 304 has no body (HAProxy refuses one, MC7007); 1xx are not final responses.
  .map((d) => (d.status === 204 || d.status === 304 ? { status: d.status } : d));

const headerOpsArb = fc.record(
  {
    set: fc.dictionary(headerNameArb, headerValueArb, { minKeys: 1, maxKeys: 2 }),
    add: fc.dictionary(headerNameArb, headerValueArb, { minKeys: 1, maxKeys: 2 }),
    remove: fc.uniqueArray(headerNameArb, { minLength: 1, maxLength: 2 }),
  },
  { requiredKeys: [] },
);

const corsArb: fc.Arbitrary<Cors> = fc
  .record(
    {
      allowOrigins: fc.uniqueArray(originArb, { minLength: 1, maxLength: 2 }),
      allowMethods: methodsArb,
      allowHeaders: fc.uniqueArray(headerNameArb, { minLength: 1, maxLength: 2 }),
      exposeHeaders: fc.uniqueArray(headerNameArb, { minLength: 1, maxLength: 2 }),
      maxAge: durationArb,
      allowCredentials: fc.boolean(),
    },
    { requiredKeys: ['allowOrigins'] },
  )
  .map((c) => (c.allowCredentials && c.allowOrigins.includes('*') ? { ...c, allowCredentials: false } : c));

const faultArb: fc.Arbitrary<Fault> = fc.record(
  {
    delay: fc.record({ duration: fc.constantFrom('1ms', '10ms', '100ms', '1s', '5s'), percent: percentArb }),
    abort: fc.record({ status: fc.constantFrom(400, 429, 500, 503, 504), percent: percentArb }),
  },
  { requiredKeys: [] },
);

const backendPlanArb: fc.Arbitrary<BackendPlan> = fc.record({
  service: fc.nat(),
  version: fc.option(fc.nat(), { nil: undefined }),
  weight: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
  explicitPort: fc.boolean(),
});

const rulePlanArb: fc.Arbitrary<RulePlan> = fc.record(
  {
    name: fc.boolean(),
    match: matchArb,
    action: fc.oneof(
      { weight: 5, arbitrary: fc.record({ kind: lit('backends' as const), backends: fc.array(backendPlanArb, { minLength: 1, maxLength: 3 }) }) },
      { weight: 1, arbitrary: fc.record({ kind: lit('redirect' as const), redirect: redirectArb }) },
      { weight: 1, arbitrary: fc.record({ kind: lit('direct' as const), response: directResponseArb }) },
    ),
    timeout: timeoutArb,
    retries: retriesArb,
    rewrite: fc.record(
      {
        path: fc.constantFrom('prefix' as const, 'full' as const, 'regex' as const),
        prefix: pathArb,
        full: pathArb,
        regex: fc.record({ pattern: regexArb, substitution: fc.constantFrom('/', '/new/\\1', '\\0', '/x', '/%41') }),
        host: hostnameArb,
      },
      { requiredKeys: ['prefix', 'full', 'regex'] },
    ),
    headers: fc.record({ request: headerOpsArb, response: headerOpsArb }, { requiredKeys: [] }),
    mirror: fc.record(
      { service: fc.nat(), version: fc.option(fc.nat(), { nil: undefined }), percent: percentArb },
      { requiredKeys: ['service', 'version'] },
    ),
    fault: faultArb,
    cors: corsArb,
  },
  { requiredKeys: ['name', 'action'] },
);

const routePlanArb: fc.Arbitrary<RoutePlan> = fc.record({
  target: fc.record({ kind: fc.oneof({ weight: 3, arbitrary: lit('service' as const) }, { weight: 2, arbitrary: lit('gateway' as const) }), index: fc.nat() }),
  explicitPort: fc.boolean(),
  hosts: fc.constantFrom('none' as const, 'one' as const, 'two' as const),
  namedListener: fc.boolean(),
  rules: fc.array(rulePlanArb, { minLength: 1, maxLength: 4 }),
});

const gatewayPlanArb: fc.Arbitrary<GatewayPlan> = fc.record(
  {
    proxy: fc.constantFrom('envoy' as const, 'haproxy' as const),
    replicas: fc.integer({ min: 0, max: 4 }),
    image: imageArb,
    endpoints: fc.integer({ min: 0, max: 2 }),
    endpointV6: fc.boolean(),
    listeners: fc
      .record({
        http: fc.boolean(),
        https: fc.constantFrom('none' as const, 'file' as const, 'secret' as const),
        redirectToHttps: fc.boolean(),
        hostsWildcard: fc.boolean(),
        tcp: fc.integer({ min: 0, max: 2 }),
      })
      .map((l) => (!l.http && l.https === 'none' && l.tcp === 0 ? { ...l, http: true } : l)),
    labels: labelsArb,
  },
  { requiredKeys: ['proxy', 'endpoints', 'endpointV6', 'listeners'] },
);

const cidrArb = fc.constantFrom('10.0.0.0/8', '10.244.0.0/16', '192.168.1.0/24', '0.0.0.0/0', '203.0.113.7', 'fd00::/8', '::/0', '2001:db8::1', '10.1.2.3/32');

const filterPlanArb: fc.Arbitrary<FilterPlan> = fc.record(
  {
    target: fc.record({ kind: fc.oneof({ weight: 3, arbitrary: lit('service' as const) }, { weight: 1, arbitrary: lit('gateway' as const) }), index: fc.nat() }),
    ports: fc.option(fc.uniqueArray(fc.nat(2), { minLength: 1, maxLength: 2 }), { nil: undefined }),
    type: fc.constantFrom('allow' as const, 'deny' as const, 'rateLimit' as const, 'jwt' as const),
    from: fc.array(fc.record({ kind: fc.constantFrom('service' as const, 'gateway' as const, 'cidr' as const), index: fc.nat(), cidr: cidrArb }), {
      minLength: 1,
      maxLength: 3,
    }),
    http: fc.record(
      {
        methods: methodsArb,
        paths: fc.uniqueArray(
          fc.oneof(pathArb, pathArb.map((p) => (p.endsWith('/') ? p + '*' : p + '/*'))).filter((p) => !p.slice(0, -1).includes('*')),
          { minLength: 1, maxLength: 3 },
        ),
      },
      { requiredKeys: [] },
    ),
    rateLimit: fc.record(
      {
        requests: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 1_000_000_000 })),
        per: fc.constantFrom('1s', '100ms', '1m', '1h', '10s'),
        burst: fc.integer({ min: 1, max: 100_000 }),
        by: fc.constantFrom('source-ip' as const, 'global' as const),
      },
      { requiredKeys: ['requests', 'per'] },
    ),
    jwt: fc.record(
      {
        issuer: issuerArb,
        audiences: fc.uniqueArray(fc.constantFrom('shop', 'api', 'urn:x:y', 'https://aud.example.com'), { minLength: 1, maxLength: 2 }),
        fromHeader: fc.constantFrom('authorization', 'x-jwt', 'x-token'),
        allowMissing: fc.boolean(),
      },
      { requiredKeys: ['issuer'] },
    ),
  },
  { requiredKeys: ['target', 'ports', 'type', 'rateLimit', 'jwt'] },
);

const meshPlanArb: fc.Arbitrary<MeshPlan> = fc.record(
  {
    mtls: fc.constantFrom('strict' as const, 'permissive' as const, 'off' as const),
    defaultAction: fc.constantFrom('deny' as const, 'allow' as const),
    defaults: fc.record({ timeout: timeoutArb, connectTimeout: positiveDuration, retries: retriesArb }, { requiredKeys: [] }),
    proxy: fc.constantFrom('envoy' as const, 'haproxy' as const),
    image: fc.constantFrom('envoyproxy/envoy:v1.31.2', 'haproxy:2.6', 'registry.example.com/proxy:1'),
    ports: fc.constantFrom('default' as const, 'explicit-default' as const, 'moved' as const),
    refuse: fc.constantFrom('drop' as const, 'reject' as const),
    allowPartialInMesh: fc.boolean(),
    labels: labelsArb,
  },
  { requiredKeys: ['ports', 'allowPartialInMesh'] },
);

const layoutArb: fc.Arbitrary<LayoutPlan> = fc.record({
  files: fc.integer({ min: 1, max: 6 }),
  shuffle: fc.array(fc.nat(), { maxLength: 40 }),
  style: fc.constantFrom('block' as const, 'flow' as const, 'quoted' as const),
});

/** Sizes of a random mesh. */
export interface MeshSize {
  /** Most services (at least 1). */
  services: number;
  /** Most routes. */
  routes: number;
  /** Most gateways. */
  gateways: number;
  /** Most filters. */
  filters: number;
}

/** A small default: fast to verify with real proxies' checkers. */
export const SMALL: MeshSize = { services: 4, routes: 4, gateways: 2, filters: 5 };

/** An arbitrary mesh plan. */
export function planArb(size: MeshSize = SMALL): fc.Arbitrary<Plan> {
  return fc.record({
    mesh: meshPlanArb,
    services: fc.array(servicePlanArb, { minLength: 1, maxLength: size.services }),
    routes: fc.array(routePlanArb, { maxLength: size.routes }),
    gateways: fc.array(gatewayPlanArb, { maxLength: size.gateways }),
    filters: fc.array(filterPlanArb, { maxLength: size.filters }),
    layout: layoutArb,
  });
}

// ---------------------------------------------------------------------------------------------
// Building
// ---------------------------------------------------------------------------------------------

/** A built mesh: its resources (in a canonical order) and the YAML files of its layout. */
export interface GeneratedMesh {
  plan: Plan;
  resources: Resource[];
  /** Relative path → YAML text. */
  files: Record<string, string>;
}

interface BuiltPort {
  service: number;
  name: string;
  protocol: 'http' | 'http2' | 'grpc' | 'tcp';
  index: number;
}

function isHttp(p: string): boolean {
  return p !== 'tcp';
}

function meta(name: string, labels?: Record<string, string>, annotations?: Record<string, string>): Metadata {
  const m: Metadata = { name };
  if (labels) m.labels = labels;
  if (annotations) m.annotations = annotations;
  return m;
}

/** Drops keys whose value is undefined (YAML would write them as null). */
function clean<T>(v: T): T {
  if (Array.isArray(v)) return v.map(clean) as T;
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = clean(x);
    return out as T;
  }
  return v;
}

/** Builds the resources of a plan. Pure and deterministic. */
export function buildResources(plan: Plan): Resource[] {
  const mp = plan.mesh;
  const adminPort = mp.ports === 'moved' ? 31000 : 15000;
  const inboundPort = mp.ports === 'moved' ? 30000 : 15006;
  const mesh: MeshResource = {
    apiVersion: API,
    kind: 'Mesh',
    metadata: meta('mesh', mp.labels),
    spec: clean({
      namespace: 'fuzz',
      trustDomain: 'fuzz.local',
      mtls: mp.mtls,
      defaultAction: mp.defaultAction,
      defaults: mp.defaults,
      sidecar:
        mp.proxy || mp.image || mp.ports !== 'default'
          ? clean({
              proxy: mp.proxy,
              image: mp.image,
              adminPort: mp.ports === 'default' ? undefined : adminPort,
              inboundPort: mp.ports === 'default' ? undefined : inboundPort,
            })
          : undefined,
      allowPartial: mp.allowPartialInMesh ? ['envoy', 'haproxy', 'kubernetes', 'nftables'] : undefined,
      nftables: mp.refuse ? { refuse: mp.refuse } : undefined,
    }),
  };

  // --- services: names, ports, endpoints, versions
  const services: ServiceResource[] = [];
  const ports: BuiltPort[] = [];
  const versionsOf: string[][] = [];
  plan.services.forEach((sp, i) => {
    const name = `${WORDS[sp.word % WORDS.length]}-${i}`;
    const usedWords = new Set<string>();
    const sps: ServicePort[] = sp.ports.map((p, j) => {
      const pool = PORT_WORDS[p.protocol]!;
      let word = pool[p.word % pool.length]!;
      if (usedWords.has(word)) word = `${word}-${j}`;
      usedWords.add(word);
      ports.push({ service: i, name: word, protocol: p.protocol, index: j });
      const port: ServicePort = { name: word, port: 1024 + i * 100 + j * 7 + (p.word % 5) };
      if (!(p.omitProtocol && p.protocol === 'http')) port.protocol = p.protocol;
      if (sp.sidecar && p.explicitSidecarPort) port.sidecarPort = 20000 + i * 10 + j;
      return port;
    });
    const onHosts = sp.placement !== 'k8s' || !sp.sidecar;
    const inK8s = sp.placement !== 'hosts';
    const endpoints = onHosts
      ? sp.endpointKinds.map((k, e) => {
          const host = k === 'v4' ? `10.${i + 1}.0.${e + 1}` : k === 'v6' ? `fd00:${i + 1}::${e + 1}` : `${name}-${e}.hosts.example`;
          if (!sp.sidecar && sp.endpointPorts && e === 0 && sp.ports.length === 1) return k === 'v6' ? `[${host}]:${40000 + i}` : `${host}:${40000 + i}`;
          return host;
        })
      : undefined;
    const vnames = sp.versions.map((_, v) => VERSION_NAMES[(i + v) % VERSION_NAMES.length]!);
    versionsOf.push(vnames);
    const versions: Record<string, Version> = {};
    sp.versions.forEach((vp, v) => {
      const vn = vnames[v]!;
      const ver: Version = { labels: vp.extraLabel ? { version: vn, track: 'x' } : { version: vn } };
      if (endpoints) ver.endpoints = vp.endpointMode === 'subset' ? [endpoints[v % endpoints.length]!] : [`10.${i + 1}.${v + 10}.1`];
      if (vp.image && inK8s) ver.image = vp.image;
      if (vp.replicas !== undefined && inK8s) ver.replicas = vp.replicas;
      versions[vn] = ver;
    });
    const spec: ServiceResource['spec'] = { ports: sps };
    if (!sp.sidecar) spec.sidecar = false;
    else if (i % 3 === 0) spec.sidecar = true;
    if (inK8s) spec.workload = clean({ ...sp.workload, command: sp.workload.command });
    if (endpoints) spec.endpoints = endpoints;
    if (vnames.length > 0) spec.versions = versions;
    if (sp.loadBalancer) spec.loadBalancer = sp.loadBalancer;
    if (sp.healthCheck) spec.healthCheck = sp.healthCheck;
    if (sp.outlierDetection) spec.outlierDetection = sp.outlierDetection;
    if (sp.circuitBreaker) spec.circuitBreaker = sp.circuitBreaker;
    if (sp.timeout) spec.timeout = sp.timeout;
    if (sp.connectTimeout) spec.connectTimeout = sp.connectTimeout;
    if (sp.retries) spec.retries = sp.retries;
    services.push({ apiVersion: API, kind: 'Service', metadata: meta(name, sp.labels, sp.annotations), spec });
  });
  const n = services.length;

  // --- uses (after every service has its ports)
  plan.services.forEach((sp, i) => {
    if (!sp.sidecar || n < 2) return;
    const svc = services[i]!;
    const bound = new Set<number>([adminPort]);
    svc.spec.ports.forEach((p, j) => {
      bound.add(p.port);
      bound.add(p.sidecarPort ?? inboundPort + j);
    });
    const seen = new Set<string>();
    const uses: NonNullable<ServiceResource['spec']['uses']> = [];
    sp.uses.forEach((u, k) => {
      const t = (i + 1 + (u.service % (n - 1))) % n; // never itself
      const callee = services[t]!;
      const port = callee.spec.ports[u.port % callee.spec.ports.length]!;
      const key = `${t}/${port.name}`;
      if (seen.has(key)) return;
      seen.add(key);
      const use: { service: string; port?: string; localPort?: number } = { service: callee.metadata.name };
      if (u.explicitPort || callee.spec.ports.length > 1) use.port = port.name;
      let local = u.explicitLocal ? 10000 + i * 50 + k : port.port;
      if (bound.has(local)) local = 10000 + i * 50 + k;
      if (local !== port.port || u.explicitLocal) use.localPort = local;
      bound.add(local);
      uses.push(use);
    });
    if (uses.length > 0) svc.spec.uses = uses;
  });

  // --- gateways
  const gateways: GatewayResource[] = [];
  const gwHttp: { gateway: number; listeners: Listener[]; wildcard: boolean }[] = [];
  plan.gateways.forEach((gp, g) => {
    const name = `edge-${g}`;
    const L = gp.listeners;
    const listeners: Listener[] = [];
    const hosts = L.hostsWildcard ? [`*.g${g}.example.com`] : undefined;
    if (L.http) {
      const l: Listener = { name: 'http', port: 8080 + g, protocol: 'http' };
      if (hosts) l.hosts = hosts;
      if (L.redirectToHttps && L.https !== 'none') l.redirectToHttps = true;
      listeners.push(l);
    }
    if (L.https !== 'none') {
      const l: Listener = { name: 'https', port: 8443 + g, protocol: 'https' };
      if (hosts) l.hosts = hosts;
      l.tls = L.https === 'file' ? { certificateFile: `/etc/ssl/private/${name}.pem` } : { secretName: `${name}-tls` };
      listeners.push(l);
    }
    for (let t = 0; t < L.tcp; t++) listeners.push({ name: `tcp-${t}`, port: 5000 + g * 10 + t, protocol: 'tcp' });
    const spec: GatewayResource['spec'] = { proxy: gp.proxy, listeners };
    if (gp.replicas !== undefined) spec.replicas = gp.replicas;
    if (gp.image) spec.image = gp.image;
    if (gp.endpoints > 0) {
      spec.endpoints = Array.from({ length: gp.endpoints }, (_, e) => (gp.endpointV6 && e === 1 ? `2001:db8::${g + 1}:${e}` : `192.0.2.${g * 10 + e + 1}`));
    }
    gateways.push({ apiVersion: API, kind: 'Gateway', metadata: meta(name, gp.labels), spec });
    gwHttp.push({ gateway: g, listeners, wildcard: L.hostsWildcard });
  });

  // --- routes
  const routes: RouteResource[] = [];
  const httpPorts = ports.filter((p) => isHttp(p.protocol));
  const tcpPorts = ports.filter((p) => !isHttp(p.protocol));
  const routedPorts = new Set<number>();
  const routedGatewayHostless = new Set<number>();
  const routedTcpListeners = new Set<string>();
  const gwRouteCount = new Map<number, number>();

  const backendRef = (
    bp: { service: number; version: number | undefined; explicitPort: boolean },
    pool: BuiltPort[],
    own: BuiltPort | undefined,
  ): Backend => {
    const target = pool[bp.service % pool.length]!;
    const svc = services[target.service]!;
    const b: Backend = { service: svc.metadata.name };
    const vn = versionsOf[target.service]!;
    if (bp.version !== undefined && vn.length > 0) b.version = vn[bp.version % vn.length]!;
    const isOwn = own !== undefined && own.service === target.service;
    const implied = isOwn ? own.name : svc.spec.ports.length === 1 ? svc.spec.ports[0]!.name : undefined;
    if (bp.explicitPort || implied !== target.name) b.port = target.name;
    return b;
  };

  const buildRule = (rp: RulePlan, proto: 'http' | 'tcp', own: BuiltPort | undefined, k: number): RouteRule => {
    const rule: RouteRule = {};
    if (rp.name) rule.name = `rule-${k}`;
    if (proto === 'tcp') {
      const pool = tcpPorts.length > 0 ? tcpPorts : ports;
      const bps = rp.action.kind === 'backends' ? rp.action.backends : [{ service: k, version: undefined, weight: undefined, explicitPort: false }];
      rule.backends = bps.map((bp) => {
        const b = backendRef(bp, pool, own);
        if (bp.weight !== undefined) b.weight = bp.weight;
        return b;
      });
      if (rule.backends.every((b) => (b.weight ?? 1) === 0)) rule.backends[0]!.weight = 1;
      if (rp.timeout) rule.timeout = rp.timeout;
      return rule;
    }
    if (rp.match) rule.match = rp.match;
    if (rp.action.kind === 'backends' && httpPorts.length === 0) {
      rule.directResponse = { status: 503, body: 'no HTTP service' };
    } else if (rp.action.kind === 'backends') {
      rule.backends = rp.action.backends.map((bp) => {
        const b = backendRef(bp, httpPorts, own);
        if (bp.weight !== undefined) b.weight = bp.weight;
        return b;
      });
      if (rule.backends.every((b) => (b.weight ?? 1) === 0)) rule.backends[0]!.weight = 1;
    } else if (rp.action.kind === 'redirect') rule.redirect = rp.action.redirect;
    else rule.directResponse = rp.action.response;
    if (rp.timeout) rule.timeout = rp.timeout;
    if (rp.retries) rule.retries = rp.retries;
    if (rp.rewrite) {
      const rw: NonNullable<RouteRule['rewrite']> = {};
      const prefixMatch = rule.match?.path !== undefined && 'prefix' in rule.match.path;
      if (rp.rewrite.path === 'prefix' && prefixMatch) rw.path = { prefix: rp.rewrite.prefix };
      else if (rp.rewrite.path === 'full' || rp.rewrite.path === 'prefix') rw.path = { full: rp.rewrite.full };
      else if (rp.rewrite.path === 'regex') rw.path = { regex: rp.rewrite.regex };
      if (rp.rewrite.host) rw.host = rp.rewrite.host;
      if (rw.path || rw.host) rule.rewrite = rw;
    }
    if (rp.headers) rule.headers = rp.headers;
    if (rp.mirror && httpPorts.length > 0) {
      const b = backendRef({ service: rp.mirror.service, version: rp.mirror.version, explicitPort: false }, httpPorts, own);
      rule.mirror = clean({ service: b.service, version: b.version, port: b.port, percent: rp.mirror.percent });
    }
    if (rp.fault) rule.fault = rp.fault;
    if (rp.cors) rule.cors = rp.cors;
    return rule;
  };

  plan.routes.forEach((rp, r) => {
    const name = `route-${r}`;
    if (rp.target.kind === 'service') {
      const free = ports.map((_, idx) => idx).filter((idx) => !routedPorts.has(idx));
      if (free.length === 0) return;
      const idx = free[rp.target.index % free.length]!;
      routedPorts.add(idx);
      const own = ports[idx]!;
      const svc = services[own.service]!;
      const proto = isHttp(own.protocol) ? 'http' : 'tcp';
      const spec: RouteResource['spec'] = { service: svc.metadata.name, rules: [] };
      if (rp.explicitPort || svc.spec.ports.length > 1) spec.port = own.name;
      const rules = proto === 'tcp' ? rp.rules.slice(0, 1) : rp.rules;
      spec.rules = rules.map((x, k) => buildRule(x, proto, own, k));
      routes.push({ apiVersion: API, kind: 'Route', metadata: meta(name), spec });
      return;
    }
    if (gateways.length === 0) return;
    const g = rp.target.index % gateways.length;
    const gw = gateways[g]!;
    const info = gwHttp[g]!;
    const httpListeners = info.listeners.filter((l) => l.protocol !== 'tcp');
    const tcpListeners = info.listeners.filter((l) => l.protocol === 'tcp' && !routedTcpListeners.has(l.name));
    const spec: RouteResource['spec'] = { gateway: gw.metadata.name, rules: [] };
    // Prefer HTTP; a route to a TCP listener when the gateway only has free TCP listeners or by choice.
    const wantTcp = tcpListeners.length > 0 && (httpListeners.length === 0 || rp.namedListener && rp.hosts === 'none' && r % 2 === 1);
    if (wantTcp) {
      const l = tcpListeners[0]!;
      routedTcpListeners.add(l.name);
      spec.port = l.name;
      spec.rules = [buildRule(rp.rules[0]!, 'tcp', undefined, 0)];
      routes.push({ apiVersion: API, kind: 'Route', metadata: meta(name), spec });
      return;
    }
    if (httpListeners.length === 0) return;
    const count = gwRouteCount.get(g) ?? 0;
    gwRouteCount.set(g, count + 1);
    if (rp.hosts === 'none' && !routedGatewayHostless.has(g)) {
      routedGatewayHostless.add(g);
    } else {
      const base = `r${count}.g${g}.example.com`;
      spec.hosts = rp.hosts === 'two' ? [base, `www.${base}`] : [base];
    }
    if (rp.namedListener) spec.port = httpListeners[r % httpListeners.length]!.name;
    spec.rules = rp.rules.map((x, k) => buildRule(x, 'http', undefined, k));
    routes.push({ apiVersion: API, kind: 'Route', metadata: meta(name), spec });
  });

  // --- filters
  const filters: FilterResource[] = [];
  const rateLimits = new Map<string, number>();
  plan.filters.forEach((fp, f) => {
    const name = `filter-${f}`;
    let target: FilterResource['spec']['target'];
    let portList: { name: string; http: boolean }[];
    let sidecar = true;
    let key: string;
    if (fp.target.kind === 'gateway' && gateways.length > 0) {
      const gw = gateways[fp.target.index % gateways.length]!;
      target = { gateway: gw.metadata.name };
      portList = gw.spec.listeners.map((l) => ({ name: l.name, http: l.protocol !== 'tcp' }));
      key = `g/${gw.metadata.name}`;
    } else {
      const svc = services[fp.target.index % n]!;
      target = { service: svc.metadata.name };
      portList = svc.spec.ports.map((p) => ({ name: p.name, http: isHttp(p.protocol ?? 'http') }));
      sidecar = svc.spec.sidecar !== false;
      key = `s/${svc.metadata.name}`;
    }
    let chosen = fp.ports ? [...new Set(fp.ports.map((p) => p % portList.length))].sort().map((p) => portList[p]!) : undefined;
    let type = fp.type;
    let l7 = type === 'jwt' || ((type === 'allow' || type === 'deny') && fp.http !== undefined);
    if (l7) {
      // L7 needs a proxy and HTTP ports: narrow to the HTTP ports, or fall back to an L4 filter.
      const httpOnly = (chosen ?? portList).filter((p) => p.http);
      if (!sidecar || httpOnly.length === 0) {
        l7 = false;
        if (type === 'jwt') type = 'allow';
      } else chosen = chosen || httpOnly.length !== portList.length ? httpOnly : undefined;
    }
    if (type === 'rateLimit') {
      const c = rateLimits.get(key) ?? 0;
      if (c >= 2) type = 'deny';
      else rateLimits.set(key, c + 1);
    }
    const common = clean({ target, ports: chosen?.map((p) => p.name) });
    let spec: FilterResource['spec'];
    if (type === 'allow' || type === 'deny') {
      const from: Source[] | undefined = fp.from?.map((s): Source => {
        if (s.kind === 'service') return { service: services[s.index % n]!.metadata.name };
        if (s.kind === 'gateway' && gateways.length > 0) return { gateway: gateways[s.index % gateways.length]!.metadata.name };
        return { cidr: s.cidr };
      });
      spec = clean({ ...common, type, from, http: l7 ? fp.http : undefined });
    } else if (type === 'rateLimit') {
      const rl = { ...fp.rateLimit };
      const window = (parseDuration(rl.per) * (rl.burst ?? rl.requests)) / rl.requests;
      // HAProxy refuses a window past its largest timer (MC7011 at `per`).
      if (window > 2_147_483_647) rl.burst = rl.requests;
      spec = { ...common, type, rateLimit: rl };
    } else {
      spec = { ...common, type, jwt: clean({ ...fp.jwt, jwksFile: JWKS_FILE }) };
    }
    filters.push({ apiVersion: API, kind: 'Filter', metadata: meta(name), spec });
  });

  return [mesh, ...services, ...routes, ...filters, ...gateways].map(clean);
}

/** Serialises one resource as a YAML document in a style. */
export function documentText(r: Resource, style: LayoutPlan['style']): string {
  if (style === 'flow') return stringify(r, { collectionStyle: 'flow', lineWidth: 0 });
  if (style === 'quoted') return stringify(r, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 });
  return stringify(r, { lineWidth: 0 });
}

/**
 * Spreads resources over files: shuffled by `layout.shuffle`, dealt into `layout.files` files
 * named `m0.yaml`…, several documents per file separated by `---`.
 */
export function layoutFiles(resources: readonly Resource[], layout: LayoutPlan): Record<string, string> {
  const order = resources.map((_, i) => i);
  layout.shuffle.forEach((s, k) => {
    const a = k % order.length;
    const b = s % order.length;
    [order[a], order[b]] = [order[b]!, order[a]!];
  });
  const files: string[][] = Array.from({ length: Math.min(layout.files, resources.length) }, () => []);
  order.forEach((ri, k) => files[k % files.length]!.push(documentText(resources[ri]!, layout.style)));
  const out: Record<string, string> = {};
  files.forEach((docs, f) => {
    out[`m${f}.yaml`] = docs.join('---\n');
  });
  return out;
}

/** Builds a plan into resources and files. */
export function buildMesh(plan: Plan): GeneratedMesh {
  const resources = buildResources(plan);
  return { plan, resources, files: layoutFiles(resources, plan.layout) };
}

/** An arbitrary valid mesh (resources and YAML files). */
export function meshArb(size: MeshSize = SMALL): fc.Arbitrary<GeneratedMesh> {
  return planArb(size).map(buildMesh);
}

/** An arbitrary second layout (other files, other document order) for order-independence. */
export const layoutPlanArb = layoutArb;
