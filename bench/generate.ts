/**
 * The synthetic mesh of the benchmark: N services, each with 2 versions, 3 `uses`, a Route of 3
 * rules and 2 Filters (an allow from its callers and the gateway, and a global rate limit — global
 * because Envoy keeps one bucket per proxy), plus one Mesh and one gateway.
 * Service i calls services i+1, i+2, i+3 (mod N), so every sidecar's size is independent of N.
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The name of the i-th service. */
export function serviceName(i: number): string {
  return `svc-${String(i).padStart(5, '0')}`;
}

/** The YAML text of service i's file: Service, Route, two Filters. */
export function serviceFile(i: number, n: number, onHosts: boolean): string {
  const name = serviceName(i);
  const uses = [1, 2, 3].map((k) => serviceName((i + k) % n));
  const callers = [1, 2, 3].map((k) => serviceName((i - k + n * 4) % n));
  const ip = (v: number) => `10.${(i >> 8) & 255}.${i & 255}.${10 + v}`;
  const endpoints = onHosts ? `\n    v1: { labels: { version: v1 }, endpoints: [${ip(1)}] }\n    v2: { labels: { version: v2 }, endpoints: [${ip(2)}] }` : `\n    v1: { labels: { version: v1 } }\n    v2: { labels: { version: v2 }, replicas: 1 }`;
  return `apiVersion: meshc/v1alpha1
kind: Service
metadata:
  name: ${name}
  labels: { team: team-${i % 50} }
spec:
  ports:
    - { name: http, port: 8080, protocol: http }
  workload:
    image: registry.example.com/${name}:1.0.${i % 10}
    replicas: 2
    resources: { cpu: 100m, memory: 128Mi }
  versions:${endpoints}
  loadBalancer: { policy: least-request }
  healthCheck: { path: /healthz }
  timeout: 5s
  uses:
${uses.map((u, k) => `    - { service: ${u}, localPort: ${9001 + k} }`).join('\n')}
---
apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: ${name} }
spec:
  service: ${name}
  rules:
    - name: canary
      match: { headers: { x-canary: { exact: "true" } } }
      backends: [ { service: ${name}, version: v2 } ]
    - name: api
      match: { path: { prefix: /api/ } }
      backends:
        - { service: ${name}, version: v1, weight: 90 }
        - { service: ${name}, version: v2, weight: 10 }
      retries: { attempts: 2, perTryTimeout: 1s, on: [5xx, connect-failure] }
    - name: rest
      backends: [ { service: ${name}, version: v1 } ]
---
apiVersion: meshc/v1alpha1
kind: Filter
metadata: { name: ${name}-callers }
spec:
  target: { service: ${name} }
  type: allow
  from:
${callers.map((c) => `    - service: ${c}`).join('\n')}
    - gateway: edge
---
apiVersion: meshc/v1alpha1
kind: Filter
metadata: { name: ${name}-limit }
spec:
  target: { service: ${name} }
  type: rateLimit
  rateLimit: { requests: 100, per: 1s, by: global }
`;
}

/** The mesh-wide file: the Mesh, the gateway `edge` and its Route. */
export function meshFile(): string {
  return `apiVersion: meshc/v1alpha1
kind: Mesh
metadata: { name: bench }
spec: { namespace: bench, trustDomain: bench.local }
---
apiVersion: meshc/v1alpha1
kind: Gateway
metadata: { name: edge }
spec:
  proxy: haproxy
  endpoints: [192.0.2.10]
  listeners:
    - { name: http, port: 80, protocol: http }
---
apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: edge }
spec:
  gateway: edge
  hosts: [bench.example.com]
  rules:
    - match: { path: { prefix: /svc-00000/ } }
      backends: [ { service: ${serviceName(0)} } ]
`;
}

/** Options of the generator. */
export interface GenerateOptions {
  /** Give every version an endpoint address (hosts outside Kubernetes, what nftables protects). */
  onHosts?: boolean;
}

/** The synthetic mesh of N services as files: relative path → YAML text. */
export function meshFiles(n: number, opts: GenerateOptions = {}): Record<string, string> {
  const files: Record<string, string> = { 'mesh.yaml': meshFile() };
  for (let i = 0; i < n; i++) files[`services/${serviceName(i)}.yaml`] = serviceFile(i, n, opts.onHosts ?? false);
  return files;
}

/** Writes the synthetic mesh of N services into `dir` (one file per service). */
export function generateMesh(dir: string, n: number, opts: GenerateOptions = {}): void {
  mkdirSync(join(dir, 'services'), { recursive: true });
  for (const [path, text] of Object.entries(meshFiles(n, opts))) writeFileSync(join(dir, path), text);
}
