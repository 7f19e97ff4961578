/**
 * What the checker tells the user beyond the code: the "did you mean" hint of an unknown reference
 * (service, gateway, filter target, `from` entry) and the related span of a duplicate name, which
 * points at the first definition.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileMemory } from '../../src/compiler.js';
import type { Diagnostic } from '../../src/diagnostics/types.js';

const MESH = `apiVersion: meshc/v1alpha1
kind: Mesh
metadata: { name: m }
spec: { namespace: ns, trustDomain: td.local }
`;

const service = (name: string, port = 8080, extra = '') => `---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: ${name} }
spec:
  ports: [ { name: http, port: ${port} } ]
  workload: { image: a:1 }
${extra}`;

const route = (name: string, gateway: string) => `---
apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: ${name} }
spec:
  gateway: ${gateway}
  rules:
    - backends: [ { service: orders } ]
`;

/** Filter f on `target` (e.g. `service: orders`), with the given spec lines. */
const filter = (target: string, ...spec: string[]) => `---
apiVersion: meshc/v1alpha1
kind: Filter
metadata: { name: f }
spec:
  target: { ${target} }
${spec.map((l) => `  ${l}\n`).join('')}`;

/** Gateway edge, with a route (so that its listener has one). */
const GATEWAY = `---
apiVersion: meshc/v1alpha1
kind: Gateway
metadata: { name: edge }
spec:
  proxy: envoy
  listeners:
    - { name: web, port: 80, protocol: http }
${route('r', 'edge')}`;

/** Checks one file, mesh.yaml, and returns its diagnostics. */
async function check(text: string): Promise<Diagnostic[]> {
  const r = await compileMemory({ 'mesh.yaml': text }, { checkOnly: true });
  return r.diagnostics;
}

/** The line (1-based) of the first line of `text` containing `needle`, and the column of `needle`. */
function locate(text: string, needle: string, nth = 0): { line: number; column: number } {
  const lines = text.split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    const c = lines[i]!.indexOf(needle);
    if (c >= 0 && seen++ === nth) return { line: i + 1, column: c + 1 };
  }
  throw new Error(`${needle} not in the mesh`);
}

/** The only diagnostic; fails with all of them when there is not exactly one. */
function only(ds: Diagnostic[]): Diagnostic {
  expect(ds, JSON.stringify(ds, null, 1)).toHaveLength(1);
  return ds[0]!;
}

describe('an unknown reference with a near name gets a "did you mean" hint', () => {
  const cases: { what: string; code: string; near: string; typo: string; text: string }[] = [
    {
      what: 'a uses entry',
      code: 'MC3004', near: 'orders', typo: 'ordres',
      text: MESH + service('orders') + service('frontend', 3000, '  uses: [ { service: ordres } ]\n'),
    },
    {
      what: "a Filter's target.service",
      code: 'MC3004', near: 'orders', typo: 'ordres',
      text: MESH + service('orders') + filter('service: ordres', 'type: allow', 'from: [ { cidr: 10.0.0.0/8 } ]'),
    },
    {
      what: "a Filter's target.gateway",
      code: 'MC3007', near: 'edge', typo: 'egde',
      text: MESH + service('orders') + GATEWAY + filter('gateway: egde', 'type: rateLimit', 'rateLimit: { requests: 100, per: 1s }'),
    },
    {
      what: 'a from: { service } entry',
      code: 'MC3004', near: 'frontend', typo: 'frontedn',
      text: MESH + service('orders') + service('frontend', 3000) + filter('service: orders', 'type: allow', 'from: [ { service: frontedn } ]'),
    },
    {
      what: 'a from: { gateway } entry',
      code: 'MC3007', near: 'edge', typo: 'egde',
      text: MESH + service('orders') + GATEWAY + filter('service: orders', 'type: allow', 'from: [ { gateway: egde } ]'),
    },
    {
      what: "a Route's gateway",
      code: 'MC3007', near: 'edge', typo: 'egde',
      text: MESH + service('orders') + GATEWAY + route('r2', 'egde'),
    },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      const d = only(await check(c.text));
      expect(d.code).toBe(c.code);
      expect(d.severity).toBe('error');
      expect(d.message).toContain(`"${c.typo}"`);
      // At the misspelt name itself, not at its key or the document.
      const at = locate(c.text, c.typo);
      expect(d.span).toMatchObject({ file: 'mesh.yaml', line: at.line, column: at.column, endLine: at.line, endColumn: at.column + c.typo.length });
      expect(d.hint).toMatch(new RegExp(`^did you mean "${c.near}"\\?`));
    });
  }

  it('no hint names a candidate when nothing is near', async () => {
    const text = MESH + service('orders') + service('frontend', 3000, '  uses: [ { service: zzzzzzzz } ]\n');
    const d = only(await check(text));
    expect(d.code).toBe('MC3004');
    expect(d.hint).toBeDefined();
    expect(d.hint).not.toContain('did you mean');
  });
});

describe('a duplicate name points at the first definition', () => {
  it('Service declared twice: MC3001 at the second, related span at the first', async () => {
    const text = MESH + service('orders') + service('orders', 9090);
    const d = only(await check(text));
    expect(d.code).toBe('MC3001');
    expect(d.severity).toBe('error');
    const first = locate(text, 'name: orders', 0);
    const second = locate(text, 'name: orders', 1);
    const col = (p: { column: number }) => p.column + 'name: '.length;
    expect(d.span).toMatchObject({ file: 'mesh.yaml', line: second.line, column: col(second) });
    expect(d.related).toHaveLength(1);
    expect(d.related![0]!.message).toMatch(/first/);
    expect(d.related![0]!.span).toEqual({ file: 'mesh.yaml', line: first.line, column: col(first), endLine: first.line, endColumn: col(first) + 'orders'.length });
  });

  it('across files: the related span names the other file', async () => {
    const a = MESH + service('orders');
    const b = service('orders', 9090).replace(/^---\n/, '');
    const r = await compileMemory({ 'a.yaml': a, 'b.yaml': b }, { checkOnly: true });
    const d = only(r.diagnostics);
    expect(d.code).toBe('MC3001');
    expect(d.span).toMatchObject({ file: 'b.yaml', line: 3, column: 19 });
    const first = locate(a, 'name: orders');
    expect(d.related?.[0]?.span).toMatchObject({ file: 'a.yaml', line: first.line, column: first.column + 'name: '.length });
  });

  it('names are unique per kind: a Route and a Service may share one', async () => {
    const text = MESH + service('orders') + `---
apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: orders }
spec:
  service: orders
  rules:
    - backends: [ { service: orders } ]
`;
    expect(await check(text)).toEqual([]);
  });
});

describe('a port conflict points at where each port is set', () => {
  const meshWith = (sidecar: string) => MESH.replace('spec: { namespace: ns, trustDomain: td.local }', `spec: { namespace: ns, trustDomain: td.local, sidecar: { ${sidecar} } }`);

  it('a local port on the Mesh\'s admin port: related span at the Mesh\'s adminPort', async () => {
    const text = meshWith('adminPort: 15000') + service('a', 8080, '  uses: [ { service: b, localPort: 15000 } ]\n') + service('b');
    const d = only(await check(text));
    expect(d.code).toBe('MC3010');
    expect(d.span).toMatchObject(locate(text, '15000 }', 1));
    expect(d.related?.map((r) => r.span)).toEqual([expect.objectContaining(locate(text, '15000'))]);
  });

  it('an app port on the Mesh\'s admin port: reported at the app port, related span at the adminPort', async () => {
    const text = meshWith('adminPort: 9000') + service('a', 9000);
    const d = only(await check(text));
    expect(d.code).toBe('MC3010');
    expect(d.span).toMatchObject(locate(text, '9000 }', 1));
    expect(d.related?.map((r) => r.span)).toEqual([expect.objectContaining(locate(text, '9000'))]);
  });

  it('an app port on the default admin port: no related span (the default is set nowhere)', async () => {
    const text = MESH + service('a', 15000);
    const d = only(await check(text));
    expect(d.code).toBe('MC3010');
    expect(d.span).toMatchObject(locate(text, '15000'));
    expect(d.related ?? []).toEqual([]);
  });
});

describe('jwt Filters on one port', () => {
  const jwks = resolve('examples/webshop/keys/jwks.json');
  const jwtFilter = (name: string, issuer: string, ports = '') => `---
apiVersion: meshc/v1alpha1
kind: Filter
metadata: { name: ${name} }
spec:
  target: { service: orders }
  type: jwt
${ports}  jwt: { issuer: "${issuer}", jwksFile: ${JSON.stringify(jwks)} }
`;

  it('two with different issuers on one port: warning MC3060 at the second issuer, related to the first', async () => {
    const text = MESH + service('orders') + jwtFilter('a', 'https://one.example.com') + jwtFilter('b', 'https://two.example.com');
    const d = only(await check(text));
    expect(d.code).toBe('MC3060');
    expect(d.severity).toBe('warning');
    expect(d.span).toMatchObject(locate(text, '"https://two.example.com'));
    expect(d.related?.map((r) => r.span)).toEqual([expect.objectContaining(locate(text, '"https://one.example.com'))]);
  });

  it('the same issuer twice, or issuers on different ports: no warning', async () => {
    expect(await check(MESH + service('orders') + jwtFilter('a', 'https://one.example.com') + jwtFilter('b', 'https://one.example.com'))).toEqual([]);
    const twoPorts = MESH + service('orders').replace('ports: [ { name: http, port: 8080 } ]', 'ports: [ { name: http, port: 8080 }, { name: admin, port: 8081 } ]');
    expect(await check(twoPorts + jwtFilter('a', 'https://one.example.com', '  ports: [http]\n') + jwtFilter('b', 'https://two.example.com', '  ports: [admin]\n'))).toEqual([]);
  });
});
