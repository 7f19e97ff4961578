/**
 * Small builders shared by the Envoy emitters: durations, percentages, addresses, TLS contexts,
 * typed extension configs, RE2 escaping, and the emit-wide context (diagnostics, deduplicated).
 * @module
 */
import type { DiagnosticArgs, DiagnosticInfo, Span } from '../../../src/diagnostics/types.js';
import type { CertPathsIR, EndpointIR, MeshIR } from '../../../src/ir/types.js';
import type { EmitContext } from '../../../src/target/types.js';

/** A JSON-like object that becomes YAML. */
export type Obj = { [k: string]: unknown };

/** What every emitter function gets. */
export interface Env {
  /** The whole IR (read only for mesh-wide settings: certs, mTLS mode, trust domain). */
  ir: MeshIR;
  /** The target's context. */
  ctx: EmitContext;
  /** Keys of diagnostics already reported, so a filter shared by many ports is reported once. */
  reported: Set<string>;
}

/** Creates the emit-wide context. */
export function makeEnv(ir: MeshIR, ctx: EmitContext): Env {
  return { ir, ctx, reported: new Set() };
}

/**
 * Reports an unsupported feature once: per feature and user span (a Filter that applies to many
 * ports, or a Route used by many sidecars, is reported once), or per `key` when there is no span.
 */
export function unsupported(env: Env, key: string, feature: string, span: Span | undefined, detail?: string): void {
  const k = span ? `${feature}|${span.file}:${span.line}:${span.column}` : `${key}|${feature}`;
  if (env.reported.has(k)) return;
  env.reported.add(k);
  env.ctx.unsupported(feature, span, detail);
}

/** Reports a catalog diagnostic once per `key`. */
export function report(env: Env, key: string, info: DiagnosticInfo, span: Span | undefined, args: DiagnosticArgs): void {
  if (env.reported.has(key)) return;
  env.reported.add(key);
  env.ctx.report(info, span, args);
}

/** Whole milliseconds as a protobuf JSON Duration (`1.5s`, `0.25s`, `0s`). */
export function dur(ms: number): string {
  const m = Math.max(0, Math.round(ms));
  const s = Math.floor(m / 1000);
  const r = m % 1000;
  return r === 0 ? `${s}s` : `${s}.${String(r).padStart(3, '0').replace(/0+$/, '')}s`;
}

/** A percentage in [0, 100] as an exact `envoy.type.v3.FractionalPercent` (smallest exact denominator). */
export function fraction(percent: number): Obj {
  const p = Math.min(100, Math.max(0, percent));
  const exact = (x: number) => Math.abs(x - Math.round(x)) < 1e-9;
  if (exact(p)) return { numerator: Math.round(p), denominator: 'HUNDRED' };
  if (exact(p * 100)) return { numerator: Math.round(p * 100), denominator: 'TEN_THOUSAND' };
  return { numerator: Math.round(p * 10_000), denominator: 'MILLION' };
}

/** `envoy.config.core.v3.Address` of a socket. */
export function socketAddress(address: string, port: number): Obj {
  return { socket_address: { address, port_value: port } };
}

/** An extension slot: `{ name, typed_config: { '@type': type.googleapis.com/<type>, ...body } }`. */
export function typed(name: string, type: string, body: Obj = {}): Obj {
  return { name, typed_config: any(type, body) };
}

/** A `google.protobuf.Any` holding `type`. */
export function any(type: string, body: Obj = {}): Obj {
  return { '@type': `type.googleapis.com/${type}`, ...body };
}

/** Escapes a literal string for RE2. */
export function re2Escape(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/** Escapes a literal string for an RE2 substitution (`\` starts a group reference). */
export function re2SubstitutionEscape(s: string): string {
  return s.replace(/\\/g, '\\\\');
}

/**
 * Makes a literal string inert in an Envoy substitution format string: `%` is written `%%`.
 * Envoy reads `HeaderValueOption.header.value` of every `*_headers_to_add` (route, virtual host,
 * weighted cluster, local rate limit) as a format string, so that `%DOWNSTREAM_REMOTE_ADDRESS%`
 * would be evaluated and a lone `%` is refused at load. Fields that are not format strings
 * (`host_rewrite_literal`, redirects, `direct_response.body`, CORS values, matchers) take the
 * value as written.
 */
export function formatLiteral(s: string): string {
  return s.includes('%') ? s.replace(/%/g, '%%') : s;
}

/** `envoy.type.matcher.v3.RegexMatcher` for an RE2 pattern (Envoy's default engine is RE2). */
export function regex(pattern: string): Obj {
  return { regex: pattern };
}

/** TLS protocol floor for every context. */
const TLS_PARAMS = { tls_minimum_protocol_version: 'TLSv1_2' };

/** The workload's own certificate from the mesh mount. */
function meshCertificate(certs: CertPathsIR): Obj {
  return { certificate_chain: { filename: certs.cert }, private_key: { filename: certs.key } };
}

/**
 * Downstream mTLS of a sidecar's inbound listener: the mesh certificate, a client certificate
 * required, issued by the mesh CA and carrying a SPIFFE URI SAN of the mesh's trust domain.
 */
export function inboundMtls(env: Env, alpn: string[]): Obj {
  const certs = env.ir.mesh.certs;
  const common: Obj = { tls_params: TLS_PARAMS };
  if (alpn.length > 0) common.alpn_protocols = alpn;
  common.tls_certificates = [meshCertificate(certs)];
  common.validation_context = {
    trusted_ca: { filename: certs.ca },
    match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { prefix: `spiffe://${env.ir.mesh.trustDomain}/` } }],
  };
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: any('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext', {
      common_tls_context: common,
      require_client_certificate: true,
    }),
  };
}

/** Downstream TLS of a gateway listener: its own certificate, no client certificate. */
export function gatewayTls(certPath: string, keyPath: string): Obj {
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: any('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext', {
      common_tls_context: {
        tls_params: TLS_PARAMS,
        alpn_protocols: ['h2', 'http/1.1'],
        tls_certificates: [{ certificate_chain: { filename: certPath }, private_key: { filename: keyPath } }],
      },
    }),
  };
}

/** Upstream mTLS to a callee's sidecar: present the mesh certificate, check the callee's SPIFFE ID. */
export function upstreamMtls(env: Env, peerIdentity: string, sni: string, alpn: string[]): Obj {
  const certs = env.ir.mesh.certs;
  const common: Obj = { tls_params: TLS_PARAMS };
  if (alpn.length > 0) common.alpn_protocols = alpn;
  common.tls_certificates = [meshCertificate(certs)];
  common.validation_context = {
    trusted_ca: { filename: certs.ca },
    match_typed_subject_alt_names: [{ san_type: 'URI', matcher: { exact: peerIdentity } }],
  };
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: any('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', { common_tls_context: common, sni }),
  };
}

/** An IP endpoint as `envoy.config.core.v3.CidrRange` of one host. */
export function hostCidr(e: EndpointIR): Obj {
  return { address_prefix: e.host, prefix_len: e.kind === 'ipv6' ? 128 : 32 };
}

/** Compares strings by code units. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
