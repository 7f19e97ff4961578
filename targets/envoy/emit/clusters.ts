/**
 * Clusters: one per service version (or per service port without versions), shared by every route
 * of a sidecar or gateway that sends there; plus a sidecar's local app clusters.
 * @module
 */
import type { ClusterIR } from '../../../src/ir/types.js';
import { any, dur, type Env, type Obj, socketAddress, upstreamMtls } from './common.js';

const LB_POLICY: Record<ClusterIR['loadBalancer']['policy'], string> = {
  'round-robin': 'ROUND_ROBIN',
  'least-request': 'LEAST_REQUEST',
  random: 'RANDOM',
  'ring-hash': 'RING_HASH',
  maglev: 'MAGLEV',
};

/** Whether a protocol speaks HTTP/2 upstream. */
export function isH2(protocol: string): boolean {
  return protocol === 'http2' || protocol === 'grpc';
}

/** `typed_extension_protocol_options` selecting HTTP/2 upstream. */
export function h2Options(): Obj {
  return {
    'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': any('envoy.extensions.upstreams.http.v3.HttpProtocolOptions', {
      explicit_http_config: { http2_protocol_options: {} },
    }),
  };
}

/** A cluster of a callee, from the IR. */
export function upstreamCluster(env: Env, c: ClusterIR): Obj {
  const out: Obj = {
    name: c.id,
    type: c.discovery === 'dns' ? 'STRICT_DNS' : 'STATIC',
    connect_timeout: dur(c.connectTimeoutMs),
    lb_policy: LB_POLICY[c.loadBalancer.policy],
  };
  if (c.discovery === 'dns') out.dns_lookup_family = 'V4_PREFERRED';
  out.load_assignment = {
    cluster_name: c.id,
    endpoints: [{ lb_endpoints: c.endpoints.map((e) => ({ endpoint: { address: socketAddress(e.host, e.port ?? 0) } })) }],
  };
  const hc = c.healthCheck;
  if (hc) {
    const check: Obj = {
      timeout: dur(hc.timeoutMs),
      interval: dur(hc.intervalMs),
      unhealthy_threshold: hc.unhealthyThreshold,
      healthy_threshold: hc.healthyThreshold,
    };
    if (hc.path !== undefined && c.protocol !== 'tcp') {
      const http: Obj = { path: hc.path };
      if (isH2(c.protocol)) http.codec_client_type = 'HTTP2';
      check.http_health_check = http;
    } else {
      check.tcp_health_check = {};
    }
    out.health_checks = [check];
  }
  const od = c.outlierDetection;
  if (od) {
    out.outlier_detection = {
      consecutive_5xx: od.consecutive5xx,
      interval: dur(od.intervalMs),
      base_ejection_time: dur(od.baseEjectionTimeMs),
      max_ejection_percent: od.maxEjectionPercent,
    };
  }
  const cb = c.circuitBreaker;
  out.circuit_breakers = {
    thresholds: [{ priority: 'DEFAULT', max_connections: cb.maxConnections, max_pending_requests: cb.maxPendingRequests, max_requests: cb.maxRequests, max_retries: cb.maxRetries }],
  };
  if (c.tls) {
    const alpn = c.protocol === 'tcp' ? [] : isH2(c.protocol) ? ['h2'] : ['http/1.1'];
    out.transport_socket = upstreamMtls(env, c.tls.peerIdentity, c.tls.sni, alpn);
  }
  if (isH2(c.protocol)) out.typed_extension_protocol_options = h2Options();
  return out;
}

/** A sidecar's cluster to its own app on 127.0.0.1. */
export function localAppCluster(name: string, port: number, protocol: string, connectTimeoutMs: number): Obj {
  const out: Obj = {
    name,
    type: 'STATIC',
    connect_timeout: dur(connectTimeoutMs),
    lb_policy: 'ROUND_ROBIN',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress('127.0.0.1', port) } }] }] },
  };
  if (isH2(protocol)) out.typed_extension_protocol_options = h2Options();
  return out;
}
