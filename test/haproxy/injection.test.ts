/**
 * Hostile values in every user string that reaches an HAProxy config arrive inert: the configs have
 * exactly the structure they have with harmless values (same lines, same words per line, same
 * directives), and haproxy -c accepts them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import haproxy from '../../targets/haproxy/index.js';
import { parseLine } from '../../targets/haproxy/quote.js';
import { HAVE_HAPROXY, emit, irOf } from './harness.js';

/** Values valid for each field's schema, hostile or harmless. */
function values(hostile: boolean) {
  const pick = (bad: string, good: string): string => JSON.stringify(hostile ? bad : good);
  return {
    headerValue: pick(`a'b"c #d %[src] \\e $HOME \${X} ,)( -m found || !`, 'harmless-value'),
    headerName: pick(`x-a'b#c%d$e|f`, 'x-plain-name'),
    // (No `#` or `?`: paths refuse them, MC2005 — a path is matched without the query string.)
    path: pick(`/p'q"%[x]\\$HOME{};|`, '/plain-path'),
    prefix: pick(`/pre'"%%[y]\\;`, '/plain-prefix'),
    regex: pick(`/r'["#%]\\$[0-9]+`, '/regex/[0-9]+'),
    body: pick(`line1\nline2 %[src] '"# \\ $HOME\ttab ünï`, 'harmless body'),
    contentType: pick(`text/x-a'b;q#=1`, 'text/plain'),
    cert: pick(`/etc/tls/a b'c#d$e %[x].pem`, '/etc/tls/plain.pem'),
    issuer: pick(`https://x'y"#%[z]\\$HOME`, 'https://issuer.example.com'),
    audience: pick(`aud'"#%[a]\\`, 'plain-audience'),
    queryName: pick(`q'$(x)*+,;:@/?`, 'plain-query'),
    cookie: pick(`sid'#%$`, 'plain-cookie'),
  };
}

function mesh(hostile: boolean, jwks: string): Record<string, string> {
  const v = values(hostile);
  return {
    'mesh.yaml': `
apiVersion: meshc/v1alpha1
kind: Mesh
metadata: { name: inj }
spec: { namespace: inj, trustDomain: inj.local, defaultAction: deny }
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: caller }
spec:
  workload: { image: registry.example.com/caller:1 }
  ports: [{ name: http, port: 8080 }]
  uses: [{ service: target, localPort: 9000 }]
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: target }
spec:
  workload: { image: registry.example.com/target:1 }
  ports: [{ name: http, port: 8080 }]
  versions: { v1: {}, v2: {} }
  loadBalancer: { policy: ring-hash, hashOn: { cookie: { name: ${v.cookie}, ttl: 1h } } }
  healthCheck: { path: ${v.path} }
---
apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: target }
spec:
  service: target
  rules:
    - match: { headers: { ${v.headerName}: { exact: ${v.headerValue} } }, query: { ${v.queryName}: { prefix: ${v.headerValue} } } }
      backends: [{ service: target, version: v2 }]
    - match: { path: { exact: ${v.path} } }
      directResponse: { status: 200, body: ${v.body}, contentType: ${v.contentType} }
    - match: { path: { regex: ${v.regex} } }
      rewrite: { path: { regex: { pattern: ${v.regex}, substitution: ${v.path} } } }
      backends: [{ service: target, version: v1 }]
    - match: { path: { prefix: ${v.prefix} } }
      rewrite: { path: { prefix: ${v.path} } }
      headers:
        request: { set: { ${v.headerName}: ${v.headerValue} }, add: { x-add: ${v.headerValue} }, remove: [${v.headerName}] }
        response: { set: { ${v.headerName}: ${v.headerValue} } }
      backends: [{ service: target, version: v1 }]
    - match: { path: { prefix: /r } }
      redirect: { path: ${v.path} }
    - match: { headers: { x-cors: { regex: ${v.regex} } } }
      cors: { allowOrigins: [https://a.example.com], allowHeaders: [${v.headerName}], exposeHeaders: [${v.headerName}] }
      backends: [{ service: target, version: v1 }]
    - backends: [{ service: target, version: v1 }]
---
apiVersion: meshc/v1alpha1
kind: Filter
metadata: { name: target-allow }
spec:
  target: { service: target }
  type: allow
  from: [{ service: caller }, { gateway: edge }]
  http: { paths: [${v.path}, ${JSON.stringify(JSON.parse(v.prefix) + '*')}] }
---
apiVersion: meshc/v1alpha1
kind: Filter
metadata: { name: target-jwt }
spec:
  target: { service: target }
  type: jwt
  jwt: { issuer: ${v.issuer}, audiences: [${v.audience}], jwksFile: ${JSON.stringify(jwks)}, fromHeader: ${v.headerName} }
---
apiVersion: meshc/v1alpha1
kind: Gateway
metadata: { name: edge }
spec:
  proxy: haproxy
  listeners: [{ name: https, port: 443, protocol: https, tls: { certificateFile: ${v.cert} } }]
---
apiVersion: meshc/v1alpha1
kind: Route
metadata: { name: edge }
spec:
  gateway: edge
  rules:
    - match: { path: { prefix: ${v.prefix} } }
      backends: [{ service: target, version: v1 }]
`,
  };
}

/** The structure of a config: per line, its word count and its first two words. */
function shape(content: string): string[] {
  return content.split('\n').map((l) => {
    const w = parseLine(l);
    return `${w.length}:${w.slice(0, 2).map((x) => x.value).join(' ')}`;
  });
}

describe('hostile strings arrive inert in HAProxy configs', () => {
  const jwks = join(process.cwd(), 'examples/webshop/keys/jwks.json');

  it('gives the same structure as harmless values, and haproxy -c accepts it', async () => {
    const bad = emit(await irOf(mesh(true, jwks)));
    const good = emit(await irOf(mesh(false, jwks)));
    expect(bad.diagnostics).toEqual([]);
    expect(good.diagnostics).toEqual([]);
    expect(bad.files.map((f) => f.path)).toEqual(good.files.map((f) => f.path));
    bad.files.forEach((f, i) => {
      const g = good.files[i]!;
      if (f.path.endsWith('.cfg')) expect(shape(f.content), f.path).toEqual(shape(g.content));
      else expect(f.content.split('\n').length, f.path).toBe(g.content.split('\n').length);
    });
    // The hostile values are there, quoted, not dropped.
    const cfg = bad.files.find((f) => f.path === 'haproxy/caller.cfg')!.content;
    expect(cfg).toContain(`'a'\\''b"c #d %%[src] \\e $HOME \${X} ,)( -m found || !'`);
    if (HAVE_HAPROXY) {
      const tmp = mkdtempSync(join(tmpdir(), 'meshc-haproxy-inj-'));
      try {
        const r = await haproxy.verify!(bad.files, { tmpDir: tmp });
        expect(r.diagnostics).toEqual([]);
        expect(r.skipped).toEqual([]);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    } else if (process.env.CI) throw new Error('CI: haproxy must be installed');
    else console.warn('SKIPPED haproxy -c of the hostile configs: haproxy is not installed');
  });
});
