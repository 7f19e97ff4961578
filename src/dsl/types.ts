/**
 * The meshc language, v1alpha1: the contract with users.
 *
 * These types are the single source of truth for the language. `npm run schema` generates
 * `schemas/meshc.schema.json` from them with meshc's own generator (src/schema/generate.ts), taking
 * each description from the doc comment and these tags:
 *
 * - `@pattern RE`, `@minLength N`, `@maxLength N`: strings
 * - `@minimum N`, `@maximum N`, `@exclusiveMinimum N`, `@integer`: numbers (`@integer` → `"type": "integer"`)
 * - `@minItems N`, `@maxItems N`, `@uniqueItems`: arrays
 * - `@minProperties N`, `@maxProperties N`: maps
 * - `@default VALUE` (JSON), `@example VALUE` (JSON, repeatable): documentation for editors
 * - `@discriminator FIELD` on a union of interfaces: per-variant `if`/`then` branches keyed on FIELD
 * - a `Record<K, V>` whose key type K is an alias with `@pattern` gets `propertyNames`
 *
 * Every object is closed (`additionalProperties: false`).
 *
 * @module
 */

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

/**
 * A DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit,
 * at most 63 characters. Used for every resource, port, version and listener name.
 * @pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$
 * @maxLength 63
 * @example "catalog"
 */
export type Name = string;

/**
 * A duration: a decimal number followed by a unit, `ms`, `s`, `m` or `h`. No bare numbers.
 * @pattern ^[0-9]+(\.[0-9]+)?(ms|s|m|h)$
 * @example "250ms"
 * @example "5s"
 */
export type Duration = string;

/**
 * A TCP port number.
 * @integer
 * @minimum 1
 * @maximum 65535
 */
export type Port = number;

/**
 * A percentage from 0 to 100; fractions allowed (e.g. 0.5).
 * @minimum 0
 * @maximum 100
 */
export type Percent = number;

/**
 * An IPv4 or IPv6 network in CIDR notation, e.g. `10.10.0.0/16` or `fd00::/8`. A bare address is a
 * single host (`/32` or `/128`).
 * @pattern ^(([0-9]{1,3}\.){3}[0-9]{1,3}(/([0-9]|[12][0-9]|3[0-2]))?|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*(/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8]))?)$
 * @example "10.10.0.0/16"
 */
export type Cidr = string;

/**
 * Where an instance runs outside Kubernetes: an IPv4 address, an IPv6 address, or a DNS name. For a
 * service with `sidecar: false` only, `host:port` (IPv6 as `[addr]:port`) gives the port its
 * instances listen on when it differs from what `ports` says.
 * @pattern ^([0-9]{1,3}(\.[0-9]{1,3}){3}(:[0-9]{1,5})?|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*|\[[0-9a-fA-F:.]+\](:[0-9]{1,5})?|[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*(:[0-9]{1,5})?)$
 * @maxLength 261
 * @example "10.0.1.10"
 * @example "catalog-3.internal"
 */
export type Endpoint = string;

/**
 * A DNS host name as clients send it in the Host header or TLS SNI. A leading `*.` matches any one
 * or more labels in its place (`*.example.com`), as in the Gateway API. A lone `*` matches every host.
 * @pattern ^(\*|(\*\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*)$
 * @maxLength 253
 * @example "shop.example.com"
 */
export type Hostname = string;

/**
 * An HTTP header name (an RFC 9110 token), matched case-insensitively; written in lower case.
 * @pattern ^[a-z0-9!#$%&'*+.^_`|~-]+$
 * @maxLength 256
 * @example "x-canary"
 */
export type HeaderName = string;

/**
 * A header value: visible ASCII and spaces, no control characters (RFC 9110 field-value).
 * @pattern ^[\x20-\x7e]*$
 * @maxLength 4096
 */
export type HeaderValue = string;

/**
 * A URL query parameter name.
 * @pattern ^[A-Za-z0-9._~!$'()*+,;:@/?-]+$
 * @maxLength 256
 */
export type QueryName = string;

/**
 * An HTTP request path, or a path prefix: starts with `/`, visible ASCII, no spaces, no `?` or `#`
 * (a path is matched and written without the query string: the proxies differ on a `?` in it).
 * @pattern ^/[\x21\x22\x24-\x3e\x40-\x7e]*$
 * @maxLength 4096
 * @example "/api/v2"
 */
export type HttpPath = string;

/**
 * The target of a request meshc's proxies send themselves (a health check): a path that may carry
 * a query string (`/healthz?full=1`); visible ASCII, no spaces, no `#` (a fragment is never sent).
 * @pattern ^/[\x21\x22\x24-\x7e]*$
 * @maxLength 4096
 * @example "/healthz"
 */
export type HttpRequestTarget = string;

/**
 * A regular expression in the RE2 subset that every proxy understands: no backreferences and no
 * lookaround. Matched against the whole value (anchored), as Envoy's `safe_regex` does.
 * @minLength 1
 * @maxLength 1024
 * @example "^/api/v[0-9]+/.*"
 */
export type Regex = string;

/**
 * An HTTP method token, in upper case.
 * @pattern ^[A-Z]+$
 * @maxLength 32
 * @example "GET"
 */
export type HttpMethod = string;

/**
 * An HTTP status code.
 * @integer
 * @minimum 100
 * @maximum 599
 */
export type HttpStatus = number;

/**
 * A Kubernetes label or annotation key: an optional DNS-subdomain prefix and `/`, then a name of at
 * most 63 characters of alphanumerics, `-`, `_` and `.`.
 * @pattern ^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$
 * @maxLength 317
 */
export type LabelKey = string;

/**
 * A Kubernetes label value: at most 63 alphanumerics, `-`, `_` and `.`, starting and ending with an
 * alphanumeric, or empty.
 * @pattern ^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$
 * @maxLength 63
 */
export type LabelValue = string;

/**
 * A container image reference, e.g. `registry.example.com/catalog:1.4.2` or `name@sha256:…`.
 * @pattern ^[a-z0-9]+([._/:@-][A-Za-z0-9_.-]+)*$
 * @maxLength 512
 * @example "registry.example.com/catalog:1.4.2"
 */
export type Image = string;

/**
 * A Kubernetes resource quantity such as `250m`, `1`, `256Mi` or `1Gi`.
 * @pattern ^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$
 * @example "250m"
 * @example "256Mi"
 */
export type Quantity = string;

/**
 * An environment variable name (C identifier style, as Kubernetes and shells expect).
 * @pattern ^[A-Za-z_][A-Za-z0-9_]*$
 * @maxLength 256
 */
export type EnvName = string;

/**
 * Text handed on as it is — to a process (an environment variable, an argument), or to Kubernetes
 * (an annotation): any characters but NUL, where a C string ends (a container could not be started
 * with it).
 * @pattern ^[^\x00]*$
 */
export type ProcessText = string;

/**
 * A path to a file, relative to the YAML file that names it (or absolute). Printable characters
 * only.
 * @pattern ^[^\x00-\x1f\x7f]+$
 * @maxLength 1024
 */
export type FilePath = string;

/**
 * The name of a meshc target.
 * @pattern ^[a-z][a-z0-9-]*$
 * @maxLength 63
 * @example "haproxy"
 */
export type TargetName = string;

// ---------------------------------------------------------------------------------------------
// Resource envelope
// ---------------------------------------------------------------------------------------------

/** The only API version this compiler reads. */
export type ApiVersion = 'meshc/v1alpha1';

/** The kinds of resource a mesh is made of. */
export type Kind = 'Mesh' | 'Service' | 'Route' | 'Filter' | 'Gateway';

/** Identity and labels of a resource, in the Kubernetes style. */
export interface Metadata {
  /**
   * The resource's name, unique among resources of its kind. A DNS-1123 label.
   * @example "catalog"
   */
  name: Name;
  /**
   * Free-form labels. Copied onto the Kubernetes objects made from this resource. No default:
   * without it, only the labels meshc sets itself.
   * @example {"team": "catalog"}
   */
  labels?: Record<LabelKey, LabelValue>;
  /**
   * Free-form annotations. Copied onto the Kubernetes objects made from this resource. No default:
   * without it, no annotations are copied.
   * @example {"owner": "team-catalog@example.com"}
   */
  annotations?: Record<LabelKey, ProcessText>;
}

// ---------------------------------------------------------------------------------------------
// Shared policies
// ---------------------------------------------------------------------------------------------

/**
 * A condition on which a request is retried.
 * - `5xx`: any 5xx response, or no response at all (reset, timeout)
 * - `gateway-error`: 502, 503 or 504
 * - `reset`: the upstream reset the connection or stream before a response
 * - `connect-failure`: the connection could not be made
 * - `refused-stream`: the upstream refused the HTTP/2 stream (REFUSED_STREAM)
 * - `retriable-4xx`: 409 Conflict
 * - a status code such as `"503"`: exactly that response status
 */
export type RetryOn =
  | '5xx'
  | 'gateway-error'
  | 'reset'
  | 'connect-failure'
  | 'refused-stream'
  | 'retriable-4xx'
  | RetryStatus;

/**
 * An HTTP status code on which to retry, as a string.
 * @pattern ^[1-5][0-9][0-9]$
 * @example "503"
 */
export type RetryStatus = string;

/** How failed requests are retried. */
export interface RetryPolicy {
  /**
   * How many times a request is retried after the first try (0 disables retries).
   * @integer
   * @minimum 0
   * @maximum 10
   * @example 2
   */
  attempts: number;
  /**
   * The timeout of each try, including the first. No default: without it, a try is bounded only
   * by the overall request timeout.
   * @example "2s"
   */
  perTryTimeout?: Duration;
  /**
   * The conditions on which a try is retried.
   * @default ["connect-failure", "refused-stream"]
   * @example ["5xx", "reset"]
   * @example ["gateway-error", "503"]
   * @minItems 1
   * @uniqueItems
   */
  on?: RetryOn[];
}

/** Values inherited by every service and route rule unless they set their own. */
export interface Defaults {
  /**
   * The whole request timeout of HTTP calls, retries included. (TCP ports use an idle timeout of
   * 1h unless the service or the route rule sets `timeout`.) `0s` disables the timeout.
   * @default "15s"
   * @example "30s"
   */
  timeout?: Duration;
  /**
   * How long a proxy waits for a TCP connection to an upstream.
   * @default "1s"
   * @example "250ms"
   */
  connectTimeout?: Duration;
  /**
   * How failed requests are retried.
   * @default {"attempts": 2, "on": ["connect-failure", "refused-stream"]}
   * @example {"attempts": 3, "perTryTimeout": "2s", "on": ["5xx"]}
   */
  retries?: RetryPolicy;
}

// ---------------------------------------------------------------------------------------------
// Mesh
// ---------------------------------------------------------------------------------------------

/** The proxies meshc can configure. */
export type ProxyKind = 'envoy' | 'haproxy';

/** The proxy beside every workload. */
export interface SidecarSettings {
  /**
   * Which proxy the Kubernetes target deploys beside every workload. Both the Envoy and the
   * HAProxy targets emit a sidecar config for every service regardless.
   * @default "envoy"
   */
  proxy?: ProxyKind;
  /**
   * The proxy's container image. Default: `envoyproxy/envoy:v1.31.2` for Envoy,
   * `haproxy:2.6` for HAProxy (whichever `proxy` is).
   * @example "envoyproxy/envoy:v1.31.2"
   */
  image?: Image;
  /**
   * The admin / stats / metrics listener, bound to 127.0.0.1 only.
   * @default 15000
   */
  adminPort?: Port;
  /**
   * The first sidecar port: callers' sidecars reach the i-th port of a service (declaration order,
   * from 0) on `inboundPort + i`, unless that port sets `sidecarPort`.
   * @default 15006
   * @example 16000
   */
  inboundPort?: Port;
}

/** How nftables refuses a packet that no Filter admits. */
export type NftablesRefusal = 'drop' | 'reject';

/** Settings of the nftables target. */
export interface NftablesSettings {
  /**
   * What happens to a refused connection: `drop` (silently; the caller times out, and scanners learn
   * nothing) or `reject` (a TCP reset; callers fail fast).
   * @default "drop"
   */
  refuse?: NftablesRefusal;
}

/** The mesh-wide settings. Exactly one Mesh per mesh. */
export interface MeshSpec {
  /**
   * The Kubernetes namespace of every emitted manifest.
   * @example "shop"
   */
  namespace: Name;
  /**
   * The SPIFFE trust domain: identities are `spiffe://<trustDomain>/ns/<namespace>/sa/<service>`.
   * @pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$
   * @maxLength 253
   * @example "webshop.local"
   */
  trustDomain: string;
  /**
   * Mutual TLS between sidecars: `strict` (only mTLS is accepted), `permissive` (mTLS and plaintext
   * both accepted; callers still use mTLS), `off` (plaintext).
   * @default "strict"
   */
  mtls?: 'strict' | 'permissive' | 'off';
  /**
   * What happens to service-to-service traffic that no `allow` Filter admits.
   * @default "deny"
   */
  defaultAction?: 'deny' | 'allow';
  /**
   * Inherited by every service and route rule unless they set their own. Default: each field's own
   * default (timeout 15s, connect timeout 1s, 2 retries on connect-failure and refused-stream).
   * @example {"timeout": "30s", "retries": {"attempts": 3}}
   */
  defaults?: Defaults;
  /**
   * The proxy beside every workload. Default: each field's own default (Envoy, its default image,
   * admin port 15000, inbound ports from 15006).
   * @example {"proxy": "haproxy"}
   */
  sidecar?: SidecarSettings;
  /**
   * Targets whose unsupported features are acceptable: a feature such a target cannot express is a
   * warning instead of an error (as `--allow-partial TARGET` does on the command line). No default:
   * without it, every feature a target cannot express is an error.
   * @uniqueItems
   * @example ["haproxy"]
   */
  allowPartial?: TargetName[];
  /**
   * Settings of the nftables target.
   * @default {"refuse": "drop"}
   * @example {"refuse": "reject"}
   */
  nftables?: NftablesSettings;
}

/** The mesh-wide settings resource. */
export interface MeshResource {
  /** The API version of the language. */
  apiVersion: ApiVersion;
  /** The resource kind. */
  kind: 'Mesh';
  /** Name and labels. */
  metadata: Metadata;
  /** The mesh-wide settings. */
  spec: MeshSpec;
}

// ---------------------------------------------------------------------------------------------
// Service
// ---------------------------------------------------------------------------------------------

/**
 * A port's application protocol: `http` (HTTP/1.1), `http2` (HTTP/2 with prior knowledge),
 * `grpc` (gRPC over HTTP/2) or `tcp` (opaque bytes).
 */
export type PortProtocol = 'http' | 'http2' | 'grpc' | 'tcp';

/** A port the service's application listens on. */
export interface ServicePort {
  /**
   * The port's name, unique in the service; Routes, Filters and `uses` refer to it.
   * @example "http"
   */
  name: Name;
  /**
   * The port the application listens on (on 127.0.0.1 behind a sidecar).
   * @example 8080
   */
  port: Port;
  /**
   * The application protocol.
   * @default "http"
   */
  protocol?: PortProtocol;
  /**
   * The port on which this service's sidecar accepts callers for this port. Default:
   * `Mesh.spec.sidecar.inboundPort` + the port's index in `ports`.
   * @example 15010
   */
  sidecarPort?: Port;
}

/** Compute resources of the app container (Kubernetes target): requests, also used as limits. */
export interface Resources {
  /**
   * CPU, e.g. `250m`. Requested; the CPU limit is left unset (no throttling), as is common practice.
   * No default: without it, no CPU request is set.
   * @example "250m"
   */
  cpu?: Quantity;
  /**
   * Memory, e.g. `256Mi`. Requested and used as the limit. No default: without it, no memory request
   * or limit is set.
   * @example "256Mi"
   */
  memory?: Quantity;
}

/** The application container (Kubernetes target). */
export interface Workload {
  /**
   * The container image.
   * @example "registry.example.com/catalog:1.4.2"
   */
  image: Image;
  /**
   * How many pods run it (per version, for a service with versions, unless the version says).
   * @integer
   * @minimum 0
   * @maximum 10000
   * @default 1
   */
  replicas?: number;
  /**
   * CPU and memory. No default: without it, the app container has no requests or limits.
   * @example {"cpu": "250m", "memory": "256Mi"}
   */
  resources?: Resources;
  /**
   * Environment variables of the app container. No default: without it, only the image's own.
   * @example {"LOG_LEVEL": "info"}
   */
  env?: Record<EnvName, ProcessText>;
  /**
   * The container's command (its entrypoint). Default: the image's.
   * @example ["/app/server"]
   */
  command?: ProcessText[];
  /**
   * The container's arguments. Default: the image's.
   * @example ["--listen", "127.0.0.1:8080"]
   */
  args?: ProcessText[];
  /**
   * Whether the app can run with a read-only root filesystem (a writable `/tmp` is mounted).
   * @default true
   */
  readOnlyRootFilesystem?: boolean;
  /**
   * The user ID the app runs as (the restricted Pod Security profile forbids root).
   * @integer
   * @minimum 1
   * @default 10001
   */
  runAsUser?: number;
}

/** A subset of a service's instances, for canaries and traffic splits. */
export interface Version {
  /**
   * Labels that select this version's pods (the Kubernetes target adds `version: <name>` itself).
   * No default: without it, only `version: <name>`.
   * @example {"track": "canary"}
   */
  labels?: Record<LabelKey, LabelValue>;
  /**
   * This version's hosts outside Kubernetes (a subset of, or in addition to, the service's). No
   * default: without it, the version runs in Kubernetes (its headless Service); required when the
   * service or any of its versions lists endpoints.
   * @example ["10.0.1.12"]
   */
  endpoints?: Endpoint[];
  /**
   * This version's image (Kubernetes target). Default: `workload.image`.
   * @example "registry.example.com/catalog:1.5.0-rc1"
   */
  image?: Image;
  /**
   * This version's pod count (Kubernetes target). Default: `workload.replicas`, else 1.
   * @integer
   * @minimum 0
   * @maximum 10000
   */
  replicas?: number;
}

/** Balancing policies. */
export type LoadBalancerPolicy = 'round-robin' | 'least-request' | 'random' | 'ring-hash' | 'maglev';

/** Consistent hashing on a cookie; a proxy may set the cookie when the request has none. */
export interface HashOnCookie {
  /**
   * The cookie.
   * @example {"name": "session", "ttl": "1h"}
   */
  cookie: {
    /**
     * The cookie's name.
     * @pattern ^[A-Za-z0-9!#$%&'*+.^_`|~-]+$
     * @maxLength 256
     */
    name: string;
    /**
     * When set, the proxy creates the cookie with this lifetime when a request lacks it. No
     * default: without it, the proxy never creates the cookie.
     * @example "1h"
     */
    ttl?: Duration;
  };
}

/** Consistent hashing on a request header. */
export interface HashOnHeader {
  /**
   * The header whose value picks the endpoint.
   * @example "x-user"
   */
  header: HeaderName;
}

/** What a consistent-hash policy (ring-hash, maglev) hashes on. */
export type HashOn = HashOnHeader | HashOnCookie | 'source-ip';

/** How requests are spread over endpoints. */
export interface LoadBalancer {
  /**
   * The balancing policy. Required inside `loadBalancer`; a service without `loadBalancer` uses
   * `round-robin`.
   * @example "least-request"
   */
  policy: LoadBalancerPolicy;
  /**
   * For `ring-hash` and `maglev` only: what the hash is computed from. No default: required for
   * them, and ignored (with a warning) for the other policies.
   * @example {"header": "x-user"}
   * @example {"cookie": {"name": "session", "ttl": "1h"}}
   * @example "source-ip"
   */
  hashOn?: HashOn;
}

/** Active health checking of endpoints. */
export interface HealthCheck {
  /**
   * An HTTP GET to this path (a query string may follow it) must answer 2xx. No default: without
   * a path, a TCP connect check.
   * @example "/healthz"
   */
  path?: HttpRequestTarget;
  /**
   * Time between checks.
   * @default "5s"
   */
  interval?: Duration;
  /**
   * Time a check may take.
   * @default "1s"
   */
  timeout?: Duration;
  /**
   * Consecutive successes that mark an endpoint healthy.
   * @integer
   * @minimum 1
   * @maximum 100
   * @default 2
   */
  healthyThreshold?: number;
  /**
   * Consecutive failures that mark an endpoint unhealthy.
   * @integer
   * @minimum 1
   * @maximum 100
   * @default 3
   */
  unhealthyThreshold?: number;
}

/** Passive health checking: endpoints that keep failing are ejected for a while. */
export interface OutlierDetection {
  /**
   * Consecutive 5xx responses (or connection failures) that eject an endpoint.
   * @integer
   * @minimum 1
   * @maximum 1000
   * @default 5
   */
  consecutive5xx?: number;
  /**
   * How often ejections are evaluated.
   * @default "10s"
   */
  interval?: Duration;
  /**
   * How long an endpoint stays ejected the first time (it grows with repeated ejections).
   * @default "30s"
   */
  baseEjectionTime?: Duration;
  /**
   * At most this share of the endpoints is ejected at once, in whole percent.
   * @integer
   * @minimum 0
   * @maximum 100
   * @default 10
   */
  maxEjectionPercent?: number;
}

/** Limits that protect a service from overload; excess requests fail fast (503). */
export interface CircuitBreaker {
  /**
   * Connections to all endpoints of the service, from one proxy.
   * @integer
   * @minimum 1
   * @maximum 1000000
   * @default 1024
   */
  maxConnections?: number;
  /**
   * Requests waiting for a connection.
   * @integer
   * @minimum 0
   * @maximum 1000000
   * @default 1024
   */
  maxPendingRequests?: number;
  /**
   * Requests in flight.
   * @integer
   * @minimum 1
   * @maximum 1000000
   * @default 1024
   */
  maxRequests?: number;
  /**
   * Retries in flight.
   * @integer
   * @minimum 0
   * @maximum 1000000
   * @default 3
   */
  maxRetries?: number;
}

/** A dependency: a service this service calls. */
export interface Use {
  /**
   * The called service.
   * @example "orders"
   */
  service: Name;
  /**
   * The called port, by name. Default: the called service's only port; required when it has
   * several.
   * @example "grpc"
   */
  port?: Name;
  /**
   * The app calls the service on `127.0.0.1:<localPort>`. Default: the called port's number.
   * Two entries may not share a local port.
   * @example 9091
   */
  localPort?: Port;
}

/** A service of the mesh and how it is reached. */
export interface ServiceSpec {
  /**
   * The ports the application listens on.
   * @minItems 1
   * @example [{"name": "http", "port": 8080}, {"name": "grpc", "port": 9090, "protocol": "grpc"}]
   */
  ports: ServicePort[];
  /**
   * Whether a proxy runs beside the service. `false` for a database, a legacy or an external
   * system: callers reach its endpoints directly and only nftables protects it.
   * @default true
   */
  sidecar?: boolean;
  /**
   * The application container (Kubernetes target). No default: without it, the Kubernetes target
   * deploys no pods for the service (it runs on its `endpoints`; with neither, a warning).
   * @example {"image": "registry.example.com/catalog:1.4.2", "replicas": 3}
   */
  workload?: Workload;
  /**
   * Hosts that run the service outside Kubernetes. No default: without endpoints, proxies find the
   * instances through the service's headless Kubernetes Services (DNS).
   * @example ["10.0.1.10", "10.0.1.11"]
   */
  endpoints?: Endpoint[];
  /**
   * Named subsets of the instances, for canaries and splits. No default: without versions, a
   * backend reaches all instances.
   * @example {"v1": {"labels": {"version": "v1"}}}
   */
  versions?: Record<Name, Version>;
  /**
   * How requests are spread over the endpoints.
   * @default {"policy": "round-robin"}
   * @example {"policy": "ring-hash", "hashOn": {"header": "x-user"}}
   */
  loadBalancer?: LoadBalancer;
  /**
   * Active health checking. No default: without it, endpoints are not actively checked.
   * @example {"path": "/healthz", "interval": "10s"}
   */
  healthCheck?: HealthCheck;
  /**
   * Passive health checking (ejection of failing endpoints). No default: without it, no endpoint is
   * ejected.
   * @example {"consecutive5xx": 3}
   */
  outlierDetection?: OutlierDetection;
  /**
   * Overload limits. Default: each field's own default (1024 connections, 1024 pending requests,
   * 1024 requests, 3 retries in flight).
   * @example {"maxConnections": 256, "maxRequests": 512}
   */
  circuitBreaker?: CircuitBreaker;
  /**
   * Request timeout for calls to this service (HTTP ports), idle timeout (TCP ports). Default:
   * `Mesh.spec.defaults.timeout` (15s) for HTTP ports, 1h for TCP ports.
   * @example "30s"
   */
  timeout?: Duration;
  /**
   * Connect timeout for calls to this service. Default: `Mesh.spec.defaults.connectTimeout` (1s).
   * @example "500ms"
   */
  connectTimeout?: Duration;
  /**
   * Retries for calls to this service. Default: `Mesh.spec.defaults.retries` (2 attempts on
   * connect-failure and refused-stream).
   * @example {"attempts": 0}
   */
  retries?: RetryPolicy;
  /**
   * What this service calls. Its sidecar gets configuration for these and only these. No default:
   * without it, the sidecar can call no service.
   * @example [{"service": "orders", "port": "grpc"}, {"service": "catalog", "localPort": 9091}]
   */
  uses?: Use[];
}

/** A service of the mesh. */
export interface ServiceResource {
  /** The API version of the language. */
  apiVersion: ApiVersion;
  /** The resource kind. */
  kind: 'Service';
  /** Name and labels. */
  metadata: Metadata;
  /** The service. */
  spec: ServiceSpec;
}

// ---------------------------------------------------------------------------------------------
// Route
// ---------------------------------------------------------------------------------------------

/** The whole path equals this. */
export interface PathExact {
  /** The path. */
  exact: HttpPath;
}
/** The path starts with this string (a string prefix, as in Envoy and Istio). */
export interface PathPrefix {
  /** The prefix. */
  prefix: HttpPath;
}
/** The whole path matches this regular expression. */
export interface PathRegex {
  /** The regular expression (RE2 subset, anchored). */
  regex: Regex;
}
/** A condition on the request path. */
export type PathMatch = PathExact | PathPrefix | PathRegex;

/** The value equals this. */
export interface StringExact {
  /** The value. */
  exact: HeaderValue;
}
/** The value starts with this. */
export interface StringPrefix {
  /** The prefix. */
  prefix: HeaderValue;
}
/** The whole value matches this regular expression. */
export interface StringRegex {
  /** The regular expression (RE2 subset, anchored). */
  regex: Regex;
}
/** The header or parameter is present (any value), or absent with `present: false`. */
export interface StringPresent {
  /** Whether it must be present. */
  present: boolean;
}
/** A condition on a header or query parameter value. */
export type StringMatch = StringExact | StringPrefix | StringRegex | StringPresent;

/** Conditions on a request; all given conditions must hold. */
export interface Match {
  /**
   * The request path (without the query string). No default: without it, any path.
   * @example {"prefix": "/api/"}
   * @example {"exact": "/healthz"}
   */
  path?: PathMatch;
  /**
   * Request headers, by lower-case name. No default: without it, any headers.
   * @example {"x-canary": {"exact": "true"}}
   */
  headers?: Record<HeaderName, StringMatch>;
  /**
   * Query parameters, by name. No default: without it, any query.
   * @example {"debug": {"exact": "1"}}
   */
  query?: Record<QueryName, StringMatch>;
  /**
   * The request method is one of these. No default: without it, any method.
   * @minItems 1
   * @uniqueItems
   * @example ["GET", "HEAD"]
   */
  methods?: HttpMethod[];
}

/** A destination of traffic: a service, optionally one version of it. */
export interface Backend {
  /**
   * The service.
   * @example "catalog"
   */
  service: Name;
  /**
   * One of its versions. No default: without it, all its instances.
   * @example "v2"
   */
  version?: Name;
  /**
   * The service's port, by name. Default: the route's port when it is the same service, or the
   * service's only port (required when it has several).
   * @example "http"
   */
  port?: Name;
  /**
   * The share of traffic, relative to the rule's other backends. Non-negative; at least one backend
   * of a rule has a positive weight.
   * @integer
   * @minimum 0
   * @maximum 1000000
   * @default 1
   * @example 90
   */
  weight?: number;
}

/** Answer with a redirect instead of forwarding. */
export interface Redirect {
  /** The new scheme. Default: the request's. */
  scheme?: 'http' | 'https';
  /**
   * The new host. Default: the request's.
   * @example "www.example.com"
   */
  host?: Hostname;
  /**
   * The new port. Default: the scheme's default port when the scheme changes, else unchanged.
   * @example 8443
   */
  port?: Port;
  /**
   * The new path. Default: the request's.
   * @example "/new-shop"
   */
  path?: HttpPath;
  /**
   * The status code.
   * @default 302
   * @example 301
   */
  status?: 301 | 302 | 303 | 307 | 308;
}

/** Answer directly instead of forwarding. */
export interface DirectResponse {
  /**
   * The status code.
   * @example 503
   */
  status: HttpStatus;
  /**
   * The response body (text).
   * @default ""
   * @example "down for maintenance"
   * @maxLength 4096
   */
  body?: string;
  /**
   * The body's content type.
   * @default "text/plain"
   * @example "application/json"
   * @pattern ^[A-Za-z0-9!#$%&'*+.^_`|~-]+/[A-Za-z0-9!#$%&'*+.^_`|~-]+(; ?[A-Za-z0-9!#$%&'*+.^_`|~-]+=[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$
   * @maxLength 256
   */
  contentType?: string;
}

/** Replace the matched path prefix with another. */
export interface PathRewritePrefix {
  /**
   * The replacement for the prefix that the rule's `match.path.prefix` matched.
   * @example "/api"
   */
  prefix: HttpPath;
}
/** Rewrite the path with a regular expression substitution. */
export interface PathRewriteRegex {
  /** The substitution. */
  regex: {
    /**
     * The regular expression (RE2 subset), matched against the whole path.
     * @example "^/v1/(.*)$"
     */
    pattern: Regex;
    /**
     * The replacement; `\1`… refer to capture groups.
     * @example "/v2/\\1"
     * @pattern ^[\x21-\x7e]*$
     * @maxLength 1024
     */
    substitution: string;
  };
}
/** Replace the whole path. */
export interface PathRewriteFull {
  /**
   * The new path.
   * @example "/index.html"
   */
  full: HttpPath;
}
/** A path rewrite. */
export type PathRewrite = PathRewritePrefix | PathRewriteRegex | PathRewriteFull;

/** Rewrites of the request before it is forwarded. */
export interface Rewrite {
  /**
   * A new path. No default: without it, the path is forwarded unchanged.
   * @example {"prefix": "/"}
   * @example {"full": "/index.html"}
   */
  path?: PathRewrite;
  /**
   * A new Host header (authority). No default: without it, the Host header is forwarded unchanged.
   * @example "catalog.internal"
   */
  host?: Hostname;
}

/** Header changes. */
export interface HeaderOps {
  /**
   * Set these headers, replacing any value. No default: without it, none set.
   * @example {"x-env": "prod"}
   */
  set?: Record<HeaderName, HeaderValue>;
  /**
   * Add these headers, keeping existing values. No default: without it, none added.
   * @example {"via": "meshc"}
   */
  add?: Record<HeaderName, HeaderValue>;
  /**
   * Remove these headers. No default: without it, none removed.
   * @uniqueItems
   * @example ["x-debug", "server"]
   */
  remove?: HeaderName[];
}

/** Header changes on the request (towards the backend) and the response (towards the client). */
export interface HeaderModifiers {
  /**
   * Changes to the request. No default: without it, the request headers are forwarded unchanged.
   * @example {"set": {"x-env": "prod"}, "remove": ["x-debug"]}
   */
  request?: HeaderOps;
  /**
   * Changes to the response. No default: without it, the response headers are returned unchanged.
   * @example {"remove": ["server"]}
   */
  response?: HeaderOps;
}

/** Copy a share of requests to another backend; its responses are discarded. */
export interface Mirror {
  /**
   * The service.
   * @example "catalog"
   */
  service: Name;
  /**
   * One of its versions. No default: without it, all its instances.
   * @example "v2"
   */
  version?: Name;
  /**
   * The service's port. Default: as for backends (the route's port when it is the same service,
   * or the service's only port).
   * @example "http"
   */
  port?: Name;
  /**
   * The share of requests mirrored.
   * @default 100
   * @example 10
   */
  percent?: Percent;
}

/** Injected failures, for testing resilience. */
export interface Fault {
  /**
   * Delay a share of requests. No default: without it, no request is delayed.
   * @example {"duration": "2s", "percent": 10}
   */
  delay?: {
    /**
     * How long (more than 0).
     * @example "2s"
     */
    duration: Duration;
    /**
     * The share of requests delayed.
     * @example 10
     */
    percent: Percent;
  };
  /**
   * Fail a share of requests. No default: without it, no request is failed.
   * @example {"status": 503, "percent": 5}
   */
  abort?: {
    /**
     * The status code returned.
     * @example 503
     */
    status: HttpStatus;
    /**
     * The share of requests failed.
     * @example 5
     */
    percent: Percent;
  };
}

/** Cross-origin resource sharing: preflight answers and response headers. */
export interface Cors {
  /**
   * Allowed origins, exactly (`https://shop.example.com`) or `*`.
   * @minItems 1
   * @example ["https://shop.example.com"]
   */
  allowOrigins: CorsOrigin[];
  /**
   * Allowed methods. No default: without it, no `Access-Control-Allow-Methods` header is sent.
   * @example ["GET", "POST"]
   */
  allowMethods?: HttpMethod[];
  /**
   * Allowed request headers. No default: without it, none.
   * @example ["authorization", "content-type"]
   */
  allowHeaders?: HeaderName[];
  /**
   * Response headers the browser may read. No default: without it, none.
   * @example ["x-request-id"]
   */
  exposeHeaders?: HeaderName[];
  /**
   * How long the browser may cache the preflight answer. No default: without it, no
   * `Access-Control-Max-Age` header is sent (the browser's own limit applies).
   * @example "10m"
   */
  maxAge?: Duration;
  /**
   * Whether the browser may send credentials.
   * @default false
   */
  allowCredentials?: boolean;
}

/**
 * A CORS origin: `scheme://host[:port]`, or `*`.
 * @pattern ^(\*|https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?)$
 * @maxLength 512
 */
export type CorsOrigin = string;

/** One routing rule: a match and one action. */
export interface RouteRule {
  /**
   * An optional name, shown in diagnostics and stats. Default: `<route name>-<index>` (index from 0).
   * @example "canary"
   */
  name?: Name;
  /**
   * The conditions. No default: without a match, the rule matches every request. TCP ports take no
   * match.
   * @example {"headers": {"x-canary": {"exact": "true"}}}
   */
  match?: Match;
  /**
   * Forward to these backends, weighted. No default: set exactly one of `backends`, `redirect` and
   * `directResponse`.
   * @minItems 1
   * @example [{"service": "catalog", "version": "v1", "weight": 90}, {"service": "catalog", "version": "v2", "weight": 10}]
   */
  backends?: Backend[];
  /**
   * Answer with a redirect. No default: set exactly one of `backends`, `redirect` and
   * `directResponse`.
   * @example {"scheme": "https", "status": 301}
   */
  redirect?: Redirect;
  /**
   * Answer directly. No default: set exactly one of `backends`, `redirect` and `directResponse`.
   * @example {"status": 404, "body": "not found"}
   */
  directResponse?: DirectResponse;
  /**
   * Request timeout (HTTP) or idle timeout (TCP). Default: the service's (for a gateway route, the
   * first backend's service), then for HTTP `Mesh.spec.defaults.timeout` (15s); for TCP 1h.
   * @example "5s"
   */
  timeout?: Duration;
  /**
   * Retries (HTTP forwarding rules). Default: the service's (for a gateway route, the first
   * backend's service), then `Mesh.spec.defaults.retries` (2 attempts on connect-failure and
   * refused-stream).
   * @example {"attempts": 3, "on": ["5xx"]}
   */
  retries?: RetryPolicy;
  /**
   * Path and host rewrites. No default: without it, the request is forwarded unchanged.
   * @example {"path": {"prefix": "/"}}
   */
  rewrite?: Rewrite;
  /**
   * Header changes. No default: without it, headers are passed unchanged.
   * @example {"request": {"set": {"x-env": "prod"}}}
   */
  headers?: HeaderModifiers;
  /**
   * Mirrored traffic. No default: without it, nothing is mirrored.
   * @example {"service": "catalog", "version": "v2", "percent": 10}
   */
  mirror?: Mirror;
  /**
   * Injected faults. No default: without it, none.
   * @example {"abort": {"status": 503, "percent": 5}}
   */
  fault?: Fault;
  /**
   * CORS. No default: without it, the proxy adds no CORS handling.
   * @example {"allowOrigins": ["https://shop.example.com"], "allowMethods": ["GET"]}
   */
  cors?: Cors;
}

/**
 * How traffic addressed to a service (inside the mesh) or arriving at a gateway (the edge) is
 * steered. Rules are tried in order; the first match wins.
 */
export interface RouteSpec {
  /**
   * The service whose traffic this route steers. No default: set exactly one of `service` and
   * `gateway`.
   * @example "catalog"
   */
  service?: Name;
  /**
   * The gateway whose traffic this route steers. No default: set exactly one of `service` and
   * `gateway`.
   * @example "edge"
   */
  gateway?: Name;
  /**
   * For a gateway route: the hosts it serves. Default: the listener's hosts, or every host.
   * @uniqueItems
   * @example ["shop.example.com"]
   */
  hosts?: Hostname[];
  /**
   * For a service route: the service's port. Default: the service's only port (required when it
   * has several). For a gateway route: the listener. Default: every HTTP/HTTPS listener whose hosts
   * overlap.
   * @example "http"
   */
  port?: Name;
  /**
   * The rules, tried in order.
   * @minItems 1
   * @example [{"match": {"path": {"prefix": "/api/"}}, "backends": [{"service": "api"}]}, {"backends": [{"service": "web"}]}]
   */
  rules: RouteRule[];
}

/** A routing table for a service or a gateway. */
export interface RouteResource {
  /** The API version of the language. */
  apiVersion: ApiVersion;
  /** The resource kind. */
  kind: 'Route';
  /** Name and labels. */
  metadata: Metadata;
  /** The route. */
  spec: RouteSpec;
}

// ---------------------------------------------------------------------------------------------
// Filter
// ---------------------------------------------------------------------------------------------

/** The service a filter protects. */
export interface ServiceRef {
  /**
   * The service.
   * @example "orders"
   */
  service: Name;
}
/** The gateway a filter protects. */
export interface GatewayRef {
  /**
   * The gateway.
   * @example "edge"
   */
  gateway: Name;
}
/** What a filter protects. */
export type FilterTarget = ServiceRef | GatewayRef;

/** Traffic from a network. */
export interface CidrSource {
  /**
   * The network.
   * @example "10.0.0.0/8"
   */
  cidr: Cidr;
}
/** Who traffic comes from: a service (its mTLS identity; its endpoints for nftables), a gateway, or a network. */
export type Source = ServiceRef | GatewayRef | CidrSource;

/** L7 conditions of an allow or deny filter. */
export interface HttpConditions {
  /**
   * The request method is one of these. No default: without it, any method.
   * @minItems 1
   * @uniqueItems
   * @example ["GET", "HEAD"]
   */
  methods?: HttpMethod[];
  /**
   * The request path is one of these; a trailing `*` makes a prefix (`/orders/*`). No default:
   * without it, any path.
   * @minItems 1
   * @uniqueItems
   * @example ["/orders/*", "/healthz"]
   */
  paths?: FilterPath[];
}

/**
 * A path, or a prefix ending in `*` (visible ASCII, no `?` or `#`: paths are matched without the query string).
 * @pattern ^/[\x21\x22\x24-\x29\x2b-\x3e\x40-\x7e]*\*?$
 * @maxLength 4096
 * @example "/orders/*"
 */
export type FilterPath = string;

/** Fields shared by every filter type. */
export interface FilterCommon {
  /**
   * The service or gateway protected.
   * @example {"service": "orders"}
   * @example {"gateway": "edge"}
   */
  target: FilterTarget;
  /**
   * The target's ports (a service's ports, a gateway's listeners), by name. Default: all.
   * @minItems 1
   * @uniqueItems
   * @example ["http"]
   */
  ports?: Name[];
}

/** Admit matching traffic. */
export interface AllowFilterSpec extends FilterCommon {
  /** The filter type. */
  type: 'allow';
  /**
   * Who is admitted (any entry matches). Default: every source.
   * @minItems 1
   * @example [{"service": "frontend"}, {"gateway": "edge"}, {"cidr": "10.0.0.0/8"}]
   */
  from?: Source[];
  /**
   * L7 conditions (HTTP ports only); the L4 part is still enforced where L7 is not. No default:
   * without it, every request of an admitted source.
   * @example {"methods": ["GET"], "paths": ["/orders/*"]}
   */
  http?: HttpConditions;
}

/** Refuse matching traffic; a deny wins over any allow. */
export interface DenyFilterSpec extends FilterCommon {
  /** The filter type. */
  type: 'deny';
  /**
   * Who is refused (any entry matches). Default: every source.
   * @minItems 1
   * @example [{"cidr": "192.0.2.0/24"}]
   */
  from?: Source[];
  /**
   * L7 conditions (HTTP ports only). No default: without it, every request of a refused source.
   * @example {"paths": ["/admin/*"]}
   */
  http?: HttpConditions;
}

/** A rate limit. */
export interface RateLimit {
  /**
   * Requests (HTTP) or new connections (TCP, nftables) admitted per `per`.
   * @integer
   * @minimum 1
   * @maximum 1000000000
   * @example 100
   */
  requests: number;
  /**
   * The period.
   * @example "1s"
   */
  per: Duration;
  /**
   * How many may arrive at once above the steady rate. Default: `requests`.
   * @integer
   * @minimum 1
   * @maximum 1000000000
   * @example 200
   */
  burst?: number;
  /**
   * `source-ip`: a separate budget per client address; `global`: one budget per proxy instance.
   * @default "global"
   */
  by?: 'source-ip' | 'global';
}

/** Limit the rate of requests; excess HTTP requests get 429. */
export interface RateLimitFilterSpec extends FilterCommon {
  /** The filter type. */
  type: 'rateLimit';
  /**
   * The limit.
   * @example {"requests": 100, "per": "1s", "by": "source-ip"}
   */
  rateLimit: RateLimit;
}

/** JSON Web Token validation. */
export interface Jwt {
  /**
   * The required `iss` claim.
   * @pattern ^[\x21-\x7e]+$
   * @maxLength 1024
   * @example "https://auth.example.com"
   */
  issuer: string;
  /**
   * Accepted `aud` values; any one must be present. Default: any audience.
   * @example ["shop"]
   */
  audiences?: JwtAudience[];
  /**
   * A JSON Web Key Set file with the issuer's public keys, relative to this YAML file. Read at build
   * time and embedded in the configs (public keys only).
   * @example "jwks.json"
   */
  jwksFile: FilePath;
  /**
   * Where the token is read from. Default: the `Authorization: Bearer` header.
   * @default "authorization"
   * @example "x-id-token"
   */
  fromHeader?: HeaderName;
  /**
   * Whether requests without a token pass (tokens that are present must still be valid).
   * @default false
   */
  allowMissing?: boolean;
}

/**
 * A JWT audience value.
 * @pattern ^[\x21-\x7e]+$
 * @maxLength 1024
 */
export type JwtAudience = string;

/** Require a valid JWT; refused requests get 401. */
export interface JwtFilterSpec extends FilterCommon {
  /** The filter type. */
  type: 'jwt';
  /**
   * How tokens are validated.
   * @example {"issuer": "https://auth.example.com", "jwksFile": "jwks.json", "audiences": ["shop"]}
   */
  jwt: Jwt;
}

/**
 * What traffic may reach a service or gateway, and how much of it.
 * @discriminator type
 */
export type FilterSpec = AllowFilterSpec | DenyFilterSpec | RateLimitFilterSpec | JwtFilterSpec;

/** An access or rate-limit policy. */
export interface FilterResource {
  /** The API version of the language. */
  apiVersion: ApiVersion;
  /** The resource kind. */
  kind: 'Filter';
  /** Name and labels. */
  metadata: Metadata;
  /** The filter. */
  spec: FilterSpec;
}

// ---------------------------------------------------------------------------------------------
// Gateway
// ---------------------------------------------------------------------------------------------

/** TLS termination at a gateway listener. Set exactly one of `certificateFile` and `secretName`. */
export interface ListenerTls {
  /**
   * A PEM file with the certificate chain followed by its private key, at this path on the
   * gateway's host (outside Kubernetes): absolute, or relative to `/etc/meshc`, the directory of
   * meshc's files on every proxy host (`certs/shop.pem` is `/etc/meshc/certs/shop.pem`). Never
   * read by meshc: only the path is written. No default: set exactly one of `certificateFile` and
   * `secretName`.
   * @pattern ^/?[^/\x00-\x1f\x7f]{1,255}(/[^/\x00-\x1f\x7f]{1,255})*$
   * @maxLength 1024
   * @example "/etc/ssl/private/shop.pem"
   */
  certificateFile?: string;
  /**
   * A Kubernetes TLS Secret (`tls.crt`, `tls.key`) in the mesh's namespace, mounted into the
   * gateway's pods. No default: set exactly one of `certificateFile` and `secretName`.
   * @example "shop-tls"
   */
  secretName?: Name;
}

/** A port a gateway accepts traffic on. */
export interface Listener {
  /**
   * The listener's name, unique in the gateway.
   * @example "https"
   */
  name: Name;
  /**
   * The port.
   * @example 443
   */
  port: Port;
  /** `http`, `https` (TLS terminated here) or `tcp` (forwarded as bytes). */
  protocol: 'http' | 'https' | 'tcp';
  /**
   * The hosts served. Default: every host.
   * @uniqueItems
   * @example ["shop.example.com", "*.shop.example.com"]
   */
  hosts?: Hostname[];
  /**
   * HTTP only: answer every request with a redirect to https on the gateway's https listener.
   * @default false
   */
  redirectToHttps?: boolean;
  /**
   * HTTPS only: the certificate. No default: required on `https` listeners, refused on the others.
   * @example {"secretName": "shop-tls"}
   * @example {"certificateFile": "/etc/ssl/private/shop.pem"}
   */
  tls?: ListenerTls;
}

/** A gateway: the edge of the mesh, where outside traffic enters. */
export interface GatewaySpec {
  /** The proxy that runs the gateway. */
  proxy: ProxyKind;
  /**
   * Pods (Kubernetes target).
   * @integer
   * @minimum 0
   * @maximum 10000
   * @default 2
   */
  replicas?: number;
  /**
   * The proxy image (Kubernetes target). Default: `Mesh.spec.sidecar.image` when `proxy` is the
   * sidecar proxy, else that proxy's default image (`envoyproxy/envoy:v1.31.2`, `haproxy:2.6`).
   * @example "haproxy:2.8"
   */
  image?: Image;
  /**
   * Hosts outside Kubernetes that run the gateway (nftables). No default: without it, the gateway
   * runs only in Kubernetes and nftables knows no address for it.
   * @example ["203.0.113.10"]
   */
  endpoints?: Endpoint[];
  /**
   * The listeners.
   * @minItems 1
   * @example [{"name": "web", "port": 80, "protocol": "http", "redirectToHttps": true}, {"name": "https", "port": 443, "protocol": "https", "tls": {"secretName": "shop-tls"}}]
   */
  listeners: Listener[];
}

/** A gateway resource. */
export interface GatewayResource {
  /** The API version of the language. */
  apiVersion: ApiVersion;
  /** The resource kind. */
  kind: 'Gateway';
  /** Name and labels. */
  metadata: Metadata;
  /** The gateway. */
  spec: GatewaySpec;
}

/**
 * One document of a mesh: a resource of one of the five kinds.
 * @discriminator kind
 */
export type Resource = MeshResource | ServiceResource | RouteResource | FilterResource | GatewayResource;
