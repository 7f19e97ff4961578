/**
 * The IR: the one normalised model every target reads. Targets never see the YAML.
 *
 * Guarantees the lowering gives (targets rely on them and need not re-check):
 * - every reference is resolved, every default applied; there are no optional "inherit" values;
 * - every name is a DNS-1123 label (schema-checked); other user strings (paths, header values,
 *   regexes, bodies, issuers…) are arbitrary printable text that each target must quote or escape
 *   with its own rules;
 * - durations are whole milliseconds; percentages are numbers in [0, 100];
 * - order is deterministic: services, gateways, versions, clusters sorted by name/id; ports, uses,
 *   rules, listeners and filter entries in the user's declaration order;
 * - every node that came from the user keeps its source `span`, so a target can point a diagnostic
 *   at the user's line;
 * - the IR is plain JSON data (no Maps, no classes, no cycles): `JSON.stringify` round-trips it, and
 *   IR fixtures for target tests are JSON files.
 * @module
 */
import type { Span } from '../diagnostics/types.js';

export type { Span };

/** Version of the IR's shape. Bumped on incompatible changes. */
export const IR_VERSION = 1;

/** The whole compiled mesh. */
export interface MeshIR {
  /** The IR shape version ({@link IR_VERSION}). */
  irVersion: number;
  /** Mesh-wide settings. */
  mesh: MeshSettingsIR;
  /** Every service, sorted by name. */
  services: ServiceIR[];
  /** Every gateway, sorted by name. */
  gateways: GatewayIR[];
}

/** Mesh-wide settings with every default applied. */
export interface MeshSettingsIR {
  /** The Mesh resource's name. */
  name: string;
  /** Kubernetes namespace of every emitted manifest. */
  namespace: string;
  /** SPIFFE trust domain. */
  trustDomain: string;
  /** Mutual TLS mode between sidecars. */
  mtls: 'strict' | 'permissive' | 'off';
  /** What happens to traffic no allow Filter admits. */
  defaultAction: 'deny' | 'allow';
  /** The sidecar proxy settings. */
  sidecar: {
    /** The proxy the Kubernetes target deploys beside every workload. */
    proxy: 'envoy' | 'haproxy';
    /** Its container image. */
    image: string;
    /** Admin/stats/metrics port, bound to 127.0.0.1 only. */
    adminPort: number;
    /** The first default sidecar port (already applied to every `PortIR.sidecarPort`). */
    inboundPort: number;
  };
  /** Targets whose unsupported features are warnings rather than errors (from the Mesh resource). */
  allowPartial: string[];
  /** nftables settings. */
  nftables: {
    /** How refused connections are refused. */
    refuse: 'drop' | 'reject';
  };
  /** Where certificates live inside every proxy's filesystem (the Kubernetes target mounts them there). */
  certs: CertPathsIR;
  /** The Mesh resource's span. */
  span: Span;
}

/**
 * The certificate mount every sidecar and gateway proxy reads its mesh identity from. The Kubernetes
 * target mounts a Secret `<service>-mesh-tls` (type kubernetes.io/tls plus `ca.crt`, as cert-manager's
 * CSI driver or SPIRE's helper writes it) at `dir`, projecting `tls.key` twice: as `key` and as
 * `haproxyKey` (HAProxy looks for a certificate's key in `<crt>.key`).
 */
export interface CertPathsIR {
  /** The mount directory: `/etc/meshc/certs`. */
  dir: string;
  /** This workload's certificate chain (PEM), with its SPIFFE ID as URI SAN. */
  cert: string;
  /** Its private key (PEM). */
  key: string;
  /** The same key, at `<cert>.key`, for HAProxy. */
  haproxyKey: string;
  /** The mesh CA bundle (PEM) that peers' certificates are checked against. */
  ca: string;
}

// ---------------------------------------------------------------------------------------------
// Endpoints
// ---------------------------------------------------------------------------------------------

/** One address a proxy connects to, or a packet comes from. */
export interface EndpointIR {
  /** An IPv4 address, an IPv6 address (no brackets), or a DNS name. */
  host: string;
  /** What `host` is. DNS names cannot be matched by nftables and are resolved by the proxies. */
  kind: 'ipv4' | 'ipv6' | 'dns';
  /** The port, for endpoints of clusters; absent in address lists (sources). */
  port?: number;
  /** Where the user wrote it; absent for derived endpoints (Kubernetes DNS names). */
  span?: Span;
}

// ---------------------------------------------------------------------------------------------
// Services
// ---------------------------------------------------------------------------------------------

/** A service with everything resolved. */
export interface ServiceIR {
  /** The service's name. */
  name: string;
  /** Labels from metadata. */
  labels: Record<string, string>;
  /** Annotations from metadata. */
  annotations: Record<string, string>;
  /** Whether a proxy runs beside it. */
  sidecar: boolean;
  /** Its SPIFFE identity: `spiffe://<trustDomain>/ns/<namespace>/sa/<name>`. */
  identity: string;
  /** Its Kubernetes ServiceAccount name (= its name). */
  serviceAccount: string;
  /** Its ports, in declaration order. */
  ports: PortIR[];
  /** The app container (Kubernetes target); absent when the service has no `workload`. */
  workload?: WorkloadIR;
  /** Its versions, sorted by name; empty when it declares none. */
  versions: VersionIR[];
  /**
   * Every endpoint of the service outside Kubernetes (service-level and all versions', deduplicated,
   * in declaration order, service-level first), without ports — except that an endpoint of a service
   * with `sidecar: false` written `host:port` keeps that `port` (where its instances listen instead
   * of `PortIR.port`). Empty when it runs only in Kubernetes.
   */
  endpoints: EndpointIR[];
  /** The headless Kubernetes Service that resolves to all its pods (used when it has no endpoints). */
  headlessService: string;
  /** The fully-qualified DNS name of that headless Service. */
  headlessDns: string;
  /** Load balancing, defaults applied. */
  loadBalancer: LoadBalancerIR;
  /** Active health check, or absent. */
  healthCheck?: HealthCheckIR;
  /** Outlier detection, or absent. */
  outlierDetection?: OutlierDetectionIR;
  /** Circuit-breaker thresholds, defaults applied. */
  circuitBreaker: CircuitBreakerIR;
  /** Connect timeout for calls to this service, ms. */
  connectTimeoutMs: number;
  /** What this service calls, in declaration order: one outbound listener each. */
  outbound: OutboundIR[];
  /**
   * Every cluster this service's sidecar needs (the versions its outbound rules and mirrors send
   * to), deduplicated, sorted by `id`. Depends only on what it `uses`, never on the whole mesh.
   */
  clusters: ClusterIR[];
  /** Inbound policy per port, in port order: what its sidecar enforces (and nftables, L4 part). */
  inbound: InboundIR[];
  /** The Service resource's span. */
  span: Span;
}

/** A port of a service. */
export interface PortIR {
  /** Its name. */
  name: string;
  /** The app's port (on 127.0.0.1 behind a sidecar; on the endpoints for `sidecar: false`). */
  port: number;
  /** Its protocol. */
  protocol: 'http' | 'http2' | 'grpc' | 'tcp';
  /** Whether it carries HTTP (http, http2, grpc). */
  isHttp: boolean;
  /** The sidecar port callers' sidecars connect to (equals `port` for a service without sidecar). */
  sidecarPort: number;
  /**
   * The routing table for traffic addressed to this port, first match wins: the rules of the Route
   * for this port, or the default rule (every request to every version, equal weights).
   */
  rules: RuleIR[];
  /** The Route these rules came from; absent for the default rule. */
  route?: string;
  /** The port's span. */
  span: Span;
}

/** The app container of a service. */
export interface WorkloadIR {
  /** Image. */
  image: string;
  /** Pods (per version when it has versions and the version does not say). */
  replicas: number;
  /** Resource requests/limits; absent fields are not set. */
  resources: { cpu?: string; memory?: string };
  /** Environment, sorted by name. */
  env: { name: string; value: string }[];
  /** Command, or absent for the image's. */
  command?: string[];
  /** Args, or absent for the image's. */
  args?: string[];
  /** Whether the root filesystem is read-only. */
  readOnlyRootFilesystem: boolean;
  /** UID the app runs as. */
  runAsUser: number;
  /** The workload's span. */
  span: Span;
}

/** A version (subset) of a service. */
export interface VersionIR {
  /** Its name. */
  name: string;
  /** Labels selecting its pods, always including `version: <name>`, sorted by key. */
  labels: Record<string, string>;
  /** Its hosts outside Kubernetes (no ports, but as for `ServiceIR.endpoints`), or empty. */
  endpoints: EndpointIR[];
  /** Its image (defaults to the workload's), absent without a workload. */
  image?: string;
  /** Its pod count (defaults to the workload's). */
  replicas: number;
  /** The headless Kubernetes Service resolving to this version's pods. */
  headlessService: string;
  /** Its fully-qualified DNS name. */
  headlessDns: string;
  /** The version's span. */
  span: Span;
}

/** Load balancing with defaults applied. */
export interface LoadBalancerIR {
  /** The policy. */
  policy: 'round-robin' | 'least-request' | 'random' | 'ring-hash' | 'maglev';
  /** What consistent hashing hashes on; present exactly for ring-hash and maglev. */
  hashOn?: HashOnIR;
}

/** Consistent-hash input. */
export type HashOnIR =
  | { kind: 'header'; header: string }
  | { kind: 'cookie'; name: string; ttlMs?: number }
  | { kind: 'source-ip' };

/** Active health check with defaults applied. */
export interface HealthCheckIR {
  /** HTTP GET path; absent for a TCP connect check. */
  path?: string;
  /** ms between checks. */
  intervalMs: number;
  /** ms a check may take. */
  timeoutMs: number;
  /** Successes to become healthy. */
  healthyThreshold: number;
  /** Failures to become unhealthy. */
  unhealthyThreshold: number;
  /** Span of the healthCheck block. */
  span: Span;
}

/** Outlier detection with defaults applied. */
export interface OutlierDetectionIR {
  /** Consecutive 5xx that eject. */
  consecutive5xx: number;
  /** ms between evaluations. */
  intervalMs: number;
  /** ms of the first ejection. */
  baseEjectionTimeMs: number;
  /** Max ejected share, percent. */
  maxEjectionPercent: number;
  /** Span of the block. */
  span: Span;
}

/** Circuit-breaker thresholds with defaults applied. */
export interface CircuitBreakerIR {
  /** Max connections. */
  maxConnections: number;
  /** Max pending requests. */
  maxPendingRequests: number;
  /** Max requests in flight. */
  maxRequests: number;
  /** Max retries in flight. */
  maxRetries: number;
  /** Where the user set `maxRetries`, when they did (a target that cannot enforce it reports there). */
  maxRetriesSpan?: Span;
}

/** A retry policy with defaults applied. */
export interface RetryIR {
  /** Retries after the first try (≥ 1; a policy with 0 attempts lowers to no policy). */
  attempts: number;
  /** Per-try timeout ms, or absent for none. */
  perTryTimeoutMs?: number;
  /**
   * Span of the `perTryTimeout` value where the policy was written (the rule, the Service, or the
   * Mesh defaults), present with {@link perTryTimeoutMs}: for diagnostics about the per-try bound.
   */
  perTryTimeoutSpan?: Span;
  /** Conditions, deduplicated, in the user's order: the DSL's RetryOn values ("5xx", "reset", "503", …). */
  on: string[];
}

// ---------------------------------------------------------------------------------------------
// Outbound: what a sidecar does with the calls its app makes
// ---------------------------------------------------------------------------------------------

/** One `uses` entry: an outbound listener on 127.0.0.1:localPort. */
export interface OutboundIR {
  /** The called service. */
  service: string;
  /** The called port's name. */
  port: string;
  /** The called port's protocol. */
  protocol: 'http' | 'http2' | 'grpc' | 'tcp';
  /** Whether it carries HTTP. */
  isHttp: boolean;
  /** The local port the app calls. */
  localPort: number;
  /** The routing table: the callee port's `rules` (the same array as `PortIR.rules`). */
  rules: RuleIR[];
  /** The Route the rules came from; absent for the default rule. */
  route?: string;
  /** Span of the `uses` entry. */
  span: Span;
}

/**
 * An upstream: one port of one version of one service (or of all its instances). Shared by every
 * rule that sends there.
 */
export interface ClusterIR {
  /**
   * Stable id, unique in the mesh: `<service>.<port>` for all instances, `<service>.<port>.<version>`
   * for a version. Names are DNS labels (no dots), so ids never collide.
   */
  id: string;
  /** The service. */
  service: string;
  /** The version, or absent for all instances. */
  version?: string;
  /** The service port's name. */
  port: string;
  /** The service port's protocol (HTTP/2 upstream for http2 and grpc). */
  protocol: 'http' | 'http2' | 'grpc' | 'tcp';
  /**
   * How endpoints are found: `static` addresses, or `dns` names resolved by the proxy (STRICT_DNS
   * semantics: every address a name resolves to is an endpoint). A cluster with any DNS name is `dns`.
   */
  discovery: 'static' | 'dns';
  /**
   * Where to connect: the callee's endpoints with the port to use (its sidecar port, or for a callee
   * without sidecar its own port or the endpoint's `host:port`); in Kubernetes, the headless
   * Service's DNS name.
   */
  endpoints: EndpointIR[];
  /**
   * mTLS to the callee's sidecar: present when the callee has a sidecar and `mtls` is not off. The
   * caller presents its own certificate ({@link CertPathsIR}) and checks the callee's identity.
   */
  tls?: {
    /** The SPIFFE identity the callee's certificate must carry as URI SAN. */
    peerIdentity: string;
    /** SNI to send: the callee's headless DNS name. */
    sni: string;
  };
  /** The callee's load balancing. */
  loadBalancer: LoadBalancerIR;
  /** The callee's active health check. */
  healthCheck?: HealthCheckIR;
  /** The callee's outlier detection. */
  outlierDetection?: OutlierDetectionIR;
  /** The callee's circuit breaker. */
  circuitBreaker: CircuitBreakerIR;
  /** Connect timeout, ms. */
  connectTimeoutMs: number;
}

/** One routing rule, fully resolved. */
export interface RuleIR {
  /** The rule's name, or `<route>-<index>` when it has none. */
  name: string;
  /** Its 0-based index in the route. */
  index: number;
  /** Conditions; an empty match matches every request. */
  match: MatchIR;
  /** What happens to matching traffic. */
  action: ActionIR;
  /** Request timeout (HTTP) or idle timeout (TCP), ms; 0 disables it. */
  timeoutMs: number;
  /** Retries, or absent for none (always absent on TCP). */
  retries?: RetryIR;
  /** Path/host rewrite, or absent. */
  rewrite?: RewriteIR;
  /** Header changes (possibly empty lists). */
  headers: { request: HeaderOpsIR; response: HeaderOpsIR };
  /** Mirror, or absent. */
  mirror?: MirrorIR;
  /** Fault injection, or absent. */
  fault?: FaultIR;
  /** CORS, or absent. */
  cors?: CorsIR;
  /** Span of the rule (for the default rule: the service's span). */
  span: Span;
  /** Spans of the rule's features, so that a target can report an unsupported one precisely. */
  featureSpans: Partial<Record<RuleFeature, Span>>;
}

/** Rule features a target may be unable to express. */
export type RuleFeature =
  | 'match.path'
  | 'match.headers'
  | 'match.query'
  | 'match.methods'
  | 'redirect'
  | 'directResponse'
  | 'retries'
  | 'rewrite.path'
  | 'rewrite.host'
  | 'headers.request'
  | 'headers.response'
  | 'mirror'
  | 'fault.delay'
  | 'fault.abort'
  | 'cors'
  | 'timeout';

/** Conditions on a request. */
export interface MatchIR {
  /** Path condition, or absent. */
  path?: { kind: 'exact' | 'prefix' | 'regex'; value: string };
  /** Header conditions, in declaration order; names lower case. */
  headers: StringMatchIR[];
  /** Query parameter conditions, in declaration order. */
  query: StringMatchIR[];
  /** Methods (any of), upper case; empty for any method. */
  methods: string[];
}

/** A condition on a named value. `present` with `value` "false" means "absent". */
export interface StringMatchIR {
  /** Header or parameter name. */
  name: string;
  /** How it is compared. */
  kind: 'exact' | 'prefix' | 'regex' | 'present' | 'absent';
  /** The compared value; empty for present/absent. */
  value: string;
}

/** What a rule does. */
export type ActionIR = ForwardActionIR | RedirectActionIR | DirectResponseActionIR;

/** Forward to weighted backends. */
export interface ForwardActionIR {
  /** Discriminator. */
  kind: 'forward';
  /** Backends, in declaration order; at least one has a positive weight. */
  backends: BackendIR[];
}

/** A weighted destination. */
export interface BackendIR {
  /** The cluster (in the sidecar's / gateway's `clusters`). */
  cluster: string;
  /** Its service. */
  service: string;
  /** Its version, absent for all instances. */
  version?: string;
  /** Its port name. */
  port: string;
  /** Relative weight (≥ 0). */
  weight: number;
  /** Span of the backend entry (the service's for a default rule). */
  span: Span;
}

/** Answer with a redirect. */
export interface RedirectActionIR {
  /** Discriminator. */
  kind: 'redirect';
  /** New scheme, or absent to keep. */
  scheme?: 'http' | 'https';
  /** New host, or absent to keep. */
  host?: string;
  /** New port, or absent to keep (or use the scheme's default when the scheme changes). */
  port?: number;
  /** New path, or absent to keep. */
  path?: string;
  /** Status code. */
  status: 301 | 302 | 303 | 307 | 308;
}

/** Answer directly. */
export interface DirectResponseActionIR {
  /** Discriminator. */
  kind: 'directResponse';
  /** Status code. */
  status: number;
  /** Body text, possibly empty. */
  body: string;
  /** Span of the `body` value, when the rule has one: for diagnostics about the text itself. */
  bodySpan?: Span;
  /** Content type of the body. */
  contentType: string;
}

/** A rewrite. */
export interface RewriteIR {
  /** Path rewrite: replace the matched prefix, substitute a regex over the whole path, or replace the whole path. */
  path?:
    | { kind: 'prefix'; matchedPrefix: string; replacement: string }
    | { kind: 'regex'; pattern: string; substitution: string }
    | { kind: 'full'; path: string };
  /** New Host header. */
  host?: string;
}

/** Header changes. */
export interface HeaderOpsIR {
  /** Set (replace), sorted by name. */
  set: { name: string; value: string }[];
  /** Add (append), sorted by name. */
  add: { name: string; value: string }[];
  /** Remove, in declaration order. */
  remove: string[];
}

/** Mirror a share of requests to a cluster. */
export interface MirrorIR {
  /** The cluster (in the sidecar's / gateway's `clusters`). */
  cluster: string;
  /** Percent of requests. */
  percent: number;
}

/** Fault injection. */
export interface FaultIR {
  /** Delay. */
  delay?: { durationMs: number; percent: number };
  /** Abort. */
  abort?: { status: number; percent: number };
}

/** CORS with defaults applied. */
export interface CorsIR {
  /** Allowed origins (exact strings, or `*`). */
  allowOrigins: string[];
  /** Allowed methods. */
  allowMethods: string[];
  /** Allowed request headers. */
  allowHeaders: string[];
  /** Exposed response headers. */
  exposeHeaders: string[];
  /** Preflight cache time in seconds, or absent. */
  maxAgeSeconds?: number;
  /** Whether credentials are allowed. */
  allowCredentials: boolean;
}

// ---------------------------------------------------------------------------------------------
// Inbound: what a service's sidecar (or a gateway listener) enforces
// ---------------------------------------------------------------------------------------------

/**
 * The policy at one port of a service (or one gateway listener). Decision order: a matching deny
 * refuses; else a matching allow admits; else `defaultAction`. Rate limits and JWT apply to what is
 * admitted.
 */
export interface InboundIR {
  /** The port (service) or listener (gateway) name. */
  port: string;
  /** The port the proxy listens on: the sidecar port (service) or the listener port (gateway). */
  listenPort: number;
  /** The app's port on 127.0.0.1 (services); absent for gateways. */
  appPort?: number;
  /** The protocol. */
  protocol: 'http' | 'http2' | 'grpc' | 'tcp' | 'https';
  /** Whether it carries HTTP. */
  isHttp: boolean;
  /** Deny rules from Filters of type deny, sorted by filter name. */
  deny: PolicyRuleIR[];
  /** Allow rules from Filters of type allow, sorted by filter name. */
  allow: PolicyRuleIR[];
  /** The Mesh's default action. */
  defaultAction: 'deny' | 'allow';
  /** Rate limits, sorted by filter name. */
  rateLimits: RateLimitIR[];
  /** JWT requirements, sorted by filter name. */
  jwt: JwtIR[];
}

/** One allow or deny Filter as it applies at a port. */
export interface PolicyRuleIR {
  /** The Filter's name. */
  filter: string;
  /** Sources (any matches); empty means every source. */
  from: SourceIR[];
  /** L7 conditions, or absent: every request/connection from the sources. Only on HTTP ports. */
  http?: {
    /** Methods (any of), or empty for any. */
    methods: string[];
    /** Paths (any of): exact, or prefix from a trailing `*`; empty for any. */
    paths: { kind: 'exact' | 'prefix'; value: string }[];
  };
  /** The Filter's span. */
  span: Span;
}

/** A resolved source of traffic. */
export type SourceIR = ServiceSourceIR | GatewaySourceIR | CidrSourceIR;

/** Traffic from a service. */
export interface ServiceSourceIR {
  /** Discriminator. */
  kind: 'service';
  /** The service. */
  name: string;
  /** Its SPIFFE identity (matched on mTLS certificates by sidecars). */
  identity: string;
  /** Its endpoint addresses outside Kubernetes (matched by nftables), possibly empty. */
  addresses: EndpointIR[];
  /** Whether it has a sidecar (a service without one presents no identity: match by address). */
  sidecar: boolean;
  /** Span of the `from` entry. */
  span: Span;
}

/** Traffic from a gateway. */
export interface GatewaySourceIR {
  /** Discriminator. */
  kind: 'gateway';
  /** The gateway. */
  name: string;
  /** Its SPIFFE identity. */
  identity: string;
  /** Its endpoint addresses outside Kubernetes, possibly empty. */
  addresses: EndpointIR[];
  /** Span of the `from` entry. */
  span: Span;
}

/** Traffic from a network. */
export interface CidrSourceIR {
  /** Discriminator. */
  kind: 'cidr';
  /** The network, normalised (`10.0.0.0/8`; a bare address gets /32 or /128). */
  cidr: string;
  /** Address family. */
  family: 'ipv4' | 'ipv6';
  /** Span of the `from` entry. */
  span: Span;
}

/** A rate limit at a port. */
export interface RateLimitIR {
  /** The Filter's name. */
  filter: string;
  /** Requests (or connections) per period. */
  requests: number;
  /** The period, ms. */
  perMs: number;
  /** Burst (bucket size), defaults to `requests`. */
  burst: number;
  /** Per client address or one budget per proxy. */
  by: 'source-ip' | 'global';
  /** The Filter's span. */
  span: Span;
  /** Span of the Filter's `rateLimit.per` value (always set by the lowering): for diagnostics about the limit's time window. */
  perSpan?: Span;
}

/** A JWT requirement at a port. */
export interface JwtIR {
  /** The Filter's name. */
  filter: string;
  /** Required issuer. */
  issuer: string;
  /** Accepted audiences; empty for any. */
  audiences: string[];
  /** The JWKS document's text, as read at build time (public keys). */
  jwks: string;
  /** The jwksFile as the user wrote it. */
  jwksFile: string;
  /** Header the token is read from; `authorization` means `Authorization: Bearer <token>`. */
  fromHeader: string;
  /** Whether requests without a token pass. */
  allowMissing: boolean;
  /** The Filter's span. */
  span: Span;
}

// ---------------------------------------------------------------------------------------------
// Gateways
// ---------------------------------------------------------------------------------------------

/** A gateway with everything resolved. */
export interface GatewayIR {
  /** Its name. */
  name: string;
  /** Labels from metadata. */
  labels: Record<string, string>;
  /** Annotations from metadata. */
  annotations: Record<string, string>;
  /** The proxy that runs it. */
  proxy: 'envoy' | 'haproxy';
  /** Its image (defaults to the sidecar image for that proxy). */
  image: string;
  /** Pods. */
  replicas: number;
  /** Its SPIFFE identity (`…/sa/gateway-<name>`), presented on mTLS into the mesh. */
  identity: string;
  /** Its Kubernetes ServiceAccount (`gateway-<name>`). */
  serviceAccount: string;
  /** Hosts outside Kubernetes that run it, without ports. */
  endpoints: EndpointIR[];
  /** Admin/stats port on 127.0.0.1 (the mesh's sidecar admin port). */
  adminPort: number;
  /** Listeners, in declaration order. */
  listeners: ListenerIR[];
  /** Every cluster its routes send to, sorted by id. */
  clusters: ClusterIR[];
  /** Span of the Gateway resource. */
  span: Span;
}

/** A gateway listener. */
export interface ListenerIR {
  /** Its name. */
  name: string;
  /** Its port. */
  port: number;
  /** Its protocol. */
  protocol: 'http' | 'https' | 'tcp';
  /** Hosts it serves, or empty for every host. */
  hosts: string[];
  /** HTTP only: redirect everything to https. */
  redirectToHttps: boolean;
  /** The https port requests are redirected to (the gateway's first https listener), when redirecting. */
  httpsPort?: number;
  /** TLS termination, present exactly for https. */
  tls?: {
    /** Path of the certificate chain (PEM) inside the proxy's filesystem. */
    certPath: string;
    /** Path of the private key (PEM); equals certPath when one file holds both. */
    keyPath: string;
    /**
     * The key where HAProxy looks for it, `<certPath>.key` (HAProxy 2.6 cannot name a key file on a
     * `bind` line); equals certPath when one file holds both. The Kubernetes target projects the
     * Secret's `tls.key` twice, as `tls.key` and `tls.crt.key`.
     */
    haproxyKeyPath: string;
    /** The Kubernetes Secret mounted for it, when the user named one. */
    secretName?: string;
    /** The mount directory of that Secret, when secretName is set. */
    mountDir?: string;
  };
  /**
   * HTTP/HTTPS: virtual hosts from the Routes attached to this listener, sorted by route name.
   * Empty when no Route attaches (the listener answers 404).
   */
  virtualHosts: VirtualHostIR[];
  /** TCP: the rules of the Route attached to this listener (backends only), or empty. */
  tcpRules: RuleIR[];
  /** The policy at this listener (the gateway's Filters for it). */
  inbound: InboundIR;
  /** Span of the listener. */
  span: Span;
}

/** A set of hosts with its routing table, from one gateway Route. */
export interface VirtualHostIR {
  /** The Route. */
  route: string;
  /** Hosts (exact, `*.suffix` wildcards, or `*`); never empty. */
  hosts: string[];
  /** Rules, first match wins. */
  rules: RuleIR[];
  /** Span of the Route. */
  span: Span;
}
