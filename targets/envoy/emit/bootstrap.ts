/**
 * Envoy bootstraps: one per service sidecar, one per Envoy gateway. Static resources only, so a plain
 * `envoy -c FILE` runs them without a control plane.
 * @module
 */
import type { ClusterIR, GatewayIR, InboundIR, ListenerIR, RuleIR, ServiceIR } from '../../../src/ir/types.js';
import { EnvoyCodes } from '../codes.js';
import { localAppCluster, upstreamCluster } from './clusters.js';
import { cmp, type Env, gatewayTls, inboundMtls, type Obj, report, socketAddress, typed } from './common.js';
import { httpPolicyFilters, networkPolicyFilters, type PolicySite } from './policy.js';
import { CORS_FILTER, FAULT_FILTER, httpRoute, type RouteEnv, tcpProxyRoute } from './routes.js';

const HCM_TYPE = 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const TCP_PROXY_TYPE = 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';

/** The admin interface, on loopback only. */
function admin(port: number): Obj {
  return { address: socketAddress('127.0.0.1', port) };
}

/** A limit on downstream connections (Envoy warns at start-up without one). */
function overloadManager(): Obj {
  return {
    resource_monitors: [
      typed('envoy.resource_monitors.global_downstream_max_connections', 'envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig', {
        max_active_downstream_connections: 50000,
      }),
    ],
  };
}

/** An HTTP connection manager. `edge`: inbound or gateway traffic (normalise paths, trust the peer address). */
function hcm(stat: string, routeConfig: Obj, httpFilters: Obj[], edge: boolean, gateway: boolean): Obj {
  const body: Obj = { stat_prefix: stat, codec_type: 'AUTO' };
  if (edge) {
    body.use_remote_address = true;
    body.normalize_path = true;
    body.merge_slashes = true;
    body.path_with_escaped_slashes_action = 'UNESCAPE_AND_REDIRECT';
  }
  if (gateway) body.strip_any_host_port = true;
  if (edge && !gateway) {
    body.forward_client_cert_details = 'SANITIZE_SET';
    body.set_current_client_cert_details = { uri: true };
  }
  body.route_config = routeConfig;
  body.http_filters = [...httpFilters, typed('envoy.filters.http.router', 'envoy.extensions.filters.http.router.v3.Router')];
  return typed('envoy.filters.network.http_connection_manager', HCM_TYPE, body);
}

/** The per-route filters a routing table needs, in front of the router. */
function routingFilters(renv: RouteEnv): Obj[] {
  const out: Obj[] = [];
  if (renv.usesFault) out.push(typed(FAULT_FILTER, 'envoy.extensions.filters.http.fault.v3.HTTPFault'));
  if (renv.usesCors) out.push(typed(CORS_FILTER, 'envoy.extensions.filters.http.cors.v3.Cors'));
  return out;
}

/** A routing table's context: the proxy's clusters by id (built once per proxy: `byId`), and its filter needs. */
function routeEnv(env: Env, byId: Map<string, ClusterIR>): RouteEnv {
  return { ir: env.ir, ctx: env.ctx, reported: env.reported, clusters: byId, usesFault: false, usesCors: false };
}

function clustersById(clusters: readonly ClusterIR[]): Map<string, ClusterIR> {
  return new Map(clusters.map((c) => [c.id, c]));
}

/** The listener-level TLS layout for a sidecar's inbound port, per the mesh's mTLS mode. */
function inboundChains(env: Env, filters: Obj[], alpn: string[]): { chains: Obj[]; inspector: boolean } {
  const mode = env.ir.mesh.mtls;
  if (mode === 'off') return { chains: [{ filters }], inspector: false };
  const tls = inboundMtls(env, alpn);
  if (mode === 'strict') return { chains: [{ filters, transport_socket: tls }], inspector: false };
  return {
    chains: [
      { filter_chain_match: { transport_protocol: 'tls' }, filters, transport_socket: tls },
      { filter_chain_match: { transport_protocol: 'raw_buffer' }, filters },
    ],
    inspector: true,
  };
}

function listener(name: string, address: string, port: number, chains: Obj[], inspector: boolean): Obj {
  const l: Obj = { name, address: socketAddress(address, port) };
  if (inspector) l.listener_filters = [typed('envoy.filters.listener.tls_inspector', 'envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector')];
  l.filter_chains = chains;
  return l;
}

/** The inbound listener of one service port. */
function inboundListener(env: Env, svc: ServiceIR, inbound: InboundIR): { listener: Obj; cluster: Obj } {
  const port = svc.ports.find((p) => p.name === inbound.port);
  const name = `inbound_${inbound.port}`;
  const appPort = inbound.appPort ?? port?.port ?? 0;
  const protocol = port?.protocol ?? (inbound.protocol === 'https' ? 'http' : inbound.protocol);
  const site: PolicySite = {
    identities: env.ir.mesh.mtls !== 'off',
    owner: `${svc.name}/${inbound.port}`,
    stat: name,
  };
  if (inbound.isHttp && svc.healthCheck?.path !== undefined) site.healthPath = svc.healthCheck.path;
  let filters: Obj[];
  if (inbound.isHttp) {
    const routeConfig = {
      name,
      virtual_hosts: [{ name, domains: ['*'], routes: [{ name: 'app', match: { prefix: '/' }, route: { cluster: name, timeout: '0s' } }] }],
    };
    filters = [hcm(name, routeConfig, httpPolicyFilters(env, site, inbound), true, false)];
  } else {
    filters = [...networkPolicyFilters(env, site, inbound), typed('envoy.filters.network.tcp_proxy', TCP_PROXY_TYPE, { stat_prefix: name, cluster: name })];
  }
  const alpn = inbound.isHttp ? ['h2', 'http/1.1'] : [];
  const { chains, inspector } = inboundChains(env, filters, alpn);
  return {
    listener: listener(name, '0.0.0.0', inbound.listenPort, chains, inspector),
    cluster: localAppCluster(name, appPort, protocol, svc.connectTimeoutMs),
  };
}

/** HTTP routing table as a route configuration with one catch-all virtual host. */
function routeTable(renv: RouteEnv, name: string, rules: RuleIR[], owner: string): Obj {
  return { name, virtual_hosts: [{ name, domains: ['*'], routes: rules.map((r) => httpRoute(renv, r, owner)) }] };
}

/** The Envoy bootstrap of a service's sidecar. Its size depends only on the service's own ports and `uses`. */
export function sidecarBootstrap(env: Env, svc: ServiceIR): Obj {
  const listeners: Obj[] = [];
  const localClusters: Obj[] = [];
  for (const inbound of svc.inbound) {
    const r = inboundListener(env, svc, inbound);
    listeners.push(r.listener);
    localClusters.push(r.cluster);
  }
  const byId = clustersById(svc.clusters);
  for (const o of svc.outbound) {
    const name = `outbound_${o.service}_${o.port}`;
    const owner = `${svc.name}→${o.service}/${o.port}`;
    if (o.isHttp) {
      const renv = routeEnv(env, byId);
      const rc = routeTable(renv, name, o.rules, owner);
      const f = hcm(name, rc, routingFilters(renv), false, false);
      listeners.push(listener(name, '127.0.0.1', o.localPort, [{ filters: [f] }], false));
    } else {
      const tp = tcpProxyRoute(env, o.rules, owner);
      const body: Obj = { stat_prefix: name, ...(tp ?? {}) };
      const f = tp ? typed('envoy.filters.network.tcp_proxy', TCP_PROXY_TYPE, body) : closeConnections();
      listeners.push(listener(name, '127.0.0.1', o.localPort, [{ filters: [f] }], false));
    }
  }
  const clusters = [...localClusters, ...[...svc.clusters].sort((a, b) => cmp(a.id, b.id)).map((c) => upstreamCluster(env, c))];
  return {
    node: { id: svc.name, cluster: svc.name },
    admin: admin(env.ir.mesh.sidecar.adminPort),
    static_resources: { listeners, clusters },
    overload_manager: overloadManager(),
  };
}

/** A terminal network filter that closes every connection (a TCP listener with nowhere to go). */
function closeConnections(): Obj {
  return typed('envoy.filters.network.direct_response', 'envoy.extensions.filters.network.direct_response.v3.Config');
}

/** One gateway listener. */
function gatewayListener(env: Env, gw: GatewayIR, l: ListenerIR, renv: RouteEnv): Obj {
  const name = `gateway_${l.name}`;
  const site: PolicySite = { identities: false, owner: `gateway-${gw.name}/${l.name}`, stat: name };
  let filters: Obj[];
  if (l.protocol === 'tcp') {
    const tp = tcpProxyRoute(env, l.tcpRules, site.owner);
    filters = [...networkPolicyFilters(env, site, l.inbound), tp ? typed('envoy.filters.network.tcp_proxy', TCP_PROXY_TYPE, { stat_prefix: name, ...tp }) : closeConnections()];
  } else {
    let virtualHosts: Obj[];
    if (l.redirectToHttps) {
      const redirect: Obj = { https_redirect: true };
      if (l.httpsPort !== undefined && l.httpsPort !== 443) redirect.port_redirect = l.httpsPort;
      redirect.response_code = 'MOVED_PERMANENTLY';
      virtualHosts = [{ name: 'redirect-to-https', domains: ['*'], routes: [{ name: 'redirect-to-https', match: { prefix: '/' }, redirect }] }];
    } else {
      const claimed = new Map<string, string>();
      virtualHosts = [];
      for (const vh of l.virtualHosts) {
        const domains: string[] = [];
        for (const h of vh.hosts) {
          const host = h.toLowerCase();
          const first = claimed.get(host);
          if (first !== undefined) {
            report(env, `host/${gw.name}/${l.name}/${host}/${vh.route}`, EnvoyCodes.HostConflict, vh.span, { host, gateway: gw.name, listener: l.name, route: vh.route, first });
            continue;
          }
          claimed.set(host, vh.route);
          domains.push(host);
        }
        if (domains.length === 0) continue;
        virtualHosts.push({ name: vh.route, domains, routes: vh.rules.map((r) => httpRoute(renv, r, `${site.owner}/${vh.route}`)) });
      }
    }
    const routeConfig = { name, virtual_hosts: virtualHosts };
    filters = [hcm(name, routeConfig, [...httpPolicyFilters(env, site, l.inbound), ...routingFilters(renv)], true, true)];
  }
  const chain: Obj = { filters };
  if (l.tls) chain.transport_socket = gatewayTls(l.tls.certPath, l.tls.keyPath);
  return listener(name, '0.0.0.0', l.port, [chain], false);
}

/** The Envoy bootstrap of a gateway with `proxy: envoy`. */
export function gatewayBootstrap(env: Env, gw: GatewayIR): Obj {
  const listeners: Obj[] = [];
  const byId = clustersById(gw.clusters);
  for (const l of gw.listeners) {
    const renv = routeEnv(env, byId);
    listeners.push(gatewayListener(env, gw, l, renv));
  }
  const clusters = [...gw.clusters].sort((a, b) => cmp(a.id, b.id)).map((c) => upstreamCluster(env, c));
  return {
    node: { id: `gateway-${gw.name}`, cluster: `gateway-${gw.name}` },
    admin: admin(gw.adminPort),
    static_resources: { listeners, clusters },
    overload_manager: overloadManager(),
  };
}
