/**
 * The Envoy emitter on IR fixtures: one golden tree per feature family, every file passing the
 * verifier, plus assertions on the constructs that carry each feature.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { MeshIR } from '../../src/ir/types.js';
import type { OutputFile } from '../../src/target/types.js';
import envoy, { emitEnvoy } from '../../targets/envoy/index.js';
import { envoyApi } from '../../targets/envoy/verify/api.js';
import { verifyEnvoyFiles } from '../../targets/envoy/verify/index.js';
import { expectGolden, updating } from '../helpers/golden.js';
import { FIXTURES, gatewayFixture, mtls, policyFixture, routing } from './fixtures.js';
import { cluster, collecting, from, meshIR, policy, rule, service, uses, where } from './ir.js';

function emit(ir: MeshIR): { files: OutputFile[]; diagnostics: string[] } {
  const { ctx, diagnostics } = collecting();
  const files = emitEnvoy(ir, ctx);
  return { files, diagnostics: where(diagnostics) };
}

function doc(files: OutputFile[], path: string): any {
  const f = files.find((x) => x.path === path);
  if (!f) throw new Error(`no ${path} in ${files.map((x) => x.path).join(', ')}`);
  return YAML.parse(f.content, { version: '1.1' });
}

const listenerOf = (d: any, name: string) => d.static_resources.listeners.find((l: any) => l.name === name);
const hcmOf = (l: any, chain = 0) => l.filter_chains[chain].filters.at(-1).typed_config;
const routesOf = (l: any) => hcmOf(l).route_config.virtual_hosts[0].routes;
const clusterOf = (d: any, name: string) => d.static_resources.clusters.find((c: any) => c.name === name);

beforeAll(() => {
  const api = envoyApi();
  console.info(`Envoy API: ${api.files} .proto files loaded in ${api.loadMs.toFixed(0)} ms`);
});

describe('feature fixtures', () => {
  for (const [name, make] of Object.entries(FIXTURES)) {
    it(`${name}: matches its goldens and passes the verifier`, () => {
      const { files, diagnostics } = emit(make());
      expect(diagnostics).toEqual([]);
      expect(files.length).toBeGreaterThan(0);
      const dir = `test/envoy/golden/${name}`;
      for (const f of files) expectGolden(join(dir, f.path.slice('envoy/'.length)), f.content);
      const goldens = existsSync(dir) ? readdirSync(dir) : [];
      const orphans = goldens.filter((g) => !files.some((f) => f.path === `envoy/${g}`));
      if (updating) for (const o of orphans) rmSync(join(dir, o));
      else expect(orphans).toEqual([]);
      const r = verifyEnvoyFiles(files);
      expect(r.problems.map((p) => `${p.info.code} ${p.file}:${p.line}:${p.column} ${p.path}`)).toEqual([]);
    });
  }

  it('is deterministic: the same IR twice, and a JSON round trip of the IR, give the same bytes', () => {
    for (const make of Object.values(FIXTURES)) {
      const a = emit(make()).files;
      const b = emit(JSON.parse(JSON.stringify(make())) as MeshIR).files;
      expect(b).toEqual(a);
    }
  });

  it('the Target verify() reports nothing for the fixtures', async () => {
    const { files } = emit(routing());
    const r = await envoy.verify!(files, { tmpDir: '/nonexistent' });
    expect(r).toEqual({ diagnostics: [], skipped: [] });
  });
});

describe('sidecar', () => {
  it('binds admin to loopback and outbound listeners to 127.0.0.1:localPort, inbound to the sidecar port', () => {
    const { files } = emit(routing());
    const d = doc(files, 'envoy/web.yaml');
    expect(d.admin.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 15000 });
    expect(listenerOf(d, 'outbound_api_http').address.socket_address).toEqual({ address: '127.0.0.1', port_value: 9001 });
    expect(listenerOf(d, 'inbound_http').address.socket_address).toEqual({ address: '0.0.0.0', port_value: 15006 });
    expect(clusterOf(d, 'inbound_http').load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address).toEqual({ address: '127.0.0.1', port_value: 8080 });
  });

  it('expresses each routing feature with its Envoy construct', () => {
    const { files } = emit(routing());
    const routes = routesOf(listenerOf(doc(files, 'envoy/web.yaml'), 'outbound_api_http'));
    const by = (n: string) => routes.find((r: any) => r.name === n);
    expect(by('exact-path').match).toEqual({ path: '/exact', headers: [{ name: ':method', string_match: { exact: 'GET' } }] });
    expect(by('regex-path').match.safe_regex).toEqual({ regex: '/items/[0-9]+' });
    expect(by('regex-path').match.headers[0].string_match.safe_regex.regex).toBe('GET|HEAD|M-SEARCH');
    const hq = by('headers-and-query').match;
    expect(hq.headers).toContainEqual({ name: 'x-absent', present_match: true, invert_match: true });
    expect(hq.query_parameters).toContainEqual({ name: 'trace', present_match: true });
    const split = by('split');
    expect(split.route.weighted_clusters.clusters).toEqual([
      { name: 'api.http.v1', weight: 90 },
      { name: 'api.http.v2', weight: 10 },
    ]);
    expect(split.route.prefix_rewrite).toBe('/api');
    expect(split.route.host_rewrite_literal).toBe('api.internal');
    expect(split.route.timeout).toBe('2.5s');
    expect(split.route.retry_policy.retry_on).toBe('5xx,gateway-error,reset,connect-failure,refused-stream,retriable-4xx,retriable-status-codes');
    expect(split.route.retry_policy.retriable_status_codes).toEqual([503, 429]);
    expect(split.route.retry_policy.per_try_timeout).toBe('0.5s');
    expect(split.route.request_mirror_policies[0].runtime_fraction.default_value).toEqual({ numerator: 50, denominator: 'TEN_THOUSAND' });
    const fault = split.typed_per_filter_config['envoy.filters.http.fault'];
    expect(fault.delay).toEqual({ fixed_delay: '0.15s', percentage: { numerator: 125, denominator: 'TEN_THOUSAND' } });
    expect(fault.abort).toEqual({ http_status: 503, percentage: { numerator: 10, denominator: 'MILLION' } });
    expect(split.typed_per_filter_config['envoy.filters.http.cors'].allow_origin_string_match).toEqual([{ exact: 'https://shop.example.com' }, { safe_regex: { regex: '.*' } }]);
    expect(split.request_headers_to_add[0].header.value).toBe('prod "quoted" # not a comment');
    expect(by('rewrite-other-prefix').route.regex_rewrite).toEqual({ pattern: { regex: '^/old\\.api' }, substitution: '/new\\\\1' });
    expect(by('rewrite-other-prefix').route.timeout).toBe('0s');
    expect(by('full-rewrite').route.regex_rewrite).toEqual({ pattern: { regex: '^.*$' }, substitution: '/index.html' });
    expect(by('redirect').redirect).toEqual({ scheme_redirect: 'https', host_redirect: 'new.example.com', port_redirect: 8443, path_redirect: '/new', response_code: 'PERMANENT_REDIRECT' });
    expect(by('ping').direct_response).toEqual({ status: 200, body: { inline_string: 'pong\n' } });
    expect(by('gone').direct_response).toEqual({ status: 410 });
    // fault and CORS filters precede the router exactly when a route uses them
    const hcm = hcmOf(listenerOf(doc(files, 'envoy/web.yaml'), 'outbound_api_http'));
    expect(hcm.http_filters.map((f: any) => f.name)).toEqual(['envoy.filters.http.fault', 'envoy.filters.http.cors', 'envoy.filters.http.router']);
  });

  it('puts the consistent-hash input of ring-hash / maglev clusters on the route', () => {
    const { files } = emit(FIXTURES.clusters!());
    const d = doc(files, 'envoy/web.yaml');
    const hp = (svc: string, p: string) => routesOf(listenerOf(d, `outbound_${svc}_${p}`))[0].route.hash_policy;
    expect(hp('rh', 'http')).toEqual([{ header: { header_name: 'x-user' } }]);
    expect(hp('mg', 'http')).toEqual([{ cookie: { name: 'sid', ttl: '3600s' } }]);
    expect(hp('src', 'http')).toEqual([{ connection_properties: { source_ip: true } }]);
    expect(hp('rr', 'http')).toBeUndefined();
    expect(clusterOf(d, 'rh.http').lb_policy).toBe('RING_HASH');
    expect(clusterOf(d, 'mg.http').lb_policy).toBe('MAGLEV');
    expect(clusterOf(d, 'vm.grpc').type).toBe('STATIC');
    expect(clusterOf(d, 'rr.http').type).toBe('STRICT_DNS');
    expect(clusterOf(d, 'grpc.grpc').health_checks[0].http_health_check.codec_client_type).toBe('HTTP2');
    expect(clusterOf(d, 'db.pg').health_checks[0].tcp_health_check).toEqual({});
    expect(clusterOf(d, 'db.pg').transport_socket).toBeUndefined();
    const tls = clusterOf(d, 'rr.http').transport_socket.typed_config;
    expect(tls.sni).toBe('rr.shop.svc.cluster.local');
    expect(tls.common_tls_context.validation_context.match_typed_subject_alt_names).toEqual([{ san_type: 'URI', matcher: { exact: 'spiffe://test.local/ns/shop/sa/rr' } }]);
    expect(tls.common_tls_context.tls_certificates).toEqual([{ certificate_chain: { filename: '/etc/meshc/certs/tls.crt' }, private_key: { filename: '/etc/meshc/certs/tls.key' } }]);
  });

  it('enforces deny before allow, with identities, CIDRs and L7 conditions, then rate limit and JWT', () => {
    const { files } = emit(policyFixture());
    const d = doc(files, 'envoy/orders.yaml');
    const http = hcmOf(listenerOf(d, 'inbound_http'));
    expect(http.http_filters.map((f: any) => f.name)).toEqual(['meshc.rbac.deny', 'meshc.rbac.allow', 'meshc.ratelimit.orders-limit', 'envoy.filters.http.jwt_authn', 'envoy.filters.http.router']);
    const [deny, allow, limit, jwtf] = http.http_filters.map((f: any) => f.typed_config);
    expect(deny.rules.action).toBe('DENY');
    expect(Object.keys(deny.rules.policies)).toEqual(['no-admin', 'quarantine']);
    expect(deny.rules.policies.quarantine.principals).toEqual([
      { direct_remote_ip: { address_prefix: '10.66.0.0', prefix_len: 16 } },
      { direct_remote_ip: { address_prefix: '2001:db8:66::', prefix_len: 48 } },
    ]);
    expect(allow.rules.action).toBe('ALLOW');
    expect(Object.keys(allow.rules.policies)).toEqual(['callers', 'meshc.health-check', 'metrics', 'readers']);
    expect(allow.rules.policies.callers.principals).toEqual([
      { authenticated: { principal_name: { exact: 'spiffe://test.local/ns/shop/sa/web' } } },
      { authenticated: { principal_name: { exact: 'spiffe://test.local/ns/shop/sa/gateway-edge' } } },
      { direct_remote_ip: { address_prefix: '10.0.9.9', prefix_len: 32 } },
      { direct_remote_ip: { address_prefix: '2001:db8::9', prefix_len: 128 } },
    ]);
    expect(allow.rules.policies.callers.permissions[0].and_rules.rules).toHaveLength(2);
    expect(allow.rules.policies.readers.permissions).toEqual([{ header: { name: ':method', string_match: { exact: 'GET' } } }]);
    expect(limit.token_bucket).toEqual({ max_tokens: 200, tokens_per_fill: 100, fill_interval: '1s' });
    expect(jwtf.rules).toEqual([
      { match: { path: '/healthz', headers: [{ name: ':method', string_match: { exact: 'GET' } }] } },
      { match: { prefix: '/' }, requires: { requires_all: { requirements: [{ provider_name: 'orders-jwt' }, { requires_any: { requirements: [{ provider_name: 'partner-jwt' }, { allow_missing: {} }] } }] } } },
    ]);
    expect(jwtf.providers['partner-jwt'].from_headers).toEqual([{ name: 'x-partner-token' }]);
    // defaultAction allow: no ALLOW filter, deny still enforced
    const grpc = hcmOf(listenerOf(d, 'inbound_grpc'));
    expect(grpc.http_filters.map((f: any) => f.name)).toEqual(['meshc.rbac.deny', 'envoy.filters.http.jwt_authn', 'envoy.filters.http.router']);
    // TCP: network RBAC and rate limit before tcp_proxy
    const raw = listenerOf(d, 'inbound_raw').filter_chains[0].filters.map((f: any) => f.name);
    expect(raw).toEqual(['meshc.rbac.allow', 'meshc.ratelimit.tcp-limit', 'envoy.filters.network.tcp_proxy']);
  });

  it('lays out the inbound listener per mTLS mode', () => {
    const inb = (mode: 'strict' | 'permissive' | 'off') => listenerOf(doc(emit(mtls(mode)).files, 'envoy/api.yaml'), 'inbound_http');
    const strict = inb('strict');
    expect(strict.filter_chains).toHaveLength(1);
    const ctx = strict.filter_chains[0].transport_socket.typed_config;
    expect(ctx.require_client_certificate).toBe(true);
    expect(ctx.common_tls_context.validation_context).toEqual({
      trusted_ca: { filename: '/etc/meshc/certs/ca.crt' },
      match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { prefix: 'spiffe://test.local/' } }],
    });
    const permissive = inb('permissive');
    expect(permissive.listener_filters[0].name).toBe('envoy.filters.listener.tls_inspector');
    expect(permissive.filter_chains.map((c: any) => [c.filter_chain_match.transport_protocol, !!c.transport_socket])).toEqual([
      ['tls', true],
      ['raw_buffer', false],
    ]);
    const off = inb('off');
    expect(off.filter_chains).toHaveLength(1);
    expect(off.filter_chains[0].transport_socket).toBeUndefined();
    expect(off.listener_filters).toBeUndefined();
  });

  it("a sidecar's config depends only on what the service uses", () => {
    const base = routing();
    const before = emit(base).files.find((f) => f.path === 'envoy/web.yaml')!.content;
    const other = service('other', { outbound: [uses('api', 'http', 9100, [rule('default', ['api.http'])])], clusters: [cluster('api.http')] });
    const many = Array.from({ length: 50 }, (_, i) => service(`noise-${String(i).padStart(2, '0')}`));
    const bigger = meshIR([...base.services, other, ...many]);
    const after = emit(bigger).files.find((f) => f.path === 'envoy/web.yaml')!.content;
    expect(after).toBe(before);
  });

  it('emits no sidecar for a service with sidecar: false', () => {
    const { files } = emit(meshIR([service('db', { sidecar: false }), service('app')]));
    expect(files.map((f) => f.path)).toEqual(['envoy/app.yaml']);
  });
});

describe('gateway', () => {
  it('redirects http to https, terminates TLS, routes by host, closes TCP listeners without a route', () => {
    const { files } = emit(gatewayFixture());
    expect(files.map((f) => f.path)).toEqual(['envoy/gateway-edge.yaml']);
    const d = doc(files, 'envoy/gateway-edge.yaml');
    expect(d.node.id).toBe('gateway-edge');
    expect(routesOf(listenerOf(d, 'gateway_http'))[0].redirect).toEqual({ https_redirect: true, response_code: 'MOVED_PERMANENTLY' });
    expect(routesOf(listenerOf(d, 'gateway_alt'))[0].redirect).toEqual({ https_redirect: true, port_redirect: 8443, response_code: 'MOVED_PERMANENTLY' });
    const https = listenerOf(d, 'gateway_https');
    const tls = https.filter_chains[0].transport_socket.typed_config;
    expect(tls.common_tls_context.tls_certificates).toEqual([{ certificate_chain: { filename: '/etc/meshc/tls/https/tls.crt' }, private_key: { filename: '/etc/meshc/tls/https/tls.key' } }]);
    expect(tls.require_client_certificate).toBeUndefined();
    const vhs = hcmOf(https).route_config.virtual_hosts;
    expect(vhs.map((v: any) => [v.name, v.domains])).toEqual([
      ['api', ['api.example.com']],
      ['shop', ['shop.example.com', 'www.shop.example.com', '*.shop.example.com']],
    ]);
    expect(hcmOf(https).strip_any_host_port).toBe(true);
    expect(hcmOf(https).http_filters.map((f: any) => f.name)).toEqual(['meshc.rbac.allow', 'meshc.ratelimit.edge-limit', 'envoy.filters.http.jwt_authn', 'envoy.filters.http.fault', 'envoy.filters.http.cors', 'envoy.filters.http.router']);
    const pg = listenerOf(d, 'gateway_pg').filter_chains[0].filters;
    expect(pg.map((f: any) => f.name)).toEqual(['meshc.rbac.allow', 'envoy.filters.network.tcp_proxy']);
    expect(pg[1].typed_config.cluster).toBe('db.pg');
    expect(listenerOf(d, 'gateway_closed').filter_chains[0].filters.at(-1).name).toBe('envoy.filters.network.direct_response');
    // into the mesh with the gateway's own identity (the mesh certificate mount)
    const up = clusterOf(d, 'api.http.v1').transport_socket.typed_config.common_tls_context;
    expect(up.tls_certificates[0].certificate_chain.filename).toBe('/etc/meshc/certs/tls.crt');
  });

  it("refuses a gateway's denied client addresses before its allow rules, on HTTP and TCP listeners", () => {
    const ir = gatewayFixture();
    const gw = ir.gateways[0]!;
    const quarantine = policy('quarantine', [from.cidr('203.0.113.0/24', 80), from.cidr('2001:db8:bad::/48', 81)], 79);
    for (const l of gw.listeners) if (l.name === 'https' || l.name === 'pg') l.inbound = { ...l.inbound, deny: [quarantine] };
    const { files } = emit(ir);
    const d = doc(files, 'envoy/gateway-edge.yaml');
    const principals = [
      { direct_remote_ip: { address_prefix: '203.0.113.0', prefix_len: 24 } },
      { direct_remote_ip: { address_prefix: '2001:db8:bad::', prefix_len: 48 } },
    ];
    const http = hcmOf(listenerOf(d, 'gateway_https')).http_filters;
    expect(http.map((f: any) => f.name).slice(0, 2)).toEqual(['meshc.rbac.deny', 'meshc.rbac.allow']);
    expect(http[0].typed_config.rules.action).toBe('DENY');
    expect(http[0].typed_config.rules.policies.quarantine.principals).toEqual(principals);
    const tcp = listenerOf(d, 'gateway_pg').filter_chains[0].filters;
    expect(tcp.map((f: any) => f.name)).toEqual(['meshc.rbac.deny', 'meshc.rbac.allow', 'envoy.filters.network.tcp_proxy']);
    expect(tcp[0].typed_config.rules.action).toBe('DENY');
    expect(tcp[0].typed_config.rules.policies.quarantine.principals).toEqual(principals);
    expect(verifyEnvoyFiles(files).diagnostics).toEqual([]);
  });

  it('emits nothing for a gateway run by HAProxy', () => {
    const ir = gatewayFixture();
    ir.gateways[0]!.proxy = 'haproxy';
    expect(emit(ir).files).toEqual([]);
  });
});
