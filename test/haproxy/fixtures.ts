/**
 * Fixture meshes for the HAProxy tests, as DSL text (they go through the whole pipeline to the IR).
 * Ports are parameters: the integration tests pass random free ports on 127.0.0.1.
 */

/** Ports of the routing fixture. */
export interface RoutingPorts {
  admin: number;
  /** The caller's outbound listener for `api`. */
  apiLocal: number;
  /** The caller's outbound listener for `hc` (health-check takedown). */
  hcLocal: number;
  /** The caller's own ports (app, sidecar): unused by traffic but must not collide. */
  webApp: number;
  webSidecar: number;
  /** api v1 servers a and b, v2 server c. */
  a: number;
  b: number;
  c: number;
  /** hc servers. */
  h1: number;
  h2: number;
}

/** A caller `web` whose sidecar routes to `api` (no sidecar, versions v1/v2 on 127.0.0.1) with every rule feature. */
export function routingMesh(p: RoutingPorts): Record<string, string> {
  return {
    'mesh.yaml': `
apiVersion: meshc/v1alpha1
kind: Mesh
metadata: { name: t }
spec:
  namespace: t
  trustDomain: t.local
  mtls: off
  defaultAction: allow
  sidecar: { proxy: haproxy, adminPort: ${p.admin} }
`,
    'services.yaml': `
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: web }
spec:
  ports: [{ name: http, port: ${p.webApp}, sidecarPort: ${p.webSidecar} }]
  uses:
    - { service: api, localPort: ${p.apiLocal} }
    - { service: hc, localPort: ${p.hcLocal} }
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: api }
spec:
  sidecar: false
  ports: [{ name: http, port: 80 }]
  endpoints: ["127.0.0.1:${p.a}", "127.0.0.1:${p.b}", "127.0.0.1:${p.c}"]
  versions:
    v1: { endpoints: ["127.0.0.1:${p.a}", "127.0.0.1:${p.b}"] }
    v2: { endpoints: ["127.0.0.1:${p.c}"] }
  timeout: 5s
  retries: { attempts: 0 }
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: hc }
spec:
  sidecar: false
  ports: [{ name: http, port: 80 }]
  endpoints: ["127.0.0.1:${p.h1}", "127.0.0.1:${p.h2}"]
  healthCheck: { path: /healthz, interval: 100ms, timeout: 100ms, healthyThreshold: 1, unhealthyThreshold: 1 }
  retries: { attempts: 0 }
`,
    'route.yaml': `
apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: api }
spec:
  service: api
  rules:
    - name: by-header
      match: { headers: { x-version: { exact: v2 } } }
      backends: [{ service: api, version: v2 }]
    - name: by-brace
      match: { headers: { x-brace: { exact: "}" } } }
      backends: [{ service: api, version: v2 }]
    - name: by-brace-prefix
      match: { headers: { x-brace-prefix: { prefix: "}" } } }
      backends: [{ service: api, version: v2 }]
    - name: by-brace-query
      match: { query: { brace: { exact: "}" } } }
      backends: [{ service: api, version: v2 }]
    - name: by-path
      match: { path: { exact: /v2-only } }
      backends: [{ service: api, version: v2 }]
    - name: by-method
      match: { path: { prefix: /submit }, methods: [POST] }
      backends: [{ service: api, version: v2 }]
    - name: by-query
      match: { query: { canary: { exact: "1" } } }
      backends: [{ service: api, version: v2 }]
    - name: by-regex
      match: { path: { regex: "/items/[0-9]+" } }
      backends: [{ service: api, version: v2 }]
    - name: split
      match: { path: { prefix: /split } }
      backends:
        - { service: api, version: v1, weight: 90 }
        - { service: api, version: v2, weight: 10 }
    - name: retry
      match: { path: { prefix: /retry } }
      backends: [{ service: api, version: v1 }]
      retries: { attempts: 2, on: ["503"] }
    - name: moved
      match: { path: { prefix: /old } }
      redirect: { path: /new, status: 301 }
    - name: moved-host
      match: { path: { exact: /elsewhere } }
      redirect: { scheme: https, host: other.example.com, port: 8443, status: 308 }
    - name: ping
      match: { path: { exact: /ping } }
      directResponse: { status: 200, body: "pong %[src] 'quoted' \\"dq\\" # not a comment" }
    - name: teapot
      match: { path: { exact: /teapot } }
      directResponse: { status: 418, body: "", contentType: text/plain }
    - name: headers
      match: { path: { prefix: /headers } }
      backends: [{ service: api, version: v1 }]
      headers:
        request: { set: { x-added: "set by meshc %[src] 50%" }, add: { x-appended: two }, remove: [x-remove] }
        response: { set: { x-resp: "r 'v'" }, remove: [x-server-name] }
    - name: rewrite
      match: { path: { prefix: /rewrite/ } }
      backends: [{ service: api, version: v1 }]
      rewrite: { path: { prefix: /rewritten/ }, host: rewritten.internal }
    - name: cors
      match: { path: { prefix: /cors } }
      backends: [{ service: api, version: v1 }]
      cors: { allowOrigins: [https://app.example.com], allowMethods: [GET, PUT], allowHeaders: [x-token], exposeHeaders: [x-server-name], maxAge: 10m }
    - name: abort
      match: { path: { prefix: /abort } }
      backends: [{ service: api, version: v1 }]
      fault: { abort: { status: 503, percent: 100 } }
    - name: abort-some
      match: { path: { prefix: /sometimes } }
      backends: [{ service: api, version: v1 }]
      fault: { abort: { status: 502, percent: 30 } }
    - name: default
      backends: [{ service: api, version: v1 }]
`,
  };
}

/** Ports of the inbound-policy fixture. */
export interface PolicyPorts {
  admin: number;
  app: number;
  appLimited: number;
  appJwt: number;
  sidecar: number;
  sidecarLimited: number;
  sidecarJwt: number;
}

/** A service `guarded` whose sidecar enforces deny/allow, a rate limit and JWT, called directly on 127.0.0.1. */
export function policyMesh(p: PolicyPorts, jwksPath: string): Record<string, string> {
  return {
    'mesh.yaml': `
apiVersion: meshc/v1alpha1
kind: Mesh
metadata: { name: t }
spec:
  namespace: t
  trustDomain: t.local
  mtls: off
  defaultAction: deny
  sidecar: { proxy: haproxy, adminPort: ${p.admin} }
`,
    'guarded.yaml': `
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: guarded }
spec:
  endpoints: [127.0.0.1]
  healthCheck: { path: /healthz }
  ports:
    - { name: http, port: ${p.app}, sidecarPort: ${p.sidecar} }
    - { name: limited, port: ${p.appLimited}, sidecarPort: ${p.sidecarLimited} }
    - { name: jwt, port: ${p.appJwt}, sidecarPort: ${p.sidecarJwt} }
---
apiVersion: meshc/v1alpha1
kind: Filter
metadata: { name: no-admin }
spec:
  target: { service: guarded }
  ports: [http]
  type: deny
  http: { paths: [/admin/*] }
---
apiVersion: meshc/v1alpha1
kind: Filter
metadata: { name: local-ok }
spec:
  target: { service: guarded }
  ports: [http]
  type: allow
  from: [{ cidr: 127.0.0.0/8 }]
  http: { paths: [/ok, /ok/*, /admin/*], methods: [GET] }
---
apiVersion: meshc/v1alpha1
kind: Filter
metadata: { name: anyone-limited }
spec:
  target: { service: guarded }
  ports: [limited, jwt]
  type: allow
---
apiVersion: meshc/v1alpha1
kind: Filter
metadata: { name: limit }
spec:
  target: { service: guarded }
  ports: [limited]
  type: rateLimit
  rateLimit: { requests: 5, per: 1m, by: source-ip }
---
apiVersion: meshc/v1alpha1
kind: Filter
metadata: { name: token }
spec:
  target: { service: guarded }
  ports: [jwt]
  type: jwt
  jwt: { issuer: "https://issuer.example.com/'q'", audiences: [shop, "other'aud#%[src]"], jwksFile: ${JSON.stringify(jwksPath)} }
`,
  };
}

/** Ports of the mTLS fixture. */
export interface MtlsPorts {
  adminClient: number;
  adminServer: number;
  clientApp: number;
  clientSidecar: number;
  clientLocal: number;
  serverApp: number;
  serverSidecar: number;
}

/** `client` calls `server` through both sidecars over mTLS; only `client` is allowed. */
export function mtlsMesh(p: MtlsPorts): Record<string, string> {
  return {
    'mesh.yaml': `
apiVersion: meshc/v1alpha1
kind: Mesh
metadata: { name: t }
spec:
  namespace: ns
  trustDomain: t.local
  mtls: strict
  defaultAction: deny
  sidecar: { proxy: haproxy, adminPort: ${p.adminClient} }
`,
    'services.yaml': `
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: client }
spec:
  endpoints: [127.0.0.1]
  ports: [{ name: http, port: ${p.clientApp}, sidecarPort: ${p.clientSidecar} }]
  uses: [{ service: server, localPort: ${p.clientLocal} }]
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: server }
spec:
  endpoints: [127.0.0.1]
  ports: [{ name: http, port: ${p.serverApp}, sidecarPort: ${p.serverSidecar} }]
  healthCheck: { path: /healthz, interval: 1s }
---
apiVersion: meshc/v1alpha1
kind: Filter
metadata: { name: server-access }
spec:
  target: { service: server }
  type: allow
  from: [{ service: client }]
`,
  };
}

/**
 * The smallest HAProxy mesh with a call: `web` uses `api` (default allow, Kubernetes workloads),
 * with `apiSpec` lines added to api's spec and `more` documents after it.
 */
export function webCallsApi(apiSpec = '', more = ''): Record<string, string> {
  return {
    'mesh.yaml': `apiVersion: meshc/v1alpha1
kind: Mesh
metadata: { name: m }
spec: { namespace: ns, trustDomain: td.local, defaultAction: allow, sidecar: { proxy: haproxy } }
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: web }
spec:
  ports: [ { name: http, port: 8080 } ]
  workload: { image: web:1 }
  uses: [ { service: api, localPort: 9000 } ]
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: api }
spec:
  ports: [ { name: http, port: 8080 } ]
  workload: { image: api:1 }
${apiSpec}${more}`,
  };
}
