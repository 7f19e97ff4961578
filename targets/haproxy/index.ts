/**
 * The `haproxy` target: an HAProxy 2.6+ config per service sidecar (`haproxy/<service>.cfg`) and per
 * gateway with `proxy: haproxy` (`haproxy/gateway-<name>.cfg`), plus the map and key files they load
 * (`haproxy/<owner>.*`). Inside the proxy every one of these files lives in
 * {@link HAPROXY_CONFIG_DIR} (`/etc/meshc/haproxy/`), under its base name.
 * @module
 */
import { emitAllUnits, ownerUnits, type EmitContext, type OutputFile, type Target, type UnitEmitter } from '../../src/target/types.js';
import type { MeshIR } from '../../src/ir/types.js';
import { HAPROXY_CONFIG_DIR, type HaproxyEmitOptions } from './build.js';
import { HaproxyCodes } from './codes.js';
import { gatewayFiles, sidecarFiles } from './proxies.js';

export { HAPROXY_CONFIG_DIR, HaproxyCodes };
export type { HaproxyEmitOptions };

/**
 * Every file of one proxy among emitted files: `haproxy/<owner>.cfg` and `haproxy/<owner>.*`, where
 * `<owner>` is a service name or `gateway-<name>`. The Kubernetes target puts exactly these in the
 * proxy's ConfigMap (keys: base names) mounted at {@link HAPROXY_CONFIG_DIR}.
 */
export function filesOfProxy(files: readonly OutputFile[], owner: string): OutputFile[] {
  const prefix = `haproxy/${owner}.`;
  return files.filter((f) => f.path.startsWith(prefix));
}

/**
 * The HAProxy files owner by owner, with options (tests bind loopback): a service with a sidecar
 * (its `.cfg` and the maps and keys it loads), a gateway with `proxy: haproxy` (likewise).
 */
export function haproxyUnits(ir: MeshIR, outer: EmitContext, options: HaproxyEmitOptions = {}): UnitEmitter {
  const ctx = once(outer);
  const names = new Set(ir.services.map((s) => s.name));
  return ownerUnits(
    ir.services.filter((s) => s.sidecar),
    ir.gateways.filter((g) => g.proxy === 'haproxy'),
    (svc) => sidecarFiles(ir, svc, ctx, options),
    (gw) => {
      if (!names.has(`gateway-${gw.name}`)) return gatewayFiles(ir, gw, ctx, options);
      ctx.report(HaproxyCodes.OwnerCollision, gw.span, { gateway: gw.name });
      return [];
    },
  );
}

/**
 * Emits the HAProxy files, with options (tests bind loopback). Sorted by path; or, when the caller
 * takes files as they are made (`EmitContext.output`), handed over one proxy at a time.
 */
export function emitHaproxy(ir: MeshIR, outer: EmitContext, options: HaproxyEmitOptions = {}): OutputFile[] {
  return emitAllUnits(haproxyUnits(ir, outer, options), outer);
}

/**
 * Reports each diagnostic once: route rules, clusters and their spans are shared by every proxy that
 * uses them, and a problem with one is one problem.
 */
function once(ctx: EmitContext): EmitContext {
  const seen = new Set<string>();
  const first = (key: unknown[]): boolean => {
    const k = JSON.stringify(key);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  };
  return {
    meshcVersion: ctx.meshcVersion,
    unsupported(feature, span, detail) {
      if (first(['u', feature, span, detail])) ctx.unsupported(feature, span, detail);
    },
    report(info, span, args, extras) {
      if (first(['r', info.code, span, args, extras])) ctx.report(info, span, args, extras);
    },
  };
}

const target: Target = {
  name: 'haproxy',
  description: 'an HAProxy 2.6+ config per service sidecar and per gateway with proxy: haproxy (haproxy/*.cfg, with their map and key files)',
  capabilities: [
    'outbound routing: host, path exact/prefix/regex, headers, query, methods (first match; hosts and paths through maps)',
    'weighted splits across versions',
    'timeouts, retries (retry-on), per-try timeout',
    'path and host rewrites, redirects, direct responses',
    'request and response header set/add/remove',
    'CORS (preflight answers and response headers)',
    'fault abort',
    'load balancing: round-robin, least-request, random, consistent hashing (ring-hash, maglev) on header, cookie or source',
    'active health checks (HTTP or TCP), outlier detection (observe layer7, mark-down)',
    'circuit breaking (per-server maxconn, maxqueue)',
    'mTLS between sidecars (strict, permissive, off); caller identity by certificate URI SAN',
    'allow/deny by identity, address, method and path (403)',
    'rate limits with stick tables (429)',
    'JWT with one RSA or EC key (jwt_verify; alg, iss, aud, exp, nbf)',
    'gateways: HTTP, HTTPS (TLS termination), TCP listeners, http→https redirect, host routing',
    'stats and Prometheus metrics on 127.0.0.1:adminPort',
  ],
  codes: Object.values(HaproxyCodes),
  emit(ir, ctx) {
    return emitHaproxy(ir, ctx);
  },
  units(ir, ctx) {
    return haproxyUnits(ir, ctx);
  },
  async verify(files, ctx) {
    return (await import('./verify.js')).verifyHaproxy(files, ctx);
  },
};

export default target;
