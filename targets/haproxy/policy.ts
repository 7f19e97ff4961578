/**
 * Inbound policy: the Filters that target a service port or a gateway listener. Decision order, as
 * the DSL fixes it: a matching deny refuses (403 / connection closed); else a matching allow admits;
 * else the default action. Then rate limits (429) and JWT (401) apply to what was admitted.
 *
 * Who a caller is: behind mTLS, the SPIFFE URI SAN of its verified certificate. HAProxy 2.6 has no
 * SAN fetch, so the test is a substring match of the SAN entry's DER (tag, length and URI; see
 * `uriSanHex`) in `ssl_c_der`. Services without a sidecar, gateways' external clients and callers
 * where no certificates are used (`mtls: off`) are matched by source address; under mTLS
 * permissive, a caller with a sidecar only by its certificate.
 * @module
 */
import type { InboundIR, JwtIR, PolicyRuleIR, RateLimitIR, SourceIR } from '../../src/ir/types.js';
import { MAX_TIMEOUT_MS } from './backends.js';
import type { ProxyBuild } from './build.js';
import { HaproxyCodes } from './codes.js';
import { jwksToPem } from './jwk.js';
import { L, Lif, type Cond, type Line, type Section, type Term } from './model.js';
import { arg, uriSanHex } from './quote.js';

/** How callers can be told apart at this port. */
export interface PolicyInput {
  /** The policy. */
  inbound: InboundIR;
  /** The frontend's name (tables and files are named after it). */
  frontend: string;
  /** Human description for diagnostics, e.g. `service catalog port http`. */
  where: string;
  /** Whether callers present verified mesh certificates here (`strict` or `permissive` sidecar port). */
  identities: boolean;
  /** Whether callers may also come without certificates (mTLS permissive or off, or a gateway). */
  plaintext: boolean;
  /**
   * The service's HTTP health-check path, which callers' proxies probe (`GET <path>`): exempt from
   * allow Filters, the default deny and JWT checks (deny Filters and rate limits still apply), as
   * the Envoy target exempts it — else every caller would mark every endpoint down.
   */
  healthPath?: string;
}

/** What the policy adds to a frontend. */
export interface PolicyOutput {
  /** Directives, in order, for the frontend. */
  lines: Line[];
  /** Stick-table sections for rate limits. */
  tables: Section[];
}

/** Period and burst of a rate limit as one sliding window: `burst` events per `window` ms. */
export function rateWindow(r: RateLimitIR): { windowMs: number; limit: number } {
  return { windowMs: Math.max(1, Math.round((r.perMs * r.burst) / r.requests)), limit: r.burst };
}

/** Builds the policy directives of one port (HTTP or TCP). */
export function policy(build: ProxyBuild, input: PolicyInput): PolicyOutput {
  const { inbound } = input;
  const http = inbound.isHttp;
  const lines: Line[] = [];
  const tables: Section[] = [];
  const act = http ? 'http-request' : 'tcp-request';
  const phase = http ? [] : ['session'];
  const scope = http ? 'txn' : 'sess';

  for (const rule of inbound.deny) {
    const cond = ruleCond(build, input, rule);
    if (cond) lines.push(Lif(cond, act, ...phase, ...(http ? ['deny', 'deny_status', '403'] : ['reject'])));
  }
  const health: Term[] = http && input.healthPath !== undefined ? [{ fetch: 'method', patterns: ['GET'] }, { fetch: 'path', match: 'str', patterns: [input.healthPath] }] : [];
  if (health.length > 0 && (inbound.defaultAction === 'deny' || inbound.jwt.length > 0)) {
    lines.push(Lif([health], 'http-request', 'set-var(txn.health)', 'bool(true)'));
  }
  if (inbound.defaultAction === 'deny') {
    for (const rule of inbound.allow) {
      const cond = ruleCond(build, input, rule);
      if (cond) lines.push(Lif(cond, act, ...phase, `set-var(${scope}.allowed)`, 'bool(true)'));
    }
    if (health.length > 0) lines.push(Lif([[{ fetch: 'var(txn.health)', match: 'found' }]], act, ...phase, `set-var(${scope}.allowed)`, 'bool(true)'));
    lines.push(Lif([[{ fetch: `var(${scope}.allowed)`, match: 'found', not: true }]], act, ...phase, ...(http ? ['deny', 'deny_status', '403'] : ['reject'])));
  }

  if (inbound.rateLimits.length > 3) {
    build.report(HaproxyCodes.TooManyRateLimits, inbound.rateLimits[3]!.span, { where: input.where, count: inbound.rateLimits.length });
  }
  inbound.rateLimits.slice(0, 3).forEach((r, i) => {
    const table = `_rl.${input.frontend}.${r.filter}`;
    const { windowMs, limit } = rateWindow(r);
    if (windowMs > MAX_TIMEOUT_MS) {
      build.report(HaproxyCodes.RateWindowTooLong, r.perSpan ?? r.span, {
        filter: r.filter, burst: r.burst, requests: r.requests, per: `${r.perMs} ms`, window: `${windowMs} ms`,
      });
      return;
    }
    const key = r.by === 'global' ? 'int(0)' : 'src';
    tables.push({
      keyword: 'backend',
      name: table,
      comment: `rate limit ${r.filter}: ${r.requests} per ${r.perMs} ms, burst ${r.burst}, ${r.by}`,
      lines: [L('stick-table', 'type', r.by === 'global' ? 'integer' : 'ipv6', 'size', r.by === 'global' ? '1' : '1m', 'expire', `${windowMs}ms`, 'store', `gpc0_rate(${windowMs}ms)`)],
    });
    lines.push(L(act, ...phase, `track-sc${i}`, key, 'table', table));
    lines.push(Lif([[{ fetch: `sc_gpc0_rate(${i})`, match: 'int', ops: ['ge', String(limit)] }]], act, ...phase, ...(http ? ['deny', 'deny_status', '429'] : ['reject'])));
    lines.push(L(act, ...phase, `sc-inc-gpc0(${i})`));
  });

  inbound.jwt.forEach((j, i) => {
    if (!http) {
      build.unsupported('JWT on a TCP port', j.span);
      return;
    }
    const jl = jwtLines(build, input, j, i);
    // The health check carries no token: its requests skip the JWT's refusals.
    if (health.length > 0) for (const l of jl) if (l.cond && l.words.includes('401')) for (const alt of l.cond) alt.push({ fetch: 'var(txn.health)', match: 'found', not: true });
    lines.push(...jl);
  });
  return { lines, tables };
}

/** The condition under which a deny/allow rule matches, or undefined when it can match nothing. */
function ruleCond(build: ProxyBuild, input: PolicyInput, rule: PolicyRuleIR): Cond | undefined {
  let sources: Term[][];
  if (rule.from.length === 0) sources = [[]];
  else {
    const ids: string[] = [];
    const nets: string[] = [];
    for (const s of rule.from) addSource(build, input, s, ids, nets);
    sources = [];
    if (ids.length > 0) sources.push([{ fetch: 'ssl_c_der,hex', match: 'sub', patterns: ids }]);
    if (nets.length > 0) sources.push([{ fetch: 'src', patterns: nets }]);
    if (sources.length === 0) return undefined;
  }
  const h = rule.http;
  let requests: Term[][] = [[]];
  if (h) {
    const exact = h.paths.filter((p) => p.kind === 'exact').map((p) => p.value);
    const prefix = h.paths.filter((p) => p.kind === 'prefix').map((p) => p.value);
    if (h.paths.length > 0) {
      requests = [];
      if (exact.length > 0) requests.push([pathTerm('str', exact)]);
      if (prefix.length > 0) requests.push([pathTerm('beg', prefix)]);
    }
    if (h.methods.length > 0) for (const alt of requests) alt.push({ fetch: 'method', patterns: h.methods });
  }
  const cond: Cond = [];
  for (const s of sources) for (const r of requests) cond.push([...s, ...r]);
  return cond;
}

/** A path test; an empty prefix matches every path. */
function pathTerm(match: 'str' | 'beg', values: string[]): Term {
  if (match === 'beg' && values.includes('')) return { fetch: 'path', match: 'found' };
  return { fetch: 'path', match, patterns: values };
}

/** Adds what identifies one source at this port. */
function addSource(build: ProxyBuild, input: PolicyInput, s: SourceIR, ids: string[], nets: string[]): void {
  if (s.kind === 'cidr') {
    nets.push(s.cidr);
    return;
  }
  // A caller with a mesh identity is recognised by it alone, also under mTLS permissive: its proxy
  // always presents its certificate, so plaintext from its address is someone else on that host (as
  // the Envoy target: plaintext callers present no identity, and only addresses of callers without
  // one, and CIDRs, match them).
  const byIdentity = input.identities && (s.kind === 'gateway' || s.sidecar);
  if (byIdentity) ids.push(uriSanHex(s.identity));
  else {
    const addrs = s.addresses.filter((a) => a.kind !== 'dns').map((a) => a.host);
    nets.push(...addrs);
    if (!byIdentity && addrs.length === 0) {
      build.unsupported(
        `${s.kind} source without mTLS identity or address`,
        s.span,
        `at ${input.where}, ${s.kind} ${s.name} presents no mesh certificate and has no IP endpoint, so HAProxy cannot recognise its traffic`,
      );
    }
  }
}

/** JWT validation for one filter: `alg`, signature, `iss`, `aud`, `exp`, `nbf`. */
function jwtLines(build: ProxyBuild, input: PolicyInput, j: JwtIR, i: number): Line[] {
  const key = jwksToPem(j.jwks);
  if ('error' in key) {
    build.report(HaproxyCodes.JwksKey, j.span, { filter: j.filter, reason: key.error });
    return [];
  }
  const path = build.addFile(`${input.frontend}.jwt.${j.filter}.pem`, key.pem);
  const tok = `txn.jwt${i}`;
  const has: Term = { fetch: `var(${tok})`, match: 'found' };
  const refuse = ['http-request', 'return', 'status', '401', 'hdr', 'www-authenticate', 'Bearer'];
  const lines: Line[] = [];
  const source = j.fromHeader === 'authorization' ? 'http_auth_bearer' : `req.fhdr(${arg(j.fromHeader)})`;
  lines.push(L('http-request', `set-var(${tok})`, source));
  if (!j.allowMissing) lines.push(Lif([[{ ...has, not: true }]], ...refuse));
  lines.push(Lif([[has, { fetch: `var(${tok}),jwt_header_query($.alg)`, match: 'str', not: true, ops: [key.alg] }]], ...refuse));
  lines.push(Lif([[has, { fetch: `var(${tok}),jwt_verify(${key.alg},${path})`, match: 'int', not: true, ops: ['1'] }]], ...refuse));
  if (build.usable(j.issuer, `filter ${j.filter}: issuer`, j.span)) {
    lines.push(Lif([[has, { fetch: `var(${tok}),jwt_payload_query($.iss)`, match: 'str', not: true, patterns: [j.issuer] }]], ...refuse));
  }
  lines.push(L('http-request', 'set-var(txn.now)', 'date'));
  for (const claim of ['exp', 'nbf']) {
    const v = `txn.jwt${i}${claim}`;
    lines.push(Lif([[has]], 'http-request', `set-var(${v})`, `var(${tok}),jwt_payload_query($.${claim},int)`));
    lines.push(
      Lif([[{ fetch: `var(${v})`, match: 'found' }, { fetch: `var(${v}),sub(txn.now)`, match: 'int', ops: claim === 'exp' ? ['le', '0'] : ['gt', '0'] }]], ...refuse),
    );
  }
  const auds = j.audiences.filter((a) => build.usable(a, `filter ${j.filter}: audience`, j.span));
  if (auds.length > 0) {
    const v = `txn.jwt${i}aud`;
    const paths = ['$.aud', ...Array.from({ length: 8 }, (_, n) => `$.aud[${n}]`)];
    lines.push(Lif(paths.map((p) => [has, { fetch: `var(${tok}),jwt_payload_query(${p})`, match: 'str', patterns: auds }]), 'http-request', `set-var(${v})`, 'bool(true)'));
    lines.push(Lif([[has, { fetch: `var(${v})`, match: 'found', not: true }]], ...refuse));
  }
  return lines;
}
