/**
 * A gateway listener's `tls.certificateFile` as the language's own example writes it
 * (`certs/shop.pem`): a path relative to /etc/meshc on the gateway's host, or an absolute one.
 */
import { describe, expect, it } from 'vitest';
import { compileMemory } from '../../src/compiler.js';
import type { MeshIR } from '../../src/ir/types.js';

const mesh = (file: string) => ({
  'mesh.yaml': `apiVersion: meshc/v1alpha1
kind: Mesh
metadata: { name: m }
spec: { namespace: ns, trustDomain: td.local }
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: web }
spec:
  ports: [ { name: http, port: 8080 } ]
  workload: { image: web:1 }
---
apiVersion: meshc/v1alpha1
kind: Gateway
metadata: { name: edge }
spec:
  proxy: haproxy
  replicas: 0
  endpoints: [192.0.2.10]
  listeners:
    - name: https
      port: 443
      protocol: https
      hosts: [shop.example.com]
      tls: { certificateFile: ${JSON.stringify(file)} }
---
apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: shop }
spec:
  gateway: edge
  hosts: [shop.example.com]
  rules: [ { backends: [ { service: web } ] } ]
`,
});

async function certPath(file: string): Promise<{ path?: string; codes: string[] }> {
  const r = await compileMemory(mesh(file), { targets: ['ir'] });
  const errors = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.span?.line}:${d.span?.column}`);
  const ir = r.files.find((f) => f.path === 'ir/mesh.json');
  const path = ir ? (JSON.parse(ir.content) as MeshIR).gateways[0]!.listeners[0]!.tls?.certPath : undefined;
  return { ...(path === undefined ? {} : { path }), codes: errors };
}

describe('gateway certificateFile', () => {
  it('relative (the language description\'s example) is under /etc/meshc; absolute stays as it is', async () => {
    expect(await certPath('certs/shop.pem')).toEqual({ path: '/etc/meshc/certs/shop.pem', codes: [] });
    expect(await certPath('/etc/ssl/private/shop.pem')).toEqual({ path: '/etc/ssl/private/shop.pem', codes: [] });
  });
  it('refuses what is no path: empty segments, control characters', async () => {
    expect((await certPath('certs//shop.pem')).codes).toEqual(['MC2005 25:31']);
    expect((await certPath('certs/\tshop.pem')).codes).toEqual(['MC2005 25:31']);
  });
});
