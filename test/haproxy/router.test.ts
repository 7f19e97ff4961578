/**
 * Routing through maps keeps first-match semantics: for random tables of path rules (exact, prefix,
 * catch-all) and random request paths, looking the path up the way HAProxy does (exact map, then the
 * longest prefix of the prefix map) picks the same rule as trying the rules in order. Also: a
 * sidecar's config depends only on what its service uses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RuleIR } from '../../src/ir/types.js';
import { Backends } from '../../targets/haproxy/backends.js';
import { ProxyBuild } from '../../targets/haproxy/build.js';
import { route } from '../../targets/haproxy/router.js';
import { emit, irOf, recordingContext } from './harness.js';

const span = { file: 'f.yaml', line: 1, column: 1, endLine: 1, endColumn: 2 };

function rule(i: number, path?: { kind: 'exact' | 'prefix'; value: string }): RuleIR {
  return {
    name: `r${i}`,
    index: i,
    match: { ...(path ? { path } : {}), headers: [], query: [], methods: [] },
    action: { kind: 'forward', backends: [{ cluster: 'c.http', service: 'c', port: 'http', weight: 1, span }] },
    timeoutMs: 1000,
    headers: { request: { set: [], add: [], remove: [] }, response: { set: [], add: [], remove: [] } },
    span,
    featureSpans: {},
  };
}

/** First-match semantics, as the DSL defines them. */
function firstMatch(rules: RuleIR[], path: string): number | undefined {
  const i = rules.findIndex((r) => {
    const p = r.match.path;
    if (!p) return true;
    return p.kind === 'exact' ? path === p.value : path.startsWith(p.value);
  });
  return i < 0 ? undefined : i;
}

/** HAProxy's lookups over the emitted maps: map_str (exact), then map_beg (longest prefix). */
function viaMaps(files: Map<string, string>, path: string): number | undefined {
  const parse = (name: string): Map<string, number> =>
    new Map(
      (files.get(name) ?? '')
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))] as [string, number]),
    );
  const exact = parse('haproxy/t.out.s0.exact.map');
  const prefix = parse('haproxy/t.out.s0.prefix.map');
  if (exact.has(path)) return exact.get(path);
  let best: string | undefined;
  for (const k of prefix.keys()) if (path.startsWith(k) && (best === undefined || k.length > best.length)) best = k;
  return best === undefined ? undefined : prefix.get(best);
}

describe('haproxy routing maps', () => {
  it('equal first-match semantics for path rules', () => {
    const seg = fc.constantFrom('a', 'b', 'ab', 'x', '');
    const pathArb = fc.array(seg, { minLength: 0, maxLength: 4 }).map((s) => '/' + s.join('/'));
    const ruleArb = fc.oneof(
      fc.record({ kind: fc.constant<'exact'>('exact'), value: pathArb }),
      fc.record({ kind: fc.constant<'prefix'>('prefix'), value: pathArb }),
      fc.constant(undefined),
    );
    fc.assert(
      fc.property(fc.array(ruleArb, { minLength: 1, maxLength: 8 }), fc.array(pathArb, { minLength: 1, maxLength: 20 }), (paths, requests) => {
        const rules = paths.map((p, i) => rule(i, p));
        const build = new ProxyBuild('t', recordingContext(), { dir: '/c', cert: '/c/t', key: '/c/k', haproxyKey: '/c/t.key', ca: '/c/ca' }, {});
        const backends = new Backends(build, [
          { id: 'c.http', service: 'c', port: 'http', protocol: 'http', discovery: 'static', endpoints: [{ host: '10.0.0.1', kind: 'ipv4', port: 80 }], loadBalancer: { policy: 'round-robin' }, circuitBreaker: { maxConnections: 1, maxPendingRequests: 1, maxRequests: 1, maxRetries: 1 }, connectTimeoutMs: 1000 },
        ]);
        const out = route(build, backends, { frontend: 'out', vhosts: [{ hosts: [], rules }], hostRouting: false, scheme: 'http' });
        // Path-only rules need no per-rule ACL: one or two map lookups, whatever the table's size.
        expect(out.request.filter((l) => l.words[1] === 'set-var(txn.rule)').length).toBeLessThanOrEqual(2);
        const files = new Map(build.files.map((f) => [f.path, f.content]));
        for (const p of requests) expect(viaMaps(files, p), `${p} in ${JSON.stringify(paths)}`).toBe(firstMatch(rules, p));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a sidecar config byte-identical however many services the mesh has besides what it uses', async () => {
    const base = (extra: number): Record<string, string> => {
      let yaml = `
apiVersion: meshc/v1alpha1
kind: Mesh
metadata: { name: m }
spec: { namespace: m, trustDomain: m.local, defaultAction: allow }
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: a }
spec:
  workload: { image: registry.example.com/a:1 }
  ports: [{ name: http, port: 8080 }]
  uses: [{ service: b, localPort: 9000 }]
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: b }
spec:
  workload: { image: registry.example.com/b:1 }
  ports: [{ name: http, port: 8080 }]
`;
      for (let i = 0; i < extra; i++) {
        yaml += `---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: other-${i} }
spec:
  workload: { image: registry.example.com/o:1 }
  ports: [{ name: http, port: 8080 }]
  uses: [{ service: b, localPort: 9000 }]
`;
      }
      return { 'mesh.yaml': yaml };
    };
    const small = emit(await irOf(base(0))).files.filter((f) => f.path.startsWith('haproxy/a.'));
    const large = emit(await irOf(base(200))).files.filter((f) => f.path.startsWith('haproxy/a.'));
    expect(large).toEqual(small);
  });
});

describe('haproxy proxy names', () => {
  it('never give a cluster the name of one of the target\'s own backends', async () => {
    const ir = await irOf({
      'mesh.yaml': `
apiVersion: meshc/v1alpha1
kind: Mesh
metadata: { name: m }
spec: { namespace: m, trustDomain: m.local, defaultAction: allow, mtls: permissive }
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: app }
spec:
  workload: { image: registry.example.com/a:1 }
  ports: [{ name: http, port: 8080 }]
  uses: [{ service: app, localPort: 9000 }, { service: in, localPort: 9001 }, { service: rl, localPort: 9002 }]
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: in }
spec:
  workload: { image: registry.example.com/a:1 }
  ports: [{ name: http, port: 8080 }]
  versions: { tls: {}, plain: {} }
---
apiVersion: meshc/v1alpha1
kind: Service
metadata: { name: rl }
spec:
  workload: { image: registry.example.com/a:1 }
  ports: [{ name: in, port: 8080 }]
---
apiVersion: meshc/v1alpha1
kind: Filter
metadata: { name: http }
spec: { target: { service: app }, type: rateLimit, rateLimit: { requests: 1, per: 1s } }
`,
    });
    const cfg = emit(ir).files.find((f) => f.path === 'haproxy/app.cfg')!.content;
    const backends = cfg.split('\n').filter((l) => l.startsWith('backend ')).map((l) => l.slice(8));
    expect(backends).toContain('app.http');
    expect(backends).toContain('_app.http');
    expect(new Set(backends).size).toBe(backends.length);
  });
});
