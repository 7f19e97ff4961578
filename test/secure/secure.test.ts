/**
 * Secure defaults, each checked on every config every target emits — for random valid meshes
 * (test/arbitraries), the webshop example, and small meshes made for the point:
 *
 * 1. admin and stats only on loopback (Envoy admin, HAProxy stats/metrics frontends, no Kubernetes
 *    Service or container port for the admin port, nftables refusing the admin port from outside);
 * 2. mTLS strict unless the mesh says otherwise (every inbound listener of every sidecar demands a
 *    client certificate from the mesh CA; unless mTLS is off, every call to a sidecar port presents
 *    a certificate and verifies the callee's);
 * 3. default deny (no Filter: every inbound listener refuses; NetworkPolicy default-deny; nftables
 *    screens every sidecar port) — and, to show the checks can fail, not so with `defaultAction: allow`;
 * 4. no secret material in any emitted file: no private key PEM, no private or symmetric JWK member,
 *    no Kubernetes Secret; certificate files are referred to by path and never read; a JWKS with
 *    private members is refused at `jwksFile`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import jsyaml from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { compile, compileMemory, type CompileResult } from '../../src/compiler.js';
import type { MeshIR } from '../../src/ir/types.js';
import { targetNames } from '../../src/target/registry.js';
import { haproxyLines } from '../injection/skeleton.js';
import { meshArb } from '../arbitraries/mesh.js';
import { count, params, report, timeout } from '../property/runs.js';

const TARGETS = targetNames();
const dir = mkdtempSync(join(tmpdir(), 'meshc-secure-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  report('secure.test.ts');
});

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const LOOPBACK = new Set(['127.0.0.1', '::1']);

async function build(files: Record<string, string>): Promise<CompileResult & { ir: MeshIR }> {
  const r = await compileMemory(files, { targets: TARGETS, allowPartial: TARGETS });
  expect(r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.message}`)).toEqual([]);
  expect(r.ir).toBeDefined();
  return r as CompileResult & { ir: MeshIR };
}

// ---------------------------------------------------------------------------------------------
// 1 + 2: admin on loopback, mTLS strict — per target
// ---------------------------------------------------------------------------------------------

/** Problems of one Envoy bootstrap: admin not on loopback, public listeners that should not be, inbound without mTLS. */
function envoyProblems(path: string, text: string, ir: MeshIR): string[] {
  const out: string[] = [];
  const doc = obj(jsyaml.load(text));
  const adminPort = ir.mesh.sidecar.adminPort;
  const admin = obj(obj(obj(doc.admin).address).socket_address);
  if (!LOOPBACK.has(String(admin.address))) out.push(`${path}: admin on ${String(admin.address)}`);
  const name = path.replace(/^envoy\//, '').replace(/\.yaml$/, '');
  const svc = ir.services.find((s) => s.name === name);
  const gw = name.startsWith('gateway-') ? ir.gateways.find((g) => `gateway-${g.name}` === name) : undefined;
  const publicPorts = new Set<number>(svc ? svc.ports.map((p) => p.sidecarPort) : gw ? gw.listeners.map((l) => l.port) : []);
  for (const l of list(obj(doc.static_resources).listeners).map(obj)) {
    const sa = obj(obj(l.address).socket_address);
    const address = String(sa.address);
    const port = Number(sa.port_value);
    if (LOOPBACK.has(address)) continue;
    if (port === adminPort) out.push(`${path}: listener ${String(l.name)} exposes the admin port on ${address}`);
    if (!publicPorts.has(port)) out.push(`${path}: listener ${String(l.name)} on ${address}:${port} is neither a sidecar port nor a gateway listener`);
    if (svc && ir.mesh.mtls === 'strict') {
      for (const chain of list(l.filter_chains).map(obj)) {
        const tls = obj(obj(chain.transport_socket).typed_config);
        if (!String(tls['@type']).endsWith('DownstreamTlsContext') || tls.require_client_certificate !== true) {
          out.push(`${path}: inbound listener ${String(l.name)} accepts connections without a client certificate (mtls strict)`);
        }
        const vc = obj(obj(tls.common_tls_context).validation_context);
        if (Object.keys(vc).length === 0) out.push(`${path}: inbound listener ${String(l.name)} does not validate client certificates`);
      }
    }
  }
  // Callers use mTLS too (strict and permissive): every cluster that reaches a sidecar port presents
  // a certificate and checks the callee's.
  if (ir.mesh.mtls !== 'off') {
    const sidecarPorts = new Set(ir.services.filter((x) => x.sidecar).flatMap((x) => x.ports.map((p) => p.sidecarPort)));
    for (const c of list(obj(doc.static_resources).clusters).map(obj)) {
      const ports = list(obj(c.load_assignment).endpoints)
        .flatMap((e) => list(obj(e).lb_endpoints))
        .map((e) => Number(obj(obj(obj(obj(e).endpoint).address).socket_address).port_value));
      if (!ports.some((p) => sidecarPorts.has(p))) continue;
      const tls = obj(obj(c.transport_socket).typed_config);
      const vc = obj(obj(tls.common_tls_context).validation_context);
      if (!String(tls['@type']).endsWith('UpstreamTlsContext') || Object.keys(vc).length === 0 || list(obj(tls.common_tls_context).tls_certificates).length === 0) {
        out.push(`${path}: cluster ${String(c.name)} calls a sidecar port without mTLS (mtls ${ir.mesh.mtls})`);
      }
    }
  }
  return out;
}

/** The sections of an HAProxy config: keyword line and its lines' words. */
function haproxySections(text: string): { head: string[]; lines: string[][] }[] {
  const out: { head: string[]; lines: string[][] }[] = [];
  for (const l of haproxyLines(text)) {
    const words = l.words.map((w) => w.value);
    if (words.length === 0) continue;
    if (['global', 'defaults', 'frontend', 'backend', 'listen', 'resolvers', 'peers', 'userlist', 'program', 'http-errors', 'ring', 'cache'].includes(words[0]!)) {
      out.push({ head: words, lines: [] });
    } else out.at(-1)?.lines.push(words);
  }
  return out;
}

function bindAddress(w: string): { host: string; port: number } {
  const m = /^(?:ipv4@|ipv6@)?(\[[^\]]*\]|[^:]*):(\d+)$/.exec(w);
  return m ? { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) } : { host: w, port: NaN };
}

/** Problems of one HAProxy config: stats/metrics reachable from outside, inbound without mTLS. */
function haproxyProblems(path: string, text: string, ir: MeshIR): string[] {
  const out: string[] = [];
  const name = path.replace(/^haproxy\//, '').replace(/\.cfg$/, '');
  const svc = ir.services.find((s) => s.name === name);
  for (const s of haproxySections(text)) {
    const binds = s.lines.filter((l) => l[0] === 'bind');
    const stats = s.lines.some((l) => (l[0] === 'stats' && l[1] !== 'socket') || l.includes('prometheus-exporter') || l[0] === 'monitor-uri');
    for (const l of s.lines.filter((x) => x[0] === 'stats' && x[1] === 'socket')) {
      const a = l[2] ?? '';
      if (!a.startsWith('/') && !LOOPBACK.has(bindAddress(a).host)) out.push(`${path}: stats socket ${a} is not local`);
    }
    for (const b of binds) {
      const { host, port } = bindAddress(b[1] ?? '');
      const local = LOOPBACK.has(host) || (b[1] ?? '').startsWith('/') || (b[1] ?? '').startsWith('unix@');
      if (stats && !local) out.push(`${path}: ${s.head.join(' ')} serves stats/metrics on ${b[1]}`);
      if (port === ir.mesh.sidecar.adminPort && !local) out.push(`${path}: the admin port is bound on ${b[1]}`);
      if (!local && svc && s.head[0] === 'frontend' && ir.mesh.mtls === 'strict') {
        if (!b.includes('ssl') || b[b.indexOf('verify') + 1] !== 'required' || !b.includes('ca-file')) {
          out.push(`${path}: ${s.head.join(' ')} binds ${b[1]} without required client certificates (mtls strict)`);
        }
      }
    }
    // Callers use mTLS too: servers on a sidecar port present a certificate and verify the callee's.
    if (s.head[0] === 'backend' && ir.mesh.mtls !== 'off') {
      const sidecarPorts = new Set(ir.services.filter((x) => x.sidecar).flatMap((x) => x.ports.map((p) => p.sidecarPort)));
      const defaults = s.lines.filter((l) => l[0] === 'default-server').flat();
      for (const l of s.lines.filter((x) => x[0] === 'server' || x[0] === 'server-template')) {
        const addr = l[0] === 'server' ? l[2] : l[3];
        if (!addr || !sidecarPorts.has(bindAddress(addr).port)) continue;
        const words = [...defaults, ...l];
        if (!words.includes('ssl') || words[words.indexOf('verify') + 1] !== 'required' || !words.includes('ca-file') || !words.includes('crt')) {
          out.push(`${path}: backend ${s.head[1]} calls ${addr} without mTLS (mtls ${ir.mesh.mtls})`);
        }
      }
    }
  }
  return out;
}

/** Problems of the Kubernetes manifests: the admin port exposed. */
function kubernetesProblems(path: string, text: string, ir: MeshIR): string[] {
  const out: string[] = [];
  const admin = ir.mesh.sidecar.adminPort;
  for (const d of jsyaml.loadAll(text).map(obj)) {
    if (d.kind === 'Service') {
      for (const p of list(obj(d.spec).ports).map(obj)) {
        if (p.port === admin || p.targetPort === admin) out.push(`${path}: Service exposes the admin port ${admin}`);
      }
    }
    if (d.kind === 'Deployment') {
      for (const c of list(obj(obj(obj(obj(d.spec).template).spec)).containers).map(obj)) {
        for (const p of list(c.ports).map(obj)) if (p.containerPort === admin) out.push(`${path}: container ${String(c.name)} declares the admin port`);
      }
    }
  }
  return out;
}

/** Problems of the nftables ruleset: an admin port of a host not refused from outside. */
function nftablesProblems(text: string, ir: MeshIR): string[] {
  const out: string[] = [];
  const admin = ir.mesh.sidecar.adminPort;
  const hosts = [
    ...ir.services.filter((s) => s.sidecar).flatMap((s) => [...s.endpoints, ...s.versions.flatMap((v) => v.endpoints)]),
    ...ir.gateways.flatMap((g) => g.endpoints),
  ].filter((e) => e.kind !== 'dns');
  const lines = text.split('\n');
  for (const h of new Set(hosts.map((e) => e.host))) {
    const line = lines.find((l) => l.includes(`${h} . ${admin} `));
    if (!line || !/goto refused|drop|reject/.test(line)) out.push(`nftables: admin port ${admin} of ${h} is not refused from outside`);
  }
  return out;
}

/** Every admin/mTLS problem of a build. */
function defaultsProblems(r: CompileResult & { ir: MeshIR }): string[] {
  const out: string[] = [];
  for (const f of r.files) {
    if (f.path.startsWith('envoy/') && f.path.endsWith('.yaml')) out.push(...envoyProblems(f.path, f.content, r.ir));
    else if (f.path.startsWith('haproxy/') && f.path.endsWith('.cfg')) out.push(...haproxyProblems(f.path, f.content, r.ir));
    else if (f.path.startsWith('kubernetes/') && f.path.endsWith('.yaml')) out.push(...kubernetesProblems(f.path, f.content, r.ir));
    else if (f.path.endsWith('.nft')) out.push(...nftablesProblems(f.content, r.ir));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 4: secrets
// ---------------------------------------------------------------------------------------------

const PRIVATE_JWK = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

/** Secret material in a value tree (JWKs with private members, JSON strings that hold them). */
function secretsInTree(v: unknown, at: string, out: string[]): void {
  if (typeof v === 'string') {
    if (/PRIVATE KEY/.test(v)) out.push(`${at}: a private key PEM`);
    const t = v.trim();
    if (t.startsWith('{') && t.includes('"kty"')) {
      try {
        secretsInTree(JSON.parse(t), `${at} (JSON)`, out);
      } catch {
        // not JSON after all
      }
    } else if (t.includes('\n') && /^[a-z_.-]+:/m.test(t)) {
      try {
        secretsInTree(jsyaml.loadAll(t), `${at} (YAML)`, out);
      } catch {
        // not YAML (an HAProxy config): the raw text check covers it
      }
    }
    return;
  }
  if (Array.isArray(v)) v.forEach((x, i) => secretsInTree(x, `${at}[${i}]`, out));
  else if (v !== null && typeof v === 'object') {
    const o = v as Obj;
    if ('kty' in o) for (const m of PRIVATE_JWK) if (m in o) out.push(`${at}: a JWK with the private member "${m}"`);
    if (o.kind === 'Secret') out.push(`${at}: a Kubernetes Secret`);
    for (const [k, x] of Object.entries(o)) secretsInTree(x, `${at}.${k}`, out);
  }
}

function secretProblems(files: readonly { path: string; content: string }[], forbidden: string[] = []): string[] {
  const out: string[] = [];
  for (const f of files) {
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(f.content)) out.push(`${f.path}: a private key PEM`);
    for (const s of forbidden) if (f.content.includes(s)) out.push(`${f.path}: holds secret material from an input file`);
    if (/\.(ya?ml|json)$/.test(f.path)) {
      try {
        secretsInTree(jsyaml.loadAll(f.content), f.path, out);
      } catch (err) {
        out.push(`${f.path}: unparsable (${String(err).slice(0, 100)})`);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe('secure defaults', () => {
  it('random valid meshes: admin on loopback, mTLS strict by default, no secret material', async () => {
    await fc.assert(
      fc.asyncProperty(meshArb(), async (m) => {
        const r = await build(m.files);
        expect(defaultsProblems(r)).toEqual([]);
        expect(secretProblems(r.files)).toEqual([]);
        count('secure defaults');
        count('secure defaults', `mtls ${r.ir.mesh.mtls}`);
      }),
      params('secure defaults', 20),
    );
  }, timeout(120_000));

  it('the webshop: admin on loopback, mTLS strict, no secret material', async () => {
    const r = (await compile({ input: 'examples/webshop', targets: TARGETS, allowPartial: TARGETS })) as CompileResult & { ir: MeshIR };
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.ir.mesh.mtls).toBe('strict');
    expect(defaultsProblems(r)).toEqual([]);
    expect(secretProblems(r.files)).toEqual([]);
  });

  const SMALL = (mesh: string) => ({
    'm.yaml': `apiVersion: meshc/v1alpha1
kind: Mesh
metadata: { name: m }
spec: { namespace: ns, trustDomain: td.local${mesh} }
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: a }
spec:
  ports: [{ name: http, port: 8080 }, { name: db, port: 5432, protocol: tcp }]
  endpoints: [10.0.0.1]
  uses: [{ service: b, port: http, localPort: 9001 }, { service: b, port: db, localPort: 9002 }]
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: b }
spec:
  ports: [{ name: http, port: 8080 }, { name: db, port: 5432, protocol: tcp }]
  endpoints: [10.0.0.2]
  workload: { image: b:1 }
`,
  });

  it('mTLS is strict when the mesh does not say: every inbound listener demands a client certificate', async () => {
    const r = await build(SMALL(''));
    expect(r.ir.mesh.mtls).toBe('strict');
    expect(defaultsProblems(r)).toEqual([]);
    // and the check is not vacuous: with mtls off the same configs have plaintext inbound listeners
    const off = await build(SMALL(', mtls: off'));
    const p = defaultsProblems({ ...off, ir: { ...off.ir, mesh: { ...off.ir.mesh, mtls: 'strict' } } });
    expect(p.some((x) => x.startsWith('envoy/b.yaml') && x.includes('without a client certificate'))).toBe(true);
    expect(p.some((x) => x.startsWith('haproxy/b.cfg') && x.includes('without required client certificates'))).toBe(true);
    expect(p.some((x) => x.startsWith('envoy/a.yaml') && x.includes('calls a sidecar port without mTLS'))).toBe(true);
    expect(p.some((x) => x.startsWith('haproxy/a.cfg') && x.includes('without mTLS'))).toBe(true);
  });

  /** Whether every inbound listener / frontend / port of service b refuses a caller no Filter admits. */
  function denies(r: CompileResult & { ir: MeshIR }): Record<string, boolean> {
    const file = (p: string) => r.files.find((f) => f.path === p)?.content ?? '';
    const envoy = obj(jsyaml.load(file('envoy/b.yaml')));
    const inbound = list(obj(envoy.static_resources).listeners).map(obj).filter((l) => !LOOPBACK.has(String(obj(obj(l.address).socket_address).address)));
    const rbacDenies = (f: Obj): boolean => {
      const rules = obj(obj(f.typed_config).rules);
      return rules.action === 'ALLOW' && Object.keys(obj(rules.policies)).length === 0;
    };
    const envoyDenies = inbound.length === 2 && inbound.every((l) =>
      list(l.filter_chains).map(obj).every((c) => {
        const filters = list(c.filters).map(obj);
        const hcm = filters.find((f) => String(f.name).includes('http_connection_manager'));
        const chain = hcm ? list(obj(hcm.typed_config).http_filters).map(obj) : filters;
        return chain.some((f) => String(obj(f.typed_config)['@type']).includes('rbac') && rbacDenies(f));
      }),
    );
    const hx = haproxySections(file('haproxy/b.cfg')).filter((s) => s.head[0] === 'frontend' && s.lines.some((l) => l[0] === 'bind' && !LOOPBACK.has(bindAddress(l[1] ?? '').host)));
    const haproxyDenies = hx.length === 2 && hx.every((s) => s.lines.some((l) => (l.includes('deny') || l.includes('reject')) && l.includes('!{') && l.some((w) => w.includes('allowed'))) && !s.lines.some((l) => l.some((w) => w.includes('allowed')) && l.includes('set-var(txn.allowed)') && !l.includes('if')));
    const np = jsyaml.loadAll(file('kubernetes/networkpolicy-default-deny.yaml')).map(obj)[0];
    const kubernetesDenies = np !== undefined && Object.keys(obj(obj(np.spec).podSelector)).length === 0 && list(obj(np.spec).policyTypes).includes('Ingress') && list(obj(np.spec).ingress).length === 0;
    const nft = file('nftables/mesh.nft').split('\n');
    const nftablesDenies = r.ir.services
      .find((s) => s.name === 'b')!
      .ports.every((p) => nft.some((l) => l.includes(`10.0.0.2 . ${p.sidecarPort} `) && l.includes('goto default_deny')));
    return { envoy: envoyDenies, haproxy: haproxyDenies, kubernetes: kubernetesDenies, nftables: nftablesDenies };
  }

  it('default deny: with no Filter, every target refuses callers of every port', async () => {
    const r = await build(SMALL(''));
    expect(r.ir.mesh.defaultAction).toBe('deny');
    expect(denies(r)).toEqual({ envoy: true, haproxy: true, kubernetes: true, nftables: true });
  });

  it('default deny is the default, not an accident: defaultAction allow admits', async () => {
    const r = await build(SMALL(', defaultAction: allow'));
    expect(denies(r)).toEqual({ envoy: false, haproxy: false, kubernetes: false, nftables: false });
  });

  it('certificate files are written as paths, never read', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const keyFile = join(dir, 'edge.pem');
    writeFileSync(keyFile, pem);
    const files = {
      ...SMALL(''),
      'gw.yaml': `apiVersion: meshc/v1alpha1
kind: Gateway
metadata: { name: edge }
spec:
  proxy: haproxy
  endpoints: [192.0.2.1]
  listeners:
    - { name: https, port: 443, protocol: https, tls: { certificateFile: ${JSON.stringify(keyFile)} } }
---
apiVersion: meshc/v1alpha1
kind: Gateway
metadata: { name: api }
spec:
  proxy: envoy
  listeners:
    - { name: https, port: 443, protocol: https, tls: { certificateFile: ${JSON.stringify(keyFile)} } }
---
apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: edge }
spec: { gateway: edge, rules: [{ backends: [{ service: b, port: http }] }] }
---
apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: api }
spec: { gateway: api, rules: [{ backends: [{ service: b, port: http }] }] }
`,
    };
    const r = await build(files);
    const body = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
    expect(r.files.some((f) => f.content.includes(keyFile)), 'the path is written').toBe(true);
    expect(secretProblems(r.files, body)).toEqual([]);
    expect(defaultsProblems(r)).toEqual([]);
  });

  it('a JWKS with private or symmetric members is refused at jwksFile', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = privateKey.export({ format: 'jwk' });
    const sets: Record<string, unknown> = {
      'ec-private': { keys: [{ ...jwk, kid: 'a', alg: 'ES256' }] },
      'oct-symmetric': { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'b' }] },
    };
    for (const [name, set] of Object.entries(sets)) {
      const path = join(dir, `${name}.json`);
      writeFileSync(path, JSON.stringify(set));
      const text = `${SMALL('')['m.yaml']}---
apiVersion: meshc/v1alpha1
kind: Filter
metadata: { name: jwt }
spec:
  target: { service: b }
  ports: [http]
  type: jwt
  jwt:
    issuer: https://auth.example.com
    jwksFile: ${JSON.stringify(path)}
`;
      const r = await compileMemory({ 'm.yaml': text }, { targets: TARGETS, allowPartial: TARGETS });
      const line = text.split('\n').findIndex((l) => l.includes('jwksFile:')) + 1;
      const col = text.split('\n')[line - 1]!.indexOf(JSON.stringify(path)) + 1;
      const errors = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.span?.line}:${d.span?.column}`);
      expect(errors, name).toEqual([`MC3038 ${line}:${col}`]);
      expect(r.files).toEqual([]);
    }
  });
});
