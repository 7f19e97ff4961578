import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { loadMesh } from '../../src/dsl/load.js';
import { readSchemaText } from '../../src/schema/cli.js';

// The committed schema, compiled by an ajv of its own in strict mode (unknown keywords, ignored
// keywords, types missing for type-specific keywords, union types… are all compile errors).
const schema = JSON.parse(readSchemaText()) as Record<string, unknown>;
const ajv = new Ajv.default({ strict: true, allErrors: true });
addFormats.default(ajv);
const validate = ajv.compile(schema);

const env = { apiVersion: 'meshc/v1alpha1' };
const mesh = (spec: unknown) => ({ ...env, kind: 'Mesh', metadata: { name: 'm' }, spec });
const service = (spec: unknown) => ({ ...env, kind: 'Service', metadata: { name: 's' }, spec });
const route = (spec: unknown) => ({ ...env, kind: 'Route', metadata: { name: 'r' }, spec });
const filter = (spec: unknown) => ({ ...env, kind: 'Filter', metadata: { name: 'f' }, spec });
const gateway = (spec: unknown) => ({ ...env, kind: 'Gateway', metadata: { name: 'g' }, spec });
const ports = [{ name: 'http', port: 8080 }];

function errorsOf(value: unknown): { keyword: string; instancePath: string }[] {
  if (validate(value)) return [];
  return (validate.errors ?? []).filter((e) => e.keyword !== 'if').map((e) => ({ keyword: e.keyword, instancePath: e.instancePath }));
}

describe('the schema', () => {
  it('compiles in ajv strict mode', () => {
    expect(typeof validate).toBe('function');
  });

  it('accepts every resource of examples/webshop', () => {
    const load = loadMesh('examples/webshop');
    expect(load.diagnostics).toEqual([]);
    expect(load.documents.length).toBeGreaterThanOrEqual(10);
    const kinds = new Set<string>();
    for (const doc of load.documents) {
      expect(errorsOf(doc.value), `${doc.file} #${doc.index}`).toEqual([]);
      kinds.add((doc.value as { kind: string }).kind);
    }
    expect([...kinds].sort()).toEqual(['Filter', 'Gateway', 'Mesh', 'Route', 'Service']);
  });

  const good: [string, unknown][] = [
    ['a minimal Mesh', mesh({ namespace: 'shop', trustDomain: 'shop.local' })],
    ['a full Mesh', mesh({
      namespace: 'shop', trustDomain: 'shop.local', mtls: 'permissive', defaultAction: 'allow',
      defaults: { timeout: '15s', connectTimeout: '1s', retries: { attempts: 2, perTryTimeout: '5s', on: ['connect-failure', 'reset', '503'] } },
      sidecar: { proxy: 'haproxy', image: 'haproxy:2.6', adminPort: 15000, inboundPort: 15006 },
      allowPartial: ['haproxy'], nftables: { refuse: 'reject' },
    })],
    ['a minimal Service', service({ ports })],
    ['a Service with sidecar: false and host:port endpoints', service({
      ports: [{ name: 'pg', port: 5432, protocol: 'tcp' }], sidecar: false,
      endpoints: ['10.0.0.1:6432', '[fd00::1]:5432', 'db-1.internal', 'fd00::2'],
    })],
    ['ring-hash on a header', service({ ports, loadBalancer: { policy: 'ring-hash', hashOn: { header: 'x-user' } } })],
    ['maglev on a cookie', service({ ports, loadBalancer: { policy: 'maglev', hashOn: { cookie: { name: 'sid', ttl: '1h' } } } })],
    ['ring-hash on source-ip', service({ ports, loadBalancer: { policy: 'ring-hash', hashOn: 'source-ip' } })],
    ['versions, workload and uses', service({
      ports, workload: { image: 'registry.example.com/x:1.0', replicas: 2, env: { LOG_LEVEL: 'info' }, resources: { cpu: '250m', memory: '256Mi' } },
      versions: { v1: { labels: { version: 'v1' } }, v2: { endpoints: ['10.0.0.2'], replicas: 1 } },
      uses: [{ service: 'orders', port: 'http', localPort: 9091 }],
    })],
    ['a Route with every action and policy', route({
      service: 's', port: 'http',
      rules: [
        {
          name: 'canary',
          match: { path: { prefix: '/api' }, headers: { 'x-canary': { exact: 'true' }, 'x-any': { present: true } }, query: { debug: { regex: '1|yes' } }, methods: ['GET'] },
          backends: [{ service: 's', version: 'v2', weight: 10 }, { service: 's', weight: 90 }],
          timeout: '2s', retries: { attempts: 1 },
          rewrite: { path: { regex: { pattern: '^/api/(.*)$', substitution: '/\\1' } }, host: 'x.internal' },
          headers: { request: { set: { 'x-env': 'prod' }, remove: ['x-debug'] }, response: { add: { 'x-served-by': 'meshc' } } },
          mirror: { service: 's', percent: 5 }, fault: { delay: { duration: '100ms', percent: 1 }, abort: { status: 503, percent: 0.5 } },
          cors: { allowOrigins: ['https://shop.example.com', '*'], allowMethods: ['GET'], maxAge: '1h', allowCredentials: false },
        },
        { match: { path: { exact: '/old' } }, redirect: { scheme: 'https', path: '/new', status: 301 } },
        { directResponse: { status: 200, body: 'pong', contentType: 'text/plain; charset=utf-8' } },
      ],
    })],
    ['a gateway Route', route({ gateway: 'edge', hosts: ['shop.example.com', '*.example.com'], rules: [{ backends: [{ service: 's' }] }] })],
    ['an allow Filter', filter({ target: { gateway: 'edge' }, type: 'allow', from: [{ service: 'a' }, { gateway: 'g' }, { cidr: '10.0.0.0/8' }, { cidr: 'fd00::/8' }], http: { methods: ['GET'], paths: ['/a/*'] } })],
    ['a deny Filter without from', filter({ target: { service: 's' }, ports: ['http'], type: 'deny' })],
    ['a rateLimit Filter', filter({ target: { service: 's' }, type: 'rateLimit', rateLimit: { requests: 100, per: '1s', burst: 200, by: 'source-ip' } })],
    ['a jwt Filter', filter({ target: { gateway: 'edge' }, type: 'jwt', jwt: { issuer: 'https://auth.example.com', audiences: ['shop'], jwksFile: 'jwks.json', allowMissing: true } })],
    ['a Gateway', gateway({
      proxy: 'envoy', replicas: 2, endpoints: ['192.0.2.10'],
      listeners: [{ name: 'http', port: 80, protocol: 'http', redirectToHttps: true }, { name: 'https', port: 443, protocol: 'https', hosts: ['shop.example.com'], tls: { secretName: 'shop-tls' } }],
    })],
  ];
  it.each(good)('accepts %s', (_name, value) => {
    expect(errorsOf(value)).toEqual([]);
  });

  const bad: [string, unknown, string, string][] = [
    ['a document without kind', { ...env, metadata: { name: 'x' }, spec: {} }, 'required', ''],
    ['an unknown kind', { ...env, kind: 'Serivce', metadata: { name: 'x' }, spec: {} }, 'enum', '/kind'],
    ['a Service without apiVersion', { kind: 'Service', metadata: { name: 's' }, spec: { ports } }, 'required', ''],
    ['a wrong apiVersion', { apiVersion: 'meshc/v2', kind: 'Service', metadata: { name: 's' }, spec: { ports } }, 'const', '/apiVersion'],
    ['an unknown top-level field', { ...service({ ports }), extra: 1 }, 'additionalProperties', ''],
    ['a name with upper case', { ...env, kind: 'Service', metadata: { name: 'Catalog' }, spec: { ports } }, 'pattern', '/metadata/name'],
    ['a name over 63 characters', { ...env, kind: 'Service', metadata: { name: 'a'.repeat(64) }, spec: { ports } }, 'maxLength', '/metadata/name'],
    ['a bad label key', { ...env, kind: 'Service', metadata: { name: 's', labels: { 'a b': 'x' } }, spec: { ports } }, 'propertyNames', '/metadata/labels'],
    ['a Mesh field on a Service', service({ ports, namespace: 'x' }), 'additionalProperties', '/spec'],
    ['a Service without ports', service({}), 'required', '/spec'],
    ['an empty ports list', service({ ports: [] }), 'minItems', '/spec/ports'],
    ['a port out of range', service({ ports: [{ name: 'http', port: 70000 }] }), 'maximum', '/spec/ports/0/port'],
    ['a port as a string', service({ ports: [{ name: 'http', port: '80' }] }), 'type', '/spec/ports/0/port'],
    ['a fractional port', service({ ports: [{ name: 'http', port: 80.5 }] }), 'type', '/spec/ports/0/port'],
    ['an unknown protocol', service({ ports: [{ name: 'http', port: 80, protocol: 'udp' }] }), 'enum', '/spec/ports/0/protocol'],
    ['a bare-number duration', service({ ports, timeout: '5' }), 'pattern', '/spec/timeout'],
    ['a duration without unit as a number', service({ ports, timeout: 5 }), 'type', '/spec/timeout'],
    ['an unknown retry condition', service({ ports, retries: { attempts: 1, on: ['5xxx'] } }), 'anyOf', '/spec/retries/on/0'],
    ['duplicate retry conditions', service({ ports, retries: { attempts: 1, on: ['reset', 'reset'] } }), 'uniqueItems', '/spec/retries/on'],
    ['too many retry attempts', service({ ports, retries: { attempts: 11 } }), 'maximum', '/spec/retries/attempts'],
    ['a bad endpoint', service({ ports, endpoints: ['not an endpoint'] }), 'pattern', '/spec/endpoints/0'],
    ['a bad version name', service({ ports, versions: { V1: {} } }), 'propertyNames', '/spec/versions'],
    ['a bad hashOn', service({ ports, loadBalancer: { policy: 'ring-hash', hashOn: 'src-ip' } }), 'anyOf', '/spec/loadBalancer/hashOn'],
    ['a bad env name', service({ ports, workload: { image: 'x', env: { '1X': 'y' } } }), 'propertyNames', '/spec/workload/env'],
    ['a negative weight', route({ service: 's', rules: [{ backends: [{ service: 's', weight: -1 }] }] }), 'minimum', '/spec/rules/0/backends/0/weight'],
    ['a Route without rules', route({ service: 's', rules: [] }), 'minItems', '/spec/rules'],
    ['two path match forms at once', route({ service: 's', rules: [{ match: { path: { exact: '/a', prefix: '/b' } } }] }), 'anyOf', '/spec/rules/0/match/path'],
    ['a path without a slash', route({ service: 's', rules: [{ match: { path: { prefix: 'api' } } }] }), 'anyOf', '/spec/rules/0/match/path'],
    ['a header value with a newline', route({ service: 's', rules: [{ headers: { request: { set: { 'x-a': 'a\r\nb: c' } } } }] }), 'pattern', '/spec/rules/0/headers/request/set/x-a'],
    ['an upper-case header name', route({ service: 's', rules: [{ headers: { request: { remove: ['X-A'] } } }] }), 'pattern', '/spec/rules/0/headers/request/remove/0'],
    ['a redirect status of 200', route({ service: 's', rules: [{ redirect: { status: 200 } }] }), 'enum', '/spec/rules/0/redirect/status'],
    ['a fault over 100 percent', route({ service: 's', rules: [{ fault: { abort: { status: 503, percent: 101 } } }] }), 'maximum', '/spec/rules/0/fault/abort/percent'],
    ['a Filter without type', filter({ target: { service: 's' } }), 'required', '/spec'],
    ['an unknown Filter type', filter({ target: { service: 's' }, type: 'block' }), 'enum', '/spec/type'],
    ['a rateLimit field on an allow Filter', filter({ target: { service: 's' }, type: 'allow', rateLimit: { requests: 1, per: '1s' } }), 'additionalProperties', '/spec'],
    ['from on a rateLimit Filter', filter({ target: { service: 's' }, type: 'rateLimit', rateLimit: { requests: 1, per: '1s' }, from: [{ service: 'a' }] }), 'additionalProperties', '/spec'],
    ['a jwt Filter without jwt', filter({ target: { service: 's' }, type: 'jwt' }), 'required', '/spec'],
    ['a bad CIDR', filter({ target: { service: 's' }, type: 'allow', from: [{ cidr: '10.0.0.0/33' }] }), 'anyOf', '/spec/from/0'],
    ['a source as a bare string', filter({ target: { service: 's' }, type: 'allow', from: ['frontend'] }), 'type', '/spec/from/0'],
    ['a Gateway listener with an unknown protocol', gateway({ proxy: 'envoy', listeners: [{ name: 'l', port: 80, protocol: 'udp' }] }), 'enum', '/spec/listeners/0/protocol'],
    ['a Gateway without listeners', gateway({ proxy: 'envoy' }), 'required', '/spec'],
  ];
  it.each(bad)('rejects %s', (_name, value, keyword, instancePath) => {
    expect(errorsOf(value)).toContainEqual({ keyword, instancePath });
  });
});
