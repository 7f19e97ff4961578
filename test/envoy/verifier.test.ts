/**
 * The Envoy verifier on configs that must fail: every rule family at least once, each asserted by
 * code, line and column in the checked file, and field path. Plus configs that must pass (both
 * field-name spellings, the JSON forms of well-known types).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { envoyApi } from '../../targets/envoy/verify/api.js';
import { verifyEnvoyFiles, verifyEnvoyYaml } from '../../targets/envoy/verify/index.js';

/** `CODE line:column path` of each problem. */
function problems(yaml: string, type?: string): string[] {
  const out = verifyEnvoyYaml('envoy/t.yaml', yaml, type).map((p) => `${p.info.code} ${p.line}:${p.column} ${p.path}`);
  if (process.env.ENVOY_DEBUG) console.log(JSON.stringify(out, null, 1)); // to see actual results while writing a case
  return out;
}

/**
 * `line:column` (1-based) of the `nth` occurrence of `needle` in `text`: expected positions are
 * written as the token they must point at.
 */
function at(text: string, needle: string, nth = 0): string {
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = text.indexOf(needle, i + 1);
    if (i < 0) throw new Error(`"${needle}" not in the text`);
  }
  const before = text.slice(0, i).split('\n');
  return `${before.length}:${before[before.length - 1]!.length + 1}`;
}

/** A bootstrap with one cluster whose body is `body` (indented by the caller as YAML at column 7). */
function withCluster(body: string): string {
  return `static_resources:\n  clusters:\n    - ${body.trim().split('\n').join('\n      ')}\n`;
}

/** A minimal, valid cluster (line 3 of `withCluster`). */
const CLUSTER = `name: c
type: STATIC
connect_timeout: 1s
load_assignment:
  cluster_name: c
  endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 10.0.0.1, port_value: 80 } } } }] }]`;

/** A bootstrap with one HTTP listener routing to cluster c; `routes` replaces the route list (YAML flow). */
function withRoutes(routes: string, extraFilters = ''): string {
  return `static_resources:
  listeners:
    - name: l
      address: { socket_address: { address: 0.0.0.0, port_value: 8080 } }
      filter_chains:
        - filters:
            - name: hcm
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: l
                route_config:
                  virtual_hosts:
                    - name: vh
                      domains: ["*"]
                      routes: ${routes}
                http_filters:${extraFilters}
                  - name: router
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
${withCluster(CLUSTER).split('\n').slice(1).join('\n')}`;
}

const OK_ROUTE = '[{ match: { prefix: / }, route: { cluster: c } }]';

beforeAll(() => {
  const t = performance.now();
  const api = envoyApi();
  console.info(`Envoy API: ${api.files} .proto files in ${api.loadMs.toFixed(0)} ms (cached: ${(performance.now() - t).toFixed(0)} ms)`);
});

const HCM = 'static_resources.listeners[0].filter_chains[0].filters[0].typed_config';
const ROUTE0 = `${HCM}.route_config.virtual_hosts[0].routes[0]`;
const EP = 'static_resources.clusters[0].load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address';

describe('configs that pass', () => {
  it('the minimal listener + cluster', () => {
    expect(problems(withRoutes(OK_ROUTE))).toEqual([]);
  });

  it('lowerCamelCase field names, 64-bit integers as strings, wrappers as plain values, Struct as any mapping', () => {
    const yaml = `staticResources:
  clusters:
    - name: c
      type: STATIC
      connectTimeout: 0.25s
      perConnectionBufferLimitBytes: 32768
      loadAssignment:
        clusterName: c
        endpoints: [{ lbEndpoints: [{ endpoint: { address: { socketAddress: { address: "::1", portValue: 80 } } } }] }]
      metadata: { filterMetadata: { meshc: { any: [thing, 1, true], nested: { ok: null } } } }
overloadManager:
  resourceMonitors:
    - name: envoy.resource_monitors.global_downstream_max_connections
      typedConfig:
        "@type": type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig
        maxActiveDownstreamConnections: "50000"
`;
    expect(problems(yaml)).toEqual([]);
  });

  it('a TypedStruct is checked against its type_url', () => {
    const yaml = withRoutes(OK_ROUTE, `\n                  - { name: f, typed_config: { "@type": type.googleapis.com/xds.type.v3.TypedStruct, type_url: type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault, value: { max_active_faults: 3 } } }`);
    expect(problems(yaml)).toEqual([]);
    const bad = yaml.replace('max_active_faults', 'max_active_fault');
    expect(problems(bad)).toEqual([`MC6001 ${at(bad, 'max_active_fault:')} ${HCM}.http_filters[0].typed_config.value.max_active_fault`]);
    const wrongKind = yaml.replace('filters.http.fault.v3.HTTPFault', 'filters.network.tcp_proxy.v3.TcpProxy');
    expect(problems(wrongKind)).toContain(`MC6009 ${at(wrongKind, 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy')} ${HCM}.http_filters[0].typed_config.type_url`);
  });
});

describe('structure (proto3 JSON mapping)', () => {
  it('MC6000: YAML that does not parse', () => {
    expect(problems('static_resources: [\n')).toEqual(['MC6000 2:1 ']);
  });

  it('MC6001: unknown fields, also inside a typed_config', () => {
    const y1 = withCluster(CLUSTER.replace('name: c', 'nmae: c'));
    // the field left out is then missing: Cluster.name has min_len 1
    expect(problems(y1)).toEqual([`MC6001 ${at(y1, 'nmae')} static_resources.clusters[0].nmae`, `MC6102 ${at(y1, 'nmae')} static_resources.clusters[0].name`]);
    const y2 = withRoutes(OK_ROUTE).replace('stat_prefix: l', 'stat_prefx: l');
    expect(problems(y2)[0]).toBe(`MC6001 ${at(y2, 'stat_prefx')} ${HCM}.stat_prefx`);
    const p = verifyEnvoyYaml('envoy/t.yaml', withCluster(CLUSTER + '\nlb_polcy: RANDOM'))[0]!;
    expect(p.args.type).toContain('did you mean "lb_policy"');
  });

  it('MC6002: a value of the wrong kind, an integer out of range, a yaml-cpp boolean for a string', () => {
    const y1 = withCluster(CLUSTER.replace('port_value: 80', 'port_value: eighty'));
    expect(problems(y1)).toEqual([`MC6002 ${at(y1, 'eighty')} ${EP}.port_value`]);
    const y2 = withRoutes(OK_ROUTE).replace('domains: ["*"]', 'domains: "*"');
    expect(problems(y2)).toEqual([`MC6002 ${at(y2, '"*"')} ${HCM}.route_config.virtual_hosts[0].domains`]);
    const y3 = withCluster(CLUSTER + '\nper_connection_buffer_limit_bytes: 4294967296');
    expect(problems(y3)).toEqual([`MC6002 ${at(y3, '4294967296')} static_resources.clusters[0].per_connection_buffer_limit_bytes`]);
    // Envoy reads a plain `yes` as a bool (yaml-cpp), not as a string
    const y4 = withCluster(CLUSTER.replace('cluster_name: c', 'cluster_name: yes'));
    expect(problems(y4)).toEqual([`MC6002 ${at(y4, 'yes')} static_resources.clusters[0].load_assignment.cluster_name`]);
    expect(problems(withCluster(CLUSTER.replace('cluster_name: c', 'cluster_name: "yes"')))).toEqual([]);
    const y5 = withCluster(CLUSTER.replace('type: STATIC', 'type: [STATIC]'));
    expect(problems(y5)).toEqual([`MC6002 ${at(y5, '[STATIC]')} static_resources.clusters[0].type`]);
  });

  it('MC6003: an enum value name that does not exist', () => {
    const y = withCluster(CLUSTER + '\nlb_policy: ROUND_ROBIM');
    expect(problems(y)).toEqual([`MC6003 ${at(y, 'ROUND_ROBIM')} static_resources.clusters[0].lb_policy`]);
  });

  it('MC6004: durations that are not protobuf Duration strings', () => {
    for (const bad of ['5', '250ms', '0.0000000001s', '1h']) {
      const y = withCluster(CLUSTER.replace('connect_timeout: 1s', `connect_timeout: ${bad}`));
      expect(problems(y)).toEqual([`MC6004 ${at(y, bad)} static_resources.clusters[0].connect_timeout`]);
    }
  });

  it('MC6005: two members of a oneof', () => {
    const y1 = withRoutes('[{ match: { prefix: /, path: /x }, route: { cluster: c } }]');
    expect(problems(y1)).toEqual([`MC6005 ${at(y1, 'path: /x')} ${ROUTE0}.match.path`]);
    const y2 = withCluster(CLUSTER.replace('type: STATIC', 'type: STATIC\ncluster_type: { name: envoy.clusters.aggregate }'));
    expect(problems(y2)).toEqual([`MC6005 ${at(y2, 'cluster_type')} static_resources.clusters[0].cluster_type`]);
  });

  it('MC6006: a typed_config whose @type is missing, malformed or unknown', () => {
    const router = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';
    const y1 = withRoutes(OK_ROUTE).replace(router, router.replace('Router', 'Routr'));
    // the router is then unknown, so the chain lacks one: MC6203 follows
    expect(problems(y1)).toEqual([`MC6006 ${at(y1, 'type.googleapis.com/envoy.extensions.filters.http.router')} ${HCM}.http_filters[0].typed_config.@type`, `MC6203 ${at(y1, 'name: router')} ${HCM}.http_filters[0]`]);
    const y2 = withRoutes(OK_ROUTE).replace(router, 'envoy.extensions.filters.http.router.v3.Router');
    expect(problems(y2)[0]).toBe(`MC6006 ${at(y2, 'envoy.extensions.filters.http.router')} ${HCM}.http_filters[0].typed_config.@type`);
    const y3 = withRoutes(OK_ROUTE).replace(`"@type": ${router}`, 'start_child_span: true');
    expect(problems(y3)[0]).toBe(`MC6006 ${at(y3, '{ start_child_span')} ${HCM}.http_filters[0].typed_config`);
  });

  it('MC6007: deprecated fields and deprecated enum values', () => {
    const y1 = withCluster(CLUSTER + '\nmax_requests_per_connection: 100');
    expect(problems(y1)).toEqual([`MC6007 ${at(y1, 'max_requests_per_connection')} static_resources.clusters[0].max_requests_per_connection`]);
    const y2 = 'dynamic_resources:\n  lds_config:\n    resource_api_version: V2\n    ads: {}\n';
    expect(problems(y2)).toEqual([`MC6007 ${at(y2, 'V2')} dynamic_resources.lds_config.resource_api_version`]);
    const y3 = withRoutes('[{ match: { prefix: /, headers: [{ name: x, exact_match: val }] }, route: { cluster: c } }]');
    expect(problems(y3)).toEqual([`MC6007 ${at(y3, 'exact_match')} ${ROUTE0}.match.headers[0].exact_match`]);
  });

  it('MC6008: one field under both spellings', () => {
    const y = withCluster(CLUSTER + '\nconnectTimeout: 2s');
    expect(problems(y)).toEqual([`MC6008 ${at(y, 'connectTimeout')} static_resources.clusters[0].connectTimeout`]);
  });

  it('MC6009: an extension in a slot of another kind', () => {
    const y = withRoutes(OK_ROUTE).replace('envoy.extensions.filters.http.router.v3.Router', 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy');
    expect(problems(y)).toContain(`MC6009 ${at(y, 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy')} ${HCM}.http_filters[0].typed_config.@type`);
  });
});

describe('protoc-gen-validate rules', () => {
  it('MC6101: a required message, a required duration, a required oneof', () => {
    const y1 = withCluster(CLUSTER + '\nhealth_checks: [{ interval: 5s, healthy_threshold: 1, tcp_health_check: {} }]');
    expect(problems(y1)).toEqual([
      `MC6101 ${at(y1, '{ interval')} static_resources.clusters[0].health_checks[0].timeout`,
      `MC6101 ${at(y1, '{ interval')} static_resources.clusters[0].health_checks[0].unhealthy_threshold`,
    ]);
    const y2 = withRoutes('[{ match: { case_sensitive: true }, route: { cluster: c } }]');
    expect(problems(y2)).toEqual([`MC6101 ${at(y2, '{ case_sensitive')} ${ROUTE0}.match`]);
    const y3 = withRoutes('[{ match: { prefix: / } }]');
    expect(problems(y3)).toEqual([`MC6101 ${at(y3, '{ match')} ${ROUTE0}`]);
  });

  it('MC6102: string length, also for a field left out (proto3 default "")', () => {
    const y1 = withCluster(CLUSTER.replace('name: c', 'name: ""'));
    expect(problems(y1)).toEqual([`MC6102 ${at(y1, '""')} static_resources.clusters[0].name`]);
    const y2 = withCluster(CLUSTER.replace('name: c\n', ''));
    expect(problems(y2)).toEqual([`MC6102 ${at(y2, 'type: STATIC')} static_resources.clusters[0].name`]);
  });

  it('MC6103: HTTP header names and values (strict and non-strict well_known_regex)', () => {
    const add = (k: string, v: string) => withRoutes(`[{ match: { prefix: / }, route: { cluster: c }, request_headers_to_add: [{ header: { key: ${k}, value: ${v} } }] }]`);
    expect(problems(add('x-ok', '"a b\\tc"'))).toEqual([]);
    const y1 = add('x-bad', '"a\\r\\nInjected: 1"');
    expect(problems(y1)).toEqual([`MC6103 ${at(y1, '"a\\r')} ${ROUTE0}.request_headers_to_add[0].header.value`]);
    const y2 = add('"x\\nbad"', 'v');
    expect(problems(y2)).toEqual([`MC6103 ${at(y2, '"x\\n')} ${ROUTE0}.request_headers_to_add[0].header.key`]);
    // strict HTTP_HEADER_NAME: a space is not a token character
    const opts = `
typed_extension_protocol_options:
  envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
    "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
    upstream_http_protocol_options: { auto_sni: true, override_auto_sni_header: "x sni" }
    explicit_http_config: { http_protocol_options: {} }`;
    const y3 = withCluster(CLUSTER + opts);
    expect(problems(y3)).toEqual([
      `MC6103 ${at(y3, '"x sni"')} static_resources.clusters[0].typed_extension_protocol_options.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.upstream_http_protocol_options.override_auto_sni_header`,
    ]);
  });

  it('MC6104: repeated min_items (given empty or left out) and unique', () => {
    const y1 = withRoutes(OK_ROUTE).replace('domains: ["*"]', 'domains: []');
    expect(problems(y1)).toEqual([`MC6104 ${at(y1, '[]')} ${HCM}.route_config.virtual_hosts[0].domains`]);
    const y2 = withRoutes(OK_ROUTE).replace(/\n *domains: \["\*"\]/, '');
    expect(problems(y2)).toEqual([`MC6104 ${at(y2, 'name: vh')} ${HCM}.route_config.virtual_hosts[0].domains`]);
    const y3 = withRoutes('[{ match: { prefix: / }, route: { cluster: c, internal_redirect_policy: { response_headers_to_copy: [x-a, x-b, x-a] } } }]');
    expect(problems(y3)).toEqual([`MC6104 ${at(y3, '[x-a')} ${ROUTE0}.route.internal_redirect_policy.response_headers_to_copy[2]`]);
  });

  it('MC6105: numeric bounds on scalars and wrapped numbers', () => {
    const y1 = withCluster(CLUSTER.replace('port_value: 80', 'port_value: 70000'));
    expect(problems(y1)).toEqual([`MC6105 ${at(y1, '70000')} ${EP}.port_value`]);
    const y2 = withCluster(CLUSTER + '\noutlier_detection: { max_ejection_percent: 101 }');
    expect(problems(y2)).toEqual([`MC6105 ${at(y2, '101')} static_resources.clusters[0].outlier_detection.max_ejection_percent`]);
    const y3 = withRoutes('[{ match: { prefix: / }, direct_response: { status: 99 } }]');
    expect(problems(y3)).toEqual([`MC6105 ${at(y3, '99')} ${ROUTE0}.direct_response.status`]);
  });

  it('MC6106: duration bounds', () => {
    for (const bad of ['0s', '-1s']) {
      const y = withCluster(CLUSTER.replace('connect_timeout: 1s', `connect_timeout: ${bad}`));
      expect(problems(y)).toEqual([`MC6106 ${at(y, bad)} static_resources.clusters[0].connect_timeout`]);
    }
  });

  it('MC6107: enum defined_only and not_in', () => {
    const y1 = withCluster(CLUSTER + '\nlb_policy: 42');
    expect(problems(y1)).toEqual([`MC6107 ${at(y1, '42')} static_resources.clusters[0].lb_policy`]);
    const y2 = withCluster(CLUSTER + '\nhealth_checks: [{ timeout: 1s, interval: 5s, unhealthy_threshold: 1, healthy_threshold: 1, http_health_check: { path: /h, method: CONNECT } }]');
    expect(problems(y2)).toEqual([`MC6107 ${at(y2, 'CONNECT')} static_resources.clusters[0].health_checks[0].http_health_check.method`]);
  });

  it('MC6108: bool const', () => {
    const rbac = `\n                  - name: rbac\n                    typed_config:\n                      "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC\n                      rules: { policies: { p: { permissions: [{ any: false }], principals: [{ any: true }] } } }`;
    const y = withRoutes(OK_ROUTE, rbac);
    expect(problems(y)).toEqual([`MC6108 ${at(y, 'false')} ${HCM}.http_filters[0].typed_config.rules.policies.p.permissions[0].any`]);
  });
});

describe('what Envoy refuses at start-up beyond its API', () => {
  it('MC6201: a route or mirror naming an undefined cluster', () => {
    const y = withRoutes('[{ match: { prefix: / }, route: { cluster: nowhere, request_mirror_policies: [{ cluster: c }, { cluster: nope }] } }]');
    expect(problems(y)).toEqual([`MC6201 ${at(y, '{ cluster: nowhere')} ${ROUTE0}.route`, `MC6201 ${at(y, '{ cluster: nope')} ${ROUTE0}.route.request_mirror_policies[1]`]);
  });

  it('MC6202: duplicate clusters and virtual host domains', () => {
    const y1 = `static_resources:\n  clusters:\n    - { name: c, connect_timeout: 1s }\n    - { name: c, connect_timeout: 2s }\n`;
    expect(problems(y1)).toEqual([`MC6202 ${at(y1, '{ name: c', 1)} static_resources.clusters[1]`]);
    const y2 = withRoutes(OK_ROUTE).replace('                    - name: vh\n', '                    - { name: vh2, domains: ["*"], routes: [] }\n                    - name: vh\n');
    expect(problems(y2)).toEqual([`MC6202 ${at(y2, '["*"]', 1)} ${HCM}.route_config.virtual_hosts[1].domains`]);
  });

  it('MC6203: the router is not the last HTTP filter', () => {
    const fault = '\n                  - { name: fault, typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault } }';
    const y = withRoutes(OK_ROUTE).replace('"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }', `"@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }${fault}`);
    expect(problems(y)).toEqual([`MC6203 ${at(y, 'name: router')} ${HCM}.http_filters[0]`, `MC6203 ${at(y, '{ name: fault')} ${HCM}.http_filters[1]`]);
  });

  it('MC6204: a STATIC cluster with a DNS name', () => {
    const y = withCluster(CLUSTER.replace('address: 10.0.0.1', 'address: db.internal'));
    expect(problems(y)).toEqual([`MC6204 ${at(y, '{ address: db.internal')} ${EP}`]);
    expect(problems(y.replace('type: STATIC', 'type: STRICT_DNS'))).toEqual([]);
  });

  it('MC6205: changing Host or a pseudo-header with header operations', () => {
    const y = withRoutes('[{ match: { prefix: / }, route: { cluster: c }, request_headers_to_remove: [":path"], request_headers_to_add: [{ header: { key: Host, value: x } }] }]');
    expect(problems(y)).toEqual([`MC6205 ${at(y, '{ header: { key: Host')} ${ROUTE0}.request_headers_to_add[0]`, `MC6205 ${at(y, '[":path"]')} ${ROUTE0}.request_headers_to_remove`]);
  });

  it('MC6206: a regular expression RE2 does not compile (Envoy compiles them at start-up)', () => {
    const y = withRoutes(
      '[{ match: { safe_regex: { regex: "a{1001}" } }, route: { cluster: c, regex_rewrite: { pattern: { regex: "(?:x{30}){40}" }, substitution: "z" } } }, { match: { prefix: / , headers: [{ name: x-a, string_match: { safe_regex: { regex: "[a-z]+" } } }] }, route: { cluster: c } }]',
    );
    expect(problems(y).sort()).toEqual([`MC6206 ${at(y, '{ regex: "a{1001}"')} ${ROUTE0}.match.safe_regex`, `MC6206 ${at(y, '{ regex: "(?:x{30}){40}"')} ${ROUTE0}.route.regex_rewrite.pattern`].sort());
  });
});

describe('files', () => {
  it('checks only the .yaml files and renders problems as MC6xxx diagnostics naming file, line, column and path', () => {
    const r = verifyEnvoyFiles([
      { path: 'envoy/README.txt', content: 'not yaml: [' },
      { path: 'envoy/bad.yaml', content: withCluster(CLUSTER + '\nlb_policy: NOPE') },
    ]);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: 'MC6003', severity: 'error', target: 'envoy' });
    expect(r.diagnostics[0]!.message).toMatch(/^envoy\/bad\.yaml:9:18: static_resources\.clusters\[0\]\.lb_policy: "NOPE" is not a value of envoy\.config\.cluster\.v3\.Cluster\.LbPolicy/);
  });

  it('an empty file is an error', () => {
    expect(problems('')).toEqual(['MC6000 1:1 ']);
  });
});
