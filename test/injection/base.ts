/**
 * The injection tests' base mesh: a small mesh in which every user string that reaches an output
 * is written exactly once, as a marker `@@NAME@@` in a known file at a known line and column, and
 * the table of those fields with a harmless value each and how a hostile value is fitted into the
 * field's expected shape (a path starts with `/`, an origin with `https://`…), so that what is
 * tested is the hostile characters, not a missing prefix.
 * @module
 */

/** Where a field's value goes and what it looks like. */
export interface Field {
  /** The marker in the template (`@@ID@@`). */
  id: string;
  /** What the field is, for reports: the DSL path. */
  path: string;
  /** A harmless value. */
  harmless: string;
  /** Fits a hostile string into the field's shape. */
  wrap: (hostile: string) => string;
  /** The marker is a mapping key (the diagnostic points at the key). */
  key?: boolean;
  /** The value goes into the JWKS file (JSON) instead of YAML; refusals point at `jwksFile`. */
  jwks?: boolean;
  /** The value is part of emitted file names (compare files under the harmless name). */
  inFileNames?: boolean;
  /** Why the field reaches only the IR target (the reach test accepts that). */
  irOnly?: string;
  /** A second harmless value, to show that the field reaches an output. Default: `wrap('zq')`. */
  alt?: string;
}

const same = (s: string): string => s;
const path = (s: string): string => '/' + s;
const header = (s: string): string => 'x-' + s;

/** Every field, in template order. */
export const FIELDS: Field[] = [
  // Mesh
  { id: 'NAMESPACE', path: 'Mesh spec.namespace', harmless: 'shop', wrap: same, inFileNames: true },
  { id: 'TRUST_DOMAIN', path: 'Mesh spec.trustDomain', harmless: 'shop.local', wrap: (s) => 'a.' + s },
  { id: 'SIDECAR_IMAGE', path: 'Mesh spec.sidecar.image', harmless: 'envoyproxy/envoy:v1.31.2', wrap: (s) => 'envoy:' + s },
  // Service web
  { id: 'LABEL_KEY', path: 'Service metadata.labels key', harmless: 'tier', wrap: same, key: true },
  { id: 'LABEL_VALUE', path: 'Service metadata.labels value', harmless: 'web', wrap: same },
  { id: 'ANNOTATION_KEY', path: 'Service metadata.annotations key', harmless: 'example.com/owner', wrap: (s) => 'example.com/' + s, key: true },
  { id: 'ANNOTATION_VALUE', path: 'Service metadata.annotations value', harmless: 'web team', wrap: same },
  { id: 'IMAGE', path: 'Service spec.workload.image', harmless: 'registry.example.com/web:1.0', wrap: (s) => 'registry.example.com/web:' + s },
  { id: 'CPU', path: 'Service spec.workload.resources.cpu', harmless: '250m', wrap: (s) => '1' + s, alt: '500m' },
  { id: 'ENV_NAME', path: 'Service spec.workload.env key', harmless: 'LOG_LEVEL', wrap: (s) => 'X' + s, key: true },
  { id: 'ENV_VALUE', path: 'Service spec.workload.env value', harmless: 'info', wrap: same },
  { id: 'COMMAND', path: 'Service spec.workload.command[]', harmless: '/bin/web', wrap: same },
  { id: 'ARG', path: 'Service spec.workload.args[]', harmless: '--port=8080', wrap: same },
  { id: 'VERSION_LABEL', path: 'Service spec.versions.*.labels value', harmless: 'v1', wrap: same },
  { id: 'HASH_HEADER', path: 'Service spec.loadBalancer.hashOn.header', harmless: 'x-user', wrap: header },
  { id: 'HEALTH_PATH', path: 'Service spec.healthCheck.path', harmless: '/healthz', wrap: path },
  { id: 'COOKIE', path: 'Service spec.loadBalancer.hashOn.cookie.name', harmless: 'sid', wrap: (s) => 's' + s },
  { id: 'ENDPOINT', path: 'Service spec.endpoints[]', harmless: 'legacy-1.hosts.example', wrap: (s) => 'legacy' + s + '.hosts.example' },
  // Route rules
  { id: 'RULE_NAME', path: 'Route spec.rules[].name', harmless: 'ping', wrap: same },
  { id: 'PATH_EXACT', path: 'Route match.path.exact', harmless: '/ping', wrap: path },
  { id: 'METHOD', path: 'Route match.methods[]', harmless: 'GET', wrap: (s) => 'GET' + s, alt: 'PUT' },
  { id: 'BODY', path: 'Route directResponse.body', harmless: 'pong', wrap: same },
  { id: 'CONTENT_TYPE', path: 'Route directResponse.contentType', harmless: 'text/plain', wrap: (s) => 'text/' + s },
  { id: 'PATH_PREFIX', path: 'Route match.path.prefix', harmless: '/api', wrap: path },
  { id: 'HEADER_NAME', path: 'Route match.headers key', harmless: 'x-canary', wrap: header, key: true },
  { id: 'HEADER_EXACT', path: 'Route match.headers.*.exact', harmless: 'true', wrap: same },
  { id: 'HEADER_PREFIX', path: 'Route match.headers.*.prefix', harmless: 'Mozilla', wrap: same },
  { id: 'HEADER_REGEX', path: 'Route match.headers.*.regex', harmless: '[a-z]+', wrap: same },
  { id: 'QUERY_NAME', path: 'Route match.query key', harmless: 'debug', wrap: (s) => 'q' + s, key: true },
  { id: 'QUERY_EXACT', path: 'Route match.query.*.exact', harmless: '1', wrap: same },
  { id: 'QUERY_REGEX', path: 'Route match.query.*.regex', harmless: '[0-9]+', wrap: same },
  { id: 'REWRITE_PREFIX', path: 'Route rewrite.path.prefix', harmless: '/v2', wrap: path },
  { id: 'REWRITE_HOST', path: 'Route rewrite.host', harmless: 'web.internal', wrap: (s) => 'a' + s },
  { id: 'SET_NAME', path: 'Route headers.request.set key', harmless: 'x-env', wrap: header, key: true },
  { id: 'SET_VALUE', path: 'Route headers.request.set value', harmless: 'prod', wrap: same },
  { id: 'ADD_VALUE', path: 'Route headers.request.add value', harmless: 'yes', wrap: same },
  { id: 'REMOVE_NAME', path: 'Route headers.request.remove[]', harmless: 'x-debug', wrap: header },
  { id: 'RESP_VALUE', path: 'Route headers.response.set value', harmless: 'max-age=60', wrap: same },
  { id: 'ORIGIN', path: 'Route cors.allowOrigins[]', harmless: 'https://shop.example.com', wrap: (s) => 'https://shop' + s },
  { id: 'CORS_HEADER', path: 'Route cors.allowHeaders[]', harmless: 'content-type', wrap: header },
  { id: 'CORS_EXPOSE', path: 'Route cors.exposeHeaders[]', harmless: 'x-total', wrap: header },
  { id: 'PATH_REGEX', path: 'Route match.path.regex', harmless: '/shop/(.*)\\.html', wrap: (s) => '/r/' + s },
  { id: 'REDIRECT_PATH', path: 'Route redirect.path', harmless: '/new', wrap: path },
  { id: 'REDIRECT_HOST', path: 'Route redirect.host', harmless: 'www.example.com', wrap: (s) => 'w' + s },
  { id: 'REWRITE_FULL', path: 'Route rewrite.path.full', harmless: '/index.html', wrap: path },
  { id: 'REWRITE_PATTERN', path: 'Route rewrite.path.regex.pattern', harmless: '/re/(.*)', wrap: (s) => '/re/' + s },
  { id: 'REWRITE_SUB', path: 'Route rewrite.path.regex.substitution', harmless: '/x/\\1', wrap: path },
  // Gateways
  { id: 'LISTENER_HOST', path: 'Gateway listeners[].hosts[]', harmless: 'api.example.com', wrap: (s) => 'a' + s + '.example.com' },
  { id: 'CERT_FILE_ENVOY', path: 'Gateway listeners[].tls.certificateFile (envoy)', harmless: '/etc/ssl/private/edge.pem', wrap: (s) => '/etc/ssl/' + s },
  { id: 'GW_ENDPOINT', path: 'Gateway spec.endpoints[]', harmless: 'edge-1.hosts.example', wrap: (s) => 'edge' + s + '.hosts.example', irOnly: 'a DNS-name gateway endpoint is used by nftables only, which cannot match names (MC8002); addresses are parsed, never copied' },
  { id: 'CERT_FILE_HAPROXY', path: 'Gateway listeners[].tls.certificateFile (haproxy)', harmless: '/etc/ssl/private/lb.pem', wrap: (s) => '/etc/ssl/' + s },
  { id: 'SECRET', path: 'Gateway listeners[].tls.secretName', harmless: 'lb-tls', wrap: (s) => 'lb' + s },
  { id: 'ROUTE_HOST', path: 'Route (gateway) spec.hosts[]', harmless: 'www.example.com', wrap: (s) => 'w' + s + '.example.com' },
  // Filters
  { id: 'ISSUER', path: 'Filter jwt.issuer', harmless: 'https://auth.example.com', wrap: (s) => 'https://auth/' + s },
  { id: 'AUDIENCE', path: 'Filter jwt.audiences[]', harmless: 'shop', wrap: (s) => 'aud' + s },
  { id: 'JWT_HEADER', path: 'Filter jwt.fromHeader', harmless: 'x-jwt', wrap: header },
  { id: 'CIDR', path: 'Filter from[].cidr', harmless: '10.244.0.0/16', wrap: (s) => '10.244.0.0/16' + s, alt: '10.245.0.0/16' },
  { id: 'FILTER_METHOD', path: 'Filter http.methods[]', harmless: 'POST', wrap: (s) => 'POST' + s, alt: 'PUT' },
  { id: 'FILTER_PATH', path: 'Filter http.paths[]', harmless: '/admin/*', wrap: (s) => '/' + s + '/*' },
  { id: 'JWKS_KID', path: 'JWKS file keys[].kid', harmless: 'key-1', wrap: same, jwks: true },
  { id: 'JWKS_NOTE', path: 'JWKS file keys[] unknown member', harmless: 'rotated 2026', wrap: same, jwks: true },
];

/** The JWKS file template (JSON): one EC P-256 public key. */
export const JWKS_TEMPLATE = `{"keys": [{"kty": "EC", "crv": "P-256",
  "x": "e6BN6VUtYrduFH3g3_OMtZO4QBQwKEmq_bji-RNEmAY", "y": "6vT5MSl8vcTKMVuiWIrWDwsfq-IBZ2VloNQgYuGqfrg",
  "kid": @@JWKS_KID@@, "use": "sig", "alg": "ES256", "note": @@JWKS_NOTE@@}]}
`;

/**
 * The mesh, one file per kind. `@@JWKS_FILE@@` is replaced by the absolute path of the JWKS file
 * (never hostile). Every other marker holds a field's value.
 */
export const TEMPLATE: Record<string, string> = {
  'mesh.yaml': `apiVersion: meshc/v1alpha1
kind: Mesh
metadata: { name: shop }
spec:
  namespace: @@NAMESPACE@@
  trustDomain: @@TRUST_DOMAIN@@
  defaultAction: deny
  allowPartial: [envoy, haproxy, kubernetes, nftables]
  sidecar:
    image: @@SIDECAR_IMAGE@@
`,
  'services.yaml': `apiVersion: meshc/v1alpha1
kind: Service
metadata:
  name: web
  labels:
    team: web
    @@LABEL_KEY@@: x
    role: @@LABEL_VALUE@@
  annotations:
    @@ANNOTATION_KEY@@: owner
    note: @@ANNOTATION_VALUE@@
spec:
  ports:
    - { name: http, port: 8080, protocol: http }
  workload:
    image: @@IMAGE@@
    replicas: 2
    resources:
      cpu: @@CPU@@
    env:
      @@ENV_NAME@@: debug
      MODE: @@ENV_VALUE@@
    command:
      - @@COMMAND@@
    args:
      - @@ARG@@
  versions:
    v1:
      labels:
        version: v1
        track: @@VERSION_LABEL@@
    v2:
      labels: { version: v2 }
  loadBalancer:
    policy: ring-hash
    hashOn:
      header: @@HASH_HEADER@@
  healthCheck:
    path: @@HEALTH_PATH@@
  uses:
    - { service: api, localPort: 9001 }
    - { service: legacy, localPort: 9002 }
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: api }
spec:
  ports:
    - { name: http, port: 8081, protocol: http }
  workload: { image: registry.example.com/api:1.0 }
  uses:
    - { service: web, localPort: 9003 }
  loadBalancer:
    policy: maglev
    hashOn:
      cookie:
        name: @@COOKIE@@
        ttl: 1h
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: legacy }
spec:
  ports:
    - { name: grpc, port: 7070, protocol: grpc }
  endpoints:
    - @@ENDPOINT@@
    - 10.0.2.11
`,
  'routes.yaml': `apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: web }
spec:
  service: web
  rules:
    - name: @@RULE_NAME@@
      match:
        path:
          exact: @@PATH_EXACT@@
        methods:
          - @@METHOD@@
      directResponse:
        status: 200
        body: @@BODY@@
        contentType: @@CONTENT_TYPE@@
    - match:
        path:
          prefix: @@PATH_PREFIX@@
        headers:
          @@HEADER_NAME@@: { exact: "yes" }
          x-plain:
            exact: @@HEADER_EXACT@@
          user-agent:
            prefix: @@HEADER_PREFIX@@
          x-re:
            regex: @@HEADER_REGEX@@
        query:
          @@QUERY_NAME@@: { present: true }
          search:
            exact: @@QUERY_EXACT@@
          page:
            regex: @@QUERY_REGEX@@
      backends:
        - { service: web, version: v2 }
      rewrite:
        path:
          prefix: @@REWRITE_PREFIX@@
        host: @@REWRITE_HOST@@
      headers:
        request:
          set:
            @@SET_NAME@@: "on"
            x-set:
              @@SET_VALUE@@
          add:
            x-add: @@ADD_VALUE@@
          remove:
            - @@REMOVE_NAME@@
        response:
          set:
            cache-control: @@RESP_VALUE@@
      cors:
        allowOrigins:
          - @@ORIGIN@@
        allowMethods: [GET]
        allowHeaders:
          - @@CORS_HEADER@@
        exposeHeaders:
          - @@CORS_EXPOSE@@
    - match:
        path:
          regex: @@PATH_REGEX@@
      redirect:
        path: @@REDIRECT_PATH@@
        host: @@REDIRECT_HOST@@
        status: 301
    - match: { path: { prefix: /full } }
      backends:
        - { service: web, version: v1 }
      rewrite:
        path:
          full: @@REWRITE_FULL@@
    - match: { path: { prefix: /re/ } }
      backends:
        - { service: web, version: v1 }
      rewrite:
        path:
          regex:
            pattern: @@REWRITE_PATTERN@@
            substitution: @@REWRITE_SUB@@
    - backends:
        - { service: web, version: v1 }
---
apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: edge }
spec:
  gateway: edge
  rules:
    - backends:
        - { service: web }
---
apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: lb }
spec:
  gateway: lb
  hosts:
    - @@ROUTE_HOST@@
  rules:
    - backends:
        - { service: api }
`,
  'gateways.yaml': `apiVersion: meshc/v1alpha1
kind: Gateway
metadata: { name: edge }
spec:
  proxy: envoy
  endpoints:
    - @@GW_ENDPOINT@@
  listeners:
    - name: https
      port: 8443
      protocol: https
      hosts:
        - @@LISTENER_HOST@@
        - shop.example.com
      tls:
        certificateFile: @@CERT_FILE_ENVOY@@
---
apiVersion: meshc/v1alpha1
kind: Gateway
metadata: { name: lb }
spec:
  proxy: haproxy
  listeners:
    - { name: http, port: 8080, protocol: http }
    - name: https
      port: 8443
      protocol: https
      tls:
        certificateFile: @@CERT_FILE_HAPROXY@@
    - name: https2
      port: 9443
      protocol: https
      tls:
        secretName: @@SECRET@@
`,
  'filters.yaml': `apiVersion: meshc/v1alpha1
kind: Filter
metadata: { name: web-jwt }
spec:
  target: { service: web }
  type: jwt
  jwt:
    issuer: @@ISSUER@@
    audiences:
      - @@AUDIENCE@@
    jwksFile: @@JWKS_FILE@@
    fromHeader: @@JWT_HEADER@@
    allowMissing: true
---
apiVersion: meshc/v1alpha1
kind: Filter
metadata: { name: web-allow }
spec:
  target: { service: web }
  type: allow
  from:
    - service: api
    - gateway: edge
  http:
    methods:
      - @@FILTER_METHOD@@
    paths:
      - @@FILTER_PATH@@
---
apiVersion: meshc/v1alpha1
kind: Filter
metadata: { name: api-allow }
spec:
  target: { service: api }
  type: allow
  from:
    - service: web
    - gateway: lb
---
apiVersion: meshc/v1alpha1
kind: Filter
metadata: { name: legacy-allow }
spec:
  target: { service: legacy }
  type: allow
  from:
    - service: web
    - cidr: @@CIDR@@
`,
};

/**
 * A YAML double-quoted scalar holding exactly `s`: JSON escapes, plus `\\uXXXX` / `\\UXXXXXXXX`
 * for everything outside printable ASCII (so that no YAML line-break or BOM rule applies).
 */
export function yamlQuoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x09) out += '\\t';
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c <= 0xffff) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += '\\U' + c.toString(16).padStart(8, '0');
  }
  return out + '"';
}

/** Where a marker ended up: 1-based line and column of the scalar's first character. */
export interface Position {
  file: string;
  line: number;
  column: number;
}

/**
 * Fills the template: the field `hostileId` (if any) with `value`, every other field with its
 * harmless value. Returns the mesh files, the JWKS text and where the chosen field is.
 */
export function fill(
  jwksFile: string,
  hostileId?: string,
  value?: string,
): { files: Record<string, string>; jwks: string; at: Position[] } {
  const values = new Map(FIELDS.map((f) => [f.id, f.harmless]));
  if (hostileId !== undefined) values.set(hostileId, value!);
  const at: Position[] = [];
  const files: Record<string, string> = {};
  for (const [file, text] of Object.entries(TEMPLATE)) {
    const lines = text.split('\n').map((line, i) =>
      line.replace(/@@([A-Z_]+)@@/g, (_, id: string, offset: number) => {
        if (id === 'JWKS_FILE') return yamlQuoted(jwksFile);
        if (id === hostileId) at.push({ file, line: i + 1, column: offset + 1 });
        return yamlQuoted(values.get(id)!);
      }),
    );
    files[file] = lines.join('\n');
  }
  const jwks = JWKS_TEMPLATE.replace(/@@([A-Z_]+)@@/g, (_, id: string) => JSON.stringify(values.get(id)!));
  if (hostileId === 'JWKS_KID' || hostileId === 'JWKS_NOTE') {
    // Refusals of the JWKS content point at the filter's jwksFile, or at the filter itself.
    const lines = files['filters.yaml']!.split('\n');
    const i = lines.findIndex((l) => l.includes('jwksFile:'));
    at.push({ file: 'filters.yaml', line: i + 1, column: lines[i]!.indexOf('jwksFile:') + 'jwksFile: '.length + 1 });
    const n = lines.findIndex((l) => l.includes('name: web-jwt'));
    at.push({ file: 'filters.yaml', line: n + 1, column: lines[n]!.indexOf('web-jwt') + 1 });
  }
  const result = { files, jwks, at };
  return result;
}
