/**
 * Real HAProxy, real traffic: a gateway. HTTP redirects to HTTPS; HTTPS terminates TLS with the
 * listener's certificate and routes by host (exact names through a map, `*.suffix` wildcards by
 * label depth, case-insensitively, ports ignored); unknown hosts get 404; a TCP listener forwards
 * bytes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { cleanup, defer, describeWithHaproxy, emit, freePorts, irOf, makeCa, request, scratch, startHaproxy, startServer, writeFiles, type Echo } from './harness.js';

describeWithHaproxy('haproxy gateway with real traffic', () => {
  let ports: number[];
  let ca: string;
  const [ADMIN, HTTP, HTTPS, TCP, SITE, TENANT, RAW] = [0, 1, 2, 3, 4, 5, 6];

  beforeAll(async () => {
    ports = await freePorts(7);
    const dir = scratch();
    const authority = makeCa(join(dir, 'ca'), 'edge-ca');
    const leaf = authority.issue('edge', 'https://edge.example.com/');
    const pem = join(dir, 'edge cert.pem');
    writeFileSync(pem, readFileSync(leaf.cert, 'utf8') + readFileSync(leaf.key, 'utf8'));
    ca = authority.cert;
    await startServer('site', ports[SITE]!);
    await startServer('tenant', ports[TENANT]!);
    const raw = net.createServer((s) => s.on('data', (d) => s.write(Buffer.concat([Buffer.from('echo:'), d]))));
    await new Promise<void>((r) => raw.listen(ports[RAW]!, '127.0.0.1', () => r()));
    defer(() => raw.close());
    const ir = await irOf({
      'mesh.yaml': `
apiVersion: meshc/v1alpha1
kind: Mesh
metadata: { name: g }
spec: { namespace: g, trustDomain: g.local, defaultAction: allow, sidecar: { adminPort: ${ports[ADMIN]} } }
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: site }
spec: { sidecar: false, ports: [{ name: http, port: 80 }], endpoints: ["127.0.0.1:${ports[SITE]}"] }
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: tenant }
spec: { sidecar: false, ports: [{ name: http, port: 80 }], endpoints: ["127.0.0.1:${ports[TENANT]}"] }
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: raw }
spec: { sidecar: false, ports: [{ name: tcp, port: 80, protocol: tcp }], endpoints: ["127.0.0.1:${ports[RAW]}"] }
---
apiVersion: meshc/v1alpha1
kind: Gateway
metadata: { name: edge }
spec:
  proxy: haproxy
  listeners:
    - { name: http, port: ${ports[HTTP]}, protocol: http, redirectToHttps: true }
    - { name: https, port: ${ports[HTTPS]}, protocol: https, hosts: [shop.example.com, "*.shop.example.com"], tls: { certificateFile: ${JSON.stringify(pem)} } }
    - { name: tcp, port: ${ports[TCP]}, protocol: tcp }
---
apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: site }
spec:
  gateway: edge
  port: https
  hosts: [shop.example.com]
  rules: [{ backends: [{ service: site }] }]
---
apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: tenants }
spec:
  gateway: edge
  port: https
  hosts: ["*.shop.example.com"]
  rules: [{ backends: [{ service: tenant }] }]
---
apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: raw }
spec:
  gateway: edge
  port: tcp
  rules: [{ backends: [{ service: raw }] }]
`,
    });
    const { files, diagnostics } = emit(ir, { listenAddress: '127.0.0.1', configDir: dir });
    expect(diagnostics).toEqual([]);
    writeFiles(files, dir);
    await startHaproxy(join(dir, 'gateway-edge.cfg'), ports[ADMIN]!);
  });
  afterAll(cleanup);

  const https = (host: string, path = '/') =>
    request(`https://127.0.0.1:${ports[HTTPS]}${path}`, { headers: { host }, tls: { ca: readFileSync(ca), servername: 'shop.example.com', checkServerIdentity: () => undefined } });
  const server = async (host: string): Promise<string> => {
    const r = await https(host);
    return r.status === 200 ? (JSON.parse(r.body) as Echo).server : `status ${r.status}`;
  };

  it('redirects http to https on the https listener port', async () => {
    const r = await request(`http://127.0.0.1:${ports[HTTP]}/a/b?c=d`, { headers: { host: 'shop.example.com' } });
    expect(r.status).toBe(301);
    expect(r.headers.location).toBe(`https://shop.example.com:${ports[HTTPS]}/a/b?c=d`);
  });

  it('terminates TLS and routes by host', async () => {
    expect(await server('shop.example.com')).toBe('site');
    expect(await server(`SHOP.Example.com:${ports[HTTPS]}`)).toBe('site');
    expect(await server('a.shop.example.com')).toBe('tenant');
    expect(await server('a.b.shop.example.com')).toBe('tenant');
    expect(await server('example.com')).toBe('status 404');
    expect(await server('shop.example.com.evil.net')).toBe('status 404');
    expect(await server('xshop.example.com')).toBe('status 404');
    const r = await https('shop.example.com', '/p?q=1');
    const echo = JSON.parse(r.body) as Echo;
    expect(echo.url).toBe('/p?q=1');
    expect(echo.headers['x-forwarded-proto']).toBe('https');
    expect(echo.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('forwards TCP', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const s = net.connect(ports[TCP]!, '127.0.0.1', () => s.write('hello'));
      s.setTimeout(5000, () => s.destroy(new Error('timeout')));
      s.on('data', (d) => {
        resolve(d.toString());
        s.end();
      });
      s.on('error', reject);
    });
    expect(reply).toBe('echo:hello');
  });
});
