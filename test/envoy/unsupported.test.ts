/**
 * What Envoy cannot express is a diagnostic at the user's span, never a silent drop; and what it
 * refuses (two routes claiming one host) is an MC63xx error. Output that is still emitted passes
 * the verifier.
 */
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { MeshIR } from '../../src/ir/types.js';
import { emitEnvoy } from '../../targets/envoy/index.js';
import { verifyEnvoyFiles } from '../../targets/envoy/verify/index.js';
import { cluster, collecting, from, gateway, inbound, jwt, listener, meshIR, policy, port, rateLimit, rule, service, span, uses, where } from './ir.js';

function run(ir: MeshIR, allowPartial = false) {
  const { ctx, diagnostics } = collecting(allowPartial);
  const files = emitEnvoy(ir, ctx);
  const problems = verifyEnvoyFiles(files).problems.map((p) => `${p.info.code} ${p.file}:${p.line}:${p.column} ${p.path}`);
  return { files, diagnostics, at: where(diagnostics), problems };
}

function callerWith(r: ReturnType<typeof rule>, protocol: 'http' | 'tcp' = 'http'): MeshIR {
  const c = cluster(protocol === 'tcp' ? 'api.pg' : 'api.http', protocol === 'tcp' ? { protocol: 'tcp' } : {});
  return meshIR([service('web', { outbound: [uses('api', protocol === 'tcp' ? 'pg' : 'http', 9001, [r], protocol)], clusters: [c] })]);
}

describe('unsupported features, at the user span', () => {
  it('the absence of a query parameter', () => {
    const r = rule('q', ['api.http'], { match: { headers: [], query: [{ name: 'debug', kind: 'absent', value: '' }], methods: [] }, featureSpans: { 'match.query': span(42, 7, 'routes/api.yaml') } });
    const out = run(callerWith(r));
    expect(out.at).toEqual(['MC4001@routes/api.yaml:42:7']);
    expect(out.diagnostics[0]!.message).toBe('envoy cannot express matching the absence of a query parameter: Envoy route matching can require a query parameter but not its absence');
    expect(out.problems).toEqual([]);
  });

  it('a per-source-IP rate limit, on HTTP and TCP ports, reported once per Filter; a warning under allowPartial', () => {
    const http = port('http', 8080, 15006);
    const tcp = port('raw', 7000, 15007, 'tcp');
    const limit = rateLimit('per-ip', 10, 1000, 'source-ip', 5);
    const svc = service('api', { ports: [http, tcp], inbound: [inbound(http, { rateLimits: [limit] }), inbound(tcp, { rateLimits: [limit] })] });
    const out = run(meshIR([svc]));
    expect(out.at).toEqual(['MC4001@filters/per-ip.yaml:5:1']);
    expect(out.diagnostics[0]!.severity).toBe('error');
    expect(run(meshIR([svc]), true).diagnostics[0]!.severity).toBe('warning');
    expect(out.files[0]!.content).not.toContain('per-ip');
    expect(out.problems).toEqual([]);
  });

  it('JWT and HTTP conditions of a Filter on a TCP port', () => {
    const tcp = port('raw', 7000, 15006, 'tcp');
    const svc = service('api', {
      ports: [tcp],
      inbound: [inbound(tcp, { jwt: [jwt('tok', 3)], allow: [policy('readers', [from.cidr('10.0.0.0/8', 8)], 7, { methods: ['GET'], paths: [] })] })],
    });
    const out = run(meshIR([svc]));
    expect(out.at).toEqual(['MC4001@filters/tok.yaml:3:1', 'MC4001@filters/readers.yaml:7:1']);
    expect(out.problems).toEqual([]);
  });

  it('a source that presents no identity and has no IP address to match', () => {
    const svc = service('api', {
      inbound: [inbound(port('http', 8080, 15006), { allow: [policy('callers', [from.service('legacy', 12, [], false), from.service('dns-only', 13, ['legacy.internal'], false), from.service('web', 14)], 11)] })],
    });
    const strict = run(meshIR([svc]));
    expect(strict.at).toEqual(['MC4001@mesh.yaml:12:3', 'MC4001@mesh.yaml:13:3']);
    // with mTLS off, services with a sidecar present no identity either
    const off = run(meshIR([svc], [], { mtls: 'off' }));
    expect(off.at).toEqual(['MC4001@mesh.yaml:12:3', 'MC4001@mesh.yaml:13:3', 'MC4001@mesh.yaml:14:3']);
    expect(off.problems).toEqual([]);
    // at a gateway, clients present no mesh identity: services are matched by address
    const l = listener('https', 443, 'http');
    l.inbound = { ...l.inbound, allow: [policy('from-web', [from.service('web', 20, ['10.1.1.1'])], 19), policy('from-app', [from.service('app', 22)], 21)] };
    const gw = run(meshIR([], [gateway('edge', { listeners: [l] })]));
    expect(gw.at).toEqual(['MC4001@mesh.yaml:22:3']);
    expect(gw.files[0]!.content).toContain('address_prefix: "10.1.1.1"');
  });

  it('Host and pseudo-headers in header operations', () => {
    const r = rule('h', ['api.http'], {
      headers: { request: { set: [{ name: 'Host', value: 'x' }], add: [{ name: 'x-ok', value: '1' }], remove: [':path'] }, response: { set: [{ name: ':status', value: '200' }], add: [], remove: [] } },
      featureSpans: { 'headers.request': span(30, 9, 'routes/api.yaml'), 'headers.response': span(33, 9, 'routes/api.yaml') },
    });
    const out = run(callerWith(r));
    expect(out.at).toEqual(['MC4001@routes/api.yaml:30:9', 'MC4001@routes/api.yaml:30:9', 'MC4001@routes/api.yaml:33:9']);
    expect(out.files.find((f) => f.path === 'envoy/web.yaml')!.content).toContain('key: x-ok');
    expect(out.problems).toEqual([]);
  });

  it('HTTP features on a TCP route, and a second TCP rule', () => {
    const first = rule('first', ['api.pg'], { mirror: { cluster: 'api.pg', percent: 5 }, featureSpans: { mirror: span(50, 5, 'routes/db.yaml'), timeout: span(51, 5, 'routes/db.yaml') } });
    const second = rule('second', ['api.pg'], {}, 60);
    const ir = callerWith(first, 'tcp');
    ir.services[0]!.outbound[0]!.rules.push(second);
    const out = run(ir);
    expect(out.at).toEqual(['MC4001@mesh.yaml:60:3', 'MC4001@routes/db.yaml:50:5']);
    expect(out.problems).toEqual([]);
  });

  it('forwarding features on a redirect or direct-response rule', () => {
    const r = rule('moved', [], {
      action: { kind: 'redirect', path: '/new', status: 301 },
      retries: { attempts: 2, on: ['5xx'] },
      featureSpans: { retries: span(70, 7, 'routes/api.yaml') },
    });
    const out = run(callerWith(r));
    expect(out.at).toEqual(['MC4001@routes/api.yaml:70:7']);
    expect(out.problems).toEqual([]);
  });
});

describe('what Envoy refuses', () => {
  it('MC6301: two routes claiming one host at a gateway listener, at the second route', () => {
    const l = listener('https', 443, 'http', {
      virtualHosts: [
        { route: 'a', hosts: ['shop.example.com', 'a.example.com'], rules: [rule('all', ['web.http'])], span: span(1, 1, 'routes/a.yaml') },
        { route: 'b', hosts: ['SHOP.example.com', 'b.example.com'], rules: [rule('all', ['web.http'])], span: span(1, 1, 'routes/b.yaml') },
      ],
    });
    l.inbound = { ...l.inbound, defaultAction: 'allow' };
    const out = run(meshIR([], [gateway('edge', { listeners: [l], clusters: [cluster('web.http')] })]));
    expect(out.at).toEqual(['MC6301@routes/b.yaml:1:1']);
    expect(out.diagnostics[0]!.message).toBe('host "shop.example.com" of gateway edge listener https is claimed by route b and by route a');
    expect(out.problems).toEqual([]);
  });
});

describe('escaping', () => {
  it('no user string changes the structure of the emitted YAML', () => {
    const hostile = ['yes', 'on', '0x1F', '1e3', '~', 'null', '- item', 'a: b', '#comment', '{x: 1}', '[1]', '"q"', "'s'", '&anchor', '*alias', '!tag', '%dir', '@at', '`tick', '| block', '> fold', 'tab\there', 'line\nbreak', ' lead', 'trail ', '\u2028sep', 'ünï', '\\back'];
    const r = rule('evil', ['api.http'], {
      match: { path: { kind: 'prefix', value: '/x' }, headers: hostile.map((v, i) => ({ name: `x-h${i}`, kind: 'exact' as const, value: v })), query: [], methods: [] },
      rewrite: { host: 'a: b' },
      headers: { request: { set: hostile.filter((v) => !/[\n\t\u2028]/.test(v)).map((v, i) => ({ name: `x-s${i}`, value: v })), add: [], remove: [] }, response: { set: [], add: [], remove: [] } },
    });
    const ir = callerWith(r);
    const out = run(ir);
    expect(out.at).toEqual([]);
    expect(out.problems).toEqual([]);
    // read the way Envoy reads YAML (YAML 1.1 scalars), every value comes back exactly, as a string
    const d = YAML.parse(out.files.find((f) => f.path === 'envoy/web.yaml')!.content, { version: '1.1' });
    const route = d.static_resources.listeners.find((l: any) => l.name === 'outbound_api_http').filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes[0];
    expect(route.match.headers.map((h: any) => h.string_match.exact)).toEqual(hostile);
    expect(route.route.host_rewrite_literal).toBe('a: b');
    // header values are Envoy substitution formats: a literal `%` is written `%%`
    expect(route.request_headers_to_add.map((h: any) => h.header.value)).toEqual(hostile.filter((v) => !/[\n\t\u2028]/.test(v)).map((v) => v.replace(/%/g, '%%')));
  });

  it('user values in header values and the content type are inert in Envoy substitution formats; literal fields stay as written', () => {
    const values = ['%DOWNSTREAM_REMOTE_ADDRESS%', '%REQ(authorization)%', '100%', '%%', '%[src]'];
    const escaped = ['%%DOWNSTREAM_REMOTE_ADDRESS%%', '%%REQ(authorization)%%', '100%%', '%%%%', '%%[src]'];
    const ops = (v: string) => values.map((x, i) => ({ name: `x-${v}${i}`, value: x }));
    const at = (value: string) => ({ path: { kind: 'prefix' as const, value }, headers: [], query: [], methods: [] });
    const fwd = rule('pct', ['api.http'], {
      match: at('/a'),
      rewrite: { host: 'h%DOWNSTREAM_REMOTE_ADDRESS%' },
      headers: { request: { set: ops('s'), add: ops('a'), remove: [] }, response: { set: ops('r'), add: [], remove: [] } },
    });
    const answer = rule('answer', [], { match: at('/b'), action: { kind: 'directResponse', status: 200, body: 'body %DOWNSTREAM_REMOTE_ADDRESS%', contentType: 'text/x-%REQ(a)%' } });
    const redirect = rule('moved', [], { match: at('/c'), action: { kind: 'redirect', status: 301, host: 'h%25', path: '/p%DOWNSTREAM_REMOTE_ADDRESS%' } });
    const c = cluster('api.http');
    const out = run(meshIR([service('web', { outbound: [uses('api', 'http', 9001, [fwd, answer, redirect])], clusters: [c] })]));
    expect(out.at).toEqual([]);
    expect(out.problems).toEqual([]);
    const d = YAML.parse(out.files.find((f) => f.path === 'envoy/web.yaml')!.content, { version: '1.1' });
    const routes = d.static_resources.listeners.find((l: any) => l.name === 'outbound_api_http').filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].routes;
    const [r0, r1, r2] = routes;
    expect(r0.request_headers_to_add.map((h: any) => h.header.value)).toEqual([...escaped, ...escaped]);
    expect(r0.response_headers_to_add.map((h: any) => h.header.value)).toEqual(escaped);
    expect(r0.route.host_rewrite_literal).toBe('h%DOWNSTREAM_REMOTE_ADDRESS%');
    expect(r1.response_headers_to_add[0].header.value).toBe('text/x-%%REQ(a)%%');
    expect(r1.direct_response.body.inline_string).toBe('body %DOWNSTREAM_REMOTE_ADDRESS%');
    expect(r2.redirect.host_redirect).toBe('h%25');
    expect(r2.redirect.path_redirect).toBe('/p%DOWNSTREAM_REMOTE_ADDRESS%');
  });
});
