import { describe, expect, it, vi } from 'vitest';
import { loadFromMemory, loadMesh } from '../../src/dsl/load.js';
import { SchemaCodes } from '../../src/schema/codes.js';
import { usesPrecompiledValidator, validateDocuments } from '../../src/schema/validate.js';

/** Loads YAML text as one file and validates it: the loader must be clean. */
function run(text: string) {
  const load = loadFromMemory({ 'mesh.yaml': text });
  expect(load.diagnostics).toEqual([]);
  return validateDocuments(load.documents);
}

/** code@line:column of every diagnostic, in order. */
function where(text: string): string[] {
  return run(text).diagnostics.map((d) => `${d.code}@${d.span?.line}:${d.span?.column}`);
}

const head = (kind: string) => `apiVersion: meshc/v1alpha1\nkind: ${kind}\nmetadata:\n  name: x\n`;

describe('validateDocuments', () => {
  it('passes every resource of examples/webshop, unchanged', () => {
    const load = loadMesh('examples/webshop');
    const r = validateDocuments(load.documents);
    expect(r.diagnostics).toEqual([]);
    expect(r.resources.length).toBe(load.documents.length);
    for (const [i, res] of r.resources.entries()) {
      expect(res.doc).toBe(load.documents[i]);
      expect(res.resource).toBe(load.documents[i]!.value);
    }
  });

  it('drops documents with errors and keeps the others', () => {
    const r = run(`${head('Service')}spec:\n  ports: [{ name: http, port: 80 }]\n---\n${head('Service')}spec:\n  ports: []\n`);
    expect(r.resources.map((x) => x.doc.index)).toEqual([0]);
    expect(r.diagnostics.map((d) => d.code)).toEqual([SchemaCodes.ItemCount.code]);
  });

  it('uses the documented codes', () => {
    expect(Object.values(SchemaCodes).map((c) => c.code)).toEqual([
      'MC2001', 'MC2002', 'MC2003', 'MC2004', 'MC2005', 'MC2006', 'MC2007', 'MC2008', 'MC2009', 'MC2010', 'MC2011', 'MC2012',
    ]);
    for (const c of Object.values(SchemaCodes)) expect(c.doc.length).toBeGreaterThan(40);
  });

  describe('points at the exact node for each family of error', () => {
    it.each([
      // unknown field → its key
      ['unknown field', `${head('Service')}spec:\n  ports: [{ name: http, port: 80 }]\n  timout: 5s\n`, ['MC2001@7:3']],
      ['unknown field in a flow mapping', `${head('Service')}spec:\n  ports: [{ name: http, port: 80, proto: http }]\n`, ['MC2001@6:35']],
      ['unknown top-level field', `${head('Service')}spec:\n  ports: [{ name: http, port: 80 }]\nstatus: {}\n`, ['MC2001@7:1']],
      ['a field of another Filter type', `${head('Filter')}spec:\n  target: { service: a }\n  type: allow\n  rateLimit: { requests: 1, per: 1s }\n`, ['MC2001@8:3']],
      // missing field → the mapping that lacks it (its key), or the document
      ['missing field', `${head('Service')}spec:\n  ports:\n    - name: http\n      protocol: http\n`, ['MC2002@7:7']],
      ['missing spec', head('Service'), ['MC2002@1:1']],
      ['missing nested field', `${head('Filter')}spec:\n  target: { service: a }\n  type: rateLimit\n  rateLimit:\n    per: 1s\n`, ['MC2002@8:3']],
      ['missing kind', `apiVersion: meshc/v1alpha1\nmetadata: { name: x }\nspec: {}\n`, ['MC2002@1:1']],
      ['missing apiVersion', `# a comment\nkind: Service\nmetadata: { name: x }\nspec: { ports: [{ name: http, port: 80 }] }\n`, ['MC2002@2:1']],
      ['missing Filter type', `${head('Filter')}spec:\n  target: { service: a }\n`, ['MC2002@5:1']],
      // wrong type → the value
      ['wrong type (string for integer)', `${head('Service')}spec:\n  ports: [{ name: http, port: "80" }]\n`, ['MC2003@6:31']],
      ['wrong type (number for duration)', `${head('Service')}spec:\n  ports: [{ name: http, port: 80 }]\n  timeout: 5\n`, ['MC2003@7:12']],
      ['wrong type (empty value)', `${head('Service')}spec:\n  ports: [{ name: http, port: 80 }]\n  workload:\n`, ['MC2003@7:3']],
      ['wrong type (mapping for list)', `${head('Service')}spec:\n  ports: { name: http, port: 80 }\n`, ['MC2003@6:10']],
      ['wrong type (string for a union of mappings)', `${head('Filter')}spec:\n  target: { service: a }\n  type: allow\n  from: [frontend]\n`, ['MC2003@8:10']],
      // not one of the allowed values → the value
      ['enum', `${head('Service')}spec:\n  ports: [{ name: http, port: 80, protocol: htp }]\n`, ['MC2004@6:45']],
      ['Filter type', `${head('Filter')}spec:\n  target: { service: a }\n  type: alow\n`, ['MC2004@7:9']],
      ['a literal union with a pattern (RetryOn)', `${head('Service')}spec:\n  ports: [{ name: http, port: 80 }]\n  retries: { attempts: 1, on: [5xx, 5xxx] }\n`, ['MC2004@7:37']],
      ['a string form of a union (HashOn)', `${head('Service')}spec:\n  ports: [{ name: http, port: 80 }]\n  loadBalancer: { policy: maglev, hashOn: src-ip }\n`, ['MC2004@7:43']],
      ['redirect status', `${head('Route')}spec:\n  service: a\n  rules:\n    - redirect: { status: 200 }\n`, ['MC2004@8:27']],
      // pattern / format → the value
      ['bad name', `apiVersion: meshc/v1alpha1\nkind: Service\nmetadata:\n  name: Catalog\nspec:\n  ports: [{ name: http, port: 80 }]\n`, ['MC2005@4:9']],
      ['bad duration', `${head('Service')}spec:\n  ports: [{ name: http, port: 80 }]\n  timeout: 5 s\n`, ['MC2005@7:12']],
      ['bad CIDR', `${head('Filter')}spec:\n  target: { service: a }\n  type: deny\n  from:\n    - cidr: 10.0.0.0/33\n`, ['MC2005@9:13']],
      ['bad port name', `${head('Service')}spec:\n  ports: [{ name: HTTP, port: 80 }]\n`, ['MC2005@6:19']],
      ['bad path in a union form', `${head('Route')}spec:\n  service: a\n  rules:\n    - match: { path: { prefix: api } }\n`, ['MC2005@8:32']],
      // string length → the value
      ['too long', `apiVersion: meshc/v1alpha1\nkind: Service\nmetadata:\n  name: ${'a'.repeat(64)}\nspec:\n  ports: [{ name: http, port: 80 }]\n`, ['MC2006@4:9']],
      // out of range → the value
      ['port out of range', `${head('Service')}spec:\n  ports: [{ name: http, port: 0 }]\n`, ['MC2007@6:31']],
      ['percent out of range', `${head('Route')}spec:\n  service: a\n  rules:\n    - mirror: { service: a, percent: 150 }\n`, ['MC2007@8:38']],
      // too few / many items → the list
      ['too few items', `${head('Route')}spec:\n  service: a\n  rules: []\n`, ['MC2008@7:10']],
      // duplicate items → the later duplicate
      ['duplicate items', `${head('Route')}spec:\n  service: a\n  rules:\n    - match: { methods: [GET, POST, GET] }\n`, ['MC2009@8:37']],
      // bad key → the key
      ['bad label key', `apiVersion: meshc/v1alpha1\nkind: Service\nmetadata:\n  name: x\n  labels:\n    "bad key": x\nspec:\n  ports: [{ name: http, port: 80 }]\n`, ['MC2010@6:5']],
      ['bad version name', `${head('Service')}spec:\n  ports: [{ name: http, port: 80 }]\n  versions:\n    V2: {}\n`, ['MC2010@8:5']],
      ['bad header name key', `${head('Route')}spec:\n  service: a\n  rules:\n    - match: { headers: { X-Canary: { exact: "1" } } }\n`, ['MC2010@8:27']],
      // no form of a union → the value
      ['no form of a union', `${head('Route')}spec:\n  service: a\n  rules:\n    - match: { path: { begins: /a } }\n`, ['MC2011@8:22']],
    ])('%s', (_name, text, expected) => {
      expect(where(text)).toEqual(expected);
    });
  });

  describe('collapses noise into one diagnostic per problem', () => {
    it('a misspelt required field is one unknown field with a did-you-mean, not also a missing field', () => {
      const r = run(`${head('Service')}spec:\n  ports: [{ name: http, prt: 80 }]\n`);
      expect(r.diagnostics.map((d) => `${d.code}@${d.span?.line}:${d.span?.column}`)).toEqual(['MC2001@6:25']);
      expect(r.diagnostics[0]!.hint).toContain('"port"');
    });

    it('a misspelt union form reports only the closest form', () => {
      expect(where(`${head('Route')}spec:\n  service: a\n  rules:\n    - match: { path: { prefx: /a } }\n`)).toEqual(['MC2001@8:24']);
    });

    it('two forms of a union at once name the conflict', () => {
      const r = run(`${head('Route')}spec:\n  service: a\n  rules:\n    - match: { path: { exact: /a, prefix: /b } }\n`);
      expect(r.diagnostics.map((d) => `${d.code}@${d.span?.line}:${d.span?.column}`)).toEqual(['MC2001@8:35']);
      expect(r.diagnostics[0]!.hint).toContain('cannot be combined');
    });

    it('a wrong Filter type reports only the selected branch', () => {
      // deny takes from/http; jwt is not a deny field, and nothing of the other branches is reported.
      const r = run(`${head('Filter')}spec:\n  target: { service: a }\n  type: deny\n  jwt: { issuer: x, jwksFile: j.json }\n  from: [{ cidr: 10.0.0.0/8 }]\n`);
      expect(r.diagnostics.map((d) => `${d.code}@${d.span?.line}:${d.span?.column}`)).toEqual(['MC2001@8:3']);
      expect(r.diagnostics[0]!.hint).toContain('type: jwt');
    });

    it('a value of the wrong type gets one diagnostic, not one per branch', () => {
      expect(where(`${head('Filter')}spec: [1]\n`)).toEqual(['MC2003@5:7']);
      expect(where(`${head('Route')}spec:\n  service: a\n  rules:\n    - match: { headers: { x-a: 5 } }\n`)).toEqual(['MC2003@8:32']);
    });

    it('a name that is both too long and malformed is one diagnostic', () => {
      expect(where(`apiVersion: meshc/v1alpha1\nkind: Service\nmetadata:\n  name: ${'A'.repeat(70)}\nspec:\n  ports: [{ name: http, port: 80 }]\n`)).toEqual(['MC2005@4:9']);
    });

    it('reports every problem of a document, in position order', () => {
      const text = `${head('Service')}spec:\n  ports:\n    - { name: http, port: 99999, protocol: htp }\n  timeout: 5\n  replicas: 2\n  retries: { attempts: 1, on: [reset, reset] }\n`;
      expect(where(text)).toEqual(['MC2007@7:27', 'MC2004@7:44', 'MC2003@8:12', 'MC2001@9:3', 'MC2009@10:39']);
    });

    it('gives hints: did-you-mean, allowed values, the form expected', () => {
      const r = run(`${head('Service')}spec:\n  ports: [{ name: http, port: 80, protocol: htp }]\n  loadBalancer: { policy: least_request }\n`);
      expect(r.diagnostics[0]!.hint).toBe('did you mean "http"? allowed: http, http2, grpc, tcp');
      expect(r.diagnostics[1]!.hint).toContain('did you mean "least-request"?');
      const q = run(`${head('Service')}spec:\n  ports: [{ name: http, port: 80 }]\n  retries: { attempts: 1, on: [503] }\n`);
      expect(q.diagnostics.map((d) => `${d.code}@${d.span?.line}:${d.span?.column}`)).toEqual(['MC2003@7:32']);
      expect(q.diagnostics[0]!.hint).toBe('quote it: "503"');
    });

    it('points at the first occurrence of a duplicate as a related span', () => {
      const r = run(`${head('Route')}spec:\n  service: a\n  rules:\n    - match: { methods: [GET, POST, GET] }\n`);
      expect(r.diagnostics[0]!.related?.map((x) => `${x.span.line}:${x.span.column} ${x.message}`)).toEqual(['8:26 first here']);
    });
  });

  it('runs on the precompiled validator, which reports exactly what ajv compiling the schema reports', async () => {
    expect(usesPrecompiledValidator()).toBe(true);
    const text = [
      `${head('Service')}spec:\n  ports: [{ name: HTTP, prt: 99999, protocol: htp }]\n  timeout: 5\n  versions: { V1: {} }\n  retries: { attempts: 1, on: [5xxx, reset, reset] }\n  loadBalancer: { policy: maglev, hashOn: { cokie: { name: sid } } }\n`,
      `${head('Filter')}spec:\n  target: { service: a }\n  type: deny\n  rateLimit: { requests: 1 }\n  from: [frontend, { cidr: 10.0.0.0/33 }, { x: 1 }]\n`,
      `${head('Route')}spec:\n  service: a\n  rules:\n    - match: { path: { prefx: /a }, headers: { X-A: { exact: "1" } } }\n      redirect: { status: 200 }\n    - match: { path: { exact: /a, prefix: /b } }\n`,
      `apiVersion: meshc/v1alpha1\nmetadata: { name: x }\n`,
    ].join('---\n');
    const precompiled = run(text).diagnostics;
    expect(precompiled.length).toBeGreaterThan(10);
    vi.resetModules();
    process.env.MESHC_NO_PRECOMPILED_VALIDATOR = '1';
    try {
      const fresh = await import('../../src/schema/validate.js');
      const freshLoad = await import('../../src/dsl/load.js');
      expect(fresh.usesPrecompiledValidator()).toBe(false);
      expect(fresh.validateDocuments(freshLoad.loadFromMemory({ 'mesh.yaml': text }).documents).diagnostics).toEqual(precompiled);
    } finally {
      delete process.env.MESHC_NO_PRECOMPILED_VALIDATOR;
      vi.resetModules();
    }
  });

  it('validates 10,000 Service documents (its time is measured by npm run bench, not asserted here)', () => {
    // 200 distinct documents, each validated 50 times: validation cost does not depend on identity,
    // and loading 10,000 documents is the loader's business (and time).
    const docs: string[] = [];
    for (let i = 0; i < 200; i++) {
      docs.push(
        `apiVersion: meshc/v1alpha1\nkind: Service\nmetadata: { name: svc-${i}, labels: { team: t${i % 10} } }\nspec:\n` +
          `  ports: [{ name: http, port: 8080 }, { name: grpc, port: 9090, protocol: grpc }]\n` +
          `  endpoints: [10.0.0.${i}]\n  versions: { v1: { labels: { version: v1 } }, v2: { labels: { version: v2 } } }\n` +
          `  retries: { attempts: 2, on: [5xx, "503"] }\n  uses: [{ service: svc-${(i + 1) % 200}, localPort: 9001 }]\n`,
      );
    }
    const load = loadFromMemory({ 'big.yaml': docs.join('---\n') });
    expect(load.documents.length).toBe(200);
    const all = Array.from({ length: 10_000 }, (_, i) => load.documents[i % 200]!);
    const r = validateDocuments(all);
    expect(r.diagnostics).toEqual([]);
    expect(r.resources.length).toBe(10_000);
  });

  it('explains 1,000 invalid documents, two problems each', () => {
    const text = Array.from({ length: 100 }, (_, i) => `${head('Service')}spec:\n  ports: [{ name: http, prt: ${i} }]\n  timeout: 5\n`).join('---\n');
    const load = loadFromMemory({ 'bad.yaml': text });
    const all = Array.from({ length: 1000 }, (_, i) => load.documents[i % 100]!);
    const r = validateDocuments(all);
    expect(r.diagnostics.length).toBe(2000);
  });
});
